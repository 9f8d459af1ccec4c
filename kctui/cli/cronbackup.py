"""`kctui cronbackup ...`: scheduled backups (cron with retention, or once) of a cluster."""

from __future__ import annotations

import argparse
from typing import Any

from kctui.cli.common import add_command
from kctui.cli.context import CliError, Context
from kctui.cli.output import print_json, print_table

# The command line's names for the fields its problems name.
FLAGS = {"cron": "--cron", "keep": "--keep", "at": "--at", "timezone": "--timezone"}


def register(sub: Any) -> None:
    c = sub.add_parser("cronbackup", help="scheduled backups: cron with keep N, or once")
    verbs = c.add_subparsers(dest="verb", metavar="VERB", required=True)
    p = add_command(verbs, "add", "schedule backups of a cluster")
    p.add_argument("name")
    p.add_argument("--cluster", required=True)
    p.add_argument("--cron", default="", help='5 fields, e.g. "30 2 * * *"; L = last day of month')
    p.add_argument("--keep", type=int, help="backups of this schedule to keep (repeat)")
    p.add_argument("--at", default="", help="once, at this time (ISO 8601; local time if no zone)")
    p.add_argument(
        "--timezone", default="", help="zone the cron fields are read in (default: this host's)"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_add, flags=FLAGS)
    p = add_command(verbs, "list", "list scheduled backups")
    p.add_argument("--cluster", default="")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_list)
    p = add_command(verbs, "show", "show a scheduled backup and its last runs")
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_show)
    p = add_command(verbs, "edit", "change the time (and keep) of a schedule")
    p.add_argument("name")
    p.add_argument("--cron", default="")
    p.add_argument("--keep", type=int)
    p.add_argument("--at", default="")
    p.set_defaults(handler=run_edit, flags=FLAGS)
    for verb, help in (("enable", "resume a schedule"), ("disable", "pause a schedule")):
        p = add_command(verbs, verb, help)
        p.add_argument("name")
        p.set_defaults(handler=run_enable if verb == "enable" else run_disable)
    p = add_command(verbs, "delete", "delete a schedule (its backups stay)")
    p.add_argument("name")
    p.add_argument("--yes", action="store_true", help="confirm")
    p.set_defaults(handler=run_delete)


def _service(ctx: Context) -> Any:
    from engine.backups.schedules import ScheduleService

    return ScheduleService(ctx.store)


def _when(value: Any) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M %Z") if value else "-"


def _dump(s: Any) -> dict[str, Any]:
    data: dict[str, Any] = s.model_dump(mode="json", by_alias=True)
    return data


def _last(s: Any) -> str:
    if not s.runs:
        return "-"
    run = s.runs[-1]
    return f"{run.result} {_when(run.at)}"


def run_add(ctx: Context, args: argparse.Namespace) -> int:
    s = _service(ctx).add(args.name, args.cluster, args.cron, args.keep, args.at, args.timezone)
    if args.json:
        print_json(_dump(s))
    else:
        print(f"scheduled {s.name} for {s.cluster}; next run {_when(s.next_run)}")
    return 0


def run_list(ctx: Context, args: argparse.Namespace) -> int:
    items = ctx.store.cron_backups.list(lambda s: not args.cluster or s.cluster == args.cluster)
    if args.json:
        print_json([_dump(s) for s in items])
        return 0
    print_table(
        ["NAME", "CLUSTER", "WHEN", "KEEP", "ENABLED", "NEXT RUN", "LAST RUN"],
        [
            (
                s.name,
                s.cluster,
                s.cron if s.type == "repeat" else f"once {_when(s.run_at)}",
                s.keep or "-",
                "yes" if s.enabled else "no",
                _when(s.next_run),
                _last(s),
            )
            for s in items
        ],
    )
    return 0


def run_show(ctx: Context, args: argparse.Namespace) -> int:
    from engine.backups.schedules import next_times, utcnow

    s = ctx.store.cron_backups.get(args.name)
    if args.json:
        print_json(_dump(s))
        return 0
    when = (
        f"cron {s.cron} ({s.timezone}), keep {s.keep}"
        if s.type == "repeat"
        else f"once at {_when(s.run_at)}"
    )
    print(f"{s.name} (cluster {s.cluster}): {when}, {'enabled' if s.enabled else 'disabled'}")
    if s.type == "repeat" and s.enabled:
        times = next_times(s.cron, utcnow(), 3, s.timezone)
        print("next runs: " + ", ".join(_when(t) for t in times))
    for run in s.runs[-10:]:
        extra = " ".join(x for x in (run.backup, run.message) if x)
        print(f"  {_when(run.at)}  {run.result}  {extra}")
    return 0


def run_edit(ctx: Context, args: argparse.Namespace) -> int:
    if not (args.cron or args.at or args.keep is not None):
        raise CliError("nothing to change: give --cron, --keep or --at")
    s = _service(ctx).edit(args.name, args.cron, args.keep, args.at)
    print(f"{s.name}: next run {_when(s.next_run)}")
    return 0


def run_enable(ctx: Context, args: argparse.Namespace) -> int:
    s = _service(ctx).set_enabled(args.name, True)
    print(f"{s.name} enabled; next run {_when(s.next_run)}")
    return 0


def run_disable(ctx: Context, args: argparse.Namespace) -> int:
    s = _service(ctx).set_enabled(args.name, False)
    print(f"{s.name} disabled")
    return 0


def run_delete(ctx: Context, args: argparse.Namespace) -> int:
    ctx.store.cron_backups.get(args.name)
    if not args.yes:
        raise CliError(f"deleting schedule {args.name} stops its backups; pass --yes to confirm")
    _service(ctx).delete(args.name)
    print(f"deleted schedule {args.name} (its backups are kept)")
    return 0
