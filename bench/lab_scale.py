"""Lab scale: time to bring up 50 hosts, and server CPU per trivial ssh command.

Server CPU is read from the host's sshd (PID 1 of the host): its own CPU time plus that of
the session processes it reaped, before and after one `true` per host over OpenSSH. The peer
is the same command run locally (fork+exec of /bin/true through bash), measured the same way.
Targets: up in under 30 s; under 20 ms of server CPU per command.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from results import report

from kctui.lab import lab as labs
from kctui.lab.ssh import ssh_argv

HOSTS = int(os.environ.get("LAB_BENCH_HOSTS", "50"))
NAME = "bench"
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(") ", 1)[1].split()
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return (utime + stime + cutime + cstime) / TICK


def main() -> int:
    labs.down(NAME)
    start = time.perf_counter()
    lab = labs.up(NAME, HOSTS)
    up_seconds = time.perf_counter() - start
    try:
        sshd = {h.name: h.sshd_pid for h in lab.hosts}
        argv = {h.name: ssh_argv(lab, h, "root", ["true"]) for h in lab.hosts}
        subprocess.run(argv[lab.hosts[0].name], check=True)  # warm caches
        before = {n: cpu_seconds(p) for n, p in sshd.items()}
        wall = time.perf_counter()
        with ThreadPoolExecutor(16) as pool:
            codes = list(pool.map(lambda n: subprocess.run(argv[n]).returncode, argv))
        wall = time.perf_counter() - wall
        after = {n: cpu_seconds(p) for n, p in sshd.items()}
        assert codes == [0] * HOSTS, codes
        per_cmd_ms = 1000 * sum(after[n] - before[n] for n in sshd) / HOSTS
        local = time.perf_counter()
        t0 = os.times()
        for _ in range(HOSTS):
            subprocess.run(["bash", "-c", "true"], check=True)
        t1 = os.times()
        local_ms = (
            1000
            * ((t1.children_user - t0.children_user) + (t1.children_system - t0.children_system))
            / HOSTS
        )
        local = time.perf_counter() - local
    finally:
        labs.down(NAME)
    print(f"lab up --nodes {HOSTS}: {up_seconds:.2f} s (target < 30 s)")
    print(f"one ssh 'true' per host: {wall:.2f} s wall for {HOSTS} hosts")
    print(
        f"server CPU per ssh command: {per_cmd_ms:.1f} ms (target < 20 ms); "
        f"local bash -c true: {local_ms:.1f} ms -> {per_cmd_ms / max(local_ms, 0.1):.1f}x"
    )
    ok = report("lab up, 50 hosts", f"{up_seconds:.1f} s", "-", "-", "< 30 s", up_seconds < 30)
    ok &= report(
        "lab: server CPU per ssh command",
        f"{per_cmd_ms:.1f} ms",
        f"{local_ms:.1f} ms local bash -c true",
        f"{per_cmd_ms / max(local_ms, 0.1):.1f}x",
        "< 20 ms",
        per_cmd_ms < 20,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
