"""A section that lists one kind of document, or says how to add the first one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
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
    ListSection > #list-filter { display: none; }
    ListSection.-filtering > #list-filter { display: block; }
    """
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="list.filter", tooltip="Show only matching rows"),
        Binding("escape", "clear_filter", "Clear filter", id="list.clear-filter", show=False),
    ]
    filter_text = ""

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
        needle = self.filter_text.lower()
        for row in rows:
            if not needle or any(needle in str(c).lower() for c in row):
                table.add_row(*row, key=str(row[0]))
        self.set_class(not rows, "-empty")

    def refresh_rows(self) -> None:
        """Show the rows again after the filter changed."""
        self.reload()

    async def action_filter(self) -> None:
        # Built on first use: an Input costs start-up time on the first screen.
        from textual.widgets import Input

        if not self.query("#list-filter"):
            await self.mount(
                Input(placeholder="filter: any part of any column", id="list-filter"), before=0
            )
        self.add_class("-filtering")
        self.query_one("#list-filter", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":
            return self.has_class("-filtering")
        return True

    def action_clear_filter(self) -> None:
        from textual.widgets import Input

        self.query_one("#list-filter", Input).value = ""
        self.filter_text = ""
        self.remove_class("-filtering")
        self.refresh_rows()
        self.table.focus()

    def on_input_changed(self, event: Any) -> None:
        if event.input.id == "list-filter":
            self.filter_text = event.value.strip()
            self.refresh_rows()

    def on_input_submitted(self, event: Any) -> None:
        if event.input.id == "list-filter":
            self.table.focus()

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.open(str(event.row_key.value))

    def open(self, key: str) -> None:
        """What enter on a row does; lists without a detail view do nothing."""
