"""Errors raised by the store. Each message names the file or document and the fix."""

from __future__ import annotations

from pathlib import Path


class StoreError(Exception):
    """Base class of every store error."""


class SchemaTooNewError(StoreError):
    def __init__(self, path: Path, found: int, supported: int) -> None:
        super().__init__(
            f"{path} was written by a newer kctui (schema version {found}; this kctui "
            f"understands up to {supported}). Upgrade kctui to use this data dir; "
            "the file was left untouched."
        )
        self.path = path
        self.found = found
        self.supported = supported


class StateFileCorruptError(StoreError):
    def __init__(
        self, path: Path, reason: str, fix: str = "move it aside to start with an empty store"
    ) -> None:
        super().__init__(
            f"{path} cannot be read ({reason}). It was left untouched: restore it from a "
            f"backup or {fix}."
        )
        self.path = path
        self.reason = reason


class NotFoundError(StoreError):
    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"no {kind} named {key!r}")
        self.kind = kind
        self.key = key


class DamagedDocumentError(StoreError):
    """A stored document that its schema refuses (edited by hand, or written by a damaged disk)."""

    def __init__(self, path: Path, kind: str, key: str, reason: str) -> None:
        super().__init__(
            f"{path}: the {kind} {key!r} is damaged ({reason}); it was left untouched: fix it "
            "in that file or restore the file from a backup"
        )
        self.path = path
        self.kind = kind
        self.key = key
        self.reason = reason


class AlreadyExistsError(StoreError):
    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"a {kind} named {key!r} already exists; pick another name")
        self.kind = kind
        self.key = key


class SecretKeyError(StoreError):
    """The secret key file is missing, unreadable, or does not match the stored secrets."""
