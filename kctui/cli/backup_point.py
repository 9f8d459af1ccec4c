"""`kctui backup-point ...`: where etcd backups go (a path on the nodes, or an S3 bucket)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kctui.cli.common import add_command
from kctui.cli.context import CliError, Context
from kctui.cli.output import print_json, print_table

# The command line's names for the fields its problems name.
FLAGS = {
    "fsPath": "--fs",
    "s3.endpoint": "--endpoint",
    "s3.bucket": "--bucket",
    "s3.region": "--region",
    "s3.accessKey": "--access-key",
    "s3.secretKey": "--secret-key-stdin",
}


def register(sub: Any) -> None:
    bp = sub.add_parser(
        "backup-point", help="backup points: a path on the control-plane nodes or S3"
    )
    verbs = bp.add_subparsers(dest="verb", metavar="VERB", required=True)
    p = add_command(verbs, "add", "add a backup point (--fs PATH or --s3 ...)")
    p.add_argument("name")
    kind = p.add_mutually_exclusive_group(required=True)
    kind.add_argument(
        "--fs", metavar="PATH", help="a path on every control-plane node (e.g. an NFS mount)"
    )
    kind.add_argument("--s3", action="store_true", help="an S3 bucket (created when missing)")
    p.add_argument("--endpoint", default="", help="S3 endpoint URL")
    p.add_argument("--bucket", default="")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--access-key", default="")
    p.add_argument("--secret-key-stdin", action="store_true", help="read the secret key from stdin")
    tls = p.add_mutually_exclusive_group()
    tls.add_argument("--no-tls", action="store_true", help="plain http endpoint")
    tls.add_argument("--ca", type=Path, help="CA certificate (PEM) of the endpoint")
    p.add_argument("--description", default="")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_add, flags=FLAGS)

    p = add_command(verbs, "list", "list backup points")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_list)
    p = add_command(verbs, "show", "show a backup point")
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_show)
    p = add_command(verbs, "edit", "change the description (and an S3 point's credentials)")
    p.add_argument("name")
    p.add_argument("--description")
    p.add_argument("--access-key")
    p.add_argument("--secret-key-stdin", action="store_true")
    p.set_defaults(handler=run_edit, flags=FLAGS)
    p = add_command(verbs, "delete", "delete a backup point no cluster uses and no backup is in")
    p.add_argument("name")
    p.add_argument("--yes", action="store_true")
    p.set_defaults(handler=run_delete)


def _service(ctx: Context) -> Any:
    from engine.backups.points import BackupPointService

    return BackupPointService(ctx.store, ctx.settings)


def _secret() -> str:
    secret = sys.stdin.readline().rstrip("\n")
    if not secret:
        raise CliError("--secret-key-stdin: no secret key on standard input")
    return secret


def _ca(path: Path) -> str:
    try:
        pem = path.read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise CliError(
            f"--ca {path}: cannot read it ({e}); give the endpoint's CA certificate file"
        ) from None
    if "BEGIN CERTIFICATE" not in pem:
        raise CliError(
            f"--ca {path}: not a PEM certificate; give the endpoint's CA certificate file"
        )
    return pem


def run_add(ctx: Context, args: argparse.Namespace) -> int:
    from store.documents.backup import BackupPoint, S3Target

    if args.fs:
        point = BackupPoint(
            name=args.name, type="fs", fs_path=args.fs, description=args.description
        )
    else:
        if not args.secret_key_stdin:
            raise CliError(
                "--s3 needs --secret-key-stdin (the secret key is never taken on the command line)"
            )
        endpoint = args.endpoint
        if args.no_tls and endpoint.startswith("https://"):
            endpoint = "http://" + endpoint[len("https://") :]
        ca = _ca(args.ca) if args.ca else ""
        target = S3Target(
            endpoint=endpoint,
            bucket=args.bucket,
            region=args.region,
            access_key=args.access_key,
            secret_key=_secret(),
            tls=not args.no_tls,
            ca_pem=ca,
        )
        point = BackupPoint(name=args.name, type="s3", s3=target, description=args.description)
    added, created = _service(ctx).add(point)
    if args.json:
        print_json(added.model_dump(mode="json", by_alias=True))
    else:
        where = added.fs_path if added.s3 is None else f"{added.s3.endpoint}/{added.s3.bucket}"
        print(
            f"added backup point {added.name} ({where})" + (" - bucket created" if created else "")
        )
    return 0


def run_list(ctx: Context, args: argparse.Namespace) -> int:
    points = ctx.store.backup_points.list()
    if args.json:
        print_json([p.model_dump(mode="json", by_alias=True) for p in points])
        return 0
    print_table(
        ["NAME", "TYPE", "TARGET", "DESCRIPTION"],
        [
            (
                p.name,
                p.type,
                p.fs_path if p.s3 is None else f"{p.s3.endpoint}/{p.s3.bucket}",
                p.description or "-",
            )
            for p in points
        ],
    )
    return 0


def run_show(ctx: Context, args: argparse.Namespace) -> int:
    import yaml

    data = ctx.store.backup_points.get(args.name).model_dump(mode="json", by_alias=True)
    if args.json:
        print_json(data)
    else:
        print(yaml.safe_dump(data, sort_keys=False), end="")
    return 0


def run_edit(ctx: Context, args: argparse.Namespace) -> int:
    secret = _secret() if args.secret_key_stdin else None
    point = _service(ctx).edit(args.name, args.description, args.access_key, secret)
    print(f"updated backup point {point.name}")
    return 0


def run_delete(ctx: Context, args: argparse.Namespace) -> int:
    if not args.yes:
        raise CliError(f"deleting backup point {args.name} needs --yes")
    _service(ctx).delete(args.name)
    print(f"deleted backup point {args.name}")
    return 0
