"""The base of every stored document: camelCase on disk and in YAML, strict about unknown fields."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Model(BaseModel):
    """A nested value: camelCase aliases, unknown fields refused, assignments validated."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        validate_assignment=True,
        # Schemas are built on first use, not at import: start-up of the TUI stays fast.
        defer_build=True,
    )


class Document(Model):
    """A top-level stored document, found in its table by the value at KEY_PATH.

    KEY_PATH parts are one lowercase word each, so field name and stored alias agree.
    """

    KIND: ClassVar[str]
    TABLE: ClassVar[str]
    KEY_PATH: ClassVar[tuple[str, ...]] = ("name",)

    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def key(self) -> str:
        value: Any = self
        for part in self.KEY_PATH:
            value = getattr(value, part)
        return str(value)
