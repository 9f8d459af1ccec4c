"""One SSH connection to a node: scripts through bash (with sudo when not root), files over SFTP."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import secrets
import shlex
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import asyncssh

from engine.ssh.hostkeys import KnownHosts, PinnedClient, explain, fingerprint
from engine.ssh.stepshell import PID_MARK, REPORT_GROUP, SERVER, LineSink, StepShell, StepShellError
from store.documents.node import Node
from store.settings import SSHSettings

# One per node name (a machine is one node): /var/lib is on every node, and the node's own.
STEP_LOCK = "/var/lib/kctui-step-{node}.lock"
PREFERRED_CIPHERS = [
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "chacha20-poly1305@openssh.com",
    "aes128-ctr",
    "aes256-ctr",
]


class SSHError(Exception):
    """Connecting or running failed; the message names the node and the cause."""


@dataclass(frozen=True)
class Target:
    """Where and as whom to connect, after ~/.ssh/config has had its say."""

    host: str
    port: int
    user: str


def user_ssh_config() -> list[str]:
    """~/.ssh/config when readable: what asyncssh.connect loads by itself."""
    path = Path("~", ".ssh", "config").expanduser()
    return [str(path)] if os.access(path, os.R_OK) else []


def resolve(node: Node) -> Target:
    options = asyncssh.SSHClientConnectionOptions(
        host=node.address, known_hosts=None, config=user_ssh_config()
    )
    config = options.config
    port = node.port or int(str(config.get("Port", 22) or 22))
    user = node.user or str(config.get("User", "") or "") or "root"
    return Target(node.address, port, user)


def _jump_target(spec: str) -> Target:
    user, _, rest = spec.rpartition("@")
    host, _, port = rest.partition(":")
    if host.startswith("["):  # [v6]:port
        host, _, port = rest[1:].partition("]:")
    return Target(host, int(port or 22), user or "root")


async def connect(
    node: Node,
    known: KnownHosts,
    settings: SSHSettings,
    *,
    expect_fingerprint: str = "",
) -> NodeConnection:
    """Connect and authenticate; the host key must be pinned (or equal `expect_fingerprint`)."""
    target = resolve(node)
    tunnel = None
    if node.jump:
        jump = _jump_target(node.jump)
        jump_node = Node(
            name=f"{node.name} jump host", address=jump.host, port=jump.port, user=jump.user
        )
        if node.key_file:
            jump_node.key_file = node.key_file
        tunnel = (await connect(jump_node, known, settings)).conn
    pinned = known.keys_for(target.host, target.port)
    client = PinnedClient(pinned, expect_fingerprint)
    options: dict[str, Any] = {
        "username": target.user,
        "port": target.port,
        "known_hosts": ([], [], []),
        "server_host_key_algs": "default",
        # AES-GCM first: one AEAD call per packet (AES-NI), where chacha20-poly1305 in asyncssh
        # builds new cipher contexts for every packet; both ends spend less CPU.
        "encryption_algs": PREFERRED_CIPHERS,
        "client_factory": lambda: client,
        "connect_timeout": settings.connect_timeout,
        "keepalive_interval": settings.keepalive_interval or None,
        "login_timeout": settings.connect_timeout * 3,
    }
    if tunnel is not None:
        options["tunnel"] = tunnel
    if node.key_file:
        options["client_keys"] = [node.key_file]
        if not node.use_agent:
            options["agent_path"] = None
    if node.key_passphrase:
        options["passphrase"] = node.key_passphrase.reveal()
    if node.password:
        options["password"] = node.password.reveal()
    where = f"{node.name} ({target.user}@{target.host}:{target.port})"
    try:
        conn = await asyncssh.connect(target.host, **options)
    except asyncssh.HostKeyNotVerifiable:
        raise explain(node.name, target.host, client, pinned) from None
    except asyncssh.PermissionDenied:
        methods = "key" if node.key_file else "default keys/agent"
        if node.password:
            methods += " and password"
        raise SSHError(f"{where}: authentication failed (tried {methods})") from None
    except (TimeoutError, OSError) as e:
        reason = str(e) or type(e).__name__
        raise SSHError(f"{where}: cannot connect: {reason}") from None
    except asyncssh.Error as e:
        raise SSHError(f"{where}: {e.reason}") from None
    presented = client.presented
    return NodeConnection(node, target, conn, fingerprint(presented) if presented else "")


class NodeConnection:
    def __init__(
        self, node: Node, target: Target, conn: asyncssh.SSHClientConnection, fp: str
    ) -> None:
        self.node = node
        self.target = target
        self.conn = conn
        self.host_key_fingerprint = fp
        self._sudo: str | None = None  # "root", "nopasswd" or "password"
        self._sudo_lock = asyncio.Lock()
        self._kills: set[asyncio.Task[None]] = set()
        self._shell: StepShell | None = None
        self._shell_lock = asyncio.Lock()

    @property
    def server_host_key(self) -> asyncssh.SSHKey | None:
        key: asyncssh.SSHKey | None = self.conn.get_server_host_key()
        return key

    async def close(self) -> None:
        self.conn.close()
        await self.conn.wait_closed()

    async def _sudo_mode(self) -> str:
        async with self._sudo_lock:
            if self._sudo is None:
                if self.target.user == "root":
                    self._sudo = "root"
                else:
                    probe = await self.conn.run("sudo -n true", check=False)
                    if probe.exit_status == 0:
                        self._sudo = "nopasswd"
                    elif self.node.sudo_password:
                        self._sudo = "password"
                    else:
                        raise SSHError(
                            f"{self.node.name}: {self.target.user} needs a password for sudo; "
                            "add the node again with its sudo password"
                        )
            return self._sudo

    async def _command(self, command: str) -> tuple[str, str]:
        """The command line to run as root, and what must precede its stdin."""
        mode = await self._sudo_mode()
        if mode == "root":
            return command, ""
        if mode == "nopasswd":
            return f"sudo -n -- {command}", ""
        # -k: always ask, so the first line of stdin is always taken as the password.
        assert self.node.sudo_password is not None
        return f"sudo -S -k -p '' -- {command}", self.node.sudo_password.reveal() + "\n"

    async def run_script(
        self,
        script: str,
        env: Mapping[str, str],
        on_line: LineSink,
        *,
        time_limit: float | None = None,
    ) -> int:
        """Run `script` with `bash -euo pipefail -s` as root, in a session of its own; lines go
        to `on_line`.

        sshd starts each command as a session leader but does not end it when its channel
        closes, so the script first reports its process group, which is killed on a timeout or
        a cancel.
        """
        command, prefix = await self._command("bash -euo pipefail -s")
        exports = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in env.items())
        process = await self.conn.create_process(command, encoding="utf-8", errors="replace")
        pid: list[int] = []

        def sink(stream: str, line: str) -> Awaitable[None] | None:
            if not pid and stream == "err" and line.startswith(PID_MARK):
                pid.append(int(line[len(PID_MARK) :]))
                return None
            return on_line(stream, line)

        try:
            process.stdin.write(prefix + REPORT_GROUP + exports + script)
            process.stdin.write_eof()
            await asyncio.wait_for(
                asyncio.gather(
                    _pump(process.stdout, "out", sink), _pump(process.stderr, "err", sink)
                ),
                time_limit,
            )
            completed = await asyncio.wait_for(process.wait(), 30)
        except BaseException:
            if pid:
                self._kill_group(pid[0])
            process.close()
            raise
        code = completed.exit_status
        if code is None:
            signal = completed.exit_signal[0] if completed.exit_signal else "unknown"
            return 128 + {"TERM": 15, "KILL": 9, "HUP": 1, "INT": 2}.get(signal, 0)
        return code

    async def run_step(self, script: str, env: Mapping[str, str], on_line: LineSink) -> int:
        """Run a step's `script` as root in the connection's step shell (see stepshell.py),
        with `env` exported and `set -euo pipefail`; lines go to `on_line`."""
        async with self._shell_lock:
            if self._shell is None or not self._shell.alive:
                lock = shlex.quote(STEP_LOCK.format(node=self.node.name))
                command, prefix = await self._command(
                    f"flock -o {lock} bash -c {shlex.quote(SERVER)}"
                )
                process = await self.conn.create_process(
                    command, encoding="utf-8", errors="replace"
                )
                self._shell = StepShell.start(process, prefix, self._kill_group)
            shell = self._shell
        exports = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in env.items())
        try:
            return await shell.run(exports + script, on_line)
        except StepShellError as e:
            raise SSHError(f"{self.node.name}: {e}") from None

    def _kill_group(self, pid: int) -> None:
        """End the script's process group from a new session, without waiting for it here."""
        kill = (
            f"kill -TERM -- -{pid} 2>/dev/null; sleep 0.5; kill -KILL -- -{pid} 2>/dev/null; true"
        )

        async def attempt() -> None:
            with contextlib.suppress(TimeoutError, SSHError, OSError, asyncssh.Error):
                await asyncio.wait_for(self.run(kill, time_limit=3), 3)

        task = asyncio.get_running_loop().create_task(attempt())
        self._kills.add(task)
        task.add_done_callback(self._kills.discard)

    async def settle(self) -> None:
        """Let pending kills of cancelled scripts finish (briefly) before the connection closes."""
        if self._kills:
            await asyncio.wait(set(self._kills), timeout=4)

    async def run(self, command: str, *, time_limit: float | None = 60) -> tuple[int, str, str]:
        """Run a short command as root and collect its output."""
        out: list[str] = []
        err: list[str] = []

        def sink(stream: str, line: str) -> None:
            (out if stream == "out" else err).append(line)

        code = await self.run_script(command + "\n", {}, sink, time_limit=time_limit)
        return code, "\n".join(out), "\n".join(err)

    async def upload(self, data: bytes, dest: str, mode: int = 0o644) -> str:
        """Put `data` at `dest` with `mode`: temp name, sha256 checked, renamed into place."""
        digest = hashlib.sha256(data).hexdigest()

        async def write(sftp: asyncssh.SFTPClient, tmp: str) -> None:
            async with sftp.open(tmp, "wb") as f:
                await f.write(data)

        await self._place(write, digest, dest, mode, len(data))
        return digest

    async def put_file(self, source: Path, dest: str, digest: str, mode: int = 0o600) -> None:
        """Stream a local file to `dest` (any size), checked against its known sha256."""

        async def write(sftp: asyncssh.SFTPClient, tmp: str) -> None:
            await sftp.put(str(source), tmp)

        size = await asyncio.to_thread(os.path.getsize, source)
        await self._place(write, digest, dest, mode, size)

    async def _place(
        self,
        write: Callable[[asyncssh.SFTPClient, str], Awaitable[None]],
        digest: str,
        dest: str,
        mode: int,
        size: int,
    ) -> None:
        root = (await self._sudo_mode()) == "root"
        parent = str(PurePosixPath(dest).parent)
        q = shlex.quote
        if root:
            await self.run(f"mkdir -p {q(parent)}")
        # A private directory: the file is never readable by others while it is on its way.
        tmp_dir = f"{parent if root else '/tmp'}/.kctui-{secrets.token_hex(6)}"
        tmp = f"{tmp_dir}/upload"
        try:
            async with self.conn.start_sftp_client() as sftp:
                await sftp.mkdir(tmp_dir, asyncssh.SFTPAttrs(permissions=0o700))
                await write(sftp, tmp)
        except BaseException as e:
            await asyncio.shield(self.run(f"rm -rf {q(tmp_dir)}"))
            if isinstance(e, asyncssh.SFTPError):
                raise await self._upload_error(e, dest, tmp_dir, size) from None
            raise
        check = (
            f"echo {digest}'  '{q(tmp)} | sha256sum -c --quiet - || "
            f"{{ rm -rf {q(tmp_dir)}; echo 'checksum mismatch after upload' >&2; exit 1; }}\n"
            f"mkdir -p {q(parent)}\n"
            f"chown root:root {q(tmp)}\n"
            f"chmod {mode:o} {q(tmp)}\n"
            f"mv -f {q(tmp)} {q(dest)}\n"
            f"rmdir {q(tmp_dir)}\n"
        )
        code, _, err = await self.run(check)
        if code != 0:
            raise SSHError(f"{self.node.name}: upload of {dest} failed: {err.strip()}")

    async def _upload_error(
        self, e: asyncssh.SFTPError, dest: str, tmp_dir: str, size: int
    ) -> SSHError:
        """SFTP says only "Failure" when a disk is full: ask the node how much space is left."""
        where = str(PurePosixPath(tmp_dir).parent)
        code, out, _ = await self.run(f"df -B1 --output=avail {shlex.quote(where)} | tail -n1")
        free = int(out.strip()) if code == 0 and out.strip().isdigit() else None
        if free is not None and free < size:
            return SSHError(
                f"{self.node.name}: no space left on device: {where} has {free} bytes free and "
                f"{dest} needs {size}; free some space on the node"
            )
        return SSHError(f"{self.node.name}: upload of {dest} failed: {e.reason or e}")

    async def get_file(self, source: str, dest: Path) -> None:
        """Stream a node file (any size, read as root) to a local path."""
        if (await self._sudo_mode()) == "root":
            async with self.conn.start_sftp_client() as sftp:
                await sftp.get(source, str(dest))
            return
        # SFTP reads as the login user: hand it a private copy for the length of the transfer.
        q = shlex.quote
        tmp = f"/tmp/.kctui-{secrets.token_hex(6)}.tmp"
        code, _, err = await self.run(
            f"umask 077; install -m 600 -o {q(self.target.user)} {q(source)} {tmp}",
            time_limit=None,
        )
        if code != 0:
            raise SSHError(f"{self.node.name}: cannot read {source}: {err.strip()}")
        try:
            async with self.conn.start_sftp_client() as sftp:
                await sftp.get(tmp, str(dest))
        finally:
            await asyncio.shield(self.run(f"rm -f {tmp}"))

    async def read_if_exists(self, path: str) -> bytes:
        """A node file's content, or b"" when it does not exist (read as root)."""
        _code, out, _ = await self.run(f"cat {shlex.quote(path)} 2>/dev/null | base64 -w0 || true")
        import base64

        return base64.b64decode(out.strip()) if out.strip() else b""

    async def download(self, src: str) -> bytes:
        """A node file's content, read as root: through sudo when the login user is not root
        (SFTP would read it as that user, who cannot read admin.conf)."""
        if (await self._sudo_mode()) == "root":
            async with self.conn.start_sftp_client() as sftp, sftp.open(src, "rb") as f:
                data: bytes = await f.read()
            return data
        import base64

        code, out, err = await self.run(f"base64 -w0 {shlex.quote(src)}", time_limit=120)
        if code != 0:
            raise SSHError(f"{self.node.name}: cannot read {src}: {err.strip()}")
        return base64.b64decode(out.strip())


async def _pump(stream: Any, name: str, on_line: LineSink) -> None:
    async for line in stream:
        if not line:  # end of stream
            continue
        result = on_line(name, line.rstrip("\n"))
        if asyncio.iscoroutine(result):
            await result
