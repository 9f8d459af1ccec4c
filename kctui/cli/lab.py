"""`kctui lab`: local hosts in network namespaces with real sshd, for demos and tests."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from kctui.cli.common import add_command
from kctui.cli.context import CliError, Context
from kctui.cli.output import print_json, print_table


def register(sub: Any) -> None:
    lab = sub.add_parser("lab", help="local test hosts: up, status, ssh, fault, down")
    verbs = lab.add_subparsers(dest="verb", metavar="VERB", required=True)

    p = add_command(verbs, "up", "start N hosts, each with its own address, hostname and sshd")
    p.add_argument("--nodes", type=int, default=3, metavar="N", help="how many hosts (3)")
    p.add_argument("--name", default="lab", help="lab name; hosts are NAME-1..N (lab)")
    p.add_argument("--subnet", metavar="CIDR", help="host network (a free /24 in 10.213.0.0/16)")
    p.add_argument("--register", action="store_true", help="add the hosts as kctui nodes")
    p.set_defaults(handler=run_up)

    p = add_command(verbs, "status", "show hosts, addresses, users, key and host keys")
    p.add_argument("--name", default="lab")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=run_status)

    p = add_command(verbs, "down", "stop every process and remove namespaces, links and mounts")
    p.add_argument("--name", default="lab")
    p.set_defaults(handler=run_down)

    p = add_command(verbs, "ssh", "run a command on a host (or open a shell) as root")
    p.add_argument("--name", help="the lab (found from the host's name when not given)")
    p.add_argument("--user", default="root")
    p.add_argument("host", help="host name, address or index")
    p.add_argument("command", nargs=argparse.REMAINDER, help="command and arguments")
    p.set_defaults(handler=run_ssh)

    p = add_command(
        verbs,
        "fault",
        "inject a fault: down, up, fail-next CMD, slow SECONDS, rekey, cert-expire DAYS",
    )
    p.add_argument("--name", default="lab")
    p.add_argument("host")
    p.add_argument("kind", choices=["down", "up", "fail-next", "slow", "rekey", "cert-expire"])
    p.add_argument("arg", nargs="?", default="")
    p.set_defaults(handler=run_fault)

    p = add_command(verbs, "packages", "write the lab's resource packages (k8s, containerd, ...)")
    p.add_argument("--out", metavar="DIR", help="where to write them (<data-dir>/lab-packages)")
    p.set_defaults(handler=run_packages)


def _lab_errors(fn: Any) -> Any:
    def wrapped(ctx: Context, args: argparse.Namespace) -> int:
        from kctui.lab.system import LabError

        try:
            code: int = fn(ctx, args)
            return code
        except (LabError, KeyError) as e:
            raise CliError(str(e).strip("'\"")) from None

    return wrapped


@_lab_errors
def run_up(ctx: Context, args: argparse.Namespace) -> int:
    from kctui.lab import lab as labs

    lab = labs.up(args.name, args.nodes, args.subnet)
    packages = ctx.data_dir / "lab-packages"
    if not any(packages.glob("kubernetes-*.tar.gz")):
        from kctui.lab.packages import build_packages

        build_packages(packages)
    if args.register:
        _register(ctx, lab, packages)
    print_table(
        ["HOST", "ADDRESS", "HOST KEY"],
        [(h.name, h.address, h.host_key_fingerprint) for h in lab.hosts],
    )
    print(f"key: {lab.key_path}  (kctui lab ssh HOST, or ssh -i {lab.key_path} root@ADDRESS)")
    print(f"packages: {packages}")
    if args.register:
        print(f"registered {len(lab.hosts)} nodes, probed them and pushed the packages")
    return 0


def _register(ctx: Context, lab: Any, packages: Path) -> None:
    """The hosts as nodes, probed, and the lab's packages pushed: ready for a create."""
    import asyncio

    from engine.catalog import resources
    from engine.nodes.service import NodeService
    from kctui.lab.register import register_nodes
    from store.documents.node import NodeStatus

    nodes = register_nodes(lab, ctx.store)
    probed = asyncio.run(NodeService(ctx.store, ctx.settings).probe([n.name for n in nodes]))
    down = [f"{n.name} ({n.last_error})" for n in probed if n.status != NodeStatus.ONLINE]
    if down:
        raise CliError("these hosts did not answer a probe: " + ", ".join(down))
    failed = [said for _, pkg, said in resources.push_all(ctx.store, [packages]) if pkg is None]
    if failed:
        raise CliError("; ".join(failed))


@_lab_errors
def run_status(ctx: Context, args: argparse.Namespace) -> int:
    from kctui.lab import lab as labs

    info = labs.status(labs.load(args.name))
    if args.json:
        print_json(info)
        return 0
    hosts: list[dict[str, Any]] = info["hosts"]  # type: ignore[assignment]
    print(f"lab {info['name']}: {info['subnet']} on {info['bridge']}, key {info['privateKey']}")
    print_table(
        ["HOST", "ADDRESS", "UP", "HOST KEY"],
        [
            (h["name"], h["address"], "yes" if h["up"] else "NO", h["hostKeyFingerprint"])
            for h in hosts
        ],
    )
    return 0


@_lab_errors
def run_down(ctx: Context, args: argparse.Namespace) -> int:
    from kctui.lab import lab as labs

    found = labs.down(args.name)
    print(f"lab {args.name} is down" if found else f"no lab {args.name} was up")
    return 0


@_lab_errors
def run_ssh(ctx: Context, args: argparse.Namespace) -> int:
    from kctui.lab import lab as labs
    from kctui.lab.ssh import ssh_argv

    if args.name or args.host.isdigit():  # an index means a host of the named (or default) lab
        lab = labs.load(args.name or "lab")
    else:
        lab = labs.holding(args.host)
    argv = ssh_argv(lab, lab.host(args.host), args.user, args.command, tty=sys.stdin.isatty())
    sys.stdout.flush()
    os.execvp(argv[0], argv)
    return 0  # not reached


@_lab_errors
def run_fault(ctx: Context, args: argparse.Namespace) -> int:
    from kctui.lab import lab as labs

    print(labs.fault(labs.load(args.name), args.host, args.kind, args.arg))
    return 0


@_lab_errors
def run_packages(ctx: Context, args: argparse.Namespace) -> int:
    from pathlib import Path

    from kctui.lab.packages import build_packages

    out = Path(args.out) if args.out else ctx.data_dir / "lab-packages"
    for path in build_packages(out):
        print(path)
    return 0
