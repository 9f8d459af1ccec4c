"""Lists and the cluster screen follow the store by themselves, read in a thread, and keep the
cursor on its row while rows change around it."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static

from kctui.app import make_app
from screens.clusters.detail import ClusterDetailScreen
from screens.tables import selected_key
from store.documents.backup import Backup, BackupState
from store.documents.cluster import Cluster, ClusterPhase
from store.documents.operation import Operation, OperationStatus
from store.settings import Settings
from store.store import Store
from tests.screens.waits import until


def _cluster(name: str) -> Cluster:
    cluster = Cluster.model_validate({"metadata": {"name": name}})
    cluster.status.phase = ClusterPhase.INSTALLING
    return cluster


async def test_the_cluster_list_shows_a_new_phase_without_a_key(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    for name in ("alpha", "beta", "gamma"):
        store.clusters.add(_cluster(name))
    app = make_app(store, Settings())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        table = app.screen.query_one("#clusters DataTable", DataTable)
        table.focus()
        await pilot.press("down")  # on beta
        assert selected_key(table) == "beta"
        store.clusters.update("beta", lambda c: setattr(c.status, "phase", ClusterPhase.RUNNING))
        store.clusters.delete("alpha")  # the row above the cursor goes
        await until(
            pilot,
            lambda: "Running" in str(table.get_row("beta")) and table.row_count == 2,
            seconds=6,
            what="the live refresh",
        )
        assert selected_key(table) == "beta"


async def test_the_cluster_screen_keeps_its_cursor_across_refreshes(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    store.clusters.add(_cluster("prod"))
    for name in ("prod-a-000001", "prod-b-000002", "prod-c-000003"):
        store.backups.add(
            Backup(name=name, cluster="prod", backup_point="p", state=BackupState.AVAILABLE)
        )
    app = make_app(store, Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(ClusterDetailScreen(store, lambda: Settings(), "prod"))
        await pilot.pause()
        table = app.screen.query_one("#cluster-backups", DataTable)
        table.move_cursor(row=1)
        assert selected_key(table) == "prod-b-000002"
        store.backups.add(
            Backup(name="prod-d-000004", cluster="prod", backup_point="p", state=BackupState.ERROR)
        )
        await until(pilot, lambda: table.row_count == 4, seconds=4, what="the new backup")
        assert selected_key(table) == "prod-b-000002"


async def test_an_interrupted_create_is_said_with_its_retry_key(tmp_path: Path) -> None:
    """A create whose process died: after a start, the list and the cluster say so (once)."""
    store = Store(tmp_path / "data")
    store.clusters.add(_cluster("alpha"))
    op = Operation(id="op-dead", type="create-cluster", cluster="alpha")
    op.status = OperationStatus.RUNNING  # and no process holds its lock
    store.operations.add(op)
    store.clusters.update("alpha", lambda c: setattr(c.status, "last_operation", op.id))
    app = make_app(store, Settings())
    app.recover_on_start = True
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("1")
        table = app.screen.query_one("#clusters DataTable", DataTable)
        await until(
            pilot,
            lambda: table.row_count and "InstallFailed" in str(table.get_row("alpha")),
            seconds=6,
            what="the list to show the failure",
        )
        table.focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ClusterDetailScreen), what="the detail")
        await pilot.pause()
        text = str(app.screen.query_one("#overview-text", Static).render())
        assert "InstallFailed - interrupted: the kctui process running it stopped" in text
        assert "r resumes create-cluster op-dead where it stopped." in text
        assert text.count("interrupted") == 1
        assert "r" in {k for k, b in app.screen.active_bindings.items() if b.binding.show}
    assert store.operations.get("op-dead").status == OperationStatus.INTERRUPTED
