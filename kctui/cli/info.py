"""`kctui info`: version, data dir, state file and what it holds."""

from __future__ import annotations

import argparse
from typing import Any

from kctui import __version__
from kctui.cli.common import add_command
from kctui.cli.context import Context
from kctui.cli.output import print_json, print_table
from store.storage import SCHEMA_VERSION


def register(sub: Any) -> None:
    p = add_command(sub, "info", "show version, data dir and what the store holds")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=run)


def run(ctx: Context, args: argparse.Namespace) -> int:
    store = ctx.store
    counts = {
        "clusters": len(store.clusters.list()),
        "nodes": len(store.nodes.list()),
        "templates": len(store.templates.list()),
        "registries": len(store.registries.list()),
        "backupPoints": len(store.backup_points.list()),
        "backups": len(store.backups.list()),
        "cronBackups": len(store.cron_backups.list()),
        "resources": len(store.resources.list()),
        "operations": len(store.operations.list()),
    }
    info = {
        "version": __version__,
        "dataDir": str(store.data_dir),
        "stateFile": str(store.db.path),
        "schemaVersion": SCHEMA_VERSION,
        "counts": counts,
    }
    if args.json:
        print_json(info)
        return 0
    print(f"kctui {__version__}")
    print(f"data dir     {info['dataDir']}")
    print(f"state file   {info['stateFile']} (schema {SCHEMA_VERSION})")
    print()
    print_table(["KIND", "COUNT"], sorted(counts.items()))
    return 0
