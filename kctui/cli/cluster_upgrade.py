"""`kctui cluster upgrade`: a cluster moved to a newer Kubernetes, its skew rules checked
first, an etcd backup made before it when the cluster has a backup point."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from kctui.cli.common import add_command
from kctui.cli.context import CliError, Context
from kctui.cli.operation import run_operation, start_or_wait

FLAGS = {
    "to": "--to",
    "cluster": "CLUSTER",
    "max-unavailable": "--max-unavailable",
    "drain-timeout": "--drain-timeout",
}


def register(verbs: Any) -> None:
    p = add_command(verbs, "upgrade", "upgrade a cluster's Kubernetes, one minor at a time")
    p.add_argument("name", metavar="CLUSTER")
    p.add_argument("--to", required=True, metavar="VERSION")
    p.add_argument("--max-unavailable", type=int, default=1, metavar="N",
                   help="workers upgraded at once (1)")  # fmt: skip
    p.add_argument("--drain-timeout", default="5m", metavar="DURATION")
    p.add_argument("--no-backup", action="store_true", help="no etcd backup before it")
    p.add_argument(
        "--dry-run", action="store_true", help="check and print the plan; change nothing"
    )
    p.add_argument("--yes", action="store_true")
    p.add_argument("--wait", action="store_true", help="follow the upgrade to its end")
    p.set_defaults(handler=run_upgrade, flags=FLAGS)


def run_upgrade(ctx: Context, args: argparse.Namespace) -> int:
    from engine.clusters.plan.upgrade import plan_upgrade
    from engine.clusters.upgrade import UpgradeService
    from engine.execution.plan import render

    service = UpgradeService(ctx.store, ctx.settings)
    if args.dry_run:
        from engine.catalog.online import Online

        cluster = asyncio.run(service.check(args.name, args.to))
        op = plan_upgrade(cluster, args.to, ctx.store, Online.from_settings(ctx.settings),
                          args.max_unavailable, args.drain_timeout)  # fmt: skip
        print(render(op, ctx.store), end="")
        return 0
    if not args.yes:
        raise CliError(f"upgrading {args.name} to {args.to} drains every node in turn; pass --yes")
    asyncio.run(service.check(args.name, args.to))  # every rule before the backup
    cluster = ctx.store.clusters.get(args.name)
    if cluster.spec.backup_point and not args.no_backup:
        code = _backup_first(ctx, args.name, args.to)
        if code != 0:
            return code
    op = asyncio.run(
        service.operation(args.name, args.to, args.max_unavailable, args.drain_timeout)
    )
    return start_or_wait(ctx, op, args.wait)


def _backup_first(ctx: Context, cluster: str, target: str) -> int:
    """An etcd backup marked as made before the upgrade; its failure stops the upgrade."""
    from engine.backups.service import BackupService

    service = BackupService(ctx.store, ctx.settings)
    print(f"backing up {cluster}'s etcd before the upgrade to {target}", file=sys.stderr)
    backup, op = asyncio.run(
        service.prepare(cluster, "pre-upgrade", f"made before the upgrade to {target}")
    )
    code = run_operation(ctx, op, dry_run=False)
    if code != 0:
        raise CliError(
            f"the pre-upgrade backup {backup.name} failed; nothing was upgraded "
            "(--no-backup upgrades without one)"
        )
    return 0
