"""`kctui registry ...`: image registries the nodes pull from."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from engine.errors import RefusedError
from kctui.cli.common import add_command
from kctui.cli.context import CliError, Context
from kctui.cli.output import print_json, print_table


def register(sub: Any) -> None:
    reg = sub.add_parser("registry", help="image registries")
    verbs = reg.add_subparsers(dest="verb", metavar="VERB", required=True)
    p = add_command(verbs, "add", "add a registry")
    p.add_argument("name")
    p.add_argument("--host", required=True, help="HOST[:PORT]")
    p.add_argument("--scheme", choices=["https", "http"], default="https")
    p.add_argument("--skip-verify", action="store_true", help="do not verify its TLS certificate")
    p.add_argument("--ca", type=Path, help="CA certificate (PEM) to trust for it")
    p.add_argument("--user", default="")
    p.add_argument("--password-stdin", action="store_true")
    p.add_argument("--description", default="")
    p.set_defaults(
        handler=run_add,
        flags={
            "host": "--host",
            "username": "--user",
            "caPem": "--ca",
            "password": "--password-stdin",
        },
    )
    p = add_command(verbs, "list", "list registries")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_list)
    p = add_command(verbs, "show", "show a registry")
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_show)
    p = add_command(verbs, "delete", "delete a registry no cluster uses")
    p.add_argument("name")
    p.add_argument("--yes", action="store_true")
    p.set_defaults(handler=run_delete)


def run_add(ctx: Context, args: argparse.Namespace) -> int:
    from engine.catalog.registries import problems
    from store.documents.registry import Registry

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else ""
    if args.password_stdin and not password:
        raise CliError("--password-stdin: no password on standard input")
    try:
        ca = args.ca.read_text() if args.ca else ""
    except (OSError, UnicodeDecodeError) as e:
        raise CliError(
            f"--ca {args.ca}: {getattr(e, 'strerror', None) or 'not a PEM certificate'}"
        ) from None
    registry = Registry(
        name=args.name,
        host=args.host,
        scheme=args.scheme,
        skip_verify=args.skip_verify,
        ca_pem=ca,
        username=args.user,
        password=password or None,
        description=args.description,
    )
    found = problems(registry, ctx.store)
    if found:
        raise RefusedError(problems=found)
    ctx.store.registries.add(registry)
    print(f"added registry {registry.name} ({registry.url})")
    return 0


def run_list(ctx: Context, args: argparse.Namespace) -> int:
    regs = ctx.store.registries.list()
    if args.json:
        print_json([r.model_dump(mode="json", by_alias=True) for r in regs])
        return 0
    print_table(
        ["NAME", "URL", "SKIP TLS VERIFY", "USER"],
        [(r.name, r.url, "yes" if r.skip_verify else "no", r.username or "-") for r in regs],
    )
    return 0


def run_show(ctx: Context, args: argparse.Namespace) -> int:
    reg = ctx.store.registries.get(args.name)
    data = reg.model_dump(mode="json", by_alias=True)
    if args.json:
        print_json(data)
    else:
        for key in ("name", "host", "scheme", "skipVerify", "username", "password", "description"):
            print(f"{key}: {data[key]}")
    return 0


def run_delete(ctx: Context, args: argparse.Namespace) -> int:
    if not args.yes:
        raise CliError(f"deleting registry {args.name} needs --yes")
    from engine.catalog import registries

    registries.delete(ctx.store, args.name)
    print(f"deleted registry {args.name}")
    return 0
