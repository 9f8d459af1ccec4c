"""What each kctui package is made of, as data: the upstream artifacts (where, with which
checksum) and where each lands in the package. `resource build` runs a recipe on the jump host;
an online create runs the same recipe on each node (engine/catalog/online.py), so both fetch the
same files and check the same sums."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml

import assets
from engine.catalog import catalog
from engine.catalog.images import kubernetes_images
from engine.catalog.packages import CEPH_CSI_VERSION
from engine.errors import RefusedError

# Upstream's units install to /usr/bin; kctui's packages install to /usr/local/bin, as the
# Kubernetes documentation's manual install does (with the same substitution).
UPSTREAM_BIN = "/usr/bin"
LOCAL_BIN = "/usr/local/bin"
# ceph-csi's manifests deploy to `default`; its documentation rewrites the namespace, and kctui
# keeps ceph-csi (and the ConfigMaps it renders for it) in kube-system.
CEPH_CSI_NAMESPACE = "kube-system"


class RecipeError(RefusedError):
    """A package cannot be made; the message names the artifact and why."""


@cache
def upstream() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(assets.path("upstream.yaml").read_text())
    return data


@dataclass(frozen=True)
class Artifact:
    source: str  # a source of upstream.yaml
    path: str  # under the source's URL
    # upstream's checksum file for it, under the same source; "" means a pin is needed
    checksum: str = ""
    # A file lands at `dest`; a release tarball (`dest` empty) gives its executables under
    # `prefix` to bin/ (only those named in `keep`, when given).
    dest: str = ""
    mode: int = 0o644
    prefix: str = ""
    keep: tuple[str, ...] = ()
    # text edits made on the file, (old, new), in order
    edits: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def key(self) -> str:
        """How a pin names it: SOURCE/PATH."""
        return f"{self.source}/{self.path}"


@dataclass(frozen=True)
class Recipe:
    name: str
    type: str
    version: str
    arch: str
    artifacts: list[Artifact]
    images: list[str] = field(default_factory=list)  # besides what its manifests name

    @property
    def package_id(self) -> str:
        return f"{self.name}-{self.version}-{self.arch}"


def components(k8s_version: str) -> dict[str, str]:
    minor = ".".join(k8s_version.lstrip("v").split(".")[:2])
    found: dict[str, str] | None = upstream()["components"].get(minor)
    if found is None:
        raise RecipeError(f"kctui knows no crictl and runc for Kubernetes {minor}")
    return found


def _release(k8s_version: str) -> catalog.Release:
    release = catalog.release(k8s_version)
    if release is None:
        known = ", ".join(r.version for r in catalog.releases())
        raise RecipeError(f"Kubernetes {k8s_version} is not in the catalog ({known})")
    return release


def kubernetes(version: str, arch: str) -> Recipe:
    artifacts = []
    for binary in ("kubeadm", "kubelet", "kubectl"):
        path = f"release/{version}/bin/linux/{arch}/{binary}"
        artifacts.append(
            Artifact("kubernetes", path, path + ".sha256", dest=f"bin/{binary}", mode=0o755)
        )
    templates = f"{upstream()['templates_ref']}/cmd/krel/templates/latest"
    local = ((UPSTREAM_BIN, LOCAL_BIN),)
    artifacts += [
        Artifact("kubernetes-release", f"{templates}/kubelet/kubelet.service",
                 dest="systemd/kubelet.service", edits=local),
        Artifact("kubernetes-release", f"{templates}/kubeadm/10-kubeadm.conf",
                 dest="systemd/10-kubeadm.conf", edits=local),
    ]  # fmt: skip
    return Recipe("kubernetes", "k8s", version, arch, artifacts, kubernetes_images(version))


def containerd(version: str, k8s_version: str, arch: str) -> Recipe:
    """containerd `version` with the crictl and runc that go with `k8s_version`."""
    parts = components(k8s_version)
    tag = f"v{version}"
    path = f"containerd/containerd/releases/download/{tag}/containerd-{version}-linux-{arch}.tar.gz"
    crictl = (
        f"kubernetes-sigs/cri-tools/releases/download/{parts['crictl']}/"
        f"crictl-{parts['crictl']}-linux-{arch}.tar.gz"
    )
    runc = f"opencontainers/runc/releases/download/{parts['runc']}"
    artifacts = [
        Artifact("github", path, path + ".sha256sum", prefix="bin/"),
        Artifact("github", crictl, crictl + ".sha256"),
        Artifact("github", f"{runc}/runc.{arch}", f"{runc}/runc.sha256sum", dest="bin/runc",
                 mode=0o755),
        Artifact("containerd-raw", f"{tag}/containerd.service", dest="systemd/containerd.service",
                 edits=((UPSTREAM_BIN, LOCAL_BIN),)),
    ]  # fmt: skip
    return Recipe("containerd", "cri", version, arch, artifacts)


def calico(version: str, arch: str) -> Recipe:
    manifest = Artifact(
        "calico-raw",
        f"{version}/manifests/tigera-operator.yaml",
        dest="manifests/tigera-operator.yaml",
    )
    images = [f"docker.io/calico/{c}:{version}" for c in upstream()["calico_components"]]
    return Recipe("calico", "cni", version, arch, [manifest], images)


def nfs_provisioner(arch: str) -> Recipe:
    version = catalog.nfs_provisioner_version()
    rbac = Artifact("nfs-raw", f"{version}/deploy/rbac.yaml", dest="manifests/rbac.yaml")
    image = f"registry.k8s.io/sig-storage/nfs-subdir-external-provisioner:{version}"
    return Recipe("nfs-provisioner", "csi", version, arch, [rbac], [image])


def ceph_csi(arch: str) -> Recipe:
    """Its RBD driver's manifests, but not csi-config-map.yaml: kctui renders that ConfigMap
    from the cluster's Ceph entries."""
    version = CEPH_CSI_VERSION
    namespace = (("namespace: default", f"namespace: {CEPH_CSI_NAMESPACE}"),)
    artifacts = [
        Artifact("ceph-csi-raw", f"{version}/deploy/rbd/kubernetes/{name}",
                 dest=f"manifests/{name}", edits=namespace)
        for name in upstream()["ceph_csi_manifests"]
    ]  # fmt: skip
    return Recipe("ceph-csi", "csi", version, arch, artifacts)


