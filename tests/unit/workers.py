"""Processes the store tests start: python -m tests.unit.workers ROLE DATA_DIR ARGS..."""

from __future__ import annotations

import sys
from pathlib import Path

from store.database import Database
from store.documents.base import Document
from store.repository import Repository
from store.secrets import SecretBox


class Counter(Document):
    KIND = "counter"
    TABLE = "counters"

    name: str
    value: int = 0
    padding: str = ""


def counters(data_dir: Path) -> Repository[Counter]:
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    return Repository(
        Database(data_dir / "state.json"), Counter, SecretBox(data_dir / "secret.key")
    )


def write_forever(data_dir: Path, start: int, padding: int) -> None:
    """Write value start, start+1, ... printing each value once its write has returned."""
    repo = counters(data_dir)
    value = start
    while True:
        repo.put(Counter(name="c", value=value, padding="x" * padding))
        print(value, flush=True)
        value += 1


def increment(data_dir: Path, times: int) -> None:
    repo = counters(data_dir)

    def bump(c: Counter) -> None:
        c.value += 1

    for _ in range(times):
        repo.update("c", bump)


if __name__ == "__main__":
    role, data = sys.argv[1], Path(sys.argv[2])
    if role == "writer":
        write_forever(data, int(sys.argv[3]), int(sys.argv[4]))
    elif role == "increment":
        increment(data, int(sys.argv[3]))
    else:
        raise SystemExit(f"unknown role {role}")
