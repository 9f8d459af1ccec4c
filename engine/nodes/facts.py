"""Facts about a node, gathered by one script in one round trip."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from store.documents.node import Interface, NodeFacts

# Prints one JSON object. Only coreutils, iproute2 and /proc: present on any Linux node.
SCRIPT = r"""
. /etc/os-release 2>/dev/null || true
arch=$(uname -m)
case "$arch" in x86_64) arch=amd64;; aarch64) arch=arm64;; esac
mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
read -r disk_total disk_free <<EOF_DF
$(df -B1 --output=size,avail / | tail -1)
EOF_DF
runtime=""
if command -v containerd >/dev/null 2>&1; then
  runtime="containerd $(containerd --version 2>/dev/null | awk '{print $3}')"
elif command -v docker >/dev/null 2>&1; then
  runtime="docker $(docker --version 2>/dev/null | awk '{print $3}' | tr -d ,)"
fi
json() { printf '%s' "$1" | tr -d '\000-\037' | sed 's/[\\"]/\\&/g'; }
printf '{"hostname":"%s","os_id":"%s","os_version":"%s","kernel":"%s","arch":"%s",' \
  "$(json "$(hostname)")" "$(json "${ID:-}")" "$(json "${VERSION_ID:-}")" "$(json "$(uname -r)")" "$arch"
printf '"machine_id":"%s",' "$(tr -cd '0-9a-f' < /etc/machine-id 2>/dev/null)"
printf '"cpus":%s,"memory_kb":%s,"disk_total":%s,"disk_free":%s,"runtime":"%s","time":%s,' \
  "$(nproc)" "${mem_kb:-0}" "${disk_total:-0}" "${disk_free:-0}" "$runtime" "$(date +%s.%N)"
printf '"route4":%s,"route6":%s,"addrs":%s}\n' \
  "$(ip -j -4 route show default 2>/dev/null || echo '[]')" \
  "$(ip -j -6 route show default 2>/dev/null || echo '[]')" \
  "$(ip -j addr show 2>/dev/null || echo '[]')"
"""


def parse(raw: str, sent_at: float, received_at: float) -> NodeFacts:
    """Build facts from the script's JSON; the clock offset is measured against our midpoint."""
    data = json.loads(raw)
    interfaces = []
    default4 = default6 = ""
    for link in data.get("addrs", []):
        name = link.get("ifname", "")
        if name == "lo":
            continue
        addresses, networks = [], []
        for a in link.get("addr_info", []):
            if a.get("scope") != "global":
                continue
            addresses.append(f"{a['local']}/{a['prefixlen']}")
            networks.append(_network(a["local"], a["prefixlen"]))
        if addresses:
            interfaces.append(Interface(name=name, addresses=addresses, networks=networks))
    route4 = (data.get("route4") or [{}])[0]
    route6 = (data.get("route6") or [{}])[0]
    for iface in interfaces:
        for addr in iface.addresses:
            ip = addr.split("/")[0]
            if route4.get("dev") == iface.name and ":" not in ip and not default4:
                default4 = ip
            if route6.get("dev") == iface.name and ":" in ip and not default6:
                default6 = ip
    if not default4:  # no default route (an isolated network): the first global IPv4
        default4 = next(
            (a.split("/")[0] for i in interfaces for a in i.addresses if ":" not in a), ""
        )
    midpoint = (sent_at + received_at) / 2
    return NodeFacts(
        hostname=data["hostname"],
        machine_id=data.get("machine_id", ""),
        os_id=data["os_id"],
        os_version=data["os_version"],
        kernel=data["kernel"],
        arch=data["arch"],
        cpus=int(data["cpus"]),
        memory_bytes=int(data["memory_kb"]) * 1024,
        root_disk_bytes=int(data["disk_total"]),
        root_disk_free_bytes=int(data["disk_free"]),
        default_ipv4=default4,
        default_ipv6=default6,
        gateway_ipv4=route4.get("gateway", ""),
        gateway_ipv6=route6.get("gateway", ""),
        interfaces=interfaces,
        container_runtime=data["runtime"],
        clock_offset_seconds=round(float(data["time"]) - midpoint, 3),
        collected_at=datetime.now(UTC),
    )


def _network(ip: str, prefixlen: int) -> str:
    import ipaddress

    return str(ipaddress.ip_interface(f"{ip}/{prefixlen}").network)


def clock() -> float:
    return time.time()
