"""Clusters created from the CLI on lab hosts, checked on the nodes and in etcd."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from kctui.lab import lab as labs
from kctui.lab.packages import calico_images, kubernetes_images
from kctui.lab.state import Lab
from store.store import Store
from tests.cli import kctui
from tests.lab.upgrade_checks import check_upgrade
from tests.labkit import ETCDCTL, node_report, out, prepared, ssh
from tests.registry import LabRegistry, lab_registry, push

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def small(
    tmp_path_factory: pytest.TempPathFactory, lab_packages: dict[str, Path]
) -> Iterator[tuple[Lab, Path]]:
    yield from prepared(
        f"cs{os.getpid() % 10000}", 3, tmp_path_factory.mktemp("small"), lab_packages
    )


@pytest.fixture(scope="module")
def big(
    tmp_path_factory: pytest.TempPathFactory, lab_packages: dict[str, Path]
) -> Iterator[tuple[Lab, Path]]:
    yield from prepared(f"cb{os.getpid() % 10000}", 5, tmp_path_factory.mktemp("big"), lab_packages)


def write(tmp: Path, spec: dict[str, object]) -> Path:
    path = tmp / f"{spec['metadata']['name']}.yaml"  # type: ignore[index]
    path.write_text(yaml.safe_dump(spec))
    return path


def nodes_json(lab: Lab, host: str) -> dict[str, dict[str, object]]:
    items = json.loads(out(lab, host, "kubectl get nodes -o json"))["items"]
    return {n["metadata"]["name"]: n for n in items}


def spec_a(lab: Lab) -> dict[str, object]:
    h = [x.name for x in lab.hosts]
    return {
        "apiVersion": "kctui/v1",
        "kind": "Cluster",
        "metadata": {"name": "alpha"},
        "spec": {
            "masters": [{"node": h[0]}],
            "workers": [
                {"node": h[1], "labels": {"disk": "ssd"}},
                {
                    "node": h[2],
                    "taints": [{"key": "dedicated", "value": "db", "effect": "NoSchedule"}],
                },
            ],
            "offline": True,
            "kubernetesVersion": "v1.28.15",
            "cni": {"calico": {"mode": "Overlay-IPIP-All", "mtu": 1400}},
            "storage": {
                "nfs": [
                    {
                        "serverAddr": lab.gateway,
                        "sharedPath": "/exports/k8s",
                        "storageClassName": "nfs-sc",
                        "reclaimPolicy": "Retain",
                        "mountOptions": ["nfsvers=4.1"],
                    }
                ],
                # Never contacted: the lab's ceph-csi provisions nothing.
                "ceph": [
                    {
                        "monitors": [f"{lab.gateway}:6789"],
                        "clusterID": "lab-ceph",
                        "pool": "kube",
                        "user": "kube",
                        "key": "AQBf5/VkAAAAABAAkJ0DmO9N6ZJXGdKvCEk3XQ==",
                        "storageClassName": "ceph-rbd",
                    }
                ],
                "defaultStorageClass": "nfs-sc",
            },
        },
    }


BOOTSTRAP_TOKEN = re.compile(rb"\b[a-z0-9]{6}\.[a-z0-9]{16}\b")


def check_common(lab: Lab, data: Path, name: str, masters: list[str]) -> None:
    show = json.loads(kctui(data, "cluster", "show", name, "--json").stdout)
    assert show["status"]["phase"] == "Running"
    kept = [data / "state.json", *(data / "operations").rglob("*")]
    leaks = [p for p in kept if p.is_file() and BOOTSTRAP_TOKEN.search(p.read_bytes())]
    assert not leaks, f"a bootstrap token in {leaks}"
    kubeconfig = data / "kubeconfigs" / f"{name}.conf"
    assert kubeconfig.exists() and os.stat(kubeconfig).st_mode & 0o777 == 0o600
    assert kctui(data, "cluster", "kubeconfig", name).stdout.strip() == str(kubeconfig)
    for host in lab.hosts[: len(show["status"]["nodes"])]:
        config = tomllib.loads(out(lab, host.name, "cat /etc/containerd/config.toml"))
        cri = config["plugins"]["io.containerd.grpc.v1.cri"]
        assert cri["containerd"]["runtimes"]["runc"]["options"]["SystemdCgroup"] is True
        assert cri["registry"]["config_path"] == "/etc/containerd/certs.d"
    assert "/registry/minions/" + masters[0] in out(
        lab, masters[0], f"{ETCDCTL} get --prefix /registry/minions --keys-only"
    )


def check_fs_backup_point(lab: Lab, data: Path) -> None:
    """An fs backup point attaches to alpha only once its path exists on the control plane."""
    master = lab.hosts[0].name
    path = "/var/backups/kctui-etcd"
    assert kctui(data, "backup-point", "add", "rack3", "--fs", path).returncode == 0
    missing = kctui(data, "cluster", "set", "alpha", "--backup-point", "rack3")
    assert missing.returncode == 1
    assert f"{master}: {path} does not exist" in missing.stderr
    assert json.loads(kctui(data, "cluster", "show", "alpha", "--json").stdout)["spec"].get(
        "backupPoint", ""
    ) in ("", None)

    ssh(lab, master, f"mkdir -p {path}")
    attached = kctui(data, "cluster", "set", "alpha", "--backup-point", "rack3")
    assert attached.returncode == 0, attached.stderr
    spec = json.loads(kctui(data, "cluster", "show", "alpha", "--json").stdout)["spec"]
    assert spec["backupPoint"] == "rack3"
    used = kctui(data, "backup-point", "delete", "rack3", "--yes")
    assert used.returncode == 1 and "used by cluster(s) alpha" in used.stderr

    assert kctui(data, "cluster", "set", "alpha", "--backup-point", "").returncode == 0
    assert kctui(data, "backup-point", "delete", "rack3", "--yes").returncode == 0


def test_a_one_master_two_workers_ipip_nfs(small: tuple[Lab, Path], tmp_path: Path) -> None:
    lab, data = small
    h = [x.name for x in lab.hosts]
    spec = write(tmp_path, spec_a(lab))
    nvidia = (
        "# written by the GPU operator\n"
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia]\n'
        'runtime_type = "io.containerd.runc.v2"\n'
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia.options]\n'
        'BinaryName = "/usr/bin/nvidia-container-runtime"\n'
    )
    ssh(
        lab,
        h[1],
        "mkdir -p /etc/containerd && cat > /etc/containerd/config.toml",
        input=nvidia.encode(),
    )
    created = kctui(data, "cluster", "create", "-f", str(spec), "--yes", "--wait")
    assert created.returncode == 0, created.stdout + created.stderr
    check_common(lab, data, "alpha", h[:1])
    merged = out(lab, h[1], "cat /etc/containerd/config.toml")
    runtimes = tomllib.loads(merged)["plugins"]["io.containerd.grpc.v1.cri"]["containerd"][
        "runtimes"
    ]
    assert runtimes["nvidia"]["options"]["BinaryName"] == "/usr/bin/nvidia-container-runtime"
    assert runtimes["runc"]["options"]["SystemdCgroup"] is True
    assert "# written by the GPU operator" in merged
    exported = yaml.safe_load(kctui(data, "cluster", "export", "alpha").stdout)
    assert exported["metadata"]["name"] == "alpha" and "status" not in exported
    assert exported["spec"]["storage"]["nfs"][0]["mountOptions"] == ["nfsvers=4.1"]
    assert exported["spec"]["containerRuntime"]["version"] == "1.7.22"  # resolved from the catalog
    nodes = nodes_json(lab, h[0])
    assert set(nodes) == set(h)
    assert "node-role.kubernetes.io/control-plane" in nodes[h[0]]["metadata"]["labels"]
    assert nodes[h[0]]["spec"]["taints"] == [
        {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}
    ]
    assert nodes[h[1]]["metadata"]["labels"]["disk"] == "ssd"
    assert {"key": "dedicated", "value": "db", "effect": "NoSchedule"} in nodes[h[2]]["spec"][
        "taints"
    ]
    installation = json.loads(out(lab, h[0], "kubectl get installation default -o json"))["spec"][
        "calicoNetwork"
    ]
    assert installation["mtu"] == 1400 and installation["nodeAddressAutodetectionV4"] == {
        "firstFound": True
    }
    assert installation["ipPools"] == [
        {
            "cidr": "172.25.0.0/16",
            "encapsulation": "IPIP",
            "natOutgoing": "Enabled",
            "nodeSelector": "all()",
            "blockSize": 26,
        }
    ]
    sc = json.loads(out(lab, h[0], "kubectl get storageclass nfs-sc -o json"))
    assert sc["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true"
    assert sc["reclaimPolicy"] == "Retain" and sc["mountOptions"] == ["nfsvers=4.1"]
    deploy = json.loads(
        out(lab, h[0], "kubectl get deployment nfs-provisioner-nfs-sc -n kube-system -o json")
    )
    env = {
        e["name"]: e["value"] for e in deploy["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["NFS_SERVER"] == lab.gateway and env["NFS_PATH"] == "/exports/k8s"
    ceph = json.loads(out(lab, h[0], "kubectl get cm ceph-csi-config -n kube-system -o json"))
    assert json.loads(ceph["data"]["config.json"]) == [
        {"clusterID": "lab-ceph", "monitors": [f"{lab.gateway}:6789"]}
    ]
    rbd = json.loads(out(lab, h[0], "kubectl get storageclass ceph-rbd -o json"))
    assert rbd["provisioner"] == "rbd.csi.ceph.com" and rbd["parameters"]["clusterID"] == "lab-ceph"
    pods = out(lab, h[0], "kubectl get pods -n kube-system --no-headers")
    for workload in ("csi-rbdplugin-provisioner", "csi-rbdplugin", "nfs-provisioner-nfs-sc"):
        for node in h:
            assert f"{workload}-{node} " in pods and "ImagePull" not in pods, pods
    docs = {
        d["kind"]: d
        for d in yaml.safe_load_all(out(lab, h[0], "cat /etc/kubernetes/kctui/kubeadm-init.yaml"))
    }
    assert docs["ClusterConfiguration"]["networking"] == {
        "serviceSubnet": "10.96.0.0/16",
        "podSubnet": "172.25.0.0/16",
        "dnsDomain": "cluster.local",
    }
    assert docs["ClusterConfiguration"]["etcd"]["local"]["dataDir"] == "/var/lib/etcd"
    assert docs["KubeProxyConfiguration"]["mode"] == "ipvs"
    images = out(lab, h[1], "crictl images")
    assert "registry.k8s.io/kube-proxy" in images and "calico/node" in images

    listed = kctui(data, "cluster", "kubectl", "alpha", "--", "get", "nodes")
    assert (
        listed.returncode == 0 and all(n in listed.stdout for n in h) and "Ready" in listed.stdout
    )
    check_fs_backup_point(lab, data)
    assert kctui(data, "template", "save-cluster", "alpha", "ipip-nfs").returncode == 0
    assert "Overlay-IPIP-All" in kctui(data, "template", "show", "ipip-nfs").stdout
    assert kctui(data, "template", "rename", "ipip-nfs", "base").returncode == 0
    assert [t["name"] for t in json.loads(kctui(data, "template", "list", "--json").stdout)] == [
        "base"
    ]
    nodes_only = tmp_path / "nodes.yaml"
    nodes_only.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kctui/v1",
                "kind": "Cluster",
                "metadata": {"name": "copy"},
                "spec": {"masters": [{"node": h[0]}]},
            }
        )
    )
    plan = kctui(
        data, "cluster", "create", "--template", "base", "-f", str(nodes_only), "--dry-run"
    )
    # the nodes are taken by alpha, so the plan is refused; the template's settings came through
    assert "belongs to cluster alpha" in plan.stderr
    assert kctui(data, "template", "delete", "base", "--yes").returncode == 0

    deleted = kctui(data, "cluster", "delete", "alpha")
    assert deleted.returncode == 1 and "--yes" in deleted.stderr
    assert kctui(data, "cluster", "delete", "alpha", "--yes").returncode == 0
    assert kctui(data, "cluster", "show", "alpha").returncode == 1
    for host in h:
        leftovers = out(
            lab,
            host,
            "find /etc/kubernetes /var/lib/kubelet /var/lib/etcd /etc/containerd "
            "/var/lib/containerd /opt /usr/local/bin -mindepth 1",
        )
        assert leftovers == "", leftovers
        assert "/usr/bin/etcd" not in out(lab, host, "ps -eo args")
    assert all(n["cluster"] == "" for n in json.loads(kctui(data, "node", "list", "--json").stdout))
    assert not (data / "kubeconfigs" / "alpha.conf").exists()


def test_a_join_failure_then_retry_without_a_second_init(
    small: tuple[Lab, Path], tmp_path: Path
) -> None:
    lab, data = small
    h = [x.name for x in lab.hosts]
    spec = spec_a(lab)
    spec["metadata"] = {"name": "again"}
    path = write(tmp_path, spec)
    log = "cat /var/log/kctui-lab/commands.log 2>/dev/null || true"
    earlier = len(out(lab, h[0], log).splitlines())
    labs.fault(lab, h[2], "fail-next", "kubeadm")
    failed = kctui(data, "cluster", "create", "-f", str(path), "--yes", "--wait")
    assert failed.returncode == 1
    show = json.loads(kctui(data, "cluster", "show", "again", "--json").stdout)
    assert show["status"]["phase"] == "InstallFailed"
    op = json.loads(
        kctui(data, "operation", "show", show["status"]["lastOperation"], "--json").stdout
    )
    failed_steps = [
        (s["name"], [t["node"] for t in s["tasks"] if t["status"] == "failed"])
        for s in op["steps"]
        if s["status"] == "failed"
    ]
    assert failed_steps == [("join-workers", [h[2]])]
    retried = kctui(data, "cluster", "retry", "again")
    assert retried.returncode == 0, retried.stdout + retried.stderr
    inits = [json.loads(line) for line in out(lab, h[0], log).splitlines()[earlier:]]
    assert sum(1 for e in inits if e["prog"] == "kubeadm" and e["args"][:1] == ["init"]) == 1
    assert (
        json.loads(kctui(data, "cluster", "show", "again", "--json").stdout)["status"]["phase"]
        == "Running"
    )
    assert set(nodes_json(lab, h[0])) == set(h)
    assert kctui(data, "cluster", "delete", "again", "--yes").returncode == 0


def test_dry_run_prints_the_plan_and_connects_to_nothing(
    small: tuple[Lab, Path], tmp_path: Path
) -> None:
    lab, data = small
    path = write(tmp_path, spec_a(lab))
    for h in lab.hosts:
        labs.fault(lab, h.name, "down")
    try:
        start = time.monotonic()
        plan = kctui(data, "cluster", "create", "-f", str(path), "--dry-run")
        took = time.monotonic() - start
    finally:
        for h in lab.hosts:
            labs.fault(lab, h.name, "up")
    assert plan.returncode == 0, plan.stderr
    assert took < 5
    for step in (
        "preflight",
        "node-env",
        "runtime-config",
        "kubeadm-config",
        "init",
        "join-workers",
        "cni",
        "taints-labels",
        "storage",
        "health",
        "save-kubeconfig",
    ):
        assert f" {step}" in plan.stdout, step
    assert "kind: ClusterConfiguration" in plan.stdout and "SystemdCgroup" in plan.stdout
    assert kctui(data, "cluster", "list", "--json").stdout.strip() == "[]"


def test_b_three_masters_two_workers_vip_dual_stack_registry(
    big: tuple[Lab, Path], tmp_path: Path
) -> None:
    lab, data = big
    with lab_registry(lab.gateway, tmp_path / "registry") as reg:
        images = kubernetes_images("v1.28.15") + calico_images("v3.27.3")
        push(reg, images)
        added = kctui(
            data, "registry", "add", "harbor", "--host", reg.host, "--ca", str(reg.ca),
            "--user", reg.user, "--password-stdin", input=reg.password,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        check_b(lab, data, tmp_path, reg, images)


def check_b(lab: Lab, data: Path, tmp_path: Path, reg: LabRegistry, images: list[str]) -> None:
    """Offline with a registry: nothing is imported, every node pulls from the registry with
    its CA and credentials."""
    h = [x.name for x in lab.hosts]
    gw = lab.gateway
    spec = {
        "apiVersion": "kctui/v1",
        "kind": "Cluster",
        "metadata": {"name": "beta"},
        "spec": {
            "masters": [{"node": n} for n in h[:3]],
            "workers": [{"node": n} for n in h[3:]],
            "offline": True,
            "imageRegistry": "harbor",
            "kubernetesVersion": "v1.28.15",
            "certSANs": ["k8s.example.lan", gw],
            "etcd": {"dataDir": "/var/lib/etcd-data"},
            "containerRuntime": {
                "type": "containerd",
                "rootDir": "/var/lib/containerd-data",
                "registryMirrors": [f"https://{gw}:5001"],
            },
            "networking": {
                "ipFamily": "IPv4+IPv6",
                "services": ["10.96.0.0/16", "fd03::/112"],
                "pods": ["172.25.0.0/16", "fd05::/48"],
                "workerNodeVip": "169.254.169.100",
            },
            "cni": {
                "calico": {
                    "mode": "Overlay-Vxlan-Cross-Subnet",
                    "ipv4AutoDetection": "interface=eth.*",
                    "mtu": 1420,
                }
            },
        },
    }
    created = kctui(data, "cluster", "create", "-f", str(write(tmp_path, spec)), "--yes", "--wait")
    assert created.returncode == 0, created.stdout + created.stderr + node_report(lab, h[4])
    check_common(lab, data, "beta", h[:3])
    nodes = nodes_json(lab, h[1])
    assert {
        n
        for n, v in nodes.items()
        if "node-role.kubernetes.io/control-plane" in v["metadata"]["labels"]
    } == set(h[:3])
    for worker in h[3:]:
        assert nodes[worker]["status"]["addresses"][0]["address"] == lab.host(worker).address
        assert "169.254.169.100 apiserver.cluster.local" in out(lab, worker, "cat /etc/hosts")
    members = out(lab, h[2], f"{ETCDCTL} member list")
    assert all(m in members for m in h[:3])
    assert "--data-dir=/var/lib/etcd-data" in out(
        lab, h[1], "cat /etc/kubernetes/manifests/etcd.yaml"
    )
    calico = json.loads(out(lab, h[0], "kubectl get installation default -o json"))["spec"][
        "calicoNetwork"
    ]
    assert [(p["cidr"], p["encapsulation"]) for p in calico["ipPools"]] == [
        ("172.25.0.0/16", "VXLANCrossSubnet"),
        ("fd05::/48", "VXLAN"),
    ]
    assert calico["mtu"] == 1420 and calico["nodeAddressAutodetectionV4"] == {"interface": "eth.*"}
    docs = {
        d["kind"]: d
        for d in yaml.safe_load_all(out(lab, h[0], "cat /etc/kubernetes/kctui/kubeadm-init.yaml"))
    }
    cfg = docs["ClusterConfiguration"]
    assert cfg["networking"]["podSubnet"] == "172.25.0.0/16,fd05::/48"
    assert cfg["networking"]["serviceSubnet"] == "10.96.0.0/16,fd03::/112"
    assert {"k8s.example.lan", gw, "169.254.169.100"} <= set(cfg["apiServer"]["certSANs"])
    assert cfg["etcd"]["local"]["dataDir"] == "/var/lib/etcd-data"
    config = tomllib.loads(out(lab, h[4], "cat /etc/containerd/config.toml"))
    assert config["root"] == "/var/lib/containerd-data"
    url = f"https://{reg.host}"
    harbor = tomllib.loads(out(lab, h[4], f"cat '/etc/containerd/certs.d/{reg.host}/hosts.toml'"))
    options = harbor["host"][url]
    assert harbor["server"] == url and options["ca"].endswith(f"{reg.host}/ca.crt")
    auth = base64.b64encode(f"{reg.user}:{reg.password}".encode()).decode()
    assert options["header"]["Authorization"] == f"Basic {auth}"  # put in on the node
    mode = out(lab, h[4], f"stat -c %a '/etc/containerd/certs.d/{reg.host}/hosts.toml'")
    assert mode.strip() == "600"
    mirror = tomllib.loads(out(lab, h[4], "cat /etc/containerd/certs.d/docker.io/hosts.toml"))
    assert list(mirror["host"]) == [url, f"https://{gw}:5001"]  # the registry first
    for node in h:
        pulled = json.loads(out(lab, node, "cat /var/lib/containerd-data/lab-images.json"))
        assert pulled and set(pulled.values()) == {url}, (node, pulled)  # none imported
        assert '"images", "import"' not in out(lab, node, "cat /var/log/kctui-lab/commands.log")
    assert set(json.loads(out(lab, h[4], "cat /var/lib/containerd-data/lab-images.json"))) >= {
        "registry.k8s.io/pause:3.9",
        "registry.k8s.io/kube-proxy:v1.28.15",
        "docker.io/library/haproxy:2.8",
        "quay.io/tigera/operator:v1.32.7",
    }
    assert reg.pulls(), reg.log.read_text()[-2000:]
    assert auth not in (data / "state.json").read_text()
    assert reg.password not in "".join(p.read_text() for p in data.rglob("*.log"))
    assert (
        ssh(
            lab, h[4], 'test -z "$(ls /opt/kctui/packages/*/images 2>/dev/null)" || true'
        ).returncode
        == 0
    )
    check_three_member_restore(lab, data, h[:3])
    check_worker_rejoins_through_the_vip(lab, data, h[4])
    check_upgrade(lab, data, "beta", reg)
    assert kctui(data, "cluster", "delete", "beta", "--yes").returncode == 0


def check_worker_rejoins_through_the_vip(lab: Lab, data: Path, worker: str) -> None:
    """A worker taken out of a 3-master cluster and added again joins through the balancer on
    the worker VIP, as the create's workers do."""
    removed = kctui(data, "cluster", "remove-node", "beta", worker, "--yes", "--wait")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert out(lab, worker, "ls -A /etc/kubernetes 2>/dev/null || true").strip() == ""
    added = kctui(data, "cluster", "add-node", "beta", worker, "--yes", "--wait")
    assert added.returncode == 0, added.stdout + added.stderr
    assert "169.254.169.100 apiserver.cluster.local" in out(lab, worker, "cat /etc/hosts")
    assert "bind 169.254.169.100:6443" in out(
        lab, worker, "cat /etc/kubernetes/kctui-lb/haproxy.cfg"
    )
    node = nodes_json(lab, lab.hosts[0].name)[worker]
    assert any(c["type"] == "Ready" and c["status"] == "True" for c in node["status"]["conditions"])


