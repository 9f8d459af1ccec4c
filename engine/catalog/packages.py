"""Which resource packages a cluster spec needs, and the versions it resolves to."""

from __future__ import annotations

from dataclasses import dataclass

from engine.catalog import catalog
from store.documents.cluster import ClusterSpec

CEPH_CSI_VERSION = "v3.11.0"


@dataclass(frozen=True)
class PackageNeeds:
    field: str
    name: str
    type: str
    version: str
    arch: str

    @property
    def package_id(self) -> str:
        return f"{self.name}-{self.version}-{self.arch}"


def resolve(spec: ClusterSpec) -> ClusterSpec:
    """The spec with empty versions filled from the catalog."""
    spec = spec.model_copy(deep=True)
    release = catalog.release(spec.kubernetes_version)
    runtime = spec.container_runtime
    if not runtime.version and release is not None:
        runtime.version = release.runtimes.get(runtime.type, "")
    if not spec.cni.version and release is not None:
        spec.cni.version = release.calico
    return spec


def needed_packages(spec: ClusterSpec, arch: str) -> list[PackageNeeds]:
    spec = resolve(spec)
    needs = [
        PackageNeeds("spec.kubernetesVersion", "kubernetes", "k8s", spec.kubernetes_version, arch),
        PackageNeeds(
            "spec.containerRuntime.version",
            spec.container_runtime.type,
            "cri",
            spec.container_runtime.version,
            arch,
        ),
        PackageNeeds("spec.cni.version", "calico", "cni", spec.cni.version, arch),
    ]
    if spec.storage.nfs:
        needs.append(
            PackageNeeds(
                "spec.storage.nfs",
                "nfs-provisioner",
                "csi",
                catalog.nfs_provisioner_version(),
                arch,
            )
        )
    if spec.storage.ceph:
        needs.append(PackageNeeds("spec.storage.ceph", "ceph-csi", "csi", CEPH_CSI_VERSION, arch))
    return needs
