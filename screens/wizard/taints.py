"""Step 2, taints and labels per node; the control-plane taint is pre-filled and removable."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from engine import grammar
from engine.clusters.plan.kubeadm import control_plane_taint_key
from screens.wizard.base import WizardStep, error_id, field_before, format_taints

if TYPE_CHECKING:
    from engine.errors import Problem
    from store.documents.cluster import Cluster


class TaintsStep(WizardStep):
    TITLE = "Taints and labels"
    OWNS = ("spec.masters", "spec.workers")

    def _entries(self, cluster: Cluster) -> list[tuple[str, str, str]]:
        """(field path, node, role)"""
        return [
            (f"spec.masters[{i}]", m.node, "control plane")
            for i, m in enumerate(cluster.spec.masters)
        ] + [(f"spec.workers[{i}]", w.node, "worker") for i, w in enumerate(cluster.spec.workers)]

    def load(self, cluster: Cluster) -> None:
        self.call_later(self._rebuild, cluster.model_copy(deep=True))

    async def _rebuild(self, cluster: Cluster) -> None:
        """The rows follow the nodes chosen in step 1; the old ones are gone before new ones come."""
        await self.remove_children()
        widgets: list[object] = [
            Static("Taints: KEY[=VALUE]:EFFECT, ...   Labels: KEY=VALUE, ...", classes="hint")
        ]
        key = control_plane_taint_key(cluster.spec.kubernetes_version)
        for path, node, role in self._entries(cluster):
            if path.startswith("spec.masters"):
                master = cluster.spec.masters[int(path.split("[")[1][:-1])]
                taints = (
                    f"{key}:NoSchedule" if master.taints is None else format_taints(master.taints)
                )
                labels = master.labels
            else:
                worker = cluster.spec.workers[int(path.split("[")[1][:-1])]
                taints, labels = format_taints(worker.taints), worker.labels
            widgets += [
                Label(f"{node} ({role})"),
                Input(
                    value=taints, placeholder="taints", id=f"taints-{node}", select_on_focus=False
                ),
                Input(
                    value=", ".join(f"{k}={v}" for k, v in labels.items()),
                    placeholder="labels",
                    id=f"labels-{node}",
                    select_on_focus=False,
                ),
                Static("", id=error_id(path), classes="field-error"),
            ]
        await self.mount_all(widgets)  # type: ignore[arg-type]

    def field_for(self, error_line: Static, message: str) -> Widget | None:
        """A node's line holds both fields' errors: the one the message is about."""
        inputs = [w for w in (field_before(error_line),) if w is not None]
        node = inputs[0].id.removeprefix("labels-") if inputs and inputs[0].id else ""
        if message.startswith("taint") and node:
            return self.query_one(f"#taints-{node}", Input)
        return inputs[0] if inputs else None

    def apply(self, cluster: Cluster) -> list[Problem]:
        from engine.errors import Problem
        from store.documents.cluster import Taint

        problems = []
        for path, node, _ in self._entries(cluster):
            try:
                taints_text = self.query_one(f"#taints-{node}", Input).value
                labels_text = self.query_one(f"#labels-{node}", Input).value
            except NoMatches:  # a node added after the step was built
                continue
            taints, taint_error = grammar.parse_taints(grammar.split_list(taints_text))
            labels, label_error = grammar.parse_labels(grammar.split_list(labels_text))
            for error in (taint_error, label_error):
                if error:
                    problems.append(Problem(path, error))
            entry = (
                cluster.spec.masters[int(path.split("[")[1][:-1])]
                if path.startswith("spec.masters")
                else cluster.spec.workers[int(path.split("[")[1][:-1])]
            )
            default = [
                {
                    "key": control_plane_taint_key(cluster.spec.kubernetes_version),
                    "value": "",
                    "effect": "NoSchedule",
                }
            ]
            if path.startswith("spec.masters") and taints == default:
                entry.taints = None  # the default taint, as a spec that omits taints means
            else:
                entry.taints = [Taint(**t) for t in taints]
            entry.labels = labels
        return problems
