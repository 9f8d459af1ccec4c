"""SSH options against the in-process server: ~/.ssh/config aliases and a key passphrase."""

from __future__ import annotations

from pathlib import Path

import asyncssh
import pytest

from engine.ssh.connection import connect, resolve
from engine.ssh.hostkeys import KnownHosts
from store.documents.node import Node
from store.settings import SSHSettings
from tests.sshserver import SSHServer


async def test_a_host_alias_of_ssh_config_gives_address_port_user_and_key(
    ssh_server: SSHServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "config").write_text(
        f"Host lab-alias\n  HostName 127.0.0.1\n  Port {ssh_server.port}\n  User root\n"
        f"  IdentityFile {ssh_server.client_key}\n"
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    node = Node(name="aliased", address="lab-alias")
    target = resolve(node)
    assert (target.port, target.user) == (ssh_server.port, "root")
    known = KnownHosts(tmp_path / "known_hosts")
    known.pin("lab-alias", ssh_server.port, ssh_server.host_public_key)
    conn = await connect(node, known, SSHSettings())
    code, out, _ = await conn.run("echo via-config")
    await conn.close()
    assert (code, out) == (0, "via-config")


async def test_an_encrypted_key_needs_its_passphrase(ssh_server: SSHServer, tmp_path: Path) -> None:
    key = asyncssh.read_private_key(str(ssh_server.client_key))
    locked = tmp_path / "locked_ed25519"
    key.write_private_key(str(locked), passphrase="open-sesame-42")
    known = KnownHosts(tmp_path / "known_hosts")
    known.pin("127.0.0.1", ssh_server.port, ssh_server.host_public_key)
    node = Node(
        name="locked",
        address="127.0.0.1",
        port=ssh_server.port,
        user="root",
        key_file=str(locked),
        key_passphrase="open-sesame-42",
    )
    conn = await connect(node, known, SSHSettings())
    assert (await conn.run("true"))[0] == 0
    await conn.close()
    wrong = node.model_copy(update={"key_passphrase": None})
    with pytest.raises(Exception) as err:
        await connect(wrong, known, SSHSettings())
    assert "open-sesame-42" not in str(err.value)
