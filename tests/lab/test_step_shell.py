"""The step shell on a lab host: steps in one bash each keep a script's own semantics, and a
step left running by a kctui that died keeps the node until it ends."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.nodes.service import NodeService
from engine.ssh.connection import NodeConnection, SSHError
from engine.ssh.pool import SSHPool
from kctui.lab.state import Lab
from store.documents.node import Node
from store.settings import Settings
from store.store import Store
from tests.labkit import out

pytestmark = pytest.mark.lab


@pytest.fixture
def store(lab: Lab, tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "data")
    h = lab.hosts[0]
    node = Node(name=h.name, address=h.address, key_file=str(lab.key_path))
    asyncio.run(NodeService(store, Settings()).add(node, h.host_key_fingerprint))
    yield store


class Lines:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def __call__(self, stream: str, line: str) -> None:
        self.seen.append((stream, line))

    def take(self) -> list[tuple[str, str]]:
        seen, self.seen = self.seen, []
        return seen


async def steps(store: Store, node: str) -> list[tuple[int, list[tuple[str, str]]]]:
    pool = SSHPool(store, Settings().ssh)
    conn: NodeConnection = await pool.get(node)
    lines = Lines()
    results = []
    scripts = [
        "export LEAK=1\ncd /tmp\necho one",  # no newline at the end
        'echo "leak=${LEAK:-unset} pwd=$PWD"\nread -r x || echo "stdin empty"',
        "false\necho not reached",
        "exit 3",
        "if then fi",  # a syntax error fails its step, not the shell
        "printf 'no newline'",
        'echo "$KCTUI_NODE"; echo to-err >&2; echo "$SECRET_VALUE" | wc -c',
        "echo 0; echo '0 0' >&2",  # lines that look like an end mark are only lines
        "echo héllo ✓",
    ]
    env = {"KCTUI_NODE": node, "SECRET_VALUE": "s3cr3t 'quoted' $x"}
    try:
        for script in scripts:
            code = await conn.run_step(script, env, lines)
            results.append((code, lines.take()))
    finally:
        await pool.close()
    return results


def test_each_step_runs_as_its_own_script(lab: Lab, store: Store) -> None:
    node = lab.hosts[0].name
    results = asyncio.run(steps(store, node))
    assert results[0] == (0, [("out", "one")])
    assert results[1] == (0, [("out", f"leak=unset pwd={lab_home(lab)}"), ("out", "stdin empty")])
    assert results[2][0] == 1 and ("out", "not reached") not in results[2][1]
    assert results[3] == (3, [])
    assert results[4][0] == 2 and any("syntax error" in line for _, line in results[4][1])
    assert results[5] == (0, [("out", "no newline")])
    assert results[6][0] == 0
    assert sorted(results[6][1]) == sorted([("err", "to-err"), ("out", node), ("out", "19")])
    assert results[7][0] == 0 and sorted(results[7][1]) == [("err", "0 0"), ("out", "0")]
    assert results[8] == (0, [("out", "héllo ✓")])


def lab_home(lab: Lab) -> str:
    return out(lab, lab.hosts[0].name, "echo $HOME").strip()


async def leave_running(store: Store, node: str, mark: str) -> None:
    """Start a step, then vanish as a SIGKILLed kctui does: nothing kills the script."""
    pool = SSHPool(store, Settings().ssh)
    conn = await pool.get(node)
    started = asyncio.Event()

    def sink(stream: str, line: str) -> None:
        if line == "started":
            started.set()

    script = f"echo started; sleep 2; date +%s.%N > {mark}"
    step = asyncio.create_task(conn.run_step(script, {}, sink))
    await asyncio.wait_for(started.wait(), 20)
    conn.conn.abort()
    with pytest.raises(SSHError):
        await step


async def next_step(store: Store, node: str) -> float:
    pool = SSHPool(store, Settings().ssh)
    conn = await pool.get(node)
    lines = Lines()
    try:
        assert await conn.run_step("date +%s.%N", {}, lines) == 0
    finally:
        await pool.close()
    return float(lines.seen[0][1])


def test_a_step_left_running_by_a_dead_kctui_holds_the_node_until_it_ends(
    lab: Lab, store: Store
) -> None:
    host = lab.hosts[0]
    mark = "/tmp/kctui-left-running"
    out(lab, host.name, f"rm -f {mark}")
    asyncio.run(leave_running(store, host.name, mark))
    began = asyncio.run(next_step(store, host.name))
    ended = float(out(lab, host.name, f"cat {mark}"))
    assert began >= ended


async def cancel_second_step(store: Store, node: str) -> None:
    """Step one leaves a process running; step two is cancelled mid-way."""
    pool = SSHPool(store, Settings().ssh)
    conn = await pool.get(node)
    lines = Lines()
    started = asyncio.Event()

    def sink(stream: str, line: str) -> None:
        if line == "second":
            started.set()

    try:
        first = "sleep 300 >/dev/null 2>&1 & echo $! > /tmp/kctui-first-child"
        assert await conn.run_step(first, {}, lines) == 0
        second = "sleep 301 & echo $! > /tmp/kctui-second-child; echo second; wait"
        step = asyncio.create_task(conn.run_step(second, {}, sink))
        await asyncio.wait_for(started.wait(), 20)
        step.cancel()
        with pytest.raises(asyncio.CancelledError):
            await step
        await conn.settle()
    finally:
        await pool.close()


def test_a_cancel_ends_the_step_and_what_it_started_not_what_an_earlier_step_left(
    lab: Lab, store: Store
) -> None:
    host = lab.hosts[0]
    asyncio.run(cancel_second_step(store, host.name))
    alive = "kill -0 $(cat /tmp/kctui-{}-child) 2>/dev/null && echo alive || echo gone"
    assert out(lab, host.name, alive.format("first")).strip() == "alive"
    assert out(lab, host.name, alive.format("second")).strip() == "gone"
    out(lab, host.name, "kill $(cat /tmp/kctui-first-child)")
