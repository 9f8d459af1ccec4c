"""kubeadm join (worker and --control-plane) and kubeadm reset."""

import glob
import json
import os
import shutil
import ssl
import sys
import urllib.request
from typing import Any, cast

import kube
import kubeadm_common as c
import kubeadm_config as kc
import manifests
import pki
import yaml

PKI = pki.PKI


def _discover(endpoint: str, ca_hashes: list[str], unsafe: bool) -> bytes:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the CA is pinned by its hash below, as kubeadm does
    with urllib.request.urlopen(f"https://{endpoint}/cluster-info", context=ctx, timeout=10) as r:
        info = json.loads(r.read())
    ca: bytes = info["ca"].encode()
    actual = pki.ca_hash(ca)
    if not unsafe and actual not in ca_hashes:
        raise kc.ConfigError(
            f"cluster CA found in cluster-info does not match any of the pinned public keys "
            f"({', '.join(ca_hashes)}); its hash is {actual}"
        )
    return ca


def _bootstrap(endpoint: str, ca: bytes, body: dict[str, Any]) -> dict[str, Any]:
    ca_file = "/tmp/.kubeadm-join-ca.crt"
    with open(ca_file, "wb") as f:
        f.write(ca)
    ctx = ssl.create_default_context(cafile=ca_file)
    ctx.check_hostname = False
    os.unlink(ca_file)
    req = urllib.request.Request(
        f"https://{endpoint}/bootstrap",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            reply: dict[str, Any] = json.loads(r.read())
            return reply
    except urllib.error.HTTPError as e:
        message = json.loads(e.read() or b"{}").get("message", str(e))
        raise kc.ConfigError(f"error execution phase kubelet-start: {message}") from None


def join(args: list[str]) -> int:
    kc.mixed_arguments(args)
    path = c.opt(args, "--config")
    cfg = kc.load(path, kube.K8S_VERSION).get("JoinConfiguration", {}) if path else {}
    discovery = cfg.get("discovery", {}).get("bootstrapToken", {})
    pos = c.positional(
        args,
        {
            "--token",
            "--discovery-token-ca-cert-hash",
            "--certificate-key",
            "--config",
            "--node-name",
            "--apiserver-advertise-address",
            "--ignore-preflight-errors",
            "--cri-socket",
        },
    )
    endpoint = (pos[0] if pos else "") or discovery.get("apiServerEndpoint", "")
    token = (
        c.opt(args, "--token")
        or discovery.get("token")
        or cfg.get("discovery", {}).get("tlsBootstrapToken")
    )
    hashes = (
        [cast(str, c.opt(args, "--discovery-token-ca-cert-hash"))]
        if c.opt(args, "--discovery-token-ca-cert-hash")
        else discovery.get("caCertHashes", [])
    )
    unsafe = "--discovery-token-unsafe-skip-ca-verification" in args or discovery.get(
        "unsafeSkipCAVerification"
    )
    control_plane = "--control-plane" in args or "controlPlane" in cfg
    if not endpoint or not token:
        raise kc.ConfigError("kubeadm join needs the API server endpoint and --token")
    if not hashes and not unsafe:
        raise kc.ConfigError(
            "--discovery-token-ca-cert-hash is required "
            "(or --discovery-token-unsafe-skip-ca-verification)"
        )
    c.preflight(
        args,
        c.runtime_checks()
        + [
            ("FileAvailable--etc-kubernetes-kubelet.conf", f"{kube.KUBELET_CONF} already exists")
            for _ in [0]
            if os.path.exists(kube.KUBELET_CONF)
        ]
        + [
            (
                "DirAvailable--etc-kubernetes-manifests",
                f"{manifests.MANIFESTS} is not empty",
            )
            for _ in [0]
            if os.path.isdir(manifests.MANIFESTS) and os.listdir(manifests.MANIFESTS)
        ],
    )
    reg = cfg.get("nodeRegistration", {})
    node = c.opt(args, "--node-name") or reg.get("name") or os.uname().nodename
    cp = cfg.get("controlPlane") or {}
    address = (
        c.opt(args, "--apiserver-advertise-address")
        or cp.get("localAPIEndpoint", {}).get("advertiseAddress")
        or _node_ip()
    )
    ca = _discover(endpoint, hashes, unsafe)
    body = {
        "token": token,
        "node": node,
        "address": address,
        "controlPlane": control_plane,
        "kubeletVersion": kube.K8S_VERSION,
        "taints": reg.get("taints") if "taints" in reg else None,
    }
    if control_plane:
        body["certificateKey"] = c.opt(args, "--certificate-key") or cp.get("certificateKey", "")
        body["peerURL"] = f"https://{address}:2380"
    print("[preflight] Running pre-flight checks")
    reply = _bootstrap(endpoint, ca, body)
    os.makedirs(PKI, exist_ok=True)
    with open(f"{PKI}/ca.crt", "wb") as f:
        f.write(ca)
    kube.write_yaml(
        kube.KUBELET_CONF,
        kube.kubeconfig(
            f"https://{endpoint}",
            ca,
            reply["kubeletCert"].encode(),
            reply["kubeletKey"].encode(),
            f"system:node:{node}",
        ),
    )
    kubelet_doc = yaml.safe_load(reply.get("kubeletConfiguration") or "{}") or {}
    if control_plane:
        _join_control_plane(reply, node, address, endpoint)
    manifests.write_kubelet_config(kubelet_doc, reg, address)
    print("[kubelet-start] Starting the kubelet")
    c.systemctl("restart", "kubelet")
    if control_plane:
        print("[etcd] Waiting for the new etcd member to join the cluster")
        c.wait("the new etcd member", c.local_etcd().healthy, timeout=60)
    print(
        "\nThis node has joined the cluster"
        + (" and a new control plane instance was created" if control_plane else "")
    )
    return 0


def _join_control_plane(reply: dict[str, Any], node: str, address: str, endpoint: str) -> None:
    import base64

    for name, data in reply["certs"].items():
        path = f"{PKI}/{name}"
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        os.chmod(path, 0o600 if name.endswith(".key") else 0o644)
    cluster = yaml.safe_load(reply["clusterConfiguration"] or "{}") or {}
    services = str(cluster.get("networking", {}).get("serviceSubnet", "10.96.0.0/12")).split(",")[0]
    import ipaddress

    service_ip = str(next(ipaddress.ip_network(services.strip()).hosts()))
    pki.control_plane_certs(
        node,
        address,
        cluster.get("apiServer", {}).get("certSANs", []),
        service_ip,
        endpoint.rsplit(":", 1)[0],
    )
    data_dir = cluster.get("etcd", {}).get("local", {}).get("dataDir", "/var/lib/etcd")
    manifests.write_control_plane(
        cluster,
        address,
        6443,
        node,
        data_dir,
        initial_cluster=reply["initialCluster"],
        state="existing",
    )
    c.admin_kubeconfig(f"https://{endpoint}")
    os.makedirs("/root/.kube", exist_ok=True)
    shutil.copy(kube.ADMIN_CONF, "/root/.kube/config")


def _node_ip() -> str:
    import subprocess

    out = subprocess.run(
        ["ip", "-4", "-o", "addr", "show", "scope", "global"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    for line in out.splitlines():  # the first address not on lo (a VIP may sit there)
        words = line.split()
        if len(words) > 3 and words[1] != "lo":
            return words[3].split("/")[0]
    return "127.0.0.1"


def reset(args: list[str]) -> int:
    if "-f" not in args and "--force" not in args:
        print(
            "[reset] Are you sure? Pass -f to reset without asking (the lab does not prompt).",
            file=sys.stderr,
        )
        return 1
    data_dir = _etcd_data_dir()
    if data_dir and os.path.exists(f"{PKI}/apiserver-etcd-client.crt"):
        _leave_etcd()
    print("[reset] Stopping the kubelet service")
    c.systemctl("stop", "kubelet")
    for state in glob.glob("/var/lib/kubelet/pods/*.json"):
        try:
            with open(state) as f:
                pid = json.load(f).get("pid")
            if pid:
                os.kill(pid, 15)
        except (OSError, ValueError):
            pass
    c.wait("static pods to stop", lambda: not _any_pod_alive(), timeout=15)
    for path in (
        "/etc/kubernetes/manifests",
        PKI,
        "/var/lib/kubelet",
        "/root/.kube",
        "/etc/cni/net.d",
        data_dir or "/var/lib/etcd",
    ):
        _clear(path)
    for conf in glob.glob("/etc/kubernetes/*.conf"):
        os.unlink(conf)
    print("[reset] Deleted contents of the etcd data directory and /etc/kubernetes")
    return 0


def _clear(path: str) -> None:
    if not os.path.isdir(path):
        return
    for entry in os.listdir(path):
        full = os.path.join(path, entry)
        if os.path.isdir(full) and not os.path.islink(full):
            shutil.rmtree(full, ignore_errors=True)
        else:
            os.unlink(full)


def _any_pod_alive() -> bool:
    for state in glob.glob("/var/lib/kubelet/pods/*.json"):
        try:
            with open(state) as f:
                pid = json.load(f).get("pid")
            if pid and os.path.exists(f"/proc/{pid}"):
                with open(f"/proc/{pid}/stat") as s:
                    if s.read().split(") ", 1)[1][0] != "Z":
                        return True
        except (OSError, ValueError, IndexError):
            continue
    return False


def _etcd_data_dir() -> str:
    try:
        with open("/etc/kubernetes/manifests/etcd.yaml") as f:
            pod = yaml.safe_load(f)
    except OSError:
        return ""
    command: list[str] = pod["spec"]["containers"][0].get("command", [])
    for arg in command:
        if arg.startswith("--data-dir="):
            return arg.split("=", 1)[1]
    return ""


def _leave_etcd() -> None:
    """A control-plane node removes itself from the etcd cluster, if others remain."""
    try:
        etcd = c.local_etcd()
        members = etcd.members()
        if len(members) <= 1:
            return
        me = os.uname().nodename
        for m in members:
            if m.get("name") == me:
                etcd.remove_member(m["ID"])
                print(f"[reset] Removed member {me} from the etcd cluster")
    except OSError:
        pass
