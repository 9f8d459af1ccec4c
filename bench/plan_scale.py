"""Planning a 500-node cluster: validation and the create's plan, against building the same
number of plain dicts (the floor for touching each node once). Target: under 1 s."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from results import report

from engine.catalog import catalog
from engine.catalog.packages import needed_packages, resolve
from engine.clusters.plan.create import plan_create
from engine.clusters.validate import validate
from store.documents.cluster import Cluster
from store.documents.node import Node, NodeFacts, NodeStatus
from store.documents.resource import ResourcePackage
from store.store import Store

NODES = 500
MASTERS = 3
RUNS = 5
TARGET = 1.0


def populate(store: Store) -> Cluster:
    for i in range(NODES):
        store.nodes.add(
            Node(
                name=f"n{i:03d}",
                address=f"10.{20 + i // 250}.{i % 250}.1",
                status=NodeStatus.ONLINE,
                host_key_fingerprint="SHA256:bench",
                facts=NodeFacts(arch="amd64", machine_id=f"{i:032x}"),
            )
        )
    names = [f"n{i:03d}" for i in range(NODES)]
    cluster = Cluster.model_validate(
        {
            "metadata": {"name": "big"},
            "spec": {
                "masters": [{"node": n} for n in names[:MASTERS]],
                "workers": [{"node": n} for n in names[MASTERS:]],
                "kubernetesVersion": catalog.default_version(),
                "networking": {"workerNodeVip": "169.254.169.100"},
                "storage": {"nfs": [{"serverAddr": "10.0.0.9", "sharedPath": "/exports"}]},
            },
        }
    )
    cluster.spec = resolve(cluster.spec)
    for need in needed_packages(cluster.spec, "amd64"):
        store.resources.add(
            ResourcePackage(name=need.name, type=need.type, version=need.version, arch="amd64")
        )
    return cluster


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp))
        cluster = populate(store)
        took = []
        for _ in range(RUNS):
            start = time.perf_counter()
            problems = validate(cluster.name, cluster.spec, store)
            op = plan_create(cluster, store)
            took.append(time.perf_counter() - start)
            assert not problems, problems[:3]
        start = time.perf_counter()
        for _ in range(RUNS):
            floor = [{"node": f"n{i:03d}", "steps": len(op.steps)} for i in range(NODES)]
        floor_time = (time.perf_counter() - start) / RUNS
        store.close()
    mid = statistics.median(took)
    tasks = sum(len(s.nodes) for s in op.steps)
    print(f"plan a {NODES}-node cluster: {len(op.steps)} steps, {tasks} node tasks, {len(floor)}")
    ok = report(
        f"plan a {NODES}-node cluster",
        f"{mid * 1000:.0f} ms",
        f"{floor_time * 1000:.2f} ms plain dicts",
        f"{mid / floor_time:.0f}x",
        f"< {TARGET:g} s",
        mid < TARGET,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
