"""The add-node form: fields checked as they are typed, then the host key shown for approval."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import ValidationError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from engine import grammar
from engine.errors import said
from engine.nodes.service import NodeError, NodeService, default_name, validate
from screens.dialogs import HostKeyScreen
from screens.workers import ReportsFailedWorkers
from store.documents.node import Node
from store.settings import Settings
from store.store import Store

# (field id, label, placeholder, secret)
FIELDS = (
    ("address", "Address *", "IP, host name or ~/.ssh/config alias", False),
    ("name", "Name", "default: from the address", False),
    ("port", "SSH port", "default: ~/.ssh/config, else 22", False),
    ("user", "User", "default: ~/.ssh/config, else root", False),
    ("key", "Key file", "e.g. ~/.ssh/id_ed25519 (empty: agent / default keys)", False),
    ("password", "SSH password", "only for password login", True),
    ("passphrase", "Key passphrase", "if the key has one", True),
    ("sudo", "Sudo password", "only if the user's sudo asks for one", True),
    ("jump", "Jump host", "USER@HOST[:PORT]", False),
    ("region", "Region", "default", False),
    ("labels", "Labels", "k=v,k2=v2", False),
)


class AddNodeScreen(ReportsFailedWorkers, ModalScreen[str | None]):
    DEFAULT_CSS = """
    AddNodeScreen { align: center middle; }
    AddNodeScreen > VerticalScroll { width: 78; max-width: 100%; height: 90%;
        border: round $accent; background: $surface; padding: 0 1; }
    AddNodeScreen Label { margin-top: 1; }
    AddNodeScreen .field-error { color: $text-error; height: auto; }
    AddNodeScreen #status { margin-top: 1; height: auto; }
    AddNodeScreen #status.-error { color: $text-error; }
    AddNodeScreen Horizontal { height: auto; margin-top: 1; }
    """
    BINDINGS = [
        Binding("ctrl+s", "submit", "Connect and add", id="add-node.submit"),
        Binding("escape", "cancel", "Cancel", id="add-node.cancel"),
    ]

    @dataclass
    class Failed(Message):
        text: str

    @dataclass
    class Added(Message):
        name: str

    def __init__(self, store: Store, settings: Callable[[], Settings]) -> None:
        super().__init__()
        self.store = store
        self.settings = settings

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("Add a node", classes="section-title")
            for field, label, placeholder, secret in FIELDS:
                yield Label(label)
                yield Input(placeholder=placeholder, password=secret, id=field)
                yield Static("", id=f"{field}-error", classes="field-error")
            yield Static("", id="status")
            with Horizontal():
                yield Button("Connect and add (ctrl+s)", variant="primary", id="submit")
                yield Button("Cancel (esc)", id="cancel")

    def _value(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value.strip()

    def draft(self) -> tuple[Node | None, dict[str, str]]:
        """The node as typed so far, and the problems per field."""
        errors: dict[str, str] = {}
        address = self._value("address")
        if not address:
            errors["address"] = "address is required"
        port = None
        if self._value("port"):
            try:
                port = int(self._value("port"))
                if not 1 <= port <= 65535:
                    raise ValueError
            except ValueError:
                errors["port"] = "port: a number from 1 to 65535"
        labels, bad_label = grammar.parse_labels(grammar.split_list(self._value("labels")))
        if bad_label:
            errors["labels"] = bad_label
        secrets = {
            f: self.query_one(f"#{f}", Input).value for f in ("password", "passphrase", "sudo")
        }
        try:
            node = Node(
                name=self._value("name") or default_name(address or "node"),
                address=address or "missing",
                port=port,
                user=self._value("user"),
                key_file=self._value("key"),
                use_agent=not self._value("key"),
                password=secrets["password"] or None,
                key_passphrase=secrets["passphrase"] or None,
                sudo_password=secrets["sudo"] or None,
                jump=self._value("jump"),
                region=self._value("region") or "default",
                labels=labels,
            )
        except ValidationError as e:
            return None, {**errors, "address": str(e.errors()[0]["msg"])}
        for found in validate(node):
            errors.setdefault(found.field, said(found, found.field))
        if self.store.nodes.exists(node.name):
            errors["name"] = f"name {node.name!r}: a node with that name exists; pick another"
        return node, errors

    def _show(self, errors: dict[str, str]) -> None:
        for field, *_ in FIELDS:
            self.query_one(f"#{field}-error", Static).update(errors.get(field, ""))

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        _, errors = self.draft()
        touched = {i.id for i in self.query(Input) if i.value}
        self._show({k: v for k, v in errors.items() if k in touched})

    @on(Button.Pressed, "#submit")
    def _submit_button(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def _cancel_button(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        node, errors = self.draft()
        self._show(errors)
        if errors or node is None:
            first = next(f for f, *_ in FIELDS if f in errors)
            self.query_one(f"#{first}", Input).focus()
            return
        self._status("Connecting to read the host key...", error=False)
        self.connect(node)

    def _status(self, text: str, error: bool) -> None:
        status = self.query_one("#status", Static)
        status.update(text)
        status.set_class(error, "-error")

    @work(exclusive=True, group="add-node", exit_on_error=False)
    async def connect(self, node: Node) -> None:
        service = NodeService(self.store, self.settings())
        try:
            fingerprint = await service.presented_fingerprint(node)
            trusted = await self.app.push_screen_wait(
                HostKeyScreen(node.name, node.address, fingerprint)
            )
            if not trusted:
                self.post_message(self.Failed("Host key not trusted: the node was not added."))
                return
            added = await service.add(node, fingerprint)
        except NodeError as e:
            self.post_message(self.Failed(str(e)))
            return
        self.post_message(self.Added(added.name))

    def on_add_node_screen_failed(self, message: Failed) -> None:
        self._status(message.text, error=True)

    def on_add_node_screen_added(self, message: Added) -> None:
        self.dismiss(message.name)
