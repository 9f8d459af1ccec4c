"""The lab's network: one bridge (the jump host is its .1) and a veth into each host's netns.

Hosts get no default route, and nothing here enables forwarding or NAT: lab traffic stays
between the jump host and the hosts.
"""

from __future__ import annotations

import ipaddress
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kctui.lab.state import NETNS_PREFIX, Lab, LabHost
from kctui.lab.system import LabError, ip_batch, run

DEFAULT_POOL = ipaddress.ip_network("10.213.0.0/16")


def used_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    routes = json.loads(run(["ip", "-j", "route", "show", "table", "all"]) or "[]")
    nets = []
    for r in routes:
        dst = r.get("dst", "")
        if dst and dst != "default" and "/" in dst:
            try:
                nets.append(ipaddress.ip_network(dst, strict=False))
            except ValueError:
                continue
    return nets


def pick_subnet(requested: str | None, hosts: int) -> str:
    used = [n for n in used_networks() if n.version == 4]
    if requested:
        try:
            net = ipaddress.ip_network(requested, strict=True)
        except ValueError as e:
            raise LabError(
                f"--subnet {requested}: {e}; give a network such as 10.213.7.0/24"
            ) from None
        if net.version != 4 or net.num_addresses - 3 < hosts:
            raise LabError(f"--subnet {requested} has no room for {hosts} hosts and the jump host")
        clash = [str(n) for n in used if n.overlaps(net)]
        if clash:
            raise LabError(f"--subnet {requested} overlaps {', '.join(clash)} on this machine")
        return str(net)
    for net in DEFAULT_POOL.subnets(new_prefix=24):
        if not any(n.overlaps(net) for n in used):
            if net.num_addresses - 3 < hosts:
                break
            return str(net)
    raise LabError("no free /24 in 10.213.0.0/16; pass --subnet")


def create(lab: Lab) -> None:
    gateway = f"{lab.gateway}/{lab.prefixlen}"
    cmds = [f"link add {lab.bridge} type bridge", f"addr add {gateway} dev {lab.bridge}"]
    cmds.append(f"link set {lab.bridge} up")
    for h in lab.hosts:
        cmds += [
            f"netns add {h.netns}",
            f"link add {h.veth} type veth peer name eth0 netns {h.netns}",
            f"link set {h.veth} master {lab.bridge}",
            f"link set {h.veth} up",
        ]
    ip_batch(cmds)

    def inside(h: LabHost) -> None:
        ip_batch(
            [
                f"addr add {h.address}/{lab.prefixlen} dev eth0",
                "link set eth0 up",
                "link set lo up",
            ],
            netns=h.netns,
        )

    with ThreadPoolExecutor(min(16, len(lab.hosts) or 1)) as pool:
        list(pool.map(inside, lab.hosts))


def destroy(lab: Lab) -> None:
    """Remove the links and namespaces; missing pieces are fine (idempotent)."""
    cmds = [f"link del {h.veth}" for h in lab.hosts if link_exists(h.veth)]
    cmds += [f"netns del {h.netns}" for h in lab.hosts if netns_exists(h.netns)]
    if link_exists(lab.bridge):
        cmds.append(f"link del {lab.bridge}")
    ip_batch(cmds, force=True)


def set_link(host: LabHost, up: bool) -> None:
    run(["ip", "link", "set", host.veth, "up" if up else "down"])


def link_exists(name: str) -> bool:
    return Path(f"/sys/class/net/{name}").exists()


def netns_exists(name: str) -> bool:
    return Path(f"/run/netns/{name}").exists()


def lab_netns(lab_name: str) -> list[str]:
    out = run(["ip", "netns", "list"], check=False)
    prefix = f"{NETNS_PREFIX}{lab_name}-"
    return [line.split()[0] for line in out.splitlines() if line.startswith(prefix)]


def netns_pids(netns: str) -> list[int]:
    out = run(["ip", "netns", "pids", netns], check=False)
    return [int(p) for p in out.split()]
