"""Where a contract run keeps Hypothesis's example database: a directory, or a Redis server.

Shards that share one database replay first what any of them saw fail. A directory serves
the shards of one machine (or a CI cache); a ``redis://`` URL serves shards on many machines.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .._extras import unmet

if TYPE_CHECKING:
    from hypothesis.database import ExampleDatabase

REDIS_SCHEMES = ("redis://", "rediss://")
#: What *spec* should have been, said in every error about it.
EXPECTED = "expected a directory (made if missing) or a redis://HOST:PORT/DB URL"
#: A URL's scheme ('http:/', 'redis:/' with one slash): never taken for a directory's name.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:/")
#: Seconds to connect to the Redis server, and for any one command.
REDIS_TIMEOUT = 5


class DatabaseError(ValueError):
    """A ``--database`` that cannot hold Hypothesis's examples; the message names it."""


def is_redis_url(spec: str) -> bool:
    """Whether *spec* names a Redis server rather than a directory."""
    return spec.lower().startswith(REDIS_SCHEMES)


def example_database(spec: str | ExampleDatabase | None) -> ExampleDatabase | None:
    """The database *spec* names: a directory (made when first written), a Redis URL
    (``redis://HOST:PORT/DB``, checked with one PING), or a database given as it is.
    A value that can be neither is :class:`DatabaseError`, before anything is written."""
    if spec is None or not isinstance(spec, str):
        return spec
    if is_redis_url(spec):
        return _redis_database(spec)
    if not spec or _SCHEME.match(spec):
        raise DatabaseError(f"{spec!r}: {EXPECTED}")
    _check_directory(spec)
    from hypothesis.database import DirectoryBasedExampleDatabase

    return DirectoryBasedExampleDatabase(spec)


def _check_directory(spec: str) -> None:
    """DatabaseError unless *spec* is a directory, or can be made one (what exists of it is)."""
    place = os.path.abspath(spec)
    while not os.path.lexists(place):
        place = os.path.dirname(place)
    if not os.path.isdir(place):
        where = "" if place == os.path.abspath(spec) else f" ({place} is not a directory)"
        raise DatabaseError(f"{spec!r}: {EXPECTED}{where}")


def _redis_database(spec: str) -> ExampleDatabase:
    try:
        parts = urlsplit(spec)
        parts.port  # noqa: B018 - read for its ValueError on a port that is not a number
    except ValueError as error:
        raise DatabaseError(f"{spec!r}: {EXPECTED} ({error})") from None
    number = parts.path.strip("/")
    if not parts.hostname or not (number == "" or number.isdigit()):
        raise DatabaseError(f"{spec!r}: {EXPECTED} (a host, and a number for DB)")
    missing = unmet("redis", "a Redis database")
    if missing is not None:
        raise DatabaseError(f"{spec!r}: {missing}")
    from hypothesis.extra.redis import RedisExampleDatabase
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        client = Redis.from_url(spec, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT)
        client.ping()
    except (RedisError, ValueError) as error:
        raise DatabaseError(f"{spec!r}: cannot use a Redis database there: {error}") from None
    return RedisExampleDatabase(client)
