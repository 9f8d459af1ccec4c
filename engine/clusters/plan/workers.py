"""The plans of the day-2 worker changes: workers joined to a running cluster (prepared as the
create prepares its nodes, joined with a fresh bootstrap token, labelled and tainted), and
workers taken out (cordoned, drained, their Node deleted, reset and cleaned as a delete does)."""

from __future__ import annotations

import shlex

from engine.catalog.online import Online
from engine.clusters.plan.addon_steps import worker_lines
from engine.clusters.plan.context import build_context
from engine.clusters.plan.control_plane import worker_steps
from engine.clusters.plan.delete import reset_script
from engine.clusters.plan.prepare import (
    kernel_steps,
    kubernetes_steps,
    node_steps,
    package_steps,
    runtime_steps,
)
from store.documents.cluster import Cluster, WorkerNode
from store.documents.operation import Operation, Step
from store.store import Store

PREPARE = (node_steps, kernel_steps, package_steps, runtime_steps, kubernetes_steps)


def drain_command(node: str, timeout: str) -> str:
    """kubectl drain for `node` (a shell word: quoted, or a variable in quotes), DaemonSets
    left alone and emptyDir data deleted, within `timeout`."""
    return (
        f"kubectl drain {node} --ignore-daemonsets --delete-emptydir-data "
        f"--timeout={shlex.quote(timeout)}"
    )


def _only_on(step: Step, targets: set[str]) -> Step | None:
    """The step on the targets alone; None when it runs on none of them. Local steps stay."""
    if step.action == "local":
        return step
    nodes = [n for n in step.nodes if n in targets]
    return step.model_copy(update={"nodes": nodes}) if nodes else None


def plan_add_workers(
    cluster: Cluster, new: list[WorkerNode], store: Store, online: Online | None = None
) -> Operation:
    grown = cluster.model_copy(deep=True)
    grown.spec.workers += new
    c = build_context(grown, store, online or Online())
    targets = {w.node for w in new}
    first = c.m.first.name
    steps = [s for phase in PREPARE for s in map(lambda x: _only_on(x, targets), phase(c)) if s]
    steps.append(
        Step(
            name="join-token",
            title=f"a bootstrap token on {first}",
            nodes=[first],
            script=(
                "join=$(kubeadm token create --print-join-command)\n"
                '[ -n "$join" ] || { echo "kubeadm token create printed no join command" >&2; exit 1; }\n'
                'echo "KCTUI_OUTPUT join_command=$join"\n'
            ),
        )
    )
    steps += [s for s in map(lambda x: _only_on(x, targets), worker_steps(c)) if s]
    names = [w.node for w in new]
    q = shlex.quote
    steps.append(
        Step(
            name="new-workers-ready",
            title="the new workers Ready, with their taints and labels",
            nodes=[first],
            timeout=600,
            script=(
                f"kubectl wait --for=condition=Ready {' '.join(q('node/' + n) for n in names)} --timeout=300s\n"
                + "".join(line + "\n" for line in worker_lines(new))
                + f"kubectl get nodes {' '.join(q(n) for n in names)}\n"
            ),
        )
    )
    return Operation(
        type="add-workers",
        cluster=cluster.name,
        steps=steps,
        params={"workers": [w.model_dump(mode="json", by_alias=True) for w in new]},
    )


def plan_remove_workers(
    cluster: Cluster, names: list[str], force: bool, drain_timeout: str
) -> Operation:
    first = cluster.spec.masters[0].node
    q = shlex.quote
    drains = "set -e\n"
    for name in names:
        drain = drain_command(q(name), drain_timeout)
        stop = (
            f'echo "the drain of {name} did not finish: it keeps its pods; move them or give '
            f'--force to remove it anyway" >&2; exit 1'
        )
        drains += (
            f"if kubectl get node {q(name)} >/dev/null 2>&1; then\n"
            f"  kubectl cordon {q(name)}\n"
            f"  if ! {drain}; then\n"
            + (
                f"    echo 'the drain of {name} did not finish; --force: removing it anyway' >&2\n"
                if force
                else f"    {stop}\n"
            )
            + "  fi\n"
            f"  kubectl delete node {q(name)}\n"
            f"else echo 'node {name} is not in the cluster'; fi\n"
        )
    steps = [
        Step(
            name="drain",
            title="cordon, drain and delete the Node objects",
            nodes=[first],
            timeout=3600,
            script=drains,
        ),
        Step(
            name="reset",
            title="kubeadm reset and clean up",
            nodes=names,
            timeout=600,
            script=reset_script(cluster.spec),
            # forced: a node that cannot be reached is cleaned the next time it is probed
            ignore_errors=force,
        ),
    ]
    return Operation(
        type="remove-workers",
        cluster=cluster.name,
        steps=steps,
        params={"workers": names, "force": force},
        retry_mode="resume",
    )
