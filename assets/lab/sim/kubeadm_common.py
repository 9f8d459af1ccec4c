"""Helpers shared by the lab kubeadm's commands."""

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any, overload

import etcdapi
import kube
import pki

PKI = pki.PKI


@overload
def opt(args: list[str], name: str) -> str | None: ...
@overload
def opt(args: list[str], name: str, default: str) -> str: ...
def opt(args: list[str], name: str, default: str | None = None) -> str | None:
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return default


def positional(args: list[str], takes_value: set[str]) -> list[str]:
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a.startswith("-"):
            skip = "=" not in a and a in takes_value
        else:
            out.append(a)
    return out


def ignored_checks(args: list[str]) -> set[str]:
    raw = opt(args, "--ignore-preflight-errors", "")
    return {x.strip().lower() for x in raw.split(",") if x}


def preflight(args: list[str], checks: list[tuple[str, str]]) -> None:
    skip = ignored_checks(args)
    errors = [(name, msg) for name, msg in checks if name.lower() not in skip and "all" not in skip]
    if errors:
        lines = "\n".join(f"\t[ERROR {name}]: {msg}" for name, msg in errors)
        print(
            f"error execution phase preflight: [preflight] Some fatal errors occurred:\n{lines}\n"
            "[preflight] If you know what you are doing, you can make a check non-fatal with "
            "`--ignore-preflight-errors=...`",
            file=sys.stderr,
        )
        sys.exit(1)


def runtime_checks() -> list[tuple[str, str]]:
    units: dict[str, Any] = {}
    try:
        with open("/var/lib/kctui-lab/systemd/units.json") as f:
            units = json.load(f)
    except (OSError, ValueError):
        pass
    checks: list[tuple[str, str]] = []
    for unit in ("containerd.service", "docker.service"):
        pid = units.get(unit, {}).get("pid")
        if pid and os.path.exists(f"/proc/{pid}"):
            return checks
    checks.append(
        ("CRI", "container runtime is not running: no containerd or docker service active")
    )
    return checks


def image_checks(refs: Iterable[str]) -> list[tuple[str, str]]:
    """kubeadm's ImagePull preflight: every control-plane image is on the node or pulled now."""
    import images

    print("[preflight] Pulling images required for setting up a Kubernetes cluster")
    checks = []
    for ref in refs:
        try:
            images.ensure(ref)
        except images.PullError as e:
            checks.append(("ImagePull", f"failed to pull image {ref}: {e}"))
    return checks


def systemctl(*args: str) -> None:
    subprocess.run(["systemctl", *args], check=False)


def wait(what: str, check: Callable[[], object], timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.2)
    print(f"[wait-control-plane] timed out waiting for {what}", file=sys.stderr)
    sys.exit(1)


def local_etcd() -> etcdapi.Etcd:
    return etcdapi.Etcd(
        "https://127.0.0.1:2379",
        f"{PKI}/etcd/ca.crt",
        f"{PKI}/apiserver-etcd-client.crt",
        f"{PKI}/apiserver-etcd-client.key",
    )


def new_token() -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    pick: Callable[[int], str] = lambda n: "".join(  # noqa: E731
        secrets.choice(alphabet) for _ in range(n)
    )
    return f"{pick(6)}.{pick(16)}"


def read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def admin_kubeconfig(
    server: str,
    name: str = "kubernetes-admin",
    orgs: Iterable[str] = ("kubeadm:cluster-admins",),
    path: str = kube.ADMIN_CONF,
) -> None:
    base = f"{PKI}/.{name}"
    pki.issue(base, f"{PKI}/ca", name, orgs=orgs)
    cfg = kube.kubeconfig(
        server, read(f"{PKI}/ca.crt"), read(base + ".crt"), read(base + ".key"), name
    )
    os.unlink(base + ".crt")
    os.unlink(base + ".key")
    kube.write_yaml(path, cfg)


def join_command(endpoint: str, tok: str) -> str:
    ca_hash = pki.ca_hash(read(f"{PKI}/ca.crt"))
    return f"kubeadm join {endpoint} --token {tok} --discovery-token-ca-cert-hash {ca_hash}"


def api_healthy(address: str, port: int | str) -> bool:
    import ssl
    import urllib.request

    ctx = ssl.create_default_context(cafile=f"{PKI}/ca.crt")
    ctx.check_hostname = False
    try:
        with urllib.request.urlopen(
            f"https://{address}:{port}/healthz", context=ctx, timeout=2
        ) as r:
            status: int = r.status
            return status == 200
    except OSError:
        return False