def registry(arch: str) -> Recipe:
    """Docker distribution's `registry`, from its release tarball, for `registry deploy`."""
    version = upstream()["registry"]
    asset = f"registry_{version.lstrip('v')}_linux_{arch}.tar.gz"
    path = f"distribution/distribution/releases/download/{version}/{asset}"
    artifact = Artifact("github", path, path + ".sha256", keep=("registry",))
    return Recipe("registry", "registry", version, arch, [artifact])


def release_set(k8s_version: str, arch: str) -> list[Recipe]:
    """Every package `resource build` makes for a Kubernetes version."""
    release = _release(k8s_version)
    return [
        kubernetes(k8s_version, arch),
        containerd(release.runtimes["containerd"], k8s_version, arch),
        calico(release.calico, arch),
        nfs_provisioner(arch),
        ceph_csi(arch),
        registry(arch),
    ]


def for_package(name: str, version: str, k8s_version: str, arch: str) -> Recipe:
    """The recipe of a package a cluster needs, by its name."""
    if name == "kubernetes":
        return kubernetes(version, arch)
    if name == "containerd":
        return containerd(version, k8s_version, arch)
    if name == "calico":
        return calico(version, arch)
    if name == "nfs-provisioner":
        return nfs_provisioner(arch)
    if name == "ceph-csi":
        return ceph_csi(arch)
    raise RecipeError(
        f"{name} {version}: kctui cannot fetch it from upstream; push its package, or set "
        "mirrorBaseUrl to a mirror of kctui packages"
    )
