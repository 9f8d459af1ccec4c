"""The node inventory: add (with an accepted host key), probe, trust, enable/disable, remove."""

from __future__ import annotations

import asyncio
import ipaddress
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from engine import grammar
from engine.errors import Problem, RefusedError
from engine.execution.redact import Redactor
from engine.nodes import facts
from engine.ssh.connection import NodeConnection, SSHError, connect, resolve
from engine.ssh.hostkeys import HostKeyError, HostKeyUnknownError, KnownHosts
from store.documents.node import Node, NodeStatus, Region
from store.errors import AlreadyExistsError
from store.settings import Settings
from store.store import Store

NAME_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
USER_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]{0,31})?$")  # empty: ~/.ssh/config, else root
HOST_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
JUMP_RE = re.compile(r"^([A-Za-z0-9._-]+@)?(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$")


class NodeError(RefusedError):
    """A node cannot be added or used; the message names the field or node and the fix."""


def validate(node: Node) -> list[Problem]:
    """Every problem with the node's fields, each naming the field and the fix."""
    problems = []
    if not NAME_RE.match(node.name):
        problems.append(
            Problem(
                "name",
                f"{node.name!r}: use lowercase letters, digits and '-', at most 63, "
                "starting and ending with a letter or digit",
            )
        )
    try:
        ipaddress.ip_address(node.address)
    except ValueError:
        if not HOST_RE.match(node.address):
            problems.append(
                Problem("address", f"{node.address!r}: give an IP address or a host name")
            )
    if not USER_RE.match(node.user):
        problems.append(
            Problem("user", f"{node.user!r}: a login name of letters, digits, '_', '.' and '-'")
        )
    if node.jump and not JUMP_RE.match(node.jump):
        problems.append(Problem("jump", f"{node.jump!r}: use USER@HOST[:PORT]"))
    if not NAME_RE.match(node.region):
        problems.append(
            Problem("region", f"{node.region!r}: use lowercase letters, digits and '-'")
        )
    for key, value in node.labels.items():
        if grammar.label_key(key):
            problems.append(Problem("labels", f"{key!r}: not a valid Kubernetes label key"))
        if grammar.label_value(value):
            problems.append(
                Problem("labels", f"{key}={value!r}: not a valid Kubernetes label value")
            )
    return problems


def default_name(address: str) -> str:
    name = re.sub(r"[^a-z0-9-]+", "-", address.lower()).strip("-")
    return name[:63] or "node"


# A node probed longer ago than this is probed again before a create relies on it.
STALE_AFTER = timedelta(minutes=10)


