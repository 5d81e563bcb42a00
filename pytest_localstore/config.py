"""Where the configuration directory is.

``LOCALSTORE_CONFIG_PATH`` wins; without it, the user's config directory for
``localstore`` as the XDG rules place it on Linux: ``$XDG_CONFIG_HOME/localstore``
(an absolute ``XDG_CONFIG_HOME`` only), else ``~/.config/localstore``.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

CONFIG_PATH_ENV = "LOCALSTORE_CONFIG_PATH"
APP_NAME = "localstore"
#: Set by the fake backend to the test process's pid: its config directory exists
#: only inside that process's pyfakefs, so any other process must not use it.
FAKE_BACKEND_ENV = "LOCALSTORE_FAKE_BACKEND_PID"


def user_config_dir(environ: Mapping[str, str] | None = None) -> str:
    """The config directory a user has when ``LOCALSTORE_CONFIG_PATH`` is unset."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or ""
    if not os.path.isabs(base):
        base = os.path.expanduser("~/.config")
    return os.path.join(base, APP_NAME)


def config_dir(environ: Mapping[str, str] | None = None) -> str:
    """The config directory in force: the variable if set, else the user's."""
    env = os.environ if environ is None else environ
    configured = env.get(CONFIG_PATH_ENV)
    owner = env.get(FAKE_BACKEND_ENV)
    if configured and owner and owner != str(os.getpid()):
        from .errors import LocalStoreError

        raise LocalStoreError(
            f"{CONFIG_PATH_ENV}={configured} lives in the pyfakefs filesystem of a pytest-localstore"
            f" fake-backend test (process {owner}), which this process cannot see; run the test on"
            " the disk backend to use subprocesses"
        )
    if configured:
        return os.path.abspath(os.path.expanduser(configured))
    return user_config_dir(env)
