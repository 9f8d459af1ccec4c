"""Shared by the simulated Kubernetes tools: kubeconfigs, the API client, resource names."""

import base64
import json
import os
import ssl
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

import yaml

try:
    import version

    K8S_VERSION = version.K8S_VERSION
    CONTAINERD_VERSION = version.CONTAINERD_VERSION
    RELEASES = version.RELEASES
except ImportError:  # a labsim built without a version file (host shims only)
    K8S_VERSION = ""
    CONTAINERD_VERSION = ""
    RELEASES = {}

ADMIN_CONF = "/etc/kubernetes/admin.conf"
KUBELET_CONF = "/etc/kubernetes/kubelet.conf"
CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane"

# kind -> (resource, namespaced). Kinds not listed are namespaced and stored as <kind>s.
KINDS = {
    "Namespace": ("namespaces", False),
    "Node": ("minions", False),
    "StorageClass": ("storageclasses", False),
    "ClusterRole": ("clusterroles", False),
    "ClusterRoleBinding": ("clusterrolebindings", False),
    "CustomResourceDefinition": ("apiextensions.k8s.io/customresourcedefinitions", False),
    "PersistentVolume": ("persistentvolumes", False),
    "PriorityClass": ("priorityclasses", False),
    "CSIDriver": ("csidrivers", False),
    "Installation": ("operator.tigera.io/installations", False),
    "APIServer": ("operator.tigera.io/apiservers", False),
    "IPPool": ("crd.projectcalico.org/ippools", False),
    "FelixConfiguration": ("crd.projectcalico.org/felixconfigurations", False),
    "Deployment": ("deployments", True),
    "DaemonSet": ("daemonsets", True),
    "ConfigMap": ("configmaps", True),
    "Secret": ("secrets", True),
    "Service": ("services", True),
    "ServiceAccount": ("serviceaccounts", True),
    "Pod": ("pods", True),
    "PersistentVolumeClaim": ("persistentvolumeclaims", True),
}
ALIASES = {
    "ns": "Namespace",
    "namespace": "Namespace",
    "namespaces": "Namespace",
    "no": "Node",
    "node": "Node",
    "nodes": "Node",
    "sc": "StorageClass",
    "storageclass": "StorageClass",
    "storageclasses": "StorageClass",
    "deploy": "Deployment",
    "deployment": "Deployment",
    "deployments": "Deployment",
    "ds": "DaemonSet",
    "daemonset": "DaemonSet",
    "daemonsets": "DaemonSet",
    "cm": "ConfigMap",
    "configmap": "ConfigMap",
    "configmaps": "ConfigMap",
    "secret": "Secret",
    "secrets": "Secret",
    "svc": "Service",
    "service": "Service",
    "services": "Service",
    "sa": "ServiceAccount",
    "serviceaccount": "ServiceAccount",
    "po": "Pod",
    "pod": "Pod",
    "pods": "Pod",
    "installation": "Installation",
    "installations": "Installation",
    "installations.operator.tigera.io": "Installation",
    "ippool": "IPPool",
    "ippools": "IPPool",
    "ippools.crd.projectcalico.org": "IPPool",
    "crd": "CustomResourceDefinition",
    "crds": "CustomResourceDefinition",
    "clusterrole": "ClusterRole",
    "clusterrolebinding": "ClusterRoleBinding",
    "pvc": "PersistentVolumeClaim",
    "persistentvolumeclaim": "PersistentVolumeClaim",
    "persistentvolumeclaims": "PersistentVolumeClaim",
    "pv": "PersistentVolume",
    "persistentvolume": "PersistentVolume",
    "persistentvolumes": "PersistentVolume",
}


def kind_of(name: str) -> str:
    kind = ALIASES.get(name.lower())
    if kind is None:
        for k in KINDS:
            if k.lower() == name.lower():
                return k
        raise SystemExit(f'error: the server doesn\'t have a resource type "{name}"')
    return kind


def resource_of(kind: str) -> tuple[str, bool]:
    return KINDS.get(kind, (kind.lower() + "s", True))


def registry_key(kind: str, name: str, namespace: str | None = None) -> str:
    resource, namespaced = resource_of(kind)
    if namespaced:
        return f"/registry/{resource}/{namespace or 'default'}/{name}"
    return f"/registry/{resource}/{name}"


def stamped(obj: dict[str, Any]) -> dict[str, Any]:
    """The object with a creationTimestamp, as the API server sets one on create."""
    import time

    obj.setdefault("metadata", {}).setdefault(
        "creationTimestamp", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    )
    return obj


def kubeconfig(
    server: str,
    ca_pem: bytes,
    cert_pem: bytes,
    key_pem: bytes,
    user: str,
    cluster: str = "kubernetes",
) -> dict[str, Any]:
    enc: Callable[[bytes], str] = lambda b: base64.b64encode(b).decode()  # noqa: E731
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": cluster,
                "cluster": {"server": server, "certificate-authority-data": enc(ca_pem)},
            }
        ],
        "users": [
            {
                "name": user,
                "user": {"client-certificate-data": enc(cert_pem), "client-key-data": enc(key_pem)},
            }
        ],
        "contexts": [{"name": f"{user}@{cluster}", "context": {"cluster": cluster, "user": user}}],
        "current-context": f"{user}@{cluster}",
    }


def write_yaml(path: str, value: object, mode: int = 0o600) -> None:
    """Written whole or not at all: the kubelet reads manifests while they are replaced."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        yaml.safe_dump(value, f, sort_keys=False)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


class Client:
    """Talks to the simulated API server with the identity in a kubeconfig."""

    def __init__(self, config_path: str) -> None:
        with open(config_path) as f:
            cfg = yaml.safe_load(f)
        cluster = cfg["clusters"][0]["cluster"]
        user = cfg["users"][0]["user"]
        self.server = cluster["server"].rstrip("/")
        self._dir = tempfile.mkdtemp(prefix="kubeclient")
        ca = os.path.join(self._dir, "ca.crt")
        cert = os.path.join(self._dir, "client.crt")
        key = os.path.join(self._dir, "client.key")
        for path, field in (
            (ca, cluster["certificate-authority-data"]),
            (cert, user["client-certificate-data"]),
            (key, user["client-key-data"]),
        ):
            with open(path, "wb") as f:
                f.write(base64.b64decode(field))
        self.ctx = ssl.create_default_context(cafile=ca)
        self.ctx.check_hostname = False
        self.ctx.load_cert_chain(cert, key)
        for path in (ca, cert, key):
            os.unlink(path)
        os.rmdir(self._dir)

    def call(
        self, method: str, path: str, body: object = None, timeout: float = 10
    ) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.server + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=timeout) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def get(self, key: str) -> tuple[int, Any]:
        return self.call("GET", "/registry?key=" + urllib.parse.quote(key))

    def put(self, key: str, obj: dict[str, Any]) -> tuple[int, Any]:
        return self.call("PUT", "/registry?key=" + urllib.parse.quote(key), obj)

    def delete(self, key: str, prefix: bool = False) -> tuple[int, Any]:
        q = "&prefix=1" if prefix else ""
        return self.call("DELETE", "/registry?key=" + urllib.parse.quote(key) + q)

    def list(self, prefix: str) -> list[tuple[str, dict[str, Any]]]:
        """(key, object) pairs under a prefix."""
        status, body = self.call("GET", "/registry?prefix=1&key=" + urllib.parse.quote(prefix))
        if status != 200:
            raise SystemExit(f"error: the server answered {status}: {body}")
        return [(item["key"], item["object"]) for item in body]
