"""Dialogs keep their keys: a wrong name in the delete dialog is said and the dialog stays, the
force path has its own confirmation, and a terminal says how to come back before it opens."""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

import screens.clusters.detail as detail
import screens.terminal as terminal
from kctui.app import make_app
from screens.clusters.detail import ClusterDetailScreen, TypedConfirmScreen
from screens.dialogs import ConfirmScreen
from store.documents.node import Node
from store.settings import Settings
from tests.screens.test_cluster_backups import seeded
from tests.screens.waits import until


def started(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    ops: list[Any] = []
    monkeypatch.setattr(detail, "start_operation", lambda app, store, settings, op: ops.append(op))
    return ops


async def test_a_wrong_name_is_said_and_keys_stay_in_the_dialog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = seeded(tmp_path)
    ops = started(monkeypatch)
    app = make_app(store, Settings())
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(ClusterDetailScreen(store, lambda: Settings(), "c1"))
        await pilot.pause()
        await pilot.press("D")
        await until(pilot, lambda: isinstance(app.screen, TypedConfirmScreen), what="the dialog")
        dialog = app.screen
        text = str(dialog.query_one(Static).render())
        assert "1 backup(s), which block the delete" in text
        await pilot.press(*"c2", "enter")
        await pilot.pause()
        assert app.screen is dialog
        said = str(dialog.query_one("#typed-error", Static).render())
        assert said == "'c2' is not c1: type the name exactly, or esc to cancel."
        await pilot.press("e", "c")  # export and kubectl on the cluster screen, if they leaked
        await pilot.pause()
        assert app.screen is dialog and not (store.data_dir / "exports").exists()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ClusterDetailScreen) and ops == []


async def test_backups_block_the_delete_until_it_is_forced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = seeded(tmp_path)
    ops = started(monkeypatch)
    app = make_app(store, Settings())
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(ClusterDetailScreen(store, lambda: Settings(), "c1"))
        await pilot.pause()
        await pilot.press("D", *"c1", "enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the force question")
        assert "Force the delete of c1?" in str(app.screen.query_one(Static).render())
        await pilot.press("n")
        await pilot.pause()
        assert ops == []
        await pilot.press("D", *"c1", "enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the force question")
        await pilot.press("y")
        await until(pilot, lambda: ops, what="the delete")
    assert ops[0].type == "delete-cluster" and ops[0].cluster == "c1"


async def test_a_terminal_says_how_to_return_before_it_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = seeded(tmp_path)
    store.nodes.add(Node(name="n1", address="127.0.0.1"))
    runs: list[list[str]] = []
    shown = io.StringIO()
    monkeypatch.setattr(sys, "__stdout__", shown)

    def run(argv: list[str], check: bool) -> None:
        assert "Type exit to return to kctui." in shown.getvalue()
        runs.append(argv)

    monkeypatch.setattr(terminal.subprocess, "run", run)
    app = make_app(store, Settings())
    monkeypatch.setattr(app, "suspend", contextlib.nullcontext)
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(ClusterDetailScreen(store, lambda: Settings(), "c1"))
        await pilot.pause()
        await pilot.press("c")
        await until(pilot, lambda: runs, what="the kubectl terminal")
    assert runs[0][0] == "ssh" and runs[0][-1].startswith("KUBECONFIG=")


async def test_backup_now_without_a_point_offers_to_attach_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.backups.service import BackupService
    from screens.clusters.attach import Picker
    from store.documents.backup import BackupPoint, S3Target
    from store.documents.cluster import ClusterPhase

    store = seeded(tmp_path)
    store.clusters.update("c1", lambda c: setattr(c.status, "phase", ClusterPhase.RUNNING))
    store.backup_points.add(
        BackupPoint(
            name="far",
            type="s3",
            s3=S3Target(endpoint="http://127.0.0.1:9", bucket="b", access_key="a", secret_key="s"),
        )
    )
    asked: list[str] = []

    async def create(self: object, cluster: str) -> None:
        asked.append(cluster)
        raise RuntimeError("not here")

    monkeypatch.setattr(BackupService, "create", create)
    app = make_app(store, Settings())
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(ClusterDetailScreen(store, lambda: Settings(), "c1"))
        await pilot.pause()
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, Picker), what="the point picker")
        assert "c1 has no backup point" in str(app.screen.query_one(Static).render())
        await pilot.press("enter")
        await until(pilot, lambda: store.clusters.get("c1").spec.backup_point == "far")
        await until(pilot, lambda: asked == ["c1"], what="the backup to start")
        await pilot.press("p")  # and the point can be changed (here: detached) at any time
        await until(pilot, lambda: isinstance(app.screen, Picker), what="the point picker")
        await pilot.press("down", "enter")
        await until(pilot, lambda: store.clusters.get("c1").spec.backup_point == "")


async def test_the_registry_is_changed_from_the_cluster_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from screens.clusters.attach import Picker
    from store.documents.cluster import ClusterPhase
    from store.documents.registry import Registry

    store = seeded(tmp_path)
    store.clusters.update("c1", lambda c: setattr(c.status, "phase", ClusterPhase.RUNNING))
    store.registries.add(Registry(name="harbor", host="127.0.0.1:5000"))
    ops = started(monkeypatch)
    app = make_app(store, Settings())
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(ClusterDetailScreen(store, lambda: Settings(), "c1"))
        await pilot.pause()
        await pilot.press("g")
        await until(pilot, lambda: isinstance(app.screen, Picker), what="the registry picker")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        assert "Point every node of c1 at harbor?" in str(app.screen.query_one(Static).render())
        await pilot.press("y")
        await until(pilot, lambda: ops, what="the operation")
    op = ops[0]
    assert (op.type, op.cluster, op.params) == ("set-registry", "c1", {"registry": "harbor"})
    assert [s.name for s in op.steps][-1] == "registry-switch"
    assert store.clusters.get("c1").spec.image_registry == ""  # until the nodes have it


async def test_the_log_of_a_delete_stays_when_its_cluster_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from screens.oplog.screen import OperationLogScreen

    store = seeded(tmp_path)
    store.backups.delete("c1-nightly-a1b2c3")
    started(monkeypatch)
    app = make_app(store, Settings())
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(ClusterDetailScreen(store, lambda: Settings(), "c1"))
        await pilot.pause()
        await pilot.press("D", *"c1", "enter")
        await until(pilot, lambda: isinstance(app.screen, OperationLogScreen), what="the log")
        store.clusters.delete("c1")  # the delete finished in its own process
        await pilot.pause(2.5)
        assert isinstance(app.screen, OperationLogScreen)
        await pilot.press("escape")  # back on the cluster: it says so once, and goes
        await until(pilot, lambda: type(app.screen).__name__ == "MainScreen", what="the list")
        said = [str(n.message) for n in app._notifications]
        assert said.count("Cluster c1 no longer exists") == 1
