"""One TinyDB file with a cross-process lock around every read-modify-write."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock
from tinydb.table import Table

from store.storage import AtomicJSONStorage


class Database:
    def __init__(self, path: Path, lock_timeout: float = 30.0) -> None:
        self.path = path
        self.storage = AtomicJSONStorage(path)
        self._lock = FileLock(str(path) + ".lock", timeout=lock_timeout, mode=0o600)
        with self._lock:
            self.storage.remove_stale_temp_files()
            self.storage.read()  # refuse an unreadable or too-new file right away

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock; reads inside see the latest file, writes cannot interleave."""
        with self._lock:
            yield

    def table(self, name: str) -> Table:
        # A fresh Table each time: TinyDB caches the next document id per Table object, which
        # would be stale once another process has inserted.
        return Table(self.storage, name, cache_size=0)

    def close(self) -> None:
        self.storage.close()
