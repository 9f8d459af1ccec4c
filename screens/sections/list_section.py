"""A section that lists one kind of document, or says how to add the first one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from screens.sections.specs import Row, SectionSpec
from screens.tables import fit_columns, put_rows
from screens.workers import ReportsFailedWorkers
from store.errors import StoreError

if TYPE_CHECKING:
    from store.store import Store


LIVE_EVERY = 2.0  # seconds between reads of a shown list


class ListSection(ReportsFailedWorkers, Vertical):
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

    @property
    def help_where(self) -> str:
        return f"in the {self.spec.title.lower()} list"

    def __init__(self, spec: SectionSpec, store: Store) -> None:
        super().__init__(id=spec.id)
        self.spec = spec
        self.store = store
        self._rows: Sequence[Row] = []
        self._shown = list(range(len(spec.columns)))

    def compose(self) -> ComposeResult:
        yield Static(self.spec.title, classes="section-title")
        table: DataTable[str | Text] = DataTable(cursor_type="row", zebra_stripes=True)
        table.add_columns(*self.spec.columns)
        yield table
        yield Static(self.spec.empty, classes="section-empty")

    @property
    def table(self) -> DataTable[str | Text]:
        table: DataTable[str | Text] = self.query_one(DataTable)
        return table

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
        self.show_rows(rows)

    def show_rows(self, rows: Sequence[Row]) -> None:
        """Put `rows` in the table by key: changed cells are updated in place, so the cursor
        stays on its row."""
        message = self.query_one(".section-empty", Static)
        message.update(self.spec.empty)
        self.remove_class("-error")
        needle = self.filter_text.lower()
        self._rows = rows
        matching = [row for row in rows if not needle or any(needle in str(c).lower() for c in row)]
        self._fit(matching)
        put_rows(self.table, [(str(row[0]), [row[i] for i in self._shown]) for row in matching])
        self.set_class(not rows, "-empty")

    def _fit(self, rows: Sequence[Row]) -> None:
        """Hide the spec's least important columns when the rows would not fit the width."""
        columns = self.spec.columns
        shown = fit_columns(
            columns, rows, self.table.scrollable_content_region.width, self.spec.drop
        )
        if shown != self._shown:
            self._shown = shown
            self.table.clear(columns=True)
            self.table.add_columns(*(columns[i] for i in shown))

    def on_resize(self) -> None:
        if self._rows:
            self.show_rows(self._rows)

    def on_mount(self) -> None:
        self.set_interval(LIVE_EVERY, self._live)

    def _live(self) -> None:
        """Read the rows in a thread while the section is shown: phases change without `r`."""
        if not self.display or not self.is_on_screen or self.has_class("-error"):
            return
        self.run_worker(self._read_rows, thread=True, group="live-rows", exclusive=True)

    def _read_rows(self) -> None:
        try:
            rows = self.spec.rows(self.store)
        except StoreError:
            return  # the next explicit reload says why
        self.app.call_from_thread(self.show_rows, rows)

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
