"""The engine on lab hosts: node inventory, host keys, operations, retry, interruption."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.execution.locks import recover_interrupted
from engine.execution.runner import Runner, prepare_retry
from engine.nodes.service import NodeError, NodeService
from kctui.lab import lab as labs
from kctui.lab.state import SUDO_PASSWORD_USER, Lab
from store.documents.node import Node
from store.documents.operation import Operation, OperationStatus, Step, TaskStatus
from store.settings import Settings
from store.store import Store
from tests.labkit import out

pytestmark = pytest.mark.lab
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def nodes(lab: Lab, tmp_path: Path) -> Iterator[Store]:
    """A store holding the 3 lab hosts, added by key the way `kctui node add` does."""
    store = Store(tmp_path / "data")
    service = NodeService(store, Settings())
    for h in lab.hosts:
        node = Node(name=h.name, address=h.address, key_file=str(lab.key_path))
        asyncio.run(service.add(node, h.host_key_fingerprint))
    yield store


def five_steps(names: list[str], cluster: str = "") -> Operation:
    return Operation(
        type="test",
        cluster=cluster,
        steps=[
            Step(
                name="prepare",
                script="mkdir -p /opt/kctui-test && hostname > /opt/kctui-test/a\n",
                nodes=names,
            ),
            Step(name="modules", script="modprobe br_netfilter\necho loaded\n", nodes=names),
            Step(name="count", script="echo run >> /opt/kctui-test/count\n", nodes=names),
            Step(
                name="capture", script="echo KCTUI_OUTPUT token=abc.$(hostname)\n", nodes=names[:1]
            ),
            Step(name="use", script='test -n "$KCTUI_OUT_TOKEN"\necho used\n', nodes=names),
        ],
    )


def test_nodes_added_by_key_and_by_the_password_sudo_user_match_the_hosts(
    lab: Lab, nodes: Store
) -> None:
    for h in lab.hosts:
        f = nodes.nodes.get(h.name).facts
        assert f.hostname == out(lab, h.name, "hostname").strip()
        assert f.kernel == out(lab, h.name, "uname -r").strip()
        assert f.cpus == int(out(lab, h.name, "nproc"))
        assert f.default_ipv4 == h.address
        assert f.interfaces[0].networks == [lab.subnet]
        mem_kb = int(out(lab, h.name, "awk '/MemTotal/ {print $2}' /proc/meminfo"))
        assert f.memory_bytes == mem_kb * 1024
        assert abs(f.clock_offset_seconds) < 1
    h = lab.hosts[2]
    service = NodeService(nodes, Settings())
    service.remove(h.name)  # a machine is one node: now as the password sudo user
    op = Node(
        name="pw-user",
        address=h.address,
        user=SUDO_PASSWORD_USER,
        password=lab.user_password,
        sudo_password=lab.user_password,
    )
    added = asyncio.run(service.add(op, h.host_key_fingerprint))
    assert added.facts.hostname == h.name and added.status.value == "online"
    service.remove("pw-user")
    wrong = Node(
        name="pw-wrong",
        address=h.address,
        user=SUDO_PASSWORD_USER,
        password=lab.user_password,
        sudo_password="not-the-password",
    )
    with pytest.raises(NodeError, match="sudo password for labop is wrong"):
        asyncio.run(service.add(wrong, h.host_key_fingerprint))
    assert not nodes.nodes.exists("pw-wrong")


def test_a_changed_host_key_is_refused_until_trusted(lab: Lab, nodes: Store) -> None:
    h = lab.hosts[1]
    old = h.host_key_fingerprint
    labs.fault(lab, h.name, "rekey")
    new = lab.host(h.name).host_key_fingerprint
    service = NodeService(nodes, Settings())
    probed = asyncio.run(service.probe_one(h.name))
    assert probed.status.value == "offline"
    assert "HOST KEY CHANGED" in probed.last_error
    assert old in probed.last_error and new in probed.last_error
    assert f"kctui node trust {h.name}" in probed.last_error
    with pytest.raises(NodeError, match="not the accepted"):
        asyncio.run(service.trust(h.name, old))
    asyncio.run(service.trust(h.name, new))
    assert asyncio.run(service.probe_one(h.name)).status.value == "online"


def test_one_failing_task_then_a_retry_that_runs_only_what_is_left(lab: Lab, nodes: Store) -> None:
    names = [h.name for h in lab.hosts]
    bad = names[1]
    labs.fault(lab, bad, "fail-next", "modprobe")
    op = asyncio.run(Runner(nodes, Settings()).run(five_steps(names)))
    assert op.status == OperationStatus.FAILED
    modules = op.steps[1]
    assert [(t.node, t.status) for t in modules.tasks] == [
        (names[0], TaskStatus.SUCCEEDED),
        (bad, TaskStatus.FAILED),
        (names[2], TaskStatus.SUCCEEDED),
    ]
    assert "made to fail" in modules.tasks[1].reason
    log = (nodes.operations.dir(op.id) / "02-modules" / f"{bad}.log").read_text()
    assert f"lab fault: modprobe made to fail on {bad}" in log
    assert "kctui: command failed (exit 1): modprobe br_netfilter" in log
    assert all(s.status == TaskStatus.PENDING for s in op.steps[2:])
    assert op.steps[0].status == TaskStatus.SUCCEEDED

    again = asyncio.run(Runner(nodes, Settings()).run(prepare_retry(op)))
    assert again.status == OperationStatus.SUCCEEDED and again.runs == 2
    assert [t.attempts for t in again.steps[0].tasks] == [1, 1, 1]
    assert [t.attempts for t in again.steps[1].tasks] == [1, 2, 1]
    for h in names:  # the "count" step ran exactly once per node
        assert out(lab, h, "wc -l < /opt/kctui-test/count").strip() == "1"
        out(lab, h, "rm -rf /opt/kctui-test")
    assert again.outputs["token"].reveal() == f"abc.{names[0]}"
    capture_log = (nodes.operations.dir(op.id) / "04-capture" / f"{names[0]}.log").read_text()
    assert "abc." not in capture_log and "(output token captured)" in capture_log


def test_a_killed_kctui_leaves_an_interrupted_operation_that_resumes(
    lab: Lab, nodes: Store, tmp_path: Path
) -> None:
    names = [h.name for h in lab.hosts]
    op = five_steps(names)
    op.steps[2].script = "echo run >> /opt/kctui-test/count; sleep 30\n"
    op_file = tmp_path / "op.json"
    op_file.write_text(op.model_dump_json())
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.oprun", str(nodes.data_dir), str(op_file)], cwd=ROOT
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        current = nodes.operations.find(op.id)
        if current and current.steps[2].status == TaskStatus.RUNNING:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the operation never reached step 3")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert nodes.operations.get(op.id).status == OperationStatus.RUNNING  # as the dead left it
    assert recover_interrupted(nodes) == [op.id]
    interrupted = nodes.operations.get(op.id)
    assert interrupted.status == OperationStatus.INTERRUPTED
    interrupted.steps[2].script = "echo run >> /opt/kctui-test/count\n"
    done = asyncio.run(Runner(nodes, Settings()).run(prepare_retry(interrupted)))
    assert done.status == OperationStatus.SUCCEEDED
    assert [t.attempts for t in done.steps[1].tasks] == [1, 1, 1]
    for h in names:
        out(lab, h, "rm -rf /opt/kctui-test")


def test_a_node_down_mid_step_fails_within_its_timeout(lab: Lab, nodes: Store) -> None:
    names = [h.name for h in lab.hosts]
    victim = lab.hosts[2]
    op = Operation(
        type="test",
        steps=[Step(name="slow", script="sleep 2; echo finished\n", nodes=names, timeout=6)],
    )

    async def scenario() -> Operation:
        runner = Runner(nodes, Settings())
        task = asyncio.create_task(runner.run(op))
        await asyncio.sleep(1)
        labs.fault(lab, victim.name, "down")
        return await task

    start = time.monotonic()
    try:
        done = asyncio.run(scenario())
    finally:
        labs.fault(lab, victim.name, "up")
    took = time.monotonic() - start
    tasks = {t.node: t for t in done.steps[0].tasks}
    assert tasks[victim.name].status == TaskStatus.FAILED
    assert "timed out after 6s" in tasks[victim.name].reason
    assert all(tasks[n].status == TaskStatus.SUCCEEDED for n in names[:2])
    assert took < 10


def test_no_secret_in_logs_errors_or_state(lab: Lab, nodes: Store) -> None:
    h = lab.hosts[0]
    service = NodeService(nodes, Settings())
    service.remove(h.name)  # a machine is one node: now as the password sudo user
    pw = lab.user_password
    user = Node(
        name="sudo-pw", address=h.address, user=SUDO_PASSWORD_USER, password=pw, sudo_password=pw
    )
    asyncio.run(service.add(user, h.host_key_fingerprint))
    op = Operation(
        type="test",
        steps=[
            Step(
                name="echo",
                nodes=["sudo-pw"],
                secrets={"DB_PASSWORD": pw},
                script='id -u; echo "typed $DB_PASSWORD by mistake"\n'
                'echo "$DB_PASSWORD" >&2; false\n',
            ),
        ],
    )
    done = asyncio.run(Runner(nodes, Settings()).run(op))
    assert done.status == OperationStatus.FAILED
    assert pw not in done.error and "********" in done.error
    log = next(nodes.operations.dir(op.id).glob("01-echo/*.log")).read_text()
    assert "out 0" in log  # ran as root through sudo with the password on stdin
    for path in nodes.data_dir.rglob("*"):
        if path.is_file():
            assert pw.encode() not in path.read_bytes(), path
    listing = subprocess.run(
        [
            sys.executable,
            "-m",
            "kctui.cli.main",
            "--data-dir",
            str(nodes.data_dir),
            "node",
            "show",
            "sudo-pw",
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert pw not in listing.stdout and json.loads(listing.stdout)["sudoPassword"] == "********"


def test_a_node_behind_a_jump_host(lab: Lab, nodes: Store) -> None:
    jump, target = lab.hosts[0], lab.hosts[2]
    service = NodeService(nodes, Settings())
    service.remove(target.name)  # a machine is one node: now reached through the jump host
    behind = Node(
        name="behind",
        address=target.address,
        key_file=str(lab.key_path),
        jump=f"root@{jump.address}:22",
    )
    added = asyncio.run(service.add(behind, target.host_key_fingerprint))
    assert added.facts.hostname == target.name
    sessions = out(lab, jump.name, "cat /var/log/kctui-lab/commands.log 2>/dev/null | wc -l")
    assert sessions.strip().isdigit()  # the jump host only forwarded; nothing ran there for it
