"""Cluster specs covering every option the product offers, and a store to plan them in."""

from __future__ import annotations

import itertools
from typing import Any

from engine.catalog import catalog
from engine.catalog.packages import CEPH_CSI_VERSION
from store.documents.cluster import CALICO_MODES, Cluster
from store.documents.node import Interface, Node, NodeFacts, NodeStatus
from store.documents.registry import Registry
from store.documents.resource import ResourcePackage
from store.secrets import Secret
from store.store import Store

MASTERS = ["m1", "m2", "m3"]
WORKERS = ["w1", "w2"]
SPARE = "w3"  # free, for the day-2 plans
REGISTRY = "harbor"


def _node(name: str, ip: str) -> Node:
    facts = NodeFacts(
        arch="amd64",
        default_ipv4=ip,
        hostname=name,
        interfaces=[Interface(name="eth0", addresses=[f"{ip}/24"], networks=["10.20.0.0/24"])],
    )
    return Node(name=name, address=ip, status=NodeStatus.ONLINE, facts=facts)


def populate(store: Store, ca_pem: str) -> None:
    for i, name in enumerate([*MASTERS, *WORKERS, SPARE], start=1):
        store.nodes.add(_node(name, f"10.20.0.{i}"))
    packages = {("nfs-provisioner", "csi", catalog.nfs_provisioner_version())}
    packages.add(("ceph-csi", "csi", CEPH_CSI_VERSION))
    for r in catalog.releases():
        packages.add(("kubernetes", "k8s", r.version))
        packages.add(("calico", "cni", r.calico))
        for runtime, version in r.runtimes.items():
            packages.add((runtime, "cri", version))
    for name, kind, version in sorted(packages):
        store.resources.add(ResourcePackage(name=name, type=kind, version=version, arch="amd64"))
    store.registries.add(
        Registry(
            name=REGISTRY,
            host="10.20.0.100:5443",
            ca_pem=ca_pem,
            username="puller",
            password=Secret("pull-secret"),
        )
    )


def specs() -> list[tuple[str, Cluster]]:
    """Each catalog version with each Calico mode, the other options turned over among them:
    runtimes, single and dual stack, one and three control-plane nodes, registry, NFS, Ceph,
    offline and online."""
    out = []
    versions = catalog.releases()
    for n, (release, mode) in enumerate(itertools.product(versions, CALICO_MODES)):
        for runtime in release.runtimes:
            if runtime != "containerd" and mode != CALICO_MODES[0]:
                continue  # the other runtime once per version is enough
            three = n % 2 == 1
            dual = n % 3 != 0
            spec: dict[str, Any] = {
                "kubernetesVersion": release.version,
                "masters": [{"node": m} for m in (MASTERS if three else MASTERS[:1])],
                "workers": [{"node": w, "labels": {"tier": "app"}} for w in WORKERS],
                "offline": n % 4 < 2,
                "imageRegistry": REGISTRY if n % 2 == 0 else "",
                "containerRuntime": {
                    "type": runtime,
                    "registryMirrors": ["https://mirror.example:5000"] if n % 5 == 0 else [],
                    "insecureRegistries": ["10.20.0.101:5000"] if n % 5 == 1 else [],
                },
                "networking": {
                    "ipFamily": "IPv4+IPv6" if dual else "IPv4",
                    "services": ["10.96.0.0/16", "fd03::/112"] if dual else ["10.96.0.0/16"],
                    "pods": ["172.25.0.0/16", "fd05::/48"] if dual else ["172.25.0.0/16"],
                    "proxyMode": "ipvs" if n % 2 else "iptables",
                },
                "cni": {"calico": {"mode": mode}},
                "storage": _storage(n),
                "certSANs": ["k8s.example.internal", "10.20.0.200"],
            }
            name = f"{release.version}-{runtime}-{mode}".lower().replace(".", "-")
            out.append(
                (
                    name,
                    Cluster.model_validate({"metadata": {"name": f"c{len(out)}"}, "spec": spec}),
                )
            )
    return out


def _storage(n: int) -> dict[str, Any]:
    nfs = {
        "serverAddr": "10.20.0.50",
        "sharedPath": "/exports/k8s",
        "storageClassName": "nfs-sc",
        "mountOptions": ["nfsvers=4.1"],
        "archiveOnDelete": True,
    }
    ceph = {
        "monitors": ["10.20.0.60:6789", "10.20.0.61:6789"],
        "clusterID": "b9127830-b0cc-4e34-aa47-9d1a2e9949a8",
        "pool": "kube",
        "user": "kube",
        "key": "AQBf5/VkAAAAABAAkJ0DmO9N6ZJXGdKvCEk3XQ==",
        "storageClassName": "ceph-rbd",
    }
    choice = n % 3
    if choice == 0:
        return {"nfs": [nfs], "defaultStorageClass": "nfs-sc"}
    if choice == 1:
        return {"ceph": [ceph], "defaultStorageClass": "ceph-rbd"}
    return {"nfs": [nfs], "ceph": [ceph]}
