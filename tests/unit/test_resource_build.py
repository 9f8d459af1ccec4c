"""`kctui resource build` against a fake upstream on 127.0.0.1 laid out as dl.k8s.io, GitHub
release assets and raw.githubusercontent.com are: packages built from it verify and push; a
file without a checksum or a pin, and a checksum mismatch, are refused by name."""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.catalog import resource_package
from engine.catalog.images import kubernetes_images
from tests import cli
from tests.registry import plain_registry, seed
from tests.upstream import Upstream, serving, tar_gz

K8S = "v1.28.15"
UNIT = b"[Service]\nExecStart=/usr/bin/kubelet\n"
DROPIN = b"[Service]\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBEADM_ARGS\n"
CONTAINERD_UNIT = b"[Service]\nExecStart=/usr/local/bin/containerd\n"
OPERATOR = b"kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: tigera-operator\n          image: quay.io/tigera/operator:v1.32.7\n"
RBAC = b"apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: nfs-client-provisioner}\n"
CALICO = [
    f"docker.io/calico/{c}:v3.27.3"
    for c in (
        "node",
        "cni",
        "kube-controllers",
        "typha",
        "pod2daemon-flexvol",
        "csi",
        "node-driver-registrar",
    )
]
NFS_IMAGE = "registry.k8s.io/sig-storage/nfs-subdir-external-provisioner:v4.0.2"
CEPH_IMAGES = [
    "registry.k8s.io/sig-storage/csi-provisioner:v4.0.0",
    "quay.io/cephcsi/cephcsi:v3.11.0",
]
CEPH = {
    "csidriver.yaml": b"apiVersion: storage.k8s.io/v1\nkind: CSIDriver\nmetadata: {name: rbd.csi.ceph.com}\n",
    "csi-provisioner-rbac.yaml": b"kind: ServiceAccount\nmetadata:\n  name: rbd-csi-provisioner\n  namespace: default\n",
    "csi-nodeplugin-rbac.yaml": b"kind: ServiceAccount\nmetadata:\n  name: rbd-csi-nodeplugin\n  namespace: default\n",
    "csi-rbdplugin-provisioner.yaml": (
        b"kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n"
        b"        - image: registry.k8s.io/sig-storage/csi-provisioner:v4.0.0\n"
        b"        - image: quay.io/cephcsi/cephcsi:v3.11.0\n"
    ),
    "csi-rbdplugin.yaml": b"kind: DaemonSet\nspec:\n  template:\n    spec:\n      containers:\n        - image: quay.io/cephcsi/cephcsi:v3.11.0\n",
}
RAW = {
    "/calico/v3.27.3/manifests/tigera-operator.yaml": OPERATOR,
    "/nfs/v4.0.2/deploy/rbac.yaml": RBAC,
    "/rel/v0.16.2/cmd/krel/templates/latest/kubelet/kubelet.service": UNIT,
    "/rel/v0.16.2/cmd/krel/templates/latest/kubeadm/10-kubeadm.conf": DROPIN,
    "/ctr/v1.7.22/containerd.service": CONTAINERD_UNIT,
    **{f"/ceph/v3.11.0/deploy/rbd/kubernetes/{name}": data for name, data in CEPH.items()},
}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fake registry.k8s.io and docker.io: Debian's docker-registry on 127.0.0.1."""
    work = tmp_path_factory.mktemp("registry")
    with plain_registry(work / "registry") as url:
        seed(
            url,
            work,
            [
                *kubernetes_images(K8S),
                *CALICO,
                "quay.io/tigera/operator:v1.32.7",
                NFS_IMAGE,
                *CEPH_IMAGES,
            ],
        )
        yield url


