"""Threads for a contract run: its rows, examples and replays run at once, read in order.

A store behind a network spends most of a call waiting for its answer, so a
run with several jobs keeps that many calls waiting at once. The runner reads
every result in the order the work was given, never in the order it ends, so
the report is the same for any number of jobs. With one job nothing runs in a
thread: a piece of work runs when its result is first asked for.
"""

from __future__ import annotations

import threading
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

#: The first Hypothesis whose runs may go on in several threads at once.
THREADSAFE_HYPOTHESIS = (6, 136)


class Pending(Protocol[T_co]):
    """What :meth:`Jobs.submit` gives: a result to wait for, or work to call off."""

    def result(self) -> T_co: ...
    def cancel(self) -> bool: ...


class _Later(Generic[T]):
    """Work done when its result is first asked for (one job: no thread)."""

    def __init__(self, work: Callable[[], T]) -> None:
        self._work: Callable[[], T] | None = work
        self._value: T | None = None
        self._error: BaseException | None = None

    def result(self) -> T:
        if self._work is not None:
            work, self._work = self._work, None
            try:
                self._value = work()
            except BaseException as error:
                self._error = error
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]

    def cancel(self) -> bool:
        if self._work is None:
            return False
        self._work = None
        self._error = RuntimeError("cancelled")
        return True


class Jobs:
    """Up to *count* pieces of work at once, in threads (none for one job).

    :attr:`ending` is set once the run no longer wants what is still under way;
    work that is long checks it and stops early.
    """

    def __init__(self, count: int) -> None:
        self.count = max(1, count)
        self.ending = threading.Event()
        self._pool = ThreadPoolExecutor(self.count, "localstore-contract") if self.count > 1 else None

    def submit(self, work: Callable[..., T], *args: Any) -> Pending[T]:
        """Start *work(*args)* (with one job: when its result is asked for)."""
        if self._pool is None:
            return _Later(lambda: work(*args))
        future: Future[T] = self._pool.submit(work, *args)
        return future

    def close(self) -> None:
        """Call off work not started, tell the rest to end, and wait for it."""
        self.ending.set()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Jobs:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class ThreadCounts(Counter[str]):
    """A counter that stands for the one each thread sets with :meth:`start`: a machine class
    shared by runs in several threads counts each run's calls in that run's own."""

    def __init__(self) -> None:
        super().__init__()
        self._local = threading.local()

    def start(self, counts: Counter[str]) -> None:
        """Count this thread's calls in *counts* from now on."""
        self._local.counts = counts

    def __getitem__(self, key: str) -> int:
        return int(self._local.counts[key])

    def __setitem__(self, key: str, value: int) -> None:
        self._local.counts[key] = value


class ThreadKnown:
    """The causes known to the run in this thread (set with :meth:`start`): what a machine
    class shared by runs in several threads drops examples for."""

    def __init__(self) -> None:
        self._local = threading.local()

    def start(self, known: frozenset[tuple[str, str, str]]) -> None:
        """Know *known* in this thread from now on."""
        self._local.known = known

    def __contains__(self, cause: object) -> bool:
        return cause in self._local.known


def hypothesis_threadsafe() -> bool:
    """Whether the installed Hypothesis runs tests in several threads at once."""
    import hypothesis

    return tuple(hypothesis.__version_info__[:2]) >= THREADSAFE_HYPOTHESIS


class WarningLog(threading.local):
    """The warnings raised in each thread, each thread's own list (set with :meth:`start`)."""

    messages: list[str] | None = None

    def start(self) -> list[str]:
        """A new list for this thread's warnings from now on."""
        self.messages = []
        return self.messages


@contextmanager
def warnings_per_thread() -> Iterator[WarningLog]:
    """Every warning shown, in any thread, goes to that thread's list in the log (not to stderr).

    ``warnings.catch_warnings`` changes what the whole process does and is not safe in
    threads; this is entered once, by the thread that runs the contract.
    """
    log = WarningLog()

    def show(
        message: Any, category: Any, filename: Any, lineno: Any, file: Any = None, line: Any = None
    ) -> None:
        if log.messages is not None:
            log.messages.append(str(message))

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = show
        yield log
