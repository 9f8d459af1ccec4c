"""The base of every stored document: camelCase on disk and in YAML, strict about unknown fields."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

# Free text for people: long enough for a paragraph, short enough to list and store.
Description = Annotated[str, Field(max_length=1024)]


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


def field_errors(error: ValidationError) -> list[tuple[str, str]]:
    """(field, message) for each of pydantic's errors, the field written as in YAML: a.b[0].c."""
    found = []
    for err in error.errors():
        where = ""
        for part in err["loc"]:
            where += f"[{part}]" if isinstance(part, int) else f".{part}" if where else str(part)
        found.append((where, err["msg"]))
    return found
