"""The frame every modal form shares: a scrolling column, ctrl+s saves, esc cancels, and an
error line (class form-error) that says what to fix."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

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

    def show_error(self, text: str) -> None:
        self.query_one(".form-error", Static).update(text)

    def show_problems(self, problems: list[Problem]) -> None:
        """Each problem under this form's name for its field; the first one's input focused."""
        self.show_error("\n".join(problem_text(p, self.FIELDS) for p in problems))
        for p in problems:
            if p.field in self.FIELDS:
                self.query_one(f"#{self.FIELDS[p.field][1]}").focus()
                break


def problem_text(problem: Problem, fields: dict[str, tuple[str, str]]) -> str:
    label = fields.get(problem.field, (problem.field, ""))[0]
    return f"{label}: {problem.message}"
