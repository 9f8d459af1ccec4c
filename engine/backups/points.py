"""Backup points: where etcd backups go, a path on the control-plane nodes or an S3 bucket."""

from __future__ import annotations

import asyncio
import re
import shlex

import asyncssh

from engine import grammar
from engine.backups.s3 import S3Error, ensure_bucket
from engine.errors import Problem, RefusedError
from engine.execution.redact import Redactor
from engine.ssh.connection import SSHError, connect
from engine.ssh.hostkeys import HostKeyError, KnownHosts
from store.documents.backup import BackupPoint, S3Target
from store.secrets import Secret
from store.settings import Settings
from store.store import Store

NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
ENDPOINT_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?/?$")


class BackupPointError(RefusedError):
    """The operation on a backup point is refused; the message names the field and the fix."""


def validate(point: BackupPoint, store: Store, *, new: bool) -> list[Problem]:
    problems = []
    if not NAME_RE.match(point.name):
        problems.append(Problem("name", f"{point.name!r}: use lowercase letters, digits and '-'"))
    elif new and store.backup_points.exists(point.name):
        problems.append(
            Problem("name", f"{point.name!r}: a backup point with that name exists; pick another")
        )
    if point.type == "fs" and (problem := grammar.data_dir(point.fs_path, "/mnt/backups/etcd")):
        problems.append(Problem("fsPath", problem))
    if point.s3 is not None:
        if not ENDPOINT_RE.match(point.s3.endpoint):
            problems.append(
                Problem(
                    "s3.endpoint",
                    f"{point.s3.endpoint!r}: give a URL such as https://s3.example.lan:9000",
                )
            )
        if not BUCKET_RE.match(point.s3.bucket) or ".." in point.s3.bucket:
            problems.append(
                Problem(
                    "s3.bucket",
                    f"{point.s3.bucket!r}: 3 to 63 lowercase letters, digits, '.' and '-'",
                )
            )
        if not point.s3.access_key:
            problems.append(Problem("s3.accessKey", "required"))
        if not point.s3.secret_key:
            problems.append(Problem("s3.secretKey", "required"))
    return problems


class BackupPointService:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def add(self, point: BackupPoint) -> tuple[BackupPoint, bool]:
        """Store a point; an S3 point's credentials are checked and its bucket made if missing."""
        problems = validate(point, self.store, new=True)
        if problems:
            raise BackupPointError(problems=problems)
        created = False
        if point.s3 is not None:
            created = self._check_s3(point.s3)
        return self.store.backup_points.add(point), created

    def _check_s3(self, target: S3Target) -> bool:
        try:
            return ensure_bucket(target)
        except S3Error as e:
            raise BackupPointError(Redactor([target.secret_key.reveal()])(str(e))) from None

    def edit(
        self,
        name: str,
        description: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
    ) -> BackupPoint:
        point = self.store.backup_points.get(name)
        if point.type == "fs" and (access_key or secret_key):
            raise BackupPointError(f"{name} is an fs backup point: only its description can change")
        if point.s3 is not None and (access_key or secret_key):
            target = point.s3.model_copy(
                update={
                    "access_key": access_key or point.s3.access_key,
                    "secret_key": Secret(secret_key) if secret_key else point.s3.secret_key,
                }
            )
            self._check_s3(target)
            point = point.model_copy(update={"s3": target})
        if description is not None:
            point = point.model_copy(update={"description": description})
        return self.store.backup_points.update(name, lambda _: point)

    def delete(self, name: str) -> None:
        self.store.backup_points.get(name)
        users = [c.name for c in self.store.clusters.list() if c.spec.backup_point == name]
        if users:
            raise BackupPointError(
                f"backup point {name} is used by cluster(s) {', '.join(users)}; detach it from "
                "them first"
            )
        held = self.store.backups.list(lambda b: b.backup_point == name)
        if held:
            raise BackupPointError(
                f"backup point {name} holds {len(held)} backup(s); delete them first"
            )
        self.store.backup_points.delete(name)

    async def check_fs_path(self, name: str, cluster: str, reachable_only: bool = False) -> None:
        """An fs point's path must exist on every control-plane node of the cluster (before a
        backup: on every one that answers; the snapshot is taken on the first that does)."""
        point = self.store.backup_points.get(name)
        if point.type != "fs":
            return
        spec = self.store.clusters.get(cluster).spec
        known = KnownHosts(self.store.known_hosts)

        async def check(node_name: str) -> str:
            node = self.store.nodes.get(node_name)
            try:
                conn = await connect(node, known, self.settings.ssh)
            except (SSHError, HostKeyError, OSError) as e:
                return "" if reachable_only else f"{node_name}: {e}"
            try:
                code, _, _ = await conn.run(f"test -d {shlex.quote(point.fs_path)}", time_limit=30)
            except (SSHError, asyncssh.Error, OSError, TimeoutError) as e:
                return f"{node_name}: {e or 'no answer in 30 s'}"
            finally:
                await conn.close()
            return "" if code == 0 else f"{node_name}: {point.fs_path} does not exist"

        missing = [m for m in await asyncio.gather(*(check(m.node) for m in spec.masters)) if m]
        if missing:
            raise BackupPointError(
                f"backup point {name}: the path must exist on every control-plane node of {cluster}: "
                + "; ".join(missing)
            )

    def attach(self, cluster: str, name: str) -> None:
        asyncio.run(self.attach_checked(cluster, name))

    async def attach_checked(self, cluster: str, name: str) -> None:
        """Give `cluster` the backup point `name` ("" detaches): it must exist, and an fs
        point's path must exist on the cluster's control-plane nodes."""
        self.store.clusters.get(cluster)
        if name:
            self.store.backup_points.get(name)
            await self.check_fs_path(name, cluster)
        self.store.clusters.update(cluster, lambda c: setattr(c.spec, "backup_point", name))
