"""The cluster spec (portable YAML, apiVersion kctui/v1) and the cluster's status."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from store.documents.base import Description, Document, Model
from store.documents.node import DEFAULT_REGION
from store.secrets import Secret

API_VERSION: Literal["kctui/v1"] = "kctui/v1"
DEFAULT_KUBERNETES_VERSION = "v1.28.15"
CONTROL_PLANE_TAINT_KEY = "node-role.kubernetes.io/control-plane"
LEGACY_MASTER_TAINT_KEY = "node-role.kubernetes.io/master"

TaintEffect = Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]
CalicoMode = Literal[
    "BGP",
    "Overlay-IPIP-All",
    "Overlay-IPIP-Cross-Subnet",
    "Overlay-Vxlan-All",
    "Overlay-Vxlan-Cross-Subnet",
]
CALICO_MODES: tuple[str, ...] = CalicoMode.__args__  # type: ignore[attr-defined]


class ClusterPhase(StrEnum):
    INSTALLING = "Installing"
    INSTALL_FAILED = "InstallFailed"
    RUNNING = "Running"
    UPDATING = "Updating"
    UPDATE_FAILED = "UpdateFailed"
    UPGRADING = "Upgrading"
    UPGRADE_FAILED = "UpgradeFailed"
    BACKING_UP = "BackingUp"
    RESTORING = "Restoring"
    RESTORE_FAILED = "RestoreFailed"
    TERMINATING = "Terminating"
    TERMINATE_FAILED = "TerminateFailed"


class Taint(Model):
    key: str
    value: str = ""
    effect: TaintEffect = "NoSchedule"


class MasterNode(Model):
    node: str
    # None means "the default control-plane NoSchedule taint"; [] means no taint at all.
    taints: list[Taint] | None = None
    labels: dict[str, str] = Field(default_factory=dict)


class WorkerNode(Model):
    node: str
    taints: list[Taint] = Field(default_factory=list)
    labels: dict[str, str] = Field(default_factory=dict)


class EtcdSpec(Model):
    data_dir: str = "/var/lib/etcd"


class ContainerRuntimeSpec(Model):
    type: Literal["containerd", "docker"] = "containerd"
    version: str = ""  # empty: the catalog's version for the Kubernetes minor
    root_dir: str = ""  # empty: /var/lib/containerd or /var/lib/docker by type
    registry_mirrors: list[str] = Field(default_factory=list)
    insecure_registries: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _default_root_dir(self) -> ContainerRuntimeSpec:
        if not self.root_dir:
            object.__setattr__(self, "root_dir", f"/var/lib/{self.type}")
        return self


class NetworkingSpec(Model):
    ip_family: Literal["IPv4", "IPv4+IPv6"] = "IPv4"
    services: list[str] = Field(default_factory=lambda: ["10.96.0.0/16"])
    pods: list[str] = Field(default_factory=lambda: ["172.25.0.0/16"])
    dns_domain: str = "cluster.local"
    worker_node_vip: str = "169.254.169.100"
    external_ip: str = Field(default="", alias="externalIP")
    proxy_mode: Literal["ipvs", "iptables"] = "ipvs"


IPV6_SERVICES_DEFAULT = "fd03::/112"
# kubeadm gives each node a /64 of the IPv6 pod network (the controller manager's default
# node mask) and refuses a pod network smaller than that or more than 16 bits larger.
IPV6_PODS_DEFAULT = "fd05::/48"


class CalicoSpec(Model):
    mode: CalicoMode = "Overlay-Vxlan-All"
    ipv4_auto_detection: str = "first-found"  # first-found | can-reach=X | interface=REGEX
    ipv6_auto_detection: str = "first-found"
    mtu: int = 1440


class CNISpec(Model):
    type: Literal["calico"] = "calico"
    version: str = ""  # empty: the catalog's version for the Kubernetes minor
    calico: CalicoSpec = Field(default_factory=CalicoSpec)


class NFSStorage(Model):
    server_addr: str
    shared_path: str
    storage_class_name: str = "nfs-sc"
    reclaim_policy: Literal["Delete", "Retain"] = "Delete"
    archive_on_delete: bool = False
    mount_options: list[str] = Field(default_factory=list)
    replicas: int = Field(default=1, ge=1, le=100)


class CephStorage(Model):
    monitors: list[str]
    cluster_id: str = Field(default="", alias="clusterID")
    pool: str = "rbd"
    user: str = "admin"
    key: Secret | None = None
    storage_class_name: str = "ceph-rbd"


class StorageSpec(Model):
    nfs: list[NFSStorage] = Field(default_factory=list)
    ceph: list[CephStorage] = Field(default_factory=list)
    default_storage_class: str = ""


class ClusterSpec(Model):
    region: str = DEFAULT_REGION
    masters: list[MasterNode] = Field(default_factory=list)
    workers: list[WorkerNode] = Field(default_factory=list)
    offline: bool = True
    # Online, and the nodes have no internet: the jump host fetches the packages and copies them.
    via_jump_host: bool = False
    image_registry: str = ""
    kubernetes_version: str = DEFAULT_KUBERNETES_VERSION
    cert_sans: list[str] = Field(default_factory=list, alias="certSANs")
    etcd: EtcdSpec = Field(default_factory=EtcdSpec)
    container_runtime: ContainerRuntimeSpec = Field(default_factory=ContainerRuntimeSpec)
    networking: NetworkingSpec = Field(default_factory=NetworkingSpec)
    cni: CNISpec = Field(default_factory=CNISpec)
    storage: StorageSpec = Field(default_factory=StorageSpec)
    backup_point: str = ""

    @property
    def node_names(self) -> list[str]:
        return [m.node for m in self.masters] + [w.node for w in self.workers]


class ClusterMetadata(Model):
    name: str
    description: Description = ""


class ClusterNode(Model):
    node: str
    role: Literal["control-plane", "worker"]
    ip: str = ""
    hostname: str = ""


class ClusterStatus(Model):
    phase: ClusterPhase = ClusterPhase.INSTALLING
    message: str = ""
    kubernetes_version: str = ""  # what runs now; differs from the spec during an upgrade
    nodes: list[ClusterNode] = Field(default_factory=list)
    last_operation: str = ""
    kubeconfig: str = ""  # path on the jump host
    installed_at: datetime | None = None
    # the earliest expiry of the control plane's leaf certificates, when last read, and when
    certs_expire: datetime | None = None
    certs_checked_at: datetime | None = None


class Cluster(Document):
    KIND = "cluster"
    TABLE = "clusters"
    KEY_PATH = ("metadata", "name")

    api_version: Literal["kctui/v1"] = API_VERSION
    kind: Literal["Cluster"] = "Cluster"
    metadata: ClusterMetadata
    spec: ClusterSpec = Field(default_factory=ClusterSpec)
    status: ClusterStatus = Field(default_factory=ClusterStatus)

    @property
    def name(self) -> str:
        return self.metadata.name
