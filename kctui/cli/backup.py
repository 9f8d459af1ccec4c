"""`kctui backup ...`: etcd snapshots of a cluster, kept at its backup point, and restore."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from kctui.cli.common import add_command
from kctui.cli.context import CliError, Context
from kctui.cli.output import print_json, print_table

# The command line's names for the fields its problems name.
FLAGS = {"name": "--name"}


def register(sub: Any) -> None:
    b = sub.add_parser("backup", help="etcd backups of a cluster, and restore")
    verbs = b.add_subparsers(dest="verb", metavar="VERB", required=True)
    p = add_command(verbs, "create", "take an etcd snapshot now and keep it at the backup point")
    p.add_argument("cluster")
    p.add_argument("--name", default="", help="middle part of <cluster>-<name>-<random>")
    p.add_argument("--description", default="")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_create, flags=FLAGS)

    p = add_command(verbs, "list", "list backups")
    p.add_argument("--cluster", default="")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_list)
    p = add_command(verbs, "show", "show a backup")
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_show)
    p = add_command(verbs, "edit", "change a backup's description")
    p.add_argument("name")
    p.add_argument("--description", required=True)
    p.set_defaults(handler=run_edit)
    p = add_command(verbs, "delete", "delete a backup and its snapshot file or object")
    p.add_argument("name")
    p.add_argument("--yes", action="store_true", help="confirm")
    p.set_defaults(handler=run_delete)

    p = add_command(
        verbs, "restore", "overwrite the cluster's etcd with a backup (every control-plane node)"
    )
    p.add_argument("cluster")
    p.add_argument("backup")
    p.add_argument("--yes", action="store_true", help="confirm")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_restore)


def _service(ctx: Context, quiet: bool = False) -> Any:
    from engine.backups.service import BackupService
    from engine.execution.events import EventBus
    from kctui.cli.operation import printer

    bus = EventBus()
    if not quiet:
        bus.subscribe(printer)
    return BackupService(ctx.store, ctx.settings, bus)


def _dump(backup: Any) -> dict[str, Any]:
    data: dict[str, Any] = backup.model_dump(mode="json", by_alias=True)
    return data


def _result(op: Any, as_json: bool, subject: dict[str, Any]) -> int:
    from store.documents.operation import OperationStatus

    if as_json:
        print_json({**subject, "operation": op.id, "status": op.status.value, "error": op.error})
    else:
        print(f"operation {op.id}: {op.status.value}" + (f": {op.error}" if op.error else ""))
    return 0 if op.status == OperationStatus.SUCCEEDED else 1


def run_create(ctx: Context, args: argparse.Namespace) -> int:
    from kctui.cli.operation import follow_detached

    service = _service(ctx, quiet=args.json)
    backup, op = asyncio.run(service.prepare(args.cluster, args.name, args.description))
    op = follow_detached(ctx, op, service.bus)
    if op is None:
        return 130
    backup = ctx.store.backups.get(backup.name)
    if not args.json:
        print(f"backup {backup.name}: {backup.state.value}")
    return _result(op, args.json, {"backup": _dump(backup)})


def run_list(ctx: Context, args: argparse.Namespace) -> int:
    from engine.backups.service import size_text

    if args.cluster:
        ctx.store.clusters.get(args.cluster)
    backups = _service(ctx).list(args.cluster)
    if args.json:
        print_json([_dump(b) for b in backups])
        return 0
    print_table(
        ["NAME", "CLUSTER", "STATE", "SIZE", "VERSION", "POINT", "CREATED", "DESCRIPTION"],
        [
            (
                b.name,
                b.cluster,
                b.state.value,
                size_text(b.size) if b.size else "-",
                b.kubernetes_version,
                b.backup_point,
                f"{b.created_at:%Y-%m-%d %H:%M}",
                b.description or "-",
            )
            for b in backups
        ],
    )
    return 0


def run_show(ctx: Context, args: argparse.Namespace) -> int:
    _service(ctx).reconcile()
    backup = ctx.store.backups.get(args.name)
    if args.json:
        print_json(_dump(backup))
        return 0
    rows = [
        ("name", backup.name),
        ("cluster", backup.cluster),
        ("state", backup.state.value + (f" ({backup.error})" if backup.error else "")),
        ("backup point", backup.backup_point),
        ("kubernetes", backup.kubernetes_version),
        ("size", f"{backup.size} bytes"),
        ("sha256", backup.sha256 or "-"),
        ("location", backup.location or "-"),
        ("taken on", backup.source_node),
        ("nodes", ", ".join(f"{ip} ({h})" for ip, h in backup.nodes.items())),
        ("schedule", backup.schedule or "-"),
        ("created", f"{backup.created_at:%Y-%m-%d %H:%M:%S}"),
        ("description", backup.description or "-"),
    ]
    for key, value in rows:
        print(f"{key + ':':14} {value}")
    return 0


def run_edit(ctx: Context, args: argparse.Namespace) -> int:
    backup = _service(ctx).edit(args.name, args.description)
    print(f"{backup.name}: description changed")
    return 0


def run_delete(ctx: Context, args: argparse.Namespace) -> int:
    ctx.store.backups.get(args.name)
    if not args.yes:
        raise CliError(f"deleting backup {args.name} removes its snapshot; pass --yes to confirm")
    asyncio.run(_service(ctx).delete(args.name))
    print(f"deleted backup {args.name}")
    return 0


def run_restore(ctx: Context, args: argparse.Namespace) -> int:
    if not args.yes:
        raise CliError(
            f"restoring {args.backup} overwrites the etcd data of every control-plane node of "
            f"{args.cluster}; pass --yes to confirm"
        )
    from kctui.cli.operation import follow_detached

    service = _service(ctx, quiet=args.json)
    op = follow_detached(
        ctx, asyncio.run(service.prepare_restore(args.cluster, args.backup)), service.bus
    )
    if op is None:
        return 130
    return _result(op, args.json, {"cluster": args.cluster, "backup": args.backup})
