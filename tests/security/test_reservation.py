"""Two creates racing for one node: exactly one wins, every time (checking that the nodes are
free and reserving them is one locked transaction)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from store.store import Store
from tests.conftest import FAULT_SCALE
from tests.fidelity import matrix

PAIRS = 8 * FAULT_SCALE
RACER = """
import sys, time
from pathlib import Path
from engine.clusters.service import ClusterService
from engine.clusters.validate import SpecError
from store.documents.cluster import Cluster
from store.settings import Settings
from store.store import Store

data, name, worker, go = sys.argv[1:]
store = Store(Path(data))
service = ClusterService(store, Settings(mirror_base_url="http://127.0.0.1:9"))  # never asked
cluster = Cluster.model_validate({
    "metadata": {"name": name},
    "spec": {"masters": [{"node": name.replace("c", "m")}], "workers": [{"node": worker}],
             "offline": False},
})
while not Path(go).exists():
    time.sleep(0.001)
try:
    service.create(cluster)
    print("won")
except SpecError as e:
    print("lost", e)
"""


def test_two_creates_sharing_a_node_never_both_win(tmp_path: Path, tally: Counter[str]) -> None:
    winners = []
    for pair in range(PAIRS):
        data = tmp_path / f"d{pair}"
        store = Store(data)
        matrix.populate(store, "")
        store.close()
        go = tmp_path / f"go{pair}"
        racers = [
            subprocess.Popen(
                [sys.executable, "-c", RACER, str(data), name, "w1", str(go)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for name in ("c1", "c2")
        ]
        time.sleep(1.0)  # both are waiting for the go
        go.touch()
        said = [r.communicate(timeout=60) for r in racers]
        results = [out.split()[0] if out else err for out, err in said]
        tally["create races for one node"] += 1
        tally["double bookings"] += results.count("won") - 1
        assert sorted(results) == ["lost", "won"], said
        assert "belongs to cluster" in next(out for out, _ in said if out.startswith("lost"))
        store = Store(data)
        owner = store.nodes.get("w1").cluster
        winner = next(n for n, r in zip(("c1", "c2"), results, strict=True) if r == "won")
        assert owner == winner and [c.name for c in store.clusters.list()] == [winner]
        store.close()
        winners.append(winner)
    assert len(winners) == PAIRS


WRITER = """
import sys
from pathlib import Path
from store.documents.node import Node
from store.store import Store

data, who, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = Store(Path(data))
for i in range(count):
    store.nodes.add(Node(name=f"{who}-{i}", address=f"10.{int(who[1:])}.0.{i + 1}"))
"""


def test_parallel_inventory_writes_lose_nothing(tmp_path: Path, tally: Counter[str]) -> None:
    data = tmp_path / "data"
    writers, each = 10, 10 * FAULT_SCALE
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(data), f"w{n}", str(each)])
        for n in range(writers)
    ]
    assert [p.wait(timeout=300) for p in procs] == [0] * writers
    store = Store(data)
    names = {n.name for n in store.nodes.list()}
    store.close()
    tally["parallel inventory writes"] += writers * each
    tally["lost writes"] += writers * each - len(names)
    assert names == {f"w{n}-{i}" for n in range(writers) for i in range(each)}
