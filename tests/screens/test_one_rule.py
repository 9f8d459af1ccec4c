"""Each rule lives once in the engine: the CLI and the TUI give the same answer to the same
case (a re-push of the same package, a registry in use, the latest-only retry, labels, the
exported YAML)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from engine.catalog import resource_package as rp
from engine.clusters.spec_file import export_yaml
from kctui.app import make_app
from screens.clusters.detail import ClusterDetailScreen
from screens.main import MainScreen
from screens.nodes.add import AddNodeScreen
from screens.sections.push import PushScreen
from store.documents.cluster import Cluster
from store.documents.operation import Operation, OperationStatus
from store.documents.registry import Registry
from store.settings import Settings
from store.store import Store
from tests.cli import kctui
from tests.screens.waits import until


def _package(tmp_path: Path) -> Path:
    return rp.build(
        tmp_path / "pkgs",
        name="calico",
        type="cni",
        version="v3.27.3",
        arch="amd64",
        files={"manifests/op.yaml": (b"kind: Namespace\n", 0o644)},
    )


async def test_pushing_the_same_package_again_is_accepted_by_both(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = _package(tmp_path)
    assert kctui(data, "resource", "push", str(path)).returncode == 0
    again = kctui(data, "resource", "push", str(path))
    assert again.returncode == 0, again.stderr
    store = Store(data)
    app = make_app(store, Settings())
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("6", "a")
        await pilot.pause()
        assert isinstance(app.screen, PushScreen)
        app.screen.query_one("#push-path", Input).value = str(path)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), what="the push")
    assert [p.id for p in store.resources.list()] == ["calico-v3.27.3-amd64"]


async def test_a_registry_in_use_is_refused_by_both_with_one_message(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(data)
    store.registries.add(Registry(name="harbor", host="10.0.0.9:5000"))
    cluster = Cluster.model_validate({"metadata": {"name": "prod"}})
    cluster.spec.image_registry = "harbor"
    store.clusters.add(cluster)
    said = kctui(data, "registry", "delete", "harbor", "--yes")
    assert said.returncode == 1
    message = "registry harbor is used by cluster(s) prod"
    assert said.stderr.strip() == f"kctui: error: {message}"
    app = make_app(store, Settings())
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        app.screen.current().table.focus()  # type: ignore[attr-defined]
        await pilot.press("x", "y")
        await pilot.pause()
        shown = [str(n.message) for n in app._notifications]
        assert any(message in text for text in shown), shown
    assert store.registries.exists("harbor")


async def test_only_the_latest_operation_of_a_cluster_is_retried_by_both(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(data)
    cluster = Cluster.model_validate({"metadata": {"name": "prod"}})
    store.clusters.add(cluster)
    old = Operation(type="create-cluster", cluster="prod", status=OperationStatus.FAILED)
    new = Operation(type="delete-cluster", cluster="prod", status=OperationStatus.SUCCEEDED)
    store.operations.add(old)
    store.operations.add(new)
    said = kctui(data, "operation", "retry", old.id)
    message = f"only the latest operation of cluster prod can be retried: {new.id}"
    assert said.returncode == 1 and message in said.stderr
    app = make_app(store, Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(ClusterDetailScreen(store, lambda: Settings(), "prod"))
        await pilot.pause()
        await pilot.press("r")  # the latest (succeeded) one cannot be retried either
        await pilot.pause()
        shown = [str(n.message) for n in app._notifications]
        assert any(f"operation {new.id} is succeeded; only a failed" in t for t in shown), shown
    assert store.operations.get(old.id).status == OperationStatus.FAILED


async def test_a_bad_label_is_one_message_in_both(tmp_path: Path) -> None:
    data = tmp_path / "data"
    said = kctui(
        data, "node", "add", "10.0.0.5", "--accept-host-key", "SHA256:x", "--label", "a b=c"
    )
    assert said.returncode == 1
    problem = "label 'a b' is not a valid Kubernetes label key"
    assert problem in said.stderr
    store = Store(data)
    app = make_app(store, Settings())
    async with app.run_test(size=(100, 40)) as pilot:
        app.push_screen(AddNodeScreen(store, lambda: Settings()))
        await pilot.pause()
        screen = app.screen
        screen.query_one("#address", Input).value = "10.0.0.5"
        screen.query_one("#labels", Input).value = "a b=c"
        await pilot.press("ctrl+s")
        await pilot.pause()
        errors = " ".join(str(s.render()) for s in screen.query(Static))
        assert problem in errors
    assert store.nodes.list() == []


def test_the_exported_yaml_is_one_text(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(data)
    cluster = Cluster.model_validate({"metadata": {"name": "prod"}})
    store.clusters.add(cluster)
    printed = kctui(data, "cluster", "export", "prod")
    assert printed.returncode == 0
    assert printed.stdout == export_yaml(store.clusters.get("prod"))
