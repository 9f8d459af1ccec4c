"""`kctui registry ...`: image registries the nodes pull from."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from engine.errors import RefusedError
from kctui.cli.common import add_command
from kctui.cli.context import CliError, Context
from kctui.cli.operation import start_or_wait
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
    p = add_command(verbs, "deploy", "run a registry on a node (TLS, optional basic auth)")
    p.add_argument("node")
    p.add_argument("--name", default="", help="the registry's name (default: the node's)")
    p.add_argument("--port", type=int, default=5000)
    # --data-dir is kctui's own data dir (a global option)
    p.add_argument("--registry-dir", default="/var/lib/kctui-registry", metavar="DIR",
                   help="where it keeps its images on the node")  # fmt: skip
    p.add_argument("--user", default="")
    p.add_argument("--password-stdin", action="store_true")
    p.add_argument("--wait", action="store_true", help="follow the deploy to its end")
    p.set_defaults(
        handler=run_deploy,
        flags={
            "node": "NODE",
            "name": "--name",
            "port": "--port",
            "data-dir": "--registry-dir",
            "user": "--user",
            "password": "--password-stdin",
        },
    )
    p = add_command(verbs, "undeploy", "stop and remove the registry kctui runs on a node")
    p.add_argument("node")
    p.add_argument("--keep-data", action="store_true", help="leave its images on the node")
    p.add_argument("--yes", action="store_true")
    p.add_argument("--wait", action="store_true", help="follow the removal to its end")
    p.set_defaults(handler=run_undeploy, flags={"node": "NODE"})
    p = add_command(verbs, "push", "push the images of resource packages into a registry")
    p.add_argument("name", metavar="REGISTRY")
    p.add_argument("packages", nargs="+", metavar="PACKAGE", help="a pushed package's id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_push)
    p = add_command(verbs, "images", "list the images a registry holds")
    p.add_argument("name", metavar="REGISTRY")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_images)


def run_add(ctx: Context, args: argparse.Namespace) -> int:
    from engine.registries.records import problems
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
    from engine.registries.records import COLUMNS, row

    print_table([c.upper() for c in COLUMNS], [row(r) for r in regs])
    return 0


def run_show(ctx: Context, args: argparse.Namespace) -> int:
    reg = ctx.store.registries.get(args.name)
    data = reg.model_dump(mode="json", by_alias=True)
    if args.json:
        print_json(data)
    else:
        keys = ["name", "host", "scheme", "skipVerify", "username", "password", "description"]
        if reg.node:
            keys += ["node", "dataDir", "phase", "message", "lastOperation"]
        for key in keys:
            value = data[key]
            shown = "yes" if value is True else "no" if value is False else value
            print(f"{key}: {'-' if shown in (None, '') else shown}")
    return 0


def run_delete(ctx: Context, args: argparse.Namespace) -> int:
    if not args.yes:
        raise CliError(f"deleting registry {args.name} needs --yes")
    from engine.registries import records as registries

    registries.delete(ctx.store, args.name)
    print(f"deleted registry {args.name}")
    return 0


def run_deploy(ctx: Context, args: argparse.Namespace) -> int:
    from engine.registries.service import RegistryService

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else ""
    if args.password_stdin and not password:
        raise CliError("--password-stdin: no password on standard input")
    registry, op = RegistryService(ctx.store, ctx.settings).deploy_operation(
        args.node,
        name=args.name,
        port=args.port,
        data_dir=args.registry_dir,
        user=args.user,
        password=password,
    )
    print(f"deploying registry {registry.name} ({registry.url}) on {args.node}", file=sys.stderr)
    return start_or_wait(ctx, op, args.wait)


def run_undeploy(ctx: Context, args: argparse.Namespace) -> int:
    if not args.yes:
        raise CliError(f"removing the registry on {args.node} needs --yes")
    from engine.registries.service import RegistryService

    op = RegistryService(ctx.store, ctx.settings).undeploy_operation(args.node, args.keep_data)
    return start_or_wait(ctx, op, args.wait)


def run_push(ctx: Context, args: argparse.Namespace) -> int:
    from engine.registries.push import push_packages

    registry = ctx.store.registries.get(args.name)
    missing = [p for p in args.packages if not ctx.store.resources.exists(p)]
    if missing:
        raise CliError(
            f"no pushed package {', '.join(missing)} (kctui resource list; NAME-VERSION-ARCH)"
        )

    def progress(ref: str, done: int, total: int) -> None:
        if ref and not args.json:
            print(f"[{done + 1}/{total}] {ref}", file=sys.stderr)

    pushed = push_packages(ctx.store, registry, args.packages, progress)
    if args.json:
        print_json([{"image": ref, "digest": digest} for ref, digest in pushed])
    else:
        print(f"pushed {len(pushed)} image(s) to {registry.name}; each digest checked")
    return 0


def run_images(ctx: Context, args: argparse.Namespace) -> int:
    from engine.registries.api import RegistryClient

    images = RegistryClient(ctx.store.registries.get(args.name)).images()
    if args.json:
        print_json(images)
    else:
        print_table(["IMAGE"], [(i,) for i in images])
    return 0
