"""The plan of a storage change on a running cluster: the package of a new plugin onto every
node (its images imported, offline without a registry), then every storage class of the new
storage spec applied as the create applies them; or a class, and what serves it, deleted."""

from __future__ import annotations

import dataclasses
import shlex

from engine.catalog.online import Online
from engine.clusters.plan.addon_steps import storage_steps
from engine.clusters.plan.context import build_context, names
from engine.clusters.plan.prepare import import_images, package_steps
from store.documents.cluster import Cluster, StorageSpec
from store.documents.operation import Operation, Step
from store.store import Store

PLUGINS = {"nfs": "nfs-provisioner", "ceph": "ceph-csi"}


def _changed(cluster: Cluster, storage: StorageSpec) -> Cluster:
    changed = cluster.model_copy(deep=True)
    changed.spec.storage = storage
    return changed


def plan_apply_storage(
    cluster: Cluster,
    storage: StorageSpec,
    what: str,
    store: Store,
    online: Online | None = None,
) -> Operation:
    """`storage` made the cluster's: a plugin new to the cluster gets its package first."""
    c = build_context(_changed(cluster, storage), store, online or Online())
    steps: list[Step] = []
    before = cluster.spec.storage
    new = [
        PLUGINS[kind] for kind in PLUGINS if getattr(storage, kind) and not getattr(before, kind)
    ]
    if new:
        steps += package_steps(dataclasses.replace(c, everywhere=new))
        if c.spec.offline and c.registry is None:
            steps.append(
                Step(
                    name="images",
                    title="import the plugin's images",
                    nodes=names(c.m.all),
                    script=import_images([c.unpacked[p] for p in new]),
                )
            )
    steps += storage_steps(c)
    return Operation(
        type="storage", cluster=cluster.name, steps=steps, params=recorded(storage, what)
    )


def recorded(storage: StorageSpec, what: str) -> dict[str, object]:
    """What the operation records for the spec once it succeeds: the storage spec without the
    Ceph keys, which only the storage step carries, encrypted (CEPH_KEY_<i>)."""
    return {
        "change": what,
        "storage": storage.model_dump(
            mode="json", by_alias=True, exclude={"ceph": {"__all__": {"key"}}}
        ),
    }


def plan_remove_storage(cluster: Cluster, storage: StorageSpec, class_name: str) -> Operation:
    """The class deleted with what serves it (an NFS provisioner, a Ceph class's Secret)."""
    first = cluster.spec.masters[0].node
    q = shlex.quote
    old = cluster.spec.storage
    lines = [f"kubectl delete storageclass {q(class_name)} --ignore-not-found"]
    if any(n.storage_class_name == class_name for n in old.nfs):
        lines.append(
            f"kubectl -n kube-system delete deployment {q('nfs-provisioner-' + class_name)} "
            "--ignore-not-found"
        )
    if any(c.storage_class_name == class_name for c in old.ceph):
        lines.append(
            f"kubectl -n kube-system delete secret {q('ceph-rbd-' + class_name)} --ignore-not-found"
        )
    steps = [
        Step(
            name="storage-remove",
            title=f"delete storage class {class_name}",
            nodes=[first],
            script="set -e\n" + "\n".join(lines) + "\n",
        )
    ]
    return Operation(
        type="storage",
        cluster=cluster.name,
        steps=steps,
        params=recorded(storage, f"remove {class_name}"),
    )
