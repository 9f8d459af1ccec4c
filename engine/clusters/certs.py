"""A cluster's certificates: what `kubeadm certs check-expiration` says on each control-plane
node, and their renewal, one control-plane node at a time."""

from __future__ import annotations

import asyncio
import contextlib
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from engine.clusters.expiry import WARN_DAYS, days_left, stale
from engine.clusters.plan.create import kubeconfig_steps
from engine.errors import RefusedError
from engine.ssh.connection import SSHError
from engine.ssh.pool import connect_first
from store.documents.cluster import Cluster, ClusterPhase
from store.documents.operation import Operation, Step
from store.settings import Settings
from store.store import Store

COLUMNS_RE = re.compile(r"\s{2,}")
CONTROL_PLANE = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd")


@dataclass(frozen=True)
class Certificate:
    node: str
    name: str
    authority: str  # its CA; "" for a CA
    expires: datetime

    @property
    def days_left(self) -> int:
        return (self.expires - datetime.now(UTC)).days


def parse_expiration(node: str, text: str) -> list[Certificate]:
    """The rows of check-expiration's two tables (certificates, then authorities)."""
    found = []
    table = ""
    for line in text.splitlines():
        cells = COLUMNS_RE.split(line.strip())
        if not cells or not cells[0]:
            continue
        if cells[0] in ("CERTIFICATE", "CERTIFICATE AUTHORITY"):
            table = cells[0]
            continue
        if len(cells) < 3 or not table:
            continue
        try:
            expires = datetime.strptime(cells[1], "%b %d, %Y %H:%M %Z").replace(tzinfo=UTC)
        except ValueError:
            continue
        authority = cells[3] if table == "CERTIFICATE" and len(cells) > 3 else ""
        found.append(Certificate(node, cells[0], authority, expires))
    return found


async def certificates(store: Store, settings: Settings, cluster: Cluster) -> list[Certificate]:
    """Every control-plane node's certificates; refused, naming it, when one cannot be asked."""
    out: list[Certificate] = []
    for master in cluster.spec.masters:
        try:
            conn = await connect_first(store, settings.ssh, [master.node])
        except SSHError as e:
            raise RefusedError(f"{master.node} cannot be reached: {e}") from None
        try:
            code, text, err = await conn.run("kubeadm certs check-expiration", time_limit=60)
        finally:
            await conn.close()
        if code != 0:
            raise RefusedError(
                f"kubeadm certs check-expiration failed on {master.node}: {err.strip() or code}"
            )
        out += parse_expiration(master.node, text)
    return out


async def refresh(store: Store, settings: Settings, cluster: Cluster) -> list[Certificate]:
    """The certificates, their earliest leaf expiry kept on the cluster (the list marks it)."""
    certs = await certificates(store, settings, cluster)
    leaves = [c.expires for c in certs if c.authority]

    def note(c: Cluster) -> None:
        c.status.certs_expire = min(leaves) if leaves else None
        c.status.certs_checked_at = datetime.now(UTC)

    if store.clusters.exists(cluster.name):
        store.clusters.update(cluster.name, note)
    return certs


async def check_due(store: Store, settings: Settings) -> list[tuple[str, int]]:
    """The Running clusters whose certificates were not read for a day are read again;
    (cluster, days left) of each whose earliest leaf certificate expires within 30 days."""
    soon = []
    for cluster in store.clusters.list(lambda c: c.status.phase == ClusterPhase.RUNNING):
        if stale(cluster):
            try:
                await refresh(store, settings, cluster)
            except RefusedError:
                continue  # unreachable now: the next round asks again
            cluster = store.clusters.get(cluster.name)
        left = days_left(cluster)
        if left is not None and left < WARN_DAYS:
            soon.append((cluster.name, left))
    return soon


async def watch(
    store: Store,
    settings: Settings,
    stop: asyncio.Event,
    warn: Callable[[str, int], None],
    every: float = 3600,
) -> None:
    """Check the certificates daily (looking every `every` seconds for a cluster due), and
    `warn` of each that expires within 30 days, once a day."""
    warned: dict[str, datetime] = {}
    while not stop.is_set():
        for name, left in await check_due(store, settings):
            last = warned.get(name)
            if last is None or (datetime.now(UTC) - last).days >= 1:
                warned[name] = datetime.now(UTC)
                warn(name, left)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)


RENEW = """set -e
kubeadm certs renew all
# the control plane's static pods restarted on the new certificates: their manifests out until
# the kubelet has stopped them (the API server stops answering), then back
mkdir -p {held}
for pod in {pods}; do
  if [ -f /etc/kubernetes/manifests/$pod.yaml ]; then mv /etc/kubernetes/manifests/$pod.yaml {held}/; fi
done
for i in $(seq 120); do kubectl get nodes >/dev/null 2>&1 || break; sleep 1; done
mv {held}/*.yaml /etc/kubernetes/manifests/
rmdir {held}
for i in $(seq 300); do kubectl get nodes >/dev/null 2>&1 && break; sleep 1; done
kubectl get nodes >/dev/null || {{ echo "the API server does not answer after the renewal" >&2; exit 1; }}
mkdir -p /root/.kube && cp /etc/kubernetes/admin.conf /root/.kube/config
kubeadm certs check-expiration
"""


def plan_renew(store: Store, cluster: Cluster) -> Operation:
    if cluster.status.phase != ClusterPhase.RUNNING:
        raise RefusedError(
            f"{cluster.name} is {cluster.status.phase.value}; certificates are renewed on a "
            "Running cluster"
        )
    masters = [m.node for m in cluster.spec.masters]
    first = store.nodes.get(masters[0])
    held = "/etc/kubernetes/kctui-manifests-held"
    steps = [
        Step(
            name="renew",
            title="renew every certificate and restart the control plane, one node at a time",
            nodes=masters,
            concurrency="one",
            timeout=900,
            script=RENEW.format(held=shlex.quote(held), pods=" ".join(CONTROL_PLANE)),
        ),
        *kubeconfig_steps(store, cluster.name, first),
    ]
    return Operation(type="renew-certs", cluster=cluster.name, steps=steps)
