"""One cluster: Overview, Nodes, Plugins, Backups, Scheduled backups and Operations tabs, and
what can be done to it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Header, Input, Static, TabbedContent, TabPane

from screens.clusters.backups import BACKUP_COLUMNS, SCHEDULE_COLUMNS, BackupTabs
from screens.clusters.plugins import PLUGIN_ACTIONS, PluginActions
from screens.clusters.upgrade import UpgradeAction
from screens.clusters.workers import NODE_ACTIONS, WorkerActions
from screens.dialogs import ConfirmScreen
from screens.footer import KeyFooter
from screens.operations import confirm_cancel, start_operation
from screens.tables import put_rows
from store.documents.node import NodeStatus
from store.documents.operation import OperationStatus

if TYPE_CHECKING:
    from engine.clusters.inspect import NodeState
    from store.documents.backup import Backup, CronBackup
    from store.documents.cluster import Cluster, MasterNode, WorkerNode
    from store.documents.operation import Operation
    from store.settings import Settings
    from store.store import Store

PHASE_STYLE = {
    "Running": "green",
    "Installing": "yellow",
    "Terminating": "yellow",
    "Updating": "yellow",
    "Upgrading": "yellow",
    "BackingUp": "yellow",
    "Restoring": "yellow",
}


RESUMABLE = (OperationStatus.FAILED, OperationStatus.CANCELLED, OperationStatus.INTERRUPTED)
NODES_EVERY = 10.0  # seconds between kubectl's answers on the Nodes tab


def phase_text(phase: str) -> Text:
    style = "red" if phase.endswith("Failed") else PHASE_STYLE.get(phase, "")
    return Text(phase, style=style)


class TypedConfirmScreen(ModalScreen[bool]):
    """Deleting a cluster: the operator types its name."""

    DEFAULT_CSS = """
    TypedConfirmScreen { align: center middle; }
    TypedConfirmScreen > Vertical { width: 70; height: auto; border: round $error; background: $surface; padding: 1 2; }
    """
    BINDINGS = [Binding("escape", "dismiss(False)", "Cancel", id="typed.cancel")]

    def __init__(self, name: str, what: str) -> None:
        super().__init__()
        self.expected = name
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                f"{self.what}\n\nType [b]{self.expected}[/b] and press enter to confirm; esc cancels."
            )
            yield Input(id="typed")

            yield Static("", id="typed-error", classes="field-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        typed = event.value.strip()
        if typed == self.expected:
            self.dismiss(True)
            return
        said = f"'{typed}' is not {self.expected}" if typed else "The name is empty"
        self.query_one("#typed-error", Static).update(
            f"{said}: type the name exactly, or esc to cancel."
        )


@dataclass(frozen=True)
class Snapshot:
    """What the cluster screen shows, read at one moment (in a thread)."""

    cluster: Cluster
    backups: list[Backup]
    schedules: list[CronBackup]
    operations: list[Operation]


class ClusterDetailScreen(
    UpgradeAction, PluginActions, WorkerActions, BackupTabs, inherit_bindings=False
):
    # In the footer's order, which drops the last ones first on a narrow terminal.
    BINDINGS = [
        Binding("tab", "app.focus_next", "Next field", show=False),
        Binding("shift+tab", "app.focus_previous", "Previous field", show=False),
        Binding("escape", "app.pop_screen", "Back", id="cluster.back"),
        Binding("l", "logs", "Logs", id="cluster.logs", tooltip="Log of the latest operation"),
        Binding(
            "r", "retry", "Retry", id="cluster.retry", tooltip="Resume the latest failed operation"
        ),
        *BackupTabs.BINDINGS,
        *WorkerActions.BINDINGS,
        *PluginActions.BINDINGS,
        *UpgradeAction.BINDINGS,
        Binding("c", "kubectl", "kubectl", id="cluster.kubectl", tooltip="A kubectl shell"),
        Binding(
            "g",
            "registry",
            "Registry",
            id="cluster.registry",
            tooltip="Change the image registry on every node",
        ),
        Binding("k", "kubeconfig", "Kubeconfig", id="cluster.kubeconfig"),
        Binding("e", "export", "Export", id="cluster.export", tooltip="Export the spec as YAML"),
        Binding(
            "C",
            "cancel_operation",
            "Cancel",
            id="cluster.cancel",
            tooltip="Stop the cluster's running operation (retry resumes it)",
        ),
        Binding(
            "t", "save_template", "Template", id="cluster.template", tooltip="Save as a template"
        ),
        Binding("D", "delete", "Delete", id="cluster.delete", tooltip="Delete the cluster"),
    ]

    def __init__(self, store: Store, settings: Callable[[], Settings], name: str) -> None:
        super().__init__()
        self.store = store
        self.settings = settings
        self.cluster_name = name
        self.node_states: dict[str, NodeState] = {}

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with TabbedContent(id="tabs"):
            with TabPane("Overview", id="overview"):
                yield Static("", id="overview-text")
            with TabPane("Nodes", id="nodes"):
                table: DataTable[Any] = DataTable(cursor_type="row", id="cluster-nodes")
                table.add_columns(
                    "Node", "Role", "Status", "Kubelet", "CPU", "Memory", "IP", "Hostname",
                    "Taints", "Labels",
                )  # fmt: skip
                yield table
            with TabPane("Plugins", id="plugins"):
                plugins: DataTable[Any] = DataTable(cursor_type="row", id="cluster-plugins")
                plugins.add_columns("Type", "Storage class", "Target", "Default")
                yield plugins
            with TabPane("Certificates", id="certs"):
                certs: DataTable[Any] = DataTable(cursor_type="row", id="cluster-certs")
                certs.add_columns("Node", "Certificate", "CA", "Expires", "Days left")
                yield certs
            with TabPane("Backups", id="backups"):
                backups: DataTable[Any] = DataTable(cursor_type="row", id="cluster-backups")
                backups.add_columns(*BACKUP_COLUMNS)
                yield backups
            with TabPane("Scheduled backups", id="schedules"):
                schedules: DataTable[Any] = DataTable(cursor_type="row", id="cluster-schedules")
                schedules.add_columns(*SCHEDULE_COLUMNS)
                yield schedules
            with TabPane("Operations", id="operations"):
                ops: DataTable[Any] = DataTable(cursor_type="row", id="cluster-operations")
                ops.add_columns("Operation", "Type", "Status", "Created")
                yield ops
        yield KeyFooter()

    def on_mount(self) -> None:
        self.reload()
        self.set_interval(1.0, self._live)
        self.set_interval(NODES_EVERY, self._nodes_live)
        self.call_after_refresh(self._nodes_live)

    def _nodes_live(self) -> None:
        """What the cluster says of its nodes, asked with kubectl while the Nodes tab shows."""
        tabs = self.query_one("#tabs", TabbedContent)
        if self.is_active and tabs.active == "nodes":
            self.run_worker(self._read_nodes(), exclusive=True, group="cluster-nodes-live")

    async def _read_nodes(self) -> None:
        from engine.clusters.inspect import node_states
        from engine.errors import RefusedError

        cluster = self.store.clusters.find(self.cluster_name)
        if cluster is None or not cluster.status.kubeconfig:
            return
        try:
            self.node_states = await node_states(self.store, self.settings(), cluster)
        except RefusedError:
            self.node_states = {}
        self.reload()

    def _kube_state(self, node: str) -> tuple[str, str, str, str]:
        state = self.node_states.get(node)
        if state is None:
            return ("?", "", "", "")
        return (state.status, state.kubelet, state.cpu, state.memory)

    def on_tabbed_content_tab_activated(self) -> None:
        self.refresh_bindings()
        self._nodes_live()
        if self.query_one("#tabs", TabbedContent).active == "certs":
            self.run_worker(self._read_certs(), exclusive=True, group="cluster-certs")

    async def _read_certs(self) -> None:
        """Each control-plane node's certificates, asked with kubeadm: under 30 days left in
        the warning colour, expired in the error colour."""
        from rich.text import Text

        from engine.clusters.certs import refresh
        from engine.clusters.expiry import WARN_DAYS
        from engine.errors import RefusedError

        cluster = self.store.clusters.find(self.cluster_name)
        if cluster is None:
            return
        try:
            certs = await refresh(self.store, self.settings(), cluster)
        except RefusedError as e:
            self.notify(str(e), severity="error", title="Certificates")
            return
        rows = []
        for c in certs:
            days = c.days_left
            style = "red" if days < 0 else "yellow" if days < WARN_DAYS else ""
            left = Text("expired" if days < 0 else str(days), style=style)
            rows.append(
                (
                    f"{c.node}/{c.name}",
                    (c.node, c.name, c.authority or "-", f"{c.expires:%Y-%m-%d %H:%M}", left),
                )
            )
        put_rows(self.query_one("#cluster-certs", DataTable), rows)

    def _live(self) -> None:
        """Read the cluster in a thread once a second while this screen is shown."""
        if self.is_active:  # on top: not under the log of its own delete
            self.run_worker(self._read_live, thread=True, exclusive=True, group="cluster-live")

    def _read_live(self) -> None:
        snapshot = self._read()
        self.app.call_from_thread(self._show, snapshot)

    def _read(self) -> Snapshot | None:
        cluster = self.store.clusters.find(self.cluster_name)
        if cluster is None:
            return None
        name = self.cluster_name
        return Snapshot(
            cluster,
            self.store.backups.list(lambda b: b.cluster == name),
            self.store.cron_backups.list(lambda s: s.cluster == name),
            list(reversed(self.store.operations.list(lambda o: o.cluster == name))),
        )

    def reload(self) -> None:
        self._show(self._read())

    def _cluster(self) -> Cluster | None:
        """The cluster, or None after going back to the list when it was deleted meanwhile."""
        cluster = self.store.clusters.find(self.cluster_name)
        if cluster is None and self.is_active:
            self.notify(f"Cluster {self.cluster_name} no longer exists", timeout=5)
            self.app.pop_screen()
        return cluster

    def _show(self, snapshot: Snapshot | None) -> None:
        from screens.wizard.base import format_taints
        from screens.wizard.confirm import summary

        if snapshot is None:
            self._cluster()  # gone: back to the list
            return
        cluster = snapshot.cluster
        self.sub_title = cluster.name
        text = summary(cluster)
        text.append("\n\nPhase: ")
        text.append_text(phase_text(cluster.status.phase.value))
        if cluster.status.message:
            text.append(f" - {cluster.status.message}")
        latest = snapshot.operations[0] if snapshot.operations else None
        if latest is not None and latest.status in RESUMABLE:
            text.append(f"\nr resumes {latest.type} {latest.id} where it stopped.")
        self.query_one("#overview-text", Static).update(text)
        spec = cluster.spec
        taints = {
            m.node: format_taints(m.taints) if m.taints is not None else "control-plane default"
            for m in spec.masters
        }
        taints |= {w.node: format_taints(w.taints) for w in spec.workers}
        members: list[MasterNode | WorkerNode] = [*spec.masters, *spec.workers]
        labels = {x.node: ", ".join(f"{k}={v}" for k, v in x.labels.items()) for x in members}
        put_rows(
            self.query_one("#cluster-nodes", DataTable),
            [
                (
                    n.node,
                    (
                        n.node,
                        n.role,
                        *self._kube_state(n.node),
                        n.ip,
                        n.hostname,
                        taints.get(n.node, ""),
                        labels.get(n.node, ""),
                    ),
                )
                for n in cluster.status.nodes
            ],
        )
        default = spec.storage.default_storage_class
        plugins = [
            (
                f"nfs/{nfs.storage_class_name}",
                (
                    "NFS",
                    nfs.storage_class_name,
                    f"{nfs.server_addr}:{nfs.shared_path}",
                    "yes" if nfs.storage_class_name == default else "",
                ),
            )
            for nfs in spec.storage.nfs
        ]
        plugins += [
            (
                f"ceph/{ceph.storage_class_name}",
                (
                    "Ceph RBD",
                    ceph.storage_class_name,
                    ", ".join(ceph.monitors),
                    "yes" if ceph.storage_class_name == default else "",
                ),
            )
            for ceph in spec.storage.ceph
        ]
        put_rows(self.query_one("#cluster-plugins", DataTable), plugins)
        self.show_backups(snapshot.backups, snapshot.schedules)
        put_rows(
            self.query_one("#cluster-operations", DataTable),
            [
                (op.id, (op.id, op.type, op.status.value, f"{op.created_at:%Y-%m-%d %H:%M}"))
                for op in snapshot.operations
            ],
        )

    @on(DataTable.RowSelected, "#cluster-operations")
    def _open_operation(self, event: DataTable.RowSelected) -> None:
        from screens.oplog.screen import OperationLogScreen

        self.app.push_screen(OperationLogScreen(self.store, str(event.row_key.value)))

    def _latest(self) -> Any:
        ops = self.store.operations.list(lambda o: o.cluster == self.cluster_name)
        return ops[-1] if ops else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        for tab, actions in (("nodes", NODE_ACTIONS), ("plugins", PLUGIN_ACTIONS)):
            if action in actions:
                return (
                    self.store.clusters.exists(self.cluster_name)
                    and self.query_one("#tabs", TabbedContent).active == tab
                )
        return super().check_action(action, parameters)

    def action_logs(self) -> None:
        from screens.oplog.screen import OperationLogScreen

        op = self._latest()
        if op is not None:
            self.app.push_screen(OperationLogScreen(self.store, op.id))

    def action_cancel_operation(self) -> None:
        op = self._latest()
        if op is None:
            self.notify("This cluster has no operation", timeout=3)
            return
        confirm_cancel(self.app, self.store, op.id)

    def action_retry(self) -> None:
        from engine import operations
        from engine.execution.runner import OperationError
        from screens.oplog.screen import OperationLogScreen

        try:
            op = operations.retry_latest(self.store, self.cluster_name)
        except OperationError as e:
            self.notify(str(e), severity="error")
            return
        start_operation(self.app, self.store, self.settings(), op)
        self.app.push_screen(OperationLogScreen(self.store, op.id))

    def action_save_template(self) -> None:
        from pydantic import ValidationError

        from screens.wizard.screen import NameScreen
        from store.documents.template import Template
        from store.errors import StoreError

        cluster = self._cluster()
        if cluster is None:
            return

        def named(name: str | None) -> None:
            if not name:
                return
            spec = cluster.spec.model_copy(deep=True)
            spec.masters, spec.workers = [], []
            try:
                self.store.templates.add(
                    Template(name=name, cluster=spec, description=f"from cluster {cluster.name}")
                )
            except (StoreError, ValidationError) as e:
                self.notify(str(e), severity="error")
                return
            self.notify(f"Template {name} saved", timeout=3)

        self.app.push_screen(NameScreen("Template name:"), named)

    def action_export(self) -> None:
        from engine.clusters.spec_file import export_yaml

        cluster = self._cluster()
        if cluster is None:
            return
        target = self.store.data_dir / "exports" / f"{cluster.name}.yaml"
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        target.write_text(export_yaml(cluster))
        self.notify(f"Spec written to {target}", timeout=5)

    def action_kubeconfig(self) -> None:
        from engine.clusters.actions import kubeconfig_path

        path = kubeconfig_path(self.store, self.cluster_name)
        self.notify(
            str(path)
            if path.exists()
            else "No kubeconfig yet: it is saved when the create succeeds",
            timeout=8,
        )

    def action_kubectl(self) -> None:
        from engine.ssh.terminal import ssh_argv
        from screens.terminal import open_terminal

        cluster = self._cluster()
        if cluster is None:
            return
        masters = [self.store.nodes.get(m.node) for m in cluster.spec.masters]
        node = next((n for n in masters if n.status == NodeStatus.ONLINE), masters[0])
        argv = ssh_argv(node, self.store.known_hosts)
        argv[-1:-1] = ["-t"]
        shell = "KUBECONFIG=/etc/kubernetes/admin.conf exec bash -l"
        # admin.conf is root's: a non-root user gets there through sudo (which may ask)
        argv.append(
            shell
            if (node.user or "root") == "root"
            else f"sudo -i env {shell.replace('exec ', '')}"
        )
        open_terminal(self.app, argv, f"kubectl on {node.name}, cluster {cluster.name} (as root)")

    def action_registry(self) -> None:
        """Point every node at another image registry (or none), as an operation."""
        from engine.clusters.service import ClusterService
        from engine.errors import RefusedError
        from screens.clusters.attach import Picker
        from screens.oplog.screen import OperationLogScreen

        cluster = self._cluster()
        if cluster is None:
            return
        name, current = cluster.name, cluster.spec.image_registry

        def start(registry: str) -> None:
            try:
                op = ClusterService(self.store, self.settings()).set_registry_operation(
                    name, registry
                )
            except RefusedError as e:
                self.notify("; ".join(p.message for p in e.problems) or str(e), severity="error")
                return
            start_operation(self.app, self.store, self.settings(), op)
            self.app.push_screen(OperationLogScreen(self.store, op.id))

        def confirmed(registry: str, yes: bool | None) -> None:
            if yes:
                start(registry)

        def chosen(registry: str | None) -> None:
            if registry is None or registry == current:
                return
            self.app.push_screen(
                ConfirmScreen(
                    f"Point every node of {name} at {registry or 'no registry'}? containerd's "
                    "registry settings are written again on each node; nothing restarts.",
                    yes="Change registry",
                ),
                lambda yes: confirmed(registry, yes),
            )

        options = [(f"{r.name}  ({r.host})", r.name) for r in self.store.registries.list()]
        self.app.push_screen(
            Picker(
                f"Image registry of {name} (now: {current or 'none'}).",
                options,
                none="none: pull from the upstream registries" if current else "",
                empty="No registries yet: add one in Registries (key 4).",
            ),
            chosen,
        )

    def action_delete(self) -> None:
        name = self.cluster_name
        backups = len(self.store.backups.list(lambda b: b.cluster == name))
        blocker = (
            f"\n\nIt has {backups} backup(s), which block the delete. After the name you are "
            "asked whether to force it; the backups are kept."
            if backups
            else ""
        )

        def start(force: bool) -> None:
            from engine.clusters.service import ClusterService
            from engine.errors import RefusedError
            from screens.oplog.screen import OperationLogScreen

            try:
                op = ClusterService(self.store, self.settings()).delete_operation(name, force)
            except RefusedError as e:
                self.notify("; ".join(p.message for p in e.problems) or str(e), severity="error")
                return
            start_operation(self.app, self.store, self.settings(), op)
            self.app.push_screen(OperationLogScreen(self.store, op.id))

        def forced(yes: bool | None) -> None:
            if yes:
                start(force=True)

        def typed(yes: bool | None) -> None:
            if not yes:
                return
            if not backups:
                start(force=False)
                return
            self.app.push_screen(
                ConfirmScreen(
                    f"Force the delete of {name}? Its {backups} backup(s) stay on their "
                    "backup point and in kctui's list.",
                    yes="Force delete",
                ),
                forced,
            )

        self.app.push_screen(
            TypedConfirmScreen(
                name, f"Delete cluster {name}? Every node is reset and freed.{blocker}"
            ),
            typed,
        )
