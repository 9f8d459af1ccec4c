"""Images fetched with skopeo from a real registry (Debian's docker-registry on 127.0.0.1) into
one archive that containerd's `ctr images import` takes: every image, under its full name."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from engine.catalog.images import ImageError, fetch_images, kubernetes_images, parse
from tests.registry import plain_registry, seed

REFS = [
    "registry.k8s.io/pause:3.9",
    "docker.io/library/haproxy:2.8",
    "quay.io/tigera/operator:v1.32.7",
]


def test_the_kubernetes_images_are_kubeadms_list() -> None:
    assert kubernetes_images("v1.28.15") == [
        "registry.k8s.io/kube-apiserver:v1.28.15",
        "registry.k8s.io/kube-controller-manager:v1.28.15",
        "registry.k8s.io/kube-scheduler:v1.28.15",
        "registry.k8s.io/kube-proxy:v1.28.15",
        "registry.k8s.io/etcd:3.5.15-0",
        "registry.k8s.io/coredns/coredns:v1.10.1",
        "registry.k8s.io/pause:3.9",
        "docker.io/library/haproxy:2.8",
    ]
    assert parse("calico/node:v3.27.3") == ("docker.io", "calico/node", "v3.27.3")


def test_images_from_mirrors_in_one_archive_ctr_imports(tmp_path: Path) -> None:
    with plain_registry(tmp_path / "registry") as url:
        seed(url, tmp_path, REFS)
        mirrors = {"registry.k8s.io": url, "docker.io": url, "quay.io": url}
        archive = fetch_images(REFS, tmp_path / "images.tar", "amd64", mirrors)
        with pytest.raises(ImageError, match=r"registry.k8s.io/pause:9.9: cannot copy it from"):
            fetch_images(["registry.k8s.io/pause:9.9"], tmp_path / "none.tar", "amd64", mirrors)
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        names = set(tar.getnames())
    tags = [t for entry in manifest for t in entry["RepoTags"]]
    assert tags == REFS
    for entry in manifest:
        assert entry["Config"] in names and all(layer in names for layer in entry["Layers"])
    assert ctr_import(archive, tmp_path / "containerd") >= set(REFS)


def ctr_import(archive: Path, work: Path) -> set[str]:
    """Import `archive` into a containerd of the test's own; the image names it then holds."""
    if os.geteuid() != 0 or shutil.which("containerd") is None:
        pytest.skip("a containerd of the test's own needs root")
    work.mkdir()
    sock = work / "c.sock"
    config = work / "config.toml"
    config.write_text(
        'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  disable_apparmor = true\n'
    )
    daemon = subprocess.Popen(
        ["containerd", "--config", str(config), "--root", str(work / "root"),
         "--state", str(work / "state"), "--address", str(sock)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            if sock.exists():
                break
            time.sleep(0.1)
        ctr = ["ctr", "--address", str(sock), "-n", "k8s.io"]
        done = subprocess.run(
            [*ctr, "images", "import", str(archive)], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        listed = subprocess.run([*ctr, "images", "list", "-q"], capture_output=True, text=True)
        return set(listed.stdout.split())
    finally:
        daemon.terminate()
        daemon.wait(timeout=20)
