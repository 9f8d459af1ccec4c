"""The create-cluster wizard: six steps, ctrl+n / ctrl+b between them, a draft kept on esc."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import ContentSwitcher, Header, Input, Select, Static

from screens.footer import KeyFooter
from screens.operations import start_operation
from screens.wizard.base import WizardStep
from screens.wizard.cni import CniStep
from screens.wizard.config import ConfigStep
from screens.wizard.confirm import ConfirmStep
from screens.wizard.nodes import NodesStep
from screens.wizard.storage import StorageStep
from screens.wizard.taints import TaintsStep

if TYPE_CHECKING:
    from engine.errors import Problem
    from store.documents.cluster import Cluster
    from store.settings import Settings
    from store.store import Store

STEPS: tuple[type[WizardStep], ...] = (
    NodesStep,
    TaintsStep,
    ConfigStep,
    CniStep,
    StorageStep,
    ConfirmStep,
)
DRAFT = "wizard"


class NameScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    NameScreen { align: center middle; }
    NameScreen > Vertical { width: 60; height: auto; border: round $accent; background: $surface; padding: 1 2; }
    """
    BINDINGS = [Binding("escape", "dismiss", "Cancel", id="name.cancel")]

    def __init__(self, prompt: str) -> None:
        super().__init__()
        self.prompt = prompt

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.prompt)
            yield Input(id="name")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)


