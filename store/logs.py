"""Per-node log files of each step: <data-dir>/operations/<op>/<nn>-<step>/<node>.log.

Each line is "<UTC time> <out|err> <text>". Logs are append-only and never go into TinyDB.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO


def step_dir(op_dir: Path, index: int, step: str) -> Path:
    return op_dir / f"{index + 1:02d}-{step}"


def log_path(op_dir: Path, index: int, step: str, node: str) -> Path:
    return step_dir(op_dir, index, step) / f"{node}.log"


def stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


class LogWriter:
    """Appends lines to one node's log; lines are flushed as they come so tails see them.

    The file is created with its first line: a task that prints nothing leaves no file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._f: TextIO | None = None

    def write(self, stream: str, text: str) -> str:
        if self._f is None:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            self._f = os.fdopen(fd, "a", buffering=1, encoding="utf-8", errors="replace")
        line = f"{stamp()} {stream} {text}\n"
        self._f.write(line)
        return line

    def close(self) -> None:
        if self._f is not None:
            self._f.close()


def node_logs(op_dir: Path) -> list[tuple[str, str, Path]]:
    """(step dir name, node, path) of every log of an operation, in step order."""
    out = []
    for d in sorted(p for p in op_dir.iterdir() if p.is_dir()) if op_dir.is_dir() else []:
        for log in sorted(d.glob("*.log")):
            out.append((d.name, log.stem, log))
    return out
