"""etcd backups of a cluster: take one, list, describe, delete, and restore one."""

from __future__ import annotations

import asyncio
import re
import secrets
import shlex
from collections.abc import Sequence
from datetime import timedelta

import asyncssh

from engine.backups import s3
from engine.backups.actions import ACTIONS, object_key
from engine.backups.plan import KUBELET_ACTIVE, plan_backup, plan_restore, snapshot_path
from engine.backups.points import BackupPointService
from engine.errors import Problem, RefusedError
from engine.execution.detached import run_detached
from engine.execution.events import EventBus
from engine.execution.locks import owner_alive, running_for_cluster
from engine.execution.runner import OperationError, Runner, now
from engine.ssh.connection import SSHError, connect
from engine.ssh.hostkeys import HostKeyError, KnownHosts
from engine.ssh.pool import connect_first
from store.documents.backup import Backup, BackupState
from store.documents.cluster import Cluster, ClusterPhase
from store.documents.operation import Operation, OperationStatus
from store.settings import Settings
from store.store import Store

NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$")
DEFAULT_NAME = "manual"
RESTORABLE = (ClusterPhase.RUNNING, ClusterPhase.RESTORE_FAILED)
STARTS_WITHIN = timedelta(minutes=2)  # a prepared operation not started by then was abandoned


class BackupError(RefusedError):
    """The backup or restore is refused; the message says why and what to do."""


