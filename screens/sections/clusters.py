"""The Clusters list: `a` opens the create wizard, enter a cluster's detail."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from screens.sections.list_section import ListSection
from screens.sections.specs import SectionSpec

if TYPE_CHECKING:
    from store.settings import Settings
    from store.store import Store


class ClustersSection(ListSection):
    def __init__(self, spec: SectionSpec, store: Store, settings: Callable[[], Settings]) -> None:
        super().__init__(spec, store)
        self.settings = settings

    def add(self) -> None:
        from screens.oplog.screen import OperationLogScreen
        from screens.wizard.screen import WizardScreen

        def done(op_id: str | None) -> None:
            self.reload()
            if op_id:
                self.app.push_screen(OperationLogScreen(self.store, op_id))

        self.app.push_screen(WizardScreen(self.store, self.settings), done)

    def open(self, key: str) -> None:
        from screens.clusters.detail import ClusterDetailScreen

        self.app.push_screen(
            ClusterDetailScreen(self.store, self.settings, key), lambda _: self.reload()
        )
