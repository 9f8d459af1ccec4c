"""A data dir that is read-only, full, hand-edited or holding a secret from another key: each
is one line naming the file, the document and the field, never a traceback, and `kctui doctor`
lists it."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from engine.clusters.service import ClusterService
from store.documents.cluster import Cluster
from store.documents.operation import Operation, OperationStatus
from store.settings import Settings
from store.store import Store
from tests.cli import KCTUI, kctui
from tests.fidelity import matrix

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mounts need root")


def _in_mount_namespace(setup: str, *commands: list[str]) -> list[tuple[int, str]]:
    """Run `setup` then each kctui command in a private mount namespace; (exit, stderr) each."""
    script = (
        setup
        + "\n"
        + "\n".join(
            f"rc=0; {shlex.join([KCTUI, *c])} || rc=$?; echo rc=$rc @@ >&2" for c in commands
        )
    )
    done = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-ec", script],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    parts = [p.strip() for p in done.stderr.split("@@") if p.strip()]
    results = []
    for part in parts:
        said, _, rc = part.rpartition("rc=")
        results.append((int(rc), said.strip()))
    assert len(results) == len(commands), done.stderr
    return results


@needs_root
def test_a_read_only_data_dir_is_one_line(tmp_path: Path, tally: Counter[str]) -> None:
    data = tmp_path / "data"
    assert kctui(data, "registry", "add", "r", "--host", "10.0.0.9:5000").returncode == 0
    d = shlex.quote(str(data))
    results = _in_mount_namespace(
        f"mount --bind {d} {d}; mount -o remount,bind,ro {d}",
        ["--data-dir", str(data), "node", "list"],
        ["--data-dir", str(data), "registry", "add", "r2", "--host", "10.0.0.8:5000"],
    )
    for code, said in results:
        tally["bad inputs"] += 1
        tally["tracebacks"] += "Traceback" in said
        assert code == 1 and said.count("\n") == 0, said
        assert "Read-only file system; the data dir must be writable" in said


@needs_root
def test_a_full_disk_names_the_file_and_loses_nothing(tmp_path: Path, tally: Counter[str]) -> None:
    small = tmp_path / "small"
    small.mkdir()
    data = small / "data"
    q = shlex.quote
    results = _in_mount_namespace(
        f"mount -t tmpfs -o size=128k tmpfs {q(str(small))}\n"
        f"{q(KCTUI)} --data-dir {q(str(data))} registry add r --host 10.0.0.9:5000 >/dev/null\n"
        f"dd if=/dev/zero of={q(str(small / 'fill'))} bs=1k 2>/dev/null || true",
        [
            "--data-dir",
            str(data),
            "registry",
            "add",
            "r2",
            "--host",
            "10.0.0.8:5000",
            "--description",
            "x" * 1000,
        ],
        ["--data-dir", str(data), "registry", "list"],
    )
    (code, said), (listed, _) = results
    tally["bad inputs"] += 1
    tally["tracebacks"] += "Traceback" in said
    assert code == 1 and said.count("\n") == 0, said
    assert f"{data / 'state.json'}: No space left on device; free some space" in said
    assert listed == 0


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    """A data dir with a cluster whose status is unknown and a node without an address."""
    data = tmp_path / "data"
    store = Store(data)
    matrix.populate(store, "")
    spec = {"masters": [{"node": "m1"}], "workers": [{"node": "w1"}], "offline": False}
    # online from a package mirror that is never asked: the plans need no pushed package
    settings = Settings(mirror_base_url="http://127.0.0.1:9")
    ClusterService(store, settings).create(
        Cluster.model_validate({"metadata": {"name": "one"}, "spec": spec})
    )
    store.close()
    state = json.loads((data / "state.json").read_text())
    next(iter(state["clusters"].values()))["status"]["phase"] = "Bogus"
    node = next(n for n in state["nodes"].values() if n["name"] == "m2")
    del node["address"]
    (data / "state.json").write_text(json.dumps(state))
    return data


def test_a_damaged_document_is_named_skipped_and_blocks_nothing_else(
    damaged: Path, tmp_path: Path, tally: Counter[str]
) -> None:
    state = damaged / "state.json"
    listed = kctui(damaged, "node", "list")
    assert listed.returncode == 0 and "w1" in listed.stdout and "m2" not in listed.stdout
    assert f"{state}: the node 'm2' is damaged (address: Field required)" in listed.stderr
    shown = kctui(damaged, "cluster", "show", "one")
    assert shown.returncode == 1 and shown.stderr.count("\n") == 1
    assert f"{state}: the cluster 'one' is damaged (status.phase: Input should be" in shown.stderr

    def create(master: str, worker: str) -> str:
        spec = tmp_path / f"{master}.yaml"
        spec.write_text(
            json.dumps(
                {
                    "apiVersion": "kctui/v1",
                    "kind": "Cluster",
                    "metadata": {"name": f"c-{master}"},
                    "spec": {"masters": [{"node": master}], "workers": [{"node": worker}]},
                }
            )
        )
        done = kctui(damaged, "cluster", "create", "-f", str(spec), "--dry-run")
        tally["bad inputs"] += 1
        tally["tracebacks"] += "Traceback" in done.stderr
        return f"{done.returncode}:{done.stderr}"

    assert create("m3", "w2").startswith("0:")  # the damaged ones are not in this spec
    uses_it = create("m2", "w2")
    assert uses_it.startswith("1:") and "the node 'm2' is damaged" in uses_it
    assert json.loads(state.read_text())  # nothing was rewritten over the damage
    doctor = kctui(damaged, "doctor", "--json")
    assert doctor.returncode == 1
    subjects = {f["subject"] for f in json.loads(doctor.stdout)["findings"]}
    assert subjects == {f"{state}: node m2", f"{state}: cluster one"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"metadata": {"name": "c", "description": "d" * 5_000_000}}, "metadata.description"),
        (
            {
                "spec": {
                    "storage": {
                        "nfs": [
                            {"serverAddr": "10.20.0.50", "sharedPath": "/e", "replicas": 1.0e20}
                        ]
                    }
                }
            },
            "spec.storage.nfs[0].replicas",
        ),
    ],
    ids=["5MB description", "replicas 1e20"],
)
def test_what_cannot_be_sane_is_refused_naming_its_field(
    tmp_path: Path, change: dict[str, dict[str, object]], field: str
) -> None:
    raw: dict[str, object] = {
        "apiVersion": "kctui/v1",
        "kind": "Cluster",
        "metadata": {"name": "c"},
        "spec": {},
    }
    raw.update(change)
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(raw))
    done = kctui(tmp_path / "data", "cluster", "create", "-f", str(spec), "--dry-run")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"  {field}: " in done.stderr


def test_a_too_long_description_argument_is_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = kctui(
        data, "registry", "add", "r", "--host", "10.0.0.9:5000", "--description", "x" * 5000
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr == "kctui: error: description: String should have at most 1024 characters\n"
    assert kctui(data, "registry", "list", "--json").stdout.strip() == "[]"


def test_a_secret_from_another_key_names_its_document_and_field(tmp_path: Path) -> None:
    data = tmp_path / "data"
    added = kctui(
        data,
        "registry",
        "add",
        "r",
        "--host",
        "10.0.0.9:5000",
        "--user",
        "u",
        "--password-stdin",
        input="pull-secret\n",
    )
    assert added.returncode == 0, added.stderr
    assert kctui(data, "doctor").returncode == 0
    (data / "secret.key").write_bytes(Fernet.generate_key())
    listed = kctui(data, "registry", "list")
    assert listed.returncode == 1 and listed.stderr.count("\n") == 1
    assert "the registry 'r', field password: a stored secret does not match" in listed.stderr
    doctor = kctui(data, "doctor", "--json")
    assert doctor.returncode == 1
    (finding,) = json.loads(doctor.stdout)["findings"]
    assert finding["subject"] == "registry r, field password"


def test_doctor_finds_open_modes_leftovers_and_an_operation_whose_process_is_gone(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    store = Store(data)
    op = Operation(type="create-cluster", cluster="c", status=OperationStatus.RUNNING)
    store.operations.add(op)
    store.close()
    assert kctui(data, "registry", "add", "r", "--host", "10.0.0.9:5000").returncode == 0
    (data / "state.json").chmod(0o644)
    (data / ".state.json.abc.tmp").write_text("{")
    doctor = kctui(data, "doctor", "--json")
    assert doctor.returncode == 1
    found = {(f["check"], f["subject"]) for f in json.loads(doctor.stdout)["findings"]}
    assert ("modes", str(data / "state.json")) in found
    assert ("leftovers", str(data / ".state.json.abc.tmp")) in found
    assert ("locks", f"operation {op.id}") in found
    assert kctui(data, "doctor").stdout.startswith("CHECK")
