"""`kctui template ...`: saved cluster configurations (everything but the nodes)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kctui.cli.common import add_command
from kctui.cli.context import CliError, Context
from kctui.cli.output import print_json, print_table


def register(sub: Any) -> None:
    tpl = sub.add_parser("template", help="cluster and storage templates")
    verbs = tpl.add_subparsers(dest="verb", metavar="VERB", required=True)
    p = add_command(verbs, "list", "list templates")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_list)
    p = add_command(verbs, "show", "print a template as YAML")
    p.add_argument("name")
    p.set_defaults(handler=run_show)
    p = add_command(verbs, "save-cluster", "save a cluster's configuration as a template")
    p.add_argument("cluster")
    p.add_argument("name")
    p.add_argument("--storage-only", action="store_true", help="a storage-plugin template")
    p.set_defaults(handler=run_save_cluster)
    p = add_command(
        verbs, "create", "store a template from a YAML file (as `template show` prints)"
    )
    p.add_argument("-f", "--file", type=Path, required=True, help="the template; - reads stdin")
    p.set_defaults(handler=run_create)
    p = add_command(verbs, "rename", "rename a template")
    p.add_argument("name")
    p.add_argument("new_name")
    p.set_defaults(handler=run_rename)
    p = add_command(verbs, "delete", "delete a template")
    p.add_argument("name")
    p.add_argument("--yes", action="store_true")
    p.set_defaults(handler=run_delete)


def run_list(ctx: Context, args: argparse.Namespace) -> int:
    templates = ctx.store.templates.list()
    if args.json:
        print_json([t.model_dump(mode="json", by_alias=True) for t in templates])
        return 0
    print_table(
        ["NAME", "TYPE", "DESCRIPTION"], [(t.name, t.type, t.description or "-") for t in templates]
    )
    return 0


def run_show(ctx: Context, args: argparse.Namespace) -> int:
    import yaml

    template = ctx.store.templates.get(args.name)
    data = template.model_dump(mode="json", by_alias=True, exclude={"created_at", "updated_at"})
    print(yaml.safe_dump(data, sort_keys=False), end="")
    return 0


def run_save_cluster(ctx: Context, args: argparse.Namespace) -> int:
    from store.documents.template import Template

    cluster = ctx.store.clusters.get(args.cluster)
    spec = cluster.spec.model_copy(deep=True)
    spec.masters, spec.workers = [], []
    if args.storage_only:
        template = Template(
            name=args.name,
            type="storage",
            storage=spec.storage,
            description=f"storage of {cluster.name}",
        )
    else:
        template = Template(
            name=args.name, cluster=spec, description=f"from cluster {cluster.name}"
        )
    ctx.store.templates.add(template)
    print(f"saved template {args.name}")
    return 0


def run_create(ctx: Context, args: argparse.Namespace) -> int:
    import sys

    import yaml

    from engine.clusters.templates import create

    try:
        text = sys.stdin.read() if str(args.file) == "-" else args.file.read_text()
        raw = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as e:
        raise CliError(
            f"-f {args.file}: {getattr(e, 'strerror', None) or 'not a text file'}"
        ) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise CliError(f"-f {args.file}:{where}: not valid YAML") from None
    template = create(ctx.store, raw)
    print(f"created {template.type} template {template.name}")
    return 0


def run_rename(ctx: Context, args: argparse.Namespace) -> int:
    template = ctx.store.templates.get(args.name)
    if ctx.store.templates.exists(args.new_name):
        raise CliError(f"a template named {args.new_name!r} exists")
    ctx.store.templates.add(template.model_copy(update={"name": args.new_name}))
    ctx.store.templates.delete(args.name)
    print(f"renamed {args.name} to {args.new_name}")
    return 0


def run_delete(ctx: Context, args: argparse.Namespace) -> int:
    if not args.yes:
        raise CliError(f"deleting template {args.name} needs --yes")
    ctx.store.templates.delete(args.name)
    print(f"deleted template {args.name}")
    return 0
