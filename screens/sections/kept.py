"""Templates, registries and resource packages: add, show, rename, delete from the TUI."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work
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

    NOUN = "item"  # the list's thing, in the singular

    def delete_item(self, key: str) -> str:
        """Delete `key`; return an error to show, or ""."""
        raise NotImplementedError

    def refuse_delete(self, key: str) -> str:
        """Why `key` cannot be deleted, said before asking; "" when it can."""
        return ""

    def action_delete(self) -> None:
        from screens.dialogs import ConfirmScreen

        key = self.selected()
        if key is None:
            return
        refused = self.refuse_delete(key)
        if refused:
            self.notify(refused, severity="warning", title=self.spec.title)
            return

        def answer(yes: bool | None) -> None:
            if yes:
                error = self.delete_item(key)
                if error:
                    self.notify(error, severity="error", title=self.spec.title)
                self.reload()

        self.app.push_screen(
            ConfirmScreen(f"Delete {self.NOUN} {key}?", yes="Delete"),
            answer,
        )


class TemplatesSection(_Deletable):
    NOUN = "template"
    BINDINGS = [Binding("r", "rename", "Rename", id="templates.rename")]

    def __init__(self, spec: SectionSpec, store: Store, settings: Callable[[], Settings]) -> None:
        super().__init__(spec, store)
        self.settings = settings

    def add(self) -> None:
        from screens.wizard.template_editor import TemplateEditorScreen

        self.notify(
            "Set the configuration, CNI and storage, then save it with ctrl+s on the last step.",
            title="Templates",
            timeout=6,
        )
        self.app.push_screen(
            TemplateEditorScreen(self.store, self.settings), lambda _: self.reload()
        )

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
    NOUN = "registry"
    BINDINGS = [
        Binding(
            "p",
            "push",
            "Push images",
            id="registries.push",
            tooltip="Push packages' images into the selected registry",
        ),
        Binding(
            "i",
            "images",
            "List images",
            id="registries.images",
            tooltip="The images the selected registry holds",
        ),
        Binding(
            "u",
            "undeploy",
            "Undeploy",
            id="registries.undeploy",
            tooltip="Stop and remove the registry kctui deployed on a node",
        ),
    ]

    def __init__(self, spec: SectionSpec, store: Store, settings: Callable[[], Settings]) -> None:
        super().__init__(spec, store)
        self.settings = settings

    def deploy(self) -> None:
        """What `d` does on the registries list (the main screen binds it)."""
        from screens.sections.registry_forms import RegistryDeployForm

        form = RegistryDeployForm(self.store, self.settings)

        def done(stored: bool | None) -> None:
            self.reload()
            if stored and form.started:
                self._follow(form.started)

        self.app.push_screen(form, done)

    def _follow(self, op_id: str) -> None:
        from screens.operations import start_operation
        from screens.oplog.screen import OperationLogScreen

        start_operation(self.app, self.store, self.settings(), self.store.operations.get(op_id))
        self.app.push_screen(OperationLogScreen(self.store, op_id), lambda _: self.reload())

    def action_push(self) -> None:
        from screens.sections.registry_forms import RegistryPushScreen

        key = self.selected()
        if key is None:
            return

        def done(pushed: str | None) -> None:
            if pushed:
                self.notify(f"Pushed {pushed} to {key}; each digest checked", title="Registries")

        self.app.push_screen(RegistryPushScreen(self.store, key), done)

    def action_images(self) -> None:
        key = self.selected()
        if key is not None:
            self.notify(f"Asking {key} for its images", timeout=2)
            self.list_images(key)

    @work(thread=True, exclusive=True, group="registry-images", exit_on_error=False)
    def list_images(self, key: str) -> None:
        from engine.errors import RefusedError
        from engine.registries.api import RegistryClient

        try:
            images = RegistryClient(self.store.registries.get(key)).images()
        except RefusedError as e:
            self.app.call_from_thread(self.notify, str(e), severity="error", title="Registries")
            return
        text = "\n".join(images) or "(no images)"
        self.app.call_from_thread(self._show_images, key, text, len(images))

    def _show_images(self, key: str, text: str, count: int) -> None:
        from screens.sections.kept_forms import TextScreen

        self.app.push_screen(TextScreen(f"Registry {key}: {count} image(s)", text, lexer="text"))

    def action_undeploy(self) -> None:
        from screens.dialogs import ConfirmScreen

        key = self.selected()
        if key is None:
            return
        registry = self.store.registries.get(key)
        if not registry.node:
            self.notify(
                f"{key} is not deployed by kctui; x deletes it from the list",
                severity="warning",
                title="Registries",
            )
            return

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            from engine.errors import RefusedError
            from engine.registries.service import RegistryService

            try:
                op = RegistryService(self.store, self.settings()).undeploy_operation(registry.node)
            except RefusedError as e:
                said = "; ".join(p.message for p in e.problems) or str(e)
                self.notify(said, severity="error", title="Registries")
                return
            self._follow(op.id)

        self.app.push_screen(
            ConfirmScreen(
                f"Stop registry {key} on {registry.node} and remove it with the images it holds?",
                yes="Undeploy",
            ),
            answer,
        )

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

    def refuse_delete(self, key: str) -> str:
        registry = self.store.registries.find(key)
        if registry is not None and registry.node:
            return f"{key} runs on node {registry.node}: u undeploys it (and removes it here)"
        return ""

    def delete_item(self, key: str) -> str:
        from engine.errors import RefusedError
        from engine.registries import records as registries

        try:
            registries.delete(self.store, key)
        except RefusedError as e:
            return str(e)
        return ""


class ResourcesSection(_Deletable):
    NOUN = "package"

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
