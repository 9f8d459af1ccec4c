"""Clusters: create (validate, plan, reserve nodes), run with phases, retry, delete."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from engine.backups.schedules import ScheduleService
from engine.catalog.online import Online
from engine.catalog.packages import needed_packages, resolve
from engine.clusters.actions import ACTIONS, kubeconfig_path
from engine.clusters.plan.context import address
from engine.clusters.plan.create import plan_create
from engine.clusters.plan.delete import plan_delete
from engine.clusters.plan.registry import plan_set_registry
from engine.clusters.validate import SpecError, validate
from engine.errors import Problem, RefusedError
from engine.execution.events import EventBus
from engine.execution.runner import Runner
from engine.registries.api import RegistryAPIError, RegistryClient
from store.documents.cluster import (
    Cluster,
    ClusterNode,
    ClusterPhase,
    StorageSpec,
    WorkerNode,
)
from store.documents.node import Node
from store.documents.operation import Operation, OperationStatus, TaskStatus
from store.settings import Settings
from store.store import Store

PHASES = {
    # operation type: (while running, succeeded, failed)
    "create-cluster": (ClusterPhase.INSTALLING, ClusterPhase.RUNNING, ClusterPhase.INSTALL_FAILED),
    "delete-cluster": (ClusterPhase.TERMINATING, None, ClusterPhase.TERMINATE_FAILED),
    "set-registry": (ClusterPhase.UPDATING, ClusterPhase.RUNNING, ClusterPhase.UPDATE_FAILED),
    "add-workers": (ClusterPhase.UPDATING, ClusterPhase.RUNNING, ClusterPhase.UPDATE_FAILED),
    "remove-workers": (ClusterPhase.UPDATING, ClusterPhase.RUNNING, ClusterPhase.UPDATE_FAILED),
    "storage": (ClusterPhase.UPDATING, ClusterPhase.RUNNING, ClusterPhase.UPDATE_FAILED),
    "renew-certs": (ClusterPhase.UPDATING, ClusterPhase.RUNNING, ClusterPhase.UPDATE_FAILED),
    "upgrade-cluster": (
        ClusterPhase.UPGRADING,
        ClusterPhase.RUNNING,
        ClusterPhase.UPGRADE_FAILED,
    ),
}


class ClusterService:
    def __init__(self, store: Store, settings: Settings, bus: EventBus | None = None) -> None:
        self.store = store
        self.settings = settings
        self.bus = bus

    def check(self, cluster: Cluster, unprobed: Collection[str] = ()) -> Cluster:
        """The cluster with versions resolved; raises SpecError with every problem (the
        nodes in `unprobed` are not judged by their stored status)."""
        problems = validate(cluster.name, cluster.spec, self.store, unprobed=unprobed)
        if problems:
            raise SpecError(problems)
        return cluster.model_copy(update={"spec": resolve(cluster.spec)})

    def check_registry(self, cluster: Cluster) -> None:
        """Offline with a registry, the nodes pull every image of the cluster's packages from
        it: refused, naming the images, when the registry lacks any (asked over its API)."""
        spec = cluster.spec
        if not spec.offline or not spec.image_registry:
            return
        registry = self.store.registries.get(spec.image_registry)
        nodes = [self.store.nodes.find(n) for n in spec.node_names]
        arch = next((n.facts.arch for n in nodes if n is not None and n.facts.arch), "amd64")
        package_of: dict[str, str] = {}
        for need in needed_packages(spec, arch):
            pkg = self.store.resources.find(need.package_id)
            for ref in pkg.images_list if pkg else []:
                package_of.setdefault(ref, need.package_id)
        try:
            missing = RegistryClient(registry).missing(list(package_of))
        except RegistryAPIError as e:
            raise RefusedError(problems=[Problem("spec.imageRegistry", str(e))]) from None
        if missing:
            more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
            packages = " ".join(dict.fromkeys(package_of[ref] for ref in missing))
            raise RefusedError(
                problems=[
                    Problem(
                        "spec.imageRegistry",
                        f"registry {registry.name} lacks {len(missing)} image(s) the nodes will "
                        f"pull: {', '.join(missing[:8])}{more}; push them: "
                        f"kctui registry push {registry.name} {packages}",
                    )
                ]
            )

    def plan(self, cluster: Cluster) -> Operation:
        return plan_create(self.check(cluster), self.store, Online.from_settings(self.settings))

    def create(self, cluster: Cluster) -> tuple[Cluster, Operation]:
        """Store the cluster, reserve its nodes and store the create operation (not run yet).
        Checking that the nodes are free and reserving them is one locked transaction, so two
        creates sharing a node cannot both pass."""
        with self.store.db.transaction():
            cluster = self.check(cluster)
            op = plan_create(cluster, self.store, Online.from_settings(self.settings))
            nodes = {n.name: n for n in self.store.nodes.list()}
            roles = [(m.node, "control-plane") for m in cluster.spec.masters]
            roles += [(w.node, "worker") for w in cluster.spec.workers]
            cluster.status.nodes = [
                ClusterNode(
                    node=name,
                    role=role,
                    ip=address(nodes[name]),
                    hostname=nodes[name].facts.hostname,
                )
                for name, role in roles
            ]
            cluster.status.phase = ClusterPhase.INSTALLING
            cluster.status.last_operation = op.id
            self.store.operations.add(op)
            self.store.clusters.add(cluster)
            for name in cluster.spec.node_names:
                self.store.nodes.update(name, lambda n: setattr(n, "cluster", cluster.name))
        return cluster, op

    async def run(self, op: Operation) -> Operation:
        """Run `op` in this process: what the operation's own process does."""
        phases = PHASES.get(op.type)
        if phases and op.cluster:
            self._phase(op.cluster, phases[0], op.id)
        done = await Runner(self.store, self.settings, self.bus, ACTIONS).run(op)
        self.settle(done)
        return done

    def settle(self, op: Operation) -> None:
        """The cluster's phase after `op` ended: its success phase (or gone, after a delete),
        else its failure phase, saying why (an interrupted operation says so)."""
        phases = PHASES.get(op.type)
        if not phases or not op.cluster or not self.store.clusters.exists(op.cluster):
            return
        if op.status == OperationStatus.SUCCEEDED:
            if phases[1] is None:
                self.store.clusters.delete(op.cluster)
                ScheduleService(self.store).delete_for_cluster(op.cluster)
            else:
                self._record(op)
                self._phase(op.cluster, phases[1], op.id, message="")
            return
        why = op.error or op.status.value
        if op.status == OperationStatus.INTERRUPTED:
            why = f"interrupted: {why}"
        self._phase(op.cluster, phases[2], op.id, message=why)

    def _record(self, op: Operation) -> None:
        """The spec and the inventory say what a day-2 change did to the nodes, once it did."""
        if op.type == "set-registry":
            registry = str(op.params.get("registry", ""))
            self.store.clusters.update(
                op.cluster, lambda c: setattr(c.spec, "image_registry", registry)
            )
        elif op.type == "add-workers":
            new = [WorkerNode.model_validate(w) for w in op.params.get("workers", [])]
            nodes = {n.name: n for n in self.store.nodes.list()}

            def grow(c: Cluster) -> None:
                c.spec.workers += [w for w in new if w.node not in c.spec.node_names]
                known = {n.node for n in c.status.nodes}
                c.status.nodes += [
                    ClusterNode(
                        node=w.node,
                        role="worker",
                        ip=address(nodes[w.node]),
                        hostname=nodes[w.node].facts.hostname,
                    )
                    for w in new
                    if w.node not in known and w.node in nodes
                ]

            self.store.clusters.update(op.cluster, grow)
        elif op.type == "renew-certs":  # read again at the next look

            def forget(c: Cluster) -> None:
                c.status.certs_expire = c.status.certs_checked_at = None

            self.store.clusters.update(op.cluster, forget)
        elif op.type == "upgrade-cluster":
            target = str(op.params["to"])
            self.store.clusters.update(
                op.cluster, lambda c: setattr(c.spec, "kubernetes_version", target)
            )
        elif op.type == "storage":
            storage = StorageSpec.model_validate(op.params["storage"])
            step = next((s for s in op.steps if s.name == "storage"), None)
            old = {
                c.storage_class_name: c.key
                for c in self.store.clusters.get(op.cluster).spec.storage.ceph
            }
            for i, ceph in enumerate(storage.ceph):
                given = step.secrets.get(f"CEPH_KEY_{i}") if step else None
                ceph.key = given or old.get(ceph.storage_class_name)
            self.store.clusters.update(op.cluster, lambda c: setattr(c.spec, "storage", storage))
        elif op.type == "remove-workers":
            gone = set(op.params.get("workers", []))

            def shrink(c: Cluster) -> None:
                c.spec.workers = [w for w in c.spec.workers if w.node not in gone]
                c.status.nodes = [n for n in c.status.nodes if n.node not in gone]

            reset = next((s for s in op.steps if s.name == "reset"), None)
            unreached = {
                t.node for t in (reset.tasks if reset else []) if t.status != TaskStatus.SUCCEEDED
            }

            def free(n: Node) -> None:
                n.cluster = ""
                if n.name in unreached and reset is not None:
                    n.pending_cleanup, n.left_cluster = reset.script, op.cluster

            with self.store.db.transaction():
                self.store.clusters.update(op.cluster, shrink)
                for name in gone:
                    if self.store.nodes.exists(name):
                        self.store.nodes.update(name, free)

    def _phase(
        self, name: str, phase: ClusterPhase, op_id: str, message: str | None = None
    ) -> None:
        def change(c: Cluster) -> None:
            c.status.phase = phase
            c.status.last_operation = op_id
            if message is not None:
                c.status.message = message
            if phase == ClusterPhase.RUNNING:
                c.status.kubernetes_version = c.spec.kubernetes_version
                c.status.installed_at = c.status.installed_at or datetime.now(UTC)
                c.status.kubeconfig = str(kubeconfig_path(self.store, c.name))

        self.store.clusters.update(name, change)

    def set_registry_operation(self, name: str, registry: str) -> Operation:
        """The operation that points the cluster's nodes at `registry` ("" for none)."""
        cluster = self.store.clusters.get(name)
        problems = []
        if cluster.spec.container_runtime.type != "containerd":
            problems.append(
                Problem(
                    "registry",
                    f"{name} runs {cluster.spec.container_runtime.type}; a registry change "
                    "needs containerd",
                )
            )
        if cluster.status.phase != ClusterPhase.RUNNING:
            problems.append(
                Problem("registry", f"{name} is {cluster.status.phase.value}; it must be Running")
            )
        found = self.store.registries.find(registry) if registry else None
        if registry and found is None:
            problems.append(
                Problem("registry", f"no registry named {registry!r}; add it first (Registries)")
            )
        elif found is not None and not found.usable:
            problems.append(
                Problem("registry", f"registry {registry} is {found.phase.value}; it must be Ready")
            )
        if problems:
            raise RefusedError(problems=problems)
        op = plan_set_registry(cluster, found)
        self.store.operations.add(op)
        return op

    def describe(self, name: str, description: str) -> Cluster:
        """The cluster's description, one line of printable text."""
        self.store.clusters.get(name)
        text = description.strip()
        if len(text) > 1024 or any(not ch.isprintable() for ch in text):
            raise RefusedError(
                problems=[
                    Problem(
                        "description",
                        "give one line of printable text, at most 1024 characters",
                    )
                ]
            )
        return self.store.clusters.update(name, lambda c: setattr(c.metadata, "description", text))

    def delete_operation(self, name: str, force: bool = False) -> Operation:
        cluster = self.store.clusters.get(name)
        backups = self.store.backups.list(lambda b: b.cluster == name)
        if backups and not force:
            raise RefusedError(
                problems=[
                    Problem(
                        "force",
                        f"{name} has {len(backups)} backup(s); delete them first, or force the "
                        "delete (the backups are kept)",
                    )
                ]
            )
        op = plan_delete(cluster)
        self.store.operations.add(op)
        return op
