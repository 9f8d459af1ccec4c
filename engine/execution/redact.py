"""Known secret values, and kubeadm's bootstrap tokens and certificate keys by their shape,
never reach a log line or an error message."""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "********"
MIN_LENGTH = 4  # shorter values would mask ordinary words
# kubeadm prints the tokens it makes (join commands) and, alone on a line, the certificate key.
SHAPES = [
    (re.compile(r"\b[a-z0-9]{6}\.[a-z0-9]{16}\b"), MASK),
    (re.compile(r"(--certificate-key[ =])\S+"), rf"\g<1>{MASK}"),
    (re.compile(r"^\s*[0-9a-f]{64}\s*$"), MASK),
]


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
        for shape, mask in SHAPES:
            text = shape.sub(mask, text)
        return text
