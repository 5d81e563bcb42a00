"""What a contract run says while it runs: progress lines on stderr, or nothing with ``--quiet``.

On a terminal the progress is one line, rewritten in place with the time taken
so far; elsewhere (a CI log, a file) each report is a line of its own, as the
runner sends them (every 20 rows, every 2 seconds of the state machine).
"""

from __future__ import annotations

import time
from typing import TextIO


class Progress:
    """Progress of one target's run on *err*: in place on a terminal, lines elsewhere, none if *quiet*."""

    def __init__(self, err: TextIO, *, quiet: bool = False) -> None:
        self.err = err
        self.quiet = quiet
        self.in_place = not quiet and _is_terminal(err)
        self.started = time.monotonic()
        self._shown = False

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
        elapsed = time.monotonic() - self.started
        if self.in_place:
            self.err.write(f"\r\x1b[K  {message} ({elapsed:.0f} s)")
            self._shown = True
        else:
            self.err.write(f"  {message}\n")
        self.err.flush()

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
