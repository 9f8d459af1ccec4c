"""What a running lab is made of, kept in /run/kctui-lab/<lab>/lab.json (root only)."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

LAB_ROOT = Path(os.environ.get("KCTUI_LAB_ROOT", "/run/kctui-lab"))
NETNS_PREFIX = "kctui-"
NAME_RE = re.compile(r"^[a-z][a-z0-9]{0,11}$")

# Users every lab host has besides root: one with passwordless sudo, one whose sudo asks.
SUDO_NOPASSWD_USER = "labadmin"
SUDO_PASSWORD_USER = "labop"


@dataclass
class LabHost:
    name: str  # also the hostname: <lab>-<i>
    index: int
    address: str
    netns: str
    veth: str
    pid: int = 0  # unshare, holding the host's namespaces; its one child is sshd (PID 1 inside)
    host_key_fingerprint: str = ""

    @property
    def dir(self) -> Path:
        return LAB_ROOT / self.name.rsplit("-", 1)[0] / "hosts" / self.name

    @property
    def root(self) -> Path:
        """The host's own filesystem view, seen from the jump host."""
        return Path(f"/proc/{self.pid}/root")

    @property
    def sshd_pid(self) -> int:
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        except OSError:
            return 0
        return int(children[0]) if children else 0

    def alive(self) -> bool:
        return _same_netns(self.pid, self.netns)


def _same_netns(pid: int, netns: str) -> bool:
    try:
        a = os.stat(f"/proc/{pid}/ns/net")
        b = os.stat(f"/run/netns/{netns}")
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


@dataclass
class Lab:
    name: str
    subnet: str
    bridge: str
    hosts: list[LabHost] = field(default_factory=list)
    user_password: str = ""  # the password of SUDO_PASSWORD_USER (and its sudo)

    @property
    def dir(self) -> Path:
        return LAB_ROOT / self.name

    @property
    def key_path(self) -> Path:
        return self.dir / "id_ed25519"

    @property
    def gateway(self) -> str:
        return str(next(ipaddress.ip_network(self.subnet).hosts()))

    @property
    def prefixlen(self) -> int:
        return ipaddress.ip_network(self.subnet).prefixlen

    def host(self, name: str) -> LabHost:
        for h in self.hosts:
            if name in (h.name, h.address, str(h.index)):
                return h
        known = ", ".join(h.name for h in self.hosts)
        raise KeyError(f"lab {self.name} has no host {name!r} (hosts: {known})")

    def save(self) -> None:
        self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = self.dir / "lab.json.tmp"
        tmp.write_text(json.dumps(asdict(self), indent=2))
        os.chmod(tmp, 0o600)
        tmp.replace(self.dir / "lab.json")

    @classmethod
    def load(cls, name: str) -> Lab | None:
        try:
            raw = json.loads((LAB_ROOT / name / "lab.json").read_text())
        except FileNotFoundError:
            return None
        hosts = [LabHost(**h) for h in raw.pop("hosts")]
        return cls(**raw, hosts=hosts)


def short_id(lab: str) -> str:
    """Interface names are at most 15 bytes: derive a short stable id from the lab name."""
    return hashlib.sha256(lab.encode()).hexdigest()[:5]


def names_for(lab: str, index: int) -> tuple[str, str, str]:
    """(hostname, netns, host-side veth) of host `index` (1-based)."""
    return f"{lab}-{index}", f"{NETNS_PREFIX}{lab}-{index}", f"kv{short_id(lab)}-{index}"


def bridge_for(lab: str) -> str:
    return f"kb{short_id(lab)}"
