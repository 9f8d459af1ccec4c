"""`kctui resource` and `kctui registry` as an operator runs them (no lab needed)."""

from __future__ import annotations

import gzip
import json
from functools import partial
from pathlib import Path

from engine.catalog import resource_package as rp
from tests import cli

kctui = partial(cli.kctui, timeout=60)


def package(tmp: Path) -> Path:
    return rp.build(
        tmp,
        name="calico",
        type="cni",
        version="v3.27.3",
        arch="amd64",
        files={"manifests/op.yaml": (b"kind: Namespace\n", 0o644)},
    )


def test_push_list_show_delete(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = package(tmp_path / "pkgs")
    pushed = kctui(data, "resource", "push", str(path), "--json")
    assert pushed.returncode == 0, pushed.stderr
    assert json.loads(pushed.stdout)[0]["package"]["id"] == "calico-v3.27.3-amd64"
    assert (data / "resources" / path.name).read_bytes() == path.read_bytes()
    assert kctui(data, "resource", "push", str(path)).returncode == 0  # the same again: fine
    listed = json.loads(kctui(data, "resource", "list", "--json").stdout)
    assert [(p["id"], p["type"]) for p in listed] == [("calico-v3.27.3-amd64", "cni")]
    assert "manifests/op.yaml" in kctui(data, "resource", "show", "calico-v3.27.3-amd64").stdout
    assert "needs --yes" in kctui(data, "resource", "delete", "calico-v3.27.3-amd64").stderr
    assert kctui(data, "resource", "delete", "calico-v3.27.3-amd64", "--yes").returncode == 0
    assert not (data / "resources" / path.name).exists()
    assert json.loads(kctui(data, "resource", "list", "--json").stdout) == []


def test_push_takes_several_files_and_directories(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = package(tmp_path / "dir")
    second = rp.build(
        tmp_path / "dir",
        name="nfs-provisioner",
        type="csi",
        version="v4.0.2",
        arch="amd64",
        files={"manifests/nfs.yaml": (b"kind: Namespace\n", 0o644)},
    )
    (tmp_path / "dir" / "notes.txt").write_text("not a package\n")
    third = rp.build(
        tmp_path / "other",
        name="calico",
        type="cni",
        version="v3.26.4",
        arch="amd64",
        files={"manifests/op.yaml": (b"kind: Namespace\n", 0o644)},
    )
    pushed = kctui(data, "resource", "push", str(tmp_path / "dir"), str(third))
    assert pushed.returncode == 0, pushed.stderr
    assert pushed.stdout.count("pushed ") == 3
    listed = {p["id"] for p in json.loads(kctui(data, "resource", "list", "--json").stdout)}
    assert listed == {
        "calico-v3.27.3-amd64", "nfs-provisioner-v4.0.2-amd64", "calico-v3.26.4-amd64"
    }  # fmt: skip
    assert first.exists() and second.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    for path, said in (
        (empty, "the directory holds no package"),
        (tmp_path / "missing", "no such file or directory"),
    ):
        refused = kctui(data, "resource", "push", str(path))
        assert refused.returncode == 1 and said in refused.stderr, refused.stderr
        assert "Errno" not in refused.stderr and "Traceback" not in refused.stderr


def test_a_tampered_package_is_refused_and_nothing_stored(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = package(tmp_path / "pkgs")
    raw = gzip.decompress(path.read_bytes()).replace(b"kind: Namespace", b"kind: Namespacx")
    path.write_bytes(gzip.compress(raw))
    refused = kctui(data, "resource", "push", str(path))
    assert refused.returncode == 1
    assert (
        "manifests/op.yaml has sha256" in refused.stderr and "nothing was stored" in refused.stderr
    )
    assert json.loads(kctui(data, "resource", "list", "--json").stdout) == []


def test_registries(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert "host 'https://x'" in kctui(data, "registry", "add", "r1", "--host", "https://x").stderr
    added = kctui(
        data,
        "registry",
        "add",
        "r1",
        "--host",
        "127.0.0.1:5000",
        "--user",
        "bot",
        "--password-stdin",
        input="registry-pass-77\n",
    )
    assert added.returncode == 0, added.stderr
    shown = json.loads(kctui(data, "registry", "show", "r1", "--json").stdout)
    assert shown["password"] == "********" and shown["host"] == "127.0.0.1:5000"
    assert b"registry-pass-77" not in (data / "state.json").read_bytes()
    assert kctui(data, "registry", "add", "r1", "--host", "127.0.0.1:5000").returncode == 1
    assert kctui(data, "registry", "delete", "r1", "--yes").returncode == 0
    assert json.loads(kctui(data, "registry", "list", "--json").stdout) == []
