"""Add or edit a scheduled backup: daily, weekly, monthly or custom cron, or once; the next
three run times are shown as the fields change."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Input, Label, Select, Static

from screens.forms import FormScreen, problem_text

if TYPE_CHECKING:
    from store.documents.backup import CronBackup
    from store.store import Store

KINDS = [
    ("Daily at a time", "daily"),
    ("Weekly on a day", "weekly"),
    ("Monthly on a day (L = last day)", "monthly"),
    ("Custom cron (5 fields)", "custom"),
    ("Once, at a date and time", "once"),
]
WEEKDAYS = [
    (d, str(i))
    for i, d in enumerate(
        ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    )
]


def cron_for(kind: str, hhmm: str, weekday: str, day: str, custom: str) -> str:
    """The cron expression a helper stands for; raises ValueError naming the bad field."""
    if kind == "custom":
        return custom.strip()
    try:
        hour, minute = (int(x) for x in hhmm.strip().split(":"))
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise ValueError
    except ValueError:
        raise ValueError(f"time {hhmm!r}: give HH:MM, e.g. 02:30") from None
    if kind == "daily":
        return f"{minute} {hour} * * *"
    if kind == "weekly":
        return f"{minute} {hour} * * {weekday}"
    day = day.strip().upper()
    if day != "L" and not (day.isdigit() and 1 <= int(day) <= 31):
        raise ValueError(f"day {day!r}: give 1 to 31, or L for the last day of the month")
    return f"{minute} {hour} {day} * *"


class ScheduleForm(FormScreen):
    DEFAULT_CSS = "ScheduleForm #sched-next { color: $text-muted; height: auto; }"
    BINDINGS = [Binding("ctrl+s", "save", "Save", id="schedule.save")]

    def __init__(self, store: Store, cluster: str, current: CronBackup | None = None) -> None:
        super().__init__()
        self.store = store
        self.cluster = cluster
        self.current = current

    FIELDS: ClassVar[dict[str, tuple[str, str]]] = {
        "name": ("Name", "sched-name"),
        "cron": ("Cron", "sched-cron"),
        "at": ("Once at", "sched-at"),
        "keep": ("Keep", "sched-keep"),
        "timezone": ("Time zone", "sched-time"),
    }

    def compose(self) -> ComposeResult:
        c = self.current
        kind = "custom" if c and c.type == "repeat" else ("once" if c else "daily")
        with VerticalScroll():
            yield Static(
                (f"Edit schedule {c.name}" if c else f"Schedule backups of {self.cluster}")
                + " (ctrl+s saves, esc cancels)",
                classes="section-title",
            )
            yield Label("Name *")
            yield Input(c.name if c else "", id="sched-name", disabled=c is not None)
            yield Label("Repeat")
            options = [k for k in KINDS if (k[1] == "once") == (kind == "once")] if c else KINDS
            yield Select(options, value=kind, allow_blank=False, id="sched-kind")
            yield Label("Time (HH:MM, local time)")
            yield Input("02:00", id="sched-time")
            yield Label("Day of week (weekly)")
            yield Select(WEEKDAYS, value="0", allow_blank=False, id="sched-weekday")
            yield Label("Day of month (monthly): 1-31 or L")
            yield Input("1", id="sched-day")
            yield Label("Cron (custom)")
            yield Input(c.cron if c else "", id="sched-cron", placeholder="30 2 * * *")
            yield Label("Once at (YYYY-MM-DDTHH:MM, local time)")
            at = c.run_at.astimezone().strftime("%Y-%m-%dT%H:%M") if c and c.run_at else ""
            yield Input(at, id="sched-at")
            yield Label("Keep the newest N backups (repeat)")
            yield Input(str(c.keep) if c and c.keep else "7", id="sched-keep")
            yield Static("", id="sched-next")
            yield Static("", id="sched-error", classes="form-error")

    def on_mount(self) -> None:
        self.query_one("#sched-time" if self.current else "#sched-name", Input).focus()
        self.preview()

    def on_input_changed(self) -> None:
        self.preview()

    def on_select_changed(self) -> None:
        self.preview()

    def _v(self, field: str) -> str:
        return self.query_one(f"#sched-{field}", Input).value.strip()

    def _kind(self) -> str:
        return str(self.query_one("#sched-kind", Select).value)

    def cron(self) -> str:
        return cron_for(
            self._kind(),
            self._v("time"),
            str(self.query_one("#sched-weekday", Select).value),
            self._v("day"),
            self._v("cron"),
        )

    def preview(self) -> None:
        from engine.backups.schedules import ScheduleError, check_cron, next_times, utcnow

        line = self.query_one("#sched-next", Static)
        if self._kind() == "once":
            line.update("")
            return
        try:
            zone = self.current.timezone if self.current else ""
            times = next_times(check_cron(self.cron()), utcnow(), 3, zone)
        except ScheduleError as e:
            line.update("\n".join(problem_text(p, self.FIELDS) for p in e.problems) or str(e))
            return
        except ValueError as e:
            line.update(str(e))
            return
        line.update(
            f"cron {self.cron()}; next runs: "
            + ", ".join(t.astimezone().strftime("%a %Y-%m-%d %H:%M") for t in times)
        )

    def action_save(self) -> None:
        from engine.backups.schedules import ScheduleError, ScheduleService

        once = self._kind() == "once"
        try:
            cron = "" if once else self.cron()
            keep_text = self._v("keep")
            if not once and not keep_text.isdigit():
                raise ValueError("keep: give a whole number, 1 or more")
            keep = None if once else int(keep_text)
            service = ScheduleService(self.store)
            at = self._v("at") if once else ""
            if self.current is None:
                service.add(self._v("name"), self.cluster, cron, keep, at)
            else:
                service.edit(self.current.name, cron, keep, at)
        except ScheduleError as e:
            if e.problems:
                self.show_problems(e.problems)
            else:
                self.show_error(str(e))
            return
        except ValueError as e:
            self.show_error(str(e))
            return
        self.dismiss(True)
