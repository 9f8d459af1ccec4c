"""The in-process SSH server fixture speaks real SSH: key and password auth, exit codes, SFTP."""

from __future__ import annotations

from pathlib import Path

import asyncssh
import pytest

from tests.sshserver import SSHServer


async def connect(server: SSHServer, **kw: object) -> asyncssh.SSHClientConnection:
    return await asyncssh.connect(
        server.host,
        server.port,
        username=server.user,
        known_hosts=None,
        **kw,  # type: ignore[arg-type]
    )


async def test_key_auth_runs_commands_with_stdin_and_exit_status(ssh_server: SSHServer) -> None:
    async with await connect(ssh_server, client_keys=[str(ssh_server.client_key)]) as conn:
        result = await conn.run("read x; echo got $x; echo oops >&2; exit 3", input="hello\n")
        assert (result.stdout, result.stderr, result.exit_status) == ("got hello\n", "oops\n", 3)
        assert (
            conn.get_server_host_key().get_fingerprint("sha256") == ssh_server.host_key_fingerprint
        )  # type: ignore[union-attr]


async def test_password_auth_and_sftp(ssh_server: SSHServer, tmp_path: Path) -> None:
    conn = await connect(ssh_server, password=ssh_server.password, client_keys=None)
    async with conn:
        sftp = await conn.start_sftp_client()
        await sftp.put(__file__, str(tmp_path / "copy.py"))
        copied = await sftp.getsize(str(tmp_path / "copy.py"))
        sftp.exit()
        await sftp.wait_closed()
    assert copied == len(Path(__file__).read_bytes())


async def test_wrong_password_is_refused(ssh_server: SSHServer) -> None:
    with pytest.raises(asyncssh.PermissionDenied):
        await connect(ssh_server, password="wrong", client_keys=None)
