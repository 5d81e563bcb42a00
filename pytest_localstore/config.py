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
ZENML_CONFIG_PATH_ENV = "ZENML_CONFIG_PATH"
#: Set by the fake backend to the test process's pid: its config directory exists
#: only inside that process's pyfakefs, so any other process must not use it.
FAKE_BACKEND_ENV = "LOCALSTORE_FAKE_BACKEND_PID"


def user_config_dir(environ: Mapping[str, str] | None = None, app: str = APP_NAME) -> str:
    """The config directory a user has for *app* when no variable says otherwise."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or ""
    if not os.path.isabs(base):
        base = os.path.expanduser("~/.config")
    return os.path.join(base, app)


def zenml_config_dir(environ: Mapping[str, str] | None = None) -> str:
    """ZenML's global config directory: ``ZENML_CONFIG_PATH``, else its XDG place (found without ZenML)."""
    env = os.environ if environ is None else environ
    configured = env.get(ZENML_CONFIG_PATH_ENV)
    if configured:
        return os.path.abspath(os.path.expanduser(configured))
    return user_config_dir(env, "zenml")


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
