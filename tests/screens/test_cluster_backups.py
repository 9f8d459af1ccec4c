"""The Backups and Scheduled backups tabs of a cluster, with Pilot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Input, Select, Static, TabbedContent

from kctui.app import make_app
from screens.clusters.detail import ClusterDetailScreen
from screens.clusters.schedule_form import ScheduleForm, cron_for
from screens.dialogs import ConfirmScreen
from store.documents.backup import Backup, BackupState
from store.documents.cluster import Cluster, ClusterPhase
from store.settings import Settings
from store.store import Store


def seeded(tmp_path: Path) -> Store:
    store = Store(tmp_path / "data")
    cluster = Cluster.model_validate(
        {"metadata": {"name": "c1"}, "spec": {"masters": [{"node": "n1"}]}}
    )
    cluster.status.phase = ClusterPhase.INSTALL_FAILED
    cluster.status.kubernetes_version = "v1.28.15"
    store.clusters.add(cluster)
    store.backups.add(
        Backup(
            name="c1-nightly-a1b2c3",
            cluster="c1",
            backup_point="rack",
            state=BackupState.AVAILABLE,
            kubernetes_version="v1.28.15",
            size=3 * 1024 * 1024,
            sha256="0" * 64,
        )
    )
    return store


def cells(table: DataTable) -> list[list[str]]:  # type: ignore[type-arg]
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def on_tab(
    app: Any, pilot: Any, store: Store, tab: str, cluster: str = "c1"
) -> ClusterDetailScreen:
    """The cluster's screen on `tab`, its table focused."""
    app.push_screen(ClusterDetailScreen(store, lambda: Settings(), cluster))
    await pilot.pause()
    screen: ClusterDetailScreen = app.screen
    screen.query_one("#tabs", TabbedContent).active = tab
    await pilot.pause()
    screen.query_one(f"#cluster-{tab}", DataTable).focus()
    return screen


def test_cron_helpers() -> None:
    assert cron_for("daily", "02:30", "0", "1", "") == "30 2 * * *"
    assert cron_for("weekly", "23:05", "6", "1", "") == "5 23 * * 6"
    assert cron_for("monthly", "01:00", "0", "l", "") == "0 1 L * *"
    assert cron_for("custom", "", "0", "", " */15 * * * * ") == "*/15 * * * *"
    for args, message in [
        (("daily", "25:00", "0", "1", ""), "time '25:00': give HH:MM"),
        (("monthly", "01:00", "0", "32", ""), "day '32': give 1 to 31, or L"),
    ]:
        try:
            cron_for(*args)
        except ValueError as e:
            assert message in str(e)
        else:
            raise AssertionError(f"{args} accepted")


async def test_backups_tab_lists_and_refuses_a_restore_with_the_reason(tmp_path: Path) -> None:
    store = seeded(tmp_path)
    app = make_app(store, Settings())
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await on_tab(app, pilot, store, "backups")
        rows = cells(screen.query_one("#cluster-backups", DataTable))
        assert rows[0][:4] == ["c1-nightly-a1b2c3", "available", "3.0 MiB", "v1.28.15"]
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "overwrites the etcd data" in str(app.screen.query_one(Static).render())
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = [str(n.message) for n in app._notifications]
        assert any(
            "cluster c1 is InstallFailed; a restore needs it Running or RestoreFailed" in m
            for m in shown
        ), shown
        assert store.backups.get("c1-nightly-a1b2c3").state == BackupState.AVAILABLE


async def test_schedules_tab_adds_with_the_next_three_runs_toggles_and_deletes(
    tmp_path: Path,
) -> None:
    store = seeded(tmp_path)
    app = make_app(store, Settings())
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await on_tab(app, pilot, store, "schedules")
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ScheduleForm)
        form.query_one("#sched-name", Input).value = "monthly"
        form.query_one("#sched-kind", Select).value = "monthly"
        form.query_one("#sched-time", Input).value = "01:30"
        form.query_one("#sched-day", Input).value = "L"
        form.query_one("#sched-keep", Input).value = "0"
        await pilot.pause()
        preview = str(form.query_one("#sched-next", Static).render())
        assert preview.startswith("cron 30 1 L * *; next runs: ") and preview.count(", ") == 2
        await pilot.press("ctrl+s")
        await pilot.pause()
        said = str(form.query_one("#sched-error", Static).render())
        assert said.startswith("Keep: give how many") and "--" not in said
        assert form.focused is form.query_one("#sched-keep", Input)
        form.query_one("#sched-keep", Input).value = "4"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ClusterDetailScreen)
        saved = store.cron_backups.get("monthly")
        assert (saved.cron, saved.keep, saved.enabled) == ("30 1 L * *", 4, True)
        table = screen.query_one("#cluster-schedules", DataTable)
        assert cells(table)[0][:4] == ["monthly", "30 1 L * *", "4", "yes"]

        await pilot.press("space")
        await pilot.pause()
        assert store.cron_backups.get("monthly").enabled is False
        assert cells(table)[0][3:5] == ["no", "-"]
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert store.cron_backups.list() == []
