"""Secrets at rest: a Fernet key in <data-dir>/secret.key and a `Secret` value type.

A `Secret` never shows its plaintext through repr/str or a plain `model_dump`; only the
store, which passes a `SecretBox` in the serialisation context, turns it into ciphertext.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from store.errors import SecretKeyError

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
    from pydantic.json_schema import JsonSchemaValue
    from pydantic_core import core_schema

MASK = "********"
PREFIX = "enc:v1:"
CONTEXT_KEY = "secret_box"


class SecretBox:
    """Encrypts and decrypts secrets with the data dir's key, created on first use."""

    def __init__(self, key_path: Path) -> None:
        self.key_path = key_path
        self._fernet: Any = None

    def _load(self, create: bool) -> Any:
        if self._fernet is not None:
            return self._fernet
        from cryptography.fernet import Fernet

        try:
            key = self.key_path.read_bytes().strip()
        except FileNotFoundError:
            stored = self.stored_secrets()
            if not create or stored:
                raise SecretKeyError(
                    f"{self.key_path} is missing and {stored} secrets are stored with it; put "
                    "back the secret.key of this data dir (a new key would make them unreadable)"
                ) from None
            key = self._create_key(Fernet.generate_key())
        try:
            self._fernet = Fernet(key)
        except ValueError:
            raise SecretKeyError(
                f"{self.key_path} does not hold a valid key; put back the original secret.key"
            ) from None
        return self._fernet

    def stored_secrets(self) -> int:
        """How many encrypted values the data dir holds (its state file and operations)."""
        data = self.key_path.parent
        files = [data / "state.json", *data.glob("operations/*/operation.json")]
        count = 0
        for path in files:
            try:
                count += path.read_bytes().count(PREFIX.encode())
            except OSError:
                continue
        return count

    def _create_key(self, key: bytes) -> bytes:
        """Written whole under a temporary name and linked into place: a kill at any moment
        leaves either no key or the whole key, never an empty one."""
        self.key_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = self.key_path.with_name(f".{self.key_path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, self.key_path)
        except FileExistsError:
            # Another process created it between our read and our create: use theirs.
            return self.key_path.read_bytes().strip()
        finally:
            tmp.unlink(missing_ok=True)
        return key

    def encrypt(self, plaintext: str) -> str:
        token: bytes = self._load(create=True).encrypt(plaintext.encode())
        return PREFIX + token.decode()

    def decrypt(self, stored: str) -> str:
        from cryptography.fernet import InvalidToken

        try:
            plain: bytes = self._load(create=False).decrypt(stored[len(PREFIX) :].encode())
        except InvalidToken:
            raise SecretKeyError(
                f"a stored secret does not match {self.key_path}; put back the secret.key "
                "this data dir was written with, or re-enter the secret"
            ) from None
        return plain.decode()


def undecryptable(raw: Any, box: SecretBox, where: str = "") -> str | None:
    """The field (a.b[0].c) of the first encrypted value in `raw` that `box` cannot read."""
    if isinstance(raw, str) and raw.startswith(PREFIX):
        try:
            box.decrypt(raw)
        except SecretKeyError:
            return where
        return None
    items = (
        raw.items() if isinstance(raw, dict) else enumerate(raw) if isinstance(raw, list) else ()
    )
    for name, value in items:
        inner = (
            f"{where}[{name}]" if isinstance(name, int) else f"{where}.{name}" if where else name
        )
        found = undecryptable(value, box, inner)
        if found is not None:
            return found
    return None


def dump(fn: Any) -> Any:
    """Run a serialisation; a key problem met while encrypting is raised as itself, not as
    pydantic's wrapper around it."""
    from pydantic_core import PydanticSerializationError

    try:
        return fn()
    except PydanticSerializationError as e:
        marker = "SecretKeyError: "
        if marker in str(e):
            raise SecretKeyError(str(e).split(marker, 1)[1]) from None
        raise


class Secret:
    """A secret string. Its plaintext is only reachable through `reveal()`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __str__(self) -> str:
        return MASK

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        from pydantic_core import core_schema

        return core_schema.with_info_plain_validator_function(
            _validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                _serialize, info_arg=True, when_used="always"
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "format": "password", "writeOnly": True}


def _box(info: Any) -> SecretBox | None:
    context = getattr(info, "context", None)
    if isinstance(context, dict):
        box = context.get(CONTEXT_KEY)
        if isinstance(box, SecretBox):
            return box
    return None


def _validate(value: Any, info: core_schema.ValidationInfo) -> Secret:
    if isinstance(value, Secret):
        return value
    if not isinstance(value, str):
        raise ValueError("a secret must be a string")
    if value.startswith(PREFIX):
        box = _box(info)
        if box is None:
            raise ValueError("an encrypted secret can only be read by the store")
        return Secret(box.decrypt(value))
    if value == MASK:
        raise ValueError("the masked value ******** is not a secret; enter the real one")
    return Secret(value)


def _serialize(value: Secret, info: Any) -> str:
    box = _box(info)
    if box is None:
        return MASK
    return box.encrypt(value.reveal())
