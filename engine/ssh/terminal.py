"""An interactive shell on a node through the system's OpenSSH client, with the pinned host key."""

from __future__ import annotations

from pathlib import Path

from engine.ssh.connection import resolve
from store.documents.node import Node


def ssh_argv(node: Node, known_hosts: Path) -> list[str]:
    target = resolve(node)
    argv = [
        "ssh",
        "-o", f"UserKnownHostsFile={known_hosts}",
        "-o", "StrictHostKeyChecking=yes",
        "-p", str(target.port),
    ]  # fmt: skip
    if node.key_file:
        argv += ["-i", node.key_file]
    if node.jump:
        argv += ["-J", node.jump]
    argv.append(f"{target.user}@{target.host}")
    return argv
