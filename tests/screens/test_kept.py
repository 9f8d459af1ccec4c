"""Templates, registries and resources screens with Pilot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from textual.widgets import DirectoryTree, Input, Static

from engine.catalog import resource_package as rp
from kctui.app import make_app
from screens.dialogs import ConfirmScreen
from screens.main import MainScreen
from screens.sections.kept_forms import RegistryForm, TextScreen
from screens.sections.push import PushScreen
from screens.wizard.screen import NameScreen
from store.documents.cluster import ClusterSpec
from store.documents.template import Template
from store.settings import Settings
from store.store import Store
from tests.screens.waits import until


def rows(app: object) -> list[str]:
    section = app.screen.current()  # type: ignore[attr-defined]
    table = section.table
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def test_registries(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    app = make_app(store, Settings())
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("4", "a")
        await until(pilot, lambda: isinstance(app.screen, RegistryForm), what="the form")
        await pilot.press(*"harbor", "tab", *"https://bad", "ctrl+s")
        await until(
            pilot,
            lambda: (
                "give HOST or HOST:PORT"
                in str(app.screen.query_one("#registry-error", Static).render())
            ),
            what="the host's error",
        )
        app.screen.query_one("#registry-host", Input).value = "127.0.0.1:5000"
        await pilot.press("ctrl+s")
        await until(
            pilot,
            lambda: isinstance(app.screen, MainScreen) and rows(app) == ["harbor"],
            what="the registry listed",
        )
        app.screen.current().table.focus()
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        await pilot.press("y")
        await until(
            pilot,
            lambda: store.registries.list() == [] and rows(app) == [],
            what="the registry deleted",
        )


async def test_resources_push_with_progress_and_delete(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    path = rp.build(
        tmp_path / "pkgs",
        name="calico",
        type="cni",
        version="v3.27.3",
        arch="amd64",
        files={"manifests/op.yaml": (b"kind: Namespace\n", 0o644)},
    )
    app = make_app(store, Settings())
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("6", "a")
        await pilot.pause()
        assert isinstance(app.screen, PushScreen)
        await pilot.press(*str(tmp_path / "missing.tar.gz"), "enter")
        await until(
            pilot,
            lambda: (
                "missing.tar.gz: no such file or directory"
                in str(app.screen.query_one("#push-status", Static).render())
            ),
            what="the push's refusal",
        )
        app.screen.query_one("#push-path", Input).value = str(path)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), what="the push to finish")
        assert rows(app) == ["calico-v3.27.3-amd64"]
        app.screen.current().table.focus()
        await pilot.press("enter")
        assert isinstance(app.screen, TextScreen)
        await pilot.press("escape", "x", "y")
        await pilot.pause()
        assert store.resources.list() == [] and not (store.resources_dir / path.name).exists()


def names(node: Any) -> Iterator[str]:
    for child in node.children:
        yield child.data.path.name
        yield from names(child)


async def test_push_picks_files_and_directories_from_a_tree(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    pkgs = tmp_path / "pkgs"
    for version in ("v3.27.3", "v3.26.4"):
        rp.build(
            pkgs,
            name="calico",
            type="cni",
            version=version,
            arch="amd64",
            files={"manifests/op.yaml": (b"kind: Namespace\n", 0o644)},
        )
    (pkgs / "notes.txt").write_text("not a package\n")
    app = make_app(store, Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(PushScreen(store, start=tmp_path))
        await pilot.pause()
        screen = app.screen
        screen.query_one("#push-path", Input).value = str(tmp_path)
        await pilot.press("enter")  # a directory without packages: said, no Errno
        status = screen.query_one("#push-status", Static)
        await until(pilot, lambda: "holds no package" in str(status.render()), what="refusal")
        assert "Errno" not in str(status.render())
        tree = screen.query_one("#push-tree", DirectoryTree)
        tree.focus()
        await pilot.pause(0.3)
        await pilot.press("down", "down", "enter")  # open pkgs/ (after data/)
        await pilot.pause(0.3)
        shown = list(names(tree.root))
        assert "notes.txt" not in shown and "calico-v3.26.4-amd64.tar.gz" in shown, shown
        assert screen.query_one("#push-path", Input).value == str(pkgs)
        await pilot.press("down", "enter")  # the first archive: pushed
        await until(pilot, lambda: app.screen is not screen, what="the push")
    assert [p.id for p in store.resources.list()] == ["calico-v3.26.4-amd64"]
    app = make_app(store, Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(PushScreen(store, start=tmp_path))
        await pilot.pause()
        await pilot.press(*str(pkgs), "enter")  # the whole directory
        await until(pilot, lambda: len(store.resources.list()) == 2, what="both pushed")


async def test_templates_show_rename_delete(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    store.templates.add(Template(name="base", cluster=ClusterSpec()))
    app = make_app(store, Settings())
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        app.screen.current().table.focus()
        await pilot.press("enter")
        assert isinstance(app.screen, TextScreen) and "Overlay-Vxlan-All" in app.screen.text
        await pilot.press("escape", "r")
        assert isinstance(app.screen, NameScreen)
        await pilot.press(*"standard", "enter")
        await pilot.pause()
        assert [t.name for t in store.templates.list()] == ["standard"]
        await pilot.press("x", "y")
        await pilot.pause()
        assert store.templates.list() == []
