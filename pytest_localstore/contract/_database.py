"""Where a contract run keeps Hypothesis's example database: a directory, or a Redis server.

Shards that share one database replay first what any of them saw fail. A directory serves
the shards of one machine (or a CI cache); a ``redis://`` URL serves shards on many machines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._extras import unmet

if TYPE_CHECKING:
    from hypothesis.database import ExampleDatabase

REDIS_SCHEMES = ("redis://", "rediss://")


class DatabaseError(ValueError):
    """A ``--database`` that cannot hold Hypothesis's examples; the message names it."""


def is_redis_url(spec: str) -> bool:
    """Whether *spec* names a Redis server rather than a directory."""
    return spec.lower().startswith(REDIS_SCHEMES)


def example_database(spec: str | ExampleDatabase | None) -> ExampleDatabase | None:
    """The database *spec* names: a directory (made when first written), a Redis URL
    (``redis://HOST:PORT/DB``, checked with one PING), or a database given as it is."""
    if spec is None or not isinstance(spec, str):
        return spec
    if not is_redis_url(spec):
        from hypothesis.database import DirectoryBasedExampleDatabase

        return DirectoryBasedExampleDatabase(spec)
    missing = unmet("redis", "a Redis database")
    if missing is not None:
        raise DatabaseError(f"{spec!r}: {missing}")
    from hypothesis.extra.redis import RedisExampleDatabase
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        client = Redis.from_url(spec, socket_connect_timeout=5, socket_timeout=30)
        client.ping()
    except (RedisError, ValueError) as error:
        raise DatabaseError(f"{spec!r}: cannot reach a Redis server there: {error}") from None
    return RedisExampleDatabase(client)