def check_three_member_restore(lab: Lab, data: Path, masters: list[str]) -> None:
    """A backup restored on three etcd members (data dir not a mount point): all three come
    back from the snapshot, as one cluster."""
    for m in masters:
        ssh(lab, m, "mkdir -p /var/backups/etcd")
    assert kctui(data, "backup-point", "add", "shelf", "--fs", "/var/backups/etcd").returncode == 0
    assert kctui(data, "cluster", "set", "beta", "--backup-point", "shelf").returncode == 0
    kubectl = ("cluster", "kubectl", "beta", "--")
    assert kctui(data, *kubectl, "create", "namespace", "keep-me").returncode == 0
    made = kctui(data, "backup", "create", "beta", "--json")
    assert made.returncode == 0, made.stdout + made.stderr
    name = json.loads(made.stdout)["backup"]["name"]
    assert kctui(data, *kubectl, "delete", "namespace", "keep-me").returncode == 0
    restored = kctui(data, "backup", "restore", "beta", name, "--yes")
    assert restored.returncode == 0, restored.stdout + restored.stderr
    for m in masters:  # each member serves the restored data
        keys = out(lab, m, f"{ETCDCTL} get --prefix /registry/namespaces/ --keys-only")
        assert "/registry/namespaces/keep-me" in keys
        started = out(lab, m, f"{ETCDCTL} member list").splitlines()
        assert len(started) == 3 and all(", started, " in line for line in started)
    assert kctui(data, "backup", "delete", name, "--yes").returncode == 0


