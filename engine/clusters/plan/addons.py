"""Cluster add-ons as data: the Calico Installation, NFS provisioners, Ceph RBD, StorageClasses."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from engine.catalog import catalog
from engine.catalog.recipes import CEPH_CSI_NAMESPACE
from store.documents.cluster import CalicoSpec, CephStorage, ClusterSpec, NFSStorage

# mode -> (IPv4 pool encapsulation, BGP)
CALICO_MODES: dict[str, tuple[str, str]] = {
    "BGP": ("None", "Enabled"),
    "Overlay-IPIP-All": ("IPIP", "Enabled"),
    "Overlay-IPIP-Cross-Subnet": ("IPIPCrossSubnet", "Enabled"),
    "Overlay-Vxlan-All": ("VXLAN", "Disabled"),
    "Overlay-Vxlan-Cross-Subnet": ("VXLANCrossSubnet", "Enabled"),
}
DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"


def autodetection(method: str) -> dict[str, Any]:
    if method.startswith("can-reach="):
        return {"canReach": method.split("=", 1)[1]}
    if method.startswith("interface="):
        return {"interface": method.split("=", 1)[1]}
    if method.startswith("skip-interface="):
        return {"skipInterface": method.split("=", 1)[1]}
    if method == "kubernetes-internal-ip":
        return {"kubernetes": "NodeInternalIP"}
    return {"firstFound": True}


def calico_installation(spec: ClusterSpec) -> dict[str, Any]:
    calico: CalicoSpec = spec.cni.calico
    encapsulation, bgp = CALICO_MODES[calico.mode]
    pools = []
    for cidr in spec.networking.pods:
        v6 = ipaddress.ip_network(cidr).version == 6
        # Calico has no IPIP for IPv6: v6 pools use VXLAN when the v4 pool is an overlay.
        encap = (
            ("VXLAN" if "VXLAN" in encapsulation or "IPIP" in encapsulation else "None")
            if v6
            else encapsulation
        )
        pools.append(
            {
                "cidr": cidr,
                "encapsulation": encap,
                "natOutgoing": "Enabled",
                "nodeSelector": "all()",
                "blockSize": 122 if v6 else 26,
            }
        )
    network: dict[str, Any] = {
        "bgp": bgp,
        "mtu": calico.mtu,
        "ipPools": pools,
        "nodeAddressAutodetectionV4": autodetection(calico.ipv4_auto_detection),
    }
    if spec.networking.ip_family == "IPv4+IPv6":
        network["nodeAddressAutodetectionV6"] = autodetection(calico.ipv6_auto_detection)
    return {
        "apiVersion": "operator.tigera.io/v1",
        "kind": "Installation",
        "metadata": {"name": "default"},
        "spec": {"calicoNetwork": network, "registry": "docker.io/"},
    }


def nfs_provisioner(index: int, nfs: NFSStorage, default: bool) -> list[dict[str, Any]]:
    name = f"nfs-provisioner-{nfs.storage_class_name}"
    provisioner = f"kctui.io/{name}"
    image = f"registry.k8s.io/sig-storage/nfs-subdir-external-provisioner:{catalog.nfs_provisioner_version()}"
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "kube-system", "labels": {"app": name}},
        "spec": {
            "replicas": nfs.replicas,
            "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "serviceAccountName": "nfs-client-provisioner",
                    "containers": [
                        {
                            "name": "nfs-client-provisioner",
                            "image": image,
                            "env": [
                                {"name": "PROVISIONER_NAME", "value": provisioner},
                                {"name": "NFS_SERVER", "value": nfs.server_addr},
                                {"name": "NFS_PATH", "value": nfs.shared_path},
                            ],
                            "volumeMounts": [
                                {"name": "nfs-root", "mountPath": "/persistentvolumes"}
                            ],
                        }
                    ],
                    "volumes": [
                        {
                            "name": "nfs-root",
                            "nfs": {"server": nfs.server_addr, "path": nfs.shared_path},
                        }
                    ],
                },
            },
        },
    }
    storage_class: dict[str, Any] = {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {
            "name": nfs.storage_class_name,
            "annotations": {DEFAULT_CLASS: str(default).lower()},
        },
        "provisioner": provisioner,
        "reclaimPolicy": nfs.reclaim_policy,
        "parameters": {"archiveOnDelete": str(nfs.archive_on_delete).lower()},
    }
    if nfs.mount_options:
        storage_class["mountOptions"] = list(nfs.mount_options)
    return [deployment, storage_class]


# ceph-csi reads its clusters from this ConfigMap (mounted at /etc/ceph-csi-config/), in the
# namespace its package deploys it to (ceph/ceph-csi deploy/csi-config-map-sample.yaml).
CEPH_CSI_CONFIG = "ceph-csi-config"


def ceph_cluster_id(ceph: CephStorage) -> str:
    return ceph.cluster_id or f"kctui-{ceph.storage_class_name}"


def ceph_csi_config(cephs: list[CephStorage]) -> list[dict[str, Any]]:
    """The ConfigMaps ceph-csi's RBD plugin mounts: its clusters (every Ceph cluster the
    storage classes name), the ceph.conf it runs with (cephx, no keyring: the keys come from
    the Secrets), and an empty KMS configuration (no encrypted volumes), as ceph-csi's
    deployment guide writes them."""
    clusters = [{"clusterID": ceph_cluster_id(c), "monitors": list(c.monitors)} for c in cephs]
    conf = (
        "[global]\nauth_cluster_required = cephx\nauth_service_required = cephx\n"
        "auth_client_required = cephx\n"
    )

    def config_map(name: str, data: dict[str, str]) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": CEPH_CSI_NAMESPACE},
            "data": data,
        }

    return [
        config_map(CEPH_CSI_CONFIG, {"config.json": json.dumps(clusters)}),
        config_map("ceph-config", {"ceph.conf": conf, "keyring": ""}),
        config_map("ceph-csi-encryption-kms-config", {"config.json": "{}"}),
    ]


def ceph_rbd(ceph: CephStorage, default: bool) -> tuple[dict[str, Any], str]:
    """The StorageClass for one Ceph RBD entry, and the name of its Secret (applied from an
    encrypted value, never in the plan)."""
    secret = f"ceph-rbd-{ceph.storage_class_name}"
    storage_class = {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {
            "name": ceph.storage_class_name,
            "annotations": {DEFAULT_CLASS: str(default).lower()},
        },
        "provisioner": "rbd.csi.ceph.com",
        "reclaimPolicy": "Delete",
        "parameters": {
            "clusterID": ceph_cluster_id(ceph),
            "pool": ceph.pool,
            "csi.storage.k8s.io/provisioner-secret-name": secret,
            "csi.storage.k8s.io/provisioner-secret-namespace": CEPH_CSI_NAMESPACE,
            "csi.storage.k8s.io/node-stage-secret-name": secret,
            "csi.storage.k8s.io/node-stage-secret-namespace": CEPH_CSI_NAMESPACE,
        },
    }
    return storage_class, secret
