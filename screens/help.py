"""The `?` screen: every key that works where the operator pressed it, with what it does."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

FOCUS_KEYS = {"tab": "Go to the next field or list", "shift+tab": "Go to the previous one"}


def key_rows(screen: Screen[object]) -> list[tuple[str, str, str]]:
    """(key, what it does, where) for kctui's keys active on `screen`, in words: this screen's
    first, then the focused part's, then the ones that work everywhere."""
    app = screen.app
    rows: list[tuple[int, str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for key, active in screen.active_bindings.items():
        binding, node = active.binding, active.node
        ours = node is app or type(node).__module__.startswith(("screens.", "kctui."))
        if binding.system or not (ours or key in FOCUS_KEYS) or key.startswith("super+"):
            continue
        words = FOCUS_KEYS.get(key) or binding.tooltip or binding.description or binding.action
        shown = app.get_key_display(binding)
        if (shown, words) in seen:
            continue
        seen.add((shown, words))
        order = 2 if node is app else 0 if isinstance(node, Screen) else 1
        rows.append((order, shown, words, _where(node, app)))
    rows.sort(key=lambda r: r[0])  # stable: each group keeps its declaration order
    return [(key, words, where) for _, key, words, where in rows]


def _where(node: object, app: object) -> str:
    if node is app:
        return "everywhere"
    if isinstance(node, Screen):
        return "on this screen"
    return str(getattr(node, "help_where", "") or "in the focused part")


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
