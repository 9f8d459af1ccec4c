"""What every wizard step shares: labelled inputs with an error line, and list parsing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, Switch

if TYPE_CHECKING:
    from engine.errors import Problem
    from store.documents.cluster import Cluster
    from store.store import Store


def error_id(field: str) -> str:
    return "err-" + field.replace(".", "-").replace("[", "-").replace("]", "")


def field(
    label: str, field_path: str, placeholder: str = "", widget: Widget | None = None
) -> ComposeResult:
    """A label, the input (or another widget), and the line where its errors appear."""
    yield Label(label)
    yield widget if widget is not None else Input(placeholder=placeholder, id=input_id(field_path))
    yield Static("", id=error_id(field_path), classes="field-error")


def field_before(error_line: Widget) -> Widget | None:
    """The input an error line belongs to: the focusable widget just above it."""
    parent = error_line.parent
    if not isinstance(parent, Widget):
        return None
    siblings = list(parent.children)
    for widget in reversed(siblings[: siblings.index(error_line)]):
        found = [w for w in [widget, *widget.query("*").results(Widget)] if w.focusable]
        if found:
            return found[0]
    return None


def clear_error_after(widget: Widget) -> None:
    """A field that changes takes its old error away with it (the error line follows the
    field, or the box the field sits in, such as a switch with its word)."""
    node: Widget = widget
    for _ in range(2):
        parent = node.parent
        if not isinstance(parent, Widget):
            return
        siblings = list(parent.children)
        after = siblings[siblings.index(node) + 1 :]
        if after and isinstance(after[0], Static) and after[0].has_class("field-error"):
            after[0].update("")
            return
        node = parent


def input_id(field_path: str) -> str:
    return "in-" + field_path.replace(".", "-")


def format_taints(taints: list[Any]) -> str:
    return ", ".join(
        f"{t.key}={t.value}:{t.effect}" if t.value else f"{t.key}:{t.effect}" for t in taints
    )


class WizardStep(VerticalScroll):
    """One step: fills its fields from the draft, writes them back, shows its problems."""

    TITLE = ""
    OWNS: tuple[str, ...] = ()  # field-path prefixes whose problems belong to this step

    DEFAULT_CSS = """
    WizardStep { padding: 0 1; height: 100%; }
    WizardStep DataTable { height: auto; max-height: 14; }
    WizardStep Label { margin-top: 1; }
    WizardStep .field-error { color: $text-error; height: auto; }
    WizardStep .hint { color: $text-muted; height: auto; }
    """

    def __init__(self, store: Store) -> None:
        super().__init__(id=f"step-{self.__class__.__name__.lower()}")
        self.store = store

    def load(self, cluster: Cluster) -> None:
        """Fill the fields from the draft."""

    def apply(self, cluster: Cluster) -> list[Problem]:
        """Write the fields into the draft; return problems found while reading them."""
        return []

    def owns(self, field_path: str) -> bool:
        return any(
            field_path == o or field_path.startswith(o + ".") or field_path.startswith(o + "[")
            for o in self.OWNS
        )

    def value(self, field_path: str) -> str:
        return self.query_one(f"#{input_id(field_path)}", Input).value.strip()

    def set_value(self, field_path: str, value: str) -> None:
        self.query_one(f"#{input_id(field_path)}", Input).value = value

    def error_lines(self) -> Iterator[Static]:
        yield from self.query(".field-error").results(Static)

    def show(self, problems: list[Problem]) -> None:
        by_id: dict[str, list[str]] = {}
        for p in problems:
            target = self._error_target(p.field)
            by_id.setdefault(target, []).append(p.message)
        first = None
        for line in self.error_lines():
            line.update("\n".join(by_id.get(line.id or "", [])))
            if first is None and by_id.get(line.id or ""):
                first = line
        if first is not None:  # the first problem in sight, its field focused
            widget = self.field_for(first, by_id[first.id or ""][0])
            if widget is not None:
                widget.focus()
            self.call_after_refresh(first.scroll_visible, animate=False)

    def field_for(self, error_line: Static, message: str) -> Widget | None:
        """The field an error line's message is about: the one just above it."""
        return field_before(error_line)

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        clear_error_after(event.input)

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        clear_error_after(event.select)

    @on(Switch.Changed)
    def _switch_changed(self, event: Switch.Changed) -> None:
        clear_error_after(event.switch)

    def _error_target(self, field_path: str) -> str:
        """The closest error line for a problem's field (spec.storage.nfs[1].x -> its entry)."""
        candidates = {line.id for line in self.error_lines() if line.id}
        path = field_path
        while path:
            if error_id(path) in candidates:
                return error_id(path)
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return next(iter(sorted(candidates)), "")
