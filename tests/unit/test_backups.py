"""Backup and restore refusals that come before any node is contacted, with their messages."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from engine.backups.service import BackupError, BackupService
from store.documents.backup import Backup, BackupPoint, BackupState
from store.documents.cluster import Cluster, ClusterNode, ClusterPhase
from store.settings import Settings
from store.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "data")
    cluster = Cluster.model_validate(
        {
            "metadata": {"name": "c1"},
            "spec": {"masters": [{"node": "n1"}], "workers": [{"node": "n2"}]},
        }
    )
    cluster.status.phase = ClusterPhase.RUNNING
    cluster.status.kubernetes_version = "v1.28.15"
    cluster.status.nodes = [
        ClusterNode(node="n1", role="control-plane", ip="10.0.0.1", hostname="n1"),
        ClusterNode(node="n2", role="worker", ip="10.0.0.2", hostname="n2"),
    ]
    s.clusters.add(cluster)
    s.backup_points.add(BackupPoint(name="rack", type="fs", fs_path="/srv/b"))
    s.backups.add(
        Backup(
            name="c1-x-abcdef",
            cluster="c1",
            backup_point="rack",
            state=BackupState.AVAILABLE,
            kubernetes_version="v1.28.15",
            nodes={"10.0.0.1": "n1", "10.0.0.3": "n3"},
            location="/srv/b/c1-x-abcdef.db",
            source_node="n1",
        )
    )
    return s


def refused(coro: object) -> str:
    with pytest.raises(BackupError) as e:
        asyncio.run(coro)  # type: ignore[arg-type]
    return str(e.value)


def test_restore_needs_the_backups_node_set(store: Store) -> None:
    message = refused(BackupService(store, Settings()).prepare_restore("c1", "c1-x-abcdef"))
    assert message == (
        "the nodes of c1 differ from backup c1-x-abcdef's: not in the cluster now: 10.0.0.3 (n3); "
        "not in the backup: 10.0.0.2 (n2); a restore needs the same nodes"
    )
    assert store.backups.get("c1-x-abcdef").state == BackupState.AVAILABLE
    assert store.clusters.get("c1").status.phase == ClusterPhase.RUNNING
    assert store.operations.list() == []


def test_restore_needs_a_running_or_restore_failed_cluster(store: Store) -> None:
    store.clusters.update("c1", lambda c: setattr(c.status, "phase", ClusterPhase.UPGRADING))
    message = refused(BackupService(store, Settings()).prepare_restore("c1", "c1-x-abcdef"))
    assert message == "cluster c1 is Upgrading; a restore needs it Running or RestoreFailed"


def test_backup_needs_a_point_and_a_good_name(store: Store) -> None:
    service = BackupService(store, Settings())
    assert refused(service.prepare("c1", "Nightly")).startswith(
        "name 'Nightly': use 1 to 40 lowercase letters, digits and '-'"
    )
    assert refused(service.prepare("c1")) == (
        "cluster c1 has no backup point; attach one to it first"
    )
    assert store.backups.list() == [store.backups.get("c1-x-abcdef")]


def test_a_backup_being_made_or_restored_cannot_be_deleted(store: Store) -> None:
    store.backups.update("c1-x-abcdef", lambda b: setattr(b, "state", BackupState.RESTORING))
    message = refused(BackupService(store, Settings()).delete("c1-x-abcdef"))
    assert message.startswith("backup c1-x-abcdef is restoring; wait for operation")
    assert store.backups.exists("c1-x-abcdef")
