"""Fan-out: N lab hosts x S trivial steps, kctui's engine against ansible-playbook and a bare
asyncssh loop (the floor), interleaved in one run. Wall time and whole-process client CPU.

Second table: the cost of persisting one node-task change with 1,000 past operations in the
store, against the same write into one TinyDB file that holds them all.

Targets: kctui wall <= 1.2x the floor, client CPU <= 1.5x, <= 1/3 of ansible's wall; at
200 hosts its peak RSS <= 3x the floor's; a task update < 5 ms.
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

from results import report

from kctui.lab import lab as labs
from kctui.lab.register import register_nodes
from store.store import Store

HOSTS = int(os.environ.get("FANOUT_HOSTS", "50"))
STEPS = int(os.environ.get("FANOUT_STEPS", "10"))
ROUNDS = int(os.environ.get("FANOUT_ROUNDS", "3"))
LAB = "fan"
WALL_TARGET = 1.2
CPU_TARGET = 1.5
RSS_TARGET = 3.0
HERE = Path(__file__).parent


def timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user+system) and peak RSS (KiB, when the client says it) of
    a child process and its children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, check=True, env=env, stdout=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rss = [int(x.split()[1]) for x in done.stdout.splitlines() if x.startswith("peak-rss-kib ")]
    return wall, cpu, rss[0] if rss else 0


def playbook(tmp: Path, lab: labs.Lab) -> tuple[Path, Path]:
    inventory = tmp / "hosts.ini"
    inventory.write_text(
        "[lab]\n" + "".join(f"{h.name} ansible_host={h.address}\n" for h in lab.hosts[:HOSTS])
    )
    tasks = "".join(f"    - name: step {i}\n      raw: 'true'\n" for i in range(STEPS))
    book = tmp / "bench.yml"
    book.write_text(f"- hosts: lab\n  gather_facts: false\n  tasks:\n{tasks}")
    return inventory, book


def fanout(lab: labs.Lab, tmp: Path) -> dict[str, list[tuple[float, float, int]]]:
    data = tmp / "data"
    store = Store(data)
    register_nodes(lab, store)
    py = sys.executable
    clients = HERE / "fanout_clients.py"
    addresses = [h.address for h in lab.hosts[:HOSTS]]
    inventory, book = playbook(tmp, lab)
    ansible = os.environ.get("ANSIBLE_PLAYBOOK") or shutil.which("ansible-playbook")
    if os.environ.get("FANOUT_ANSIBLE") == "0":
        ansible = None
    ansible_env = {
        **os.environ,
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_FORKS": str(HOSTS),
        "ANSIBLE_PRIVATE_KEY_FILE": str(lab.key_path),
        "ANSIBLE_REMOTE_USER": "root",
        "ANSIBLE_STDOUT_CALLBACK": "default",
    }
    runs: dict[str, list[tuple[float, float, int]]] = {"floor (asyncssh)": [], "kctui": []}
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
            # the store's write cost is measured once, at the usual size
            latency = update_latency(Path(tmp)) if HOSTS <= 50 else {}
    finally:
        labs.down(LAB)
    print(f"fan-out: {HOSTS} lab hosts x {STEPS} steps, median of {ROUNDS} interleaved rounds")
    print(f"{'client':<20}{'wall':>9}{'vs floor':>10}{'client CPU':>12}{'peak RSS':>10}")
    med: dict[str, tuple[float, float, float]] = {}
    for name, samples in runs.items():
        med[name] = tuple(statistics.median(s[i] for s in samples) for i in range(3))  # type: ignore[assignment]
    floor = med["floor (asyncssh)"]
    for name, (wall, cpu, rss) in med.items():
        rss_text = f"{rss / 1024:.0f} MiB" if rss else "-"
        print(f"{name:<20}{wall:>8.2f}s{wall / floor[0]:>9.2f}x{cpu:>11.2f}s{rss_text:>10}")
    size = f"{HOSTS} hosts x {STEPS} steps"
    kctui = med["kctui"]
    ok = report(
        f"fan-out {size}: wall",
        f"{kctui[0]:.2f} s",
        f"{floor[0]:.2f} s asyncssh",
        f"{kctui[0] / floor[0]:.2f}x",
        f"<= {WALL_TARGET}x",
        kctui[0] <= WALL_TARGET * floor[0],
    )
    ok &= report(
        f"fan-out {size}: client CPU",
        f"{kctui[1]:.2f} s",
        f"{floor[1]:.2f} s asyncssh",
        f"{kctui[1] / floor[1]:.2f}x",
        f"<= {CPU_TARGET}x",
        kctui[1] <= CPU_TARGET * floor[1],
    )
    if HOSTS >= 200:
        ok &= report(
            f"fan-out {size}: peak RSS",
            f"{kctui[2] / 1024:.0f} MiB",
            f"{floor[2] / 1024:.0f} MiB asyncssh",
            f"{kctui[2] / floor[2]:.2f}x",
            f"<= {RSS_TARGET}x",
            kctui[2] <= RSS_TARGET * floor[2],
        )
    if "ansible-playbook" in med:
        ratio = kctui[0] / med["ansible-playbook"][0]
        ok &= report(
            f"fan-out {size}: against ansible",
            f"{kctui[0]:.2f} s",
            f"{med['ansible-playbook'][0]:.2f} s ansible-playbook",
            f"{ratio:.2f}x",
            "<= 0.33x",
            ratio <= 1 / 3,
        )
    elif os.environ.get("FANOUT_ANSIBLE") != "0":
        print("ansible-playbook not found: install ansible-core to compare")
    if latency:
        print("\nper-task state update with 1,000 past operations (100 updates)")
        print(f"{'store':<28}{'median':>10}{'p95':>10}")
        base = statistics.median(latency["one TinyDB file"])
        for name, samples in latency.items():
            mid = statistics.median(samples)
            p95 = sorted(samples)[94]
            print(f"{name:<28}{mid * 1000:>8.2f}ms{p95 * 1000:>8.2f}ms  ({mid / base:.3f}x)")
        kctui_update = statistics.median(latency["kctui (file per operation)"])
        ok &= report(
            "task update, 1,000 past operations",
            f"{kctui_update * 1000:.2f} ms",
            f"{base * 1000:.0f} ms one TinyDB file",
            f"{kctui_update / base:.3f}x",
            "< 5 ms",
            kctui_update < 0.005,
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
