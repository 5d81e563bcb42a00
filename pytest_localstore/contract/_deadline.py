"""A deadline on each call the contract makes on a store behind a network.

A store that never answers (a request waiting on a server that will not reply,
a lock never released) would hold a run forever. Each call on such a store is
made in a helper thread and waited for at most :attr:`Deadline.seconds`; one
that has not returned by then is left to its thread and raises :class:`Hung`
in the run, which reports it as a violation of its own and goes on with a
fresh store. Calls on a store on this disk are made in the run's own thread,
with no deadline: the handing over would cost more than such a call.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

#: The rule a call that does not return within the deadline breaks.
HUNG_RULE = "returns within the call timeout (--call-timeout)"


class Hung(BaseException):
    """A call did not return within the deadline (not an Exception: no store error handler
    of the contract's may take it for the store's answer)."""

    def __init__(self, seconds: float, what: str = "") -> None:
        super().__init__(f"{what or 'the call'} had not returned after {seconds:g} s")
        self.seconds, self.what = seconds, what


class Deadline:
    """At most *seconds* for each call made through :meth:`call` (None: no deadline)."""

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = seconds
        self._local = threading.local()

    def call(self, work: Callable[[], T], what: str = "") -> T:
        """``work()``, or :class:`Hung` (saying *what* hung) once it has taken longer than the
        deadline."""
        if self.seconds is None:
            return work()
        caller: _Caller | None = getattr(self._local, "caller", None)
        if caller is None or caller.stuck:
            caller = self._local.caller = _Caller()
        return caller.run(work, self.seconds, what)


#: No deadline at all: every call is made at once, in the caller's thread.
NONE = Deadline()


class _Caller:
    """A daemon thread that makes the calls of one thread of the run, one at a time. Once a
    call overruns, it is *stuck* with it (and left to it): the run's thread gets a new one."""

    def __init__(self) -> None:
        self.stuck = False
        # A call is done when its lock, taken before it is handed over, is let go: a bare lock
        # costs less than an Event, in a hand-over made for every call of a run.
        self._work: queue.SimpleQueue[tuple[Callable[[], Any], list[Any], threading.Lock]] = (
            queue.SimpleQueue()
        )
        threading.Thread(target=self._serve, name="localstore-call", daemon=True).start()

    def run(self, work: Callable[[], T], seconds: float, what: str) -> T:
        answer: list[Any] = []
        done = threading.Lock()
        done.acquire()
        self._work.put((work, answer, done))
        if not done.acquire(timeout=seconds):
            self.stuck = True
            raise Hung(seconds, what)
        returned, value = answer.pop()
        if returned:
            return value  # type: ignore[no-any-return]
        try:
            raise value
        finally:
            del value  # this frame, in the error's traceback, would hold it: a cycle

    def _serve(self) -> None:
        while True:
            work, answer, done = self._work.get()
            try:
                answer.append((True, work()))
            except BaseException as error:
                answer.append((False, error))
            finally:
                done.release()
