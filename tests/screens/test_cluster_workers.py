"""The Nodes tab of a cluster, with Pilot: `a` adds workers through a form that refuses what
the engine refuses, naming the field; `x` on a control-plane node says the rule, and on a
worker asks twice (remove, then whether to force) before an operation is stored."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, SelectionList, Static

from kctui.app import make_app
from screens.clusters.workers import AddWorkersScreen
from screens.dialogs import ChoiceScreen, ConfirmScreen
from store.documents.cluster import Cluster, ClusterNode, ClusterPhase
from store.documents.node import Node, NodeStatus
from store.settings import Settings
from store.store import Store
from tests.screens.test_cluster_backups import on_tab
from tests.screens.waits import until


def seeded(tmp_path: Path) -> Store:
    store = Store(tmp_path / "data")
    cluster = Cluster.model_validate(
        {
            "metadata": {"name": "c1"},
            "spec": {"masters": [{"node": "n1"}], "workers": [{"node": "n2"}]},
        }
    )
    cluster.status.phase = ClusterPhase.RUNNING
    cluster.status.nodes = [
        ClusterNode(node="n1", role="control-plane", ip="10.0.0.1"),
        ClusterNode(node="n2", role="worker", ip="10.0.0.2"),
    ]
    store.clusters.add(cluster)
    for i, name in enumerate(("n1", "n2", "n3", "n4"), start=1):
        node = Node(name=name, address=f"10.0.0.{i}", status=NodeStatus.OFFLINE)
        node.cluster = "c1" if name in ("n1", "n2") else ""
        store.nodes.add(node)
    return store


async def test_add_workers_form_refuses_naming_the_field(tmp_path: Path) -> None:
    store = seeded(tmp_path)
    app = make_app(store, Settings())
    async with app.run_test(size=(100, 32)) as pilot:
        await on_tab(app, pilot, store, "nodes")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, AddWorkersScreen), what="the form")
        picks = app.screen.query_one(SelectionList)
        assert [
            str(picks.get_option_at_index(i).prompt).split()[0] for i in range(picks.option_count)
        ] == ["n3", "n4"]
        await pilot.press("ctrl+s")  # nothing picked
        error = app.screen.query_one(".form-error", Static)
        await until(pilot, lambda: "Nodes: name at least one node to add" in str(error.render()))
        await pilot.press("space", "tab", *"bad key=x", "ctrl+s")
        await until(pilot, lambda: "Labels: label" in str(error.render()), what="the label error")
        assert store.operations.list() == []
        assert store.nodes.get("n3").cluster == ""


async def test_remove_asks_twice_and_refuses_a_control_plane_node(tmp_path: Path) -> None:
    store = seeded(tmp_path)
    app = make_app(store, Settings())
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await on_tab(app, pilot, store, "nodes")
        table = screen.query_one("#cluster-nodes", DataTable)
        await until(pilot, lambda: table.row_count == 2, what="the nodes")
        await pilot.press("x")  # n1, the control-plane node
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("down", "x")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="the force question")
        await pilot.press("escape")  # back: nothing stored
        await pilot.pause()
        assert store.operations.list() == []


async def test_the_plugins_tab_refuses_a_class_name_in_use_and_saves_a_template(
    tmp_path: Path,
) -> None:
    from screens.clusters.attach import Picker
    from screens.wizard.screen import NameScreen
    from screens.wizard.storage import EntryForm

    store = seeded(tmp_path)
    store.clusters.update(
        "c1",
        lambda c: setattr(
            c.spec.storage,
            "nfs",
            [
                {
                    "server_addr": "10.0.0.9",
                    "shared_path": "/exports",
                    "storage_class_name": "nfs-sc",
                }
            ],
        ),
    )
    app = make_app(store, Settings())
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await on_tab(app, pilot, store, "plugins")
        await until(pilot, lambda: screen.query_one("#cluster-plugins", DataTable).row_count == 1)
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, Picker), what="the kind picker")
        await pilot.press("enter")  # NFS
        await until(pilot, lambda: isinstance(app.screen, EntryForm), what="the NFS form")
        await pilot.press(*"10.0.0.9", "tab", *"/other", "ctrl+s")  # class nfs-sc: taken
        await until(pilot, lambda: not isinstance(app.screen, EntryForm))
        await pilot.pause()
        assert store.operations.list() == []
        assert any("nfs-sc is already used" in str(n.message) for n in app._notifications)
        await pilot.press("T")
        await until(pilot, lambda: isinstance(app.screen, NameScreen), what="the name")
        await pilot.press(*"keep-nfs", "enter")
        await until(pilot, lambda: store.templates.exists("keep-nfs"), what="the template")
        template = store.templates.get("keep-nfs")
        assert template.type == "storage" and template.storage is not None
        assert [n.storage_class_name for n in template.storage.nfs] == ["nfs-sc"]


async def test_removing_a_plugin_asks_then_says_why_it_cannot_ask_the_cluster(
    tmp_path: Path,
) -> None:
    store = seeded(tmp_path)
    store.clusters.update(
        "c1",
        lambda c: setattr(
            c.spec.storage,
            "nfs",
            [
                {
                    "server_addr": "10.0.0.9",
                    "shared_path": "/exports",
                    "storage_class_name": "nfs-sc",
                }
            ],
        ),
    )
    # the control-plane node is at an address nothing answers on: the claims cannot be read
    store.nodes.update("n1", lambda n: setattr(n, "address", "127.0.0.1"))
    store.nodes.update("n1", lambda n: setattr(n, "port", 9))
    app = make_app(store, Settings())
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await on_tab(app, pilot, store, "plugins")
        await until(pilot, lambda: screen.query_one("#cluster-plugins", DataTable).row_count == 1)
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        await pilot.press("y")
        await until(
            pilot,
            lambda: any("reachable" in str(n.message) for n in app._notifications),
            seconds=30,
            what="the refusal",
        )
        assert store.operations.list() == []