@pytest.fixture
def upstream(registry: str) -> Iterator[Upstream]:
    with serving() as up:
        up.registry = registry  # type: ignore[attr-defined]
        for binary in ("kubeadm", "kubelet", "kubectl"):
            path = f"/dl/release/{K8S}/bin/linux/amd64/{binary}"
            up.files[path] = os.urandom(4096) + binary.encode()
            up.files[path + ".sha256"] = sha(up.files[path]).encode()
        gh = "/gh"
        containerd = tar_gz({"bin/containerd": b"containerd!", "bin/ctr": b"ctr!"})
        path = f"{gh}/containerd/containerd/releases/download/v1.7.22/containerd-1.7.22-linux-amd64.tar.gz"
        up.files[path] = containerd
        up.files[path + ".sha256sum"] = f"{sha(containerd)}  {path.rsplit('/', 1)[1]}\n".encode()
        crictl = tar_gz({"crictl": b"crictl!"})
        path = f"{gh}/kubernetes-sigs/cri-tools/releases/download/v1.28.0/crictl-v1.28.0-linux-amd64.tar.gz"
        up.files[path] = crictl
        up.files[path + ".sha256"] = sha(crictl).encode()
        runc = f"{gh}/opencontainers/runc/releases/download/v1.1.14"
        up.files[f"{runc}/runc.amd64"] = b"runc!"
        up.files[f"{runc}/runc.sha256sum"] = (
            f"{'ab' * 32}  runc.arm64\n{sha(b'runc!')}  runc.amd64\n".encode()
        )
        registry = tar_gz({"registry": b"registry!", "LICENSE": b"Apache-2.0"})
        path = f"{gh}/distribution/distribution/releases/download/v2.8.3/registry_2.8.3_linux_amd64.tar.gz"
        up.files[path] = registry
        up.files[path + ".sha256"] = f"{sha(registry)}  {path.rsplit('/', 1)[1]}\n".encode()
        up.files.update(RAW)
        yield up


def build(up: Upstream, data: Path, out: Path, *extra: str) -> object:
    sources = {
        "kubernetes": "/dl",
        "github": "/gh",
        "kubernetes-release": "/rel",
        "containerd-raw": "/ctr",
        "calico-raw": "/calico",
        "nfs-raw": "/nfs",
        "ceph-csi-raw": "/ceph",
    }
    args = [f"--source={name}={up.url}{prefix}" for name, prefix in sources.items()]
    args += [
        f"--source={name}={up.registry}" for name in ("registry.k8s.io", "docker.io", "quay.io")
    ]  # type: ignore[attr-defined]
    return cli.kctui(
        data, "resource", "build", "--kubernetes", K8S, "--out", str(out), *args, *extra
    )


def pins() -> list[str]:
    keys = {
        "kubernetes-release/v0.16.2/cmd/krel/templates/latest/kubelet/kubelet.service": UNIT,
        "kubernetes-release/v0.16.2/cmd/krel/templates/latest/kubeadm/10-kubeadm.conf": DROPIN,
        "containerd-raw/v1.7.22/containerd.service": CONTAINERD_UNIT,
        "calico-raw/v3.27.3/manifests/tigera-operator.yaml": OPERATOR,
        "nfs-raw/v4.0.2/deploy/rbac.yaml": RBAC,
        **{f"ceph-csi-raw/v3.11.0/deploy/rbd/kubernetes/{n}": data for n, data in CEPH.items()},
    }
    return [f"--pin={key}={sha(data)}" for key, data in keys.items()]


