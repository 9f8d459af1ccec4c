"""Pilot tests: every navigation key, the sidebar, the palette and the help screen."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import ContentSwitcher, DataTable, OptionList, Static

from kctui.app import KctuiApp, make_app
from screens.help import HelpScreen
from screens.main import MainScreen
from screens.sections.list_section import ListSection
from screens.sections.specs import SECTIONS
from store.documents import Node
from store.settings import Settings
from store.store import Store
from tests.screens.waits import until


def main_screen(app: KctuiApp) -> MainScreen:
    assert isinstance(app.screen, MainScreen)
    return app.screen


async def test_number_keys_switch_sections(app: KctuiApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = main_screen(app)
        switcher = screen.query_one("#sections", ContentSwitcher)
        nav = screen.query_one("#sidebar", OptionList)
        assert switcher.current == "clusters"
        for spec in reversed(SECTIONS):
            await pilot.press(spec.key)
            assert switcher.current == spec.id
            assert screen.sub_title == spec.title
            assert nav.highlighted == nav.get_option_index(spec.id)
            section = screen.query_one(f"#{spec.id}", ListSection)
            assert section.has_no_rows
            assert section.query_one(".section-empty").display
            assert not section.table.display


async def test_sidebar_moves_with_arrows(app: KctuiApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = main_screen(app)
        assert isinstance(app.focused, OptionList)
        await pilot.press("down", "down")
        assert screen.section == SECTIONS[2].id
        await pilot.press("up")
        assert screen.section == SECTIONS[1].id


async def test_help_lists_every_key_and_closes(app: KctuiApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = [
            tuple(str(c) for c in r)
            for r in (
                app.screen.query_one(DataTable).get_row_at(i)
                for i in range(app.screen.query_one(DataTable).row_count)
            )
        ]
        keys = {r[0]: r[1] for r in rows}
        for spec in SECTIONS:
            assert keys[spec.key] == f"Show the {spec.title.lower()} list"
        assert keys["?, f1"] == "List every key" and keys["q"] == "Leave kctui"
        assert keys["a"] == "Add to the current list"
        assert "^p" in keys  # the command palette
        headings = [r[1] for r in rows if r[0] == ""]
        assert headings == ["On this screen", "Everywhere"], headings
        said = " ".join(" ".join(r) for r in rows)
        assert "super+" not in said and "Copy selected text" not in said
        assert not any(w in said for w in ("Pane", "step-", "Section", "DataTable"))
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        await pilot.press("question_mark", "question_mark")
        assert isinstance(app.screen, MainScreen)


async def test_palette_navigates(app: KctuiApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"go to backup")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert main_screen(app).section == "backup-points"


async def test_the_palette_offers_push_resources_and_the_screens_actions(
    app: KctuiApp,
) -> None:
    from screens.clusters.detail import ClusterDetailScreen
    from screens.commands import NavigationProvider
    from screens.sections.push import PushScreen
    from store.documents.cluster import Cluster

    app.store.clusters.add(Cluster.model_validate({"metadata": {"name": "c1"}}))
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(ClusterDetailScreen(app.store, lambda: app.settings, "c1"))
        await pilot.pause()
        provider = NavigationProvider(app.screen)
        names = {name for name, _, _ in provider._targets()}
        expected = {"Push resources", "Add backup point", "Create cluster", "Logs", "Delete"}
        assert expected <= names, names
        await pilot.press("ctrl+p")
        await pilot.press(*"push resources")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, PushScreen), what="the push screen")


async def test_add_is_offered_where_it_applies(app: KctuiApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = main_screen(app)
        assert screen.check_action("add", ()) is True
        await pilot.press("a")
        await pilot.pause()
        from screens.wizard.screen import WizardScreen

        assert isinstance(app.screen, WizardScreen)
        await pilot.press("escape", "n")  # leave without keeping a draft
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and not app.store.drafts.list()
        await pilot.press("3", "a")  # a template comes from the template editor
        await pilot.pause()
        from screens.wizard.template_editor import TemplateEditorScreen

        assert isinstance(app.screen, TemplateEditorScreen)
        assert "ctrl+s on the last step" in str(list(app._notifications)[-1].message)
        await pilot.press("escape", "y")  # leave it
        await pilot.pause()
        await pilot.press("7")
        assert screen.check_action("add", ()) is False


async def test_lists_show_stored_documents(app: KctuiApp) -> None:
    app.store.nodes.add(Node(name="lab-1", address="10.88.0.2", region="lab"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        section = main_screen(app).query_one("#nodes", ListSection)
        assert not section.has_no_rows
        assert section.table.get_row_at(0)[:3] == ["lab-1", "10.88.0.2", "lab"]
        app.store.nodes.add(Node(name="lab-2", address="10.88.0.3"))
        await pilot.press("r")
        assert section.table.row_count == 2


async def test_q_quits(app: KctuiApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_a_refused_state_file_is_shown_not_overwritten(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    content = b'{"_meta": {"1": {"schema_version": 999}}}'
    (data / "state.json").write_bytes(content)
    app = make_app(Store(data), Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        section = main_screen(app).current()
        assert section.has_class("-error")
        text = str(section.query_one(".section-empty", Static).render())
        assert "newer kctui" in text and "schema version 999" in text
    assert (data / "state.json").read_bytes() == content


async def test_operations_left_running_by_a_dead_kctui_become_interrupted(tmp_path: Path) -> None:
    from store.documents.operation import Operation, OperationStatus, Step

    store = Store(tmp_path / "data")
    op = Operation(type="t", status=OperationStatus.RUNNING, steps=[Step(name="s", nodes=["a"])])
    store.operations.add(op)
    app = make_app(store, Settings())
    app.recover_on_start = True
    async with app.run_test(size=(80, 24)) as pilot:
        # the check runs after the first frame; its notice is a message handled after it
        await until(pilot, lambda: any(op.id in str(n.message) for n in app._notifications))
        assert store.operations.get(op.id).status == OperationStatus.INTERRUPTED
        await pilot.press("7")
        await pilot.pause()
        row = main_screen(app).current().table.get_row_at(0)
        assert row[0] == op.id and row[3] == "interrupted"


async def test_palette_offers_screen_and_global_actions(app: KctuiApp) -> None:
    from screens.wizard.screen import WizardScreen

    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p", *"create cluster")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, WizardScreen)
        await pilot.press("ctrl+p", *"next")  # an action of the wizard screen itself
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.screen.index == 0  # refused: the first step has problems, shown inline
        assert "0 control-plane nodes" in "\n".join(
            str(s.render())
            for s in app.screen.query(".field-error").results(Static)
            if str(s.render())
        )


async def test_operations_filter_by_cluster_and_status(tmp_path: Path) -> None:
    from store.documents.operation import Operation, OperationStatus

    store = Store(tmp_path / "data")
    store.operations.add(
        Operation(type="create-cluster", cluster="prod", status=OperationStatus.FAILED)
    )
    store.operations.add(
        Operation(type="create-cluster", cluster="dev", status=OperationStatus.SUCCEEDED)
    )
    app = make_app(store, Settings())
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("7", "enter")  # into the list
        await pilot.pause()
        table = main_screen(app).current().table
        assert table.row_count == 2
        await pilot.press("slash", *"prod")
        assert table.row_count == 1 and table.get_row_at(0)[1] == "prod"
        await pilot.press("escape", "slash", *"succeeded")
        assert table.row_count == 1 and table.get_row_at(0)[1] == "dev"


async def test_help_on_the_log_view_and_the_wizard_lists_only_kctuis_keys(
    app: KctuiApp, tmp_path: Path
) -> None:
    from screens.oplog.screen import OperationLogScreen
    from store.documents.operation import Operation, Step

    op = Operation(type="test", steps=[Step(name="s", nodes=["a"], script="true\n")])
    app.store.operations.add(op)
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(OperationLogScreen(app.store, op.id))
        await pilot.pause(0.3)
        screens = []
        for focus in ("pane", "wizard"):
            if focus == "wizard":
                await pilot.press("escape", "1", "a")
                await pilot.pause(0.3)
            else:
                app.screen.panes()[0].focus()  # type: ignore[attr-defined]
                await pilot.pause()
            await pilot.press("f1" if focus == "wizard" else "question_mark")
            await until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
            table = app.screen.query_one(DataTable)
            said = " ".join(str(c) for i in range(table.row_count) for c in table.get_row_at(i))
            screens.append(said)
            await pilot.press("escape")
            await pilot.pause()
        for said in screens:
            for framework in ("Scroll Home", "Page Left", "Scroll Up", "Copy selected text"):
                assert framework not in said, said
        assert "First failure" in screens[0] and "Go to the next field or list" in screens[1]
