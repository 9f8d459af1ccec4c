"""The registries list's own screens: deploy a registry on a node, and push packages' images
into a registry with a progress bar."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, ProgressBar, Select, SelectionList, Static

from screens.forms import FormScreen
from screens.workers import ReportsFailedWorkers

if TYPE_CHECKING:
    from store.settings import Settings
    from store.store import Store


class RegistryDeployForm(FormScreen):
    """Dismisses with True once the deploy operation is stored; `started` holds its id."""

    DEFAULT_CSS = "RegistryDeployForm > VerticalScroll { width: 72; height: 90%; }"
    BINDINGS = [Binding("ctrl+s", "save", "Deploy", id="registry-deploy.save")]
    FIELDS: ClassVar[dict[str, tuple[str, str]]] = {
        "node": ("Node", "deploy-node"),
        "name": ("Name", "deploy-name"),
        "port": ("Port", "deploy-port"),
        "data-dir": ("Image directory", "deploy-dir"),
        "user": ("User", "deploy-user"),
        "password": ("Password", "deploy-password"),
    }

    def __init__(self, store: Store, settings: Callable[[], Settings]) -> None:
        super().__init__()
        self.store = store
        self.settings = settings
        self.started = ""

    def compose(self) -> ComposeResult:
        from engine.registries.deploy import DEFAULT_DATA_DIR, DEFAULT_PORT

        nodes = [(f"{n.name}  {n.address}", n.name) for n in self.store.nodes.list() if n.enabled]
        with VerticalScroll():
            yield Static(
                "Deploy a registry on a node (ctrl+s deploys, esc cancels)",
                classes="section-title",
            )
            # at the top, where the fields most problems are about are in sight with it
            yield Static("", classes="form-error")
            yield Label("Node *")
            yield Select(nodes, prompt="pick a node", id="deploy-node")
            yield Label("Name (default: the node's)")
            yield Input(id="deploy-name")
            yield Label("Port")
            yield Input(str(DEFAULT_PORT), id="deploy-port", type="integer")
            yield Label("Image directory on the node")
            yield Input(DEFAULT_DATA_DIR, id="deploy-dir")
            yield Label("User (empty: no basic auth)")
            yield Input(id="deploy-user")
            yield Label("Password")
            yield Input(id="deploy-password", password=True)
            yield Static(
                "TLS comes from a CA kctui makes; the clusters using the registry get that CA.",
                classes="form-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#deploy-node", Select).focus()

    def action_save(self) -> None:
        from engine.errors import Problem, RefusedError
        from engine.registries.service import RegistryService

        node = self.query_one("#deploy-node", Select).value
        if not isinstance(node, str):
            self.show_problems([Problem("node", "pick the node to run it on")])
            return
        port_text = self.query_one("#deploy-port", Input).value.strip()
        if not port_text.isdigit():
            self.show_problems([Problem("port", "give a port from 1 to 65535")])
            return
        port = int(port_text)
        try:
            _, op = RegistryService(self.store, self.settings()).deploy_operation(
                node,
                name=self.query_one("#deploy-name", Input).value.strip(),
                port=port,
                data_dir=self.query_one("#deploy-dir", Input).value.strip(),
                user=self.query_one("#deploy-user", Input).value.strip(),
                password=self.query_one("#deploy-password", Input).value,
            )
        except RefusedError as e:
            self.show_problems(e.problems or [Problem("node", str(e))])
            return
        self.started = op.id
        self.dismiss(True)


class RegistryPushScreen(ReportsFailedWorkers, ModalScreen[str | None]):
    """Pick pushed packages, push their images into the registry; dismisses with what was
    pushed, or None."""

    DEFAULT_CSS = """
    RegistryPushScreen { align: center middle; }
    RegistryPushScreen > Vertical { width: 80; max-width: 100%; height: 80%;
        border: round $accent; background: $surface; padding: 0 1; }
    RegistryPushScreen SelectionList { height: 1fr; }
    RegistryPushScreen #registry-push-status { height: auto; max-height: 6; }
    RegistryPushScreen #registry-push-status.-error { color: $text-error; }
    """
    BINDINGS = [
        Binding("ctrl+s", "push", "Push", id="registry-push.push"),
        Binding("escape", "dismiss(None)", "Cancel", id="registry-push.cancel"),
    ]

    @dataclass
    class Progress(Message):
        image: str
        done: int
        total: int

    @dataclass
    class Finished(Message):
        pushed: int
        error: str

    def __init__(self, store: Store, registry: str) -> None:
        super().__init__()
        self.store = store
        self.registry = registry

    def compose(self) -> ComposeResult:
        packages = [p for p in self.store.resources.list() if p.images]
        with Vertical():
            yield Static(
                f"Push images into {self.registry} (space picks, ctrl+s pushes, esc cancels)",
                classes="section-title",
            )
            yield SelectionList[str](
                *[
                    (f"{p.id}  ({len(p.images_list)} image{'s' * (len(p.images_list) != 1)})", p.id)
                    for p in packages
                ],
                id="registry-push-packages",
            )
            yield ProgressBar(total=100, id="registry-push-progress")
            yield Static(
                "" if packages else "No pushed package carries images (Resources: a).",
                id="registry-push-status",
            )

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_push(self) -> None:
        picked = list(self.query_one(SelectionList).selected)
        status = self.query_one("#registry-push-status", Static)
        status.remove_class("-error")
        if not picked:
            status.update("Pick at least one package (space).")
            status.add_class("-error")
            return
        status.update("Reading the packages...")
        self.push(picked)

    @work(thread=True, exclusive=True, group="registry-push", exit_on_error=False)
    def push(self, packages: list[str]) -> None:
        from engine.errors import RefusedError
        from engine.registries.push import push_packages

        def progress(image: str, done: int, total: int) -> None:
            self.post_message(self.Progress(image, done, total))

        try:
            registry = self.store.registries.get(self.registry)
            pushed = push_packages(self.store, registry, packages, progress)
        except (RefusedError, OSError) as e:
            self.post_message(self.Finished(0, str(e)))
            return
        self.post_message(self.Finished(len(pushed), ""))

    def on_registry_push_screen_progress(self, message: Progress) -> None:
        self.query_one(ProgressBar).update(total=message.total, progress=message.done)
        if message.image:
            self.query_one("#registry-push-status", Static).update(
                Text(f"[{message.done + 1}/{message.total}] {message.image}")
            )

    def on_registry_push_screen_finished(self, message: Finished) -> None:
        if message.error:
            status = self.query_one("#registry-push-status", Static)
            status.update(Text(message.error))
            status.add_class("-error")
            return
        self.dismiss(f"{message.pushed} image(s)")
