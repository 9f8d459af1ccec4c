"""What a cluster uses, chosen from its screen as the command line's cluster set does: its
backup point, its image registry."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

NONE = "\x00none"


class Picker(ModalScreen[str | None]):
    """Dismisses with the chosen id, "" for none, or None when cancelled."""

    DEFAULT_CSS = """
    Picker { align: center middle; }
    Picker > Vertical { width: 64; height: auto; max-height: 80%; border: round $accent;
                        background: $surface; padding: 1 2; }
    Picker OptionList { height: auto; max-height: 12; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="picker.cancel")]

    def __init__(
        self, prompt: str, options: list[tuple[str, str]], none: str = "", empty: str = ""
    ) -> None:
        super().__init__()
        self.prompt = prompt
        self.options = options
        self.none = none  # the label of "none", offered when given
        self.empty = empty  # said when there is nothing to choose

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"{self.prompt} enter chooses, esc cancels.")
            choices = [Option(label, id=key) for label, key in self.options]
            if self.none:
                choices.append(Option(self.none, id=NONE))
            yield OptionList(*choices, id="choices")
            if not self.options and self.empty:
                yield Static(self.empty)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        chosen = event.option.id or ""
        self.dismiss("" if chosen == NONE else chosen)
