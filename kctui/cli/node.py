"""`kctui node ...` and `kctui region list`: the node inventory."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from kctui.cli.common import add_command
from kctui.cli.context import CliError, Context
from kctui.cli.output import print_json, print_table


def register(sub: Any) -> None:
    node = sub.add_parser("node", help="the machines clusters are built on")
    verbs = node.add_subparsers(dest="verb", metavar="VERB", required=True)

    p = add_command(verbs, "add", "add a node reachable over SSH; its host key must be accepted")
    p.add_argument("address", help="IP address, host name, or a Host alias of ~/.ssh/config")
    p.add_argument("--name", help="node name (default: from the address)")
    p.add_argument("--port", type=int, help="SSH port (default: ~/.ssh/config, else 22)")
    p.add_argument("--user", default="", help="SSH user (default: ~/.ssh/config, else root)")
    p.add_argument("--key", metavar="FILE", help="private key file")
    p.add_argument("--agent", action="store_true", help="also use ssh-agent with --key")
    p.add_argument("--password-stdin", action="store_true", help="read the SSH password (line 1)")
    p.add_argument("--key-passphrase-stdin", action="store_true", help="read the key passphrase")
    p.add_argument("--sudo-password-stdin", action="store_true", help="read the sudo password")
    p.add_argument("--jump", metavar="USER@HOST[:PORT]", default="", help="jump host")
    p.add_argument("--region", default="default")
    p.add_argument("--label", action="append", default=[], metavar="K=V")
    p.add_argument("--accept-host-key", metavar="SHA256:...", default="")
    p.add_argument("--json", action="store_true")
    p.set_defaults(
        handler=run_add,
        flags={
            "name": "--name",
            "user": "--user",
            "jump": "--jump",
            "region": "--region",
            "labels": "--label",
        },
    )

    p = add_command(verbs, "import", "add nodes from CSV, a YAML list or an Ansible INI inventory")
    p.add_argument("file", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_import)

    p = add_command(verbs, "list", "list nodes")
    p.add_argument("--region")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_list)

    p = add_command(verbs, "show", "show one node with its facts")
    p.add_argument("node")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_show)

    p = add_command(verbs, "probe", "refresh status and facts (all nodes when none are named)")
    p.add_argument("nodes", nargs="*")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_probe)

    for verb, enabled in (("enable", True), ("disable", False)):
        p = add_command(verbs, verb, f"{verb} a node (a disabled node cannot join a cluster)")
        p.add_argument("node")
        p.set_defaults(handler=run_enable, enabled=enabled)

    p = add_command(verbs, "remove", "remove a node that is in no cluster")
    p.add_argument("node")
    p.add_argument("--yes", action="store_true", help="confirm")
    p.set_defaults(handler=run_remove)

    p = add_command(verbs, "trust", "accept the host key a node presents now (after a reinstall)")
    p.add_argument("node")
    p.add_argument("--accept-host-key", metavar="SHA256:...", default="")
    p.set_defaults(handler=run_trust)

    p = add_command(verbs, "ssh", "open an interactive shell on a node")
    p.add_argument("node")
    p.set_defaults(handler=run_ssh)

    region = sub.add_parser("region", help="regions nodes belong to")
    rverbs = region.add_subparsers(dest="verb", metavar="VERB", required=True)
    p = add_command(rverbs, "list", "list regions with their node counts")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_regions)


def _service(ctx: Context) -> Any:
    from engine.nodes.service import NodeService

    return NodeService(ctx.store, ctx.settings)


def _stdin_lines(count: int) -> list[str]:
    lines = [sys.stdin.readline().rstrip("\n") for _ in range(count)]
    if any(not line for line in lines):
        raise CliError(f"expected {count} line(s) on standard input (passwords), got fewer")
    return lines


def _confirm_key(name: str, fingerprint: str) -> str:
    if not sys.stdin.isatty():
        raise CliError(
            f"{name} presents host key {fingerprint}; check it and pass "
            f"--accept-host-key {fingerprint}"
        )
    answer = input(f"{name} presents host key {fingerprint}. Trust it? [y/N] ")
    if answer.strip().lower() not in ("y", "yes"):
        raise CliError("host key not accepted; nothing was changed")
    return fingerprint


def node_json(node: Any) -> dict[str, Any]:
    data: dict[str, Any] = node.model_dump(mode="json", by_alias=True)
    return data


def run_add(ctx: Context, args: argparse.Namespace) -> int:
    from engine.nodes.service import default_name
    from store.documents.node import Node

    wanted = [args.password_stdin, args.key_passphrase_stdin, args.sudo_password_stdin]
    secrets = iter(_stdin_lines(sum(wanted)))
    from engine import grammar

    labels, problem = grammar.parse_labels(args.label)
    if problem:
        raise CliError(f"--{problem}")
    node = Node(
        name=args.name or default_name(args.address),
        address=args.address,
        port=args.port,
        user=args.user,
        key_file=str(Path(args.key).expanduser().absolute()) if args.key else "",
        use_agent=args.agent or not args.key,
        password=next(secrets) if args.password_stdin else None,
        key_passphrase=next(secrets) if args.key_passphrase_stdin else None,
        sudo_password=next(secrets) if args.sudo_password_stdin else None,
        jump=args.jump,
        region=args.region,
        labels=labels,
    )
    service = _service(ctx)
    fingerprint = args.accept_host_key
    if not fingerprint:
        fingerprint = _confirm_key(node.name, asyncio.run(service.presented_fingerprint(node)))
    added = asyncio.run(service.add(node, fingerprint))
    if args.json:
        print_json(node_json(added))
    else:
        f = added.facts
        print(
            f"added {added.name}: {f.hostname}, {f.os_id} {f.os_version}, {f.arch}, "
            f"{f.cpus} CPU, {f.memory_bytes / 2**30:.1f} GiB, host key {added.host_key_fingerprint}"
        )
    return 0


def run_import(ctx: Context, args: argparse.Namespace) -> int:
    from engine.nodes.imports import parse

    entries = parse(args.file)
    service = _service(ctx)
    taken = [n.name for n, _ in entries if ctx.store.nodes.exists(n.name)]
    if taken:
        raise CliError(
            f"{args.file}: nothing imported: these names exist already: {', '.join(taken)}"
        )
    for node, _ in entries:
        node.last_error = f"host key not accepted yet; run: kctui node trust {node.name}"
        ctx.store.nodes.add(node)
    results = []
    for node, fingerprint in entries:
        if fingerprint:
            asyncio.run(service.trust(node.name, fingerprint))
            results.append(asyncio.run(service.probe_one(node.name)))
        else:
            results.append(ctx.store.nodes.get(node.name))
    if args.json:
        print_json([node_json(n) for n in results])
    else:
        print_table(
            ["NAME", "ADDRESS", "STATUS", "NOTE"],
            [(n.name, n.address, n.status.value, n.last_error or "-") for n in results],
        )
    return 0


def _row(n: Any) -> tuple[str, ...]:
    return (
        n.name,
        n.address if not n.port else f"{n.address}:{n.port}",
        n.region,
        n.status.value if n.enabled else "disabled",
        f"{n.facts.os_id} {n.facts.os_version}".strip() or "-",
        n.facts.arch or "-",
        str(n.facts.cpus or "-"),
        f"{n.facts.memory_bytes / 2**30:.1f}G" if n.facts.memory_bytes else "-",
        n.cluster or "-",
    )


HEADERS = ["NAME", "ADDRESS", "REGION", "STATUS", "OS", "ARCH", "CPU", "MEMORY", "CLUSTER"]


def run_list(ctx: Context, args: argparse.Namespace) -> int:
    nodes = ctx.store.nodes.list(lambda n: not args.region or n.region == args.region)
    if args.json:
        print_json([node_json(n) for n in nodes])
    else:
        print_table(HEADERS, [_row(n) for n in nodes])
    return 0


def run_show(ctx: Context, args: argparse.Namespace) -> int:
    node = ctx.store.nodes.get(args.node)
    if args.json:
        print_json(node_json(node))
        return 0
    import yaml

    print(yaml.safe_dump(node_json(node), sort_keys=False), end="")
    return 0


def run_probe(ctx: Context, args: argparse.Namespace) -> int:
    from store.documents.node import NodeStatus

    nodes = asyncio.run(_service(ctx).probe(args.nodes))
    if args.json:
        print_json([node_json(n) for n in nodes])
    else:
        print_table(
            ["NAME", "STATUS", "NOTE"],
            [(n.name, n.status.value, n.last_error or "-") for n in nodes],
        )
    return 0 if all(n.status == NodeStatus.ONLINE for n in nodes) else 1


def run_enable(ctx: Context, args: argparse.Namespace) -> int:
    node = _service(ctx).set_enabled(args.node, args.enabled)
    print(f"{node.name} is {'enabled' if node.enabled else 'disabled'}")
    return 0


def run_remove(ctx: Context, args: argparse.Namespace) -> int:
    if not args.yes:
        raise CliError(f"removing {args.node} needs --yes")
    _service(ctx).remove(args.node)
    print(f"removed {args.node}")
    return 0


def run_trust(ctx: Context, args: argparse.Namespace) -> int:
    service = _service(ctx)
    node = ctx.store.nodes.get(args.node)
    fingerprint = args.accept_host_key
    if not fingerprint:
        fingerprint = _confirm_key(node.name, asyncio.run(service.presented_fingerprint(node)))
    trusted = asyncio.run(service.trust(node.name, fingerprint))
    print(f"{trusted.name}: host key {trusted.host_key_fingerprint} is now trusted")
    return 0


def run_ssh(ctx: Context, args: argparse.Namespace) -> int:
    from engine.ssh.terminal import ssh_argv

    argv = ssh_argv(ctx.store.nodes.get(args.node), ctx.store.known_hosts)
    os.execvp(argv[0], argv)
    return 0


def run_regions(ctx: Context, args: argparse.Namespace) -> int:
    nodes = ctx.store.nodes.list()
    names = {r.name for r in ctx.store.regions.list()} | {n.region for n in nodes}
    rows = [(r, sum(1 for n in nodes if n.region == r)) for r in sorted(names)]
    if args.json:
        print_json([{"name": r, "nodes": c} for r, c in rows])
    else:
        print_table(["REGION", "NODES"], rows)
    return 0
