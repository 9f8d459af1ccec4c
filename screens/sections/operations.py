"""The Operations list: enter opens the live log of an operation."""

from __future__ import annotations

from screens.sections.list_section import ListSection


class OperationsSection(ListSection):
    def open(self, key: str) -> None:
        from screens.oplog.screen import OperationLogScreen

        self.app.push_screen(OperationLogScreen(self.store, key))
