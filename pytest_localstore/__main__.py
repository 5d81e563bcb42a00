"""``python -m pytest_localstore``: the ``localstore`` command line."""

from .cli import run

if __name__ == "__main__":
    run()
