"""Runs scheduled backups when due, in the TUI or in `kctui daemon`, one process per job.

A due job is claimed in one locked read-change-write of its document: the claim moves next_run
on and takes a lease, so of several schedulers on one data dir exactly one runs each due time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from datetime import datetime, timedelta

from engine.backups.schedules import Clock, following, utcnow
from engine.backups.service import BackupService
from engine.errors import RefusedError
from engine.execution.events import EventBus
from store.documents.backup import BackupState, CronBackup, CronRun
from store.documents.cluster import ClusterPhase
from store.errors import StoreError
from store.settings import Settings
from store.store import Store

KEEP_RUNS = 50  # run records kept per schedule
log = logging.getLogger("kctui.scheduler")


class _NotYours(Exception):
    """The job is not due, or another scheduler holds it."""


class Scheduler:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        clock: Clock = utcnow,
        bus: EventBus | None = None,
        owner: str = "",
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.bus = bus
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}"
        self._running: set[asyncio.Future[CronRun]] = set()

    def _claim(self, name: str, now: datetime) -> tuple[CronBackup, datetime] | None:
        lease = timedelta(seconds=self.settings.scheduler.lease_seconds)
        claimed: list[datetime] = []

        def take(s: CronBackup) -> None:
            if not s.enabled or s.next_run is None or s.next_run > now:
                raise _NotYours
            if s.lease_until and s.lease_until > now:  # still running (here or elsewhere)
                raise _NotYours
            claimed.append(s.next_run)
            s.lease_owner, s.lease_until = self.owner, now + lease
            s.last_run = now
            s.next_run = None if s.type == "once" else following(s, now)

        try:
            return self.store.cron_backups.update(name, take), claimed[0]
        except (_NotYours, StoreError):
            return None

    def _finish(self, name: str, run: CronRun) -> None:
        def record(s: CronBackup) -> None:
            s.runs = [*s.runs, run][-KEEP_RUNS:]
            if s.lease_owner == self.owner:
                s.lease_owner, s.lease_until = "", None

        with contextlib.suppress(StoreError):  # the schedule was deleted while it ran
            self.store.cron_backups.update(name, record)

    async def tick(self, wait: bool = True) -> list[CronRun]:
        """Run every job due now; returns what each did. With wait=False the runs go on in the
        background (a long backup must not hold up a job due meanwhile)."""
        now = self.clock()
        due = [
            s.name
            for s in self.store.cron_backups.list(
                lambda s: s.enabled and s.next_run is not None and s.next_run <= now
            )
        ]
        claims = [c for c in (self._claim(n, now) for n in due) if c is not None]
        tasks = [asyncio.ensure_future(self._run(s, at, now)) for s, at in claims]
        if not wait:
            self._running.update(tasks)
            for task in tasks:
                task.add_done_callback(self._running.discard)
            return []
        return list(await asyncio.gather(*tasks))

    async def _run(self, schedule: CronBackup, due: datetime, now: datetime) -> CronRun:
        grace = timedelta(seconds=self.settings.scheduler.missed_run_grace_seconds)
        if now - due > grace:
            run = CronRun(
                at=due,
                result="missed",
                message=f"no scheduler was running at {due:%Y-%m-%d %H:%M} UTC "
                f"(more than {grace.total_seconds():g} s ago)",
            )
        else:
            run = await self._backup(schedule, due)
        log.info("%s (cluster %s): %s %s", schedule.name, schedule.cluster, run.result, run.message)
        self._finish(schedule.name, run)
        return run

    async def _backup(self, schedule: CronBackup, due: datetime) -> CronRun:
        cluster = self.store.clusters.find(schedule.cluster)
        if cluster is None or cluster.status.phase != ClusterPhase.RUNNING:
            phase = cluster.status.phase.value if cluster else "gone"
            return CronRun(
                at=due, result="skipped", message=f"cluster {schedule.cluster} is {phase}"
            )
        service = BackupService(self.store, self.settings, self.bus)
        try:
            backup, op = await service.create(
                schedule.cluster, schedule.name, schedule=schedule.name
            )
        except (RefusedError, StoreError) as e:
            return CronRun(at=due, result="failed", message=str(e))
        if backup.state != BackupState.AVAILABLE:
            return CronRun(at=due, result="failed", backup=backup.name, message=op.error)
        message = ""
        if schedule.type == "repeat" and schedule.keep:
            message = await self._retain(service, schedule, schedule.keep)
        return CronRun(at=due, result="succeeded", backup=backup.name, message=message)

    async def _retain(self, service: BackupService, schedule: CronBackup, keep: int) -> str:
        """Delete the oldest available backups of the schedule beyond `keep`."""
        kept = sorted(
            self.store.backups.list(
                lambda b: (
                    b.schedule == schedule.name
                    and b.cluster == schedule.cluster
                    and b.state == BackupState.AVAILABLE
                )
            ),
            key=lambda b: (b.completed_at or b.created_at, b.created_at),
        )
        removed, problems = [], []
        for old in kept[: max(0, len(kept) - keep)]:
            try:
                await service.delete(old.name)
                removed.append(old.name)
            except (RefusedError, StoreError) as e:
                problems.append(str(e))
        parts = [f"deleted {', '.join(removed)} (keep {keep})"] if removed else []
        return "; ".join(parts + problems)

    async def run_forever(self, stop: asyncio.Event) -> None:
        poll = self.settings.scheduler.poll_seconds
        log.info("scheduler %s started (every %g s)", self.owner, poll)
        while not stop.is_set():
            try:
                await self.tick(wait=False)
            except Exception:  # one bad tick must not end the daemon
                log.exception("scheduler tick failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll)
        if self._running:
            log.info("finishing %d running backup(s) before stopping", len(self._running))
            await asyncio.gather(*self._running, return_exceptions=True)
        log.info("scheduler %s stopped", self.owner)
