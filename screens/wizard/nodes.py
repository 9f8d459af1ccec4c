"""Step 1, nodes: name, template, region, and the region's free nodes given a role by key."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Select, Static

from screens.tables import selected_key
from screens.wizard.base import WizardStep, error_id, field

if TYPE_CHECKING:
    from engine.errors import Problem
    from store.documents.cluster import Cluster

ROLE_LABEL = {"master": "control plane", "worker": "worker", "": ""}


class NodesStep(WizardStep):
    help_where = "in the node table"
    TITLE = "Nodes"
    OWNS = ("metadata.name", "spec.masters", "spec.workers", "spec.region")
    BINDINGS = [
        Binding("m", "role('master')", "Control plane", id="wizard.nodes.master"),
        Binding("w", "role('worker')", "Worker", id="wizard.nodes.worker"),
        Binding("u", "role('')", "Unassign", id="wizard.nodes.unassign"),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "role":  # only where the table is: not from the name or region fields
            return isinstance(self.screen.focused, DataTable)
        return True

    def __init__(self, store: object) -> None:
        super().__init__(store)  # type: ignore[arg-type]
        self.roles: dict[str, str] = {}
        self.order: list[str] = []  # assignment order: the first control plane runs init

    def compose(self) -> ComposeResult:
        yield from field("Cluster name *", "metadata.name", "lowercase letters, digits and '-'")
        templates = [
            (t.name, t.name) for t in self.store.templates.list(lambda t: t.type == "cluster")
        ]
        yield from field(
            "Template", "template", widget=Select(templates, prompt="none", id="in-template")
        )
        self.regions = sorted({n.region for n in self.store.nodes.list()} | {"default"})
        yield from field(
            "Region",
            "spec.region",
            widget=Select(
                [(r, r) for r in self.regions], value="default", allow_blank=False, id="in-region"
            ),
        )
        yield Static(
            "Free nodes: m = control plane, w = worker, u = unassign. / filters.", classes="hint"
        )
        yield Input(placeholder="filter nodes", id="node-filter")
        table: DataTable[str] = DataTable(cursor_type="row", id="wizard-nodes")
        table.add_column("Node")
        table.add_column("Role", width=13)
        table.add_columns("Address", "CPU", "Memory", "Arch", "Status")
        yield table
        yield Static("", id="role-count", classes="hint")
        yield Static("", id=error_id("spec.masters"), classes="field-error")
        yield Static("", id=error_id("spec.workers"), classes="field-error")

    def on_mount(self) -> None:
        self.refresh_nodes()

    def chosen_region(self) -> str:
        value = self.query_one("#in-region", Select).value
        return str(value) if isinstance(value, str) else "default"

    def refresh_nodes(self) -> None:
        needle = self.query_one("#node-filter", Input).value.strip().lower()
        table = self.query_one("#wizard-nodes", DataTable)
        table.clear()
        for n in self.store.nodes.list(
            lambda n: n.region == self.chosen_region() and not n.cluster and n.enabled
        ):
            row = (
                n.name,
                ROLE_LABEL[self.roles.get(n.name, "")],
                n.address,
                str(n.facts.cpus or "-"),
                f"{n.facts.memory_bytes / 2**30:.1f}G" if n.facts.memory_bytes else "-",
                n.facts.arch or "-",
                n.status.value,
            )
            if needle and not any(needle in c.lower() for c in row):
                continue
            table.add_row(*row, key=n.name)
        self._count()

    def _count(self) -> None:
        masters = sum(1 for r in self.roles.values() if r == "master")
        workers = sum(1 for r in self.roles.values() if r == "worker")
        odd = "odd: ok" if masters % 2 == 1 else "must be odd (1, 3, 5)"
        self.query_one("#role-count", Static).update(
            f"Control plane: {masters} ({odd})   Workers: {workers}"
        )

    @on(Input.Changed, "#node-filter")
    def _filter(self) -> None:
        self.refresh_nodes()

    @on(Select.Changed, "#in-region")
    def _region(self) -> None:
        self.roles.clear()
        self.order.clear()
        self.refresh_nodes()

    def action_role(self, role: str) -> None:
        table = self.query_one("#wizard-nodes", DataTable)
        name = selected_key(table)
        if name is None:
            return
        if name in self.order:
            self.order.remove(name)
        if role:
            self.roles[name] = role
            self.order.append(name)
        else:
            self.roles.pop(name, None)
        table.update_cell(name, table.ordered_columns[1].key, ROLE_LABEL[role])
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)
        self._count()

    def load(self, cluster: Cluster) -> None:
        self.set_value("metadata.name", cluster.metadata.name)
        self.roles = {m.node: "master" for m in cluster.spec.masters} | {
            w.node: "worker" for w in cluster.spec.workers
        }
        self.order = [m.node for m in cluster.spec.masters] + [w.node for w in cluster.spec.workers]
        if cluster.spec.region and cluster.spec.region in self.regions:
            self.query_one("#in-region", Select).value = cluster.spec.region
        self.refresh_nodes()

    def apply(self, cluster: Cluster) -> list[Problem]:
        from store.documents.cluster import MasterNode, WorkerNode

        cluster.metadata.name = self.value("metadata.name")
        cluster.spec.region = self.chosen_region()
        old_masters = {m.node: m for m in cluster.spec.masters}
        old_workers = {w.node: w for w in cluster.spec.workers}
        cluster.spec.masters = [
            old_masters.get(n, MasterNode(node=n))
            for n in self.order
            if self.roles.get(n) == "master"
        ]
        cluster.spec.workers = [
            old_workers.get(n, WorkerNode(node=n))
            for n in self.order
            if self.roles.get(n) == "worker"
        ]
        return []
