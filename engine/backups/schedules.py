"""Scheduled backups: repeating (5-field cron, keep N) or once, and when each runs next."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterError, croniter

from engine.errors import Problem, RefusedError
from store.documents.backup import CronBackup
from store.store import Store

NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$")
Clock = Callable[[], datetime]
CRON_HELP = (
    'five fields "MINUTE HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK", e.g. "30 2 * * *" (daily at '
    '02:30), "0 3 * * 0" (Sundays at 03:00), "0 1 L * *" (the last day of each month at 01:00)'
)


class ScheduleError(RefusedError):
    """The schedule is refused; the message names the field and the fix."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def check_cron(expr: str) -> str:
    expr = " ".join(expr.split())
    if len(expr.split(" ")) != 5 or not croniter.is_valid(expr):
        raise ScheduleError(problems=[Problem("cron", f"{expr!r}: give {CRON_HELP}")])
    try:
        croniter(expr, utcnow()).get_next(datetime)
    except CroniterError:
        raise ScheduleError(
            problems=[Problem("cron", f"{expr!r}: that time never comes (e.g. 31 February)")]
        ) from None
    return expr


def local_zone() -> str:
    """The jump host's time zone by name (TZ, else /etc/localtime), so that a schedule means the
    same to the TUI, the CLI and a daemon started by systemd, across daylight-saving changes."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append(os.readlink("/etc/localtime").partition("zoneinfo/")[2])
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text().strip())
    for name in candidates:
        with contextlib.suppress(ValueError, ZoneInfoNotFoundError):
            if name:
                ZoneInfo(name)
                return name
    return "UTC"


def check_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        raise ScheduleError(
            problems=[Problem("timezone", f"{name!r}: give a zone name such as Europe/Berlin")]
        ) from None
    return name


def next_times(expr: str, after: datetime, count: int = 1, zone: str = "") -> list[datetime]:
    """The next run times of a cron expression read in `zone` (default: the jump host's)."""
    it = croniter(expr, after.astimezone(ZoneInfo(zone or local_zone())))
    return [it.get_next(datetime).astimezone(UTC) for _ in range(count)]


def parse_at(text: str, now: datetime) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise ScheduleError(
            problems=[
                Problem(
                    "at",
                    f"{text!r}: give a date and time such as 2026-12-24T23:00 (local time) "
                    "or 2026-12-24T22:00+00:00",
                )
            ]
        ) from None
    at = at.astimezone(UTC)  # a naive time is local time
    if at <= now:
        raise ScheduleError(
            problems=[Problem("at", f"{text!r}: that time has passed; give a time in the future")]
        )
    return at


def following(schedule: CronBackup, now: datetime) -> datetime | None:
    """When the schedule runs next, seen at `now`."""
    if not schedule.enabled:
        return None
    if schedule.type == "once":
        return schedule.run_at if schedule.last_run is None else None
    return next_times(schedule.cron, now, zone=schedule.timezone)[0]


class ScheduleService:
    def __init__(self, store: Store, clock: Clock = utcnow) -> None:
        self.store = store
        self.clock = clock

    def add(
        self,
        name: str,
        cluster: str,
        cron: str = "",
        keep: int | None = None,
        at: str = "",
        timezone: str = "",
    ) -> CronBackup:
        if not NAME_RE.match(name):
            raise ScheduleError(
                problems=[
                    Problem("name", f"{name!r}: use 1 to 40 lowercase letters, digits and '-'")
                ]
            )
        if self.store.cron_backups.exists(name):
            raise ScheduleError(
                problems=[Problem("name", f"{name!r}: a scheduled backup with that name exists")]
            )
        self.store.clusters.get(cluster)
        now = self.clock()
        if bool(cron) == bool(at):
            raise ScheduleError(
                problems=[
                    Problem(
                        "cron",
                        "give either a cron schedule with how many backups to keep (repeat), "
                        "or one time to run at (once)",
                    )
                ]
            )
        if cron:
            if keep is None or keep < 1:
                raise ScheduleError(
                    problems=[
                        Problem(
                            "keep",
                            "give how many of its backups to keep (1 or more); older ones are "
                            "deleted",
                        )
                    ]
                )
            schedule = CronBackup(
                name=name,
                cluster=cluster,
                type="repeat",
                cron=check_cron(cron),
                keep=keep,
                timezone=check_zone(timezone) if timezone else local_zone(),
            )
        else:
            if keep is not None:
                raise ScheduleError(
                    problems=[Problem("keep", "applies to repeating (cron) schedules only")]
                )
            schedule = CronBackup(name=name, cluster=cluster, type="once", run_at=parse_at(at, now))
        schedule.next_run = following(schedule, now)
        return self.store.cron_backups.add(schedule)

    def edit(self, name: str, cron: str = "", keep: int | None = None, at: str = "") -> CronBackup:
        current = self.store.cron_backups.get(name)
        now = self.clock()
        if current.type == "repeat" and at:
            raise ScheduleError(
                problems=[Problem("at", f"{name} repeats; a time to run at is for once-only ones")]
            )
        if current.type == "once" and (cron or keep is not None):
            raise ScheduleError(
                problems=[Problem("cron", f"{name} runs once; only its time to run at can change")]
            )
        if current.type == "once" and current.last_run is not None:
            raise ScheduleError(
                f"{name} already ran at {current.last_run:%Y-%m-%d %H:%M} UTC; a once-only "
                "schedule cannot change after it ran (add a new one)"
            )
        if keep is not None and keep < 1:
            raise ScheduleError(problems=[Problem("keep", "give 1 or more")])
        checked_cron = check_cron(cron) if cron else ""
        run_at = parse_at(at, now) if at else None

        def change(s: CronBackup) -> None:
            s.cron = checked_cron or s.cron
            s.keep = s.keep if keep is None else keep
            s.run_at = run_at or s.run_at
            s.next_run = following(s, now)

        return self.store.cron_backups.update(name, change)

    def set_enabled(self, name: str, enabled: bool) -> CronBackup:
        now = self.clock()

        def change(s: CronBackup) -> None:
            s.enabled = enabled
            s.next_run = following(s, now)

        return self.store.cron_backups.update(name, change)

    def delete(self, name: str) -> None:
        self.store.cron_backups.get(name)
        self.store.cron_backups.delete(name)

    def delete_for_cluster(self, cluster: str) -> None:
        for s in self.store.cron_backups.list(lambda s: s.cluster == cluster):
            self.store.cron_backups.delete(s.name)
