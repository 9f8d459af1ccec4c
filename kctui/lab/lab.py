"""Bring a lab up and down, report on it, and inject faults."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import shutil
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kctui.lab import host as lab_host
from kctui.lab import network
from kctui.lab.state import (
    NAME_RE,
    SUDO_NOPASSWD_USER,
    SUDO_PASSWORD_USER,
    Lab,
    LabHost,
    bridge_for,
    names_for,
)
from kctui.lab.system import LabError, check_requirements, run

MAX_HOSTS = 250


def validate_name(name: str) -> None:
    if not NAME_RE.match(name):
        raise LabError(
            f"lab name {name!r}: use 1-12 lowercase letters and digits, starting with a letter"
        )


def up(name: str = "lab", nodes: int = 3, subnet: str | None = None) -> Lab:
    check_requirements()
    validate_name(name)
    if not 1 <= nodes <= MAX_HOSTS:
        raise LabError(f"--nodes {nodes}: give 1 to {MAX_HOSTS}")
    existing = Lab.load(name)
    if existing is not None:
        if all(h.alive() for h in existing.hosts) and len(existing.hosts) == nodes:
            return existing
        down(name)  # a crashed or different-sized lab: clean it before starting again
    clean_stale(name)
    net = ipaddress.ip_network(network.pick_subnet(subnet, nodes))
    addresses = list(net.hosts())[1 : nodes + 1]  # .1 is the jump host
    lab = Lab(name=name, subnet=str(net), bridge=bridge_for(name))
    for i, addr in enumerate(addresses, start=1):
        hostname, netns, veth = names_for(name, i)
        lab.hosts.append(LabHost(hostname, i, str(addr), netns, veth))
    lab.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    lab.user_password = secrets.token_urlsafe(12)
    lab.save()
    try:
        _start(lab)
    except BaseException:
        down(name)
        raise
    lab.save()
    return lab


def _start(lab: Lab) -> None:
    if not lab.key_path.exists():
        run(
            [
                "ssh-keygen",
                "-q",
                "-t",
                "ed25519",
                "-N",
                "",
                "-C",
                f"kctui-lab-{lab.name}",
                "-f",
                str(lab.key_path),
            ]
        )
    public_key = lab.key_path.with_suffix(".pub").read_text()
    password_hash = run(["openssl", "passwd", "-6", "-stdin"], input=lab.user_password).strip()
    lab_host.install_labsim(lab)
    network.create(lab)

    def prepare(h: LabHost) -> None:
        lab_host.prepare_files(lab, h, public_key, password_hash)

    workers = min(16, len(lab.hosts))
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(prepare, lab.hosts))
    procs = [(h, lab_host.start(h)) for h in lab.hosts]
    for h, proc in procs:
        h.pid = proc.pid
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda hp: lab_host.wait_ready(*hp), procs))


def down(name: str = "lab") -> bool:
    """End every process, namespace, link and mount of the lab. True if anything was there."""
    check_requirements()
    validate_name(name)
    lab = Lab.load(name)
    found = lab is not None or bool(network.lab_netns(name))
    if lab is not None:
        _kill_all(lab)
        network.destroy(lab)
    clean_stale(name)
    if lab is not None:
        shutil.rmtree(lab.dir, ignore_errors=True)
    return found


def clean_stale(name: str) -> None:
    """Remove what a crashed lab may have left: namespaces by prefix, and their processes."""
    stale = network.lab_netns(name)
    pids = [pid for ns in stale for pid in network.netns_pids(ns)]
    _terminate(pids)
    from kctui.lab.state import bridge_for as _bridge

    lab = Lab(name=name, subnet="", bridge=_bridge(name))
    for ns in stale:
        i = int(ns.rsplit("-", 1)[1])
        hostname, netns, veth = names_for(name, i)
        lab.hosts.append(LabHost(hostname, i, "", netns, veth))
    network.destroy(lab)


def _kill_all(lab: Lab) -> None:
    pids = {p for h in lab.hosts for p in network.netns_pids(h.netns)}
    pids |= {h.pid for h in lab.hosts if h.alive()}
    _terminate(sorted(pids))


def _terminate(pids: list[int], grace: float = 3.0) -> None:
    for pid in pids:
        _signal(pid, signal.SIGCONT)  # a host stopped by `fault down` must see the TERM
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if _exists(p)]
        if alive:
            time.sleep(0.05)
    for pid in alive:
        _signal(pid, signal.SIGKILL)
    deadline = time.monotonic() + grace
    while any(_exists(p) for p in alive) and time.monotonic() < deadline:
        time.sleep(0.05)


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _exists(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):  # gone, or going while we read
        return False


def load(name: str) -> Lab:
    validate_name(name)
    lab = Lab.load(name)
    if lab is None:
        raise LabError(f"no lab named {name!r} is up; start it with: kctui lab up --name {name}")
    return lab


def holding(host: str) -> Lab:
    """The running lab that has `host` (a host name, or an address), by its state files."""
    from kctui.lab.state import LAB_ROOT

    found = []
    for state in sorted(LAB_ROOT.glob("*/lab.json")):
        lab = Lab.load(state.parent.name)
        if lab is not None and any(host in (h.name, h.address) for h in lab.hosts):
            found.append(lab)
    if len(found) == 1:
        return found[0]
    if not found:
        raise LabError(f"no running lab has a host {host!r}; see them with: kctui lab status")
    names = ", ".join(lab.name for lab in found)
    raise LabError(f"labs {names} all have a host {host!r}; say which with --name")


def status(lab: Lab) -> dict[str, object]:
    return {
        "name": lab.name,
        "subnet": lab.subnet,
        "gateway": lab.gateway,
        "bridge": lab.bridge,
        "privateKey": str(lab.key_path),
        "hosts": [
            {
                "name": h.name,
                "address": h.address,
                "sshPort": 22,
                "up": h.alive(),
                "hostKeyFingerprint": h.host_key_fingerprint,
                "users": [
                    {"name": "root", "sudo": "is root", "auth": "key"},
                    {"name": SUDO_NOPASSWD_USER, "sudo": "no password", "auth": "key"},
                    {"name": SUDO_PASSWORD_USER, "sudo": "password", "auth": "key or password"},
                ],
                "netns": h.netns,
                "pid": h.pid,
            }
            for h in lab.hosts
        ],
        "userPassword": lab.user_password,
    }


def host_path(h: LabHost, path: str) -> Path:
    """A path inside the host's private filesystem, reachable from the jump host."""
    if not h.alive():
        raise LabError(f"host {h.name} is not running")
    return h.root / path.lstrip("/")


