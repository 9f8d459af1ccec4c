"""Workers added to and removed from a cluster, from its Nodes tab: `a` picks free nodes (with
labels and taints for them), `x` removes the selected worker after a confirmation, and asks
whether to remove it even if its drain cannot finish."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Input, Label, SelectionList, Static

from screens.clusters.tab_actions import TabActions
from screens.forms import FormScreen
from screens.tables import selected_key

if TYPE_CHECKING:
    from store.settings import Settings
    from store.store import Store

NODE_ACTIONS = {"add_workers", "remove_worker"}  # only on the Nodes tab


class AddWorkersScreen(FormScreen):
    """Dismisses with True once the operation is stored; `started` holds its id."""

    DEFAULT_CSS = "AddWorkersScreen > VerticalScroll { width: 76; height: 90%; }"
    BINDINGS = [Binding("ctrl+s", "save", "Add workers", id="add-workers.save")]
    FIELDS: ClassVar[dict[str, tuple[str, str]]] = {
        "node": ("Nodes", "add-workers-nodes"),
        "label": ("Labels", "add-workers-labels"),
        "taint": ("Taints", "add-workers-taints"),
        "cluster": ("Cluster", "add-workers-nodes"),
    }

    def __init__(self, store: Store, settings: Callable[[], Settings], cluster: str) -> None:
        super().__init__()
        self.store = store
        self.settings = settings
        self.cluster = cluster
        self.started = ""

    def compose(self) -> ComposeResult:
        region = self.store.clusters.get(self.cluster).spec.region
        free = [n for n in self.store.nodes.list() if n.free and n.enabled and n.region == region]
        with VerticalScroll():
            yield Static(
                f"Add workers to {self.cluster} (space picks, ctrl+s adds, esc cancels)",
                classes="section-title",
            )
            yield Label(f"Free nodes in region {region}")
            yield SelectionList[str](
                *[(f"{n.name}  {n.address}  {n.status.value}", n.name) for n in free],
                id="add-workers-nodes",
            )
            if not free:
                yield Static("No free node in this region: add one in Nodes (key 2).")
            yield Label("Labels for them (KEY=VALUE, comma separated)")
            yield Input(id="add-workers-labels", placeholder="tier=db, zone=a")
            yield Label("Taints for them (KEY[=VALUE]:EFFECT, comma separated)")
            yield Input(id="add-workers-taints", placeholder="dedicated=gpu:NoSchedule")
            yield Static("", classes="form-error")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_save(self) -> None:
        self.run_worker(self._save(), group="add-workers", exclusive=True, exit_on_error=False)

    async def _save(self) -> None:
        """The picked nodes whose status is not recent are probed first, as the CLI does."""
        from engine import grammar
        from engine.clusters.workers import WorkerService
        from engine.errors import RefusedError
        from engine.nodes.service import NodeService

        nodes = list(self.query_one(SelectionList).selected)
        labels = grammar.split_list(self.query_one("#add-workers-labels", Input).value)
        taints = grammar.split_list(self.query_one("#add-workers-taints", Input).value)
        service = WorkerService(self.store, self.settings())
        probing = NodeService(self.store, self.settings())
        stale = probing.stale(nodes)
        try:
            service.check_add(self.cluster, nodes, labels, taints, unprobed=stale)
            if stale:
                self.show_error(f"Probing {', '.join(stale)} (status not recent)...")
                await probing.probe(stale)
            op = service.add(self.cluster, nodes, labels, taints)
        except RefusedError as e:
            self.show_problems(e.problems)
            if not e.problems:
                self.show_error(str(e))
            return
        self.started = op.id
        self.dismiss(True)


class WorkerActions(TabActions):
    """The Nodes tab's actions on the cluster detail screen."""

    BINDINGS: ClassVar[list[Any]] = [
        Binding("a", "add_workers", "Add workers", id="cluster.add-workers"),
        Binding("x", "remove_worker", "Remove", id="cluster.remove-worker",
                tooltip="Drain the selected worker and take it out"),
    ]  # fmt: skip

    def action_add_workers(self) -> None:
        screen = AddWorkersScreen(self.store, self.settings, self.cluster_name)

        def done(stored: bool | None) -> None:
            if stored and screen.started:
                self._follow(screen.started)

        self.app.push_screen(screen, done)

    def action_remove_worker(self) -> None:
        from screens.dialogs import ChoiceScreen, ConfirmScreen

        node = selected_key(self.query_one("#cluster-nodes", DataTable))
        if node is None:
            return
        cluster = self.store.clusters.get(self.cluster_name)
        if node not in [w.node for w in cluster.spec.workers]:
            self.notify(
                f"{node} is a control-plane node: kctui adds and removes workers only",
                severity="warning",
            )
            return

        def start(force: bool) -> None:
            from engine.clusters.workers import WorkerService
            from engine.errors import RefusedError

            try:
                op = WorkerService(self.store, self.settings()).remove(
                    self.cluster_name, [node], force=force
                )
            except RefusedError as e:
                self.notify(str(e), severity="error")
                return
            self._follow(op.id)

        def forced(answer: bool | None) -> None:
            if answer is not None:
                start(force=answer)

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.app.push_screen(
                    ChoiceScreen(
                        f"If {node}'s drain cannot finish (pods without a controller, a "
                        "timeout), remove it anyway? Its pods are then deleted with it.",
                        yes="Remove anyway",
                        no="Stop there",
                    ),
                    forced,
                )

        self.app.push_screen(
            ConfirmScreen(
                f"Remove worker {node} from {self.cluster_name}? It is cordoned and drained, "
                "its Node deleted, and kubeadm reset and cleaned on it; then it is free.",
                yes="Remove",
            ),
            confirmed,
        )
