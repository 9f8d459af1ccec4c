"""A section that lists one kind of document, or says how to add the first one."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from screens.sections.specs import SectionSpec
from store.store import Store


class ListSection(Vertical):
    DEFAULT_CSS = """
    ListSection > .section-empty { display: none; padding: 1 2; color: $text-muted; }
    ListSection.-empty > .section-empty { display: block; }
    ListSection.-empty > DataTable { display: none; }
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

    def on_mount(self) -> None:
        self.reload()

    @property
    def table(self) -> DataTable[str]:
        return self.query_one(DataTable)

    @property
    def is_empty(self) -> bool:
        return self.has_class("-empty")

    def reload(self) -> None:
        rows = self.spec.rows(self.store)
        table = self.table
        table.clear()
        table.add_rows(rows)
        self.set_class(not rows, "-empty")
