"""`kctui cluster certs CLUSTER` and `kctui cluster certs renew CLUSTER --yes`: the control
plane's certificates, their expiry at a glance, and their renewal."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from kctui.cli.common import add_command
from kctui.cli.context import CliError, Context
from kctui.cli.operation import start_or_wait
from kctui.cli.output import print_json, print_table


def register(verbs: Any) -> None:
    p = add_command(
        verbs, "certs", "the control plane's certificates and days left; `certs renew` renews them"
    )
    p.add_argument("words", nargs="+", metavar="[renew] CLUSTER")
    p.add_argument("--json", action="store_true")
    p.add_argument("--yes", action="store_true", help="renew: confirm")
    p.add_argument("--wait", action="store_true", help="renew: follow it to its end")
    p.set_defaults(handler=run_certs)


def run_certs(ctx: Context, args: argparse.Namespace) -> int:
    words = list(args.words)
    if len(words) == 2 and words[0] == "renew":
        return _renew(ctx, words[1], args)
    if len(words) != 1:
        raise CliError("give CLUSTER, or renew CLUSTER")
    from engine.clusters.certs import refresh
    from engine.clusters.expiry import WARN_DAYS

    cluster = ctx.store.clusters.get(words[0])
    certs = asyncio.run(refresh(ctx.store, ctx.settings, cluster))
    if args.json:
        print_json(
            [
                {
                    "node": c.node,
                    "name": c.name,
                    "authority": c.authority,
                    "expires": c.expires.isoformat(),
                    "daysLeft": c.days_left,
                }
                for c in certs
            ]
        )
        return 0

    def left(days: int) -> str:
        if days < 0:
            return "EXPIRED"
        return f"{days}" + ("  (renew soon)" if days < WARN_DAYS else "")

    print_table(
        ["NODE", "CERTIFICATE", "CA", "EXPIRES", "DAYS LEFT"],
        [
            (c.node, c.name, c.authority or "-", f"{c.expires:%Y-%m-%d %H:%M}", left(c.days_left))
            for c in certs
        ],
    )
    return 0


def _renew(ctx: Context, name: str, args: argparse.Namespace) -> int:
    from engine.clusters.certs import plan_renew

    if not args.yes:
        raise CliError(
            f"renewing the certificates of {name} restarts its control plane; pass --yes"
        )
    op = plan_renew(ctx.store, ctx.store.clusters.get(name))
    ctx.store.operations.add(op)
    return start_or_wait(ctx, op, args.wait)
