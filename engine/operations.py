"""The engine's domains put together: one table of every local action, and one entry that runs
any stored operation (a retry, `operation run`, a scheduled backup) with the service that owns
its type."""

from __future__ import annotations

from engine.backups.actions import ACTIONS as BACKUP_ACTIONS
from engine.backups.service import BackupService
from engine.clusters.actions import ACTIONS as CLUSTER_ACTIONS
from engine.clusters.service import ClusterService
from engine.execution.actions import BUILTIN, Actions
from engine.execution.events import EventBus
from store.documents.operation import Operation
from store.settings import Settings
from store.store import Store

ACTIONS: Actions = {**BUILTIN, **CLUSTER_ACTIONS, **BACKUP_ACTIONS}


async def run(
    store: Store, settings: Settings, op: Operation, bus: EventBus | None = None
) -> Operation:
    """Run `op` to its end; backups and restores also settle their backup's state."""
    if op.type in ("backup", "restore"):
        return await BackupService(store, settings, bus).run(op)
    return await ClusterService(store, settings, bus).run(op)
