"""Failures are never swallowed and never crash the app: a failed worker is said on screen and
its traceback kept in kctui.log; a cluster deleted under its screen sends it back to the list,
and no key there acts on it."""

from __future__ import annotations

from pathlib import Path

from kctui.app import make_app
from screens.clusters.backups import BackupTabs
from screens.clusters.detail import ClusterDetailScreen
from screens.main import MainScreen
from store.documents.cluster import Cluster
from store.settings import Settings
from store.store import Store
from tests.screens.waits import until


async def test_a_failed_worker_is_said_and_its_traceback_kept(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    app = make_app(store, Settings())

    async def broken() -> None:
        raise RuntimeError("the disk went away")

    async with app.run_test(size=(100, 30)) as pilot:
        app.run_worker(broken(), name="probe", exit_on_error=False)
        await until(pilot, lambda: app._notifications, what="the notification")
        said = [str(n.message) for n in app._notifications]
        assert any(s.startswith("the disk went away (details in ") for s in said), said
        assert app.is_running
    log = (tmp_path / "data" / "kctui.log").read_text()
    assert "worker probe failed" in log and "RuntimeError: the disk went away" in log
    assert "Traceback" in log


async def test_every_key_on_a_deleted_clusters_screen_is_harmless(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    store.clusters.add(Cluster.model_validate({"metadata": {"name": "gone"}}))
    app = make_app(store, Settings())
    keys = sorted(
        {
            b.key
            for cls in (ClusterDetailScreen, BackupTabs)
            for b in cls.BINDINGS  # type: ignore[attr-defined]
            if b.key != "escape"
        }
    )
    async with app.run_test(size=(120, 40)) as pilot:
        screen = ClusterDetailScreen(store, lambda: Settings(), "gone")
        app.push_screen(screen)
        await pilot.pause()
        store.clusters.delete("gone")  # as a delete finishing in its own process does
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
            assert app.is_running, key
        await until(pilot, lambda: isinstance(app.screen, MainScreen), what="the list")
        said = [str(n.message) for n in app._notifications]
        assert "Cluster gone no longer exists" in said
    assert len(keys) >= 12
