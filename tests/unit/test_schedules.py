"""Scheduled backups: their rules, next run times, and the scheduler with an injected clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.backups.scheduler import Scheduler
from engine.backups.schedules import ScheduleError, ScheduleService, next_times
from store.documents.cluster import Cluster, ClusterPhase
from store.settings import Settings
from store.store import Store

START = datetime(2026, 1, 30, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "data")
    cluster = Cluster.model_validate(
        {"metadata": {"name": "c1"}, "spec": {"masters": [{"node": "n1"}]}}
    )
    cluster.status.phase = ClusterPhase.INSTALL_FAILED
    s.clusters.add(cluster)
    return s


def test_cron_with_l_runs_on_the_last_day_of_each_month(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    times = next_times("0 1 L * *", START, 3)
    assert [t.date().isoformat() for t in times] == ["2026-01-31", "2026-02-28", "2026-03-31"]
    assert all(t.hour == 1 and t.minute == 0 for t in times)


def test_bad_input_is_refused_by_field(store: Store) -> None:
    service = ScheduleService(store, Clock(START))
    cases = [
        (dict(cron="0 3 * *", keep=3), "cron", "'0 3 * *': give five fields"),
        (dict(cron="0 0 3 * * *", keep=3), "cron", "'0 0 3 * * *': give five fields"),
        (dict(cron="0 3 * * *"), "keep", "give how many of its backups to keep (1 or more)"),
        (dict(cron="0 3 * * *", keep=0), "keep", "give how many"),
        (dict(at="2026-01-30T11:00+00:00"), "at", "'2026-01-30T11:00+00:00': that time has passed"),
        (dict(at="tomorrow"), "at", "'tomorrow': give a date and time such as"),
        (dict(at="2026-02-01T10:00+00:00", keep=2), "keep", "applies to repeating"),
        (dict(), "cron", "give either a cron schedule with how many backups to keep (repeat)"),
    ]
    for kwargs, field, message in cases:
        with pytest.raises(ScheduleError) as e:
            service.add("nightly", "c1", **kwargs)  # type: ignore[arg-type]
        (problem,) = e.value.problems
        assert problem.field == field and message in problem.message, problem
    with pytest.raises(ScheduleError, match="name 'Nightly!'"):
        service.add("Nightly!", "c1", cron="0 3 * * *", keep=1)
    assert store.cron_backups.list() == []


def test_a_once_schedule_cannot_change_after_it_ran(store: Store) -> None:
    clock = Clock(START)
    service = ScheduleService(store, clock)
    once = service.add("once", "c1", at="2026-01-30T12:05+00:00")
    assert once.next_run == START + timedelta(minutes=5)
    with pytest.raises(ScheduleError, match="only its time to run at can change"):
        service.edit("once", keep=3)
    clock.now = START + timedelta(minutes=6)
    asyncio.run(Scheduler(store, Settings(), clock).tick())
    with pytest.raises(ScheduleError) as e:
        service.edit("once", at="2026-02-01T00:00+00:00")
    assert "once already ran at 2026-01-30 12:06 UTC" in str(e.value)
    assert "cannot change after it ran" in str(e.value)


def test_a_run_while_the_cluster_is_not_running_is_skipped_and_recorded(store: Store) -> None:
    clock = Clock(START)
    ScheduleService(store, clock).add("hourly", "c1", cron="0 * * * *", keep=2)
    assert asyncio.run(Scheduler(store, Settings(), clock).tick()) == []  # not due yet
    clock.now = START + timedelta(hours=1, seconds=5)
    runs = asyncio.run(Scheduler(store, Settings(), clock).tick())
    assert [(r.result, r.message) for r in runs] == [("skipped", "cluster c1 is InstallFailed")]
    saved = store.cron_backups.get("hourly")
    assert saved.runs[-1].result == "skipped"
    assert saved.next_run == START + timedelta(hours=2)
    assert saved.lease_owner == "" and store.backups.list() == []


def test_a_run_missed_beyond_the_grace_period_is_recorded_not_run(store: Store) -> None:
    clock = Clock(START)
    ScheduleService(store, clock).add("once", "c1", at="2026-01-30T12:10+00:00")
    settings = Settings.model_validate({"scheduler": {"missedRunGraceSeconds": 60}})
    clock.now = START + timedelta(minutes=30)  # no scheduler ran at 12:10
    runs = asyncio.run(Scheduler(store, settings, clock).tick())
    assert [r.result for r in runs] == ["missed"]
    assert "more than 60 s ago" in runs[0].message
    assert store.cron_backups.get("once").next_run is None
    assert asyncio.run(Scheduler(store, settings, clock).tick()) == []


def test_of_two_schedulers_on_one_data_dir_one_claims_a_due_run(store: Store) -> None:
    clock = Clock(START)
    ScheduleService(store, clock).add("hourly", "c1", cron="0 * * * *", keep=2)
    clock.now = START + timedelta(hours=1)
    other = Store(store.data_dir)

    async def both() -> list[list[object]]:
        a = Scheduler(store, Settings(), clock, owner="a")
        b = Scheduler(other, Settings(), clock, owner="b")
        return list(await asyncio.gather(a.tick(), b.tick()))

    results = asyncio.run(both())
    assert sorted(len(r) for r in results) == [0, 1]
    assert len(store.cron_backups.get("hourly").runs) == 1


def test_cron_is_read_in_the_schedules_zone_across_daylight_saving(store: Store) -> None:
    clock = Clock(datetime(2026, 3, 27, 12, 0, tzinfo=UTC))
    s = ScheduleService(store, clock).add(
        "berlin", "c1", cron="30 2 * * *", keep=1, timezone="Europe/Berlin"
    )
    assert s.timezone == "Europe/Berlin"
    times = next_times(s.cron, clock.now, 3, s.timezone)
    # 02:30 CET is 01:30 UTC; on 29 March 02:30 does not exist (03:00 CEST); then 00:30 UTC
    assert [t.strftime("%m-%d %H:%M") for t in times] == [
        "03-28 01:30",
        "03-29 01:00",
        "03-30 00:30",
    ]


def test_a_cron_that_never_fires_and_an_unknown_zone_are_refused(store: Store) -> None:
    service = ScheduleService(store, Clock(START))
    with pytest.raises(ScheduleError, match="that time never comes"):
        service.add("never", "c1", cron="0 0 31 2 *", keep=1)
    with pytest.raises(ScheduleError, match="timezone 'Mars/Olympus': give a zone name"):
        service.add("mars", "c1", cron="0 0 * * *", keep=1, timezone="Mars/Olympus")
    assert store.cron_backups.list() == []
