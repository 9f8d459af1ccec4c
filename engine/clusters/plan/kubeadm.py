"""kubeadm configuration documents, built as data for the Kubernetes version at hand."""

from __future__ import annotations

from typing import Any

import yaml

from engine.catalog import catalog
from store.documents.cluster import (
    CONTROL_PLANE_TAINT_KEY,
    LEGACY_MASTER_TAINT_KEY,
    ClusterSpec,
    Taint,
)

CONTROL_PLANE_HOST = "apiserver.cluster.local"  # mapped in /etc/hosts on every node
API_PORT = 6443


def api_version(kubernetes_version: str) -> str:
    return (
        "kubeadm.k8s.io/v1beta4"
        if catalog.minor(kubernetes_version) >= (1, 31)
        else "kubeadm.k8s.io/v1beta3"
    )


def extra_args(kubernetes_version: str, args: dict[str, str]) -> Any:
    """kubeadm v1beta4 takes extraArgs and kubeletExtraArgs as a list of {name, value};
    v1beta3 as a map (kubernetes cmd/kubeadm/app/apis/kubeadm/v1beta4/types.go, Arg)."""
    if api_version(kubernetes_version).endswith("v1beta4"):
        return [{"name": k, "value": v} for k, v in args.items()]
    return dict(args)


def control_plane_taint_key(kubernetes_version: str) -> str:
    return (
        CONTROL_PLANE_TAINT_KEY
        if catalog.minor(kubernetes_version) >= (1, 24)
        else LEGACY_MASTER_TAINT_KEY
    )


def taints_for_master(spec: ClusterSpec, taints: list[Taint] | None) -> list[dict[str, str]]:
    """None means the default control-plane taint; [] means none."""
    if taints is None:
        return [{"key": control_plane_taint_key(spec.kubernetes_version), "effect": "NoSchedule"}]
    return [_taint(t) for t in taints]


def _taint(t: Taint) -> dict[str, str]:
    out = {"key": t.key, "effect": t.effect}
    if t.value:
        out["value"] = t.value
    return out


def cluster_configuration(spec: ClusterSpec, sans: list[str]) -> dict[str, Any]:
    net = spec.networking
    release = catalog.release(spec.kubernetes_version)
    config: dict[str, Any] = {
        "apiVersion": api_version(spec.kubernetes_version),
        "kind": "ClusterConfiguration",
        "kubernetesVersion": spec.kubernetes_version,
        "controlPlaneEndpoint": f"{CONTROL_PLANE_HOST}:{API_PORT}",
        "imageRepository": "registry.k8s.io",
        "networking": {
            "serviceSubnet": ",".join(net.services),
            "podSubnet": ",".join(net.pods),
            "dnsDomain": net.dns_domain,
        },
        "etcd": {"local": {"dataDir": spec.etcd.data_dir}},
        "apiServer": {"certSANs": sans},
    }
    if release is not None:
        config["etcd"]["local"]["imageTag"] = release.etcd
    return config


# kubeadm takes the certificate key only in the InitConfiguration once --config is given
# (ValidateMixedArguments); the init step puts the real key in place of this on the node, so
# the key is never in the plan or the store.
CERTIFICATE_KEY_PLACEHOLDER = "KCTUI_CERTIFICATE_KEY"


def init_configuration(
    spec: ClusterSpec, node: str, address: str, taints: list[dict[str, str]]
) -> dict[str, Any]:
    return {
        "apiVersion": api_version(spec.kubernetes_version),
        "kind": "InitConfiguration",
        "localAPIEndpoint": {"advertiseAddress": address, "bindPort": API_PORT},
        "nodeRegistration": {
            "name": node,
            "criSocket": cri_socket(spec),
            "taints": taints,
            "kubeletExtraArgs": extra_args(spec.kubernetes_version, {"node-ip": address}),
        },
        "certificateKey": CERTIFICATE_KEY_PLACEHOLDER,
    }


def kubelet_configuration(spec: ClusterSpec) -> dict[str, Any]:
    return {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "cgroupDriver": "systemd",
        "clusterDomain": spec.networking.dns_domain,
    }


def kube_proxy_configuration(spec: ClusterSpec) -> dict[str, Any]:
    return {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        "mode": spec.networking.proxy_mode,
        "clusterCIDR": ",".join(spec.networking.pods),
    }


def cri_socket(spec: ClusterSpec) -> str:
    return "unix:///var/run/containerd/containerd.sock"


def documents(*docs: dict[str, Any]) -> str:
    return yaml.safe_dump_all(list(docs), sort_keys=False)
