"""Runs an Operation: steps in order, node tasks concurrently, every change persisted.

Each node task's state is written to the operation's file before the task moves on; writes
that fall due together are coalesced into one. Output lines go to per-node log files as they
arrive, with known secrets masked, and out to subscribers in batches.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from engine.errors import RefusedError
from engine.execution import actions as local_actions
from engine.execution.events import EventBus, LogLines, OperationChanged, StepChanged, TaskChanged
from engine.execution.locks import OwnerLock, running_for_cluster
from engine.execution.merge import merge_file
from engine.execution.redact import Redactor
from engine.ssh.connection import SSHError
from engine.ssh.hostkeys import HostKeyError
from engine.ssh.pool import SSHPool
from store.documents.operation import NodeTask, Operation, OperationStatus, Step, TaskStatus
from store.logs import LogWriter, log_path
from store.secrets import Secret
from store.settings import Settings
from store.store import Store

OUTPUT_RE = re.compile(r"^KCTUI_OUTPUT ([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
CANCEL_FILE = "cancel"
LOCAL_NODE = "local"
# bash -e stops at the first failing command; the trap says which one it was.
PRELUDE = "trap 'echo \"kctui: command failed (exit $?): $BASH_COMMAND\" >&2' ERR\n"
FLUSH_EVERY = 0.05


class OperationError(RefusedError):
    """The operation cannot start; the message says why."""


def now() -> datetime:
    return datetime.now(UTC)


class Runner:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        bus: EventBus | None = None,
        actions: local_actions.Actions = local_actions.BUILTIN,
    ) -> None:
        self.store = store
        self.settings = settings
        self.bus = bus or EventBus()
        self.actions = actions
        self._cancelled = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._dirty = False
        self._save_lock = asyncio.Lock()
        self._pending_lines: dict[tuple[int, str], list[str]] = {}
        self._background: asyncio.Future[None] | None = None

    # -- persistence and events ---------------------------------------------------------

    async def _persist(self, op: Operation, durable: bool = False) -> None:
        """Return once a write that includes every change made so far has finished.

        Node-task changes are written without fsync (atomic, and safe when kctui dies);
        step and operation changes are also flushed to disk.
        """
        self._dirty = True
        async with self._save_lock:
            await asyncio.sleep(0)  # let tasks that change state in this same tick join the write
            if self._dirty or durable:
                self._dirty = False
                data = self.store.operations.encode(op)  # a snapshot, taken in the loop
                await asyncio.to_thread(self.store.operations.write, op.id, data, durable)

    def _persist_soon(self, op: Operation) -> None:
        """Write soon without waiting: for a task that starts, the state a crash may lose is
        `running`, and a resume runs a `pending` task anyway."""
        self._dirty = True
        if self._background is None or self._background.done():
            self._background = asyncio.ensure_future(self._persist(op))

    def _emit_task(self, op: Operation, index: int, task: NodeTask) -> None:
        self.bus.publish(
            TaskChanged(op.id, index, task.node, task.status.value, task.reason, task.attempts)
        )

    async def _flusher(self, op: Operation) -> None:
        while True:
            await asyncio.sleep(FLUSH_EVERY)
            self._flush(op)

    def _flush(self, op: Operation) -> None:
        pending, self._pending_lines = self._pending_lines, {}
        for (index, node), lines in pending.items():
            self.bus.publish(LogLines(op.id, index, node, tuple(lines)))

    # -- the operation ------------------------------------------------------------------

    def cancel(self) -> None:
        self._cancelled = True
        for task in list(self._tasks):
            task.cancel()

    async def run(self, op: Operation) -> Operation:
        op_dir = self.store.operations.dir(op.id)
        if not self.store.operations.exists(op.id):
            self.store.operations.add(op)
        lock = OwnerLock(op_dir)
        if not lock.acquire():
            raise OperationError(f"operation {op.id} is already being run by another process")
        try:
            busy = running_for_cluster(self.store, op.cluster, exclude=op.id)
            if busy is not None:
                raise OperationError(
                    f"cluster {op.cluster} is busy with operation {busy.id} ({busy.type}); "
                    "wait for it or cancel it: kctui operation cancel " + busy.id
                )
            (op_dir / CANCEL_FILE).unlink(missing_ok=True)
            return await self._run_locked(op, op_dir)
        finally:
            lock.release()

    async def _run_locked(self, op: Operation, op_dir: Path) -> Operation:
        op.status = OperationStatus.RUNNING
        op.owner_pid, op.owner_host = os.getpid(), socket.gethostname()
        op.runs += 1
        op.error = ""
        op.started_at = op.started_at or now()
        op.finished_at = None
        redact = Redactor(self._secrets(op))
        await self._persist(op, durable=True)
        self.bus.publish(OperationChanged(op.id, op.status.value))
        pool = SSHPool(self.store, self.settings.ssh)
        flusher = asyncio.create_task(self._flusher(op))
        watcher = asyncio.create_task(self._watch_cancel(op_dir))
        try:
            for index, step in enumerate(op.steps):
                if step.status in (TaskStatus.SUCCEEDED, TaskStatus.SKIPPED) or step.rescue:
                    continue
                ok = await self._run_step(op, index, step, pool, redact, op_dir)
                if self._cancelled:
                    op.status = OperationStatus.CANCELLED
                    op.error = "cancelled by the operator"
                    break
                if not ok:
                    op.status = OperationStatus.FAILED
                    failed = [t for t in step.tasks if t.status == TaskStatus.FAILED]
                    op.error = redact(
                        f"step {step.name} failed on "
                        + ", ".join(f"{t.node}: {t.reason}" for t in failed)
                    )
                    break
            else:
                op.status = OperationStatus.SUCCEEDED
        finally:
            # Also when this task itself is cancelled (ctrl+c, the TUI quitting): what a failed
            # step left half-done must be put back.
            await self._rescue(op, pool, redact, op_dir)
            watcher.cancel()
            flusher.cancel()
            self._flush(op)
            await pool.close()
            if op.status == OperationStatus.RUNNING:  # an exception got us here
                op.status = OperationStatus.FAILED
                op.error = op.error or "kctui stopped running it"
            op.finished_at = now()
            await asyncio.to_thread(self.store.operations.save, op)
            self.bus.publish(OperationChanged(op.id, op.status.value, op.error))
        return op

    async def _rescue(self, op: Operation, pool: SSHPool, redact: Redactor, op_dir: Path) -> None:
        """Rescue steps put things back after a failure or a cancel; otherwise they are skipped.
        The operation keeps its failed or cancelled status either way."""
        failed = op.status != OperationStatus.SUCCEEDED
        self._cancelled = False
        for index, step in enumerate(op.steps):
            if not step.rescue or step.status != TaskStatus.PENDING:
                continue
            if not failed:
                step.status = TaskStatus.SKIPPED
                continue
            if not await self._run_step(op, index, step, pool, redact, op_dir):
                op.error += redact(f"; putting things back ({step.name}) also failed")
                break
        await self._persist(op, durable=True)

    async def _watch_cancel(self, op_dir: Path) -> None:
        marker = op_dir / CANCEL_FILE
        while True:
            await asyncio.sleep(0.2)
            if marker.exists():
                self.cancel()
                return

    def _secrets(self, op: Operation) -> list[str]:
        values: list[str] = [v.reveal() for v in op.outputs.values()]
        names = {n for s in op.steps for n in s.nodes}
        for node in self.store.nodes.list(lambda n: n.name in names):
            for secret in (node.password, node.sudo_password, node.key_passphrase):
                if secret:
                    values.append(secret.reveal())
        for step in op.steps:
            values += [s.reveal() for s in step.secrets.values()]
        return values

    # -- steps and tasks ----------------------------------------------------------------

    async def _run_step(
        self, op: Operation, index: int, step: Step, pool: SSHPool, redact: Redactor, op_dir: Path
    ) -> bool:
        if not step.tasks:
            step.tasks = [NodeTask(node=n) for n in (step.nodes or [LOCAL_NODE])]
        step.status = TaskStatus.RUNNING
        await self._persist(op, durable=True)
        self.bus.publish(StepChanged(op.id, index, step.name, step.status.value))
        todo = [t for t in step.tasks if t.status != TaskStatus.SUCCEEDED]
        size = {"all": len(todo) or 1, "one": 1}.get(step.concurrency, step.batch_size or 1)
        for start in range(0, len(todo), size):
            if self._cancelled:
                break
            chunk = todo[start : start + size]
            batch = [
                asyncio.create_task(self._run_task(op, index, step, t, pool, redact, op_dir))
                for t in chunk
            ]
            self._tasks.update(batch)
            await asyncio.gather(*batch, return_exceptions=True)
            self._tasks.difference_update(batch)
            # Rolling steps stop starting nodes after a failure, as a rolling upgrade must.
            if not step.ignore_errors and any(t.status == TaskStatus.FAILED for t in chunk):
                break
        failed = self._any_failed(step.tasks)
        if self._cancelled:
            step.status = TaskStatus.CANCELLED
        elif failed and not step.ignore_errors:
            step.status = TaskStatus.FAILED
        else:
            step.status = TaskStatus.SUCCEEDED
        await self._persist(op, durable=True)
        self.bus.publish(StepChanged(op.id, index, step.name, step.status.value))
        return step.status == TaskStatus.SUCCEEDED

    @staticmethod
    def _any_failed(tasks: Iterable[NodeTask]) -> bool:
        done = (TaskStatus.SUCCEEDED, TaskStatus.SKIPPED, TaskStatus.CANCELLED)
        return any(t.status not in done for t in tasks)

    async def _run_task(
        self,
        op: Operation,
        index: int,
        step: Step,
        task: NodeTask,
        pool: SSHPool,
        redact: Redactor,
        op_dir: Path,
    ) -> None:
        log = LogWriter(log_path(op_dir, index, step.name, task.node))
        stderr_tail: list[str] = []

        def note(text: str) -> None:
            """kctui's own remarks: in the log, not taken for the command's stderr."""
            line = log.write("err", f"kctui: {text}")
            self._pending_lines.setdefault((index, task.node), []).append(line.rstrip("\n"))

        def emit(stream: str, text: str) -> None:
            match = OUTPUT_RE.match(text) if stream == "out" else None
            if match:
                name, value = match.groups()
                op.outputs[name] = Secret(value)
                redact.add(value)
                text = f"(output {name} captured)"
            text = redact(text)
            if stream == "err":
                stderr_tail.append(text)
                del stderr_tail[:-3]
            line = log.write(stream, text)
            self._pending_lines.setdefault((index, task.node), []).append(line.rstrip("\n"))

        try:
            for attempt in range(step.retries + 1):
                task.status, task.attempts = TaskStatus.RUNNING, task.attempts + 1
                task.started_at, task.finished_at, task.exit_code = now(), None, None
                task.reason = ""
                stderr_tail.clear()
                self._persist_soon(op)
                self._emit_task(op, index, task)
                try:
                    async with pool.limit:
                        code = await asyncio.wait_for(
                            self._action(op, step, task.node, pool, emit), step.timeout
                        )
                    task.exit_code = code
                    if code == 0:
                        task.status = TaskStatus.SUCCEEDED
                        break
                    detail = " | ".join(stderr_tail) or "no error output"
                    task.reason = f"exit {code}: {detail}"
                except TimeoutError:
                    task.reason = f"timed out after {step.timeout:g}s"
                    await pool.discard(task.node)
                except (SSHError, HostKeyError, OSError) as e:
                    task.reason = redact(str(e))
                    await pool.discard(task.node)
                except Exception as e:  # a defect in a step must fail it, not pass it
                    task.reason = redact(f"{type(e).__name__}: {e}")
                note(f"attempt {attempt + 1} failed: {task.reason}")
                if attempt < step.retries:
                    delay = step.retry_backoff * (2**attempt)
                    note(f"retrying in {delay:g}s")
                    await asyncio.sleep(delay)
                task.status = TaskStatus.FAILED
        except asyncio.CancelledError:
            task.status, task.reason = TaskStatus.CANCELLED, "cancelled by the operator"
            note("cancelled")
        finally:
            task.finished_at = now()
            log.close()
            await self._persist(op)
            self._emit_task(op, index, task)

    async def _action(
        self, op: Operation, step: Step, node: str, pool: SSHPool, emit: local_actions.Emit
    ) -> int:
        if step.action == "local":
            context = local_actions.Context(self.store, op, step, emit, pool, self.settings)
            return await local_actions.run(self.actions, step.call, context)
        conn = await pool.get(node)
        if step.action == "shell":
            env = {f"KCTUI_OUT_{k.upper()}": v.reveal() for k, v in op.outputs.items()}
            env["KCTUI_NODE"] = node
            env.update(step.env)
            env.update({k: v.reveal() for k, v in step.secrets.items()})
            return await conn.run_step(PRELUDE + step.script, env, emit)
        if step.action == "upload":
            for f in step.files:
                if f.merge:
                    existing = await conn.read_if_exists(f.dest)
                    data = merge_file(f.merge, existing.decode(), f.content or "{}").encode()
                elif f.content is not None:
                    data = f.content.encode()
                else:
                    data = await asyncio.to_thread(Path(f.source).read_bytes)
                digest = await conn.upload(data, f.dest, f.mode)
                emit("out", f"uploaded {f.dest} ({len(data)} bytes, sha256 {digest[:12]})")
            return 0
        if step.action == "download":
            for f in step.files:
                data = await conn.download(f.source)
                dest = Path(f.dest.format(node=node))
                dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                await asyncio.to_thread(dest.write_bytes, data)
                emit("out", f"downloaded {f.source} to {dest} ({len(data)} bytes)")
            return 0
        raise OperationError(f"unknown action {step.action}")


def prepare_retry(op: Operation) -> Operation:
    """Reset what a retry must run again: from the failed step on, the tasks that did not
    succeed (resume), or everything (restart)."""
    if op.status not in (
        OperationStatus.FAILED,
        OperationStatus.CANCELLED,
        OperationStatus.INTERRUPTED,
    ):
        raise OperationError(
            f"operation {op.id} is {op.status.value}; only a failed, cancelled or interrupted "
            "operation can be retried"
        )
    for step in op.steps:
        if op.retry_mode == "restart" or step.rescue:
            step.status, step.tasks = TaskStatus.PENDING, []
            continue
        if step.status == TaskStatus.SUCCEEDED:
            continue
        step.status = TaskStatus.PENDING
        for task in step.tasks:
            if task.status != TaskStatus.SUCCEEDED:
                task.status, task.reason, task.exit_code = TaskStatus.PENDING, "", None
    op.status = OperationStatus.PENDING
    return op
