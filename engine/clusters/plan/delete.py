"""The plan of a cluster delete: every node reset and cleaned, back to how kctui found it."""

from __future__ import annotations

import shlex

from engine.clusters.plan.context import CONFIG_DIR, LB_CONFIG
from engine.clusters.plan.kubeadm import CONTROL_PLANE_HOST
from store.documents.cluster import Cluster, ClusterSpec
from store.documents.operation import Operation, Step

BINARIES = ("kubeadm", "kubelet", "kubectl", "containerd", "ctr", "crictl", "dockerd", "docker")


def plan_delete(cluster: Cluster) -> Operation:
    nodes = cluster.spec.node_names
    steps = [
        Step(
            name="reset",
            title="kubeadm reset and clean up",
            nodes=nodes,
            timeout=600,
            script=reset_script(cluster.spec),
        ),
        Step(
            name="forget",
            title="free the nodes",
            action="local",
            call="free-nodes",
            args={"cluster": cluster.name},
        ),
    ]
    return Operation(type="delete-cluster", cluster=cluster.name, steps=steps, retry_mode="restart")


def reset_script(spec: ClusterSpec) -> str:
    """A node back to how kctui found it: kubeadm reset, its services stopped, every
    directory and file kctui wrote removed."""
    q = shlex.quote
    # Directories are emptied, not removed: on many hosts (and in the lab) they are mount points.
    wipe = [
        "/etc/kubernetes/manifests",
        "/etc/kubernetes/pki",
        CONFIG_DIR,
        LB_CONFIG.rsplit("/", 1)[0],
        "/var/lib/kubelet",
        "/root/.kube",
        "/etc/cni/net.d",
        spec.etcd.data_dir,
        spec.container_runtime.root_dir,
        "/etc/containerd",
        "/opt/kctui",
        "/etc/systemd/system/kubelet.service.d",
    ]
    files = [
        "/etc/kubernetes/*.conf",
        "/etc/docker/daemon.json",
        "/etc/systemd/system/kubelet.service",
        "/etc/systemd/system/containerd.service",
        "/etc/modules-load.d/kctui-k8s.conf",
        "/etc/sysctl.d/99-kctui-k8s.conf",
        "/etc/security/limits.d/90-kctui.conf",
        *[f"/usr/local/bin/{b}" for b in BINARIES],
    ]
    return (
        'wipe() { if [ -d "$1" ]; then find "$1" -mindepth 1 -delete; rmdir "$1" 2>/dev/null || true; fi; }\n'
        "if command -v kubeadm >/dev/null; then kubeadm reset -f || true; fi\n"
        "for unit in kubelet containerd docker; do systemctl disable --now $unit 2>/dev/null || true; done\n"
        f"ip addr del {q(spec.networking.worker_node_vip)}/32 dev lo 2>/dev/null || true\n"
        + "".join(f"wipe {q(d)}\n" for d in wipe)
        + f"rm -f {' '.join(files)}\n"
        + f"sed -i '/ {CONTROL_PLANE_HOST}$/d' /etc/hosts\n"
        'echo "$(hostname) reset"\n'
    )
