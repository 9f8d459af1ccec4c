"""Who runs an operation: an flock on <op>/owner.lock, held by the running process only.

A lock that can be taken means its owner is gone, so a `running` operation found that way was
cut off (kctui killed, machine rebooted) and becomes `interrupted`.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from store.documents.operation import Operation, OperationStatus, TaskStatus
from store.store import Store

LOCK = "owner.lock"
INTERRUPTED = "the kctui process running it stopped"


class OwnerLock:
    def __init__(self, op_dir: Path) -> None:
        self.path = op_dir / LOCK
        self._fd: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        # who holds it, for `ps` and `kctui doctor`; the flock, not this, is the truth
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def owner_alive(op_dir: Path) -> bool:
    probe = OwnerLock(op_dir)
    if probe.acquire():
        probe.release()
        return False
    return True


def mark_interrupted(op: Operation) -> Operation:
    op.status = OperationStatus.INTERRUPTED
    op.error = op.error or INTERRUPTED
    for step in op.steps:
        if step.status == TaskStatus.RUNNING:
            step.status = TaskStatus.CANCELLED
        for task in step.tasks:
            if task.status == TaskStatus.RUNNING:
                task.status = TaskStatus.CANCELLED
                task.reason = INTERRUPTED
    return op


def recover_interrupted(store: Store) -> list[str]:
    """Mark every `running` operation whose owner is gone as `interrupted`; return their ids."""
    found = []
    for op in store.operations.list(lambda o: o.status == OperationStatus.RUNNING):
        lock = OwnerLock(store.operations.dir(op.id))
        if not lock.acquire():
            continue
        try:
            current = store.operations.get(op.id)
            if current.status == OperationStatus.RUNNING:
                store.operations.save(mark_interrupted(current))
                found.append(op.id)
        finally:
            lock.release()
    return found


def running_for_cluster(store: Store, cluster: str, exclude: str = "") -> Operation | None:
    if not cluster:
        return None
    for op in store.operations.list(
        lambda o: o.cluster == cluster and o.status == OperationStatus.RUNNING and o.id != exclude
    ):
        if owner_alive(store.operations.dir(op.id)):
            return op
    return None