def test_online_mode_downloads_from_the_mirror_and_checks_sha256(
    small: tuple[Lab, Path], tmp_path: Path, lab_packages: dict[str, Path]
) -> None:
    import hashlib
    import shutil
    import socket

    lab, data = small
    h = [x.name for x in lab.hosts]
    # Online, images come from a registry: the lab has no internet to reach upstreams.
    registry = contextlib.ExitStack()
    reg = registry.enter_context(lab_registry(lab.gateway, tmp_path / "registry"))
    push(reg, kubernetes_images("v1.28.15") + calico_images("v3.27.3"))
    added = kctui(
        data, "registry", "add", "online-reg", "--host", reg.host, "--ca", str(reg.ca),
        "--user", reg.user, "--password-stdin", input=reg.password,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    mirror = tmp_path / "mirror"
    for path in lab_packages.values():
        pkg = Store(data).resources.get(path.name.removesuffix(".tar.gz"))
        target = mirror / pkg.name / pkg.version / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
        target.with_name(path.name + ".sha256").write_text(
            hashlib.sha256(path.read_bytes()).hexdigest() + f"  {path.name}\n"
        )
    with socket.socket() as s:
        s.bind((lab.gateway, 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "http.server",
            str(port),
            "--bind",
            lab.gateway,
            "--directory",
            str(mirror),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.5)
        (data / "settings.yaml").write_text(f"mirrorBaseUrl: http://{lab.gateway}:{port}\n")
        spec = {
            "apiVersion": "kctui/v1",
            "kind": "Cluster",
            "metadata": {"name": "online"},
            "spec": {
                "masters": [{"node": h[0]}],
                "workers": [{"node": h[1]}],
                "offline": False,
                "imageRegistry": "online-reg",
                "kubernetesVersion": "v1.28.15",
            },
        }
        path = write(tmp_path, spec)
        plan = kctui(data, "cluster", "create", "-f", str(path), "--dry-run")
        assert (
            f"http://{lab.gateway}:{port}/kubernetes/v1.28.15/kubernetes-v1.28.15-amd64.tar.gz"
            in plan.stdout
        )
        created = kctui(data, "cluster", "create", "-f", str(path), "--yes", "--wait")
        assert created.returncode == 0, created.stdout + created.stderr
        assert (
            "step 05 download: succeeded" in created.stdout
            or " download: succeeded" in created.stdout
        )
        assert set(nodes_json(lab, h[0])) == {h[0], h[1]}
        assert reg.pulls()
        assert kctui(data, "cluster", "delete", "online", "--yes").returncode == 0

        bad = next(mirror.glob("containerd/*/*.sha256"))
        bad.write_text("0" * 64 + "  x\n")
        spec["metadata"] = {"name": "tampered"}
        failed = kctui(
            data, "cluster", "create", "-f", str(write(tmp_path, spec)), "--yes", "--wait"
        )
        assert failed.returncode == 1
        assert (
            "step download failed" in failed.stdout
            and "computed checksum did NOT match" in failed.stdout
        )
        assert kctui(data, "cluster", "delete", "tampered", "--yes").returncode == 0
    finally:
        server.terminate()
        server.wait()
        registry.close()
        (data / "settings.yaml").unlink(missing_ok=True)
    assert kctui(data, "registry", "delete", "online-reg", "--yes").returncode == 0


def test_create_without_wait_runs_in_the_background(
    small: tuple[Lab, Path], tmp_path: Path
) -> None:
    lab, data = small
    spec = {
        "apiVersion": "kctui/v1",
        "kind": "Cluster",
        "metadata": {"name": "bg"},
        "spec": {
            "masters": [{"node": lab.hosts[0].name, "taints": []}],
            "kubernetesVersion": "v1.28.15",
        },
    }
    started = kctui(data, "cluster", "create", "-f", str(write(tmp_path, spec)), "--yes")
    assert started.returncode == 0 and started.stdout.startswith("op-")
    op_id = started.stdout.strip()
    deadline = time.monotonic() + 120
    phase = ""
    while time.monotonic() < deadline:
        phase = json.loads(kctui(data, "cluster", "show", "bg", "--json").stdout)["status"]["phase"]
        if phase != "Installing":
            break
        time.sleep(0.5)
    assert phase == "Running"
    assert (data / "operations" / op_id / "runner.log").exists()
    node = nodes_json(lab, lab.hosts[0].name)[lab.hosts[0].name]
    assert node["spec"]["taints"] == []  # an explicit empty list: the single-node lab cluster
    assert kctui(data, "cluster", "delete", "bg", "--yes").returncode == 0
