"""The lab's kubeadm: init, join, reset, token, certs, upgrade, version, config images."""

import ipaddress
import json
import os
import secrets
import shutil
import sys

import bootstrap
import kube
import kubeadm_common as kc_common
import kubeadm_config as kc
import manifests
import pki

PKI = pki.PKI


def main(args: list[str]) -> int:
    import kubeadm_join
    import kubeadm_ops

    if not args or args[0] in ("-h", "--help"):
        print("usage: kubeadm init|join|reset|token|certs|upgrade|version|config")
        return 0
    verb, rest = args[0], args[1:]
    handler = {
        "init": init,
        "join": kubeadm_join.join,
        "reset": kubeadm_join.reset,
        "token": kubeadm_ops.token,
        "certs": kubeadm_ops.certs,
        "upgrade": kubeadm_ops.upgrade,
        "version": kubeadm_ops.version,
        "config": kubeadm_ops.config,
    }.get(verb)
    if handler is None:
        print(f'unknown command "{verb}" for "kubeadm"', file=sys.stderr)
        return 1
    try:
        return handler(rest)
    except kc.Invalid as e:
        print(
            f"{e}\nTo see the stack trace of this error execute with --v=5 or higher",
            file=sys.stderr,
        )
        return 1
    except kc.ConfigError as e:
        print(f"error execution phase preflight: {e}", file=sys.stderr)
        return 1


def init(args: list[str]) -> int:
    kc.mixed_arguments(args)
    path = kc_common.opt(args, "--config")
    if not path:
        print("the lab's kubeadm init needs --config FILE", file=sys.stderr)
        return 1
    docs = kc.load(path, kube.K8S_VERSION)
    cluster = docs.get("ClusterConfiguration")
    if cluster is None:
        raise kc.ConfigError(f"{path}: a ClusterConfiguration is required")
    version = kc.require(cluster, "kubernetesVersion", "ClusterConfiguration")
    if kube.K8S_VERSION and kc.minor(version) > kc.minor(kube.K8S_VERSION):
        raise kc.ConfigError(
            f"this version of kubeadm only supports deploying clusters with the control plane "
            f"version <= {kube.K8S_VERSION}. Current version: {version}"
        )
    init_cfg = docs.get("InitConfiguration", {})
    address = kc.require(init_cfg, "localAPIEndpoint.advertiseAddress", "InitConfiguration")
    port = int(init_cfg.get("localAPIEndpoint", {}).get("bindPort", 6443))
    networking = cluster.get("networking", {})
    errors = kc.validate_cluster(cluster) + kc.validate_certificate_key(
        init_cfg.get("certificateKey", "")
    )
    if errors:
        raise kc.Invalid(kc.aggregate(errors))
    kc_common.preflight(
        args,
        kc_common.runtime_checks()
        + kc_common.image_checks(manifests.images(cluster).values())
        + [
            (
                "FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml",
                "/etc/kubernetes/manifests/kube-apiserver.yaml already exists",
            )
            for _ in [0]
            if os.path.exists("/etc/kubernetes/manifests/kube-apiserver.yaml")
        ],
    )
    reg = init_cfg.get("nodeRegistration", {})
    node = reg.get("name") or os.uname().nodename
    endpoint = cluster.get("controlPlaneEndpoint") or f"{address}:{port}"
    endpoint_host = endpoint.rsplit(":", 1)[0]
    services = str(networking.get("serviceSubnet", "10.96.0.0/12")).split(",")[0]
    service_ip = str(next(ipaddress.ip_network(services.strip()).hosts()))
    data_dir = cluster.get("etcd", {}).get("local", {}).get("dataDir", "/var/lib/etcd")

    print("[certs] Generating certificates and keys")
    pki.make_ca(f"{PKI}/ca", "kubernetes")
    pki.make_ca(f"{PKI}/front-proxy-ca", "front-proxy-ca")
    pki.make_ca(f"{PKI}/etcd/ca", "etcd-ca")
    sans = cluster.get("apiServer", {}).get("certSANs", [])
    pki.control_plane_certs(node, address, sans, service_ip, endpoint_host)
    server = f"https://{endpoint}"
    kc_common.admin_kubeconfig(server)
    kc_common.admin_kubeconfig(
        f"https://{address}:{port}", f"system:node:{node}", ("system:nodes",), kube.KUBELET_CONF
    )
    print("[control-plane] Creating static Pod manifests")
    manifests.write_control_plane(
        cluster,
        address,
        port,
        node,
        data_dir,
        initial_cluster=f"{node}=https://{address}:2380",
        state="new",
    )
    manifests.write_kubelet_config(docs.get("KubeletConfiguration", {}), reg, address)
    print("[kubelet-start] Starting the kubelet")
    kc_common.systemctl("restart", "kubelet")
    etcd = kc_common.local_etcd()
    kc_common.wait("etcd", etcd.healthy)
    kc_common.wait("the API server", lambda: kc_common.api_healthy(address, port))
    print("[upload-config] Storing the configuration in the cluster")
    manifests.upload_cluster_state(etcd, docs, cluster, node, address, reg)
    tok = (init_cfg.get("bootstrapTokens") or [{}])[0].get("token") or kc_common.new_token()
    bootstrap.store_token(etcd, tok)
    join_cmd = kc_common.join_command(endpoint, tok)
    cert_key = ""
    if "--upload-certs" in args:
        cert_key = (
            kc_common.opt(args, "--certificate-key")
            or init_cfg.get("certificateKey")
            or secrets.token_hex(32)
        )
        blob = json.dumps(bootstrap.encode_certs(pki.SHARED_CERTS)).encode()
        etcd.put(
            "/registry/secrets/kube-system/kubeadm-certs",
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "kubeadm-certs", "namespace": "kube-system"},
                "data": {"certs": pki.encrypt(blob, cert_key)},
            },
        )
        print(f"[upload-certs] Using certificate key:\n{cert_key}")
    os.makedirs("/root/.kube", exist_ok=True)
    shutil.copy(kube.ADMIN_CONF, "/root/.kube/config")
    print("\nYour Kubernetes control-plane has initialized successfully!\n")
    if cert_key:
        print(
            "You can now join any number of control-plane nodes running the following command "
            f"on each as root:\n\n  {join_cmd} --control-plane --certificate-key {cert_key}\n"
        )
    print(
        "Then you can join any number of worker nodes by running the following on each as "
        f"root:\n\n{join_cmd}"
    )
    return 0
