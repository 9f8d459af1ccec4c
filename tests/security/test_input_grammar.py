"""Hostile strings in every spec field, backup point path and registry that reaches a node are
refused at input, naming the field; nothing is stored."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine.backups.points import validate as validate_point
from engine.clusters.validate import validate
from store.documents.backup import BackupPoint
from store.documents.cluster import ClusterSpec
from store.store import Store
from tests.cli import kctui
from tests.unit.test_validate import world  # noqa: F401  (fixture)

PAYLOADS = [
    "$(touch /tmp/pwn7)",
    "`touch /tmp/pwn7`",
    "x;touch /tmp/pwn7",
    "x'y",
    'x"y',
    "x\ny",
    "../../../root",
    "x\x00y",
    "x y",
    "ünï",
    "${IFS}",
]


NFS = {"serverAddr": "10.20.0.50", "sharedPath": "/exports"}
CEPH = {"monitors": ["10.20.0.60:6789"], "key": "AQBf5/Vk=="}


def _nfs(**field: Any) -> dict[str, Any]:
    return {"storage": {"nfs": [{**NFS, **field}]}}


def _ceph(**field: Any) -> dict[str, Any]:
    return {"storage": {"ceph": [{**CEPH, **field}]}}


# (the field a problem must name, the spec changes that put the payload there)
FIELDS: list[tuple[str, Callable[[str], dict[str, Any]]]] = [
    ("spec.etcd.dataDir", lambda p: {"etcd": {"dataDir": "/" + p}}),
    ("spec.containerRuntime.rootDir", lambda p: {"containerRuntime": {"rootDir": "/" + p}}),
    (
        "spec.containerRuntime.registryMirrors[0]",
        lambda p: {"containerRuntime": {"registryMirrors": ["https://" + p]}},
    ),
    (
        "spec.containerRuntime.insecureRegistries[0]",
        lambda p: {"containerRuntime": {"insecureRegistries": [p]}},
    ),
    ("spec.storage.nfs[0].serverAddr", lambda p: _nfs(serverAddr=p)),
    ("spec.storage.nfs[0].sharedPath", lambda p: _nfs(sharedPath="/" + p)),
    ("spec.storage.nfs[0].mountOptions[0]", lambda p: _nfs(mountOptions=[p])),
    ("spec.storage.ceph[0].monitors[0]", lambda p: _ceph(monitors=[p])),
    ("spec.storage.ceph[0].pool", lambda p: _ceph(pool=p)),
    ("spec.storage.ceph[0].user", lambda p: _ceph(user=p)),
    ("spec.storage.ceph[0].clusterID", lambda p: _ceph(clusterID=p)),
    ("spec.certSANs[0]", lambda p: {"certSANs": [p]}),
    ("spec.networking.dnsDomain", lambda p: {"networking": {"dnsDomain": p}}),
    ("spec.networking.externalIP", lambda p: {"networking": {"externalIP": p}}),
]


@pytest.mark.parametrize(("field", "put"), FIELDS, ids=[f[0] for f in FIELDS])
@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_a_hostile_spec_string_is_refused_naming_its_field(
    world: Store,  # noqa: F811
    tally: Counter[str],
    field: str,
    put: Callable[[str], dict[str, Any]],
    payload: str,
) -> None:
    raw = {"masters": [{"node": "n1"}], "workers": [{"node": "n2"}], **put(payload)}
    problems = [str(p) for p in validate("demo", ClusterSpec.model_validate(raw), world)]
    refused = any(p.startswith(f"{field}:") for p in problems)
    tally["hostile inputs refused at input" if refused else "hostile inputs accepted"] += 1
    assert refused, problems


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
@pytest.mark.parametrize("where", ["labels", "taint key", "taint value"])
def test_hostile_labels_and_taints_are_refused(
    world: Store,  # noqa: F811
    payload: str,
    where: str,
) -> None:
    worker: dict[str, Any] = {"node": "n2"}
    if where == "labels":
        worker["labels"] = {"tier": payload}
    else:
        key, value = ("k", payload) if where == "taint value" else (payload, "v")
        worker["taints"] = [{"key": key, "value": value, "effect": "NoSchedule"}]
    spec = ClusterSpec.model_validate({"masters": [{"node": "n1"}], "workers": [worker]})
    problems = [str(p) for p in validate("demo", spec, world)]
    assert any(p.startswith("spec.workers[0].") for p in problems), problems


@pytest.mark.parametrize("payload", [*PAYLOADS, "/", "/etc", "/a/../b", "//x"], ids=range(15))
def test_a_hostile_backup_path_is_refused(store: Store, payload: str) -> None:
    path = payload if payload.startswith("/") else f"/tmp/bk{payload}"
    point = BackupPoint(name="p", type="fs", fs_path=path)
    problems = validate_point(point, store, new=True)
    assert any(p.field == "fsPath" for p in problems), problems


# an argument cannot carry NUL
ARGUMENTS = [p for p in PAYLOADS if "\x00" not in p] + ["..:5000", "host:0", "host:99999"]


@pytest.mark.parametrize("payload", ARGUMENTS, ids=range(len(ARGUMENTS)))
def test_a_hostile_registry_host_is_refused_and_nothing_stored(
    tmp_path: Path, payload: str
) -> None:
    data = tmp_path / "data"
    refused = kctui(data, "registry", "add", "r", "--host", payload)
    assert (
        refused.returncode == 1 and "host " in refused.stderr and "Traceback" not in refused.stderr
    )
    assert kctui(data, "registry", "list", "--json").stdout.strip() == "[]"
