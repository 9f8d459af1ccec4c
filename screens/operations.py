"""Operations started from the TUI run in a process of their own: leaving the screen that
started them, or quitting the TUI, does not stop them. The app follows each one while it is
open."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from store.documents.operation import OperationStatus

if TYPE_CHECKING:
    from textual.app import App

    from store.settings import Settings
    from store.store import Store


def start_operation(app: App[Any], store: Store, settings: Settings, op: Any) -> None:
    from engine.execution.detached import run_detached

    async def run() -> None:
        await run_detached(store, op)

    app.run_worker(run(), group="operations", name=op.id, exit_on_error=False)


def confirm_cancel(app: App[Any], store: Store, op_id: str) -> None:
    """Ask, then ask the process running `op_id` to stop; retry resumes it later."""
    from engine.execution.detached import request_cancel
    from engine.execution.runner import OperationError
    from screens.dialogs import ConfirmScreen

    op = store.operations.find(op_id)
    if op is None or op.status != OperationStatus.RUNNING:
        app.notify(f"Operation {op_id} is not running", timeout=3)
        return

    def answer(yes: bool | None) -> None:
        if not yes:
            return
        try:
            request_cancel(store, op_id)
        except OperationError as e:
            app.notify(str(e), severity="warning")
            return
        app.notify(f"Operation {op_id} was asked to stop", title="Cancel")

    app.push_screen(
        ConfirmScreen(
            f"Cancel operation {op_id} ({op.type} of {op.cluster or 'no cluster'})?\n\n"
            "Its running steps stop where they are. Retry resumes it from there.",
            yes="Cancel it",
        ),
        answer,
    )
