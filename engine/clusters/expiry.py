"""How soon a cluster's certificates expire, as last read: kept apart from reading them (SSH),
so that the clusters list can mark a cluster without loading the SSH client."""

from __future__ import annotations

from datetime import UTC, datetime

from store.documents.cluster import Cluster

WARN_DAYS = 30


def days_left(cluster: Cluster) -> int | None:
    """Days until the earliest leaf certificate expires, as last read; None if never read."""
    if cluster.status.certs_expire is None:
        return None
    return (cluster.status.certs_expire - datetime.now(UTC)).days


def stale(cluster: Cluster, hours: float = 24) -> bool:
    """Whether the certificates are due for a look (daily)."""
    checked = cluster.status.certs_checked_at
    return checked is None or (datetime.now(UTC) - checked).total_seconds() > hours * 3600
