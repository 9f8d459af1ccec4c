"""The plan of a cluster create, in REFERENCE.md's order, every config built as data: phases
built from one context, then the cluster checked whole and its kubeconfig kept."""

from __future__ import annotations

from engine.catalog.online import Online
from engine.clusters.actions import kubeconfig_download
from engine.clusters.plan import kubeadm
from engine.clusters.plan.addon_steps import addon_steps, storage_steps
from engine.clusters.plan.context import CreateContext, address, build_context, names
from engine.clusters.plan.control_plane import control_plane_steps, worker_steps
from engine.clusters.plan.prepare import (
    kernel_steps,
    kubernetes_steps,
    node_steps,
    package_steps,
    runtime_steps,
)
from store.documents.cluster import Cluster
from store.documents.node import Node
from store.documents.operation import FileSpec, Operation, Step
from store.store import Store

PHASES = (
    node_steps,
    kernel_steps,
    package_steps,
    runtime_steps,
    kubernetes_steps,
    control_plane_steps,
    worker_steps,
    addon_steps,
    storage_steps,
)


def plan_create(cluster: Cluster, store: Store, online: Online | None = None) -> Operation:
    c = build_context(cluster, store, online or Online())
    steps = [step for phase in (*PHASES, finish_steps) for step in phase(c)]
    return Operation(
        type="create-cluster", cluster=cluster.name, steps=steps, params={"nodes": names(c.m.all)}
    )


def finish_steps(c: CreateContext) -> list[Step]:
    m = c.m
    steps: list[Step] = []
    add = steps.append
    add(
        Step(
            name="health",
            title="all nodes Ready, every pod running",
            nodes=[m.first.name],
            timeout=900,
            retries=1,
            script=HEALTH,
        )
    )
    steps += kubeconfig_steps(c.store, c.cluster.name, m.first)
    return steps


def kubeconfig_steps(store: Store, cluster: str, first: Node) -> list[Step]:
    """The admin kubeconfig fetched from the first control-plane node and kept on the jump
    host, pointing at that node."""
    return [
        Step(
            name="fetch-kubeconfig",
            title="admin kubeconfig",
            action="download",
            nodes=[first.name],
            files=[
                FileSpec(
                    source="/etc/kubernetes/admin.conf",
                    dest=str(kubeconfig_download(store, cluster)),
                )
            ],
        ),
        Step(
            name="save-kubeconfig",
            title="save the kubeconfig on the jump host",
            action="local",
            call="save-kubeconfig",
            args={"cluster": cluster, "server": f"https://{address(first)}:{kubeadm.API_PORT}"},
        ),
    ]


# Controllers make pods a few seconds after their workloads; an image that cannot be pulled
# for a minute fails the create, naming it, rather than leaving the pod in back-off.
HEALTH = """\
kubectl wait --for=condition=Ready nodes --all --timeout=300s
sleep 5
pulls=0
for i in $(seq 1 60); do
  pending=$(kubectl get pods -A --no-headers | awk '$4 != "Running" && $4 != "Completed"')
  if [ -z "$pending" ]; then echo "every pod runs"; exit 0; fi
  if echo "$pending" | grep -Eq 'ImagePullBackOff|ErrImagePull|InvalidImageName'; then
    pulls=$((pulls + 1))
  else
    pulls=0
  fi
  [ "$pulls" -ge 12 ] && break
  sleep 5
done
echo "pods that do not run:" >&2
echo "$pending" >&2
echo "$pending" | awk '$4 ~ /Image/ {print $1, $2}' | while read -r ns pod; do
  kubectl -n "$ns" get pod "$pod" -o yaml | grep -E '^ *message:' >&2 || true
done
exit 1
"""