def fault(lab: Lab, host_name: str, kind: str, arg: str = "") -> str:
    h = lab.host(host_name)
    faults = host_path(h, "/var/lib/kctui-lab/faults")
    if kind == "down":
        network.set_link(h, up=False)
        _signal(h.sshd_pid, signal.SIGSTOP)
        return f"{h.name} is down (sshd stopped, link down)"
    if kind == "up":
        _signal(h.sshd_pid, signal.SIGCONT)
        network.set_link(h, up=True)
        return f"{h.name} is up"
    if kind == "fail-next":
        if not arg or "/" in arg:
            raise LabError("fail-next needs a command name, e.g. kubeadm")
        (faults / f"fail-next-{arg}").write_text(f"lab fault: {arg} made to fail on {h.name}\n")
        return f"the next {arg} on {h.name} will fail"
    if kind == "slow":
        seconds = float(arg) if arg else 0.0
        if seconds < 0:
            raise LabError("slow needs a number of seconds >= 0")
        (faults / "slow").write_text(f"{seconds}\n")
        return f"shims on {h.name} sleep {seconds:g}s first"
    if kind == "rekey":
        key = h.dir / "ssh_host_ed25519_key"
        key.unlink(missing_ok=True)
        key.with_suffix(".pub").unlink(missing_ok=True)
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", h.name, "-f", str(key)])
        h.host_key_fingerprint = lab_host.fingerprint(key.with_suffix(".pub"))
        lab.save()
        _signal(h.sshd_pid, signal.SIGHUP)  # sshd re-executes itself and loads the new key
        deadline = time.monotonic() + 10
        while lab_host.served_fingerprint(h) != h.host_key_fingerprint:
            if time.monotonic() > deadline:
                raise LabError(f"{h.name}: sshd did not take the new host key")
            time.sleep(0.05)
        return f"{h.name} has a new host key {h.host_key_fingerprint}"
    if kind == "cert-expire":
        from kctui.lab import certs

        if not arg.isdigit():
            raise LabError("cert-expire needs a number of days, e.g. 10")
        changed = certs.expire(host_path(h, "/etc/kubernetes/pki"), int(arg))
        if not changed:
            raise LabError(f"{h.name} has no control-plane certificates")
        return f"{len(changed)} certificates of {h.name} expire in {arg} days"
    raise LabError(
        f"unknown fault {kind!r}: use down, up, fail-next CMD, slow SECONDS, rekey or "
        "cert-expire DAYS"
    )
