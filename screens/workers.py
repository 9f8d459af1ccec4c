"""A worker that fails is reported, not lost: one line on screen, its traceback in
<data-dir>/kctui.log."""

from __future__ import annotations

import os
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.app import App
from textual.worker import Worker, WorkerState

LOG = "kctui.log"


def log_path(app: App[Any]) -> Path | None:
    store = getattr(app, "store", None)
    return None if store is None else Path(store.data_dir) / LOG


def report(app: App[Any], worker: Worker[Any]) -> None:
    """Say that `worker` failed and keep its traceback."""
    error = worker.error
    if error is None:
        return
    where = log_path(app)
    if where is not None:
        text = "".join(traceback.format_exception(error))
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        fd = os.open(where, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a") as f:
            f.write(f"{stamp} worker {worker.name or worker.group} failed\n{text}\n")
    said = str(error).splitlines()[0] if str(error) else type(error).__name__
    app.notify(
        f"{said}" + (f" (details in {where})" if where else ""),
        title=f"{worker.name or worker.group} failed",
        severity="error",
        timeout=10,
    )


class ReportsFailedWorkers:
    """For screens and widgets that run workers: their failures reach `report`."""

    app: App[Any]

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            report(self.app, event.worker)
