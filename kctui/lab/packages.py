"""The lab's executables and the resource packages that carry them to the hosts.

Every simulated tool is one zipapp (assets/lab/sim) that acts by the name it is run as; a
Kubernetes package carries it as kubeadm, kubelet and kubectl with its version built in.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import shutil
import subprocess
import tarfile
import tempfile
import zipapp
from pathlib import Path

import assets
from engine.catalog import catalog, resource_package
from engine.catalog.images import kubernetes_images
from engine.catalog.packages import CEPH_CSI_VERSION
from kctui.lab.system import SYSTEM_PYTHON

SIM_SOURCE = assets.path("lab/sim")
UNITS = assets.path("lab/units")
MANIFESTS = assets.path("lab/manifests")

KUBERNETES_VERSIONS = ("v1.27.16", "v1.28.15", "v1.29.10", "v1.31.2")
CONTAINERD_VERSION = "1.7.22"
CALICO_VERSIONS = ("v3.27.3", "v3.28.2")
TIGERA_OPERATOR_VERSION = "v1.32.7"
NFS_PROVISIONER_VERSION = "v4.0.2"
CSI_PROVISIONER_VERSION = "v4.0.0"
CSI_REGISTRAR_VERSION = "v2.10.0"
# Debian's docker-registry (distribution) is the registry package's payload: the binary a
# distribution release tarball holds as `registry`.
REGISTRY_BINARY = Path("/usr/bin/docker-registry")


def arch() -> str:
    machine = platform.machine()
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)


def build_labsim(dest: Path, k8s_version: str = "", containerd_version: str = "") -> Path:
    """Bundle assets/lab/sim into one executable zip run by the hosts' system Python."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "sim"
        shutil.copytree(SIM_SOURCE, src, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        if k8s_version or containerd_version:
            releases = {
                r.version: {"etcd": r.etcd, "pause": r.pause, "coredns": r.coredns}
                for r in catalog.releases()
            }
            (src / "version.py").write_text(
                f"K8S_VERSION = {k8s_version!r}\nCONTAINERD_VERSION = {containerd_version!r}\n"
                f"RELEASES = {releases!r}\n"
            )
        partial = dest.with_suffix(".partial")
        zipapp.create_archive(src, partial, interpreter=SYSTEM_PYTHON)
    os.chmod(partial, 0o755)
    partial.replace(dest)
    return dest


def _sim_bytes(k8s_version: str = "", containerd_version: str = "") -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return build_labsim(Path(tmp) / "labsim", k8s_version, containerd_version).read_bytes()


def image_archive(images: list[str]) -> bytes:
    """A docker-save archive naming `images`, each one small layer (the lab runs no
    containers), as `docker save` writes it, so `ctr images import` and skopeo both read it."""
    layer_buf = io.BytesIO()
    with tarfile.open(fileobj=layer_buf, mode="w") as layer_tar:
        info = tarfile.TarInfo("etc/kctui-lab-image")
        info.size = 3
        layer_tar.addfile(info, io.BytesIO(b"lab"))
    layer = layer_buf.getvalue()
    layer_id = hashlib.sha256(layer).hexdigest()
    config = json.dumps(
        {
            "architecture": arch(),
            "os": "linux",
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": [f"sha256:{layer_id}"]},
        }
    ).encode()
    config_name = f"{hashlib.sha256(config).hexdigest()}.json"
    manifest = json.dumps(
        [{"Config": config_name, "RepoTags": images, "Layers": [f"{layer_id}/layer.tar"]}]
    ).encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in (
            (f"{layer_id}/layer.tar", layer),
            (config_name, config),
            ("manifest.json", manifest),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def calico_images(version: str) -> list[str]:
    return [
        f"quay.io/tigera/operator:{TIGERA_OPERATOR_VERSION}",
        f"docker.io/calico/node:{version}",
        f"docker.io/calico/cni:{version}",
        f"docker.io/calico/kube-controllers:{version}",
        f"docker.io/calico/typha:{version}",
    ]


def nfs_images() -> list[str]:
    return [
        f"registry.k8s.io/sig-storage/nfs-subdir-external-provisioner:{NFS_PROVISIONER_VERSION}"
    ]


def ceph_csi_images() -> list[str]:
    return [
        f"quay.io/cephcsi/cephcsi:{CEPH_CSI_VERSION}",
        f"registry.k8s.io/sig-storage/csi-provisioner:{CSI_PROVISIONER_VERSION}",
        f"registry.k8s.io/sig-storage/csi-node-driver-registrar:{CSI_REGISTRAR_VERSION}",
    ]


def build_packages(out: Path) -> list[Path]:
    a = arch()
    built = []
    for version in KUBERNETES_VERSIONS:
        sim = _sim_bytes(version, CONTAINERD_VERSION)
        images = kubernetes_images(version)
        built.append(
            resource_package.build(
                out,
                name="kubernetes",
                type="k8s",
                version=version,
                arch=a,
                files={
                    "bin/kubeadm": (sim, 0o755),
                    "bin/kubelet": (sim, 0o755),
                    "bin/kubectl": (sim, 0o755),
                    "systemd/kubelet.service": ((UNITS / "kubelet.service").read_bytes(), 0o644),
                    "systemd/10-kubeadm.conf": ((UNITS / "10-kubeadm.conf").read_bytes(), 0o644),
                },
                images=images,
                images_archive=image_archive(images),
            )
        )
    sim = _sim_bytes("", CONTAINERD_VERSION)
    built.append(
        resource_package.build(
            out,
            name="containerd",
            type="cri",
            version=CONTAINERD_VERSION,
            arch=a,
            files={
                "bin/containerd": (sim, 0o755),
                "bin/ctr": (sim, 0o755),
                "bin/crictl": (sim, 0o755),
                "systemd/containerd.service": ((UNITS / "containerd.service").read_bytes(), 0o644),
            },
        )
    )
    for calico in CALICO_VERSIONS:
        operator = (MANIFESTS / "tigera-operator.yaml").read_text()
        operator = operator.replace("{operator_version}", TIGERA_OPERATOR_VERSION)
        images = calico_images(calico)
        built.append(
            resource_package.build(
                out,
                name="calico",
                type="cni",
                version=calico,
                arch=a,
                files={"manifests/tigera-operator.yaml": (operator.encode(), 0o644)},
                images=images,
                images_archive=image_archive(images),
            )
        )
    nfs = nfs_images()
    built.append(
        resource_package.build(
            out,
            name="nfs-provisioner",
            type="csi",
            version=NFS_PROVISIONER_VERSION,
            arch=a,
            files={
                "manifests/rbac.yaml": (
                    (MANIFESTS / "nfs-provisioner-rbac.yaml").read_bytes(),
                    0o644,
                )
            },
            images=nfs,
            images_archive=image_archive(nfs),
        )
    )
    ceph = ceph_csi_images()
    rbd = (MANIFESTS / "ceph-csi-rbd.yaml").read_text()
    rbd = rbd.replace("{version}", CEPH_CSI_VERSION)
    rbd = rbd.replace("{provisioner_version}", CSI_PROVISIONER_VERSION)
    rbd = rbd.replace("{registrar_version}", CSI_REGISTRAR_VERSION)
    built.append(
        resource_package.build(
            out,
            name="ceph-csi",
            type="csi",
            version=CEPH_CSI_VERSION,
            arch=a,
            files={"manifests/rbd.yaml": (rbd.encode(), 0o644)},
            images=ceph,
            images_archive=image_archive(ceph),
        )
    )
    built.append(registry_package(out, a))
    return built


def registry_version() -> str:
    """v2.8.2 for Debian's 2.8.2+ds1."""
    done = subprocess.run(
        [str(REGISTRY_BINARY), "--version"], capture_output=True, text=True, check=True
    )
    version = done.stdout.split()[-1].split("+", 1)[0]
    return version if version.startswith("v") else f"v{version}"


def registry_package(out: Path, a: str) -> Path:
    """The registry package `kctui registry deploy` installs: bin/registry."""
    return resource_package.build(
        out,
        name="registry",
        type="registry",
        version=registry_version(),
        arch=a,
        files={"bin/registry": (REGISTRY_BINARY, 0o755)},
    )