def size_text(n: int) -> str:
    """A snapshot's size as people read it: 512 B, 3.0 MiB."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(n)


def node_set(cluster: Cluster) -> dict[str, str]:
    return {n.ip: n.hostname for n in cluster.status.nodes}


class BackupService:
    def __init__(self, store: Store, settings: Settings, bus: EventBus | None = None) -> None:
        self.store = store
        self.settings = settings
        self.bus = bus

    # -- reachability -------------------------------------------------------------------

    async def _ready_for_restore(self, node_name: str) -> str:
        """ "" when the node answers over SSH and its kubelet runs (only it stops etcd), else why not."""
        node = self.store.nodes.get(node_name)
        try:
            conn = await connect(node, KnownHosts(self.store.known_hosts), self.settings.ssh)
        except (SSHError, HostKeyError, OSError) as e:
            return f"{node_name}: {e}"
        try:
            code, _, _ = await conn.run(KUBELET_ACTIVE, time_limit=30)
        except (SSHError, OSError, asyncssh.Error) as e:
            return f"{node_name}: {e}"
        finally:
            await conn.close()
        return (
            ""
            if code == 0
            else f"{node_name}: the kubelet is not running (systemctl start kubelet)"
        )

    async def _first_reachable(self, cluster: Cluster) -> str:
        masters = [m.node for m in cluster.spec.masters]
        try:
            conn = await connect_first(self.store, self.settings.ssh, masters)
        except SSHError as e:
            raise BackupError(
                f"no control-plane node of {cluster.name} is reachable: {e}"
            ) from None
        await conn.close()
        return conn.node.name

    def _not_busy(self, cluster: str) -> None:
        busy = running_for_cluster(self.store, cluster)
        if busy is not None:
            raise BackupError(
                f"cluster {cluster} is busy with operation {busy.id} ({busy.type}); wait for it "
                f"or cancel it: kctui operation cancel {busy.id}"
            )

    # -- backups ------------------------------------------------------------------------

    async def prepare(
        self, cluster_name: str, name: str = "", description: str = "", schedule: str = ""
    ) -> tuple[Backup, Operation]:
        """Check, record the backup as `creating` and store its operation (not run yet)."""
        cluster = self.store.clusters.get(cluster_name)
        name = name or DEFAULT_NAME
        if not NAME_RE.match(name):
            raise BackupError(
                problems=[
                    Problem(
                        "name",
                        f"{name!r}: use 1 to 40 lowercase letters, digits and '-' (the backup "
                        f"is called {cluster_name}-<name>-<6 random characters>)",
                    )
                ]
            )
        if cluster.status.phase != ClusterPhase.RUNNING:
            raise BackupError(
                f"cluster {cluster_name} is {cluster.status.phase.value}; a backup needs it Running"
            )
        self._not_busy(cluster_name)
        if not cluster.spec.backup_point:
            raise BackupError(f"cluster {cluster_name} has no backup point; attach one to it first")
        point = self.store.backup_points.get(cluster.spec.backup_point)
        await BackupPointService(self.store, self.settings).check_fs_path(
            point.name, cluster_name, reachable_only=True
        )
        source = await self._first_reachable(cluster)
        backup = Backup(
            name=f"{cluster_name}-{name}-{secrets.token_hex(3)}",
            cluster=cluster_name,
            backup_point=point.name,
            description=description,
            kubernetes_version=cluster.status.kubernetes_version,
            nodes=node_set(cluster),
            source_node=source,
            schedule=schedule,
        )
        op = plan_backup(cluster, backup, point)
        # Where the snapshot goes, known from the start: deleting a backup that failed or was
        # cut off also removes whatever of it got there.
        backup.location = (
            object_key(backup) if point.s3 is not None else snapshot_path(point, backup.name)
        )
        backup.operation = op.id
        self.store.backups.add(backup)
        self.store.operations.add(op)
        return backup, op

    async def create(
        self, cluster_name: str, name: str = "", description: str = "", schedule: str = ""
    ) -> tuple[Backup, Operation]:
        backup, op = await self.prepare(cluster_name, name, description, schedule)
        done = await self.start(op)
        return self.store.backups.get(backup.name), done

    async def start(self, op: Operation) -> Operation:
        """Run a backup or restore in a process of its own and follow it to its end."""
        return await run_detached(self.store, op, self.bus)

    async def run(self, op: Operation) -> Operation:
        """Run a backup or restore in this process and settle the backup's and cluster's
        state: what the operation's own process does."""
        try:
            done = await Runner(self.store, self.settings, self.bus, ACTIONS).run(op)
        except OperationError as e:  # another operation got to the cluster first
            op.status, op.error = OperationStatus.CANCELLED, str(e)
            self.store.operations.save(op)
            if op.type == "backup":  # a restore's states belong to the one that is running
                self.settle(op)
            raise
        self.settle(done)
        return done

    def settle(self, op: Operation) -> None:
        name = str(op.params.get("backup", ""))
        if not name or not self.store.backups.exists(name):
            return
        ok = op.status == OperationStatus.SUCCEEDED
        if op.type == "backup" and not ok:

            def failed(b: Backup) -> None:
                if b.state == BackupState.CREATING:
                    b.state, b.error = BackupState.ERROR, op.error or op.status.value

            self.store.backups.update(name, failed)
        if op.type == "restore":
            self.store.backups.update(name, lambda b: setattr(b, "state", BackupState.AVAILABLE))
            if self.store.clusters.exists(op.cluster):

                def phase(c: Cluster) -> None:
                    c.status.phase = ClusterPhase.RUNNING if ok else ClusterPhase.RESTORE_FAILED
                    c.status.message = "" if ok else op.error
                    c.status.last_operation = op.id

                self.store.clusters.update(op.cluster, phase)

    def reconcile(self) -> None:
        """A backup or restore whose process died mid-way: the backup ends `error` (a
        half-made backup is never `available`), a restore's cluster ends RestoreFailed."""
        for b in self.store.backups.list(
            lambda b: b.state in (BackupState.CREATING, BackupState.RESTORING)
        ):
            op = self.store.operations.find(b.operation) if b.operation else None
            if op is None:
                continue
            if op.status == OperationStatus.PENDING and now() - op.created_at < STARTS_WITHIN:
                continue  # about to be run by the process that made it
            if op.status == OperationStatus.RUNNING and owner_alive(
                self.store.operations.dir(op.id)
            ):
                continue
            if op.status == OperationStatus.PENDING:
                op.status = OperationStatus.INTERRUPTED
                op.error = "the kctui process that made it stopped before running it"
                self.store.operations.save(op)
            if op.status == OperationStatus.RUNNING:
                op.status = OperationStatus.INTERRUPTED
                op.error = op.error or "the kctui process running it stopped"
            self.settle(op)

    def list(self, cluster: str = "") -> list[Backup]:
        self.reconcile()
        return self.store.backups.list(lambda b: not cluster or b.cluster == cluster)

    def edit(self, name: str, description: str) -> Backup:
        return self.store.backups.update(name, lambda b: setattr(b, "description", description))

    async def delete(self, name: str) -> None:
        """Remove the snapshot (file on the node or S3 object), then the record."""
        self.reconcile()
        backup = self.store.backups.get(name)
        if backup.state in (BackupState.CREATING, BackupState.RESTORING):
            raise BackupError(
                f"backup {name} is {backup.state.value}; wait for operation {backup.operation} "
                "to finish (or cancel it: kctui operation cancel " + backup.operation + ")"
            )
        point = self.store.backup_points.get(backup.backup_point)
        node_files = [] if point.s3 is not None else [backup.location]
        if point.s3 is not None:
            try:
                await asyncio.to_thread(s3.delete, point.s3, backup.location)
            except s3.S3Error as e:
                raise BackupError(f"backup {name} kept: {e}") from None
            if backup.state == BackupState.ERROR:  # a transfer cut off may have left these
                node_files.append(snapshot_path(point, backup.name))
                (self.store.staging_dir / f"{backup.name}.db.part").unlink(missing_ok=True)
        if node_files:
            await self._remove_on_node(backup, node_files, required=point.s3 is None)
        self.store.backups.delete(name)

    async def _remove_on_node(self, backup: Backup, paths: Sequence[str], required: bool) -> None:
        node = self.store.nodes.get(backup.source_node)
        try:
            conn = await connect(node, KnownHosts(self.store.known_hosts), self.settings.ssh)
        except (SSHError, HostKeyError, OSError) as e:
            if not required:
                return
            raise BackupError(
                f"backup {backup.name} kept: its file is on {node.name}, which cannot be reached ({e})"
            ) from None
        try:
            quoted = " ".join(shlex.quote(p) for p in paths)
            code, _, err = await conn.run(f"rm -f {quoted}")
        except (SSHError, asyncssh.Error, OSError, TimeoutError) as e:
            code, err = 1, str(e) or "no answer"
        finally:
            await conn.close()
        if code != 0 and required:
            raise BackupError(f"backup {backup.name} kept: {node.name}: {err.strip()}")

    # -- restore ------------------------------------------------------------------------

    async def prepare_restore(self, cluster_name: str, backup_name: str) -> Operation:
        """Every check first; nothing is changed unless all pass."""
        self.reconcile()
        cluster = self.store.clusters.get(cluster_name)
        backup = self.store.backups.get(backup_name)
        if backup.cluster != cluster_name:
            raise BackupError(
                f"backup {backup_name} is of cluster {backup.cluster}, not {cluster_name}"
            )
        if backup.state != BackupState.AVAILABLE:
            raise BackupError(
                f"backup {backup_name} is {backup.state.value}; only an available backup can be restored"
            )
        if cluster.status.phase not in RESTORABLE:
            raise BackupError(
                f"cluster {cluster_name} is {cluster.status.phase.value}; a restore needs it "
                "Running or RestoreFailed"
            )
        if backup.kubernetes_version != cluster.status.kubernetes_version:
            raise BackupError(
                f"backup {backup_name} was taken at Kubernetes {backup.kubernetes_version} and "
                f"{cluster_name} runs {cluster.status.kubernetes_version}: a backup from before an "
                "upgrade cannot be restored after it"
            )
        current = node_set(cluster)
        if current != backup.nodes:
            gone = sorted(set(backup.nodes.items()) - set(current.items()))
            new = sorted(set(current.items()) - set(backup.nodes.items()))
            raise BackupError(
                f"the nodes of {cluster_name} differ from backup {backup_name}'s: "
                + "; ".join(
                    [f"not in the cluster now: {ip} ({host})" for ip, host in gone]
                    + [f"not in the backup: {ip} ({host})" for ip, host in new]
                )
                + "; a restore needs the same nodes"
            )
        self._not_busy(cluster_name)
        masters = [m.node for m in cluster.spec.masters]
        checks = await asyncio.gather(*(self._ready_for_restore(m) for m in masters))
        if not_ready := [c for c in checks if c]:
            raise BackupError(
                "every control-plane node must be reachable and run its kubelet for a restore: "
                + "; ".join(not_ready)
            )
        op = plan_restore(cluster, backup)
        self.store.operations.add(op)

        def restoring(b: Backup) -> None:
            b.state, b.operation = BackupState.RESTORING, op.id

        def phase(c: Cluster) -> None:
            c.status.phase, c.status.last_operation = ClusterPhase.RESTORING, op.id

        self.store.backups.update(backup_name, restoring)
        self.store.clusters.update(cluster_name, phase)
        return op
