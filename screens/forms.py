"""The frame every modal form shares: a scrolling column, ctrl+s saves, esc cancels, and an
error line (class form-error) that says what to fix."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static

from screens.workers import ReportsFailedWorkers

if TYPE_CHECKING:
    from engine.errors import Problem


class FormScreen(ReportsFailedWorkers, ModalScreen[bool]):
    DEFAULT_CSS = """
    FormScreen { align: center middle; }
    FormScreen > VerticalScroll { width: 76; max-width: 100%; height: 90%; border: round $accent;
        background: $surface; padding: 0 1; }
    FormScreen .form-error { color: $text-error; height: auto; }
    """
    # Subclasses bind ctrl+s to "save" with their own word for it (Add, Save).
    BINDINGS = [Binding("escape", "dismiss(False)", "Cancel", id="form.cancel")]

    # field -> (label, input id): how this form names and shows the fields problems are about
    FIELDS: ClassVar[dict[str, tuple[str, str]]] = {}

    _problems: list[Problem] = []

    def show_error(self, text: str) -> None:
        line = self.query_one(".form-error", Static)
        line.update(text)
        if text:
            self.call_after_refresh(line.scroll_visible, animate=False)

    def show_problems(self, problems: list[Problem]) -> None:
        """Each problem under this form's name for its field, in sight; the first one's input
        focused."""
        self._problems = list(problems)
        self.show_error("\n".join(problem_text(p, self.FIELDS) for p in problems))
        for p in problems:
            if p.field in self.FIELDS:
                self.query_one(f"#{self.FIELDS[p.field][1]}").focus(scroll_visible=False)
                break

    def _field_changed(self, widget_id: str | None) -> None:
        """A field that changes takes its old problems away with it."""
        fields = {
            p.field for p in self._problems if self.FIELDS.get(p.field, ("", ""))[1] == widget_id
        }
        if widget_id and fields:
            self._problems = [p for p in self._problems if p.field not in fields]
            self.show_error("\n".join(problem_text(p, self.FIELDS) for p in self._problems))

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        self._field_changed(event.input.id)

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        self._field_changed(event.select.id)


def problem_text(problem: Problem, fields: dict[str, tuple[str, str]]) -> str:
    label = fields.get(problem.field, (problem.field, ""))[0]
    return f"{label}: {problem.message}"
