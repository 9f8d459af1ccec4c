"""kubeadm's configuration files: the API versions and kinds it knows, and required fields."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import kube_schemas
import yaml

if TYPE_CHECKING:
    import ipaddress

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


class Invalid(Exception):
    """A configuration or command line kubeadm refuses before any phase runs; printed as is."""


# cmd/kubeadm/app/apis/kubeadm/validation/validation.go, isAllowedFlag: the only flags that
# may go with --config (and any --skip-*).
ALLOWED_WITH_CONFIG = {
    "config",
    "ignore-preflight-errors",
    "dry-run",
    "kubeconfig",
    "node-name",
    "kubeconfig-dir",
    "upload-certs",
    "print-join-command",
    "rootfs",
    "v",
    "log-file",
}


def mixed_arguments(args: list[str]) -> None:
    """ValidateMixedArguments: with --config, flags off the allow-list are refused."""
    names = [a[2:].split("=", 1)[0] for a in args if a.startswith("--")]
    if "config" not in names:
        return
    bad = [n for n in names if n not in ALLOWED_WITH_CONFIG and not n.startswith("skip-")]
    if bad:
        raise Invalid(f"can not mix '--config' with arguments [{' '.join(bad)}]")


def minor(version: str) -> tuple[int, int]:
    parts = version.lstrip("v").split(".")
    return int(parts[0]), int(parts[1])


def load(path: str, k8s_version: str) -> dict[str, dict[str, Any]]:
    try:
        with open(path) as f:
            docs = [d for d in yaml.safe_load_all(f) if d]
    except OSError as e:
        raise ConfigError(f"unable to read config from {path!r}: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"unable to decode config from {path!r}: {e}") from None
    by_kind: dict[str, dict[str, Any]] = {}
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
        problems = kube_schemas.errors(doc)
        if problems:
            group, _, ver = gvk[0].partition("/")
            raise Invalid(
                f'error unmarshaling configuration schema.GroupVersionKind{{Group:"{group}", '
                f'Version:"{ver}", Kind:"{gvk[1]}"}}: {"; ".join(problems)}'
            )
        if gvk[1] in by_kind:
            raise ConfigError(f"duplicate {gvk[1]} in {path}")
        by_kind[gvk[1]] = doc
    return by_kind


def require(doc: object, path: str, where: str) -> Any:
    value = doc
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value or value[part] in (None, ""):
            raise ConfigError(f"{where}: {path} is required")
        value = value[part]
    return value


def arg_value(component: dict[str, Any] | None, name: str) -> Any:
    """An extraArgs value, from v1beta3's map or v1beta4's list of {name, value}."""
    args = (component or {}).get("extraArgs") or {}
    if isinstance(args, dict):
        return args.get(name)
    for arg in args:
        if arg.get("name") == name:
            return arg.get("value")
    return None


def arg_items(args: Any) -> list[tuple[Any, Any]]:
    """v1beta3's map or v1beta4's list of {name, value}, as the YAML has it."""
    if isinstance(args or {}, dict):
        return list((args or {}).items())
    return [(a["name"], a.get("value", "")) for a in args]


def validate_cluster(cluster: dict[str, Any]) -> list[str]:
    """ValidateNetworking's subnet rules and ValidateCertificateKey (kubeadm validation.go)."""
    errors: list[str] = []
    net = cluster.get("networking") or {}
    for cidr in filter(None, str(net.get("serviceSubnet") or "").split(",")):
        n = _network(cidr, "networking.serviceSubnet", errors)
        if n is not None and n.max_prefixlen - n.prefixlen > 20:
            errors.append(
                f'networking.serviceSubnet: Invalid value: "{n}": specified service subnet is too '
                f"large; for {n.max_prefixlen}-bit addresses, the mask must be >= {n.max_prefixlen - 20}"
            )
    cm = cluster.get("controllerManager") or {}
    if arg_value(cm, "allocate-node-cidrs") != "false":
        for cidr in filter(None, str(net.get("podSubnet") or "").split(",")):
            n = _network(cidr, "networking.podSubnet", errors)
            if n is None:
                continue
            flag = "node-cidr-mask-size-ipv6" if n.version == 6 else "node-cidr-mask-size-ipv4"
            mask = int(arg_value(cm, flag) or (64 if n.version == 6 else 24))
            if n.prefixlen > mask:
                errors.append(
                    f'networking.podSubnet: Invalid value: "{n}": the size of pod subnet with mask '
                    f"{n.prefixlen} is smaller than the size of node subnet with mask {mask}"
                )
            elif mask - n.prefixlen > 16:
                errors.append(
                    f'networking.podSubnet: Invalid value: "{n}": pod subnet mask ({n.prefixlen}) '
                    f"and node-mask ({mask}) difference is greater than 16"
                )
    return errors


def _network(
    cidr: str, field: str, errors: list[str]
) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    import ipaddress

    try:
        return ipaddress.ip_network(cidr.strip())
    except ValueError:
        errors.append(f'{field}: Invalid value: "{cidr}": couldn\'t parse subnet')
        return None


def validate_certificate_key(key: str, field: str = "certificateKey") -> list[str]:
    if not key:
        return []
    try:
        raw = bytes.fromhex(key)
    except ValueError:
        return [
            f'{field}: Invalid value: "{key}": certificate key decoding error: encoding/hex: invalid byte'
        ]
    if len(raw) != 32:
        return [
            f'{field}: Invalid value: "{key}": invalid certificate key size {len(raw)}, the key '
            "must be an AES key of size 32"
        ]
    return []


def aggregate(errors: list[str]) -> str:
    """field.ErrorList.ToAggregate().Error(): one error as is, several in brackets."""
    return errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
