"""`kctui cluster storage add|list|default|remove`: storage plugins on a running cluster."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from kctui.cli.common import add_command
from kctui.cli.context import CliError, Context
from kctui.cli.operation import start_or_wait
from kctui.cli.output import print_json, print_table

FLAGS = {
    "cluster": "CLUSTER",
    "class": "CLASS",
    "storage": "--nfs/--ceph-monitors/-f/--template",
    "template": "--template",
}


def register(verbs: Any) -> None:
    storage = verbs.add_parser("storage", help="storage plugins on a running cluster")
    sub = storage.add_subparsers(dest="storage_verb", metavar="VERB", required=True)

    p = add_command(sub, "add", "add an NFS or Ceph RBD storage class")
    p.add_argument("name", metavar="CLUSTER")
    p.add_argument("--nfs", metavar="SERVER:PATH")
    p.add_argument("--ceph-monitors", metavar="HOST:PORT,...")
    p.add_argument("--ceph-pool", default="rbd")
    p.add_argument("--ceph-user", default="admin")
    p.add_argument("--ceph-key-stdin", action="store_true", help="read the Ceph key from stdin")
    p.add_argument("--class", dest="class_name", metavar="CLASS", help="the storage class name")
    p.add_argument("--reclaim", choices=["Delete", "Retain"], default="Delete")
    p.add_argument("--archive", action="store_true", help="NFS: keep a deleted volume's data")
    p.add_argument("--mount-option", action="append", default=[], metavar="OPTION")
    p.add_argument("--replicas", type=int, default=1, help="NFS provisioner replicas")
    p.add_argument("--default", action="store_true", help="make it the default class")
    p.add_argument("-f", "--file", type=Path, help="a storage YAML: nfs: [...], ceph: [...]")
    p.add_argument("--template", help="the entries of a storage template")
    p.add_argument("--yes", action="store_true")
    p.add_argument("--wait", action="store_true", help="follow the operation to its end")
    p.set_defaults(handler=run_add, flags=FLAGS)

    p = add_command(sub, "list", "the storage classes the cluster holds")
    p.add_argument("name", metavar="CLUSTER")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_list, flags=FLAGS)

    p = add_command(sub, "default", "make a storage class the cluster's default")
    p.add_argument("name", metavar="CLUSTER")
    p.add_argument("class_name", metavar="CLASS")
    p.add_argument("--wait", action="store_true", help="follow the operation to its end")
    p.set_defaults(handler=run_default, flags=FLAGS)

    p = add_command(sub, "remove", "delete a storage class kctui made, and its provisioner")
    p.add_argument("name", metavar="CLUSTER")
    p.add_argument("class_name", metavar="CLASS")
    p.add_argument("--force", action="store_true", help="even while claims use it")
    p.add_argument("--yes", action="store_true")
    p.add_argument("--wait", action="store_true", help="follow the operation to its end")
    p.set_defaults(handler=run_remove, flags=FLAGS)


def _extra(args: argparse.Namespace) -> Any:
    """The storage entries the command line gives, as a StorageSpec."""
    import yaml
    from pydantic import ValidationError

    from store.documents.cluster import CephStorage, NFSStorage, StorageSpec
    from store.secrets import Secret

    given = [x for x in (args.nfs, args.ceph_monitors, args.file) if x]
    if len(given) != 1:
        raise CliError(
            "give one of --nfs SERVER:PATH, --ceph-monitors M,..., -f FILE, --template T"
        )
    try:
        if args.file:
            try:
                raw = yaml.safe_load(args.file.read_text()) or {}
            except (OSError, yaml.YAMLError) as e:
                raise CliError(f"-f {args.file}: {getattr(e, 'strerror', None) or e}") from None
            return StorageSpec.model_validate(raw)
        name = args.class_name
        if args.nfs:
            server, sep, path = args.nfs.partition(":")
            if not sep or not server or not path:
                raise CliError(f"--nfs {args.nfs!r}: give SERVER:PATH, e.g. 10.0.0.5:/exports/k8s")
            entry: Any = NFSStorage(
                server_addr=server,
                shared_path=path,
                storage_class_name=name or "nfs-sc",
                reclaim_policy=args.reclaim,
                archive_on_delete=args.archive,
                mount_options=args.mount_option,
                replicas=args.replicas,
            )
            extra = StorageSpec(nfs=[entry])
        else:
            key = sys.stdin.readline().strip() if args.ceph_key_stdin else ""
            entry = CephStorage(
                monitors=[m.strip() for m in args.ceph_monitors.split(",") if m.strip()],
                pool=args.ceph_pool,
                user=args.ceph_user,
                key=Secret(key) if key else None,
                storage_class_name=name or "ceph-rbd",
            )
            extra = StorageSpec(ceph=[entry])
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CliError(f"{where}: {first['msg']}") from None
    if args.default and not args.file:
        extra.default_storage_class = entry.storage_class_name
    return extra


def run_add(ctx: Context, args: argparse.Namespace) -> int:
    from engine.clusters.storage import StorageService

    service = StorageService(ctx.store, ctx.settings)
    extra = service.from_template(args.template) if args.template else _extra(args)
    if not args.yes:
        raise CliError(f"adding storage to {args.name} changes the running cluster; pass --yes")
    return start_or_wait(ctx, service.add(args.name, extra), args.wait)


def run_list(ctx: Context, args: argparse.Namespace) -> int:
    from engine.clusters.storage import StorageService

    classes = asyncio.run(StorageService(ctx.store, ctx.settings).classes(args.name))
    if args.json:
        print_json([c.__dict__ for c in classes])
        return 0
    print_table(
        ["CLASS", "TYPE", "TARGET", "PROVISIONER", "RECLAIM", "DEFAULT"],
        [
            (
                c.name,
                c.kind or "-",
                c.target or "-",
                c.provisioner,
                c.reclaim_policy,
                "yes" if c.default else "",
            )
            for c in classes
        ],
    )
    return 0


def run_default(ctx: Context, args: argparse.Namespace) -> int:
    from engine.clusters.storage import StorageService

    op = StorageService(ctx.store, ctx.settings).set_default(args.name, args.class_name)
    return start_or_wait(ctx, op, args.wait)


def run_remove(ctx: Context, args: argparse.Namespace) -> int:
    from engine.clusters.storage import StorageService

    if not args.yes:
        raise CliError(f"removing storage class {args.class_name} needs --yes")
    service = StorageService(ctx.store, ctx.settings)
    op = asyncio.run(service.remove(args.name, args.class_name, args.force))
    return start_or_wait(ctx, op, args.wait)
