"""The Plugins tab's actions on a cluster's screen: add an NFS or Ceph RBD class (the wizard's
entry forms), make the selected class the default, remove it (refused while claims use it),
and save the cluster's storage as a template."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.binding import Binding
from textual.widgets import DataTable

from screens.clusters.tab_actions import TabActions
from screens.tables import selected_key

if TYPE_CHECKING:
    pass

PLUGIN_ACTIONS = {"add_plugin", "remove_plugin", "default_plugin", "save_storage_template"}


class PluginActions(TabActions):
    BINDINGS: ClassVar[list[Any]] = [
        Binding("a", "add_plugin", "Add storage", id="plugins.add"),
        Binding("d", "default_plugin", "Default", id="plugins.default",
                tooltip="Make the selected class the default"),
        Binding("x", "remove_plugin", "Remove", id="plugins.remove"),
        Binding("T", "save_storage_template", "Storage template", id="plugins.template",
                tooltip="Save the cluster's storage as a template"),
    ]  # fmt: skip

    def _selected_class(self) -> str | None:
        key = selected_key(self.query_one("#cluster-plugins", DataTable))
        return key.split("/", 1)[1] if key else None

    def action_add_plugin(self) -> None:
        from screens.clusters.attach import Picker
        from screens.wizard.storage import CEPH_FIELDS, NFS_FIELDS, EntryForm, ceph_entry, nfs_entry

        def entered(kind: str, values: dict[str, str] | None) -> None:
            if not values:
                return
            from pydantic import ValidationError

            from engine.clusters.storage import StorageService
            from engine.errors import RefusedError
            from store.documents.cluster import StorageSpec

            entry = nfs_entry(values) if kind == "nfs" else ceph_entry(values)
            try:
                extra = StorageSpec.model_validate({kind: [entry]})
                op = StorageService(self.store, self.settings()).add(self.cluster_name, extra)
            except ValidationError as e:
                first = e.errors()[0]
                self.notify(f"{first['loc'][-1]}: {first['msg']}", severity="error")
                return
            except RefusedError as e:
                self.notify(str(e), severity="error", timeout=10)
                return
            self._follow(op.id)

        def chosen(kind: str | None) -> None:
            if kind == "nfs":
                self.app.push_screen(
                    EntryForm("NFS entry", NFS_FIELDS), lambda v: entered("nfs", v)
                )
            elif kind == "ceph":
                self.app.push_screen(
                    EntryForm("Ceph RBD entry", CEPH_FIELDS), lambda v: entered("ceph", v)
                )

        self.app.push_screen(
            Picker(
                f"A storage plugin for {self.cluster_name}.",
                [("NFS (a provisioner on an NFS export)", "nfs"), ("Ceph RBD (ceph-csi)", "ceph")],
            ),
            chosen,
        )

    def action_default_plugin(self) -> None:
        from engine.clusters.storage import StorageService
        from engine.errors import RefusedError

        name = self._selected_class()
        if name is None:
            return
        try:
            op = StorageService(self.store, self.settings()).set_default(self.cluster_name, name)
        except RefusedError as e:
            self.notify(str(e), severity="error")
            return
        self._follow(op.id)

    def action_remove_plugin(self) -> None:
        from screens.dialogs import ConfirmScreen

        name = self._selected_class()
        if name is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.run_worker(self._remove(name), group="plugins", exit_on_error=False)

        self.app.push_screen(
            ConfirmScreen(
                f"Delete storage class {name} and what serves it from {self.cluster_name}? "
                "Refused while claims use it.",
                yes="Delete",
            ),
            confirmed,
        )

    async def _remove(self, name: str) -> None:
        from engine.clusters.storage import StorageService
        from engine.errors import RefusedError

        self.notify(f"Asking {self.cluster_name} for claims of {name}", timeout=3)
        try:
            op = await StorageService(self.store, self.settings()).remove(self.cluster_name, name)
        except RefusedError as e:
            self.notify(str(e), severity="error", timeout=12)
            return
        self._follow(op.id)

    def action_save_storage_template(self) -> None:
        from screens.wizard.screen import NameScreen
        from store.documents.template import Template

        cluster = self.store.clusters.get(self.cluster_name)
        if not cluster.spec.storage.nfs and not cluster.spec.storage.ceph:
            self.notify(f"{self.cluster_name} has no storage plugin to save", severity="warning")
            return

        def named(name: str | None) -> None:
            if not name:
                return
            if self.store.templates.exists(name):
                self.notify(f"a template named {name!r} exists", severity="error")
                return
            self.store.templates.add(
                Template(
                    name=name,
                    type="storage",
                    storage=cluster.spec.storage,
                    description=f"storage of {self.cluster_name}",
                )
            )
            self.notify(f"Storage template {name} saved", timeout=3)

        self.app.push_screen(NameScreen("Storage template name:"), named)
