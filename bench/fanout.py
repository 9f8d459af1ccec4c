"""Fan-out: N lab hosts x S trivial steps, kctui's engine against ansible-playbook and a bare
asyncssh loop (the floor), interleaved in one run. Wall time and whole-process client CPU.

Second table: the cost of persisting one node-task change with 1,000 past operations in the
store, against the same write into one TinyDB file that holds them all.

Targets at 50 x 10: kctui wall <= 1.5x the floor and <= 1/3 of ansible's; update < 5 ms.
Needs root (the lab) and ansible-core (ANSIBLE_PLAYBOOK, default: on PATH).
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kctui.lab import lab as labs
from kctui.lab.register import register_nodes
from store.store import Store

HOSTS = int(os.environ.get("FANOUT_HOSTS", "50"))
STEPS = int(os.environ.get("FANOUT_STEPS", "10"))
ROUNDS = int(os.environ.get("FANOUT_ROUNDS", "3"))
LAB = "fan"
HERE = Path(__file__).parent


def timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user+system) of a child process and its children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def playbook(tmp: Path, lab: labs.Lab) -> tuple[Path, Path]:
    inventory = tmp / "hosts.ini"
    inventory.write_text(
        "[lab]\n" + "".join(f"{h.name} ansible_host={h.address}\n" for h in lab.hosts[:HOSTS])
    )
    tasks = "".join(f"    - name: step {i}\n      raw: 'true'\n" for i in range(STEPS))
    book = tmp / "bench.yml"
    book.write_text(f"- hosts: lab\n  gather_facts: false\n  tasks:\n{tasks}")
    return inventory, book


def fanout(lab: labs.Lab, tmp: Path) -> dict[str, list[tuple[float, float]]]:
    data = tmp / "data"
    store = Store(data)
    register_nodes(lab, store)
    py = sys.executable
    clients = HERE / "fanout_clients.py"
    addresses = [h.address for h in lab.hosts[:HOSTS]]
    inventory, book = playbook(tmp, lab)
    ansible = os.environ.get("ANSIBLE_PLAYBOOK") or shutil.which("ansible-playbook")
    ansible_env = {
        **os.environ,
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_FORKS": str(HOSTS),
        "ANSIBLE_PRIVATE_KEY_FILE": str(lab.key_path),
        "ANSIBLE_REMOTE_USER": "root",
        "ANSIBLE_STDOUT_CALLBACK": "default",
    }
    runs: dict[str, list[tuple[float, float]]] = {"floor (asyncssh)": [], "kctui": []}
    if ansible:
        runs["ansible-playbook"] = []
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    for _ in range(ROUNDS):
        floor = [py, str(clients), "floor", str(lab.key_path), str(HOSTS), str(STEPS), *addresses]
        runs["floor (asyncssh)"].append(timed(floor, env))
        runs["kctui"].append(
            timed([py, str(clients), "kctui", str(data), str(HOSTS), str(STEPS)], env)
        )
        if ansible:
            runs["ansible-playbook"].append(
                timed([ansible, "-i", str(inventory), str(book), "-f", str(HOSTS)], ansible_env)
            )
    return runs


def update_latency(tmp: Path) -> dict[str, list[float]]:
    from store.database import Database
    from store.documents.operation import NodeTask, Operation, Step, TaskStatus
    from store.repository import Repository
    from store.secrets import SecretBox

    def sample_op(i: int) -> Operation:
        names = [f"node-{n}" for n in range(HOSTS)]
        steps = [
            Step(
                name=f"s{s}", script="true\n", nodes=names, tasks=[NodeTask(node=n) for n in names]
            )
            for s in range(STEPS)
        ]
        return Operation(id=f"op-{i:05d}", type="bench", steps=steps)

    store = Store(tmp / "latency")
    box = SecretBox(tmp / "latency" / "secret.key")
    tiny = Repository(Database(tmp / "latency" / "all-in-one.json"), Operation, box)
    ops = [sample_op(i) for i in range(1000)]
    for op in ops:
        store.operations.add(op)
    with tiny.db.transaction():
        table = tiny.db.table(Operation.TABLE)
        table.insert_multiple(op.model_dump(mode="json", by_alias=True) for op in ops)
    current = sample_op(1000)
    store.operations.add(current)
    tiny.add(current)
    result: dict[str, list[float]] = {"kctui (file per operation)": [], "one TinyDB file": []}
    for i in range(100):
        current.steps[i % STEPS].tasks[i % HOSTS].status = TaskStatus.SUCCEEDED
        start = time.perf_counter()
        store.operations.save(current)
        result["kctui (file per operation)"].append(time.perf_counter() - start)
        start = time.perf_counter()
        tiny.put(current)
        result["one TinyDB file"].append(time.perf_counter() - start)
    return result


def main() -> int:
    labs.down(LAB)
    lab = labs.up(LAB, HOSTS)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            runs = fanout(lab, Path(tmp))
            latency = update_latency(Path(tmp))
    finally:
        labs.down(LAB)
    floor_wall = statistics.median(w for w, _ in runs["floor (asyncssh)"])
    print(f"fan-out: {HOSTS} lab hosts x {STEPS} steps, median of {ROUNDS} interleaved rounds")
    print(f"{'client':<20}{'wall':>9}{'vs floor':>10}{'client CPU':>12}")
    medians = {}
    for name, samples in runs.items():
        wall = statistics.median(w for w, _ in samples)
        cpu = statistics.median(c for _, c in samples)
        medians[name] = wall
        print(f"{name:<20}{wall:>8.2f}s{wall / floor_wall:>9.2f}x{cpu:>11.2f}s")
    ok = medians["kctui"] <= 1.5 * floor_wall
    if "ansible-playbook" in medians:
        ratio = medians["kctui"] / medians["ansible-playbook"]
        print(f"kctui / ansible-playbook wall: {ratio:.2f} (target <= 0.33)")
        ok = ok and ratio <= 1 / 3
    else:
        print("ansible-playbook not found: install ansible-core to compare")
    print("\nper-task state update with 1,000 past operations (100 updates)")
    print(f"{'store':<28}{'median':>10}{'p95':>10}")
    base = statistics.median(latency["one TinyDB file"])
    for name, samples in latency.items():
        med = statistics.median(samples)
        p95 = sorted(samples)[94]
        print(f"{name:<28}{med * 1000:>8.2f}ms{p95 * 1000:>8.2f}ms  ({med / base:.3f}x)")
    ok = ok and statistics.median(latency["kctui (file per operation)"]) < 0.005
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
