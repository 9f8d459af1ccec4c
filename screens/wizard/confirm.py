"""Step 6, confirm: the whole spec grouped by step, its YAML, and the plan it becomes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from engine.clusters import spec_file
from screens.wizard.base import WizardStep, format_taints

if TYPE_CHECKING:
    from engine.errors import Problem
    from store.documents.cluster import Cluster


def _node_line(role: str, node: str, labels: dict[str, str], taints: list[Any] | None) -> str:
    """One node with what it gets: labels, and taints (a control-plane node's default when
    none were given)."""
    shown_labels = ", ".join(f"{k}={v}" for k, v in labels.items()) or "none"
    shown_taints = "control-plane default" if taints is None else format_taints(taints) or "none"
    return escape(f"- {role} {node}: labels {shown_labels}; taints {shown_taints}")


def summary(cluster: Cluster) -> Text:
    s = cluster.spec
    lines = [
        f"[b]Nodes[/b] of {cluster.name or 'the cluster'}, region {s.region}:",
        *(_node_line("control plane", m.node, m.labels, m.taints) for m in s.masters),
        *(_node_line("worker", w.node, w.labels, w.taints) for w in s.workers),
        *([] if s.workers else ["- workers: none"]),
        f"[b]Cluster[/b]: Kubernetes {s.kubernetes_version}, {s.container_runtime.type} "
        f"{s.container_runtime.version or '(catalog)'}, {'offline' if s.offline else 'online'}"
        + (f", registry {s.image_registry}" if s.image_registry else ""),
        f"- etcd {s.etcd.data_dir}, DNS {s.networking.dns_domain}, kube-proxy {s.networking.proxy_mode}",
        f"[b]CNI[/b]: Calico {s.cni.calico.mode}, MTU {s.cni.calico.mtu}, "
        f"services {', '.join(s.networking.services)}, pods {', '.join(s.networking.pods)}",
        "[b]Storage[/b]: "
        + (
            ", ".join(
                [
                    f"NFS {n.storage_class_name} ({n.server_addr}:{n.shared_path})"
                    for n in s.storage.nfs
                ]
                + [f"Ceph {c.storage_class_name}" for c in s.storage.ceph]
            )
            or "none"
        )
        + (
            f", default {s.storage.default_storage_class}"
            if s.storage.default_storage_class
            else ""
        ),
    ]
    return Text.from_markup("\n".join(lines))


class ConfirmStep(WizardStep):
    TITLE = "Confirm"
    OWNS = ("metadata", "spec")

    def compose(self) -> ComposeResult:
        yield Static("", id="confirm-summary")
        yield Static("", id="confirm-problems", classes="field-error")
        yield Static("[b]Plan[/b]", id="confirm-plan-title")
        yield Static("", id="confirm-plan")
        yield Static("[b]Spec[/b]")
        yield Static("", id="confirm-yaml", markup=False)
        yield Static(
            "ctrl+s creates the cluster; ctrl+t saves this configuration as a template.",
            classes="hint",
        )

    def load(self, cluster: Cluster) -> None:
        from engine.clusters.service import ClusterService
        from engine.clusters.validate import SpecError
        from store.settings import Settings

        self.query_one("#confirm-summary", Static).update(summary(cluster))
        self.query_one("#confirm-yaml", Static).update(
            Syntax(spec_file.export_yaml(cluster), "yaml", theme="ansi_dark")
        )
        try:
            op = ClusterService(self.store, Settings()).plan(cluster)
        except SpecError as e:
            self.query_one("#confirm-problems", Static).update(
                "\n".join(str(p) for p in e.problems)
            )
            self.query_one("#confirm-plan", Static).update("")
            return
        self.query_one("#confirm-problems", Static).update("")
        rows = [
            f"{i + 1:02d} {step.name:<20} {', '.join(step.nodes) or 'jump host'}"
            for i, step in enumerate(op.steps)
        ]
        self.query_one("#confirm-plan", Static).update(Text("\n".join(rows)))

    def show(self, problems: list[Problem]) -> None:
        self.query_one("#confirm-problems", Static).update("\n".join(str(p) for p in problems))
