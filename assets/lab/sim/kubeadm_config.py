"""kubeadm's configuration files: the API versions and kinds it knows, and required fields."""

import yaml

KUBEADM_GROUP = "kubeadm.k8s.io"
KNOWN = {
    ("kubeadm.k8s.io/v1beta3", "InitConfiguration"),
    ("kubeadm.k8s.io/v1beta3", "ClusterConfiguration"),
    ("kubeadm.k8s.io/v1beta3", "JoinConfiguration"),
    ("kubeadm.k8s.io/v1beta4", "InitConfiguration"),
    ("kubeadm.k8s.io/v1beta4", "ClusterConfiguration"),
    ("kubeadm.k8s.io/v1beta4", "JoinConfiguration"),
    ("kubeadm.k8s.io/v1beta4", "UpgradeConfiguration"),
    ("kubeadm.k8s.io/v1beta4", "ResetConfiguration"),
    ("kubelet.config.k8s.io/v1beta1", "KubeletConfiguration"),
    ("kubeproxy.config.k8s.io/v1alpha1", "KubeProxyConfiguration"),
}


class ConfigError(Exception):
    pass


def minor(version):
    parts = version.lstrip("v").split(".")
    return int(parts[0]), int(parts[1])


def load(path, k8s_version):
    try:
        with open(path) as f:
            docs = [d for d in yaml.safe_load_all(f) if d]
    except OSError as e:
        raise ConfigError(f"unable to read config from {path!r}: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"unable to decode config from {path!r}: {e}") from None
    by_kind = {}
    for doc in docs:
        gvk = (doc.get("apiVersion", ""), doc.get("kind", ""))
        if gvk not in KNOWN:
            group, _, ver = gvk[0].partition("/")
            raise ConfigError(
                f'no kind "{gvk[1]}" is registered for version "{gvk[0]}" in scheme '
                f'(group "{group}", version "{ver}")'
            )
        if gvk[0] == "kubeadm.k8s.io/v1beta4" and k8s_version and minor(k8s_version) < (1, 31):
            raise ConfigError(f"kubeadm {k8s_version} does not support {gvk[0]}; use v1beta3")
        if gvk[1] in by_kind:
            raise ConfigError(f"duplicate {gvk[1]} in {path}")
        by_kind[gvk[1]] = doc
    return by_kind


def require(doc, path, where):
    value = doc
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value or value[part] in (None, ""):
            raise ConfigError(f"{where}: {path} is required")
        value = value[part]
    return value
