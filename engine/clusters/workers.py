"""Workers added to and removed from a running cluster: every check before anything is stored,
then the operation (the cluster Updating, then Running or UpdateFailed)."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from engine import grammar
from engine.catalog.online import Online
from engine.clusters.plan.workers import plan_add_workers, plan_remove_workers
from engine.clusters.validate import validate
from engine.errors import Problem, RefusedError
from store.documents.cluster import Cluster, ClusterPhase, Taint, WorkerNode
from store.documents.operation import Operation
from store.settings import Settings
from store.store import Store

DURATION_RE = re.compile(r"^[1-9][0-9]{0,5}(s|m|h)$")
CHANGEABLE = (ClusterPhase.RUNNING, ClusterPhase.UPDATE_FAILED)
CONTROL_PLANE_RULE = (
    "kctui adds and removes workers only: the control plane is fixed when the cluster is created"
)


class WorkerService:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def _cluster(self, name: str) -> Cluster:
        cluster = self.store.clusters.get(name)
        if cluster.status.phase not in CHANGEABLE:
            raise RefusedError(
                problems=[
                    Problem(
                        "cluster",
                        f"{name} is {cluster.status.phase.value}; its workers change only while "
                        "it is Running (or after a failed change, to retry it)",
                    )
                ]
            )
        return cluster

    def check_add(
        self,
        cluster_name: str,
        nodes: list[str],
        labels: Sequence[str] = (),
        taints: Sequence[str] = (),
        unprobed: Collection[str] = (),
    ) -> tuple[Cluster, list[WorkerNode]]:
        """The cluster and its new workers; refused with every problem at once."""
        cluster = self._cluster(cluster_name)
        problems: list[Problem] = []
        parsed_labels, said = grammar.parse_labels(list(labels))
        if said:
            problems.append(Problem("label", said))
        parsed_taints, said = grammar.parse_taints(list(taints))
        if said:
            problems.append(Problem("taint", said))
        members = set(cluster.spec.node_names)
        if not nodes:
            problems.append(Problem("node", "name at least one node to add"))
        for name in nodes:
            if name in members:
                role = (
                    "control-plane node"
                    if name in [m.node for m in cluster.spec.masters]
                    else "worker"
                )
                problems.append(Problem("node", f"{name} is already a {role} of {cluster_name}"))
        if len(set(nodes)) != len(nodes):
            problems.append(Problem("node", "a node is named twice"))
        new = [
            WorkerNode(
                node=n,
                labels=parsed_labels,
                taints=[Taint.model_validate(t) for t in parsed_taints],
            )
            for n in dict.fromkeys(nodes)
            if n not in members
        ]
        grown = cluster.spec.model_copy(deep=True)
        grown.workers += new
        first_new = len(cluster.spec.workers)
        for p in validate(cluster_name, grown, self.store, existing_ok=True, unprobed=unprobed):
            index = re.match(r"spec\.workers\[(\d+)\]", p.field)
            if p.field.startswith("spec.masters") or (index and int(index.group(1)) < first_new):
                continue  # about the cluster as it is, not the change
            problems.append(Problem("node", p.message) if index else p)
        if problems:
            raise RefusedError(problems=problems)
        return cluster, new

    def plan_add(self, cluster: Cluster, new: list[WorkerNode]) -> Operation:
        return plan_add_workers(cluster, new, self.store, Online.from_settings(self.settings))

    def add(
        self,
        cluster_name: str,
        nodes: list[str],
        labels: Sequence[str] = (),
        taints: Sequence[str] = (),
    ) -> Operation:
        """Reserve the nodes for the cluster and store the operation that joins them (not run
        yet): checking and reserving is one locked transaction, as a create's is."""
        with self.store.db.transaction():
            cluster, new = self.check_add(cluster_name, nodes, labels, taints)
            op = self.plan_add(cluster, new)
            self.store.operations.add(op)
            for worker in new:
                self.store.nodes.update(worker.node, lambda n: setattr(n, "cluster", cluster_name))
        return op

    def remove(
        self, cluster_name: str, nodes: list[str], force: bool = False, drain_timeout: str = "5m"
    ) -> Operation:
        cluster = self._cluster(cluster_name)
        problems: list[Problem] = []
        masters = {m.node for m in cluster.spec.masters}
        workers = {w.node for w in cluster.spec.workers}
        if not nodes:
            problems.append(Problem("node", "name at least one worker to remove"))
        for name in nodes:
            if name in masters:
                problems.append(
                    Problem("node", f"{name} is a control-plane node; {CONTROL_PLANE_RULE}")
                )
            elif name not in workers:
                problems.append(Problem("node", f"{name} is not a worker of {cluster_name}"))
        if not DURATION_RE.match(drain_timeout):
            problems.append(
                Problem(
                    "drain-timeout", f"{drain_timeout!r}: give a duration such as 90s, 5m or 1h"
                )
            )
        if problems:
            raise RefusedError(problems=problems)
        op = plan_remove_workers(cluster, list(dict.fromkeys(nodes)), force, drain_timeout)
        self.store.operations.add(op)
        return op
