"""The template editor, with Pilot: a template made from the Templates list with no node in the
inventory, through the wizard's configuration, CNI, storage and confirm steps; and
`template create -f` refusing a bad file by field."""

from __future__ import annotations

from pathlib import Path

from kctui.app import make_app
from screens.wizard.screen import NameScreen
from screens.wizard.template_editor import FIRST, TemplateEditorScreen
from store.settings import Settings
from store.store import Store
from tests.cli import kctui
from tests.screens.waits import until


async def test_a_template_needs_no_node(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    assert store.nodes.list() == []
    app = make_app(store, Settings())
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("3", "a")
        await until(pilot, lambda: isinstance(app.screen, TemplateEditorScreen), what="the editor")
        editor = app.screen
        assert isinstance(editor, TemplateEditorScreen)
        await until(pilot, lambda: editor.index == FIRST, what="the configuration step")
        await pilot.press("ctrl+b")  # the nodes steps are not part of a template
        await pilot.pause()
        assert editor.index == FIRST
        for step in range(FIRST + 1, FIRST + 4):
            await pilot.press("ctrl+n")
            await until(pilot, lambda s=step: editor.index == s, what=f"step {step + 1}")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, NameScreen), what="the name")
        await pilot.press(*"edge", "enter")
        await until(pilot, lambda: store.templates.exists("edge"), what="the template")
    template = store.templates.get("edge")
    assert template.type == "cluster" and template.cluster is not None
    assert template.cluster.masters == [] and template.cluster.kubernetes_version


def test_template_create_refuses_a_bad_file_by_field(tmp_path: Path) -> None:
    bad = tmp_path / "t.yaml"
    bad.write_text("name: edge\ntype: cluster\ncluster:\n  networking: {pods: ['10.244.5.0/16']}\n")
    done = kctui(tmp_path / "data", "template", "create", "-f", str(bad))
    assert done.returncode == 1
    assert "cluster.networking.pods[0]: host bits are set in 10.244.5.0/16" in done.stderr
    bad.write_text("name: edge\ntype: cluster\ncluster:\n  networking: {pods: ['10.244.0.0/16']}\n")
    done = kctui(tmp_path / "data", "template", "create", "-f", str(bad))
    assert done.returncode == 0, done.stderr
    shown = kctui(tmp_path / "data", "template", "show", "edge")
    assert "10.244.0.0/16" in shown.stdout


async def test_a_storage_template_fills_the_storage_step(tmp_path: Path) -> None:
    from textual.widgets import DataTable, Select

    from store.documents.cluster import StorageSpec
    from store.documents.template import Template

    store = Store(tmp_path / "data")
    storage = StorageSpec.model_validate(
        {
            "nfs": [
                {"serverAddr": "10.0.0.5", "sharedPath": "/exports", "storageClassName": "shelf"}
            ],
            "defaultStorageClass": "shelf",
        }
    )
    store.templates.add(Template(name="shelf-nfs", type="storage", storage=storage))
    app = make_app(store, Settings())
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("3", "a")
        await until(pilot, lambda: isinstance(app.screen, TemplateEditorScreen), what="the editor")
        editor = app.screen
        assert isinstance(editor, TemplateEditorScreen)
        await until(pilot, lambda: editor.index == FIRST)
        for step in (FIRST + 1, FIRST + 2):
            await pilot.press("ctrl+n")
            await until(pilot, lambda s=step: editor.index == s, what=f"step {step + 1}")
        editor.query_one("#in-storage-template", Select).value = "shelf-nfs"
        table = editor.query_one("#storage-entries", DataTable)
        await until(pilot, lambda: table.row_count == 1, what="the template's entry")
        assert [str(c) for c in table.get_row_at(0)] == ["NFS", "shelf", "10.0.0.5:/exports"]
        assert editor.query_one("#in-default-sc", Select).value == "shelf"
