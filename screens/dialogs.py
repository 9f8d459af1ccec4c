"""Small modal dialogs with typed results: confirm, and accept a host key."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    """Yes/no for a destructive action; `n` and `escape` say no."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 64; height: auto; border: round $error; padding: 1 2;
                               background: $surface; }
    ConfirmScreen Horizontal { height: auto; margin-top: 1; }
    ConfirmScreen Button { margin-right: 2; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question)
            with Horizontal():
                yield Button(f"{self.yes} (y)", variant="error", id="yes")
                yield Button(f"{self.no} (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class HostKeyScreen(ConfirmScreen):
    """Trust on first use: the fingerprint is shown and must be accepted explicitly."""

    def __init__(self, node: str, address: str, fingerprint: str) -> None:
        super().__init__(
            f"{node} ({address}) presents this SSH host key:\n\n  {fingerprint}\n\n"
            "Compare it with the fingerprint on the node (ssh-keygen -lf "
            "/etc/ssh/ssh_host_ed25519_key.pub). Trust it and pin it?",
            yes="Trust",
        )
        self.fingerprint = fingerprint


class ChoiceScreen(ConfirmScreen):
    """Yes, no, or esc to go back: dismisses with True, False or None."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="choice.yes"),
        Binding("n", "answer(False)", "No", id="choice.no"),
        Binding("escape", "back", "Back", id="choice.back"),
    ]

    def action_back(self) -> None:
        self.dismiss(None)
