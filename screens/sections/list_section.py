"""A section that lists one kind of document, or says how to add the first one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from screens.sections.specs import SectionSpec
from store.errors import StoreError

if TYPE_CHECKING:
    from store.store import Store


class ListSection(Vertical):
    DEFAULT_CSS = """
    ListSection > .section-empty { display: none; padding: 1 2; color: $text-muted; }
    ListSection.-empty > .section-empty { display: block; }
    ListSection.-empty > DataTable { display: none; }
    ListSection.-error > .section-empty { color: $text-error; }
    """

    def __init__(self, spec: SectionSpec, store: Store) -> None:
        super().__init__(id=spec.id)
        self.spec = spec
        self.store = store

    def compose(self) -> ComposeResult:
        yield Static(self.spec.title, classes="section-title")
        table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True)
        table.add_columns(*self.spec.columns)
        yield table
        yield Static(self.spec.empty, classes="section-empty")

    @property
    def table(self) -> DataTable[str]:
        return self.query_one(DataTable)

    @property
    def has_no_rows(self) -> bool:
        return self.has_class("-empty")

    def add(self) -> None:
        """What `a` does here; lists that cannot add yet say so."""
        self.notify(
            f"{self.spec.add_label} is not available in this version of kctui.",
            title=self.spec.title,
            severity="warning",
        )

    def reload(self) -> None:
        message = self.query_one(".section-empty", Static)
        try:
            rows = self.spec.rows(self.store)
        except StoreError as e:
            message.update(f"The store cannot be read: {e}")
            self.set_class(True, "-empty", "-error")
            return
        message.update(self.spec.empty)
        self.remove_class("-error")
        table = self.table
        table.clear()
        for row in rows:
            table.add_row(*row, key=row[0])
        self.set_class(not rows, "-empty")

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.open(str(event.row_key.value))

    def open(self, key: str) -> None:
        """What enter on a row does; lists without a detail view do nothing."""
