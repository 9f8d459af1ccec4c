"""Runs one operation from a JSON file in its own process (tests kill it mid-way)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from engine.execution.runner import Runner
from store.documents.operation import Operation
from store.settings import Settings
from store.store import Store

if __name__ == "__main__":
    data_dir, op_file = Path(sys.argv[1]), Path(sys.argv[2])
    op = Operation.model_validate_json(op_file.read_text())
    done = asyncio.run(Runner(Store(data_dir), Settings()).run(op))
    print(done.status.value)
