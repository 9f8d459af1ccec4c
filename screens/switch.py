"""A switch that says its state in a word beside it: On or Off, not colour alone."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static, Switch


class OnOff(Horizontal):
    DEFAULT_CSS = """
    OnOff { height: auto; }
    OnOff > Static { width: auto; padding: 1 1; }
    """

    def __init__(self, switch: Switch) -> None:
        super().__init__()
        self.switch = switch

    def compose(self) -> ComposeResult:
        yield self.switch
        yield Static(self._word(self.switch.value), classes="switch-word")

    @staticmethod
    def _word(on: bool) -> str:
        return "On" if on else "Off"

    def on_switch_changed(self, event: Switch.Changed) -> None:
        self.query_one(".switch-word", Static).update(self._word(event.value))
