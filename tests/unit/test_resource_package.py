"""Resource packages: what build writes, read verifies, and every way a package is refused."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
import yaml

from engine.catalog import resource_package as rp


def build(tmp_path: Path) -> Path:
    return rp.build(
        tmp_path,
        name="kubernetes",
        type="k8s",
        version="v1.28.15",
        arch="amd64",
        files={"bin/kubeadm": (b"#!/bin/sh\n", 0o755), "README": (b"hi\n", 0o644)},
        images=["registry.k8s.io/pause:3.9"],
        images_archive=b"not really a tar",
    )


def rewrite(
    path: Path, change: dict[str, bytes], manifest_change: dict[str, object] | None = None
) -> None:
    with tarfile.open(path) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]
    members.update(change)
    if manifest_change:
        manifest = yaml.safe_load(members[rp.MANIFEST])
        manifest.update(manifest_change)
        members[rp.MANIFEST] = yaml.safe_dump(manifest).encode()
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_build_then_read(tmp_path: Path) -> None:
    path = build(tmp_path)
    assert path.name == "kubernetes-v1.28.15-amd64.tar.gz"
    pkg = rp.read(path)
    assert (pkg.id, pkg.type, pkg.archive) == ("kubernetes-v1.28.15-amd64", "k8s", path.name)
    assert {f.path: f.mode for f in pkg.files} == {
        "README": 0o644,
        "bin/kubeadm": 0o755,
        "images/images.tar": 0o644,
    }
    assert pkg.images == "images/images.tar" and pkg.images_list == ["registry.k8s.io/pause:3.9"]
    assert len(pkg.sha256) == 64 and pkg.size == path.stat().st_size
    assert build(tmp_path / "again").read_bytes() == path.read_bytes()  # reproducible


@pytest.mark.parametrize(
    ("change", "manifest_change", "message"),
    [
        ({"bin/kubeadm": b"tampered"}, None, "bin/kubeadm has sha256"),
        ({"extra": b"x"}, None, "files not in the manifest: extra"),
        (
            {},
            {"files": [{"path": "../etc/passwd", "sha256": "0" * 64}]},
            "unsafe path '../etc/passwd'",
        ),
        ({}, {"name": "Kube Rnetes"}, "must be lowercase"),
        ({}, {"type": "driver"}, "type"),
    ],
)
def test_bad_packages_are_refused(
    tmp_path: Path,
    change: dict[str, bytes],
    manifest_change: dict[str, object] | None,
    message: str,
) -> None:
    path = build(tmp_path)
    rewrite(path, change, manifest_change)
    with pytest.raises(rp.PackageError, match=message):
        rp.read(path)


def test_a_misnamed_or_broken_archive_is_refused(tmp_path: Path) -> None:
    path = build(tmp_path)
    renamed = path.rename(tmp_path / "kubernetes-v1.29.0-amd64.tar.gz")
    with pytest.raises(rp.PackageError, match="rename it"):
        rp.read(renamed)
    broken = tmp_path / "x.tar.gz"
    broken.write_bytes(b"not gzip")
    with pytest.raises(rp.PackageError, match=r"not a readable \.tar\.gz"):
        rp.read(broken)
