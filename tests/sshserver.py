"""An in-process asyncssh server on 127.0.0.1 for non-root tests of SSH code.

Commands run for real on this machine as the current user (bash -c), with stdin, stdout,
stderr and the exit status carried over the SSH channel; SFTP is served from the filesystem.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncssh

from engine.ssh.hostkeys import KnownHosts
from store.documents.node import Node
from store.store import Store


@dataclass
class SSHServer:
    host: str
    port: int
    user: str
    client_key: Path
    host_key_fingerprint: str
    password: str
    host_public_key: asyncssh.SSHKey

    def add_nodes(self, store: Store, *names: str) -> None:
        """Nodes `names` in `store`, each this server (as root, by key), its host key pinned."""
        for name in names:
            store.nodes.add(
                Node(
                    name=name,
                    address="127.0.0.1",
                    port=self.port,
                    user="root",
                    key_file=str(self.client_key),
                )
            )
        KnownHosts(store.known_hosts).pin("127.0.0.1", self.port, self.host_public_key)


class _Server(asyncssh.SSHServer):
    def __init__(self, authorized: asyncssh.SSHAuthorizedKeys, password: str) -> None:
        self.authorized = authorized
        self.password = password

    def begin_auth(self, username: str) -> bool:
        return True

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return self.authorized.validate(key, "127.0.0.1", "127.0.0.1") is not None

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return password == self.password


async def _run(process: asyncssh.SSHServerProcess[bytes]) -> None:
    command = process.command or "exec bash"
    proc = await asyncio.create_subprocess_exec(
        "bash",
        "-c",
        command,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,  # as sshd does: each command leads its own session
    )
    await process.redirect(stdin=proc.stdin, stdout=proc.stdout, stderr=proc.stderr)
    process.exit(await proc.wait())


@asynccontextmanager
async def serve(
    tmp: Path, user: str = "tester", password: str = "s3cret-pass"
) -> AsyncIterator[SSHServer]:
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    key_path = tmp / "client_ed25519"
    client_key.write_private_key(str(key_path))
    key_path.chmod(0o600)
    authorized = asyncssh.import_authorized_keys(client_key.export_public_key().decode())
    server = await asyncssh.create_server(
        lambda: _Server(authorized, password),
        "127.0.0.1",
        0,
        server_host_keys=[host_key],
        process_factory=_run,
        sftp_factory=True,
        encoding=None,
    )
    port = server.sockets[0].getsockname()[1]
    try:
        yield SSHServer(
            "127.0.0.1",
            port,
            user,
            key_path,
            host_key.get_fingerprint("sha256"),
            password,
            host_key.convert_to_public(),
        )
    finally:
        server.close()
        await server.wait_closed()
