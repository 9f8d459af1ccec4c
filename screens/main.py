"""The main screen: a sidebar of sections (keys 1-7) beside the selected section's list."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Header, OptionList
from textual.widgets.option_list import Option

from screens.footer import KeyFooter
from screens.nodes.section import NodesSection
from screens.sections.clusters import ClustersSection
from screens.sections.kept import RegistriesSection, ResourcesSection, TemplatesSection
from screens.sections.list_section import ListSection
from screens.sections.operations import OperationsSection
from screens.sections.specs import BY_ID, SECTIONS, SectionSpec

if TYPE_CHECKING:
    from store.settings import Settings
    from store.store import Store

NAV_BINDINGS: list[BindingType] = [
    Binding(
        s.key,
        f"show_section('{s.id}')",
        f"Go to {s.title}",
        show=False,
        id=f"nav.{s.id}",
        tooltip=f"Show the {s.title.lower()} list",
    )
    for s in SECTIONS
]


class MainScreen(Screen[None]):
    BINDINGS = [
        *NAV_BINDINGS,
        Binding("a", "add", "Add", id="section.add", tooltip="Add to the current list"),
        Binding("r", "reload", "Reload", id="section.reload", tooltip="Read the list again"),
        # here rather than on the registries list, so it works from the sidebar and on an empty
        # list, as `a` does
        Binding(
            "d",
            "deploy",
            "Deploy registry",
            id="registries.deploy",
            tooltip="Run an image registry on a node",
        ),
    ]

    section: reactive[str] = reactive(SECTIONS[0].id, init=False)

    def __init__(self, store: Store, settings: Callable[[], Settings]) -> None:
        super().__init__()
        self.store = store
        self.settings = settings

    def _section(self, spec: SectionSpec) -> ListSection:
        if spec.id == "nodes":
            return NodesSection(spec, self.store, self.settings)
        if spec.id == "clusters":
            return ClustersSection(spec, self.store, self.settings)
        if spec.id == "templates":
            return TemplatesSection(spec, self.store, self.settings)
        if spec.id == "registries":
            return RegistriesSection(spec, self.store, self.settings)
        if spec.id == "backup-points":
            from screens.sections.backup_points import BackupPointsSection

            return BackupPointsSection(spec, self.store, self.settings)
        if spec.id == "resources":
            return ResourcesSection(spec, self.store)
        if spec.id == "operations":
            return OperationsSection(spec, self.store)
        return ListSection(spec, self.store)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal(id="body"):
            yield OptionList(
                *(Option(f"{s.key} {s.title}", id=s.id) for s in SECTIONS), id="sidebar"
            )
            # Only the first section is built now; the others when first shown.
            with ContentSwitcher(initial=SECTIONS[0].id, id="sections"):
                yield self._section(SECTIONS[0])
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = BY_ID[self.section].title
        self.query_one("#sidebar", OptionList).highlighted = 0
        # Rows are read after the first frame, so the screen appears before the store loads.
        self.call_after_refresh(self.current().reload)

    def current(self) -> ListSection:
        return self.query_one(f"#{self.section}", ListSection)

    def action_show_section(self, section_id: str) -> None:
        self.section = section_id

    async def watch_section(self, section_id: str) -> None:
        switcher = self.query_one("#sections", ContentSwitcher)
        try:
            switcher.get_child_by_id(section_id, ListSection)
        except NoMatches:
            await switcher.mount(self._section(BY_ID[section_id]))
        switcher.current = section_id
        self.sub_title = BY_ID[section_id].title
        nav = self.query_one("#sidebar", OptionList)
        nav.highlighted = nav.get_option_index(section_id)
        section = self.current()
        section.reload()
        if not section.has_no_rows and not nav.has_focus:
            section.table.focus()
        self.refresh_bindings()

    @on(OptionList.OptionHighlighted, "#sidebar")
    def _nav_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_id is not None:
            self.section = event.option_id

    @on(OptionList.OptionSelected, "#sidebar")
    def _nav_selected(self, event: OptionList.OptionSelected) -> None:
        section = self.current()
        if not section.has_no_rows:
            section.table.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "add":
            return bool(BY_ID[self.section].add_label)
        if action == "deploy":
            return self.section == "registries"
        return True

    def action_add(self) -> None:
        self.current().add()

    def action_deploy(self) -> None:
        section = self.current()
        if isinstance(section, RegistriesSection):
            section.deploy()

    def action_reload(self) -> None:
        self.current().reload()
