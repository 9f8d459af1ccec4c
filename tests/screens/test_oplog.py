"""The operation log view with Pilot: steps, per-node panes, failure jump, zoom, search, save,
and live following of an operation that is still running."""

from __future__ import annotations

import asyncio
from pathlib import Path

from engine.execution.runner import Runner
from kctui.app import make_app
from screens.oplog.pane import NodePane
from screens.oplog.screen import OperationLogScreen
from store.documents.operation import Operation, Step
from store.settings import Settings
from store.store import Store
from tests.screens.waits import until
from tests.sshserver import SSHServer

NODES = ["a", "b", "c"]


def with_nodes(tmp_path: Path, server: SSHServer) -> Store:
    store = Store(tmp_path / "data")
    server.add_nodes(store, *NODES)
    return store


async def test_a_failed_operation(tmp_path: Path, ssh_server: SSHServer) -> None:
    store = with_nodes(tmp_path, ssh_server)
    op = Operation(
        type="test",
        steps=[
            Step(
                name="hello",
                script='echo "hello from $KCTUI_NODE"; echo needle-$KCTUI_NODE\n',
                nodes=NODES,
            ),
            Step(
                name="breaks",
                script='[ "$KCTUI_NODE" != b ] || { echo "disk full on b" >&2; exit 3; }\n',
                nodes=NODES,
            ),
            Step(name="never", script="true\n", nodes=NODES),
        ],
    )
    await Runner(store, Settings()).run(op)
    app = make_app(store, Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("7")
        await pilot.pause()
        await pilot.press("tab", "enter")
        await until(pilot, lambda: isinstance(app.screen, OperationLogScreen))
        screen = app.screen
        assert isinstance(screen, OperationLogScreen)
        assert screen.step_index == 1  # opens on the failed step
        await until(pilot, lambda: len(screen.panes()) == 3)
        await until(
            pilot, lambda: any("disk full on b" in "\n".join(p.lines) for p in screen.panes())
        )
        failed = [p.node for p in screen.panes() if p.has_class("-failed")]
        assert failed == ["b"]
        labels = [str(o.prompt) for o in screen.query_one("#steps").options]  # type: ignore[attr-defined]
        assert (
            "✓ 01 hello 3/3" in labels[0]
            and "02 breaks 2/3 1✗" in labels[1]
            and "· 03 never" in labels[2]
        )
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(screen.focused, NodePane) and screen.focused.node == "b"
        await pilot.press("z")
        assert screen.has_class("-zoomed") and screen.focused.has_class("-zoom")
        await pilot.press("z")
        screen.query_one("#steps").highlighted = 0  # type: ignore[attr-defined]
        await until(
            pilot,
            lambda: (
                screen.step_index == 0
                and any("needle" in "\n".join(p.lines) for p in screen.panes())
            ),
        )
        pane = screen.panes()[0]
        assert pane.lines[0] == "hello from a"
        await pilot.press("t")
        assert pane.lines[0].endswith("out hello from a") and pane.lines[0][:4].isdigit()
        await pilot.press("t")
        long_line = "x" * 300
        with open(pane.path, "a") as f:  # a line longer than the pane is wide
            f.write(f"2026-11-26T09:30:00.000Z out {long_line}\n")
        await until(pilot, lambda: long_line in pane.lines)
        await pilot.press("w")
        assert long_line not in pane.lines and "".join(pane.lines).count("x") == 300
        assert max(len(line) for line in pane.lines) < 300
        await pilot.press("w")
        assert long_line in pane.lines
        await pilot.press("slash", *"needle", "enter")
        assert pane.term == "needle" and pane.highlight
        await pilot.press("escape")
        pane.focus()
        await pilot.press("s")
        saved = store.data_dir / "exports" / f"{op.id}-01-hello-a.log"
        assert saved.read_text() == f"hello from a\nneedle-a\n{long_line}\n"
        await pilot.press("escape")
        assert not isinstance(app.screen, OperationLogScreen)


async def test_follows_a_running_operation(tmp_path: Path, ssh_server: SSHServer) -> None:
    store = with_nodes(tmp_path, ssh_server)
    op = Operation(
        type="test",
        steps=[
            Step(
                name="count",
                nodes=["a", "b"],
                script="for i in $(seq 1 30); do echo line-$i; sleep 0.05; done\n",
            ),
        ],
    )
    store.operations.add(op)
    app = make_app(store, Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        runner = asyncio.create_task(Runner(store, Settings()).run(op))
        app.push_screen(OperationLogScreen(store, op.id))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, OperationLogScreen)
        await until(
            pilot,
            lambda: "line-5" in "\n".join(screen.panes()[0].lines) if screen.panes() else False,
        )
        assert not runner.done()  # seen while it was still running
        await runner
        await until(pilot, lambda: all("line-30" in "\n".join(p.lines) for p in screen.panes()))
        await until(pilot, lambda: "succeeded" in str(screen.query_one("#summary").render()))


async def test_follow_moves_the_panes_to_the_running_step(
    tmp_path: Path, ssh_server: SSHServer
) -> None:
    store = with_nodes(tmp_path, ssh_server)
    op = Operation(
        type="test",
        steps=[
            Step(name=f"s{i}", nodes=["a", "b"], script=f"echo in-s{i}; sleep 0.6\n")
            for i in range(3)
        ],
    )
    store.operations.add(op)
    app = make_app(store, Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        runner = asyncio.create_task(Runner(store, Settings()).run(op))
        app.push_screen(OperationLogScreen(store, op.id))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, OperationLogScreen) and screen.follow
        await until(pilot, lambda: screen.step_index == 1, what="the panes on step 02")
        await until(
            pilot,
            lambda: (
                screen.step_index == 2
                and all("in-s2" in "\n".join(p.lines) for p in screen.panes())
            ),
            what="the panes on step 03",
        )
        await runner
        screen.query_one("#steps").highlighted = 0  # type: ignore[attr-defined]
        await until(pilot, lambda: not screen.follow, what="follow off on a step chosen by hand")
        await pilot.pause(0.3)
        assert screen.step_index == 0


async def test_wrap_search_and_zoom_at_80_columns(tmp_path: Path, ssh_server: SSHServer) -> None:
    store = with_nodes(tmp_path, ssh_server)
    words = " ".join(f"kubelet joined node-{i:02d}" for i in range(12))
    op = Operation(
        type="test",
        steps=[
            Step(
                name="talk",
                nodes=["a", "b"],
                script=f"for i in 1 2 3; do echo '{words}'; done; printf 'k%.0s' $(seq 100); echo; seq 1 40\n",
            )
        ],
    )
    await Runner(store, Settings()).run(op)
    app = make_app(store, Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(OperationLogScreen(store, op.id))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, OperationLogScreen)
        await until(pilot, lambda: len(screen.panes()) == 2 and "40" in screen.panes()[0].lines)
        pane = screen.panes()[0]
        pane.focus()
        await pilot.press("w")
        await pilot.pause()
        visible = pane.scrollable_content_region.width
        assert max(len(line) for line in pane.lines) <= visible  # nothing under the scrollbar
        assert "".join(pane.lines).count("kubelet") == 36 and "kubele " not in "".join(pane.lines)
        narrow = max(len(line) for line in pane.lines)
        await pilot.press("z")
        await pilot.pause()
        assert max(len(line) for line in pane.lines) > narrow  # wrapped again, wider
        assert max(len(line) for line in pane.lines) <= pane.scrollable_content_region.width
        await pilot.press("z", "slash", *"joined", "enter")
        await pilot.pause()
        found = str(screen.query_one("#found").render())
        first = int(found.split("/")[0])  # the first match from what the pane shows
        assert found == f"{first}/36 in a", found
        await pilot.press("escape")
        pane.focus()
        await pilot.press("n", "n")
        assert str(screen.query_one("#found").render()) == f"{(first + 1) % 36 + 1}/36 in a"
        await pilot.press("N")
        assert str(screen.query_one("#found").render()) == f"{first % 36 + 1}/36 in a"


async def test_a_zoomed_view_shows_a_pane_of_the_next_step_too(
    tmp_path: Path, ssh_server: SSHServer
) -> None:
    store = with_nodes(tmp_path, ssh_server)
    op = Operation(
        type="test",
        steps=[Step(name=f"s{i}", nodes=["a", "b"], script=f"echo s{i}\n") for i in range(2)],
    )
    await Runner(store, Settings()).run(op)
    app = make_app(store, Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(OperationLogScreen(store, op.id))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, OperationLogScreen)
        await until(pilot, lambda: len(screen.panes()) == 2)
        await pilot.press("z")
        screen.query_one("#steps").highlighted = 0  # type: ignore[attr-defined]
        await until(pilot, lambda: screen.step_index == 0, what="the other step")
        await pilot.pause()
        shown = [p for p in screen.panes() if p.display and p.region.height]
        assert screen.has_class("-zoomed") and len(shown) == 1
