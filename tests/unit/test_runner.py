"""The runner against an in-process SSH server (no root, no lab): the rules of a step."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from engine.execution.events import EventBus, LogLines, TaskChanged
from engine.execution.locks import OwnerLock
from engine.execution.plan import render
from engine.execution.runner import OperationError, Runner, prepare_retry
from store.documents.operation import FileSpec, Operation, OperationStatus, Step, TaskStatus
from store.settings import Settings
from store.store import Store
from tests.sshserver import SSHServer

NODES = ["a", "b", "c"]


@pytest.fixture
def store(store: Store, ssh_server: SSHServer) -> Store:
    """Three nodes, all on the test server, its host key pinned."""
    ssh_server.add_nodes(store, *NODES)
    return store


def run(store: Store, op: Operation, bus: EventBus | None = None) -> Operation:
    return asyncio.run(Runner(store, Settings(), bus).run(op))


async def test_retries_with_backoff_then_succeed(store: Store, tmp_path: Path) -> None:
    marker = tmp_path / "tries"
    script = f"echo x >> {marker}; [ $(wc -l < {marker}) -ge 3 ]\n"
    op = Operation(
        type="t",
        steps=[Step(name="flaky", script=script, nodes=["a"], retries=2, retry_backoff=0.05)],
    )
    done = await Runner(store, Settings()).run(op)
    assert done.status == OperationStatus.SUCCEEDED
    assert done.steps[0].tasks[0].attempts == 3
    log = (store.operations.dir(op.id) / "01-flaky" / "a.log").read_text()
    assert log.count("kctui: retrying in") == 2


async def test_ignore_errors_and_one_at_a_time_stops_at_the_first_failure(store: Store) -> None:
    op = Operation(
        type="t",
        steps=[
            Step(name="soft", script="exit 4\n", nodes=["a"], ignore_errors=True),
            Step(
                name="rolling",
                script='[ "$KCTUI_NODE" != b ]\n',
                nodes=NODES,
                concurrency="one",
            ),
        ],
    )
    done = await Runner(store, Settings()).run(op)
    assert done.steps[0].status == TaskStatus.SUCCEEDED
    assert done.steps[0].tasks[0].status == TaskStatus.FAILED  # recorded, not fatal
    assert [t.status for t in done.steps[1].tasks] == [
        TaskStatus.SUCCEEDED,
        TaskStatus.FAILED,
        TaskStatus.PENDING,
    ]  # c never started
    assert done.status == OperationStatus.FAILED and "step rolling failed on b" in done.error


async def test_batches_and_one_at_a_time_really_limit_concurrency(
    store: Store, tmp_path: Path
) -> None:
    for concurrency, batch, expect in (("one", 0, 1), ("batch", 2, 2), ("all", 0, 3)):
        log = tmp_path / f"{concurrency}.log"
        script = (
            f"echo start $(date +%s.%N) >> {log}; sleep 0.3; echo end $(date +%s.%N) >> {log}\n"
        )
        op = Operation(
            type="t",
            steps=[
                Step(
                    name="s", script=script, nodes=NODES, concurrency=concurrency, batch_size=batch
                )
            ],
        )
        await Runner(store, Settings()).run(op)
        events = sorted(
            (float(t), 1 if kind == "start" else -1)
            for kind, t in (line.split() for line in log.read_text().splitlines())
        )
        running = peak = 0
        for _, delta in events:
            running += delta
            peak = max(peak, running)
        assert peak == expect, concurrency


async def test_upload_download_and_local_steps(store: Store, tmp_path: Path) -> None:
    dest = tmp_path / "remote" / "conf.toml"
    op = Operation(
        type="t",
        steps=[
            Step(
                name="put",
                action="upload",
                nodes=["a"],
                files=[FileSpec(dest=str(dest), content="x = 1\n", mode=0o640)],
            ),
            Step(
                name="get",
                action="download",
                nodes=["a"],
                files=[FileSpec(source=str(dest), dest=str(tmp_path / "back-{node}"))],
            ),
            Step(name="note", action="local", call="echo", args={"message": "all done"}),
        ],
    )
    done = await Runner(store, Settings()).run(op)
    assert done.status == OperationStatus.SUCCEEDED, done.error
    assert dest.read_text() == "x = 1\n" and oct(dest.stat().st_mode & 0o777) == "0o640"
    assert (tmp_path / "back-a").read_text() == "x = 1\n"
    assert "all done" in (store.operations.dir(op.id) / "03-note" / "local.log").read_text()


async def test_events_and_batched_log_lines(store: Store) -> None:
    bus = EventBus()
    seen: list[object] = []
    bus.subscribe(seen.append)
    op = Operation(
        type="t",
        steps=[Step(name="s", script="for i in 1 2 3; do echo line$i; done\n", nodes=NODES)],
    )
    await Runner(store, Settings(), bus).run(op)
    lines = [line for e in seen if isinstance(e, LogLines) for line in e.lines]
    assert sum("line3" in line for line in lines) == 3
    done = [e for e in seen if isinstance(e, TaskChanged) and e.status == "succeeded"]
    assert sorted(e.node for e in done) == NODES


def _dead(pid: int) -> bool:
    """Gone, or a zombie nobody reaped yet (its parent, flock, may have died first)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(") ", 1)[1].split()[0] == "Z"


