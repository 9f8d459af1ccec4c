"""The frame every modal form shares: a scrolling column, ctrl+s saves, esc cancels, and an
error line (class form-error) that says what to fix."""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

from screens.workers import ReportsFailedWorkers


class FormScreen(ReportsFailedWorkers, ModalScreen[bool]):
    DEFAULT_CSS = """
    FormScreen { align: center middle; }
    FormScreen > VerticalScroll { width: 76; max-width: 100%; height: 90%; border: round $accent;
        background: $surface; padding: 0 1; }
    FormScreen .form-error { color: $text-error; height: auto; }
    """
    # Subclasses bind ctrl+s to "save" with their own word for it (Add, Save).
    BINDINGS = [Binding("escape", "dismiss(False)", "Cancel", id="form.cancel")]

    def show_error(self, text: str) -> None:
        self.query_one(".form-error", Static).update(text)
