"""What each list section shows: its columns, its rows from the store, and its empty state."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text

from engine.registries.records import COLUMNS as REGISTRY_COLUMNS
from store.store import Store

if TYPE_CHECKING:
    from store.documents.cluster import Cluster
    from store.documents.node import Node

Row = tuple[str | Text, ...]


@dataclass(frozen=True)
class SectionSpec:
    id: str
    title: str
    key: str
    columns: tuple[str, ...]
    rows: Callable[[Store], Sequence[Row]]
    empty: str
    add_label: str = ""  # empty: nothing can be added from this section
    # Columns a narrow terminal hides first, in this order, before any value is cut.
    drop: tuple[str, ...] = ()


def _gib(n: int) -> str:
    return f"{n / 2**30:.1f}G" if n else "-"


PHASE_STYLE = {"Running": "green"}


def _phase(phase: str) -> Text:
    busy = phase in ("Installing", "Updating", "Upgrading", "BackingUp", "Restoring", "Terminating")
    return Text(
        phase,
        style="red"
        if phase.endswith("Failed")
        else "yellow"
        if busy
        else PHASE_STYLE.get(phase, ""),
    )


def _certs_mark(cluster: Cluster) -> Text:
    """The cluster's phase, marked when a certificate expires within 30 days (as last read)."""
    from engine.clusters.expiry import WARN_DAYS, days_left

    text = _phase(cluster.status.phase.value)
    left = days_left(cluster)
    if left is not None and left < WARN_DAYS:
        said = "certs expired" if left < 0 else f"certs {left}d"
        text.append(f" {said}", style="red" if left < 0 else "yellow")
    return text


def _cluster_rows(store: Store) -> list[Row]:
    return [
        (
            c.name,
            _certs_mark(c),
            c.status.kubernetes_version or c.spec.kubernetes_version,
            f"{len(c.spec.masters)}/{len(c.spec.workers)}",
            c.spec.region,
            c.status.last_operation or "-",
        )
        for c in store.clusters.list()
    ]


def node_row(n: Node) -> Row:
    return (
        n.name,
        f"{n.address}:{n.port}" if n.port and n.port != 22 else n.address,
        n.region,
        n.status.value if n.enabled else "disabled",
        f"{n.facts.os_id} {n.facts.os_version}".strip() or "-",
        n.facts.arch or "-",
        str(n.facts.cpus or "-"),
        _gib(n.facts.memory_bytes),
        n.cluster or "-",
    )


def _node_rows(store: Store) -> list[Row]:
    return [node_row(n) for n in store.nodes.list()]


def _template_rows(store: Store) -> list[Row]:
    return [(t.name, t.type, t.description or "-") for t in store.templates.list()]


def _registry_rows(store: Store) -> list[Row]:
    from engine.registries.records import row

    return [row(r) for r in store.registries.list()]


def _backup_point_rows(store: Store) -> list[Row]:
    rows: list[Row] = []
    for p in store.backup_points.list():
        target = p.fs_path if p.s3 is None else f"{p.s3.endpoint}/{p.s3.bucket}"
        rows.append((p.name, p.type.upper(), target, p.description or "-"))
    return rows


def _resource_rows(store: Store) -> list[Row]:
    return [
        (r.id, r.type, r.version, r.arch, f"{r.size / 2**20:.1f}M") for r in store.resources.list()
    ]


def _operation_rows(store: Store) -> list[Row]:
    ops = sorted(store.operations.list(), key=lambda o: o.created_at, reverse=True)
    rows: list[Row] = [
        (o.id, o.cluster or "-", o.type, o.status.value, f"{o.created_at:%Y-%m-%d %H:%M}")
        for o in ops
    ]
    # A file that cannot be read is listed as damaged, so it is seen, not hidden.
    rows += [(e.path.parent.name, "-", "?", "damaged", "-") for e in store.operations.damaged]
    return rows


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(
        "clusters",
        "Clusters",
        "1",
        ("Name", "Phase", "Version", "CP/Workers", "Region", "Last operation"),
        _cluster_rows,
        "No clusters yet. Press a to create the first one.",
        "Create cluster",
        drop=("Last operation", "Region", "CP/Workers"),
    ),
    SectionSpec(
        "nodes",
        "Nodes",
        "2",
        ("Name", "Address", "Region", "Status", "OS", "Arch", "CPU", "Memory", "Cluster"),
        _node_rows,
        "No nodes yet. Press a to add the first node.",
        "Add node",
        drop=("OS", "Memory", "CPU", "Arch", "Region", "Cluster"),
    ),
    SectionSpec(
        "templates",
        "Templates",
        "3",
        ("Name", "Type", "Description"),
        _template_rows,
        "No templates yet. Press a to create the first one.",
        "Add template",
        drop=("Description",),
    ),
    SectionSpec(
        "registries",
        "Registries",
        "4",
        REGISTRY_COLUMNS,
        _registry_rows,
        "No image registries yet. Press a to add one, or d to deploy one on a node.",
        "Add registry",
        drop=("User", "Skip TLS verify", "Node"),
    ),
    SectionSpec(
        "backup-points",
        "Backup points",
        "5",
        ("Name", "Type", "Target", "Description"),
        _backup_point_rows,
        "No backup points yet. Press a to add the first one (a path or an S3 bucket).",
        "Add backup point",
        drop=("Description", "Type"),
    ),
    SectionSpec(
        "resources",
        "Resources",
        "6",
        ("Package", "Type", "Version", "Arch", "Size"),
        _resource_rows,
        "No offline resource packages yet. Press a to push the first one.",
        "Push package",
        drop=("Size", "Arch", "Type"),
    ),
    SectionSpec(
        "operations",
        "Operations",
        "7",
        ("Operation", "Cluster", "Type", "Status", "Created"),
        _operation_rows,
        "No operations yet. Creating a cluster starts the first one: press 1, then a.",
        drop=("Created", "Type"),
    ),
)

BY_ID = {s.id: s for s in SECTIONS}
