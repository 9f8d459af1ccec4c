"""`kctui doctor`: what is wrong with the data dir, found without changing it."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from kctui.cli.common import add_command
from kctui.cli.context import Context
from kctui.cli.output import print_json, print_table


def register(sub: Any) -> None:
    p = add_command(
        sub,
        "doctor",
        "check the data dir: modes, secret key, unreadable secrets, damaged documents, "
        "operations whose process is gone (exit 1 when something is wrong)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=run)


def run(ctx: Context, args: argparse.Namespace) -> int:
    from engine.doctor import examine

    report = examine(ctx.store)
    ctx.store.take_damaged()  # each is a finding here: no "skipped" line for it as well
    if args.json:
        print_json(dataclasses.asdict(report))
    elif report.findings:
        print_table(
            ["CHECK", "SUBJECT", "PROBLEM", "FIX"],
            [(f.check, f.subject, f.problem, f.fix) for f in report.findings],
        )
    else:
        print(
            f"{ctx.store.data_dir}: no problems in {report.documents} documents, "
            f"{report.operations} operations and {report.secrets} secrets"
        )
    return 1 if report.findings else 0
