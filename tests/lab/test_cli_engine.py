"""`kctui node ...` and `kctui operation ...` as an operator runs them, against lab hosts."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest

from kctui.lab import lab as labs
from kctui.lab.state import SUDO_PASSWORD_USER, Lab
from store.documents.operation import Operation, Step
from store.store import Store
from tests import cli
from tests.cli import KCTUI

pytestmark = pytest.mark.lab
ROOT = Path(__file__).resolve().parents[2]
kctui = partial(cli.kctui, timeout=120)


def test_node_commands(lab: Lab, tmp_path: Path) -> None:
    data = tmp_path / "data"
    h1, h2, h3 = lab.hosts
    refused = kctui(
        data, "node", "add", h1.address, "--name", "n1", "--key", str(lab.key_path), input=""
    )
    assert refused.returncode == 1 and h1.host_key_fingerprint in refused.stderr
    assert "--accept-host-key" in refused.stderr

    added = kctui(
        data,
        "node",
        "add",
        h1.address,
        "--name",
        "n1",
        "--key",
        str(lab.key_path),
        "--label",
        "zone=a",
        "--region",
        "east",
        "--accept-host-key",
        h1.host_key_fingerprint,
        "--json",
    )
    assert added.returncode == 0, added.stderr
    node = json.loads(added.stdout)
    assert node["facts"]["hostname"] == h1.name and node["labels"] == {"zone": "a"}
    pw = lab.user_password
    added = kctui(
        data,
        "node",
        "add",
        h2.address,
        "--name",
        "n2",
        "--user",
        SUDO_PASSWORD_USER,
        "--password-stdin",
        "--sudo-password-stdin",
        "--accept-host-key",
        h2.host_key_fingerprint,
        input=f"{pw}\n{pw}\n",
    )
    assert added.returncode == 0, added.stderr
    listed = json.loads(kctui(data, "node", "list", "--json").stdout)
    assert [n["name"] for n in listed] == ["n1", "n2"]
    assert listed[1]["password"] == "********" and pw not in json.dumps(listed)
    assert [
        n["name"]
        for n in json.loads(kctui(data, "node", "list", "--region", "east", "--json").stdout)
    ] == ["n1"]
    regions = json.loads(kctui(data, "region", "list", "--json").stdout)
    assert {"name": "east", "nodes": 1} in regions and {"name": "default", "nodes": 1} in regions
    assert "hostname: " + h2.name in kctui(data, "node", "show", "n2").stdout

    assert kctui(data, "node", "disable", "n2").stdout.strip() == "n2 is disabled"
    assert json.loads(kctui(data, "node", "show", "n2", "--json").stdout)["enabled"] is False
    kctui(data, "node", "enable", "n2")

    labs.fault(lab, h1.name, "rekey")
    probe = kctui(data, "node", "probe")
    assert probe.returncode == 1 and "HOST KEY CHANGED" in probe.stdout
    new = lab.host(h1.name).host_key_fingerprint
    assert kctui(data, "node", "trust", "n1", "--accept-host-key", new).returncode == 0
    assert kctui(data, "node", "probe", "n1").returncode == 0

    assert "needs --yes" in kctui(data, "node", "remove", "n2").stderr
    assert kctui(data, "node", "remove", "n2", "--yes").returncode == 0
    assert kctui(data, "node", "show", "n2").returncode == 1

    csv = tmp_path / "more.csv"
    csv.write_text(
        f"name,address,key,hostKey\nn3,{h3.address},{lab.key_path},{h3.host_key_fingerprint}\n"
        f"n4,{h3.address},{lab.key_path},\n"
    )
    imported = json.loads(kctui(data, "node", "import", str(csv), "--json").stdout)
    assert [(n["name"], n["status"]) for n in imported] == [("n3", "online"), ("n4", "unknown")]
    assert "kctui node trust n4" in imported[1]["lastError"]
    again = kctui(data, "node", "import", str(csv))
    assert again.returncode == 1 and "exist already: n3, n4" in again.stderr


def test_operation_commands(lab: Lab, tmp_path: Path) -> None:
    data = tmp_path / "data"
    for h in lab.hosts:
        assert (
            kctui(
                data,
                "node",
                "add",
                h.address,
                "--name",
                h.name,
                "--key",
                str(lab.key_path),
                "--accept-host-key",
                lab.host(h.name).host_key_fingerprint,
            ).returncode
            == 0
        )
    names = [h.name for h in lab.hosts]
    store = Store(data)
    op = Operation(
        type="test",
        cluster="c1",
        steps=[
            Step(name="modules", script="modprobe overlay\n", nodes=names),
            Step(name="wait", script="sleep 1\n", nodes=names),
        ],
    )
    store.operations.add(op)
    labs.fault(lab, names[2], "fail-next", "modprobe")
    result = subprocess.run(
        [sys.executable, "-m", "tests.oprun", str(data), str(_dump(op, tmp_path))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.strip() == "failed"

    listed = json.loads(kctui(data, "operation", "list", "--cluster", "c1", "--json").stdout)
    assert [(o["id"], o["status"]) for o in listed] == [(op.id, "failed")]
    show = kctui(data, "operation", "show", op.id).stdout
    assert re.search(rf"01 modules\s+{names[2]}\s+failed\s+1\s+exit 1: lab fault", show), show
    logs = kctui(data, "operation", "logs", op.id, "--step", "modules", "--node", names[2]).stdout
    assert f"[01-modules {names[2]}]" in logs and "made to fail" in logs

    labs.fault(lab, names[0], "down")
    try:
        plan = kctui(data, "operation", "retry", op.id, "--dry-run")
    finally:
        labs.fault(lab, names[0], "up")
    assert plan.returncode == 0 and "01 modules" in plan.stdout and "| sleep 1" in plan.stdout
    assert (
        json.loads(kctui(data, "operation", "show", op.id, "--json").stdout)["status"] == "failed"
    )

    retried = kctui(data, "operation", "retry", op.id)
    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert f"operation {op.id}: succeeded" in retried.stdout

    long = Operation(
        type="test", cluster="c1", steps=[Step(name="long", script="sleep 60\n", nodes=names)]
    )
    store.operations.add(long)
    runner = subprocess.Popen(
        [sys.executable, "-m", "tests.oprun", str(data), str(_dump(long, tmp_path))],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while store.operations.get(long.id).status.value != "running" and time.monotonic() < deadline:
        time.sleep(0.1)
    busy = Operation(
        type="test", cluster="c1", steps=[Step(name="s", script="true\n", nodes=names)]
    )
    blocked = subprocess.run(
        [sys.executable, "-m", "tests.oprun", str(data), str(_dump(busy, tmp_path))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert f"busy with operation {long.id}" in blocked.stderr
    cancelled = kctui(data, "operation", "cancel", long.id)
    assert cancelled.returncode == 0 and "cancelled" in cancelled.stdout
    assert runner.wait(timeout=30) == 0 and runner.stdout is not None
    assert runner.stdout.read().strip() == "cancelled"
    for h in names:
        assert (
            "sleep 60"
            not in subprocess.run(
                [KCTUI, "lab", "ssh", "--name", lab.name, h, "ps -eo args"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout
        )


def _dump(op: Operation, tmp_path: Path) -> Path:
    path = tmp_path / f"{op.id}.json"
    path.write_text(op.model_dump_json())
    return path
