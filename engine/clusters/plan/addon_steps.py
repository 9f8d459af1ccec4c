"""The cluster's add-ons after the control plane: Calico, the nodes' taints and labels, and the
storage plugins."""

from __future__ import annotations

import shlex

import yaml

from engine.clusters.plan import addons, kubeadm
from engine.clusters.plan.context import CONFIG_DIR, CreateContext
from store.documents.cluster import Cluster, WorkerNode
from store.documents.operation import FileSpec, Step


def addon_steps(c: CreateContext) -> list[Step]:
    spec = c.spec
    m = c.m
    unpacked = c.unpacked
    steps: list[Step] = []
    add = steps.append
    calico_dir = unpacked["calico"]
    add(
        Step(
            name="cni-config",
            title="Calico installation",
            action="upload",
            nodes=[m.first.name],
            files=[
                FileSpec(
                    dest=f"{CONFIG_DIR}/calico-installation.yaml",
                    content=yaml.safe_dump(addons.calico_installation(spec), sort_keys=False),
                )
            ],
        )
    )
    add(
        Step(
            name="cni",
            title="Calico",
            nodes=[m.first.name],
            script=(
                # Calico's CRDs are too large for the last-applied annotation of a client-side
                # apply; the Installation needs its CRD Established first.
                f"kubectl apply --server-side --force-conflicts -f {calico_dir}/manifests/\n"
                "kubectl wait --for=condition=Established --timeout=120s crd --all\n"
                f"kubectl apply -f {CONFIG_DIR}/calico-installation.yaml\n"
            ),
        )
    )
    add(
        Step(
            name="taints-labels",
            title="taints and labels",
            nodes=[m.first.name],
            script=taints_and_labels(c.cluster),
        )
    )
    return steps


def storage_steps(c: CreateContext) -> list[Step]:
    spec, m = c.spec, c.m
    unpacked = c.unpacked
    steps: list[Step] = []
    add = steps.append
    storage_docs: list[dict[str, object]] = []
    storage_secrets: dict[str, str] = {}
    default = spec.storage.default_storage_class
    for i, nfs in enumerate(spec.storage.nfs):
        storage_docs += addons.nfs_provisioner(i, nfs, nfs.storage_class_name == default)
    ceph_script = ""
    if spec.storage.ceph:
        storage_docs += addons.ceph_csi_config(spec.storage.ceph)
        ceph_script += (
            f"kubectl apply --server-side --force-conflicts -f {unpacked['ceph-csi']}/manifests/\n"
        )
    for i, ceph in enumerate(spec.storage.ceph):
        storage_class, secret_name = addons.ceph_rbd(ceph, ceph.storage_class_name == default)
        storage_docs.append(storage_class)
        var = f"CEPH_KEY_{i}"
        storage_secrets[var] = ceph.key.reveal() if ceph.key else ""
        ceph_script += (
            f"kubectl -n kube-system delete secret {secret_name} --ignore-not-found\n"
            f"kubectl -n kube-system create secret generic {secret_name} "
            f'--from-literal=userID={shlex.quote(ceph.user)} --from-literal=userKey="${var}"\n'
        )
    if storage_docs:
        add(
            Step(
                name="storage-config",
                title="storage classes",
                action="upload",
                nodes=[m.first.name],
                files=[
                    FileSpec(
                        dest=f"{CONFIG_DIR}/storage.yaml",
                        content=yaml.safe_dump_all(storage_docs, sort_keys=False),
                    )
                ],
            )
        )
        rbac = (
            f"kubectl apply -f {unpacked['nfs-provisioner']}/manifests/\n"
            if spec.storage.nfs
            else ""
        )
        add(
            Step(
                name="storage",
                title="storage plugins",
                nodes=[m.first.name],
                secrets=storage_secrets,
                script=rbac + ceph_script + f"kubectl apply -f {CONFIG_DIR}/storage.yaml\n",
            )
        )
    return steps


def taints_and_labels(cluster: Cluster) -> str:
    spec = cluster.spec
    key = kubeadm.control_plane_taint_key(spec.kubernetes_version)
    lines = []
    q = shlex.quote
    for master in spec.masters:
        if master.taints is not None:  # explicit: replace the default control-plane taint
            lines.append(
                f"kubectl taint nodes {q(master.node)} {key}:NoSchedule- 2>/dev/null || true"
            )
        for t in master.taints or []:
            lines.append(
                f"kubectl taint nodes {q(master.node)} {q(_taint_arg(t.key, t.value, t.effect))} --overwrite"
            )
        for k, v in master.labels.items():
            lines.append(f"kubectl label nodes {q(master.node)} {q(f'{k}={v}')} --overwrite")
    lines += worker_lines(spec.workers)
    return "\n".join([*lines, "echo 'taints and labels set'"]) + "\n"


def worker_lines(workers: list[WorkerNode]) -> list[str]:
    """The kubectl lines that give workers their taints and labels."""
    q = shlex.quote
    lines = []
    for worker in workers:
        for t in worker.taints:
            lines.append(
                f"kubectl taint nodes {q(worker.node)} {q(_taint_arg(t.key, t.value, t.effect))} --overwrite"
            )
        for k, v in worker.labels.items():
            lines.append(f"kubectl label nodes {q(worker.node)} {q(f'{k}={v}')} --overwrite")
    return lines


def _taint_arg(key: str, value: str, effect: str) -> str:
    return f"{key}={value}:{effect}" if value else f"{key}:{effect}"