async def test_cancel_stops_running_tasks_and_marks_cancelled(store: Store, tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    op = Operation(
        type="t",
        steps=[
            Step(name="long", script=f"echo $$ > {pidfile}; sleep 60\n", nodes=["a"]),
            Step(name="never", script="true\n", nodes=["a"]),
        ],
    )
    runner = Runner(store, Settings())
    task = asyncio.create_task(runner.run(op))
    while not pidfile.exists() or not pidfile.read_text().strip():
        await asyncio.sleep(0.05)
    start = time.monotonic()
    (store.operations.dir(op.id) / "cancel").touch()
    done = await task
    assert time.monotonic() - start < 5
    assert done.status == OperationStatus.CANCELLED
    assert done.steps[0].tasks[0].status == TaskStatus.CANCELLED
    assert done.steps[1].status == TaskStatus.PENDING
    pid = int(pidfile.read_text())
    await asyncio.sleep(0.5)
    assert _dead(pid)  # the remote process went with its channel
    done.steps[0].script = "true\n"
    resumed = await Runner(store, Settings()).run(prepare_retry(done))
    assert resumed.status == OperationStatus.SUCCEEDED
    assert [s.tasks[0].attempts for s in resumed.steps] == [2, 1]


async def test_one_operation_at_a_time_per_cluster(store: Store) -> None:
    first = Operation(type="t", cluster="c1", steps=[Step(name="s", script="true\n", nodes=["a"])])
    store.operations.add(first)
    first.status = OperationStatus.RUNNING
    store.operations.save(first)
    lock = OwnerLock(store.operations.dir(first.id))
    assert lock.acquire()
    try:
        second = Operation(
            type="t", cluster="c1", steps=[Step(name="s", script="true\n", nodes=["a"])]
        )
        with pytest.raises(OperationError, match=f"busy with operation {first.id}"):
            await Runner(store, Settings()).run(second)
    finally:
        lock.release()


def test_dry_run_renders_everything_and_connects_to_nothing(store: Store) -> None:
    op = Operation(
        type="t",
        steps=[
            Step(
                name="cfg",
                action="upload",
                nodes=["a", "b"],
                files=[FileSpec(dest="/etc/x.conf", content="k = v\n")],
            ),
            Step(
                name="go",
                script="systemctl restart x\n",
                nodes=["a", "b"],
                env={"MODE": "fast"},
                secrets={"TOKEN": "abcd-secret-1234"},
                concurrency="one",
            ),
        ],
    )
    text = render(op, store)
    assert "/etc/x.conf (mode 644)" in text and "| k = v" in text
    assert "| systemctl restart x" in text and "export MODE=fast" in text
    assert "export TOKEN=********" in text and "abcd-secret-1234" not in text
    assert "a, b (one at a time)" in text
    assert not store.operations.exists(op.id)


def test_secret_step_values_are_encrypted_in_the_operation_file(store: Store) -> None:
    op = Operation(
        type="t",
        steps=[Step(name="s", script="true\n", nodes=["a"], secrets={"T": "abcd-secret-1234"})],
    )
    store.operations.add(op)
    raw = (store.operations.dir(op.id) / "operation.json").read_bytes()
    assert b"abcd-secret-1234" not in raw and b"enc:v1:" in raw
    assert store.operations.get(op.id).steps[0].secrets["T"].reveal() == "abcd-secret-1234"
