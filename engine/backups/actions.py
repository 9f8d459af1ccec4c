"""Local steps of backups and restores: the snapshot between the nodes, the jump host and S3."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import shlex
import threading
from datetime import UTC, datetime
from pathlib import Path

import asyncssh

from engine.backups import s3
from engine.execution.actions import Actions, Context
from engine.ssh.connection import SSHError
from store.documents.backup import Backup, BackupPoint, BackupState

CHUNK = 1024 * 1024


class BackupStepError(Exception):
    pass


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def object_key(backup: Backup) -> str:
    return f"{backup.cluster}/{backup.name}.db"


async def _node_checksum(ctx: Context, node: str, path: str) -> tuple[str, int]:
    conn = await ctx.pool.get(node)
    q = shlex.quote(path)
    code, out, err = await conn.run(f"sha256sum {q} | cut -d' ' -f1; stat -c %s {q}")
    if code != 0:
        raise BackupStepError(f"{node}: cannot read {path}: {err.strip()}")
    digest, size = out.split()
    return digest, int(size)


async def _upload(ctx: Context, point: BackupPoint, staged: Path, key: str, digest: str) -> int:
    """boto3 runs in a thread; a cancel sets `abort` and waits for the transfer to stop, so
    nothing is left uploading behind the operation's back."""
    assert point.s3 is not None
    abort = threading.Event()
    transfer = asyncio.ensure_future(
        asyncio.to_thread(s3.upload, point.s3, staged, key, digest, abort)
    )
    try:
        return await asyncio.shield(transfer)
    except asyncio.CancelledError:
        abort.set()
        await asyncio.gather(transfer, return_exceptions=True)
        await asyncio.to_thread(_delete_quietly, point, key)
        raise


def _delete_quietly(point: BackupPoint, key: str) -> None:
    assert point.s3 is not None
    with contextlib.suppress(s3.S3Error):
        s3.delete(point.s3, key)


async def backup_store(ctx: Context) -> int:
    name, path = str(ctx.step.args["backup"]), str(ctx.step.args["path"])
    backup = ctx.store.backups.get(name)
    point = ctx.store.backup_points.get(backup.backup_point)
    try:
        digest, size = await _node_checksum(ctx, backup.source_node, path)
        ctx.emit("out", f"{backup.source_node}:{path}: {size} bytes, sha256 {digest}")
        location = backup.location
        if point.s3 is not None:
            staged = ctx.store.staging_dir / f"{name}.db.part"
            conn = await ctx.pool.get(backup.source_node)
            try:
                await conn.get_file(path, staged)
                local = await asyncio.to_thread(sha256_file, staged)
                if local != digest:
                    raise BackupStepError(
                        f"the snapshot changed on the way to the jump host (sha256 {local}, "
                        f"expected {digest}); run the backup again"
                    )
                ctx.emit("out", "copied to the jump host; sha256 matches")
                stored = await _upload(ctx, point, staged, location, digest)
                ctx.emit(
                    "out",
                    f"uploaded to s3://{point.s3.bucket}/{location} ({stored} bytes, sha256 checked)",
                )
            finally:
                staged.unlink(missing_ok=True)
                await asyncio.shield(conn.run(f"rm -f {shlex.quote(path)}"))
    except (BackupStepError, s3.S3Error, SSHError, OSError, asyncssh.Error) as e:
        ctx.emit("err", str(e))
        return 1

    def available(b: Backup) -> None:
        b.state, b.size, b.sha256 = BackupState.AVAILABLE, size, digest
        b.completed_at, b.error = datetime.now(UTC), ""

    ctx.store.backups.update(name, available)
    ctx.emit("out", f"backup {name} is available")
    return 0


async def fetch_to_jump_host(ctx: Context, backup: Backup, point: BackupPoint, dest: Path) -> None:
    """The snapshot at `dest`, checked against the sha256 recorded when it was taken."""
    if point.s3 is not None:
        await asyncio.to_thread(s3.download, point.s3, backup.location, dest)
        ctx.emit("out", f"downloaded s3://{point.s3.bucket}/{backup.location}")
    else:
        conn = await ctx.pool.get(backup.source_node)
        await conn.get_file(backup.location, dest)
        ctx.emit("out", f"copied {backup.source_node}:{backup.location} to the jump host")
    digest = await asyncio.to_thread(sha256_file, dest)
    if digest != backup.sha256:
        raise BackupStepError(
            f"the snapshot of {backup.name} does not match its recorded sha256 "
            f"({digest}, expected {backup.sha256}): it was changed or damaged where it is kept"
        )
    ctx.emit("out", f"sha256 {digest} matches the backup's record")


async def restore_fetch(ctx: Context) -> int:
    name, dest = str(ctx.step.args["backup"]), str(ctx.step.args["dest"])
    nodes = [str(n) for n in ctx.step.args["nodes"]]
    backup = ctx.store.backups.get(name)
    point = ctx.store.backup_points.get(backup.backup_point)
    staged = ctx.store.staging_dir / f"{name}.db.restore"
    try:
        await fetch_to_jump_host(ctx, backup, point, staged)

        async def put(node: str) -> None:
            conn = await ctx.pool.get(node)
            await conn.put_file(staged, dest, backup.sha256)
            ctx.emit("out", f"{node}:{dest}: copied, sha256 verified on the node")

        await asyncio.gather(*(put(n) for n in nodes))
    except (BackupStepError, s3.S3Error, SSHError, OSError, asyncssh.Error) as e:
        ctx.emit("err", str(e))
        return 1
    finally:
        staged.unlink(missing_ok=True)
    return 0


ACTIONS: Actions = {
    "backup-store": backup_store,
    "restore-fetch": restore_fetch,
}
