"""Known secret values never reach a log line or an error message."""

from __future__ import annotations

from collections.abc import Iterable

MASK = "********"
MIN_LENGTH = 4  # shorter values would mask ordinary words


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self.add(*secrets)

    def add(self, *values: str) -> None:
        for value in values:
            if value and len(value) >= MIN_LENGTH:
                self._secrets.add(value)
                stripped = value.strip()
                if len(stripped) >= MIN_LENGTH:
                    self._secrets.add(stripped)

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, MASK)
        return text
