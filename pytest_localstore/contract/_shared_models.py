"""botocore's service models parsed once per contract run, however many client sessions it makes.

A factory that builds a new client session per store (a new ZenML ``S3ArtifactStore``, a new
``s3fs.S3FileSystem`` with ``skip_instance_cache``) makes a new botocore session each time, and
each session parses botocore's JSON service models again: about 0.1 s of CPU per store, most of
the time of a run on such a factory. While :class:`SharedModels` is active, every new session
of the process takes its data loader (which holds the parsed models, read-only) from the one
made first for the same data path. Nothing is imported: sessions are shared only once
something else has imported botocore.
"""

from __future__ import annotations

import sys
import threading
from types import TracebackType
from typing import Any


class SharedModels:
    """Makes new botocore sessions share one data loader per data path while active."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaders: dict[Any, Any] = {}
        self._original: Any = None
        self._module: Any = None

    def __enter__(self) -> SharedModels:
        self.share()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        with self._lock:
            if self._module is not None and self._module.create_loader == self._shared:
                self._module.create_loader = self._original
            self._module = self._original = None
            self._loaders.clear()

    def share(self) -> None:
        """Start sharing, if botocore is imported by now (cheap to call after every new store)."""
        module: Any = sys.modules.get("botocore.session")
        if module is None or self._module is not None:
            return
        with self._lock:
            if self._module is None:
                self._original, self._module = module.create_loader, module
                module.create_loader = self._shared

    def _shared(self, search_path_string: Any = None) -> Any:
        key = search_path_string if isinstance(search_path_string, str | None) else tuple(search_path_string)
        with self._lock:
            loader = self._loaders.get(key)
            if loader is None:
                loader = self._loaders[key] = self._original(search_path_string)
            return loader
