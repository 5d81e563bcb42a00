"""The exit statuses of ``localstore``: one place, for the commands and their tests."""

from __future__ import annotations

import signal

#: The command did what was asked (and a contract run found the stores conforming).
OK = 0
#: A contract run found violations, or a store or its factory ended the run early.
VIOLATIONS = 1
#: Bad input: an unknown target, a bad option, a registry that cannot be used.
USAGE_ERROR = 2


def stopped_by(signum: int) -> int:
    """The status of a run stopped by signal *signum*, as a shell reports it: 130 Ctrl-C, 143 SIGTERM."""
    return 128 + signum


#: Stopped by Ctrl-C.
INTERRUPTED = stopped_by(signal.SIGINT)
