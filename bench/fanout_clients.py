"""The three clients bench/fanout.py times, each run as its own process.

kctui DATA_DIR HOSTS STEPS      the real engine: Runner, persistence and log files
floor KEY HOSTS STEPS ADDR...   a bare asyncssh loop: connect, run `true` STEPS times
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path


def kctui(data_dir: str, hosts: int, steps: int) -> None:
    from engine.execution.runner import Runner
    from store.documents.operation import Operation, Step
    from store.settings import Settings
    from store.store import Store

    store = Store(Path(data_dir))
    names = [n.name for n in store.nodes.list()][:hosts]
    op = Operation(
        type="bench", steps=[Step(name=f"s{i}", script="true\n", nodes=names) for i in range(steps)]
    )
    done = asyncio.run(Runner(store, Settings()).run(op))
    if done.status.value != "succeeded":
        raise SystemExit(f"kctui run failed: {done.error}")


async def _floor(key: str, addresses: list[str], steps: int) -> None:
    import asyncssh

    async def one(address: str) -> None:
        async with asyncssh.connect(
            address, username="root", client_keys=[key], known_hosts=None
        ) as conn:
            for _ in range(steps):
                result = await conn.run("true", check=True)
                assert result.exit_status == 0

    await asyncio.gather(*(one(a) for a in addresses))


if __name__ == "__main__":
    import resource

    kind = sys.argv[1]
    if kind == "kctui":
        kctui(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif kind == "floor":
        asyncio.run(_floor(sys.argv[2], sys.argv[5:], int(sys.argv[4])))
    else:
        raise SystemExit(f"unknown client {kind}")
    print(f"peak-rss-kib {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}")
