"""What a contract run says while it runs: progress lines on stderr, or nothing with ``--quiet``.

On a terminal the progress is one line, rewritten in place with the time taken
so far and an estimate of what remains of the part under way (the table rows,
then the state machine), from how fast it has gone; elsewhere (a CI log, a
file) a report is a line of its own, with the same estimate: for the rows (the
runner reports every 20), at most one every ``LOG_EVERY`` seconds and the last
one whatever the time, so a log gets a few lines per target, not one per 20 rows.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TextIO

#: The runner's reports this reads the work done from: rows done of all, the examples planned,
#: and the examples done.
_ROWS = re.compile(r"table rows: (\d+)/(\d+)")
_PLANNED = re.compile(r"state machine: up to (\d+) examples?")
_EXAMPLES = re.compile(r"state machine: (\d+) examples?")
#: Seconds between two lines of the rows' progress in a log.
LOG_EVERY = 2.0


class Progress:
    """Progress of one target's run on *err*: in place on a terminal, lines elsewhere, none if *quiet*."""

    def __init__(
        self, err: TextIO, *, quiet: bool = False, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.err = err
        self.quiet = quiet
        self.in_place = not quiet and _is_terminal(err)
        self.clock = clock
        self.started = clock()
        self._shown = False
        self._machine: tuple[float, int] | None = None  # when the state machine began, its examples
        self._logged = self.started  # when the last line of progress went to a log

    def say(self, message: str) -> None:
        """A line that stays (the target being checked, its time): not shown if quiet."""
        if self.quiet:
            return
        self._clear()
        self.err.write(f"{message}\n")
        self.err.flush()

    def __call__(self, message: str) -> None:
        """One progress report from the runner."""
        if self.quiet:
            return
        now = self.clock()
        left = self._left(message, now)
        timing = f"{now - self.started:.0f} s" + (f", about {left:.0f} s left" if left is not None else "")
        if self.in_place:
            self.err.write(f"\r\x1b[K  {message} ({timing})")
            self._shown = True
        else:
            rows = _ROWS.match(message)
            if rows is not None and rows[1] != rows[2] and now - self._logged < LOG_EVERY:
                return  # too soon after the last line, and not the last of the rows
            self._logged = now
            self.err.write(f"  {message} ({timing})\n")
        self.err.flush()

    def _left(self, message: str, now: float) -> float | None:
        """Seconds the part under way should still take, at the pace it has gone (None: unknown)."""
        rows = _ROWS.match(message)
        if rows is not None:
            done, total = int(rows[1]), int(rows[2])
            return (now - self.started) / done * (total - done) if done else None
        planned = _PLANNED.match(message)
        if planned is not None:
            self._machine = (now, int(planned[1]))
            return None
        examples = _EXAMPLES.match(message)
        if examples is not None and self._machine is not None and int(examples[1]):
            began, total = self._machine
            done = int(examples[1])
            return (now - began) / done * max(total - done, 0)
        return None

    def done(self) -> None:
        """End the line rewritten in place, if one is shown."""
        self._clear()

    def _clear(self) -> None:
        if self._shown:
            self.err.write("\r\x1b[K")
            self._shown = False


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
