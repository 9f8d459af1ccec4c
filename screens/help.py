"""The `?` screen: every key that works where the operator pressed it, with what it does."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

FOCUS_KEYS = {"tab": "Go to the next field or list", "shift+tab": "Go to the previous one"}


def _kctuis(node: object, binding: Binding) -> bool:
    """Whether a kctui class declares `binding`: not one Textual gives a screen, an app, a
    log or a scrolling container that a kctui class is made from."""
    for cls in type(node).__mro__:
        if not cls.__module__.startswith(("screens.", "kctui.")):
            continue
        for declared in cls.__dict__.get("BINDINGS", []):
            if (
                isinstance(declared, Binding)
                and declared.action == binding.action
                and binding.key in declared.key.split(",")
            ):
                return True
    return False


def key_rows(screen: Screen[object]) -> list[tuple[str, str, str]]:
    """(keys, what they do, where) for kctui's keys active on `screen`, in words: this screen's
    first, then the focused part's, then the ones that work everywhere."""
    app = screen.app
    rows: dict[tuple[int, str, str], list[str]] = {}
    for key, active in screen.active_bindings.items():
        binding, node = active.binding, active.node
        if key in FOCUS_KEYS:
            words = FOCUS_KEYS[key]
        elif binding.system or not _kctuis(node, binding) or key.startswith("super+"):
            continue
        else:
            words = binding.tooltip or binding.description or binding.action
        order = 2 if node is app else 0 if isinstance(node, Screen) else 1
        shown = app.get_key_display(binding)
        keys = rows.setdefault((order, words, _where(node, app)), [])
        if shown not in keys:
            keys.append(shown)
    ordered = sorted(rows.items(), key=lambda item: item[0][0])  # stable within a group
    return [(", ".join(keys), words, where) for (_, words, where), keys in ordered]


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
            table: DataTable[str | Text] = DataTable(cursor_type="row", id="help-keys")
            table.add_columns("Key", "Does")
            where = ""
            for keys, words, here in self.rows:
                if here != where:  # a heading for each group of keys
                    where = here
                    table.add_row("", Text(here.capitalize(), style="bold"))
                table.add_row(keys, words)
            yield table
