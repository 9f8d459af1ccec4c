"""Joining a node: check the bootstrap token, register the node, hand out its credentials."""

from __future__ import annotations

import base64
import calendar
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import kube
import pki

if TYPE_CHECKING:
    import etcdapi


def token_key(token_id: str) -> str:
    return f"/registry/secrets/kube-system/bootstrap-token-{token_id}"


def store_token(
    etcd_or_client: etcdapi.Etcd | kube.Client, token: str, ttl_seconds: int = 86400
) -> None:
    token_id, secret = token.split(".")
    expiration = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + ttl_seconds))
    obj = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "bootstrap.kubernetes.io/token",
        "metadata": {"name": f"bootstrap-token-{token_id}", "namespace": "kube-system"},
        "data": {
            "token-id": token_id,
            "token-secret": secret,
            "expiration": expiration,
            "usage-bootstrap-authentication": "true",
            "usage-bootstrap-signing": "true",
        },
    }
    etcd_or_client.put(token_key(token_id), obj)


def _valid(etcd: etcdapi.Etcd, token: str) -> bool:
    try:
        token_id, secret = token.split(".")
    except ValueError:
        return False
    obj = etcd.get(token_key(token_id))
    if not obj or obj["data"]["token-secret"] != secret:
        return False
    expires = calendar.timegm(time.strptime(obj["data"]["expiration"], "%Y-%m-%dT%H:%M:%SZ"))
    return expires > time.time()


def node_object(
    name: str,
    address: str,
    version: str,
    control_plane: bool,
    taints: list[dict[str, Any]] | None,
    labels: dict[str, str] | None,
) -> dict[str, Any]:
    all_labels = {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": os.uname()
        .machine.replace("x86_64", "amd64")
        .replace("aarch64", "arm64"),
        **(labels or {}),
    }
    if control_plane:
        all_labels[kube.CONTROL_PLANE_LABEL] = ""
        all_labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
        if taints is None:
            taints = [{"key": kube.CONTROL_PLANE_LABEL, "effect": "NoSchedule"}]
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": all_labels},
        "spec": {"taints": taints or []},
        "status": {
            "addresses": [
                {"type": "InternalIP", "address": address},
                {"type": "Hostname", "address": name},
            ],
            "nodeInfo": {"kubeletVersion": version},
        },
    }


def register_node(store: etcdapi.Etcd, node: dict[str, Any]) -> None:
    key = kube.registry_key("Node", node["metadata"]["name"])
    old = store.get(key)
    if old:
        # A node joining again keeps what operators set on it (labels), as Kubernetes does.
        node["metadata"]["labels"] = {
            **old["metadata"].get("labels", {}),
            **node["metadata"]["labels"],
        }
    store.put(key, kube.stamped(node))


def _issue_kubelet_cert(node: str) -> tuple[str, str]:
    tmp = tempfile.mkdtemp()
    try:
        base = os.path.join(tmp, "kubelet")
        pki.issue(base, f"{pki.PKI}/ca", f"system:node:{node}", orgs=["system:nodes"])
        with open(base + ".crt") as c, open(base + ".key") as k:
            return c.read(), k.read()
    finally:
        shutil.rmtree(tmp)


def handle(etcd: etcdapi.Etcd, body: dict[str, Any], public_url: str) -> tuple[int, dict[str, Any]]:
    if not _valid(etcd, body.get("token", "")):
        return 401, {"message": "the bootstrap token is invalid or has expired"}
    name = body["node"]
    register_node(
        etcd,
        node_object(
            name,
            body["address"],
            body.get("kubeletVersion", ""),
            body.get("controlPlane", False),
            body.get("taints"),
            body.get("labels"),
        ),
    )
    cert, key = _issue_kubelet_cert(name)
    with open(f"{pki.PKI}/ca.crt") as f:
        reply = {"ca": f.read(), "kubeletCert": cert, "kubeletKey": key, "server": public_url}
    cluster = etcd.get("/registry/configmaps/kube-system/kubeadm-config") or {}
    reply["clusterConfiguration"] = cluster.get("data", {}).get("ClusterConfiguration", "")
    kubelet = etcd.get("/registry/configmaps/kube-system/kubelet-config") or {}
    reply["kubeletConfiguration"] = kubelet.get("data", {}).get("kubelet", "")
    if body.get("controlPlane"):
        secret = etcd.get("/registry/secrets/kube-system/kubeadm-certs")
        if not secret:
            return 400, {
                "message": "no uploaded certificates: run kubeadm init with --upload-certs"
            }
        try:
            certs = json.loads(pki.decrypt(secret["data"]["certs"], body.get("certificateKey", "")))
        except (RuntimeError, ValueError):
            return 401, {
                "message": "the certificate key does not decrypt the uploaded certificates"
            }
        members = etcd.members()
        # etcd refuses a new member until the last one has been connected for a few seconds
        # ("unhealthy cluster"); kubeadm retries, so does this.
        deadline = time.time() + 60
        while True:
            try:
                etcd.add_member(body["peerURL"])
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(1)
        initial = [f"{m['name']}={m['peerURLs'][0]}" for m in members if m.get("name")]
        initial.append(f"{name}={body['peerURL']}")
        reply["certs"] = certs
        reply["initialCluster"] = ",".join(initial)
    return 200, reply


def encode_certs(names: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in names:
        with open(f"{pki.PKI}/{name}", "rb") as f:
            out[name] = base64.b64encode(f.read()).decode()
    return out
