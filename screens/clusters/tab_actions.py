"""What the actions of a cluster screen's tabs share: the screen they run on, and how an
operation they start is followed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from store.settings import Settings
    from store.store import Store


class TabActions:
    """Mixed into the cluster detail screen, which gives these."""

    store: Store
    settings: Callable[[], Settings]
    cluster_name: str
    app: Any
    notify: Any
    query_one: Any
    run_worker: Any

    def _follow(self, op_id: str) -> None:
        """Start the stored operation in its own process and show its log."""
        from screens.operations import start_operation
        from screens.oplog.screen import OperationLogScreen

        start_operation(self.app, self.store, self.settings(), self.store.operations.get(op_id))
        self.app.push_screen(OperationLogScreen(self.store, op_id))
