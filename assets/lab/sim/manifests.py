"""What kubeadm writes: static Pod manifests, kubelet configuration, the first cluster objects."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import bootstrap
import kube
import pki
import yaml

if TYPE_CHECKING:
    import etcdapi

MANIFESTS = "/etc/kubernetes/manifests"
KUBELET_DIR = "/var/lib/kubelet"
PKI = pki.PKI
ETCD_IMAGE_TAG = {
    (1, 23): "3.5.6-0",
    (1, 24): "3.5.6-0",
    (1, 25): "3.5.9-0",
    (1, 26): "3.5.9-0",
    (1, 27): "3.5.12-0",
    (1, 28): "3.5.15-0",
    (1, 29): "3.5.16-0",
    (1, 30): "3.5.16-0",
}


def _minor(version: str) -> tuple[int, int]:
    major, minor = version.lstrip("v").split(".")[:2]
    return int(major), int(minor)


def images(cluster: dict[str, Any]) -> dict[str, str]:
    """What kubeadm runs for the cluster's version: tags from the catalog baked into this
    kubeadm (version.RELEASES), kubeadm's own table otherwise. With a custom imageRepository,
    CoreDNS is <repo>/coredns, as kubeadm's GetDNSImage has it."""
    repo = cluster.get("imageRepository") or "registry.k8s.io"
    version = cluster["kubernetesVersion"]
    release = kube.RELEASES.get(version) or {
        "etcd": ETCD_IMAGE_TAG.get(_minor(version), "3.5.16-0"),
        "coredns": "v1.10.1",
        "pause": "3.9",
    }
    names = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"]
    out = {n: f"{repo}/{n}:{version}" for n in names}
    out["etcd"] = f"{repo}/etcd:{release['etcd']}"
    coredns = "coredns/coredns" if repo == "registry.k8s.io" else "coredns"
    out["coredns"] = f"{repo}/{coredns}:{release['coredns']}"
    out["pause"] = f"{repo}/pause:{release['pause']}"
    return out


def _pod(name: str, image: str, command: list[str], volumes: list[str]) -> dict[str, Any]:
    named = [(v.strip("/").replace("/", "-") or "root", v) for v in volumes]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": "kube-system",
            "labels": {"component": name, "tier": "control-plane"},
        },
        "spec": {
            "containers": [
                {
                    "name": name,
                    "image": image,
                    "command": command,
                    "volumeMounts": [{"name": n, "mountPath": v} for n, v in named],
                }
            ],
            "hostNetwork": True,
            "priorityClassName": "system-node-critical",
            "volumes": [
                {"name": n, "hostPath": {"path": v, "type": "DirectoryOrCreate"}} for n, v in named
            ],
        },
    }


def _extra(component: dict[str, Any]) -> list[str]:
    import kubeadm_config

    return [f"--{k}={v}" for k, v in kubeadm_config.arg_items(component.get("extraArgs"))]


def etcd_command(
    node: str, address: str, data_dir: str, initial_cluster: str, state: str
) -> list[str]:
    return [
        "etcd",
        f"--advertise-client-urls=https://{address}:2379",
        f"--cert-file={PKI}/etcd/server.crt",
        "--client-cert-auth=true",
        f"--data-dir={data_dir}",
        f"--initial-advertise-peer-urls=https://{address}:2380",
        f"--initial-cluster={initial_cluster}",
        f"--initial-cluster-state={state}",
        f"--key-file={PKI}/etcd/server.key",
        f"--listen-client-urls=https://127.0.0.1:2379,https://{address}:2379",
        f"--listen-peer-urls=https://{address}:2380",
        f"--name={node}",
        f"--peer-cert-file={PKI}/etcd/peer.crt",
        "--peer-client-cert-auth=true",
        f"--peer-key-file={PKI}/etcd/peer.key",
        f"--peer-trusted-ca-file={PKI}/etcd/ca.crt",
        "--snapshot-count=10000",
        f"--trusted-ca-file={PKI}/etcd/ca.crt",
    ]