class WizardScreen(Screen[str | None]):
    """Dismisses with the id of the create operation it started, or None."""

    DEFAULT_CSS = """
    WizardScreen #indicator { height: 1; padding: 0 1; background: $boost; }
    WizardScreen #wizard-steps { height: 1fr; }
    """
    BINDINGS = [
        Binding("ctrl+n", "next", "Next", id="wizard.next", priority=True),
        Binding("ctrl+b", "back", "Back", id="wizard.back", priority=True),
        Binding("ctrl+g", "quick", "Quick create", id="wizard.quick", priority=True),
        Binding("ctrl+s", "create", "Create", id="wizard.create", priority=True),
        Binding(
            "ctrl+t",
            "save_template",
            "Save template",
            id="wizard.template",
            show=False,
            priority=True,
        ),
        Binding("escape", "leave", "Leave", id="wizard.leave"),
    ]

    def __init__(self, store: Store, settings: Callable[[], Settings]) -> None:
        super().__init__()
        self.store = store
        self.settings = settings
        self.index = 0
        self.resumed = False
        self.draft = self._initial()

    def _initial(self) -> Cluster:
        from engine.catalog import catalog
        from store.documents.cluster import Cluster

        saved = self.store.drafts.find(DRAFT)
        if saved is not None:
            self.index = saved.step
            self.resumed = True
            return saved.cluster
        cluster = Cluster(metadata={"name": ""})
        cluster.spec.kubernetes_version = catalog.default_version()
        return cluster

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static("", id="indicator")
        with ContentSwitcher(id="wizard-steps", initial=f"step-{STEPS[0].__name__.lower()}"):
            for step in STEPS:
                yield step(self.store)
        yield KeyFooter()

    def steps(self) -> list[WizardStep]:
        return list(self.query(WizardStep))

    def on_mount(self) -> None:
        self.sub_title = "Create cluster"
        self.call_after_refresh(self._show, self.index)
        if self.resumed:
            name = f" of {self.draft.name}" if self.draft.name else ""
            self.notify(
                f"Continuing the draft{name}. To start afresh: esc, then n (Discard).",
                title="Draft",
                timeout=6,
            )
        self.run_worker(self._probe_stale(), group="probe", exit_on_error=False)

    async def _probe_stale(self) -> None:
        """Free nodes whose status is unknown or old are probed, so the node table (and the
        create) go by what the nodes are now."""
        from engine.nodes.service import NodeService

        service = NodeService(self.store, self.settings())
        stale = service.stale(n.name for n in self.store.nodes.list(lambda n: n.free))
        if not stale:
            return
        self.notify(f"Probing {len(stale)} node(s) whose status is not recent...", timeout=3)
        await service.probe(stale)
        self.query_one(NodesStep).refresh_nodes()

    def _show(self, index: int) -> None:
        self.index = index
        step = self.steps()[index]
        step.load(self.draft)
        self.query_one("#wizard-steps", ContentSwitcher).current = step.id
        self._breadcrumb()
        self.refresh_bindings()
        focusable = [w for w in step.query("Input, Select, DataTable, Switch") if w.focusable]
        (focusable[0] if focusable else step).focus()

    def _breadcrumb(self) -> None:
        """Every step by its title while that fits, else the others by number: the current
        step's title is always shown whole."""
        bar = self.query_one("#indicator", Static)
        room = (bar.size.width or self.app.size.width) - 2
        for short, gap in ((False, "  >  "), (True, " > "), (True, ">")):
            text = Text()
            for i, s in enumerate(STEPS):
                if i:
                    text.append(gap, style="dim")
                label = str(i + 1) if short and i != self.index else f"{i + 1} {s.TITLE}"
                text.append(label, style="bold reverse" if i == self.index else "")
            if text.cell_len <= room:
                break
        bar.update(text)

    def on_resize(self) -> None:
        if self.is_mounted and self.steps():
            self._breadcrumb()

    def problems_here(self) -> list[Problem]:
        """Read the current step into the draft; its own problems (and the engine's)."""
        from engine.clusters.validate import validate

        step = self.steps()[self.index]
        local = step.apply(self.draft)
        if isinstance(step, ConfirmStep):
            return local
        found = validate(self.draft.name, self.draft.spec, self.store)
        return local + [p for p in found if step.owns(p.field)]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        last = len(STEPS) - 1
        if action == "back":
            return self.index > 0
        if action == "next":
            return self.index < last
        if action in ("create", "save_template"):
            return self.index == last
        if action == "quick":
            return isinstance(self.steps()[self.index], ConfigStep) if self.is_mounted else False
        return True

    def action_next(self) -> None:
        problems = self.problems_here()
        step = self.steps()[self.index]
        step.show(problems)
        if problems:
            self.notify(f"{len(problems)} problem(s) on this step", severity="error", timeout=3)
            return
        self._show(self.index + 1)

    def action_back(self) -> None:
        self.steps()[self.index].apply(self.draft)
        self._show(self.index - 1)

    def action_quick(self) -> None:
        problems = self.problems_here()
        self.steps()[self.index].show(problems)
        if not problems:
            self._show(len(STEPS) - 1)

    def pick_template(self, name: str) -> None:
        template = self.store.templates.get(name)
        if template.cluster is None:
            return
        spec = template.cluster.model_copy(deep=True)
        spec.masters, spec.workers, spec.region = (
            self.draft.spec.masters,
            self.draft.spec.workers,
            self.draft.spec.region,
        )
        self.draft.spec = spec

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "in-template" and isinstance(event.value, str):
            self.pick_template(event.value)
            self.notify(f"Template {event.value} applied to the later steps", timeout=3)

    def has_input(self) -> bool:
        self.steps()[self.index].apply(self.draft)
        spec = self.draft.spec
        return bool(self.draft.name or spec.masters or spec.workers)

    def keep_draft(self) -> bool:
        """Keep what was typed as the draft (the app quitting under the wizard)."""
        from store.documents.draft import Draft

        if not self.has_input():
            return False
        self.store.drafts.put(Draft(name=DRAFT, cluster=self.draft, step=self.index))
        return True

    def action_leave(self) -> None:
        from screens.dialogs import ChoiceScreen
        from store.documents.draft import Draft

        self.steps()[self.index].apply(self.draft)

        def answer(keep: bool | None) -> None:
            if keep is None:  # esc: back to the wizard
                return
            if keep:
                self.store.drafts.put(Draft(name=DRAFT, cluster=self.draft, step=self.index))
            elif self.store.drafts.exists(DRAFT):
                self.store.drafts.delete(DRAFT)
            self.dismiss(None)

        self.app.push_screen(
            ChoiceScreen(
                "Keep this as a draft to continue later? (esc: back to the wizard)",
                yes="Keep draft",
                no="Discard",
            ),
            answer,
        )

    def action_save_template(self) -> None:
        from pydantic import ValidationError

        from store.documents.template import Template
        from store.errors import StoreError

        def named(name: str | None) -> None:
            if not name:
                return
            spec = self.draft.spec.model_copy(deep=True)
            spec.masters, spec.workers = [], []
            try:
                self.store.templates.add(
                    Template(
                        name=name, cluster=spec, description=f"from the wizard ({self.draft.name})"
                    )
                )
            except (StoreError, ValidationError) as e:
                self.notify(str(e), severity="error")
                return
            self.notify(f"Template {name} saved", timeout=3)

        self.app.push_screen(NameScreen("Template name:"), named)

    def action_create(self) -> None:
        self.run_worker(self._create(), group="create", exclusive=True, exit_on_error=False)

    async def _create(self) -> None:
        from engine.clusters.service import ClusterService
        from engine.clusters.validate import SpecError
        from engine.errors import RefusedError

        service = ClusterService(self.store, self.settings())
        try:
            checked = service.check(self.draft)
            if checked.spec.offline and checked.spec.image_registry:
                self.notify(f"Asking {checked.spec.image_registry} for the images", timeout=3)
                await asyncio.to_thread(service.check_registry, checked)
            _, op = service.create(self.draft)
        except SpecError as e:
            self.steps()[self.index].show(e.problems)
            return
        except RefusedError as e:
            self.notify(str(e), severity="error", timeout=12)
            return
        if self.store.drafts.exists(DRAFT):
            self.store.drafts.delete(DRAFT)
        start_operation(self.app, self.store, self.settings(), op)
        self.dismiss(op.id)
