"""kubeadm token, certs, upgrade, version and config images."""

import hashlib
import os
import sys
from collections.abc import Callable
from typing import Any, cast

import bootstrap
import kube
import kubeadm_common as c
import kubeadm_config as kc
import kubelet
import manifests
import pki
import yaml

PKI = pki.PKI
LEAF_CERTS = (
    "apiserver",
    "apiserver-kubelet-client",
    "front-proxy-client",
    "etcd/server",
    "etcd/peer",
    "etcd/healthcheck-client",
    "apiserver-etcd-client",
)


def _client() -> kube.Client:
    if not os.path.exists(kube.ADMIN_CONF):
        raise kc.ConfigError(f"{kube.ADMIN_CONF} is missing: run this on a control-plane node")
    return kube.Client(kube.ADMIN_CONF)


def _cluster_config(client: kube.Client) -> dict[str, Any]:
    status, cm = client.get("/registry/configmaps/kube-system/kubeadm-config")
    if status != 200:
        raise kc.ConfigError("the kubeadm-config ConfigMap is missing from the cluster")
    cluster: dict[str, Any] = yaml.safe_load(cm["data"]["ClusterConfiguration"])
    return cluster


def token(args: list[str]) -> int:
    if not args or args[0] not in ("create", "list"):
        print("usage: kubeadm token create [--print-join-command] | list", file=sys.stderr)
        return 1
    client = _client()
    if args[0] == "list":
        for _, obj in client.list("/registry/secrets/kube-system/bootstrap-token-"):
            d = obj["data"]
            print(f"{d['token-id']}.{d['token-secret']}   {d['expiration']}")
        return 0
    tok = c.new_token()
    bootstrap.store_token(client, tok)
    if "--print-join-command" in args:
        _status, info = client.get("/registry/configmaps/kube-public/cluster-info")
        endpoint = info["data"]["server"].split("://", 1)[1]
        print(c.join_command(endpoint, tok))
    else:
        print(tok)
    return 0


def certs(args: list[str]) -> int:
    if args[:1] == ["check-expiration"]:
        print("CERTIFICATE                EXPIRES")
        for name in (*LEAF_CERTS, "ca", "etcd/ca", "front-proxy-ca"):
            path = f"{PKI}/{name}.crt"
            if os.path.exists(path):
                print(f"{name:<26} {pki.not_after(path)}")
        return 0
    if args[:1] == ["renew"] and len(args) >= 2:
        target = args[1]
        client = _client()
        cluster = _cluster_config(client)
        import ipaddress

        services = str(cluster.get("networking", {}).get("serviceSubnet", "10.96.0.0/12")).split(
            ","
        )[0]
        service_ip = str(next(ipaddress.ip_network(services.strip()).hosts()))
        address = client.server.split("://", 1)[1].rsplit(":", 1)[0]
        node = os.uname().nodename
        endpoint = (cluster.get("controlPlaneEndpoint") or "").rsplit(":", 1)[0]
        if target != "all":
            raise kc.ConfigError("the lab renews all certificates at once: kubeadm certs renew all")
        pki.control_plane_certs(
            node,
            _advertise() or address,
            cluster.get("apiServer", {}).get("certSANs", []),
            service_ip,
            endpoint,
        )
        print(
            "Done renewing certificates. You must restart the kube-apiserver, "
            "kube-controller-manager, "
            "kube-scheduler and etcd, so that they can use the new certificates."
        )
        return 0
    print("usage: kubeadm certs check-expiration | renew all", file=sys.stderr)
    return 1


def _apiserver_flag(flag: str, default: str = "") -> str:
    try:
        with open("/etc/kubernetes/manifests/kube-apiserver.yaml") as f:
            pod = yaml.safe_load(f)
    except OSError:
        return default
    command: list[str] = pod["spec"]["containers"][0]["command"]
    for arg in command:
        if arg.startswith(f"--{flag}="):
            return arg.split("=", 1)[1]
    return default


def _advertise() -> str:
    return _apiserver_flag("advertise-address")