def test_packages_built_from_upstream_verify_and_push(upstream: Upstream, tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    done = build(upstream, data, out, *pins())
    assert done.returncode == 0, done.stderr  # type: ignore[attr-defined]
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "calico-v3.27.3-amd64.tar.gz", "ceph-csi-v3.11.0-amd64.tar.gz",
        "containerd-1.7.22-amd64.tar.gz", f"kubernetes-{K8S}-amd64.tar.gz",
        "nfs-provisioner-v4.0.2-amd64.tar.gz", "registry-v2.8.3-amd64.tar.gz",
    ]  # fmt: skip
    ceph = resource_package.read(out / names.pop(1))
    assert sorted(f.path for f in ceph.files) == sorted(
        [*(f"manifests/{n}" for n in CEPH), "images/images.tar"]
    )  # kctui renders csi-config-map.yaml itself: upstream's is not in the package
    assert ceph.images_list == CEPH_IMAGES
    with tarfile.open(out / "ceph-csi-v3.11.0-amd64.tar.gz") as tar:
        rbac = tar.extractfile("manifests/csi-provisioner-rbac.yaml").read()  # type: ignore[union-attr]
    assert b"namespace: kube-system" in rbac and b"namespace: default" not in rbac
    calico = resource_package.read(out / names[0])
    assert calico.images_list == ["quay.io/tigera/operator:v1.32.7", *CALICO]
    assert resource_package.read(out / names[3]).images_list == [NFS_IMAGE]
    names = names[1:3]
    k8s = resource_package.read(out / names[1])
    assert {f.path for f in k8s.files} == {
        "bin/kubeadm", "bin/kubelet", "bin/kubectl", "systemd/kubelet.service",
        "systemd/10-kubeadm.conf", "images/images.tar",
    }  # fmt: skip
    assert k8s.images_list == kubernetes_images(K8S)
    kubeadm = next(f for f in k8s.files if f.path == "bin/kubeadm")
    assert kubeadm.sha256 == sha(upstream.files[f"/dl/release/{K8S}/bin/linux/amd64/kubeadm"])
    assert kubeadm.mode == 0o755
    cri = resource_package.read(out / names[0])
    assert {f.path for f in cri.files} == {
        "bin/containerd", "bin/ctr", "bin/crictl", "bin/runc", "systemd/containerd.service"
    }  # fmt: skip
    pushed = cli.kctui(data, "resource", "push", str(out), "--json")
    assert pushed.returncode == 0, pushed.stderr
    assert {p["package"]["id"] for p in json.loads(pushed.stdout)} == {
        f"kubernetes-{K8S}-amd64",
        "containerd-1.7.22-amd64",
        "calico-v3.27.3-amd64",
        "nfs-provisioner-v4.0.2-amd64",
        "ceph-csi-v3.11.0-amd64",
        "registry-v2.8.3-amd64",
    }
    registry = resource_package.read(out / "registry-v2.8.3-amd64.tar.gz")
    assert [(f.path, f.mode) for f in registry.files] == [("bin/registry", 0o755)]

    with tarfile.open(out / names[1]) as tar:
        unit = tar.extractfile("systemd/kubelet.service").read()  # type: ignore[union-attr]
    assert unit == UNIT.replace(b"/usr/bin", b"/usr/local/bin")
    again = build(upstream, data, out, *pins())  # from the cache: nothing downloaded again
    assert again.returncode == 0  # type: ignore[attr-defined]
    fetched = [p for p, _ in upstream.requests if not p.endswith(("sha256", "sha256sum"))]
    assert len(fetched) == len(set(fetched))


def test_a_file_without_a_checksum_or_a_pin_is_refused(upstream: Upstream, tmp_path: Path) -> None:
    done = build(upstream, tmp_path / "data", tmp_path / "out")
    said = done.stderr  # type: ignore[attr-defined]
    assert done.returncode == 1 and "kubelet.service: upstream publishes no checksum" in said  # type: ignore[attr-defined]
    assert (
        "--pin kubernetes-release/v0.16.2/cmd/krel/templates/latest/kubelet/kubelet.service=SHA256"
        in said
    )
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_a_checksum_mismatch_is_refused_naming_the_file_and_both_sums(
    upstream: Upstream, tmp_path: Path
) -> None:
    path = f"/dl/release/{K8S}/bin/linux/amd64/kubelet"
    right = sha(upstream.files[path])
    upstream.files[path + ".sha256"] = b"f" * 64
    done = build(upstream, tmp_path / "data", tmp_path / "out", *pins())
    said = done.stderr  # type: ignore[attr-defined]
    assert done.returncode == 1 and "kubelet: sha256 " + right in said and "f" * 64 in said  # type: ignore[attr-defined]
    assert not list((tmp_path / "data" / "build-cache").rglob("kubelet"))


def test_an_unknown_source_is_refused(tmp_path: Path) -> None:
    done = cli.kctui(
        tmp_path, "resource", "build", "--kubernetes", K8S, "--source", "nope=http://127.0.0.1:9"
    )
    assert done.returncode == 1 and "unknown source nope" in done.stderr
