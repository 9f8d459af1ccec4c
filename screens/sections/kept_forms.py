"""The forms and viewers of the templates, registries and resources lists."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.syntax import Syntax
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static, Switch

from screens.forms import FormScreen
from screens.switch import OnOff

if TYPE_CHECKING:
    from store.store import Store


class TextScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    TextScreen { align: center middle; }
    TextScreen > VerticalScroll { width: 90%; height: 85%; border: round $accent; background: $surface; }
    """
    BINDINGS = [Binding("escape,enter", "dismiss", "Close", id="text.close")]

    def __init__(self, title: str, text: str, lexer: str = "yaml") -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.lexer = lexer

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self.title_text, classes="section-title")
            yield Static(Syntax(self.text, self.lexer, theme="ansi_dark"))


class RegistryForm(FormScreen):
    DEFAULT_CSS = "RegistryForm > VerticalScroll { width: 72; height: 85%; }"
    BINDINGS = [Binding("ctrl+s", "save", "Add", id="registry.save")]
    FIELDS: ClassVar[dict[str, tuple[str, str]]] = {
        "name": ("Name", "registry-name"),
        "host": ("Host", "registry-host"),
        "caPem": ("CA certificate", "registry-ca"),
        "username": ("User", "registry-user"),
        "password": ("Password", "registry-password"),
    }

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(
                "Add an image registry (ctrl+s adds, esc cancels)", classes="section-title"
            )
            for label, field_id, secret in (
                ("Name *", "name", False),
                ("Host[:port] *", "host", False),
                ("CA certificate file (PEM)", "ca", False),
                ("User", "user", False),
                ("Password", "password", True),
            ):
                yield Label(label)
                yield Input(id=f"registry-{field_id}", password=secret)
            yield Label("Scheme")
            yield Select(
                [("https", "https"), ("http", "http")],
                value="https",
                allow_blank=False,
                id="registry-scheme",
            )
            yield Label("Skip TLS verification")
            yield OnOff(Switch(id="registry-skip"))
            yield Static("", id="registry-error", classes="form-error")

    def on_mount(self) -> None:
        self.query_one("#registry-name", Input).focus()

    def _v(self, field_id: str) -> str:
        return self.query_one(f"#registry-{field_id}", Input).value.strip()

    def action_save(self) -> None:
        from engine.registries.records import problems
        from store.documents.registry import Registry

        ca_path = self._v("ca")
        ca = ""
        if ca_path:
            try:
                ca = Path(ca_path).expanduser().read_text()
            except (OSError, UnicodeDecodeError) as e:
                self.show_error(f"CA file {ca_path}: {getattr(e, 'strerror', None) or 'not text'}")
                return
        scheme = self.query_one("#registry-scheme", Select).value
        password = self.query_one("#registry-password", Input).value
        registry = Registry(
            name=self._v("name"),
            host=self._v("host"),
            scheme=scheme if scheme == "http" else "https",
            skip_verify=self.query_one("#registry-skip", Switch).value,
            ca_pem=ca,
            username=self._v("user"),
            password=password or None,
        )
        found = problems(registry, self.store)
        if found:
            self.show_problems(found)
            return
        self.store.registries.add(registry)
        self.dismiss(True)
