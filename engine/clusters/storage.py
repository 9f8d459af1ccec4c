"""Storage plugins on a running cluster: add one (NFS or Ceph RBD), make a class the default,
remove one (refused while claims use it), and list what the cluster itself holds. Each change
is an operation; the classes are read from the cluster with kubectl, not only from the spec."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.catalog.online import Online
from engine.clusters.inspect import kubectl_json
from engine.clusters.plan.storage import plan_apply_storage, plan_remove_storage
from engine.clusters.validate import validate
from engine.errors import Problem, RefusedError
from store.documents.cluster import Cluster, ClusterPhase, StorageSpec
from store.documents.operation import Operation
from store.settings import Settings
from store.store import Store

DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"


@dataclass(frozen=True)
class ClassInfo:
    name: str
    provisioner: str
    default: bool
    reclaim_policy: str
    kind: str  # nfs, ceph, or "" for a class kctui did not make
    target: str


class StorageService:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def _running(self, name: str) -> Cluster:
        cluster = self.store.clusters.get(name)
        if cluster.status.phase not in (ClusterPhase.RUNNING, ClusterPhase.UPDATE_FAILED):
            raise RefusedError(
                problems=[
                    Problem(
                        "cluster",
                        f"{name} is {cluster.status.phase.value}; its storage changes only while "
                        "it is Running",
                    )
                ]
            )
        return cluster

    def _check(self, cluster: Cluster, storage: StorageSpec) -> None:
        changed = cluster.spec.model_copy(deep=True)
        changed.storage = storage
        found = [
            p
            for p in validate(
                cluster.name, changed, self.store, existing_ok=True, unprobed=changed.node_names
            )
            if p.field.startswith("spec.storage")
        ]
        if found:
            raise RefusedError(problems=found)

    def _store(self, op: Operation) -> Operation:
        self.store.operations.add(op)
        return op

    def add(self, name: str, extra: StorageSpec) -> Operation:
        """The entries of `extra` added to the cluster (its default class, if it names one,
        made the cluster's)."""
        cluster = self._running(name)
        if not extra.nfs and not extra.ceph:
            raise RefusedError(problems=[Problem("storage", "give an NFS or a Ceph entry to add")])
        storage = cluster.spec.storage.model_copy(deep=True)
        storage.nfs += extra.nfs
        storage.ceph += extra.ceph
        if extra.default_storage_class:
            storage.default_storage_class = extra.default_storage_class
        self._check(cluster, storage)
        what = "add " + ", ".join(_classes(extra))
        online = Online.from_settings(self.settings)
        return self._store(plan_apply_storage(cluster, storage, what, self.store, online))

    def from_template(self, template_name: str) -> StorageSpec:
        template = self.store.templates.get(template_name)
        if template.storage is None:
            raise RefusedError(
                problems=[
                    Problem("template", f"{template_name} is a cluster template, not storage")
                ]
            )
        return template.storage.model_copy(deep=True)

    def set_default(self, name: str, class_name: str) -> Operation:
        cluster = self._running(name)
        storage = cluster.spec.storage.model_copy(deep=True)
        if class_name not in _classes(storage):
            raise RefusedError(problems=[Problem("class", _unknown(name, class_name, storage))])
        storage.default_storage_class = class_name
        online = Online.from_settings(self.settings)
        what = f"default {class_name}"
        return self._store(plan_apply_storage(cluster, storage, what, self.store, online))

    async def remove(self, name: str, class_name: str, force: bool = False) -> Operation:
        """Refused, listing them, while claims of the class exist, unless `force`."""
        cluster = self._running(name)
        storage = cluster.spec.storage.model_copy(deep=True)
        if class_name not in _classes(storage):
            raise RefusedError(problems=[Problem("class", _unknown(name, class_name, storage))])
        claims = await self.claims(cluster, class_name)
        if claims and not force:
            raise RefusedError(
                problems=[
                    Problem(
                        "class",
                        f"{len(claims)} PersistentVolumeClaim(s) use {class_name}: "
                        f"{', '.join(claims)}; delete them first, or --force",
                    )
                ]
            )
        storage.nfs = [n for n in storage.nfs if n.storage_class_name != class_name]
        storage.ceph = [c for c in storage.ceph if c.storage_class_name != class_name]
        if storage.default_storage_class == class_name:
            storage.default_storage_class = ""
        return self._store(plan_remove_storage(cluster, storage, class_name))

    async def _kubectl_json(self, cluster: Cluster, args: str) -> dict[str, Any]:
        return await kubectl_json(self.store, self.settings, cluster, args)

    async def claims(self, cluster: Cluster, class_name: str) -> list[str]:
        """namespace/name of every claim of `class_name` in the cluster."""
        data = await self._kubectl_json(cluster, "get pvc -A")
        items = data.get("items") or []
        return [
            f"{c['metadata'].get('namespace', 'default')}/{c['metadata']['name']}"
            for c in items
            if c.get("spec", {}).get("storageClassName") == class_name
        ]

    async def classes(self, name: str) -> list[ClassInfo]:
        """The storage classes the cluster holds, with what kctui knows of each."""
        cluster = self.store.clusters.get(name)
        data = await self._kubectl_json(cluster, "get storageclass")
        spec = cluster.spec.storage
        known = {
            n.storage_class_name: ("nfs", f"{n.server_addr}:{n.shared_path}") for n in spec.nfs
        }
        known |= {
            c.storage_class_name: ("ceph", f"{','.join(c.monitors)} pool {c.pool}")
            for c in spec.ceph
        }
        out = []
        for sc in data.get("items") or []:
            meta = sc.get("metadata", {})
            kind, target = known.get(meta.get("name", ""), ("", ""))
            out.append(
                ClassInfo(
                    name=meta.get("name", ""),
                    provisioner=sc.get("provisioner", ""),
                    default=(meta.get("annotations") or {}).get(DEFAULT_CLASS) == "true",
                    reclaim_policy=sc.get("reclaimPolicy", "Delete"),
                    kind=kind,
                    target=target,
                )
            )
        return out


def _classes(storage: StorageSpec) -> list[str]:
    return [n.storage_class_name for n in storage.nfs] + [
        c.storage_class_name for c in storage.ceph
    ]


def _unknown(cluster: str, class_name: str, storage: StorageSpec) -> str:
    have = ", ".join(_classes(storage)) or "none"
    return f"{cluster} has no storage class {class_name!r} made by kctui (it has: {have})"
