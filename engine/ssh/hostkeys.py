"""Host keys: trusted on first use only when the operator accepts the fingerprint, then pinned.

Pins live in <data-dir>/known_hosts in OpenSSH format, so `ssh -o UserKnownHostsFile=...` can
use them too. A key that differs from the pin is refused with both fingerprints.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import asyncssh

from store.storage import atomic_write_bytes


class HostKeyError(Exception):
    """The host key cannot be trusted; `presented` is what the server showed, if anything."""

    def __init__(self, message: str, presented: str = "") -> None:
        super().__init__(message)
        self.presented = presented


class HostKeyUnknownError(HostKeyError):
    pass


class HostKeyChangedError(HostKeyError):
    pass


def host_pattern(address: str, port: int) -> str:
    return address if port == 22 else f"[{address}]:{port}"


def fingerprint(key: asyncssh.SSHKey) -> str:
    fp: str = key.get_fingerprint("sha256")
    return fp


class KnownHosts:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._parsed: tuple[tuple[int, int], dict[str, list[asyncssh.SSHKey]]] | None = None

    def _lines(self) -> list[str]:
        try:
            return self.path.read_text().splitlines()
        except FileNotFoundError:
            return []

    def _index(self) -> dict[str, list[asyncssh.SSHKey]]:
        """Patterns to keys, parsed once per version of the file (50 nodes, 50 lookups)."""
        try:
            st = os.stat(self.path)
            stamp = (st.st_mtime_ns, st.st_ino)
        except FileNotFoundError:
            return {}
        if self._parsed is None or self._parsed[0] != stamp:
            index: dict[str, list[asyncssh.SSHKey]] = {}
            for number, line in enumerate(self._lines(), start=1):
                parts = line.split()
                if not parts or parts[0].startswith("#"):
                    continue
                try:
                    key = asyncssh.import_public_key(f"{parts[1]} {parts[2]}")
                except (IndexError, asyncssh.KeyImportError):
                    # A line that pins nothing must not pass for a check that was made.
                    raise HostKeyError(
                        f"{self.path} line {number} is not a host key line; remove or fix it "
                        "(kctui node trust NODE pins a node's key again)"
                    ) from None
                for pattern in parts[0].split(","):
                    index.setdefault(pattern, []).append(key)
            self._parsed = (stamp, index)
        return self._parsed[1]

    def keys_for(self, address: str, port: int) -> list[asyncssh.SSHKey]:
        return list(self._index().get(host_pattern(address, port), []))

    def pin(self, address: str, port: int, key: asyncssh.SSHKey) -> None:
        """Replace whatever was pinned for this host with `key`."""
        pattern = host_pattern(address, port)
        kept = [ln for ln in self._lines() if pattern not in (ln.split() or [""])[0].split(",")]
        public = key.export_public_key("openssh").decode().split()
        kept.append(f"{pattern} {public[0]} {public[1]}")
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        atomic_write_bytes(self.path, ("\n".join(kept) + "\n").encode(), mode=0o600)

    def forget(self, address: str, port: int) -> None:
        pattern = host_pattern(address, port)
        kept = [ln for ln in self._lines() if pattern not in (ln.split() or [""])[0].split(",")]
        if self.path.exists():
            atomic_write_bytes(self.path, ("\n".join(kept) + "\n").encode() if kept else b"", 0o600)


class PinnedClient(asyncssh.SSHClient):
    """Accepts only the pinned keys (or one expected fingerprint), and remembers what it saw."""

    def __init__(self, trusted: list[asyncssh.SSHKey], expect: str = "") -> None:
        self.trusted = trusted
        self.expect = expect
        self.presented: asyncssh.SSHKey | None = None

    def validate_host_public_key(self, host: str, addr: str, port: int, key: Any) -> bool:
        self.presented = key
        if self.expect:
            return fingerprint(key) == self.expect
        return key in self.trusted


def explain(node_name: str, address: str, client: PinnedClient, pinned: list[Any]) -> HostKeyError:
    """The error to raise when `client` refused the server's key."""
    seen = fingerprint(client.presented) if client.presented is not None else ""
    if client.expect:
        return HostKeyChangedError(
            f"{node_name} ({address}) presented host key {seen}, not the accepted {client.expect}; "
            "check the fingerprint with the node's administrator",
            seen,
        )
    if not pinned:
        return HostKeyUnknownError(
            f"{node_name} ({address}) has no trusted host key yet; it presents {seen}. "
            f"Trust it (kctui node trust {node_name}) once you know it is the node's key",
            seen,
        )
    return HostKeyChangedError(
        f"HOST KEY CHANGED for {node_name} ({address}): pinned "
        f"{', '.join(fingerprint(k) for k in pinned)}, presented {seen}. If the node was "
        f"reinstalled, re-trust it with: kctui node trust {node_name}",
        seen,
    )
