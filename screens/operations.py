"""Operations started from the TUI run in the app, not in the screen that started them, so
leaving that screen does not stop them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App

    from store.settings import Settings
    from store.store import Store


def start_operation(app: App[Any], store: Store, settings: Settings, op: Any) -> None:
    from engine import operations

    async def run() -> None:
        await operations.run(store, settings, op)

    app.run_worker(run(), group="operations", name=op.id, exit_on_error=False)
