"""Typed repositories over TinyDB tables: every document goes in and out as a pydantic model."""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import ValidationError
from tinydb import Query
from tinydb.queries import QueryInstance

from store import secrets
from store.database import Database
from store.documents.base import Document, field_errors
from store.errors import AlreadyExistsError, DamagedDocumentError, NotFoundError, SecretKeyError
from store.secrets import CONTEXT_KEY, SecretBox

D = TypeVar("D", bound=Document)


class Repository(Generic[D]):
    def __init__(self, db: Database, model: type[D], box: SecretBox) -> None:
        self.db = db
        self.model = model
        self.box = box
        self._context = {CONTEXT_KEY: box}
        # Documents the last list() skipped: one damaged document must not hide the others.
        self.damaged: list[DamagedDocumentError] = []

    @property
    def kind(self) -> str:
        return self.model.KIND

    def _cond(self, key: str) -> QueryInstance:
        q = Query()
        for part in self.model.KEY_PATH:
            q = q[part]
        cond: QueryInstance = q == key
        return cond

    def _load(self, raw: Any) -> D:
        try:
            return self.model.model_validate(dict(raw), context=self._context)
        except ValidationError as e:
            reason = "; ".join(f"{f}: {m}" for f, m in field_errors(e))
            raise DamagedDocumentError(self.db.path, self.kind, self._key(raw), reason) from None
        except SecretKeyError as e:
            field = secrets.undecryptable(raw, self.box) or "?"
            raise SecretKeyError(
                f"the {self.kind} {self._key(raw)!r}, field {field}: {e}"
            ) from None

    def _key(self, raw: Any) -> str:
        for part in self.model.KEY_PATH:
            raw = raw.get(part) if isinstance(raw, dict) else None
        return str(raw or "?")

    def _dump(self, doc: D) -> dict[str, Any]:
        dumped: dict[str, Any] = secrets.dump(
            lambda: doc.model_dump(mode="json", by_alias=True, context=self._context)
        )
        return dumped

    def list(self, where: Callable[[D], bool] | None = None) -> list[D]:
        """Sorted by key; damaged documents are skipped and kept in `damaged`."""
        docs = []
        self.damaged = []
        for raw in self.db.table(self.model.TABLE).all():
            try:
                docs.append(self._load(raw))
            except DamagedDocumentError as e:
                self.damaged.append(e)
        if where is not None:
            docs = [d for d in docs if where(d)]
        return sorted(docs, key=lambda d: d.key)

    def find(self, key: str) -> D | None:
        raw = self.db.table(self.model.TABLE).get(self._cond(key))
        return None if raw is None else self._load(raw)

    def get(self, key: str) -> D:
        doc = self.find(key)
        if doc is None:
            raise NotFoundError(self.kind, key)
        return doc

    def exists(self, key: str) -> bool:
        return self.db.table(self.model.TABLE).contains(self._cond(key))

    def add(self, doc: D) -> D:
        with self.db.transaction():
            table = self.db.table(self.model.TABLE)
            if table.contains(self._cond(doc.key)):
                raise AlreadyExistsError(self.kind, doc.key)
            table.insert(self._dump(doc))
        return doc

    def put(self, doc: D) -> D:
        """Insert or replace the document with the same key."""
        doc = doc.model_copy(update={"updated_at": _now()})
        with self.db.transaction():
            self.db.table(self.model.TABLE).upsert(self._dump(doc), self._cond(doc.key))
        return doc

    def update(self, key: str, change: Callable[[D], D | None]) -> D:
        """Read, change and write one document while holding the lock.

        `change` gets a copy of the current document and returns the new one (or mutates the
        copy and returns None). Nothing is written if it raises.
        """
        with self.db.transaction():
            table = self.db.table(self.model.TABLE)
            raw = table.get(self._cond(key))
            if raw is None:
                raise NotFoundError(self.kind, key)
            current = self._load(raw)
            changed = change(current)
            new = current if changed is None else changed
            if new.key != key:
                raise ValueError(f"update of {self.kind} {key!r} must not change its name")
            # Round-trip through the schema so an invalid change is refused before it is written.
            new = self.model.model_validate(
                self._dump(new.model_copy(update={"updated_at": _now()})), context=self._context
            )
            table.update(_replace_with(self._dump(new)), self._cond(key))
        return new

    def delete(self, key: str) -> None:
        with self.db.transaction():
            removed = self.db.table(self.model.TABLE).remove(self._cond(key))
        if not removed:
            raise NotFoundError(self.kind, key)


def _replace_with(new: dict[str, Any]) -> Callable[[MutableMapping[Any, Any]], None]:
    def replace(doc: MutableMapping[Any, Any]) -> None:
        doc.clear()
        doc.update(new)

    return replace


def _now() -> datetime:
    return datetime.now(UTC)
