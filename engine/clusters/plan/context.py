"""What every phase of a create's plan reads: the nodes, versions, packages and names, worked
out once, and the small script pieces the phases share."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from engine.catalog import catalog
from engine.catalog.catalog import Release
from engine.catalog.online import Online
from engine.catalog.packages import PackageNeeds, needed_packages
from engine.catalog.resource_package import file_name
from engine.clusters.plan.kubeadm import CONTROL_PLANE_HOST
from store.documents.backup import BackupPoint
from store.documents.cluster import Cluster, ClusterSpec
from store.documents.node import Node
from store.documents.registry import Registry
from store.store import Store

PACKAGES = "/opt/kctui/packages"
CONFIG_DIR = "/etc/kubernetes/kctui"
LB_CONFIG = "/etc/kubernetes/kctui-lb/haproxy.cfg"
INIT_RUN = f"{CONFIG_DIR}/.kubeadm-init.run.yaml"  # with the certificate key; removed after init

MODULES = "overlay\nbr_netfilter\nip_vs\nip_vs_rr\nip_vs_wrr\nip_vs_sh\nnf_conntrack\n"
SYSCTL = {
    "net.bridge.bridge-nf-call-iptables": "1",
    "net.bridge.bridge-nf-call-ip6tables": "1",
    "net.ipv4.ip_forward": "1",
    "net.ipv6.conf.all.forwarding": "1",
    "vm.swappiness": "0",
}
LIMITS = "* soft nofile 1048576\n* hard nofile 1048576\nroot soft nofile 1048576\nroot hard nofile 1048576\n"


@dataclass(frozen=True)
class Members:
    masters: list[Node]
    workers: list[Node]

    @property
    def first(self) -> Node:
        return self.masters[0]

    @property
    def all(self) -> list[Node]:
        return self.masters + self.workers


@dataclass(frozen=True)
class CreateContext:
    cluster: Cluster
    store: Store
    m: Members
    arch: str
    release: Release | None
    registry: Registry | None
    backup_point: BackupPoint | None
    online: Online
    packages: dict[str, PackageNeeds]
    archives: dict[str, Path]
    unpacked: dict[str, str]
    everywhere: list[str]  # the packages every node gets
    sans: list[str]
    cert_key: str
    pause: str

    @property
    def spec(self) -> ClusterSpec:
        return self.cluster.spec

    @property
    def several(self) -> bool:
        """More than one control-plane node: workers reach them through the VIP."""
        return len(self.m.masters) > 1

    @property
    def vip(self) -> str:
        return self.spec.networking.worker_node_vip

    @property
    def cri(self) -> str:
        return self.spec.container_runtime.type


def build_context(cluster: Cluster, store: Store, online: Online) -> CreateContext:
    spec = cluster.spec
    nodes = {n.name: n for n in store.nodes.list()}
    m = Members([nodes[x.node] for x in spec.masters], [nodes[x.node] for x in spec.workers])
    arch = m.first.facts.arch or "amd64"
    release = catalog.release(spec.kubernetes_version)
    packages = {n.name: n for n in needed_packages(spec, arch)}
    if spec.offline:
        archives = {name: _package_path(store, need.package_id) for name, need in packages.items()}
    elif spec.via_jump_host and not online.mirror:
        archives = {name: fetched_archive(store, need) for name, need in packages.items()}
    else:
        archives = {name: Path(f"{need.package_id}.tar.gz") for name, need in packages.items()}
    sans = list(
        dict.fromkeys([CONTROL_PLANE_HOST, *[address(n) for n in m.masters], *spec.cert_sans])
    )
    if spec.networking.external_ip:
        sans.append(spec.networking.external_ip)
    if len(m.masters) > 1 and spec.networking.worker_node_vip:
        sans.append(spec.networking.worker_node_vip)
    everywhere = ["kubernetes", spec.container_runtime.type, "calico"]
    everywhere += (["nfs-provisioner"] if spec.storage.nfs else []) + (
        ["ceph-csi"] if spec.storage.ceph else []
    )
    return CreateContext(
        cluster=cluster,
        store=store,
        m=m,
        arch=arch,
        release=release,
        registry=store.registries.get(spec.image_registry) if spec.image_registry else None,
        backup_point=store.backup_points.find(spec.backup_point) if spec.backup_point else None,
        online=online,
        packages=packages,
        archives=archives,
        unpacked={name: f"{PACKAGES}/{need.package_id}" for name, need in packages.items()},
        everywhere=everywhere,
        sans=sans,
        cert_key=secrets.token_hex(32),
        pause=f"registry.k8s.io/pause:{release.pause if release else '3.9'}",
    )


def address(node: Node) -> str:
    return node.facts.default_ipv4 or node.address


def names(nodes: list[Node]) -> list[str]:
    return [n.name for n in nodes]


def node_map(nodes: list[Node]) -> str:
    """name=address pairs a script picks its own from, by $KCTUI_NODE."""
    return " ".join(f"{n.name}={address(n)}" for n in nodes)


def point_api_host(variable: str) -> str:
    """Lines mapping the control-plane name to the address in $variable in /etc/hosts."""
    return (
        f'sed -i "/ {CONTROL_PLANE_HOST}$/d" /etc/hosts\n'
        f'echo "${variable} {CONTROL_PLANE_HOST}" >> /etc/hosts\n'
    )


PICK_ADDRESS = 'ADDR=$(printf "%s\\n" $ADDRESSES | sed -n "s/^$KCTUI_NODE=//p")\n'


FETCHED_DIR = "online-packages"  # in the data dir: packages the jump host fetched for a create


def fetched_archive(store: Store, need: PackageNeeds) -> Path:
    """Where the jump host keeps a package it fetched from upstream for an online create."""
    return store.data_dir / FETCHED_DIR / file_name(need.name, need.version, need.arch)


def _package_path(store: Store, package_id: str) -> Path:
    pkg = store.resources.get(package_id)
    return store.resources_dir / pkg.archive
