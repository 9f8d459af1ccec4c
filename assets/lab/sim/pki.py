"""Certificates made with the openssl CLI, laid out as kubeadm does under /etc/kubernetes/pki."""

import base64
import hashlib
import os
import subprocess
import tempfile
from collections.abc import Iterable

PKI = "/etc/kubernetes/pki"
DAYS = 365
CA_DAYS = 3650


def _openssl(*args: str, input: bytes | None = None) -> bytes:
    r = subprocess.run(["openssl", *args], input=input, capture_output=True, check=False)
    if r.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {r.stderr.decode(errors='replace')}")
    return r.stdout


def _write_key(path: str) -> None:
    """A new key at `path`, whole or not at all (a killed init leaves no half key)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    partial = f"{path}.partial"
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", partial)
    os.chmod(partial, 0o600)
    os.replace(partial, path)


def make_ca(base: str, cn: str) -> None:
    """base: path without extension, e.g. /etc/kubernetes/pki/ca -> ca.crt and ca.key."""
    if os.path.exists(base + ".crt") and os.path.exists(base + ".key"):
        return
    _write_key(base + ".key")
    _openssl(
        "req",
        "-x509",
        "-new",
        "-key",
        base + ".key",
        "-subj",
        f"/CN={cn}",
        "-days",
        str(CA_DAYS),
        "-out",
        base + ".crt",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign",
    )


def issue(
    base: str,
    ca: str,
    cn: str,
    orgs: Iterable[str] = (),
    sans: Iterable[str] = (),
    server: bool = False,
    client: bool = True,
    days: int = DAYS,
) -> None:
    """A leaf certificate signed by `ca` (a base path like make_ca's)."""
    _write_key(base + ".key")
    subj = "".join(f"/O={o}" for o in orgs) + f"/CN={cn}"
    usages = [u for u, on in (("serverAuth", server), ("clientAuth", client)) if on]
    ext = [
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        "extendedKeyUsage=" + ",".join(usages),
    ]
    if sans:
        names = [("IP:" if _is_ip(s) else "DNS:") + s for s in sans]
        ext.append("subjectAltName=" + ",".join(names))
    with tempfile.NamedTemporaryFile("w", suffix=".ext", delete=False) as f:
        f.write("\n".join(ext) + "\n")
        extfile = f.name
    try:
        csr = _openssl("req", "-new", "-key", base + ".key", "-subj", subj)
        _openssl(
            "x509",
            "-req",
            "-CA",
            ca + ".crt",
            "-CAkey",
            ca + ".key",
            # A random serial, as kubeadm uses: a shared serial file races when nodes join at once.
            "-set_serial",
            str(int.from_bytes(os.urandom(8), "big") >> 1),
            "-days",
            str(days),
            "-extfile",
            extfile,
            "-out",
            base + ".crt",
            input=csr,
        )
    finally:
        os.unlink(extfile)


def _is_ip(s: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(s)
        return True
    except ValueError:
        return False


def ca_hash(ca_crt_pem: bytes) -> str:
    """sha256 of the CA's SubjectPublicKeyInfo, as --discovery-token-ca-cert-hash wants it."""
    pub = _openssl("x509", "-pubkey", "-noout", input=ca_crt_pem)
    der = _openssl("pkey", "-pubin", "-outform", "der", input=pub)
    return "sha256:" + hashlib.sha256(der).hexdigest()


def not_after(path: str) -> str:
    out = _openssl("x509", "-enddate", "-noout", "-in", path).decode().strip()
    return out.split("=", 1)[1]


def b64(path: str) -> str:
    with open(path, "rb") as f:
        return base64.b64encode(f.read()).decode()


def encrypt(data: bytes, key: str) -> str:
    return base64.b64encode(
        _openssl("enc", "-aes-256-cbc", "-pbkdf2", "-salt", "-pass", f"pass:{key}", input=data)
    ).decode()


def decrypt(blob: str, key: str) -> bytes:
    return _openssl(
        "enc",
        "-d",
        "-aes-256-cbc",
        "-pbkdf2",
        "-pass",
        f"pass:{key}",
        input=base64.b64decode(blob),
    )


def control_plane_certs(
    node: str, address: str, sans: list[str], service_ip: str, endpoint_host: str
) -> None:
    """Every certificate a control-plane node needs, given the CAs are in place."""
    api_sans = [
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
        node,
        address,
        service_ip,
        "127.0.0.1",
        *sans,
    ]
    if endpoint_host:
        api_sans.append(endpoint_host)
    api_sans = list(dict.fromkeys(s for s in api_sans if s))
    ca, eca, fca = f"{PKI}/ca", f"{PKI}/etcd/ca", f"{PKI}/front-proxy-ca"
    issue(f"{PKI}/apiserver", ca, "kube-apiserver", sans=api_sans, server=True, client=False)
    issue(
        f"{PKI}/apiserver-kubelet-client",
        ca,
        "kube-apiserver-kubelet-client",
        orgs=["kubeadm:cluster-admins"],
    )
    issue(f"{PKI}/front-proxy-client", fca, "front-proxy-client")
    etcd_sans = [node, address, "localhost", "127.0.0.1", "::1"]
    issue(f"{PKI}/etcd/server", eca, node, sans=etcd_sans, server=True)
    issue(f"{PKI}/etcd/peer", eca, node, sans=etcd_sans, server=True)
    issue(f"{PKI}/etcd/healthcheck-client", eca, "kube-etcd-healthcheck-client")
    issue(f"{PKI}/apiserver-etcd-client", eca, "kube-apiserver-etcd-client")
    # each file on its own: an init killed between the two leaves a key without its public half
    if not os.path.exists(f"{PKI}/sa.key"):
        _write_key(f"{PKI}/sa.key")
    if not os.path.exists(f"{PKI}/sa.pub"):
        public = _openssl("pkey", "-in", f"{PKI}/sa.key", "-pubout")
        with open(f"{PKI}/sa.pub.tmp", "wb") as f:
            f.write(public)
        os.replace(f"{PKI}/sa.pub.tmp", f"{PKI}/sa.pub")


SHARED_CERTS = (
    "ca.crt",
    "ca.key",
    "sa.key",
    "sa.pub",
    "front-proxy-ca.crt",
    "front-proxy-ca.key",
    "etcd/ca.crt",
    "etcd/ca.key",
)
