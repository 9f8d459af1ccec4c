"""`kctui resource ...`: offline resource packages (push, list, show, delete)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kctui.cli.common import add_command
from kctui.cli.context import CliError, Context
from kctui.cli.output import print_json, print_table


def register(sub: Any) -> None:
    res = sub.add_parser("resource", help="offline packages: Kubernetes, runtimes, CNI, CSI")
    verbs = res.add_subparsers(dest="verb", metavar="VERB", required=True)
    p = add_command(verbs, "push", "verify packages and keep them for offline installs")
    p.add_argument(
        "paths", type=Path, nargs="+", metavar="PATH", help="package files or directories of them"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_push)
    p = add_command(verbs, "build", "build packages from upstream's releases (needs internet)")
    p.add_argument("--kubernetes", required=True, metavar="VERSION", help="e.g. v1.28.15")
    p.add_argument("--arch", default="amd64", help="amd64, arm64 or amd64,arm64 (amd64)")
    p.add_argument("--out", type=Path, default=Path("packages"), help="where to write (./packages)")
    p.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="fetch an upstream from a mirror with the same layout",
    )
    p.add_argument(
        "--pin",
        action="append",
        default=[],
        metavar="SOURCE/PATH=SHA256",
        help="the sha256 of a file upstream publishes no checksum for",
    )
    p.set_defaults(handler=run_build)
    p = add_command(verbs, "list", "list pushed packages")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_list)
    p = add_command(verbs, "show", "show a package's manifest")
    p.add_argument("name", help="name-version-arch")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_show)
    p = add_command(verbs, "delete", "delete a pushed package")
    p.add_argument("name")
    p.add_argument("--yes", action="store_true")
    p.set_defaults(handler=run_delete)


def run_push(ctx: Context, args: argparse.Namespace) -> int:
    from engine.catalog import resources

    results = resources.push_all(ctx.store, args.paths)
    if args.json:
        print_json(
            [
                {
                    "path": str(path),
                    "package": pkg.model_dump(mode="json", by_alias=True) if pkg else None,
                    "error": "" if pkg else said,
                }
                for path, pkg, said in results
            ]
        )
    for _, pkg, said in results if not args.json else []:
        if pkg is None:
            print(f"kctui: error: {said}", file=sys.stderr)
        elif said:
            print(f"{pkg.id}: {said}")
        else:
            print(f"pushed {pkg.id} ({pkg.type}, {len(pkg.files)} files, sha256 {pkg.sha256[:12]})")
    return 0 if all(pkg for _, pkg, _ in results) else 1


def run_build(ctx: Context, args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    from engine.catalog.build import Builder, parse_assignments

    with Progress(
        TextColumn("{task.description:<40}"),
        BarColumn(),
        DownloadColumn(),
        console=Console(stderr=True),
        transient=False,
    ) as bar:
        tasks: dict[str, Any] = {}

        def progress(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total or None)
            bar.update(tasks[name], completed=done, total=total or None)

        builder = Builder(
            cache_dir=ctx.data_dir / "build-cache",
            sources=parse_assignments(args.source, "--source"),
            pins=parse_assignments(args.pin, "--pin"),
            progress=progress,
        )
        arches = [a.strip() for a in args.arch.split(",") if a.strip()]
        built = builder.build(args.kubernetes, arches, args.out)
    for path in built:
        print(f"built {path} ({path.stat().st_size / 2**20:.1f} MiB)")
    return 0


def run_list(ctx: Context, args: argparse.Namespace) -> int:
    pkgs = ctx.store.resources.list()
    if args.json:
        print_json([p.model_dump(mode="json", by_alias=True) for p in pkgs])
        return 0
    print_table(
        ["PACKAGE", "TYPE", "VERSION", "ARCH", "SIZE"],
        [(p.id, p.type, p.version, p.arch, f"{p.size / 2**20:.1f}M") for p in pkgs],
    )
    return 0


def run_show(ctx: Context, args: argparse.Namespace) -> int:
    pkg = ctx.store.resources.get(args.name)
    if args.json:
        print_json(pkg.model_dump(mode="json", by_alias=True))
        return 0
    print(f"{pkg.id}: {pkg.type} {pkg.version} {pkg.arch}, sha256 {pkg.sha256}")
    print_table(["FILE", "SIZE", "SHA256"], [(f.path, f.size, f.sha256[:16]) for f in pkg.files])
    return 0


def run_delete(ctx: Context, args: argparse.Namespace) -> int:
    if not args.yes:
        raise CliError(f"deleting {args.name} needs --yes")
    from engine.catalog import resources

    pkg = resources.delete(ctx.store, args.name)
    print(f"deleted {pkg.id}")
    return 0