def _set_manifest_versions(version: str, cluster: dict[str, Any]) -> None:
    """Rewrite the static pods for `version` and, as kubeadm does, wait until the kubelet runs
    them and etcd and the API server answer again; callers go on only after that."""
    img = manifests.images({**cluster, "kubernetesVersion": version})
    written: dict[str, str] = {}
    for name in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"):
        path = f"{manifests.MANIFESTS}/{name}.yaml"
        if os.path.exists(path):
            with open(path) as f:
                pod = yaml.safe_load(f)
            pod["spec"]["containers"][0]["image"] = img[name]
            kube.write_yaml(path, pod)
            with open(path, "rb") as f:
                written[name] = hashlib.sha256(f.read()).hexdigest()
    for name, digest in written.items():
        c.wait(
            f"the kubelet to restart {name}",
            # The defaults bind this pass's values; mypy cannot type them from the context.
            cast(Callable[[], bool], lambda n=name, d=digest: kubelet.runs(n, d)),
        )
    if "etcd" in written:
        c.wait("etcd", c.local_etcd().healthy)
    if "kube-apiserver" in written:
        port = _apiserver_flag("secure-port", "6443")
        c.wait("the API server", lambda: c.api_healthy("127.0.0.1", port))


def upgrade(args: list[str]) -> int:
    if args[:1] == ["apply"] and len(args) >= 2:
        target = args[1]
        client = _client()
        cluster = _cluster_config(client)
        current = cluster["kubernetesVersion"]
        if kc.minor(target) > kc.minor(kube.K8S_VERSION):
            raise kc.ConfigError(
                f"the upgrade target {target} is newer than this kubeadm ({kube.K8S_VERSION}); "
                f"install the {target} package first"
            )
        if kc.minor(target)[1] - kc.minor(current)[1] > 1:
            raise kc.ConfigError(
                f"specified version to upgrade to {target} is too high; "
                "kubeadm can upgrade only 1 minor version at a time"
            )
        if kc.minor(target) < kc.minor(current):
            raise kc.ConfigError(
                f"specified version to upgrade to {target} is lower than "
                f"the cluster version {current}"
            )
        cluster["kubernetesVersion"] = target
        client.put(
            "/registry/configmaps/kube-system/kubeadm-config",
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "kubeadm-config", "namespace": "kube-system"},
                "data": {"ClusterConfiguration": yaml.safe_dump(cluster)},
            },
        )
        _set_manifest_versions(target, cluster)
        print(f'[upgrade/successful] SUCCESS! Your cluster was upgraded to "{target}". Enjoy!')
        return 0
    if args[:1] == ["node"]:
        if os.path.exists(kube.ADMIN_CONF):
            cluster = _cluster_config(_client())
            _set_manifest_versions(cluster["kubernetesVersion"], cluster)
        print("[upgrade] The configuration for this node was successfully updated!")
        return 0
    if args[:1] == ["plan"]:
        cluster = _cluster_config(_client())
        print(
            f"Cluster version: {cluster['kubernetesVersion']}\nkubeadm version: {kube.K8S_VERSION}"
        )
        return 0
    print("usage: kubeadm upgrade apply VERSION | node | plan", file=sys.stderr)
    return 1


def version(args: list[str]) -> int:
    if "short" in args or "-o=short" in args:
        print(kube.K8S_VERSION)
    else:
        print(f'kubeadm version: &version.Info{{GitVersion:"{kube.K8S_VERSION}"}}')
    return 0


def config(args: list[str]) -> int:
    if args[:2] in (["images", "list"], ["images", "pull"]):
        path = c.opt(args, "--config")
        cluster = {"kubernetesVersion": c.opt(args, "--kubernetes-version") or kube.K8S_VERSION}
        if path:
            cluster = kc.load(path, kube.K8S_VERSION).get("ClusterConfiguration", cluster)
        for image in manifests.images(cluster).values():
            print(image if args[1] == "list" else f"[config/images] Pulled {image}")
        return 0
    print("usage: kubeadm config images list|pull", file=sys.stderr)
    return 1
