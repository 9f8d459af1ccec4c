"""The Nodes screen with Pilot: add through the form and the host-key dialog, filter, sort,
probe in place, disable, detail, remove. The node is an in-process SSH server."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Input, Static

from kctui.app import make_app
from screens.dialogs import ConfirmScreen, HostKeyScreen
from screens.main import MainScreen
from screens.nodes.add import AddNodeScreen
from screens.nodes.detail import NodeDetailScreen
from screens.nodes.section import NodesSection
from store.documents.node import Node
from store.settings import Settings
from store.store import Store
from tests.screens.waits import until
from tests.sshserver import SSHServer


async def fill(pilot: object, field: str, value: str) -> None:
    app = pilot.app  # type: ignore[attr-defined]
    app.screen.query_one(f"#{field}", Input).value = value
    await pilot.pause()  # type: ignore[attr-defined]


async def test_add_a_node_through_the_form_and_the_host_key_dialog(
    tmp_path: Path, ssh_server: SSHServer
) -> None:
    store = Store(tmp_path / "data")
    app = make_app(store, Settings())
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("2", "a")
        await pilot.pause()
        assert isinstance(app.screen, AddNodeScreen)
        await fill(pilot, "name", "Bad_Name")
        error = str(app.screen.query_one("#name-error", Static).render())
        assert "name 'Bad_Name'" in error
        await pilot.press("ctrl+s")
        assert app.screen.focused is app.screen.query_one("#address", Input)  # first bad field
        await fill(pilot, "address", "127.0.0.1")
        await fill(pilot, "name", "srv")
        await fill(pilot, "port", str(ssh_server.port))
        await fill(pilot, "user", "root")
        await fill(pilot, "key", str(ssh_server.client_key))
        assert str(app.screen.query_one("#name-error", Static).render()) == ""
        await pilot.press("ctrl+s")
        await until(
            pilot, lambda: isinstance(app.screen, HostKeyScreen), what="the host-key dialog"
        )
        assert isinstance(app.screen, HostKeyScreen)
        assert app.screen.fingerprint == ssh_server.host_key_fingerprint
        assert ssh_server.host_key_fingerprint in str(app.screen.query_one(Static).render())
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), what="the form to close")
        assert isinstance(app.screen, MainScreen)
        node = store.nodes.get("srv")
        assert node.host_key_fingerprint == ssh_server.host_key_fingerprint
        assert node.status.value == "online" and node.facts.hostname
        table = app.screen.query_one(NodesSection).table
        assert table.get_row("srv")[:2] == ["srv", f"127.0.0.1:{ssh_server.port}"]


async def test_refusing_the_host_key_adds_nothing(tmp_path: Path, ssh_server: SSHServer) -> None:
    store = Store(tmp_path / "data")
    app = make_app(store, Settings())
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("2", "a")
        await pilot.pause()
        for field, value in (
            ("address", "127.0.0.1"),
            ("port", str(ssh_server.port)),
            ("user", "root"),
            ("key", str(ssh_server.client_key)),
        ):
            await fill(pilot, field, value)
        await pilot.press("ctrl+s")
        await until(
            pilot, lambda: isinstance(app.screen, HostKeyScreen), what="the host-key dialog"
        )
        await pilot.press("n")
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, AddNodeScreen)
                and "not trusted" in str(app.screen.query_one("#status", Static).render())
            ),
            what="the form to say the key is not trusted",
        )
        assert store.nodes.list() == []


def seeded(tmp_path: Path) -> Store:
    store = Store(tmp_path / "data")
    for name, region, address in (
        ("web-1", "east", "10.0.0.11"),
        ("db-1", "west", "10.0.0.21"),
        ("web-2", "east", "10.0.0.12"),
    ):
        store.nodes.add(Node(name=name, address=address, region=region, port=1))
    return store


def names(table: DataTable[str]) -> list[str]:
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def test_filter_sort_disable_detail_and_remove(tmp_path: Path) -> None:
    store = seeded(tmp_path)
    settings = Settings.model_validate({"ssh": {"connectTimeout": 0.5}})
    app = make_app(store, settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2", "enter")  # enter moves from the sidebar into the list
        await pilot.pause(0.3)
        section = app.screen.query_one(NodesSection)
        table = section.table
        assert names(table) == ["db-1", "web-1", "web-2"]
        await pilot.press("slash", *"web")
        assert names(table) == ["web-1", "web-2"]
        await pilot.press("escape")
        assert names(table) == ["db-1", "web-1", "web-2"] and table.has_focus
        await pilot.press("s")  # by status
        await pilot.press("s")  # by region
        assert names(table) == ["web-1", "web-2", "db-1"]
        await pilot.press("d")
        assert store.nodes.get("web-1").enabled is False
        assert table.get_row("web-1")[3] == "disabled"
        await pilot.press("d")
        assert store.nodes.get("web-1").enabled is True
        await pilot.press("enter")
        assert isinstance(app.screen, NodeDetailScreen)
        assert "10.0.0.11" in str(app.screen.query_one(Static).render())
        await pilot.press("escape")
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert not store.nodes.exists("web-1")
        assert "web-1" not in names(table)


async def test_background_probe_updates_status_in_place(
    tmp_path: Path, ssh_server: SSHServer
) -> None:
    store = Store(tmp_path / "data")
    ssh_server.add_nodes(store, "srv")
    store.nodes.add(Node(name="gone", address="127.0.0.1", port=1, user="root"))
    app = make_app(store, Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        table = app.screen.query_one(NodesSection).table
        await until(
            pilot,
            lambda: table.get_row("srv")[3] == "online" and table.get_row("gone")[3] == "offline",
            what="both probes",
        )
        assert table.get_row("srv")[3] == "online"
        assert table.get_row("gone")[3] == "offline"
        assert "cannot connect" in store.nodes.get("gone").last_error


async def test_a_status_that_grows_widens_its_column(tmp_path: Path) -> None:
    """A node disabled from the command line while the list is shown: the row says all of it."""
    store = seeded(tmp_path)
    app = make_app(store, Settings.model_validate({"ssh": {"connectTimeout": 0.5}}))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await pilot.pause(0.3)
        section = app.screen.query_one(NodesSection)
        await until(pilot, lambda: all(n.last_probe for n in store.nodes.list()), what="probes")
        await pilot.pause(0.3)
        node = store.nodes.update("web-1", lambda n: setattr(n, "enabled", False))
        section.post_message(NodesSection.Probed(node))
        await pilot.pause(0.3)
        table = section.table
        status = next(c for c in table.ordered_columns if str(c.label) == "Status")
        assert table.get_row("web-1")[3] == "disabled" and status.content_width >= len("disabled")
