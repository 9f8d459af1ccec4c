"""The plan of a Kubernetes upgrade, KubeClipper's order done carefully: the new package on
every node (the old binaries kept for a rollback), the first control-plane node upgraded with
`kubeadm upgrade apply`, the others one at a time with `kubeadm upgrade node`, then the workers
in batches; each node drained first, its kubelet upgraded and restarted, uncordoned and Ready
before the next. A retry resumes at the node that failed."""

from __future__ import annotations

import dataclasses
import shlex

from engine.catalog.online import Online
from engine.clusters.plan.context import build_context, names
from engine.clusters.plan.prepare import import_images, package_steps
from engine.clusters.plan.workers import drain_command
from store.documents.cluster import Cluster
from store.documents.operation import Operation, Step
from store.store import Store

BIN = "/usr/local/bin"
ROLLBACK = "/opt/kctui/rollback"


def _drain(node: str, timeout: str) -> str:
    return drain_command(shlex.quote(node), timeout) + "\n"


def _kubelet(new: str) -> str:
    """The new kubelet and kubectl in place, the kubelet restarted."""
    return (
        f"install -m 0755 {new}/bin/kubelet {new}/bin/kubectl {BIN}/\n"
        "systemctl daemon-reload\nsystemctl restart kubelet\n"
    )


def _ready(nodes: list[str]) -> str:
    q = shlex.quote
    targets = " ".join(q(f"node/{n}") for n in nodes)
    return (
        f"kubectl uncordon {' '.join(q(n) for n in nodes)}\n"
        f"kubectl wait --for=condition=Ready {targets} --timeout=300s\n"
    )


def plan_upgrade(
    cluster: Cluster,
    target: str,
    store: Store,
    online: Online | None = None,
    max_unavailable: int = 1,
    drain_timeout: str = "5m",
) -> Operation:
    upgraded = cluster.model_copy(deep=True)
    upgraded.spec.kubernetes_version = target
    c = build_context(upgraded, store, online or Online())
    current = cluster.spec.kubernetes_version
    new = c.unpacked["kubernetes"]
    keep = f"{ROLLBACK}/{current}"
    masters = names(c.m.masters)
    workers = names(c.m.workers)
    first = masters[0]
    steps = package_steps(dataclasses.replace(c, everywhere=["kubernetes"]))
    if c.spec.offline and c.registry is None:
        steps.append(
            Step(
                name="images",
                title=f"import the images of {target}",
                nodes=names(c.m.all),
                script=import_images([new]),
            )
        )
    steps.append(
        Step(
            name="keep-binaries",
            title=f"keep the {current} binaries for a rollback",
            nodes=names(c.m.all),
            script=(
                f"if [ ! -d {keep} ]; then mkdir -p {keep}.part && "
                f"cp -p {BIN}/kubeadm {BIN}/kubelet {BIN}/kubectl {keep}.part/ && "
                f"mv {keep}.part {keep}; fi\n"
            ),
        )
    )
    steps.append(
        Step(
            name="upgrade-plan",
            title=f"kubeadm upgrade plan agrees to {target}",
            nodes=[first],
            script=f"{new}/bin/kubeadm upgrade plan {shlex.quote(target)}\n",
        )
    )
    steps.append(
        Step(
            name="upgrade-first",
            title=f"{first}: kubeadm upgrade apply {target}",
            nodes=[first],
            timeout=1800,
            env={"TARGET": target},
            script=(
                "set -e\n"
                + _drain(first, drain_timeout)
                + f"install -m 0755 {new}/bin/kubeadm {BIN}/\n"
                + 'kubeadm upgrade apply "$TARGET" -y\n'
                + _kubelet(new)
                + _ready([first])
            ),
        )
    )
    if masters[1:]:
        steps.append(
            Step(
                name="upgrade-control-plane",
                title="the other control-plane nodes, one at a time: kubeadm upgrade node",
                nodes=masters[1:],
                concurrency="one",
                timeout=1800,
                script=(
                    "set -e\n" + drain_command('"$KCTUI_NODE"', drain_timeout) + "\n"
                    f"install -m 0755 {new}/bin/kubeadm {BIN}/\n"
                    "kubeadm upgrade node\n" + _kubelet(new) + 'kubectl uncordon "$KCTUI_NODE"\n'
                    'kubectl wait --for=condition=Ready "node/$KCTUI_NODE" --timeout=300s\n'
                ),
            )
        )
    size = max(1, max_unavailable)
    for i in range(0, len(workers), size):
        batch = workers[i : i + size]
        n = i // size + 1
        steps += [
            Step(
                name=f"drain-workers-{n}",
                title=f"drain {', '.join(batch)}",
                nodes=[first],
                timeout=1800,
                script="set -e\n" + "".join(_drain(w, drain_timeout) for w in batch),
            ),
            Step(
                name=f"upgrade-workers-{n}",
                title=f"{', '.join(batch)}: kubeadm upgrade node, kubelet {target}",
                nodes=batch,
                timeout=1800,
                script=(
                    "set -e\n"
                    f"install -m 0755 {new}/bin/kubeadm {BIN}/\n"
                    "kubeadm upgrade node\n" + _kubelet(new)
                ),
            ),
            Step(
                name=f"uncordon-workers-{n}",
                title=f"{', '.join(batch)} back and Ready",
                nodes=[first],
                timeout=600,
                script="set -e\n" + _ready(batch),
            ),
        ]
    steps.append(
        Step(
            name="upgraded",
            title=f"every node reports {target}",
            nodes=[first],
            timeout=300,
            env={"TARGET": target},
            script=(
                "kubectl get nodes\n"
                "old=$(kubectl get nodes --no-headers | awk -v t=\"$TARGET\" '$NF != t {print $1}')\n"
                '[ -z "$old" ] || { echo "not at $TARGET yet: $old" >&2; exit 1; }\n'
            ),
        )
    )
    return Operation(
        type="upgrade-cluster",
        cluster=cluster.name,
        steps=steps,
        params={"from": current, "to": target},
    )
