"""One pooled connection per node for the length of an operation, under a global limit."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from engine.ssh.connection import NodeConnection, SSHError, connect
from engine.ssh.hostkeys import HostKeyError, KnownHosts
from store.settings import SSHSettings
from store.store import Store


class SSHPool:
    def __init__(self, store: Store, settings: SSHSettings) -> None:
        self.store = store
        self.settings = settings
        self.known = KnownHosts(store.known_hosts)
        self.limit = asyncio.Semaphore(settings.max_parallel)
        self._conns: dict[str, NodeConnection] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, node_name: str) -> NodeConnection:
        lock = self._locks.setdefault(node_name, asyncio.Lock())
        async with lock:
            conn = self._conns.get(node_name)
            if conn is not None and not conn.conn.is_closed():
                return conn
            node = self.store.nodes.get(node_name)
            conn = await connect(node, self.known, self.settings)
            self._conns[node_name] = conn
            return conn

    async def discard(self, node_name: str) -> None:
        conn = self._conns.pop(node_name, None)
        if conn is not None:
            await conn.settle()  # a timed-out script's process group is killed first
            conn.conn.abort()

    async def close(self) -> None:
        conns, self._conns = list(self._conns.values()), {}
        await asyncio.gather(*(conn.settle() for conn in conns))
        for conn in conns:
            conn.conn.close()
        for conn in conns:
            try:
                await asyncio.wait_for(conn.conn.wait_closed(), 2)
            except (TimeoutError, OSError):
                conn.conn.abort()


async def connect_first(
    store: Store, settings: SSHSettings, names: Iterable[str]
) -> NodeConnection:
    """A connection to the first of `names` that answers (e.g. a cluster's first reachable
    control-plane node); SSHError naming why each failed when none does."""
    problems = []
    for name in names:
        try:
            return await connect(store.nodes.get(name), KnownHosts(store.known_hosts), settings)
        except (SSHError, HostKeyError, OSError) as e:
            problems.append(f"{name}: {e}")
    raise SSHError("; ".join(problems) or "no nodes")
