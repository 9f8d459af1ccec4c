"""etcd backups and restores of a lab cluster, to an fs path on the node and to S3 (moto_server)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.backups.scheduler import Scheduler
from engine.backups.schedules import ScheduleService
from kctui.lab import lab as labs
from kctui.lab.state import Lab
from store.documents.backup import BackupPoint, S3Target
from store.secrets import Secret
from store.settings import load_settings
from store.store import Store
from tests.cli import KCTUI, kctui
from tests.labkit import ETCDCTL, kill_operation, node_report, out, prepared, ssh
from tests.s3server import ACCESS_KEY, SECRET_KEY, moto_server

pytestmark = pytest.mark.lab
FS_PATH = "/var/backups/etcd"
# A broken etcdctl on the node: snapshots work, restores fail (after the data dir was moved).
BROKEN_RESTORE = """#!/bin/sh
case "$*" in *"snapshot restore"*) echo "injected restore failure" >&2; exit 1;; esac
exec /usr/bin/etcdctl "$@"
"""
SLOW_SNAPSHOT = """#!/bin/sh
case "$*" in *"snapshot save"*) sleep 4;; esac
exec /usr/bin/etcdctl "$@"
"""


@pytest.fixture(scope="module")
def gamma(
    tmp_path_factory: pytest.TempPathFactory, lab_packages: dict[str, Path]
) -> Iterator[tuple[Lab, Path, str]]:
    tmp = tmp_path_factory.mktemp("backups")
    with moto_server() as s3_url:
        for lab, data in prepared(f"bk{os.getpid() % 10000}", 2, tmp, lab_packages):
            h = [x.name for x in lab.hosts]
            # attached at create: the create checks the path on the control plane
            ssh(lab, h[0], f"mkdir -p {FS_PATH}")
            assert kctui(data, "backup-point", "add", "rack", "--fs", FS_PATH).returncode == 0
            spec = {
                "apiVersion": "kctui/v1",
                "kind": "Cluster",
                "metadata": {"name": "gamma"},
                "spec": {
                    "masters": [{"node": h[0]}],
                    "workers": [{"node": h[1]}],
                    "offline": True,
                    "kubernetesVersion": "v1.28.15",
                    "backupPoint": "rack",
                },
            }
            path = tmp / "gamma.yaml"
            path.write_text(yaml.safe_dump(spec))
            created = kctui(data, "cluster", "create", "-f", str(path), "--yes", "--wait")
            assert created.returncode == 0, created.stdout + created.stderr
            yield lab, data, s3_url


def namespaces(lab: Lab) -> set[str]:
    keys = out(lab, lab.hosts[0].name, f"{ETCDCTL} get --prefix /registry/namespaces/ --keys-only")
    return {k.rsplit("/", 1)[1] for k in keys.split()}


def kubectl(data: Path, *args: str) -> None:
    done = kctui(data, "cluster", "kubectl", "gamma", "--", *args)
    assert done.returncode == 0, done.stderr


def backup(data: Path, name: str) -> dict[str, object]:
    made = kctui(data, "backup", "create", "gamma", "--name", name, "--json")
    assert made.returncode == 0, made.stdout + made.stderr
    result: dict[str, object] = json.loads(made.stdout)["backup"]
    assert result["state"] == "available"
    return result


def status(data: Path) -> dict[str, Any]:
    shown: dict[str, Any] = json.loads(kctui(data, "cluster", "show", "gamma", "--json").stdout)
    return shown["status"]


def restore(lab: Lab, data: Path, name: str) -> None:
    done = kctui(data, "backup", "restore", "gamma", name, "--yes")
    assert done.returncode == 0, done.stdout + done.stderr + node_report(lab, lab.hosts[0].name)
    assert status(data)["phase"] == "Running"


def test_fs_backup_then_restore_brings_a_deleted_namespace_back(
    gamma: tuple[Lab, Path, str],
) -> None:
    lab, data, _ = gamma
    master = lab.hosts[0].name
    spec = json.loads(kctui(data, "cluster", "show", "gamma", "--json").stdout)["spec"]
    assert spec["backupPoint"] == "rack"
    ops = json.loads(kctui(data, "operation", "list", "--json").stdout)
    create = json.loads(kctui(data, "operation", "show", ops[0]["id"], "--json").stdout)
    checked = [s["status"] for s in create["steps"] if s["name"] == "backup-point"]
    assert create["type"] == "create-cluster" and checked == ["succeeded"]
    kubectl(data, "create", "namespace", "team-a")
    kubectl(data, "create", "namespace", "team-b")

    taken = backup(data, "before")
    assert str(taken["name"]).startswith("gamma-before-") and len(str(taken["name"])) == 19
    assert taken["location"] == f"{FS_PATH}/{taken['name']}.db"
    assert taken["kubernetesVersion"] == "v1.28.15"
    on_node = out(lab, master, f"sha256sum {taken['location']}; stat -c %s {taken['location']}")
    assert on_node.split()[0] == taken["sha256"] and int(on_node.split()[2]) == taken["size"]
    assert out(lab, master, f"ls -A {FS_PATH}").split() == [f"{taken['name']}.db"]
    assert taken["nodes"] == {h.address: h.name for h in lab.hosts}

    kubectl(data, "delete", "namespace", "team-b")
    assert "team-b" not in namespaces(lab)
    restore(lab, data, str(taken["name"]))
    assert {"team-a", "team-b"} <= namespaces(lab)
    # the old data and the fetched snapshot are gone; etcd serves the API again
    leftovers = "ls -d /var/lib/etcd.kctui-* /var/lib/kctui/restore/* 2>/dev/null || true"
    assert out(lab, master, leftovers).split() == []
    assert "team-a" in out(lab, master, "kubectl get namespaces")

    deleted = kctui(data, "backup", "delete", str(taken["name"]))
    assert deleted.returncode == 1 and "pass --yes" in deleted.stderr
    assert kctui(data, "backup", "delete", str(taken["name"]), "--yes").returncode == 0
    assert out(lab, master, f"ls -A {FS_PATH}").split() == []
    assert json.loads(kctui(data, "backup", "list", "--json").stdout) == []


def use_s3(data: Path, s3_url: str) -> None:
    """The cluster backs up to the S3 point `bucket` (added on first use)."""
    if kctui(data, "backup-point", "show", "bucket").returncode != 0:
        added = kctui(
            data,
            "backup-point", "add", "bucket", "--s3", "--endpoint", s3_url,
            "--bucket", "etcd-backups", "--access-key", ACCESS_KEY, "--secret-key-stdin",
            input=SECRET_KEY + "\n",
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
    assert kctui(data, "cluster", "set", "gamma", "--backup-point", "bucket").returncode == 0


def bucket(s3_url: str) -> Any:
    from engine.backups.s3 import client

    return client(
        S3Target(
            endpoint=s3_url,
            bucket="etcd-backups",
            access_key=ACCESS_KEY,
            secret_key=Secret(SECRET_KEY),
        )
    )


def test_s3_backup_is_in_the_bucket_with_its_size_and_sha256(gamma: tuple[Lab, Path, str]) -> None:
    lab, data, s3_url = gamma
    use_s3(data, s3_url)
    kubectl(data, "create", "namespace", "team-s3")
    taken = backup(data, "s3")
    assert taken["location"] == f"gamma/{taken['name']}.db"

    s3 = bucket(s3_url)
    head = s3.head_object(Bucket="etcd-backups", Key=taken["location"])
    assert head["ContentLength"] == taken["size"] and head["Metadata"]["sha256"] == taken["sha256"]
    body = s3.get_object(Bucket="etcd-backups", Key=taken["location"])["Body"].read()
    assert hashlib.sha256(body).hexdigest() == taken["sha256"]
    # nothing staged is left on the node or on the jump host
    assert out(lab, lab.hosts[0].name, "ls -A /var/lib/kctui/backups").split() == []
    assert list((data / "staging").iterdir()) == []
    log = "\n".join(p.read_text() for p in (data / "operations").glob("*/*.log"))
    assert SECRET_KEY not in log

    kubectl(data, "delete", "namespace", "team-s3")
    assert "team-s3" not in namespaces(lab)
    restore(lab, data, str(taken["name"]))
    assert "team-s3" in namespaces(lab)


def test_a_kubelet_that_does_not_come_back_after_a_restore_is_reported(
    gamma: tuple[Lab, Path, str],
) -> None:
    lab, data, _ = gamma
    worker = lab.hosts[1].name
    taken = backup(data, "kubelet")
    labs.fault(lab, worker, "fail-next", "kubelet")  # its next start exits at once
    try:
        restore(lab, data, str(taken["name"]))  # etcd is restored: the restore itself succeeds
    finally:
        ssh(lab, worker, "systemctl start kubelet")
    last = status(data)["lastOperation"]
    op = json.loads(kctui(data, "operation", "show", last, "--json").stdout)
    step = next(s for s in op["steps"] if s["name"] == "restart-kubelet")
    tasks = {t["node"]: t for t in step["tasks"]}
    assert tasks[lab.hosts[0].name]["status"] == "succeeded"
    assert tasks[worker]["status"] == "failed"
    reason = tasks[worker]["reason"]
    assert "the kubelet did not stay active 3 s within 15 s of its restart" in reason, reason
    assert kctui(data, "backup", "delete", str(taken["name"]), "--yes").returncode == 0


def test_restore_of_a_backup_from_another_version_is_refused_and_changes_nothing(
    gamma: tuple[Lab, Path, str],
) -> None:
    lab, data, _ = gamma
    taken = backup(data, "old")
    kubectl(data, "create", "namespace", "after-old")
    operations = len(json.loads(kctui(data, "operation", "list", "--json").stdout))
    store = Store(data)
    try:  # as an upgrade would leave it: the cluster now runs a newer version
        store.clusters.update(
            "gamma", lambda c: setattr(c.status, "kubernetes_version", "v1.29.10")
        )
    finally:
        store.close()
    refused = kctui(data, "backup", "restore", "gamma", str(taken["name"]), "--yes")
    assert refused.returncode == 1
    assert (
        f"backup {taken['name']} was taken at Kubernetes v1.28.15 and gamma runs v1.29.10: "
        "a backup from before an upgrade cannot be restored after it"
    ) in refused.stderr
    assert "after-old" in namespaces(lab)
    shown = json.loads(kctui(data, "backup", "show", str(taken["name"]), "--json").stdout)
    assert shown["state"] == "available"
    assert status(data)["phase"] == "Running"
    assert len(json.loads(kctui(data, "operation", "list", "--json").stdout)) == operations
    store = Store(data)
    try:
        store.clusters.update(
            "gamma", lambda c: setattr(c.status, "kubernetes_version", "v1.28.15")
        )
    finally:
        store.close()


def test_a_restore_is_refused_while_a_control_plane_kubelet_is_stopped(
    gamma: tuple[Lab, Path, str],
) -> None:
    lab, data, _ = gamma
    master = lab.hosts[0].name
    taken = backup(data, "nokubelet")
    operations = len(json.loads(kctui(data, "operation", "list", "--json").stdout))
    ssh(lab, master, "systemctl stop kubelet")
    try:
        refused = kctui(data, "backup", "restore", "gamma", str(taken["name"]), "--yes")
    finally:
        ssh(lab, master, "systemctl start kubelet")
    assert refused.returncode == 1
    assert (
        "every control-plane node must be reachable and run its kubelet for a restore: "
        f"{master}: the kubelet is not running (systemctl start kubelet)"
    ) in refused.stderr
    assert len(json.loads(kctui(data, "operation", "list", "--json").stdout)) == operations
    assert status(data)["phase"] == "Running"
    assert len(out(lab, master, "ls /etc/kubernetes/manifests").split()) == 4
    assert kctui(data, "backup", "delete", str(taken["name"]), "--yes").returncode == 0


def test_a_failed_restore_puts_the_old_data_back(gamma: tuple[Lab, Path, str]) -> None:
    lab, data, _ = gamma
    master = lab.hosts[0].name
    taken = backup(data, "rollback")
    kubectl(data, "create", "namespace", "made-after")
    ssh(
        lab,
        master,
        "cat > /usr/local/bin/etcdctl && chmod 755 /usr/local/bin/etcdctl",
        input=BROKEN_RESTORE.encode(),
    )
    try:
        failed = kctui(data, "backup", "restore", "gamma", str(taken["name"]), "--yes")
    finally:
        ssh(lab, master, "rm -f /usr/local/bin/etcdctl")
    assert failed.returncode == 1
    assert "injected restore failure" in failed.stdout + failed.stderr, (
        failed.stdout + failed.stderr + node_report(lab, master)
    )
    assert status(data)["phase"] == "RestoreFailed"
    retry = kctui(data, "cluster", "retry", "gamma")
    assert retry.returncode == 1
    assert f"cannot resume; restore {taken['name']} to gamma again" in retry.stderr
    # the data as it was before the restore: the namespace made after the backup is there
    assert "made-after" in namespaces(lab)
    assert out(lab, master, "ls /etc/kubernetes/manifests").split() == [
        "etcd.yaml",
        "kube-apiserver.yaml",
        "kube-controller-manager.yaml",
        "kube-scheduler.yaml",
    ]
    leftovers = "ls -d /var/lib/etcd.kctui-* /var/lib/kctui/restore/* 2>/dev/null || true"
    assert out(lab, master, leftovers).split() == []

    # RestoreFailed is the other phase a restore starts from; this one goes through
    restore(lab, data, str(taken["name"]))
    assert "made-after" not in namespaces(lab)


def test_retention_keeps_the_three_newest_of_five_runs(gamma: tuple[Lab, Path, str]) -> None:
    _lab, data, s3_url = gamma
    use_s3(data, s3_url)
    store = Store(data)
    clock = Clock(datetime.now(UTC))
    try:
        ScheduleService(store, clock).add("hourly", "gamma", cron="0 * * * *", keep=3)
        made = []
        for _ in range(5):
            clock.now = store.cron_backups.get("hourly").next_run + timedelta(seconds=1)
            runs = asyncio.run(Scheduler(store, load_settings(data), clock).tick())
            assert [r.result for r in runs] == ["succeeded"], runs
            made.append(runs[0].backup)
        kept = {b.name for b in store.backups.list(lambda b: b.schedule == "hourly")}
        assert kept == set(made[2:])
        assert [r.message for r in store.cron_backups.get("hourly").runs] == ["", "", ""] + [
            f"deleted {name} (keep 3)" for name in made[:2]
        ]
        listed = bucket(s3_url).list_objects_v2(Bucket="etcd-backups", Prefix="gamma/gamma-hourly-")
        assert {o["Key"] for o in listed["Contents"]} == {f"gamma/{n}.db" for n in made[2:]}
        ScheduleService(store, clock).delete("hourly")
    finally:
        store.close()


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def daemon(data: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [KCTUI, "--data-dir", str(data), "daemon", "--poll", "0.3"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )


def runs_of(data: Path, name: str, at_least: int, timeout: float = 60) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        runs: list[dict[str, Any]] = json.loads(
            kctui(data, "cronbackup", "show", name, "--json").stdout
        )["runs"]
        if len(runs) >= at_least or time.monotonic() > deadline:
            return runs
        time.sleep(0.5)


def stop(*procs: subprocess.Popen[bytes]) -> None:
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        assert p.wait(timeout=60) == 0  # a clean stop on SIGTERM


def once(data: Path, s3_url: str, name: str, seconds: float) -> None:
    """A once-only backup of gamma (to S3), due in `seconds`."""
    use_s3(data, s3_url)
    at = (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()
    added = kctui(data, "cronbackup", "add", name, "--cluster", "gamma", "--at", at)
    assert added.returncode == 0, added.stderr


def test_two_daemons_on_one_data_dir_run_a_due_job_once(
    gamma: tuple[Lab, Path, str], tmp_path: Path
) -> None:
    _, data, s3_url = gamma
    once(data, s3_url, "twice", seconds=4)
    first, second = daemon(data, tmp_path / "a.log"), daemon(data, tmp_path / "b.log")
    try:
        runs = runs_of(data, "twice", 1)
        time.sleep(2)  # both polled several times after the run
    finally:
        stop(first, second)
    assert [r["result"] for r in runs_of(data, "twice", 1, timeout=0)] == ["succeeded"], runs
    made = json.loads(kctui(data, "backup", "list", "--json").stdout)
    assert [b["name"] for b in made if b["schedule"] == "twice"] == [runs[0]["backup"]]
    logs = [(tmp_path / f).read_text() for f in ("a.log", "b.log")]
    assert sum(log.count("twice (cluster gamma): succeeded") for log in logs) == 1
    assert all("scheduler" in log and "stopped" in log for log in logs)


def test_a_daemon_started_after_a_missed_run_within_the_grace_period_runs_it_once(
    gamma: tuple[Lab, Path, str], tmp_path: Path
) -> None:
    _, data, s3_url = gamma
    once(data, s3_url, "late", seconds=2)
    time.sleep(3)  # due, and no scheduler is up
    late = daemon(data, tmp_path / "late.log")
    try:
        runs = runs_of(data, "late", 1)
    finally:
        stop(late)
    again = daemon(data, tmp_path / "again.log")
    try:
        time.sleep(2)
    finally:
        stop(again)
    assert [r["result"] for r in runs_of(data, "late", 1, timeout=0)] == ["succeeded"], runs


def test_a_backup_cut_off_mid_way_ends_in_error_and_leaves_no_object(
    gamma: tuple[Lab, Path, str],
) -> None:
    lab, data, s3_url = gamma
    use_s3(data, s3_url)
    master = lab.hosts[0].name
    ssh(
        lab, master, "cat > /usr/local/bin/etcdctl && chmod 755 /usr/local/bin/etcdctl",
        input=SLOW_SNAPSHOT.encode(),
    )  # fmt: skip
    try:
        proc = subprocess.Popen(
            [KCTUI, "--data-dir", str(data), "backup", "create", "gamma", "--name", "cut"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        cut: list[dict[str, Any]] = []
        while not cut and time.monotonic() < deadline:
            listed = json.loads(kctui(data, "backup", "list", "--json").stdout)
            cut = [b for b in listed if b["name"].startswith("gamma-cut-")]
        assert cut and cut[0]["state"] == "creating"
        time.sleep(1)  # in the middle of the (slowed) snapshot
        kill_operation(data, cut[0]["operation"])  # the operation's own process
        proc.wait(timeout=30)
        shown = json.loads(kctui(data, "backup", "show", cut[0]["name"], "--json").stdout)
        assert shown["state"] == "error"
        assert "the kctui process running it stopped" in shown["error"]
        time.sleep(5)  # the script on the node runs to its end on its own
    finally:
        ssh(lab, master, "rm -f /usr/local/bin/etcdctl")
    listed = bucket(s3_url).list_objects_v2(Bucket="etcd-backups", Prefix="gamma/gamma-cut-")
    assert listed.get("Contents", []) == []
    refused = kctui(data, "backup", "restore", "gamma", cut[0]["name"], "--yes")
    assert "only an available backup can be restored" in refused.stderr
    assert kctui(data, "backup", "delete", cut[0]["name"], "--yes").returncode == 0
    assert out(lab, master, "ls -A /var/lib/kctui/backups").split() == []


def test_a_hostile_point_path_stored_before_it_was_checked_runs_nothing(
    gamma: tuple[Lab, Path, str], tally: Counter[str]
) -> None:
    """A point written before paths were checked (or by hand) reaches the node only quoted."""
    lab, data, _ = gamma
    marker = f"/tmp/kctui-pwn-{os.getpid()}"
    payloads = [
        f"/tmp/bk$(touch {marker}-1)",
        f"/tmp/bk`touch {marker}-2`",
        f"/tmp/bk;touch {marker}-3",
        f'/tmp/bk"$(touch {marker}-4)"',
        f"/tmp/bk'$(touch {marker}-5)'",
        f"/tmp/bk\ntouch {marker}-6",
    ]
    store = Store(data)
    try:
        for i, path in enumerate(payloads):
            store.backup_points.add(BackupPoint(name=f"evil{i}", type="fs", fs_path=path))
            store.clusters.update(
                "gamma", lambda c, i=i: setattr(c.spec, "backup_point", f"evil{i}")
            )
            done = kctui(data, "backup", "create", "gamma", "--name", "evil")
            tally["hostile inputs run through a lab backup"] += 1
            assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    finally:
        store.clusters.update("gamma", lambda c: setattr(c.spec, "backup_point", "rack"))
        for i in range(len(payloads)):
            if store.backup_points.exists(f"evil{i}"):
                store.backup_points.delete(f"evil{i}")
        store.close()
    found = [out(lab, h.name, f"ls {marker}-* 2>/dev/null || true").split() for h in lab.hosts]
    found.append([str(p) for p in Path("/tmp").glob(Path(marker).name + "-*")])
    executed = sum(len(f) for f in found)
    tally["executions on a lab node or the jump host"] += executed
    assert executed == 0, found


SLOW_RESTORE = """#!/bin/sh
case "$*" in *"snapshot restore"*) sleep 4;; esac
exec /usr/bin/etcdctl "$@"
"""


def test_a_restore_killed_mid_way_resumes_to_running_with_the_data_back(
    gamma: tuple[Lab, Path, str], tally: Counter[str]
) -> None:
    lab, data, _ = gamma
    master = lab.hosts[0].name
    kubectl(data, "create", "namespace", "kept-k")
    taken = backup(data, "kill")
    kubectl(data, "delete", "namespace", "kept-k")
    slow = "cat > /usr/local/bin/etcdctl && chmod 755 /usr/local/bin/etcdctl"
    ssh(lab, master, slow, input=SLOW_RESTORE.encode())
    try:
        proc = subprocess.Popen(
            [KCTUI, "--data-dir", str(data), "backup", "restore", "gamma", str(taken["name"]),
             "--yes"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        store = Store(data)
        deadline = time.monotonic() + 120
        op = None
        while time.monotonic() < deadline:
            restores = store.operations.list(lambda o: o.type == "restore")
            op = restores[-1] if restores else None
            steps = {s.name: s.status.value for s in op.steps} if op else {}
            if steps.get("restore") == "running":
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"the restore never reached its restore step: {op}")
        time.sleep(1)  # inside the (slowed) etcdctl snapshot restore
        kill_operation(data, op.id)  # the operation's own process
        proc.wait(timeout=30)
        tally["SIGKILLs of creates, backups and restores"] += 1
        store.close()
        assert op is not None
        time.sleep(5)  # the script on the node runs to its end on its own
        retried = kctui(data, "operation", "retry", op.id)
        assert retried.returncode == 0, retried.stdout + retried.stderr + node_report(lab, master)
    finally:
        ssh(lab, master, "rm -f /usr/local/bin/etcdctl")
    assert status(data)["phase"] == "Running"
    assert "kept-k" in namespaces(lab)
    assert out(lab, master, "ls -d /var/lib/etcd.kctui-* 2>/dev/null || true").split() == []
    tally["interrupted operations resumed to their end"] += 1


def test_z_deleting_the_cluster_deletes_its_schedules(gamma: tuple[Lab, Path, str]) -> None:
    _, data, _ = gamma
    assert kctui(
        data, "cronbackup", "add", "nightly", "--cluster", "gamma", "--cron", "30 2 * * *",
        "--keep", "7",
    ).returncode == 0  # fmt: skip
    refused = kctui(data, "cluster", "delete", "gamma", "--yes")
    assert (
        refused.returncode == 1
        and "backup(s); delete them first, or force the delete" in refused.stderr
    )
    deleted = kctui(data, "cluster", "delete", "gamma", "--yes", "--force")
    assert deleted.returncode == 0, deleted.stdout + deleted.stderr
    assert json.loads(kctui(data, "cronbackup", "list", "--json").stdout) == []
