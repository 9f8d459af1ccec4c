"""Operations run in a process of their own, in its own session: quitting the TUI, a Ctrl-C
on `--wait` or a dropped SSH connection to the jump host leaves them running. The TUI, the CLI
and the scheduler start them here and follow them through the operation's file."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from engine.execution.events import EventBus, OperationChanged, StepChanged, TaskChanged
from engine.execution.locks import owner_alive, running_for_cluster
from engine.execution.runner import CANCEL_FILE, OperationError
from store.documents.operation import Operation, OperationStatus
from store.store import Store

RUNNER_LOG = "runner.log"
POLL_EVERY = 0.2
ACTIVE = (OperationStatus.PENDING, OperationStatus.RUNNING)


def launch(store: Store, op_id: str) -> subprocess.Popen[bytes]:
    """Start the stored operation `op_id` in a new session; its own output goes to runner.log
    beside its per-node logs."""
    log = store.operations.dir(op_id) / RUNNER_LOG
    argv = [sys.executable, "-m", "engine.operations", "--data-dir", str(store.data_dir), op_id]
    with open(log, "ab") as out:
        return subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
            close_fds=True,
        )


def start(store: Store, op: Operation) -> subprocess.Popen[bytes]:
    """Save `op` and start it in its own process, unless its cluster is busy."""
    busy = running_for_cluster(store, op.cluster, exclude=op.id)
    if busy is not None:
        raise OperationError(
            f"cluster {op.cluster} is busy with operation {busy.id} ({busy.type}); wait for it "
            f"or cancel it: kctui operation cancel {busy.id}"
        )
    store.operations.save(op)
    return launch(store, op.id)


async def run_detached(store: Store, op: Operation, bus: EventBus | None = None) -> Operation:
    """Start `op` in its own process and follow it to its end. Cancelling this coroutine (the
    TUI quits, Ctrl-C) stops the following, not the operation."""
    return await follow(store, op.id, bus, start(store, op))


async def follow(
    store: Store,
    op_id: str,
    bus: EventBus | None = None,
    proc: subprocess.Popen[bytes] | None = None,
) -> Operation:
    """Publish the changes of an operation another process runs until it ends (and `proc`,
    when given, has exited: it settles the cluster's or backup's state after the steps)."""
    bus = bus or EventBus()
    seen: dict[tuple[int, str], str] = {}
    op_dir = store.operations.dir(op_id)
    while True:
        op = store.operations.get(op_id)
        _publish_changes(op, seen, bus)
        exited = proc is not None and proc.poll() is not None
        if op.status not in ACTIVE and (proc is None or exited):
            return op
        if exited and op.status in ACTIVE:
            if owner_alive(op_dir):  # another process took it over
                proc = None
                continue
            if op.status == OperationStatus.PENDING:
                raise OperationError(f"operation {op_id} did not run: {_last_line(store, op_id)}")
        gone = proc is None or exited
        if op.status == OperationStatus.RUNNING and gone and not owner_alive(op_dir):
            raise OperationError(
                f"operation {op_id} stopped: the process running it is gone; "
                f"resume it with: kctui operation retry {op_id}"
            )
        await asyncio.sleep(POLL_EVERY)


def running(store: Store) -> list[Operation]:
    """Operations a live process is running now."""
    return [
        op
        for op in store.operations.list(lambda o: o.status == OperationStatus.RUNNING)
        if owner_alive(store.operations.dir(op.id))
    ]


def request_cancel(store: Store, op_id: str) -> Operation:
    """Ask the process running `op_id` to stop: its running tasks are cancelled, and it can be
    retried later. Refused when nothing runs it."""
    op = store.operations.get(op_id)
    op_dir = store.operations.dir(op_id)
    if op.status != OperationStatus.RUNNING or not owner_alive(op_dir):
        raise OperationError(f"operation {op_id} is {op.status.value}, not running")
    (op_dir / CANCEL_FILE).touch()
    return op


def _changed(seen: dict[tuple[int, str], str], key: tuple[int, str], status: str) -> bool:
    """Whether `status` is news; a first sight of `pending` is not."""
    before = seen.get(key, "pending")
    seen[key] = status
    return status != before


def _publish_changes(op: Operation, seen: dict[tuple[int, str], str], bus: EventBus) -> None:
    for index, step in enumerate(op.steps):
        if _changed(seen, (index, ""), step.status.value):
            bus.publish(StepChanged(op.id, index, step.name, step.status.value))
        for task in step.tasks:
            if _changed(seen, (index, task.node), task.status.value):
                bus.publish(
                    TaskChanged(
                        op.id, index, task.node, task.status.value, task.reason, task.attempts
                    )
                )
    if _changed(seen, (-1, ""), op.status.value):
        bus.publish(OperationChanged(op.id, op.status.value, op.error))


def _last_line(store: Store, op_id: str) -> str:
    try:
        text = (store.operations.dir(op_id) / RUNNER_LOG).read_text(errors="replace")
    except OSError:
        return "its process left no output"
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "its process left no output"
