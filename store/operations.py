"""Operations, each in its own file: <data-dir>/operations/<op>/operation.json.

A running operation is written after every node-task change; keeping each in its own small
file makes that write cost the same with 1 or 1,000 past operations in the store. Only the
process holding the operation's owner lock writes it (engine/execution/locks.py).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from store import secrets
from store.documents.base import field_errors
from store.documents.operation import Operation
from store.errors import (
    AlreadyExistsError,
    NotFoundError,
    SecretKeyError,
    StateFileCorruptError,
)
from store.secrets import CONTEXT_KEY, SecretBox
from store.storage import atomic_write_bytes

FILE = "operation.json"
ASIDE = "move its directory out of the operations directory"


class OperationRepository:
    KIND = "operation"

    def __init__(self, root: Path, box: SecretBox) -> None:
        self.root = root
        self._context = {CONTEXT_KEY: box}
        # Files the last list() skipped because they cannot be read: one damaged operation
        # must not hide the others or block new ones.
        self.damaged: list[StateFileCorruptError] = []

    def dir(self, op_id: str) -> Path:
        if not op_id or "/" in op_id or op_id.startswith("."):
            raise NotFoundError(self.KIND, op_id)
        return self.root / op_id

    def _path(self, op_id: str) -> Path:
        return self.dir(op_id) / FILE

    def _read(self, path: Path) -> Operation:
        data = path.read_bytes()
        try:
            return Operation.model_validate_json(data, context=self._context)
        except ValidationError as e:
            reason = "; ".join(f"{f}: {m}" for f, m in field_errors(e)[:3])
            raise StateFileCorruptError(path, f"not a valid operation: {reason}", ASIDE) from None
        except ValueError as e:
            raise StateFileCorruptError(path, f"not a valid operation: {e}", ASIDE) from None
        except SecretKeyError as e:
            field = secrets.undecryptable(json.loads(data), self._context[CONTEXT_KEY]) or "?"
            raise SecretKeyError(f"{path}, field {field}: {e}") from None

    def find(self, op_id: str) -> Operation | None:
        path = self._path(op_id)
        try:
            return self._read(path)
        except FileNotFoundError:
            return None

    def get(self, op_id: str) -> Operation:
        op = self.find(op_id)
        if op is None:
            raise NotFoundError(self.KIND, op_id)
        return op

    def exists(self, op_id: str) -> bool:
        return self._path(op_id).exists()

    def list(self, where: Callable[[Operation], bool] | None = None) -> list[Operation]:
        """Oldest first; damaged files are skipped and kept in `damaged`."""
        if not self.root.is_dir():
            return []
        ops = []
        self.damaged = []
        for path in self.root.glob(f"*/{FILE}"):
            try:
                op = self._read(path)
            except FileNotFoundError:
                continue
            except StateFileCorruptError as e:
                self.damaged.append(e)
                continue
            except SecretKeyError as e:
                self.damaged.append(StateFileCorruptError(path, str(e), ASIDE))
                continue
            if where is None or where(op):
                ops.append(op)
        return sorted(ops, key=lambda o: (o.created_at, o.id))

    def add(self, op: Operation) -> Operation:
        d = self.dir(op.id)
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            d.mkdir(mode=0o700)
        except FileExistsError:
            raise AlreadyExistsError(self.KIND, op.id) from None
        return self.save(op)

    def encode(self, op: Operation) -> bytes:
        """The file content for `op`: cheap enough to take on every task change."""
        text: str = secrets.dump(lambda: op.model_dump_json(by_alias=True, context=self._context))
        return text.encode()

    def write(self, op_id: str, data: bytes, durable: bool = True) -> None:
        atomic_write_bytes(self._path(op_id), data, durable=durable)

    def save(self, op: Operation) -> Operation:
        self.write(op.id, self.encode(op))
        return op

    def put(self, op: Operation) -> Operation:
        if not self.dir(op.id).exists():
            return self.add(op)
        return self.save(op)

    def update(self, op_id: str, change: Callable[[Operation], Operation | None]) -> Operation:
        current = self.get(op_id)
        changed = change(current)
        return self.save(current if changed is None else changed)

    def delete(self, op_id: str) -> None:
        d = self.dir(op_id)
        if not d.exists():
            raise NotFoundError(self.KIND, op_id)
        for path in sorted(d.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            path.unlink() if path.is_file() or path.is_symlink() else path.rmdir()
        os.rmdir(d)
