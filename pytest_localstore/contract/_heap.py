"""The heap a contract run starts with, kept out of the garbage collector's way while it runs.

A run makes and drops many small objects, and each full collection walks every object the
process holds: the libraries of a store behind a network (ZenML, botocore, the Azure SDK)
hold hundreds of thousands. Hypothesis also runs one full collection in each new thread it
runs a test in. Objects that were there before the run are not the run's garbage, so they
are set aside (``gc.freeze``) for its length, and collections walk only what the run made.

The run's own garbage is collected at its end, while the stores' clients are still up: a
client's object whose finalizer needs the client's event loop (an s3fs file not closed) would
otherwise be finalized at exit, once that loop is gone, and hang the process.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def frozen_heap() -> Iterator[None]:
    """For the block: the objects alive at its start left out of every collection (their
    garbage collected first), and the block's garbage collected at its end; as before after
    it. A heap already frozen is left as it is."""
    if gc.get_freeze_count():  # frozen by the program: not ours to thaw
        try:
            yield
        finally:
            gc.collect()
        return
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.collect()  # what the run left in cycles, finalized now
        gc.unfreeze()
