"""`kctui operation ...`: history, logs, retry and cancel of operations."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Any

from kctui.cli.common import add_command
from kctui.cli.context import CliError, Context
from kctui.cli.output import print_json, print_table


def register(sub: Any) -> None:
    op = sub.add_parser("operation", help="what kctui did or is doing on the nodes")
    verbs = op.add_subparsers(dest="verb", metavar="VERB", required=True)

    p = add_command(verbs, "list", "list operations, newest last")
    p.add_argument("--cluster")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_list)

    p = add_command(verbs, "show", "steps and per-node results of an operation")
    p.add_argument("op")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_show)

    p = add_command(verbs, "logs", "print the per-node logs of an operation")
    p.add_argument("op")
    p.add_argument("--step", help="only this step (name or number)")
    p.add_argument("--node", help="only this node")
    p.add_argument("--follow", "-f", action="store_true", help="keep printing until it ends")
    p.set_defaults(handler=run_logs)

    p = add_command(verbs, "retry", "resume a failed, cancelled or interrupted operation")
    p.add_argument("op")
    p.add_argument(
        "--dry-run", action="store_true", help="print what would run; connect to nothing"
    )
    p.set_defaults(handler=run_retry)

    p = add_command(verbs, "run", "run a stored operation in this process (kctui starts it so)")
    p.add_argument("op")
    p.set_defaults(handler=run_stored)

    p = add_command(verbs, "cancel", "stop a running operation")
    p.add_argument("op")
    p.set_defaults(handler=run_cancel)


def _prepare(ctx: Context) -> None:
    from engine.operations import recover

    for op_id in recover(ctx.store):
        print(
            f"operation {op_id} was interrupted (its kctui process stopped); "
            f"resume it with: kctui operation retry {op_id}",
            file=sys.stderr,
        )


def _errors(fn: Any) -> Any:
    def wrapped(ctx: Context, args: argparse.Namespace) -> int:
        _prepare(ctx)
        code: int = fn(ctx, args)
        return code

    return wrapped


def _counts(op: Any) -> str:
    from store.documents.operation import TaskStatus

    done = sum(1 for s in op.steps if s.status == TaskStatus.SUCCEEDED)
    return f"{done}/{len(op.steps)}"


@_errors
def run_list(ctx: Context, args: argparse.Namespace) -> int:
    from engine.operations import recover

    recover(ctx.store)  # shown as they are: a dead process runs nothing
    ops = ctx.store.operations.list(lambda o: not args.cluster or o.cluster == args.cluster)
    if args.json:
        print_json([o.model_dump(mode="json", by_alias=True, exclude={"steps"}) for o in ops])
        return 0
    print_table(
        ["OPERATION", "CLUSTER", "TYPE", "STATUS", "STEPS", "CREATED"],
        [
            (
                o.id,
                o.cluster or "-",
                o.type,
                o.status.value,
                _counts(o),
                f"{o.created_at:%Y-%m-%d %H:%M:%S}",
            )
            for o in ops
        ],
    )
    return 0


@_errors
def run_show(ctx: Context, args: argparse.Namespace) -> int:
    from engine.operations import recover

    recover(ctx.store)
    op = ctx.store.operations.get(args.op)
    if args.json:
        print_json(op.model_dump(mode="json", by_alias=True))
        return 0
    print(
        f"{op.id}  {op.type}  {op.status.value}" + (f"  cluster {op.cluster}" if op.cluster else "")
    )
    if op.error:
        print(f"error: {op.error}")
    rows = []
    for i, s in enumerate(op.steps, start=1):
        for t in s.tasks or []:
            rows.append((f"{i:02d} {s.name}", t.node, t.status.value, t.attempts, t.reason or "-"))
        if not s.tasks:
            rows.append(
                (f"{i:02d} {s.name}", ", ".join(s.nodes) or "local", s.status.value, 0, "-")
            )
    print_table(["STEP", "NODE", "STATUS", "ATTEMPTS", "REASON"], rows)
    return 0


def _selected(ctx: Context, args: argparse.Namespace) -> list[Any]:
    from store.logs import node_logs

    logs = node_logs(ctx.store.operations.dir(args.op))
    if args.step:
        logs = [
            x
            for x in logs
            if x[0] == args.step
            or x[0].split("-", 1)[1] == args.step
            or x[0].split("-", 1)[0].lstrip("0") == args.step.lstrip("0")
        ]
    if args.node:
        logs = [x for x in logs if x[1] == args.node]
    return logs


@_errors
def run_logs(ctx: Context, args: argparse.Namespace) -> int:
    from store.documents.operation import OperationStatus

    ctx.store.operations.get(args.op)
    offsets: dict[Any, int] = {}
    while True:
        for step, node, path in _selected(ctx, args):
            with open(path, encoding="utf-8", errors="replace") as f:
                f.seek(offsets.get(path, 0))
                chunk = f.read()
                offsets[path] = f.tell()
            for line in chunk.splitlines():
                print(f"[{step} {node}] {line}")
        sys.stdout.flush()
        if not args.follow or ctx.store.operations.get(args.op).status != OperationStatus.RUNNING:
            return 0
        time.sleep(0.3)


def printer(event: Any) -> None:
    from engine.execution.events import StepChanged, TaskChanged

    if isinstance(event, StepChanged):
        print(f"step {event.index + 1:02d} {event.name}: {event.status}", flush=True)
    elif isinstance(event, TaskChanged) and event.status in ("succeeded", "failed", "cancelled"):
        extra = f": {event.reason}" if event.reason else ""
        print(f"  {event.node}: {event.status}{extra}", flush=True)


def follow_detached(ctx: Context, op: Any, bus: Any) -> Any:
    """Start `op` in its own process and publish its progress on `bus` until it ends. Ctrl-C
    stops the following, not the operation: None then, after saying how to follow it again."""
    from engine.execution.detached import run_detached

    try:
        return asyncio.run(run_detached(ctx.store, op, bus))
    except KeyboardInterrupt:
        print(
            f"\nstopped following; operation {op.id} goes on. Follow it again with: "
            f"kctui operation logs {op.id} --follow",
            file=sys.stderr,
        )
        return None


def start_or_wait(ctx: Context, op: Any, wait: bool) -> int:
    """Start `op` in its own process: follow it to its end with `wait`, else print its id."""
    if wait:
        return run_operation(ctx, op, dry_run=False)
    from engine.execution.detached import start

    start(ctx.store, op)
    print(op.id)
    return 0


def run_operation(ctx: Context, op: Any, dry_run: bool) -> int:
    """Run `op` in its own process, printing its progress until it ends; dry-run prints the
    plan instead."""
    from engine.execution.events import EventBus
    from engine.execution.plan import render
    from store.documents.operation import OperationStatus

    if dry_run:
        print(render(op, ctx.store), end="")
        return 0
    bus = EventBus()
    bus.subscribe(printer)
    done = follow_detached(ctx, op, bus)
    if done is None:
        return 130
    print(f"operation {done.id}: {done.status.value}" + (f": {done.error}" if done.error else ""))
    return 0 if done.status == OperationStatus.SUCCEEDED else 1


@_errors
def run_retry(ctx: Context, args: argparse.Namespace) -> int:
    from engine import operations

    return run_operation(ctx, operations.retry(ctx.store, args.op), args.dry_run)


@_errors
def run_cancel(ctx: Context, args: argparse.Namespace) -> int:
    from engine.execution.detached import request_cancel

    op = request_cancel(ctx.store, args.op)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = ctx.store.operations.get(op.id).status.value
        if status != "running":
            print(f"operation {op.id}: {status}")
            return 0
        time.sleep(0.2)
    raise CliError(f"operation {op.id} did not stop within 60 s; it was asked to")


@_errors
def run_stored(ctx: Context, args: argparse.Namespace) -> int:
    import asyncio

    from engine import operations
    from engine.execution.events import EventBus
    from store.documents.operation import OperationStatus

    op = ctx.store.operations.get(args.op)
    bus = EventBus()
    bus.subscribe(printer)
    done = asyncio.run(operations.run(ctx.store, ctx.settings, op, bus))
    return 0 if done.status == OperationStatus.SUCCEEDED else 1