def write_control_plane(
    cluster: dict[str, Any],
    address: str,
    port: int,
    node: str,
    data_dir: str,
    initial_cluster: str,
    state: str,
) -> None:
    os.makedirs(MANIFESTS, exist_ok=True)
    img = images(cluster)
    net = cluster.get("networking", {})
    services = net.get("serviceSubnet", "10.96.0.0/12")
    etcd_cmd = etcd_command(node, address, data_dir, initial_cluster, state)
    etcd_cmd += _extra(cluster.get("etcd", {}).get("local", {}))
    api = [
        "kube-apiserver",
        f"--advertise-address={address}",
        f"--client-ca-file={PKI}/ca.crt",
        f"--etcd-cafile={PKI}/etcd/ca.crt",
        f"--etcd-certfile={PKI}/apiserver-etcd-client.crt",
        f"--etcd-keyfile={PKI}/apiserver-etcd-client.key",
        "--etcd-servers=https://127.0.0.1:2379",
        f"--secure-port={port}",
        f"--service-cluster-ip-range={services}",
        f"--tls-cert-file={PKI}/apiserver.crt",
        f"--tls-private-key-file={PKI}/apiserver.key",
        *_extra(cluster.get("apiServer", {})),
    ]
    cm = [
        "kube-controller-manager",
        "--allocate-node-cidrs=true",
        f"--cluster-cidr={net.get('podSubnet', '')}",
        f"--service-cluster-ip-range={services}",
        "--kubeconfig=/etc/kubernetes/controller-manager.conf",
        *_extra(cluster.get("controllerManager", {})),
    ]
    sched = [
        "kube-scheduler",
        "--kubeconfig=/etc/kubernetes/scheduler.conf",
        *_extra(cluster.get("scheduler", {})),
    ]
    pods = {
        "etcd": _pod("etcd", img["etcd"], etcd_cmd, [data_dir, f"{PKI}/etcd"]),
        "kube-apiserver": _pod("kube-apiserver", img["kube-apiserver"], api, [PKI]),
        "kube-controller-manager": _pod(
            "kube-controller-manager", img["kube-controller-manager"], cm, [PKI]
        ),
        "kube-scheduler": _pod("kube-scheduler", img["kube-scheduler"], sched, []),
    }
    for name, pod in pods.items():
        kube.write_yaml(f"{MANIFESTS}/{name}.yaml", pod)


def write_kubelet_config(
    kubelet_doc: dict[str, Any] | None, registration: dict[str, Any] | None, address: str
) -> None:
    config = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "staticPodPath": MANIFESTS,
        "cgroupDriver": "systemd",
        "clusterDomain": "cluster.local",
        **(kubelet_doc or {}),
    }
    kube.write_yaml(f"{KUBELET_DIR}/config.yaml", config, mode=0o644)
    args = [f"--node-ip={address}"]
    cri = (registration or {}).get("criSocket", "unix:///var/run/containerd/containerd.sock")
    args.append(f"--container-runtime-endpoint={cri}")
    extra = (registration or {}).get("kubeletExtraArgs") or {}
    items = extra.items() if isinstance(extra, dict) else ((e["name"], e["value"]) for e in extra)
    args += [f"--{k}={v}" for k, v in items]
    with open(f"{KUBELET_DIR}/kubeadm-flags.env", "w") as f:
        f.write(f'KUBELET_KUBEADM_ARGS="{" ".join(args)}"\n')


def _configmap(ns: str, name: str, data: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns},
        "data": data,
    }


def _workload(
    kind: str, ns: str, name: str, image: str, replicas: int | None = None
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "selector": {"matchLabels": {"k8s-app": name}},
        "template": {
            "metadata": {"labels": {"k8s-app": name}},
            "spec": {"containers": [{"name": name, "image": image}]},
        },
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


def upload_cluster_state(
    etcd: etcdapi.Etcd,
    docs: dict[str, dict[str, Any]],
    cluster: dict[str, Any],
    node: str,
    address: str,
    registration: dict[str, Any],
) -> None:
    put: Callable[[str, dict[str, Any]], None] = lambda kind, obj: etcd.put(  # noqa: E731
        kube.registry_key(kind, obj["metadata"]["name"], obj["metadata"].get("namespace")),
        kube.stamped(obj),
    )
    for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
        put("Namespace", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    put(
        "ConfigMap",
        _configmap(
            "kube-system", "kubeadm-config", {"ClusterConfiguration": yaml.safe_dump(cluster)}
        ),
    )
    kubelet = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        **(docs.get("KubeletConfiguration") or {}),
    }
    put(
        "ConfigMap",
        _configmap("kube-system", "kubelet-config", {"kubelet": yaml.safe_dump(kubelet)}),
    )
    proxy = docs.get("KubeProxyConfiguration") or {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
    }
    put(
        "ConfigMap", _configmap("kube-system", "kube-proxy", {"config.conf": yaml.safe_dump(proxy)})
    )
    endpoint = cluster.get("controlPlaneEndpoint") or f"{address}:6443"
    put("ConfigMap", _configmap("kube-public", "cluster-info", {"server": f"https://{endpoint}"}))
    img = images(cluster)
    put("DaemonSet", _workload("DaemonSet", "kube-system", "kube-proxy", img["kube-proxy"]))
    put("Deployment", _workload("Deployment", "kube-system", "coredns", img["coredns"], 2))
    domain = cluster.get("networking", {}).get("dnsDomain", "cluster.local")
    put(
        "ConfigMap",
        _configmap(
            "kube-system",
            "coredns",
            {
                "Corefile": f".:53 {{\n    kubernetes {domain} in-addr.arpa ip6.arpa\n"
                "    forward . /etc/resolv.conf\n}\n"
            },
        ),
    )
    taints = registration.get("taints") if "taints" in registration else None
    bootstrap.register_node(
        etcd, bootstrap.node_object(node, address, cluster["kubernetesVersion"], True, taints, None)
    )
