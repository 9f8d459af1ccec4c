"""Snapshots with deterministic data: each wizard step, the clusters list, a cluster's detail,
and the log view of an operation with a failed step, at 80x24 and 120x40."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kctui.app import make_app
from screens.clusters.detail import ClusterDetailScreen
from screens.oplog.screen import OperationLogScreen
from store.documents.cluster import Cluster, ClusterNode, ClusterPhase
from store.documents.operation import NodeTask, Operation, OperationStatus, Step, TaskStatus
from store.logs import log_path
from store.settings import Settings
from store.store import Store
from tests.screens.test_wizard import world

SIZES = [(80, 24), (120, 40)]
WHEN = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
OP_ID = "op-20261126-093000-abcdef"


def seeded(tmp_path: Path) -> Store:
    store = world(tmp_path)
    cluster = Cluster.model_validate(
        {
            "metadata": {"name": "prod"},
            "spec": {
                "masters": [{"node": "n1"}],
                "workers": [{"node": "n2", "labels": {"disk": "ssd"}}],
                "storage": {
                    "nfs": [{"serverAddr": "10.20.0.50", "sharedPath": "/exports"}],
                    "defaultStorageClass": "nfs-sc",
                },
            },
            "createdAt": WHEN,
            "updatedAt": WHEN,
        }
    )
    cluster.status.phase = ClusterPhase.INSTALL_FAILED
    cluster.status.message = "step join-workers failed on n2"
    cluster.status.last_operation = OP_ID
    cluster.status.nodes = [
        ClusterNode(node="n1", role="control-plane", ip="10.20.0.1", hostname="n1"),
        ClusterNode(node="n2", role="worker", ip="10.20.0.2", hostname="n2"),
    ]
    store.clusters.add(cluster)
    steps = [
        Step(
            name="preflight",
            nodes=["n1", "n2"],
            status=TaskStatus.SUCCEEDED,
            tasks=[
                NodeTask(node="n1", status=TaskStatus.SUCCEEDED),
                NodeTask(node="n2", status=TaskStatus.SUCCEEDED),
            ],
        ),
        Step(
            name="join-workers",
            nodes=["n2"],
            status=TaskStatus.FAILED,
            tasks=[NodeTask(node="n2", status=TaskStatus.FAILED, reason="exit 1: lab fault")],
        ),
        Step(name="cni", nodes=["n1"]),
    ]
    op = Operation(
        id=OP_ID,
        type="create-cluster",
        cluster="prod",
        status=OperationStatus.FAILED,
        error="step join-workers failed on n2: exit 1: lab fault",
        steps=steps,
        created_at=WHEN,
        updated_at=WHEN,
    )
    store.operations.add(op)
    op_dir = store.operations.dir(OP_ID)
    for index, step, node, lines in (
        (0, "preflight", "n1", ["n1 ready"]),
        (0, "preflight", "n2", ["n2 ready"]),
        (
            1,
            "join-workers",
            "n2",
            ["[preflight] Running pre-flight checks", "lab fault: kubeadm made to fail on n2"],
        ),
    ):
        path = log_path(op_dir, index, step, node)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            "".join(
                f"2026-11-26T09:30:0{i}.000Z {'err' if 'fault' in line else 'out'} {line}\n"
                for i, line in enumerate(lines)
            )
        )
    return store


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("step", range(6), ids=lambda i: f"step{i + 1}")
def test_wizard_step(tmp_path: Path, snap_compare: Any, step: int, size: tuple[int, int]) -> None:
    store = world(tmp_path)
    app = make_app(store, Settings())

    async def walk(pilot: Any) -> None:
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"demo", "tab", "tab", "tab", "tab", "m", "w")
        for _ in range(step):
            await pilot.press("ctrl+n")
            await pilot.pause()
        await pilot.pause(0.2)

    assert snap_compare(app, run_before=walk, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_clusters_list(tmp_path: Path, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(
        make_app(seeded(tmp_path), Settings()),
        terminal_size=size,
        run_before=lambda p: p.pause(0.2),
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_cluster_detail(tmp_path: Path, snap_compare: Any, size: tuple[int, int]) -> None:
    store = seeded(tmp_path)
    app = make_app(store, Settings())

    async def open_detail(pilot: Any) -> None:
        app.push_screen(ClusterDetailScreen(store, lambda: Settings(), "prod"))
        await pilot.pause(0.2)

    assert snap_compare(app, run_before=open_detail, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_log_view_with_a_failed_step(
    tmp_path: Path, snap_compare: Any, size: tuple[int, int]
) -> None:
    store = seeded(tmp_path)
    app = make_app(store, Settings())

    async def open_log(pilot: Any) -> None:
        app.push_screen(OperationLogScreen(store, OP_ID))
        await pilot.pause(0.4)

    assert snap_compare(app, run_before=open_log, terminal_size=size)
