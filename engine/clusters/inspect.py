"""What a running cluster itself says, read with kubectl on its first reachable control-plane
node: its nodes (Ready, NotReady, SchedulingDisabled, kubelet version, capacity) and any list of
objects as JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from engine.errors import RefusedError
from engine.ssh.connection import SSHError
from engine.ssh.pool import connect_first
from store.documents.cluster import Cluster
from store.settings import Settings
from store.store import Store

KUBECTL = "kubectl --kubeconfig /etc/kubernetes/admin.conf"


async def kubectl_json(
    store: Store, settings: Settings, cluster: Cluster, args: str
) -> dict[str, Any]:
    """`kubectl ARGS -o json` on the cluster, parsed; refused, saying why, when no
    control-plane node answers or kubectl fails."""
    masters = [m.node for m in cluster.spec.masters]
    try:
        conn = await connect_first(store, settings.ssh, masters)
    except SSHError as e:
        raise RefusedError(f"no control-plane node of {cluster.name} is reachable: {e}") from None
    try:
        code, out, err = await conn.run(f"{KUBECTL} {args} -o json", time_limit=120)
    finally:
        await conn.close()
    if code != 0:
        raise RefusedError(f"kubectl {args} on {cluster.name} failed: {err.strip() or code}")
    try:
        data: dict[str, Any] = json.loads(out or "{}")
    except ValueError:
        raise RefusedError(f"kubectl {args} on {cluster.name} printed no JSON") from None
    return data


@dataclass(frozen=True)
class NodeState:
    status: str  # Ready, NotReady, or either with ",SchedulingDisabled", as kubectl prints it
    kubelet: str
    cpu: str
    memory: str


def _memory(value: str) -> str:
    """Ki capacity as GiB, as a person reads it."""
    if value.endswith("Ki") and value[:-2].isdigit():
        return f"{int(value[:-2]) / 2**20:.1f}G"
    return value


async def node_states(store: Store, settings: Settings, cluster: Cluster) -> dict[str, NodeState]:
    data = await kubectl_json(store, settings, cluster, "get nodes")
    states = {}
    for node in data.get("items") or []:
        status = node.get("status", {})
        ready = any(
            c.get("type") == "Ready" and c.get("status") == "True"
            for c in status.get("conditions") or []
        )
        word = "Ready" if ready else "NotReady"
        if node.get("spec", {}).get("unschedulable"):
            word += ",SchedulingDisabled"
        capacity = status.get("capacity") or {}
        states[node["metadata"]["name"]] = NodeState(
            status=word,
            kubelet=(status.get("nodeInfo") or {}).get("kubeletVersion", ""),
            cpu=str(capacity.get("cpu", "")),
            memory=_memory(str(capacity.get("memory", ""))),
        )
    return states