class NodeService:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.known = KnownHosts(store.known_hosts)

    def _redactor(self, node: Node) -> Redactor:
        return Redactor(
            s.reveal() for s in (node.password, node.sudo_password, node.key_passphrase) if s
        )

    async def presented_fingerprint(self, node: Node) -> str:
        """Connect far enough to see the host key, and return its fingerprint; trusts nothing."""
        target = resolve(node)
        scratch = KnownHosts(self.store.data_dir / ".no-such-known-hosts")
        try:
            conn = await connect(node, scratch, self.settings.ssh)
        except HostKeyUnknownError as e:
            return e.presented
        except SSHError as e:
            raise NodeError(self._redactor(node)(str(e))) from None
        await conn.close()  # cannot happen with an empty known_hosts; kept for safety
        raise NodeError(f"{node.name}: {target.host} accepted no host key check")

    async def _connect(self, node: Node, expect: str = "") -> NodeConnection:
        try:
            return await connect(node, self.known, self.settings.ssh, expect_fingerprint=expect)
        except (SSHError, HostKeyError) as e:
            raise NodeError(self._redactor(node)(str(e))) from None

    async def _clean(self, conn: NodeConnection) -> bool:
        """Run the reset a forced removal could not run; whether it went through."""
        node = conn.node
        try:
            code, _, _ = await conn.run(node.pending_cleanup, time_limit=600)
        except SSHError:
            return False
        return code == 0

    async def _gather(self, conn: NodeConnection) -> tuple[Node, str]:
        node = conn.node
        sent = facts.clock()
        try:
            code, out, err = await conn.run(facts.SCRIPT, time_limit=60)
        except SSHError as e:
            return node, str(e)
        received = facts.clock()
        if code != 0:
            if "incorrect password" in err:
                return node, f"the sudo password for {conn.target.user} is wrong"
            return node, f"facts script failed (exit {code}): {err.strip()[-300:]}"
        node.facts = facts.parse(out, sent, received)
        return node, ""

    async def add(self, node: Node, accept_fingerprint: str) -> Node:
        problems = validate(node)
        if self.store.nodes.exists(node.name):
            problems.append(Problem("name", f"{node.name!r}: a node with that name exists"))
        if problems:
            raise NodeError(problems=problems)
        if not accept_fingerprint:
            raise NodeError(f"{node.name}: accept its host key first")
        self._one_machine_one_node(node, accept_fingerprint)
        conn = await self._connect(node, accept_fingerprint)
        try:
            key = conn.server_host_key
            assert key is not None
            node, error = await self._gather(conn)
        finally:
            await conn.close()
        if error:
            raise NodeError(f"{node.name}: {self._redactor(node)(error)}")
        target = conn.target
        self._one_machine_one_node(node, accept_fingerprint)  # now with its machine-id
        pinned = self.known.keys_for(target.host, target.port)
        if pinned and key not in pinned:
            raise NodeError(
                f"{node.name}: {target.host}:{target.port} is pinned to another host key; a key "
                "is never replaced on the side: after a reinstall, run kctui node trust on the "
                "node that has this address"
            )
        self.known.pin(target.host, target.port, key)
        node.host_key_fingerprint = accept_fingerprint
        node.status, node.last_error, node.last_probe = NodeStatus.ONLINE, "", datetime.now(UTC)
        self._ensure_region(node.region)
        try:
            return self.store.nodes.add(node)
        except AlreadyExistsError:
            raise NodeError(f"name {node.name!r}: a node with that name exists") from None

    def _one_machine_one_node(self, node: Node, fingerprint: str) -> None:
        """A machine is one node: the same host key or /etc/machine-id is refused, naming it."""
        machine = node.facts.machine_id
        for other in self.store.nodes.list():
            if other.host_key_fingerprint == fingerprint:
                why = f"the same host key {fingerprint}"
            elif machine and other.facts.machine_id == machine:
                why = f"the same machine-id {machine}"
            else:
                continue
            raise NodeError(
                f"{node.name}: this machine is already node {other.name} ({why}); a machine is "
                "one node"
            )

    def _ensure_region(self, name: str) -> None:
        if not self.store.regions.exists(name):
            self.store.regions.put(Region(name=name))

    async def probe_one(self, name: str) -> Node:
        node = self.store.nodes.get(name)
        error = ""
        gathered = node
        cleaned = False
        try:
            conn = await self._connect(node)
        except NodeError as e:
            error = str(e)
        else:
            try:
                gathered, error = await self._gather(conn)
                if not error and node.pending_cleanup:
                    cleaned = await self._clean(conn)
            finally:
                await conn.close()

        def update(n: Node) -> None:
            n.last_probe = datetime.now(UTC)
            n.status = NodeStatus.OFFLINE if error else NodeStatus.ONLINE
            n.last_error = self._redactor(n)(error)
            if not error:
                n.facts = gathered.facts
            if cleaned:
                n.pending_cleanup, n.left_cluster = "", ""

        return self.store.nodes.update(name, update)

    def stale(self, names: Iterable[str], older_than: timedelta = STALE_AFTER) -> list[str]:
        """Of `names` (unknown names skipped), the nodes not known to be online now: status
        unknown or offline, or last probed longer ago than `older_than`."""
        wanted = set(names)
        since = datetime.now(UTC) - older_than
        return [
            n.name
            for n in self.store.nodes.list(lambda n: n.name in wanted)
            if n.enabled
            and (n.status != NodeStatus.ONLINE or n.last_probe is None or n.last_probe < since)
        ]

    async def probe(self, names: Iterable[str] = ()) -> list[Node]:
        wanted = list(names) or [n.name for n in self.store.nodes.list()]
        for name in wanted:
            self.store.nodes.get(name)  # unknown names fail before anything connects
        limit = asyncio.Semaphore(self.settings.ssh.max_parallel)

        async def one(name: str) -> Node:
            async with limit:
                return await self.probe_one(name)

        return list(await asyncio.gather(*(one(n) for n in wanted)))

    def set_enabled(self, name: str, enabled: bool) -> Node:
        return self.store.nodes.update(name, lambda n: setattr(n, "enabled", enabled))

    def remove(self, name: str) -> None:
        node = self.store.nodes.get(name)
        if node.cluster:
            raise NodeError(
                f"{name} is in cluster {node.cluster}; remove it from the cluster first"
            )
        target = resolve(node)
        self.known.forget(target.host, target.port)
        self.store.nodes.delete(name)

    async def trust(self, name: str, accept_fingerprint: str) -> Node:
        """Pin the key the node presents now, once the operator has accepted its fingerprint."""
        node = self.store.nodes.get(name)
        conn = await self._connect(node, accept_fingerprint)
        key = conn.server_host_key
        target = conn.target
        await conn.close()
        assert key is not None
        self.known.pin(target.host, target.port, key)
        return self.store.nodes.update(
            name, lambda n: setattr(n, "host_key_fingerprint", accept_fingerprint)
        )
