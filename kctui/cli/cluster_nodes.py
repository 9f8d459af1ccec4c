"""`kctui cluster add-node|remove-node`: workers joined to or taken out of a running cluster."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from kctui.cli.common import add_command
from kctui.cli.context import CliError, Context
from kctui.cli.operation import start_or_wait

FLAGS = {
    "cluster": "CLUSTER",
    "node": "NODE",
    "label": "--label",
    "taint": "--taint",
    "drain-timeout": "--drain-timeout",
}


def register(verbs: Any) -> None:
    p = add_command(verbs, "add-node", "join free nodes to a running cluster as workers")
    p.add_argument("name", metavar="CLUSTER")
    p.add_argument("nodes", nargs="+", metavar="NODE")
    p.add_argument("--label", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--taint", action="append", default=[], metavar="KEY[=VALUE]:EFFECT")
    p.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    p.add_argument("--yes", action="store_true")
    p.add_argument("--wait", action="store_true", help="follow the operation to its end")
    p.set_defaults(handler=run_add, flags=FLAGS)

    p = add_command(verbs, "remove-node", "drain workers and take them out of a cluster")
    p.add_argument("name", metavar="CLUSTER")
    p.add_argument("nodes", nargs="+", metavar="NODE")
    p.add_argument("--force", action="store_true", help="remove it even if its drain fails")
    p.add_argument("--drain-timeout", default="5m", metavar="DURATION")
    p.add_argument("--yes", action="store_true")
    p.add_argument("--wait", action="store_true", help="follow the operation to its end")
    p.set_defaults(handler=run_remove, flags=FLAGS)


def run_add(ctx: Context, args: argparse.Namespace) -> int:
    import asyncio

    from engine.clusters.workers import WorkerService
    from engine.execution.plan import render
    from engine.nodes.service import NodeService

    service = WorkerService(ctx.store, ctx.settings)
    nodes = NodeService(ctx.store, ctx.settings)
    stale = nodes.stale(args.nodes)
    cluster, new = service.check_add(args.name, args.nodes, args.label, args.taint, stale)
    if args.dry_run:
        print(render(service.plan_add(cluster, new), ctx.store), end="")
        return 0
    if not args.yes:
        raise CliError(f"joining {', '.join(args.nodes)} to {args.name} needs --yes")
    if stale:
        print(f"probing {', '.join(stale)} (status unknown or not recent)", file=sys.stderr)
        asyncio.run(nodes.probe(stale))
    op = service.add(args.name, args.nodes, args.label, args.taint)
    return start_or_wait(ctx, op, args.wait)


def run_remove(ctx: Context, args: argparse.Namespace) -> int:
    from engine.clusters.workers import WorkerService

    if not args.yes:
        raise CliError(f"removing {', '.join(args.nodes)} from {args.name} needs --yes")
    op = WorkerService(ctx.store, ctx.settings).remove(
        args.name, args.nodes, args.force, args.drain_timeout
    )
    return start_or_wait(ctx, op, args.wait)
