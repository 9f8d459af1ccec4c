"""A TinyDB storage whose writes are atomic and durable, and whose reads notice other writers.

Each write goes to a temp file in the same directory, is fsynced, renamed over the state file,
and the directory is fsynced: a crash at any point leaves either the old or the new file.
Reads are served from memory until the file's identity (inode, mtime, size) changes, which is
how a process sees what another kctui process wrote.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from store.errors import SchemaTooNewError, StateFileCorruptError

SCHEMA_VERSION = 1
META_TABLE = "_meta"
META_ID = "1"

Tables = dict[str, dict[str, Any]]
Stamp = tuple[int, int, int]


def _stamp(path: Path) -> Stamp | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def schema_version_of(tables: Tables) -> int:
    meta = tables.get(META_TABLE, {}).get(META_ID, {})
    version = meta.get("schema_version", SCHEMA_VERSION) if isinstance(meta, dict) else None
    if not isinstance(version, int):
        return -1
    return version


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o600, durable: bool = True) -> None:
    """Replace `path` with `data` so that a crash leaves either the old or the new content.

    `durable=False` skips the fsyncs: still atomic when a process dies, not across power loss.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(e, OSError) and not e.filename:
            # a full disk fails in write(), which names no file: name the one being replaced
            raise OSError(e.errno, e.strerror, str(path)) from e
        raise
    if durable:
        fsync_dir(path.parent)


class AtomicJSONStorage(Storage):
    def __init__(self, path: Path, schema_version: int = SCHEMA_VERSION) -> None:
        self.path = path
        self.schema_version = schema_version
        self._tables: Tables | None = None
        self._stamp: Stamp | None = None

    def read(self) -> Tables | None:
        stamp = _stamp(self.path)
        if stamp is None:
            self._tables, self._stamp = None, None
            return None
        if stamp != self._stamp or self._tables is None:
            self._tables = self._load()
            self._stamp = stamp
        return self._tables

    def _load(self) -> Tables:
        try:
            raw = self.path.read_bytes()
        except OSError as e:
            raise StateFileCorruptError(self.path, e.strerror or str(e)) from None
        try:
            tables = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise StateFileCorruptError(self.path, f"not valid JSON: {e}") from None
        if not isinstance(tables, dict) or not all(isinstance(t, dict) for t in tables.values()):
            raise StateFileCorruptError(self.path, "not a kctui state file")
        found = schema_version_of(tables)
        if found < 0:
            raise StateFileCorruptError(self.path, "its schema version is not a number")
        if found > self.schema_version:
            raise SchemaTooNewError(self.path, found, self.schema_version)
        return tables

    def write(self, data: Tables) -> None:
        data[META_TABLE] = {META_ID: {"schema_version": self.schema_version}}
        payload = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
        try:
            atomic_write_bytes(self.path, payload)
        except BaseException:
            # TinyDB changed our cached dict in place before calling write: forget it.
            self._tables, self._stamp = None, None
            raise
        self._tables, self._stamp = data, _stamp(self.path)

    def close(self) -> None:
        self._tables, self._stamp = None, None

    def remove_stale_temp_files(self) -> None:
        """Delete temp files left by a writer that died. Call only while holding the lock."""
        for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            stale.unlink(missing_ok=True)
