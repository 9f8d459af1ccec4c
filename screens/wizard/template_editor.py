"""The template editor: the wizard's configuration, CNI and storage steps, and its confirm
step, without the nodes (a template holds none, so making one needs no free node). ctrl+s on
the last step names the template and stores it, checked as `template create` checks a file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding

from screens.wizard.config import ConfigStep
from screens.wizard.screen import STEPS, NameScreen, WizardScreen

if TYPE_CHECKING:
    from store.documents.cluster import Cluster

FIRST = STEPS.index(ConfigStep)


class TemplateEditorScreen(WizardScreen):
    """Dismisses with the name of the template it stored, or None."""

    BINDINGS = [
        Binding("ctrl+s", "store_template", "Save template", id="template-editor.save",
                priority=True),
    ]  # fmt: skip

    def _initial(self) -> Cluster:
        from engine.catalog import catalog
        from store.documents.cluster import Cluster

        self.index = FIRST
        cluster = Cluster(metadata={"name": ""})
        cluster.spec.kubernetes_version = catalog.default_version()
        return cluster

    def on_mount(self) -> None:
        self.sub_title = "New template"
        self.call_after_refresh(self._show, self.index)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("create", "quick", "save_template"):
            return False
        if action == "back":
            return self.index > FIRST
        if action == "store_template":
            return self.index == len(STEPS) - 1
        return super().check_action(action, parameters)

    def keep_draft(self) -> bool:
        return False  # a template in the making is not a cluster draft

    def action_leave(self) -> None:
        from screens.dialogs import ConfirmScreen

        def answer(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen("Leave without saving the template?", yes="Leave"), answer
        )

    def action_store_template(self) -> None:
        from engine.clusters.templates import problems
        from store.documents.template import Template

        self.steps()[self.index].apply(self.draft)

        def named(name: str | None) -> None:
            if not name:
                return
            spec = self.draft.spec.model_copy(deep=True)
            spec.masters, spec.workers = [], []
            template = Template(name=name, cluster=spec, description="made in the template editor")
            found = problems(template, self.store)
            if found:
                self.notify("\n".join(str(p) for p in found), severity="error", timeout=10)
                return
            self.store.templates.add(template)
            self.notify(f"Template {name} saved", timeout=3)
            self.dismiss(name)

        self.app.push_screen(NameScreen("Template name:"), named)
