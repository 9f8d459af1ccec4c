"""Nodes (machines reachable over SSH), the facts collected from them, and regions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from store.documents.base import Description, Document, Model
from store.secrets import Secret

DEFAULT_REGION = "default"


class NodeStatus(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    UNKNOWN = "unknown"


class Interface(Model):
    name: str
    addresses: list[str] = Field(default_factory=list)  # CIDR notation, e.g. 10.0.0.5/24
    networks: list[str] = Field(default_factory=list)


class NodeFacts(Model):
    hostname: str = ""
    machine_id: str = ""  # /etc/machine-id: one machine is one node
    os_id: str = ""
    os_version: str = ""
    kernel: str = ""
    arch: str = ""  # amd64 / arm64, as Kubernetes names it
    cpus: int = 0
    memory_bytes: int = 0
    root_disk_bytes: int = 0
    root_disk_free_bytes: int = 0
    default_ipv4: str = ""
    default_ipv6: str = ""
    gateway_ipv4: str = ""
    gateway_ipv6: str = ""
    interfaces: list[Interface] = Field(default_factory=list)
    container_runtime: str = ""  # "containerd 1.7.22", "docker 20.10.24" or ""
    clock_offset_seconds: float = 0.0
    collected_at: datetime | None = None


class Node(Document):
    KIND = "node"
    TABLE = "nodes"

    name: str
    address: str
    # Empty port or user: what ~/.ssh/config says for the address, else 22 and root.
    port: int | None = Field(default=None, ge=1, le=65535)
    user: str = ""
    key_file: str = ""
    use_agent: bool = False
    password: Secret | None = None
    key_passphrase: Secret | None = None
    sudo_password: Secret | None = None
    jump: str = ""  # USER@HOST[:PORT]
    region: str = DEFAULT_REGION
    labels: dict[str, str] = Field(default_factory=dict)
    enabled: bool = True
    status: NodeStatus = NodeStatus.UNKNOWN
    last_error: str = ""
    last_probe: datetime | None = None
    host_key_fingerprint: str = ""  # SHA256:..., pinned at add
    facts: NodeFacts = Field(default_factory=NodeFacts)
    cluster: str = ""  # the cluster this node belongs to; empty when free
    # Removed from `left_cluster` by force while unreachable: the reset script to run on it the
    # next time a probe reaches it; until then no cluster takes it.
    pending_cleanup: str = ""
    left_cluster: str = ""

    @property
    def free(self) -> bool:
        return not self.cluster


class Region(Document):
    KIND = "region"
    TABLE = "regions"

    name: str
    description: Description = ""
