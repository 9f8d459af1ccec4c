"""The `?` screen: every key that works where the operator pressed it, with what it does."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static


def key_rows(screen: Screen[object]) -> list[tuple[str, str, str]]:
    """(key, description, where) for each binding active on `screen`, app-wide ones last."""
    app = screen.app
    rows: list[tuple[int, str, str, str]] = []
    for active in screen.active_bindings.values():
        binding = active.binding
        where = _where(active.node, app)
        order = 2 if active.node is app else 0 if isinstance(active.node, Screen) else 1
        description = binding.description or binding.tooltip or binding.action
        rows.append((order, app.get_key_display(binding), description, where))
    rows.sort(key=lambda r: r[0])  # stable: each group keeps its declaration order
    return [(key, description, where) for _, key, description, where in rows]


def _where(node: object, app: object) -> str:
    if node is app:
        return "everywhere"
    if isinstance(node, Screen):
        return "this screen"
    node_id = getattr(node, "id", None)
    return str(node_id) if node_id else type(node).__name__


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="help.close"),
        # the app's own keys do not reach a modal screen: ? closes what it opened
        Binding("question_mark", "dismiss", "Close", show=False, id="help.close-again"),
    ]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static("Keys  (esc closes)", id="help-title")
            table: DataTable[str] = DataTable(cursor_type="row", id="help-keys")
            table.add_columns("Key", "Does", "Where")
            table.add_rows(self.rows)
            yield table
