"""The engine's domains put together: one table of every local action, and one entry that runs
any stored operation (a retry, `operation run`, a scheduled backup) with the service that owns
its type."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from engine.backups.actions import ACTIONS as BACKUP_ACTIONS
from engine.backups.service import BackupService
from engine.clusters.actions import ACTIONS as CLUSTER_ACTIONS
from engine.clusters.service import ClusterService
from engine.execution.actions import BUILTIN, Actions
from engine.execution.events import EventBus
from engine.execution.locks import recover_interrupted
from engine.execution.runner import OperationError, prepare_retry
from engine.registries.service import PHASES as REGISTRY_PHASES
from engine.registries.service import RegistryService
from store.documents.operation import Operation, OperationStatus
from store.errors import StoreError
from store.settings import Settings, SettingsError, load_settings
from store.store import Store

ACTIONS: Actions = {**BUILTIN, **CLUSTER_ACTIONS, **BACKUP_ACTIONS}
NOT_RUN = ("pending", "skipped")


async def run(
    store: Store, settings: Settings, op: Operation, bus: EventBus | None = None
) -> Operation:
    """Run `op` to its end; backups and restores also settle their backup's state, registry
    deploys their registry's."""
    if op.type in ("backup", "restore"):
        return await BackupService(store, settings, bus).run(op)
    if op.type in REGISTRY_PHASES:
        return await RegistryService(store, settings, bus).run(op)
    return await ClusterService(store, settings, bus).run(op)


def recover(store: Store) -> list[str]:
    """Mark every `running` operation whose process died as interrupted, and settle what it
    left busy (the cluster's phase, the backup's state) as its failure; their ids."""
    found = recover_interrupted(store)
    for op_id in found:
        op = store.operations.get(op_id)
        if op.type in ("backup", "restore"):
            BackupService(store, Settings()).settle(op)
        elif op.type in REGISTRY_PHASES:
            RegistryService(store, Settings()).settle(op)
        else:
            ClusterService(store, Settings()).settle(op)
    return found


def retry(store: Store, op_id: str) -> Operation:
    """The operation `op_id` made ready to resume (its failed, cancelled or interrupted tasks
    run again): only the latest operation of a cluster, so an older one never undoes a newer,
    and not one whose rescue steps rolled it back (a failed restore put the old data back)."""
    recover(store)  # a `running` operation whose process died resumes too
    op = store.operations.get(op_id)
    if op.cluster:
        latest = store.operations.list(lambda o: o.cluster == op.cluster)[-1]
        if latest.id != op.id:
            raise OperationError(
                f"only the latest operation of cluster {op.cluster} can be retried: {latest.id}"
            )
    rolled_back = [s.name for s in op.steps if s.rescue and s.status.value not in NOT_RUN]
    if rolled_back:
        again = (
            f"restore {op.params.get('backup', 'the backup')} to {op.cluster} again"
            if op.type == "restore"
            else "start it again"
        )
        raise OperationError(
            f"operation {op.id} was rolled back after its failure ({', '.join(rolled_back)} "
            f"ran), so it cannot resume; {again}"
        )
    return prepare_retry(op)


def retry_latest(store: Store, cluster: str) -> Operation:
    """The latest operation of `cluster`, made ready to resume."""
    store.clusters.get(cluster)
    ops = store.operations.list(lambda o: o.cluster == cluster)
    if not ops:
        raise OperationError(f"cluster {cluster} has no operation")
    return retry(store, ops[-1].id)


def main(argv: list[str] | None = None) -> int:
    """`python -m engine.operations --data-dir DIR OP`: what execution.detached.launch runs."""
    parser = argparse.ArgumentParser(prog="python -m engine.operations")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("op")
    args = parser.parse_args(argv)
    store = Store(args.data_dir)
    try:
        settings = load_settings(args.data_dir)
        op = store.operations.get(args.op)
        done = asyncio.run(run(store, settings, op))
    except (OperationError, StoreError, SettingsError) as e:
        print(f"kctui: error: {e}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"operation {done.id}: {done.status.value}" + (f": {done.error}" if done.error else ""))
    return 0 if done.status == OperationStatus.SUCCEEDED else 1


if __name__ == "__main__":
    sys.exit(main())
