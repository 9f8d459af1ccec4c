"""kubeadm token, certs, upgrade, version and config images."""

import hashlib
import os
import sys
import time
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
        _check_expiration()
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
        with open(kube.ADMIN_CONF) as f:  # the admin kubeconfig's client certificate too
            server = yaml.safe_load(f)["clusters"][0]["cluster"]["server"]
        c.admin_kubeconfig(server)
        print(
            "Done renewing certificates. You must restart the kube-apiserver, "
            "kube-controller-manager, "
            "kube-scheduler and etcd, so that they can use the new certificates."
        )
        return 0
    print("usage: kubeadm certs check-expiration | renew all", file=sys.stderr)
    return 1


# kubeadm's names for the certificates check-expiration lists, and their authorities
# (cmd/kubeadm/app/cmd/certs.go, newCmdCertsExpiration)
EXPIRATION_ROWS = (
    ("admin.conf", "admin.conf", "ca"),
    ("apiserver", "apiserver.crt", "ca"),
    ("apiserver-etcd-client", "apiserver-etcd-client.crt", "etcd-ca"),
    ("apiserver-kubelet-client", "apiserver-kubelet-client.crt", "ca"),
    ("etcd-healthcheck-client", "etcd/healthcheck-client.crt", "etcd-ca"),
    ("etcd-peer", "etcd/peer.crt", "etcd-ca"),
    ("etcd-server", "etcd/server.crt", "etcd-ca"),
    ("front-proxy-client", "front-proxy-client.crt", "front-proxy-ca"),
)
AUTHORITY_ROWS = (
    ("ca", "ca.crt"),
    ("etcd-ca", "etcd/ca.crt"),
    ("front-proxy-ca", "front-proxy-ca.crt"),
)


def _not_after(name: str) -> float | None:
    """When the certificate expires, as a timestamp (from its file, or admin.conf's data)."""
    import base64
    import calendar
    import subprocess

    if name.endswith(".conf"):
        path = f"/etc/kubernetes/{name}"
        if not os.path.exists(path):
            return None
        with open(path) as f:
            pem = base64.b64decode(yaml.safe_load(f)["users"][0]["user"]["client-certificate-data"])
    else:
        path = f"{PKI}/{name}"
        if not os.path.exists(path):
            return None
        with open(path, "rb") as f:
            pem = f.read()
    out = subprocess.run(
        ["openssl", "x509", "-noout", "-enddate"], input=pem, capture_output=True, check=True
    ).stdout.decode()
    when = time.strptime(out.strip().split("=", 1)[1], "%b %d %H:%M:%S %Y %Z")
    return float(calendar.timegm(when))


def _residual(seconds: float) -> str:
    """k8s.io/apimachinery/pkg/util/duration.ShortHumanDuration."""
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    for unit, size in (("s", 60), ("m", 60), ("h", 24)):
        if seconds < size:
            return f"{int(seconds)}{unit}"
        seconds /= size
    return f"{int(seconds)}d" if seconds < 365 else f"{int(seconds / 365)}y"


def _check_expiration() -> None:
    """kubeadm certs check-expiration's two tables, as it prints them."""
    now = time.time()

    def when(ts: float) -> str:
        return time.strftime("%b %d, %Y %H:%M UTC", time.gmtime(ts))

    print(
        "CERTIFICATE                EXPIRES                  RESIDUAL TIME   "
        "CERTIFICATE AUTHORITY   EXTERNALLY MANAGED"
    )
    for name, path, ca in EXPIRATION_ROWS:
        ts = _not_after(path)
        if ts is not None:
            print(f"{name:<26} {when(ts):<24} {_residual(ts - now):<15} {ca:<23} no")
    print("\nCERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED")
    for name, path in AUTHORITY_ROWS:
        ts = _not_after(path)
        if ts is not None:
            print(f"{name:<23} {when(ts):<24} {_residual(ts - now):<15} no")


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
        conf = kube.ADMIN_CONF if os.path.exists(kube.ADMIN_CONF) else kube.KUBELET_CONF
        if not os.path.exists(conf):
            raise kc.ConfigError(f"{conf} is missing: this node has not joined a cluster")
        cluster = _cluster_config(kube.Client(conf))
        if kc.minor(kube.K8S_VERSION) > kc.minor(cluster["kubernetesVersion"]):
            raise kc.ConfigError(
                f"this kubeadm is {kube.K8S_VERSION} but the control plane is at "
                f"{cluster['kubernetesVersion']}: upgrade the control plane first "
                "(kubeadm upgrade apply on a control-plane node)"
            )
        if os.path.exists(kube.ADMIN_CONF):
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
