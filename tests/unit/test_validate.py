"""Every validation rule of a cluster spec, with its exact message."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from engine.clusters.validate import validate
from store.documents.cluster import Cluster, ClusterSpec
from store.documents.node import Interface, Node, NodeFacts, NodeStatus
from store.documents.registry import Registry
from store.documents.resource import ResourcePackage
from store.store import Store


def node(name: str, ip: str, arch: str = "amd64", **kw: Any) -> Node:
    facts = NodeFacts(
        arch=arch,
        default_ipv4=ip,
        hostname=name,
        interfaces=[
            Interface(
                name="eth0", addresses=[f"{ip}/24"], networks=[ip.rsplit(".", 1)[0] + ".0/24"]
            )
        ],
    )
    # probed just now: nothing probes these addresses again, none of them is ever contacted
    recent = {"last_probe": datetime.now(UTC)}
    return Node(
        **{"name": name, "address": ip, "status": NodeStatus.ONLINE, "facts": facts, **recent, **kw}
    )


@pytest.fixture
def world(store: Store) -> Store:
    for i in range(1, 6):
        store.nodes.add(node(f"n{i}", f"10.20.0.{i}"))
    store.nodes.add(node("arm", "10.20.0.9", arch="arm64"))
    store.nodes.add(node("off", "10.20.0.10", status=NodeStatus.OFFLINE, last_error="timed out"))
    store.nodes.add(node("dis", "10.20.0.11", enabled=False))
    store.nodes.add(node("taken", "10.20.0.12", cluster="other"))
    store.nodes.add(node("east", "10.20.0.13", region="east"))
    for name, kind, version in (
        ("kubernetes", "k8s", "v1.28.15"),
        ("containerd", "cri", "1.7.22"),
        ("calico", "cni", "v3.27.3"),
        ("nfs-provisioner", "csi", "v4.0.2"),
    ):
        store.resources.add(ResourcePackage(name=name, type=kind, version=version, arch="amd64"))
    store.registries.add(Registry(name="harbor", host="10.20.0.100:5000"))
    return store


def spec(**changes: Any) -> ClusterSpec:
    base: dict[str, Any] = {"masters": [{"node": "n1"}], "workers": [{"node": "n2"}]}
    base.update(changes)
    return ClusterSpec.model_validate(base)


def messages(store: Store, s: ClusterSpec, name: str = "demo") -> list[str]:
    return [str(p) for p in validate(name, s, store)]


def test_a_good_spec_passes(world: Store) -> None:
    assert messages(world, spec()) == []


CASES: list[tuple[str, dict[str, Any], str]] = [
    ("", {}, "metadata.name: a name is required (lowercase letters, digits and '-')"),
    (
        "demo",
        {"networking": {"services": ["10.96.5.0/16"]}},
        "spec.networking.services[0]: host bits are set in 10.96.5.0/16: did you mean 10.96.0.0/16?",
    ),
    (
        "Demo_1",
        {},
        "metadata.name: 'Demo_1' must be lowercase letters, digits and '-', start and end with a letter or digit, at most 32 characters, not only digits",
    ),
    (
        "12345",
        {},
        "metadata.name: '12345' must be lowercase letters, digits and '-', start and end with a letter or digit, at most 32 characters, not only digits",
    ),
    (
        "demo",
        {"masters": [{"node": "n1"}, {"node": "n3"}]},
        "spec.masters: 2 control-plane nodes given; use an odd number (1, 3 or 5) so etcd keeps quorum",
    ),
    (
        "demo",
        {"masters": []},
        "spec.masters: 0 control-plane nodes given; use an odd number (1, 3 or 5) so etcd keeps quorum",
    ),
    (
        "demo",
        {"workers": [{"node": "ghost"}]},
        "spec.workers[0].node: no node named 'ghost'; add it with: kctui node add",
    ),
    (
        "demo",
        {"workers": [{"node": "n1"}]},
        "spec.workers[0].node: node n1 is listed twice; a node has one role",
    ),
    (
        "demo",
        {"workers": [{"node": "dis"}]},
        "spec.workers[0].node: node dis is disabled; enable it with: kctui node enable dis",
    ),
    (
        "demo",
        {"workers": [{"node": "off"}]},
        "spec.workers[0].node: node off is offline (timed out); check it with: kctui node probe off",
    ),
    (
        "demo",
        {"workers": [{"node": "taken"}]},
        "spec.workers[0].node: node taken belongs to cluster other",
    ),
    (
        "demo",
        {"workers": [{"node": "east"}]},
        "spec.workers[0].node: node east is in region east, the cluster in default",
    ),
    (
        "demo",
        {"workers": [{"node": "arm"}]},
        "spec.workers: the nodes mix CPU architectures (amd64, arm64); a cluster has one",
    ),
    (
        "demo",
        {"networking": {"pods": ["172.25.0.0/33"]}},
        "spec.networking.pods[0]: '172.25.0.0/33' is not a network in CIDR form (e.g. 10.96.0.0/16)",
    ),
    (
        "demo",
        {"networking": {"pods": ["10.96.0.0/12"]}},
        "spec.networking.pods[0]: 10.96.0.0/12 overlaps spec.networking.services[0] 10.96.0.0/16; pod and service networks must be apart",
    ),
    (
        "demo",
        {"networking": {"services": ["10.20.0.0/16"]}},
        "spec.networking.services[0]: 10.20.0.0/16 overlaps the network 10.20.0.0/24 of node n1",
    ),
    (
        "demo",
        {"networking": {"ipFamily": "IPv4+IPv6"}},
        "spec.networking.services: dual stack (IPv4+IPv6) needs one IPv4 and one IPv6 CIDR, e.g. 10.96.0.0/16, fd03::/112",
    ),
    (
        "demo",
        {"cni": {"calico": {"mtu": 9000}}},
        "spec.cni.calico.mtu: 9000 is outside 576..1460 (1440 suits most networks)",
    ),
    (
        "demo",
        {"certSANs": ["bad name!"]},
        "spec.certSANs[0]: 'bad name!' is neither an IP address nor a DNS name",
    ),
    (
        "demo",
        {
            "kubernetesVersion": "v1.28.15",
            "containerRuntime": {"type": "docker", "version": "20.10.24"},
        },
        "spec.containerRuntime.type: docker is not offered; kctui installs containerd (docker's dockershim is gone from Kubernetes v1.24, and kctui does not install it below)",
    ),
    (
        "demo",
        {"kubernetesVersion": "v1.29.10"},
        "spec.kubernetesVersion: offline install needs the package kubernetes-v1.29.10-amd64; push it with: kctui resource push kubernetes-v1.29.10-amd64.tar.gz",
    ),
    (
        "demo",
        {
            "storage": {
                "nfs": [
                    {"serverAddr": "10.0.0.5", "sharedPath": "/a"},
                    {"serverAddr": "10.0.0.6", "sharedPath": "/b"},
                ]
            }
        },
        "spec.storage.nfs[1].storageClassName: nfs-sc is already used by spec.storage.nfs[0]; storage class names must be unique",
    ),
    (
        "demo",
        {"storage": {"defaultStorageClass": "fast"}},
        "spec.storage.defaultStorageClass: 'fast' is not one of the storage classes (none defined)",
    ),
    (
        "demo",
        {
            "masters": [{"node": "n1"}, {"node": "n3"}, {"node": "n4"}],
            "networking": {"workerNodeVip": ""},
        },
        "spec.networking.workerNodeVip: required with several control-plane nodes (e.g. 169.254.169.100)",
    ),
    (
        "demo",
        {
            "masters": [{"node": "n1"}, {"node": "n3"}, {"node": "n4"}],
            "networking": {"workerNodeVip": "10.96.0.10"},
        },
        "spec.networking.workerNodeVip: 10.96.0.10 is inside spec.networking.services[0] 10.96.0.0/16; pick an address outside every network",
    ),
    (
        "demo",
        {
            "masters": [{"node": "n1"}, {"node": "n3"}, {"node": "n4"}],
            "networking": {"workerNodeVip": "10.20.0.200"},
        },
        "spec.networking.workerNodeVip: 10.20.0.200 is inside the network 10.20.0.0/24 of node n1; pick an address outside every network",
    ),
    (
        "demo",
        {"imageRegistry": "quay"},
        "spec.imageRegistry: no registry named 'quay'; add it with: kctui registry add",
    ),
    (
        "demo",
        {"cni": {"calico": {"ipv4AutoDetection": "nearest"}}},
        "spec.cni.calico.ipv4AutoDetection: 'nearest': use first-found, can-reach=ADDRESS or interface=REGEX",
    ),
    (
        "demo",
        {"etcd": {"dataDir": "data/etcd"}},
        "spec.etcd.dataDir: 'data/etcd' must be an absolute path (e.g. /var/lib/etcd)",
    ),
    (
        "demo",
        {"networking": {"externalIP": "floating"}},
        "spec.networking.externalIP: 'floating' is not an IP address",
    ),
    (
        "demo",
        {"networking": {"pods": ["172.25.0.0/25"]}},
        "spec.networking.pods[0]: 172.25.0.0/25 is smaller than the /24 kubeadm gives each node; use /8 to /24",
    ),
    (
        "demo",
        {
            "networking": {
                "ipFamily": "IPv4+IPv6",
                "services": ["10.96.0.0/16", "fd03::/112"],
                "pods": ["172.25.0.0/16", "fd05::/120"],
            }
        },
        "spec.networking.pods[1]: fd05::/120 is smaller than the /64 kubeadm gives each node; use /48 to /64",
    ),
    (
        "demo",
        {"networking": {"pods": ["172.0.0.0/7"]}},
        "spec.networking.pods[0]: 172.0.0.0/7 is more than 16 bits larger than the /24 kubeadm gives each node; use /8 to /24",
    ),
    (
        "demo",
        {"networking": {"services": ["192.0.0.0/11"]}},
        "spec.networking.services[0]: 192.0.0.0/11 is too large for kubeadm; a service network needs a mask of at least /12",
    ),
]


@pytest.mark.parametrize(
    ("name", "changes", "message"),
    CASES,
    ids=[c[2].split(":")[0] + f"-{i}" for i, c in enumerate(CASES)],
)
def test_each_rule_has_its_message(
    world: Store, name: str, changes: dict[str, Any], message: str
) -> None:
    assert message in messages(world, spec(**changes), name)


def test_every_problem_at_once(world: Store) -> None:
    found = messages(
        world,
        spec(masters=[{"node": "n1"}, {"node": "ghost"}], cni={"calico": {"mtu": 100}}),
        "Bad",
    )
    assert len(found) >= 4
    assert any(m.startswith("metadata.name") for m in found)
    assert any(m.startswith("spec.masters:") for m in found)
    assert any(m.startswith("spec.masters[1].node") for m in found)
    assert any(m.startswith("spec.cni.calico.mtu") for m in found)


def test_an_existing_cluster_name_is_refused(world: Store) -> None:
    world.clusters.add(Cluster(metadata={"name": "demo"}))
    assert "metadata.name: a cluster named 'demo' exists; pick another name" in messages(
        world, spec()
    )


def test_a_bad_spec_through_the_cli_changes_nothing(world: Store, tmp_path: Any) -> None:
    import subprocess
    import sys

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: kctui/v1\nkind: Cluster\nmetadata: {name: demo}\n"
        "spec: {masters: [{node: n1}, {node: n2}], networking: {pods: [nope]}}\n"
    )
    before = (world.data_dir / "state.json").read_bytes()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kctui.cli.main",
            "--data-dir",
            str(world.data_dir),
            "cluster",
            "create",
            "-f",
            str(bad),
            "--yes",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert (
        "nothing was changed" in result.stderr
        and "spec.masters: 2 control-plane nodes" in result.stderr
    )
    assert "spec.networking.pods[0]: 'nope'" in result.stderr
    assert (world.data_dir / "state.json").read_bytes() == before
    assert (
        not list((world.data_dir / "operations").glob("*"))
        if (world.data_dir / "operations").exists()
        else True
    )
    typo = tmp_path / "typo.yaml"
    typo.write_text(
        "apiVersion: kctui/v1\nkind: Cluster\nmetadata: {name: demo}\nspec: {mastres: []}\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kctui.cli.main",
            "--data-dir",
            str(world.data_dir),
            "cluster",
            "create",
            "-f",
            str(typo),
            "--yes",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "spec.mastres: Extra inputs are not permitted" in result.stderr


def test_a_create_probes_nodes_whose_status_is_not_known_instead_of_refusing(
    world: Store, tmp_path: Any
) -> None:
    """n1 was never probed: the create probes it (here: nothing listens on port 1, so it is
    then refused as offline, naming why), where it used to be refused as `unknown`."""
    import subprocess
    import sys

    def unknown(n: Node) -> None:
        n.status, n.address, n.port, n.last_probe = NodeStatus.UNKNOWN, "127.0.0.1", 1, None

    world.nodes.update("n1", unknown)
    good = tmp_path / "good.yaml"
    good.write_text(
        "apiVersion: kctui/v1\nkind: Cluster\nmetadata: {name: demo}\n"
        "spec: {masters: [{node: n1}], workers: [{node: n2}]}\n"
    )
    argv = [sys.executable, "-m", "kctui.cli.main", "--data-dir", str(world.data_dir)]
    result = subprocess.run(
        [*argv, "cluster", "create", "-f", str(good), "--yes"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "probing n1 (status unknown or not recent)" in result.stderr
    assert "node n1 is offline" in result.stderr and "is unknown" not in result.stderr
    probed = world.nodes.get("n1")
    assert probed.last_probe is not None and probed.status == NodeStatus.OFFLINE
