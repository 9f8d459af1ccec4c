"""The simulated Kubernetes on lab hosts, driven over plain SSH, checked in its real etcd."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kctui.lab.state import Lab
from tests.labkit import ETCDCTL, install, kubeadm_config, out, ssh, wait_for

pytestmark = pytest.mark.lab
VERSION = "v1.28.15"


def prepare(lab: Lab, host: str, packages: dict[str, Path]) -> None:
    for name in ("containerd-1.7.22-amd64", f"kubernetes-{VERSION}-amd64"):
        install(lab, host, packages[name])
    ssh(lab, host, "systemctl enable --now containerd")


def init(lab: Lab, host: str, data_dir: str = "/var/lib/etcd", extra: str = "") -> str:
    h = lab.host(host)
    config = kubeadm_config(h.name, h.address, VERSION, data_dir).encode()
    ssh(lab, host, "cat > /root/kubeadm.yaml", input=config)
    return out(lab, host, f"kubeadm init --config /root/kubeadm.yaml {extra}")


def registry_keys(lab: Lab, host: str) -> list[str]:
    return out(lab, host, f"{ETCDCTL} get --prefix /registry --keys-only").split()


def test_init_starts_real_etcd_and_a_snapshot_restore_brings_objects_back(
    fresh_lab: Lab, lab_packages: dict[str, Path]
) -> None:
    lab, h = fresh_lab, fresh_lab.hosts[0]
    prepare(lab, h.name, lab_packages)
    printed = init(lab, h.name)
    assert (
        "initialized successfully" in printed
        and f"kubeadm join {h.address}:6443 --token" in printed
    )
    assert "/usr/bin/etcd" in out(lab, h.name, "ps -eo args")
    assert f"https://{h.address}:2379" in out(
        lab, h.name, "ss -ltn; cat /etc/kubernetes/manifests/etcd.yaml"
    )
    for f in (
        "admin.conf",
        "kubelet.conf",
        "pki/ca.crt",
        "pki/etcd/server.crt",
        "manifests/kube-apiserver.yaml",
    ):
        ssh(lab, h.name, f"test -s /etc/kubernetes/{f}")

    assert out(lab, h.name, "kubectl create namespace x").strip() == "namespace/x created"
    assert "/registry/namespaces/x" in registry_keys(lab, h.name)
    ssh(lab, h.name, f"{ETCDCTL} snapshot save /root/snap.db")
    ssh(lab, h.name, "kubectl delete namespace x")
    assert "/registry/namespaces/x" not in registry_keys(lab, h.name)

    ssh(lab, h.name, "mv /etc/kubernetes/manifests/etcd.yaml /root/etcd.yaml")
    wait_for(lambda: "/usr/bin/etcd" not in out(lab, h.name, "ps -eo args"), what="etcd to stop")
    ssh(
        lab,
        h.name,
        (
            "ETCDCTL_API=3 etcdctl snapshot restore /root/snap.db "
            "--data-dir /var/lib/etcd-restored "
            f"--name {h.name} --initial-cluster {h.name}=https://{h.address}:2380 "
            f"--initial-advertise-peer-urls https://{h.address}:2380"
        ),
    )
    ssh(
        lab,
        h.name,
        "sed -i 's#--data-dir=/var/lib/etcd$#--data-dir=/var/lib/etcd-restored#' /root/etcd.yaml"
        " && mv /root/etcd.yaml /etc/kubernetes/manifests/etcd.yaml",
    )
    wait_for(
        lambda: ssh(lab, h.name, f"{ETCDCTL} endpoint health", check=False).returncode == 0,
        what="the restored etcd",
    )
    assert "/registry/namespaces/x" in registry_keys(lab, h.name)
    assert "--data-dir=/var/lib/etcd-restored" in out(lab, h.name, "ps -eo args")
    wait_for(
        lambda: ssh(lab, h.name, "kubectl get namespace x", check=False).returncode == 0,
        what="namespace x through the API server",
    )


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            "apiVersion: kubeadm.k8s.io/v1beta9\nkind: ClusterConfiguration\n"
            "kubernetesVersion: v1.28.15\n",
            'no kind "ClusterConfiguration" is registered for version "kubeadm.k8s.io/v1beta9"',
        ),
        ("apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfig\n", 'no kind "ClusterConfig"'),
        (
            "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\n",
            "kubernetesVersion is required",
        ),
        (
            "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\n"
            "kubernetesVersion: v1.30.1\n"
            "---\napiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\n"
            "localAPIEndpoint: {advertiseAddress: 127.0.0.1}\n",
            "only supports deploying clusters with the control plane version <= v1.28.15",
        ),
    ],
)
def test_kubeadm_refuses_configs_kubeadm_refuses(
    lab: Lab, lab_packages: dict[str, Path], config: str, message: str
) -> None:
    host = lab.hosts[2].name
    prepare(lab, host, lab_packages)
    ssh(lab, host, "cat > /root/bad.yaml", input=config.encode())
    result = ssh(lab, host, "kubeadm init --config /root/bad.yaml", check=False)
    assert result.returncode == 1
    assert message in result.stderr.decode()
    assert out(lab, host, "ls -A /etc/kubernetes").strip() == ""


def test_workers_and_control_planes_join_and_reset(lab: Lab, lab_packages: dict[str, Path]) -> None:
    first, worker, second = (h.name for h in lab.hosts)
    for host in (first, worker, second):
        prepare(lab, host, lab_packages)
    printed = init(lab, first, extra="--upload-certs")
    cert_key = printed.split("Using certificate key:\n", 1)[1].split()[0]
    join = out(lab, first, "kubeadm token create --print-join-command").strip()
    assert "joined the cluster" in out(lab, worker, join)
    bad = ssh(lab, second, join.rsplit("sha256:", 1)[0] + "sha256:" + "0" * 64, check=False)
    assert bad.returncode == 1 and "does not match" in bad.stderr.decode()
    assert "new control plane instance" in out(
        lab, second, f"{join} --control-plane --certificate-key {cert_key}"
    )

    def all_ready() -> bool:
        lines = out(lab, first, "kubectl get nodes --no-headers").splitlines()
        return len(lines) == 3 and all(line.split()[1] == "Ready" for line in lines)

    wait_for(all_ready, what="3 Ready nodes")
    roles = {
        line.split()[0]: line.split()[2]
        for line in out(lab, first, "kubectl get nodes --no-headers").splitlines()
    }
    assert roles == {first: "control-plane", worker: "<none>", second: "control-plane"}
    members = out(lab, second, f"{ETCDCTL} member list")
    assert first in members and second in members
    ssh(lab, first, "kubectl create namespace shared")
    assert "/registry/namespaces/shared" in registry_keys(lab, second)  # replicated by etcd

    ssh(lab, first, f"kubectl taint nodes {worker} dedicated=db:NoSchedule")
    ssh(lab, first, f"kubectl label nodes {worker} disk=ssd")
    node = out(lab, second, f"kubectl get node {worker} -o json")
    assert '"dedicated"' in node and '"disk": "ssd"' in node

    for host in (second, worker, first):
        ssh(lab, host, "kubeadm reset -f")
        # As kubeadm does: the contents go, the manifests and pki directories stay.
        assert out(lab, host, "find /etc/kubernetes /var/lib/kubelet /var/lib/etcd -type f") == ""
        assert "/usr/bin/etcd" not in out(lab, host, "ps -eo args")


def test_host_shims_record_and_never_apply(lab: Lab) -> None:
    host = lab.hosts[0].name
    ssh(lab, host, "modprobe br_netfilter && modprobe overlay && swapoff -a")
    ssh(lab, host, "sysctl -w net.ipv4.ip_forward=1 && mount -t nfs 10.0.0.9:/exports /mnt/nfs")
    assert out(lab, host, "cat /proc/sys/net/ipv4/ip_forward").strip() == "0"
    assert out(lab, host, "sysctl -n net.ipv4.ip_forward").strip() == "1"
    assert '"br_netfilter"' in out(lab, host, "cat /var/lib/kctui-lab/modules.json")
    assert "10.0.0.9:/exports" in out(lab, host, "cat /var/lib/kctui-lab/nfs-mounts.json")
    assert "nfs" not in out(lab, host, "cat /proc/mounts")
    log = out(lab, host, "cat /var/log/kctui-lab/commands.log")
    assert '"prog": "swapoff", "args": ["-a"]' in log and '"prog": "modprobe"' in log
    ssh(lab, host, "umount /mnt/nfs")
    assert "10.0.0.9" not in out(lab, host, "cat /var/lib/kctui-lab/nfs-mounts.json")


def test_faults(lab: Lab) -> None:
    from kctui.lab import lab as labs

    host = lab.hosts[1]
    labs.fault(lab, host.name, "fail-next", "modprobe")
    failed = ssh(lab, host.name, "modprobe overlay", check=False)
    assert failed.returncode == 1 and b"made to fail" in failed.stderr
    assert ssh(lab, host.name, "modprobe overlay").returncode == 0  # only the next one
    labs.fault(lab, host.name, "slow", "0.5")
    timed = out(
        lab, host.name, "s=$(date +%s%N); modprobe x; echo $(( ($(date +%s%N) - s) / 1000000 ))"
    )
    assert int(timed) >= 500
    labs.fault(lab, host.name, "slow", "0")
    labs.fault(lab, host.name, "down")
    assert ssh(lab, host.name, "true", check=False, timeout=30).returncode == 255
    labs.fault(lab, host.name, "up")
    assert out(lab, host.name, "hostname").strip() == host.name
    before = host.host_key_fingerprint
    message = labs.fault(lab, host.name, "rekey")
    assert before not in message and lab.host(host.name).host_key_fingerprint in message
    assert out(lab, host.name, "hostname").strip() == host.name  # known_hosts follows the new key


def test_upgrade_certs_images_and_cordon(fresh_lab: Lab, lab_packages: dict[str, Path]) -> None:
    lab, h = fresh_lab, fresh_lab.hosts[0]
    prepare(lab, h.name, lab_packages)
    init(lab, h.name)

    refused = ssh(lab, h.name, "kubeadm upgrade apply v1.29.10 -y", check=False)
    assert refused.returncode == 1 and b"install the v1.29.10 package first" in refused.stderr
    install(lab, h.name, lab_packages["kubernetes-v1.29.10-amd64"])
    # As kubeadm, it returns once the kubelet runs the rewritten static pods and they answer:
    # etcd is read at once, in the same command.
    upgraded = out(
        lab,
        h.name,
        "kubeadm upgrade apply v1.29.10 -y && echo ---"
        " && for p in etcd kube-apiserver; do"
        "   sha256sum /etc/kubernetes/manifests/$p.yaml; cat /var/lib/kubelet/pods/$p.json; echo;"
        " done"
        f" && echo --- && {ETCDCTL} get /registry/configmaps/kube-system/kubeadm-config",
    )
    said, pods, config = upgraded.split("---\n")
    assert "v1.29.10" in said
    lines = [line for line in pods.splitlines() if line]  # sha256sum's line, then the record
    for summed, record in zip(lines[0::2], map(json.loads, lines[1::2]), strict=True):
        assert record["hash"] == summed.split()[0] and record["restarts"] >= 1, pods
    assert "kubernetesVersion: v1.29.10" in config
    assert "kube-apiserver:v1.29.10" in out(
        lab, h.name, "cat /etc/kubernetes/manifests/kube-apiserver.yaml"
    )
    down = ssh(lab, h.name, "kubeadm upgrade apply v1.28.15 -y", check=False)
    assert down.returncode == 1 and b"lower than the cluster version" in down.stderr

    expiry = out(lab, h.name, "kubeadm certs check-expiration")
    assert expiry.startswith("CERTIFICATE                EXPIRES                  RESIDUAL TIME")
    assert "\napiserver " in expiry and "\netcd-server " in expiry and "etcd-ca" in expiry
    serial = "openssl x509 -noout -serial -in /etc/kubernetes/pki/apiserver.crt"
    before = out(lab, h.name, serial)
    ssh(lab, h.name, "kubeadm certs renew all")
    assert out(lab, h.name, serial) != before

    ssh(lab, h.name, "ctr -n k8s.io images import /dev/null", check=False)
    ssh(
        lab,
        h.name,
        "mkdir -p /root/pkg && tar -xzf - -C /root/pkg",
        input=lab_packages["calico-v3.27.3-amd64"].read_bytes(),
    )
    ssh(lab, h.name, "ctr -n k8s.io images import /root/pkg/images/images.tar")
    assert "docker.io/calico/node" in out(lab, h.name, "crictl images")
    assert "etcd" in out(lab, h.name, "crictl ps")

    ssh(lab, h.name, f"kubectl cordon {h.name}")
    assert "SchedulingDisabled" in out(lab, h.name, "kubectl get nodes")
    ssh(lab, h.name, f"kubectl uncordon {h.name}")
    ssh(lab, h.name, "kubectl apply -f /root/pkg/manifests/tigera-operator.yaml")
    assert "tigera-operator" in out(lab, h.name, "kubectl get deployments -n tigera-operator")
