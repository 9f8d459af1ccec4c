"""Templates, registries and resource packages: add, show, rename, delete from the TUI."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.binding import Binding

from screens.sections.list_section import ListSection
from screens.sections.specs import SectionSpec
from screens.tables import selected_key

if TYPE_CHECKING:
    from store.settings import Settings
    from store.store import Store


class _Deletable(ListSection):
    """x deletes the selected row after a confirmation."""

    BINDINGS = [Binding("x", "delete", "Delete", id="kept.delete")]

    def selected(self) -> str | None:
        return selected_key(self.table)

    def delete_item(self, key: str) -> str:
        """Delete `key`; return an error to show, or ""."""
        raise NotImplementedError

    def action_delete(self) -> None:
        from screens.dialogs import ConfirmScreen

        key = self.selected()
        if key is None:
            return

        def answer(yes: bool | None) -> None:
            if yes:
                error = self.delete_item(key)
                if error:
                    self.notify(error, severity="error", title=self.spec.title)
                self.reload()

        self.app.push_screen(
            ConfirmScreen(f"Delete {self.spec.title.lower().rstrip('s')} {key}?", yes="Delete"),
            answer,
        )


class TemplatesSection(_Deletable):
    BINDINGS = [Binding("r", "rename", "Rename", id="templates.rename")]

    def __init__(self, spec: SectionSpec, store: Store, settings: Callable[[], Settings]) -> None:
        super().__init__(spec, store)
        self.settings = settings

    def add(self) -> None:
        from screens.wizard.screen import WizardScreen

        self.notify(
            "Build the configuration, then save it with ctrl+t on the confirm step.",
            title="Templates",
            timeout=6,
        )
        self.app.push_screen(WizardScreen(self.store, self.settings), lambda _: self.reload())

    def open(self, key: str) -> None:
        import yaml

        from screens.sections.kept_forms import TextScreen

        template = self.store.templates.get(key)
        data = template.model_dump(mode="json", by_alias=True, exclude={"created_at", "updated_at"})
        self.app.push_screen(TextScreen(f"Template {key}", yaml.safe_dump(data, sort_keys=False)))

    def action_rename(self) -> None:
        from screens.wizard.screen import NameScreen

        key = self.selected()
        if key is None:
            return

        def named(new: str | None) -> None:
            if not new or new == key:
                return
            if self.store.templates.exists(new):
                self.notify(f"a template named {new!r} exists", severity="error")
                return
            template = self.store.templates.get(key)
            self.store.templates.add(template.model_copy(update={"name": new}))
            self.store.templates.delete(key)
            self.reload()

        self.app.push_screen(NameScreen(f"New name for template {key}:"), named)

    def delete_item(self, key: str) -> str:
        self.store.templates.delete(key)
        return ""


class RegistriesSection(_Deletable):
    def add(self) -> None:
        from screens.sections.kept_forms import RegistryForm

        self.app.push_screen(RegistryForm(self.store), lambda added: self.reload())

    def open(self, key: str) -> None:
        import yaml

        from screens.sections.kept_forms import TextScreen

        data = self.store.registries.get(key).model_dump(
            mode="json", by_alias=True, exclude={"created_at", "updated_at", "ca_pem"}
        )
        self.app.push_screen(TextScreen(f"Registry {key}", yaml.safe_dump(data, sort_keys=False)))

    def delete_item(self, key: str) -> str:
        from engine.errors import RefusedError
        from engine.registries import records as registries

        try:
            registries.delete(self.store, key)
        except RefusedError as e:
            return str(e)
        return ""


class ResourcesSection(_Deletable):
    def add(self) -> None:
        def done(package: str | None) -> None:
            self.reload()
            if package:
                self.notify(f"Pushed {package}", title="Resources", timeout=4)

        from screens.sections.push import PushScreen

        self.app.push_screen(PushScreen(self.store), done)

    def open(self, key: str) -> None:
        from screens.sections.kept_forms import TextScreen

        pkg = self.store.resources.get(key)
        lines = [f"{pkg.id}: {pkg.type} {pkg.version} {pkg.arch}", f"sha256 {pkg.sha256}", ""]
        lines += [f"{f.path}  {f.size}  {f.sha256[:16]}" for f in pkg.files]
        self.app.push_screen(TextScreen(f"Package {key}", "\n".join(lines), lexer="text"))

    def delete_item(self, key: str) -> str:
        from engine.catalog import resources

        resources.delete(self.store, key)
        return ""
