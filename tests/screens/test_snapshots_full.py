"""Every list at 80x24 with a realistic amount of data (10 nodes, 3 clusters, long names):
tables hide their least important columns before a value is cut; snapshots of each list, a
cluster's detail and the log view."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable

from kctui.app import make_app
from screens.clusters.detail import ClusterDetailScreen
from screens.nodes.section import NodesSection
from screens.sections.specs import SECTIONS
from store.documents.backup import BackupPoint, S3Target
from store.documents.cluster import Cluster, ClusterNode, ClusterPhase, ClusterSpec
from store.documents.node import Interface, Node, NodeFacts, NodeStatus
from store.documents.operation import Operation, OperationStatus
from store.documents.registry import Registry
from store.documents.resource import ResourcePackage
from store.documents.template import Template
from store.settings import Settings
from store.store import Store
from tests.screens.waits import until

WHEN = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
CLUSTERS = ("production-eu-west-payments", "staging-analytics-batch", "lab")


@pytest.fixture(autouse=True)
def no_probes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The nodes list probes every node when shown; these addresses are never contacted."""
    monkeypatch.setattr(NodesSection, "action_probe_all", lambda self: None)


def busy(tmp_path: Path) -> Store:
    store = Store(tmp_path / "data")
    store.templates.add(
        Template(
            name="standard-three-masters",
            cluster=ClusterSpec(),
            description="the usual: three control-plane nodes, Calico in IPIP mode, NFS storage",
        )
    )
    for i in range(10):
        name = f"k8s-{'cp' if i < 3 else 'worker'}-eu-west-1a-{i:04d}"
        facts = NodeFacts(
            arch="amd64",
            cpus=8,
            memory_bytes=32 * 2**30,
            hostname=name,
            os_id="debian",
            os_version="12",
            interfaces=[
                Interface(name="eth0", addresses=[f"10.20.0.{i + 1}/24"], networks=["10.20.0.0/24"])
            ],
        )
        store.nodes.add(
            Node(
                name=name,
                address=f"10.20.0.{i + 1}",
                status=NodeStatus.ONLINE,
                last_probe=WHEN,
                facts=facts,
                cluster=CLUSTERS[i % 3] if i < 9 else "",
            )
        )
    names = [n.name for n in store.nodes.list()]
    for c, name in enumerate(CLUSTERS):
        cluster = Cluster.model_validate(
            {
                "metadata": {"name": name},
                "spec": {
                    "masters": [{"node": names[c]}],
                    "workers": [{"node": n} for n in names[3 + c : 9 : 3]],
                },
                "createdAt": WHEN,
                "updatedAt": WHEN,
            }
        )
        cluster.status.phase = (
            ClusterPhase.RUNNING,
            ClusterPhase.INSTALL_FAILED,
            ClusterPhase.INSTALLING,
        )[c]
        cluster.status.kubernetes_version = "v1.28.15"
        cluster.status.last_operation = f"op-20261126-0930{c:02d}-abcdef"
        cluster.status.nodes = [
            ClusterNode(
                node=names[c], role="control-plane", ip=f"10.20.0.{c + 1}", hostname=names[c]
            )
        ]
        store.clusters.add(cluster)
        store.operations.add(
            Operation(
                id=f"op-20261126-0930{c:02d}-abcdef",
                type="create-cluster",
                cluster=name,
                status=(OperationStatus.SUCCEEDED, OperationStatus.FAILED, OperationStatus.RUNNING)[
                    c
                ],
                created_at=WHEN,
                updated_at=WHEN,
            )
        )
    store.registries.add(
        Registry(
            name="harbor-central-mirror",
            host="harbor.registry.internal.example:5000",
            username="robot$ci",
        )
    )
    store.backup_points.add(
        BackupPoint(
            name="nightly-offsite-s3",
            type="s3",
            s3=S3Target(
                endpoint="http://10.20.0.200:9000",
                bucket="etcd-backups-production",
                access_key="a",
                secret_key="s",
            ),
            description="offsite copies kept for thirty days",
        )
    )
    for name, kind, version in (
        ("kubernetes", "k8s", "v1.28.15"),
        ("containerd", "cri", "1.7.22"),
        ("calico", "cni", "v3.27.3"),
    ):
        store.resources.add(
            ResourcePackage(
                name=name,
                type=kind,
                version=version,
                arch="amd64",
                archive=f"{name}.tgz",
                size=90 * 2**20,
            )
        )
    return store


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.id)
async def test_tables_hide_columns_before_cutting_values(tmp_path: Path, section: Any) -> None:
    app = make_app(busy(tmp_path), Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(section.key)
        await until(pilot, lambda: app.screen.current().table.row_count, what="the rows")
        await pilot.pause(0.2)
        table = app.screen.current().table
        assert isinstance(table, DataTable) and table.row_count
        shown = [str(c.label) for c in table.ordered_columns]
        assert shown[0] == section.columns[0]
        hidden = {c for c in section.columns if c not in shown}
        assert hidden == set(section.drop[: len(hidden)])  # in the spec's order, no other
        fits = table.virtual_size.width <= table.scrollable_content_region.width
        assert fits or hidden == set(section.drop), shown  # only values longer than the screen
    async with make_app(busy(tmp_path / "wide"), Settings()).run_test(size=(200, 40)) as pilot:
        await pilot.press(section.key)
        await until(pilot, lambda: pilot.app.screen.current().table.row_count, what="the rows")
        await pilot.pause(0.2)
        table = pilot.app.screen.current().table
        assert [str(c.label) for c in table.ordered_columns] == list(section.columns)


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.id)
def test_each_list_with_data_at_80x24(tmp_path: Path, snap_compare: Any, section: Any) -> None:
    app = make_app(busy(tmp_path), Settings())

    async def shown(pilot: Any) -> None:
        await pilot.press(section.key)
        await pilot.pause(0.3)

    assert snap_compare(app, run_before=shown, terminal_size=(80, 24))


def test_a_busy_cluster_at_80x24(tmp_path: Path, snap_compare: Any) -> None:
    store = busy(tmp_path)
    app = make_app(store, Settings())

    async def detail(pilot: Any) -> None:
        app.push_screen(ClusterDetailScreen(store, lambda: Settings(), CLUSTERS[0]))
        await pilot.pause(0.3)

    assert snap_compare(app, run_before=detail, terminal_size=(80, 24))
