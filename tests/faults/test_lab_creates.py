"""Creates on lab hosts under attack and faults: killed at a step, a node's host key changed in
the middle, a registry password full of shell. Each is refused or resumes to Running, and
nothing a payload says runs on a node or on the jump host."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from kctui.lab import lab as labs
from kctui.lab.packages import calico_images, kubernetes_images
from kctui.lab.state import Lab
from store.documents.operation import Operation
from store.store import Store
from tests.cli import KCTUI, kctui
from tests.conftest import FAULT_SCALE
from tests.labkit import kill_operation, node_report, out, prepared, ssh
from tests.registry import lab_registry, push

pytestmark = pytest.mark.lab
MARKER = f"/tmp/pw{os.getpid()}"  # short: htpasswd (bcrypt) takes 72 bytes


@pytest.fixture(scope="module")
def pair(
    tmp_path_factory: pytest.TempPathFactory, lab_packages: dict[str, Path]
) -> Iterator[tuple[Lab, Path]]:
    yield from prepared(
        f"fk{os.getpid() % 10000}", 2, tmp_path_factory.mktemp("faults"), lab_packages
    )


def _spec(lab: Lab, tmp: Path, name: str, **extra: object) -> Path:
    h = [x.name for x in lab.hosts]
    spec = {
        "apiVersion": "kctui/v1",
        "kind": "Cluster",
        "metadata": {"name": name},
        "spec": {"masters": [{"node": h[0]}], "workers": [{"node": h[1]}], "offline": True,
                 "kubernetesVersion": "v1.28.15", **extra},
    }  # fmt: skip
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def _create_until(
    data: Path, spec: Path, name: str, step: int
) -> tuple[subprocess.Popen[bytes], Operation]:
    """Start a create and return once its step `step` (0-based) has started."""
    proc = subprocess.Popen(
        [KCTUI, "--data-dir", str(data), "cluster", "create", "-f", str(spec), "--yes", "--wait"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    store = Store(data)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            ops = store.operations.list(lambda o: o.cluster == name and o.type == "create-cluster")
            if ops and ops[-1].steps[step].status.value != "pending":
                return proc, ops[-1]
            if proc.poll() is not None:
                break
            time.sleep(0.02)
    finally:
        store.close()
    proc.kill()
    pytest.fail(f"the create of {name} never started step {step}")


def _phase(data: Path, name: str) -> str:
    shown = json.loads(kctui(data, "cluster", "show", name, "--json").stdout)
    return str(shown["status"]["phase"])


def _delete(data: Path, name: str) -> None:
    done = kctui(data, "cluster", "delete", name, "--yes")
    assert done.returncode == 0, done.stdout + done.stderr


def _executions(lab: Lab) -> list[str]:
    found = [
        f for h in lab.hosts for f in out(lab, h.name, f"ls {MARKER}* 2>/dev/null || true").split()
    ]
    return found + [str(p) for p in Path(MARKER).parent.glob(Path(MARKER).name + "*")]


@contextlib.contextmanager
def _argv_sampler() -> Iterator[list[str]]:
    """Every process's command line (nodes' too: the lab shares the pid namespace), sampled
    every 50 ms while the block runs."""
    seen: list[str] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            ps = subprocess.run(["ps", "-eww", "-o", "args="], capture_output=True, text=True)
            seen.extend(ps.stdout.splitlines())
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield seen
    finally:
        stop.set()
        sampler.join()


def test_creates_killed_at_a_step_resume_to_running(
    pair: tuple[Lab, Path], tmp_path: Path, tally: Counter[str]
) -> None:
    lab, data = pair
    for round_ in range(FAULT_SCALE):
        name = f"kill{round_}"
        spec = _spec(lab, tmp_path, name)
        plan = kctui(data, "cluster", "create", "-f", str(spec), "--dry-run")
        steps = len(re.findall(r"^\d\d [a-z-]+: ", plan.stdout, re.MULTILINE))
        assert steps > 10, plan.stdout + plan.stderr
        at = 2 + (round_ * 5) % max(1, steps - 4)  # a different step each round
        proc, op = _create_until(data, spec, name, at)
        kill_operation(data, op.id)  # the operation's own process, not the CLI following it
        assert proc.wait(timeout=60) == 1
        tally["SIGKILLs of creates, backups and restores"] += 1
        assert _phase(data, name) == "Installing"
        retried = kctui(data, "operation", "retry", op.id)
        assert retried.returncode == 0, (
            retried.stdout + retried.stderr + node_report(lab, lab.hosts[0].name)
        )
        assert _phase(data, name) == "Running"
        tally["interrupted operations resumed to their end"] += 1
        _delete(data, name)


def test_a_host_key_changed_during_a_create_is_refused_until_trusted(
    pair: tuple[Lab, Path], tmp_path: Path, tally: Counter[str]
) -> None:
    lab, data = pair
    worker = lab.hosts[1]
    spec = _spec(lab, tmp_path, "mitm")
    proc, op = _create_until(data, spec, "mitm", 3)
    labs.fault(lab, worker.name, "rekey")
    # the sessions already open end too: from now on every connection meets the new key
    subprocess.run(["pkill", "-P", str(worker.sshd_pid)], check=False)
    assert proc.wait(timeout=600) != 0  # its open session to the worker was cut

    def worker_reasons() -> list[str]:
        shown = json.loads(kctui(data, "operation", "show", op.id, "--json").stdout)
        assert shown["status"] == "failed"
        return [
            t.get("reason") or ""
            for s in shown["steps"]
            for t in s["tasks"]
            if t["node"] == worker.name and t["status"] == "failed"
        ]

    assert worker_reasons()
    again = kctui(data, "operation", "retry", op.id)
    assert again.returncode != 0
    # the new connection meets the new key and is refused: nothing runs on the worker
    assert any("host key changed" in r.lower() for r in worker_reasons()), worker_reasons()
    tally["host key changes met"] += 1
    tally["host key changes refused"] += 1
    trusted = kctui(data, "node", "trust", worker.name, "--accept-host-key",
                    worker.host_key_fingerprint)  # fmt: skip
    assert trusted.returncode == 0, trusted.stderr
    retried = kctui(data, "operation", "retry", op.id)
    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert _phase(data, "mitm") == "Running"
    _delete(data, "mitm")


def test_a_registry_password_full_of_shell_is_only_ever_data(
    pair: tuple[Lab, Path], tmp_path: Path, tally: Counter[str]
) -> None:
    lab, data = pair
    password = f"p$(touch {MARKER}-1)`touch {MARKER}-2`;'\"\\ %s"
    with lab_registry(lab.gateway, tmp_path / "registry", password=password) as reg:
        push(reg, kubernetes_images("v1.28.15") + calico_images("v3.27.3"))
        added = kctui(
            data, "registry", "add", "hostile", "--host", reg.host, "--ca", str(reg.ca),
            "--user", reg.user, "--password-stdin", input=password,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        spec = _spec(lab, tmp_path, "inj", imageRegistry="hostile")
        with _argv_sampler() as argvs:
            created = kctui(data, "cluster", "create", "-f", str(spec), "--yes", "--wait")
        tally["hostile inputs run through a lab create"] += 1
        assert created.returncode == 0, created.stdout + created.stderr
        assert reg.pulls(), "the nodes pulled nothing with the password"
    executed = _executions(lab)
    tally["executions on a lab node or the jump host"] += len(executed)
    assert executed == []
    kept = [p for p in data.rglob("*") if p.is_file()]
    hits = [str(p) for p in kept if password.encode() in p.read_bytes()]
    hits += [a for a in argvs if password in a]
    canary = "/root/kctui-canary"  # the search finds a plaintext copy: it can fail
    ssh(lab, lab.hosts[0].name, f"cat > {canary}", input=password.encode())
    for h in lab.hosts:
        grep = "grep -rlF -f /dev/stdin /etc /root /var/lib/kctui /opt/kctui /tmp /var/log || true"
        hits += out(lab, h.name, grep, input=password.encode() + b"\n").split()
    hits.remove(canary)
    ssh(lab, lab.hosts[0].name, f"rm {canary}")
    tally["places searched for plaintext secrets"] += len(kept) + len(argvs) + len(lab.hosts)
    tally["plaintext secret hits"] += len(hits)
    assert hits == []
    _delete(data, "inj")
    assert kctui(data, "registry", "delete", "hostile", "--yes").returncode == 0


def test_a_full_disk_on_a_node_fails_that_node_and_a_retry_reaches_running(
    pair: tuple[Lab, Path], tmp_path: Path, tally: Counter[str]
) -> None:
    lab, data = pair
    worker = lab.hosts[1].name
    # the worker's own mount namespace: a 256 KiB file system where the packages go
    ssh(lab, worker, "mkdir -p /opt/kctui && mount -t tmpfs -o size=256k tmpfs /opt/kctui")
    try:
        spec = _spec(lab, tmp_path, "full")
        created = kctui(data, "cluster", "create", "-f", str(spec), "--yes", "--wait")
        assert created.returncode != 0
    finally:
        ssh(lab, worker, "umount /opt/kctui")
    store = Store(data)
    op = store.operations.list(lambda o: o.cluster == "full")[-1]
    store.close()
    failed = [(t.node, t.reason) for s in op.steps for t in s.tasks if t.status.value == "failed"]
    tally["full disks on a node"] += 1
    assert failed and all(node == worker for node, _ in failed), failed
    assert any("no space left on device" in reason.lower() for _, reason in failed), failed
    retried = kctui(data, "operation", "retry", op.id)
    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert _phase(data, "full") == "Running"
    _delete(data, "full")
