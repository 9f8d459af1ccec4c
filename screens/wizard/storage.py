"""Step 5, storage: several NFS and Ceph RBD entries, and the default storage class."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Select, Static

from engine import grammar
from screens.tables import selected_key
from screens.wizard.base import WizardStep, error_id, field

if TYPE_CHECKING:
    from engine.errors import Problem
    from store.documents.cluster import Cluster, StorageSpec

# (key, label, default, secret)
NFS_FIELDS = (
    ("serverAddr", "NFS server address *", "", False),
    ("sharedPath", "Shared path *", "", False),
    ("storageClassName", "Storage class name", "nfs-sc", False),
    ("reclaimPolicy", "Reclaim policy (Delete or Retain)", "Delete", False),
    ("archiveOnDelete", "Archive on delete (yes or no)", "no", False),
    ("mountOptions", "Mount options (comma separated, e.g. nfsvers=4.1)", "", False),
    ("replicas", "Provisioner replicas", "1", False),
)
CEPH_FIELDS = (
    ("monitors", "Monitors * (host:port, comma separated)", "", False),
    ("clusterID", "Cluster ID", "", False),
    ("pool", "Pool", "rbd", False),
    ("user", "User", "admin", False),
    ("key", "Key *", "", True),
    ("storageClassName", "Storage class name", "ceph-rbd", False),
)


def nfs_entry(values: dict[str, str]) -> dict[str, object]:
    """An NFS entry of the storage spec from the NFS form's values."""
    return {
        "serverAddr": values["serverAddr"],
        "sharedPath": values["sharedPath"],
        "storageClassName": values["storageClassName"] or "nfs-sc",
        "reclaimPolicy": values["reclaimPolicy"] or "Delete",
        "archiveOnDelete": values["archiveOnDelete"].lower() in ("yes", "true", "y"),
        "mountOptions": grammar.split_list(values["mountOptions"]),
        "replicas": int(values["replicas"]) if values["replicas"].isdigit() else 1,
    }


def ceph_entry(values: dict[str, str]) -> dict[str, object]:
    """A Ceph RBD entry of the storage spec from the Ceph form's values."""
    return {
        "monitors": grammar.split_list(values["monitors"]),
        "clusterID": values["clusterID"],
        "pool": values["pool"] or "rbd",
        "user": values["user"] or "admin",
        "key": values["key"],
        "storageClassName": values["storageClassName"] or "ceph-rbd",
    }


class EntryForm(ModalScreen[dict[str, str] | None]):
    DEFAULT_CSS = """
    EntryForm { align: center middle; }
    EntryForm > VerticalScroll { width: 72; max-width: 100%; height: 80%; border: round $accent;
        background: $surface; padding: 0 1; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Add", id="entry.save"),
        Binding("escape", "dismiss", "Cancel", id="entry.cancel"),
    ]

    def __init__(self, title: str, fields: tuple[tuple[str, str, str, bool], ...]) -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(f"{self.title_text}  (ctrl+s adds, esc cancels)", classes="section-title")
            for key, label, default, secret in self.fields:
                yield Label(label)
                yield Input(value=default, password=secret, id=f"entry-{key}")

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def action_save(self) -> None:
        self.dismiss(
            {key: self.query_one(f"#entry-{key}", Input).value.strip() for key, *_ in self.fields}
        )


class StorageStep(WizardStep):
    help_where = "on the storage step"
    TITLE = "Storage"
    OWNS = ("spec.storage",)
    BINDINGS = [
        Binding("n", "add_nfs", "Add NFS", id="wizard.storage.nfs"),
        Binding("c", "add_ceph", "Add Ceph", id="wizard.storage.ceph"),
        Binding("x", "remove", "Remove entry", id="wizard.storage.remove"),
    ]

    def __init__(self, store: Any) -> None:
        super().__init__(store)
        self.nfs: list[dict[str, Any]] = []
        self.ceph: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield Static(
            "n adds an NFS entry, c a Ceph RBD entry, x removes the selected one.", classes="hint"
        )
        templates = [(t.name, t.name) for t in self.store.templates.list() if t.type == "storage"]
        if templates:
            yield from field(
                "Fill from a storage template",
                "storage-template",
                widget=Select(templates, prompt="none", id="in-storage-template"),
            )
        table: DataTable[str] = DataTable(cursor_type="row", id="storage-entries")
        table.add_columns("Type", "Storage class", "Target")
        yield table
        yield Static("", id=error_id("spec.storage.nfs"), classes="field-error")
        yield Static("", id=error_id("spec.storage.ceph"), classes="field-error")
        yield from field(
            "Default storage class",
            "spec.storage.defaultStorageClass",
            widget=Select([], prompt="none", id="in-default-sc"),
        )

    def _render_entries(self) -> None:
        table = self.query_one("#storage-entries", DataTable)
        table.clear()
        for i, e in enumerate(self.nfs):
            table.add_row(
                "NFS", e["storageClassName"], f"{e['serverAddr']}:{e['sharedPath']}", key=f"nfs-{i}"
            )
        for i, e in enumerate(self.ceph):
            table.add_row(
                "Ceph RBD", e["storageClassName"], ", ".join(e["monitors"]), key=f"ceph-{i}"
            )
        select = self.query_one("#in-default-sc", Select)
        current = select.value
        names = [e["storageClassName"] for e in self.nfs + self.ceph]
        select.set_options([(n, n) for n in names])
        if isinstance(current, str) and current in names:
            select.value = current

    def action_add_nfs(self) -> None:
        def done(values: dict[str, str] | None) -> None:
            if values:
                self.nfs.append(nfs_entry(values))
                self._render_entries()

        self.app.push_screen(EntryForm("NFS entry", NFS_FIELDS), done)

    def action_add_ceph(self) -> None:
        def done(values: dict[str, str] | None) -> None:
            if values:
                self.ceph.append(ceph_entry(values))
                self._render_entries()

        self.app.push_screen(EntryForm("Ceph RBD entry", CEPH_FIELDS), done)

    def action_remove(self) -> None:
        key = selected_key(self.query_one("#storage-entries", DataTable))
        if key is None:
            return
        kind, index = key.split("-")
        (self.nfs if kind == "nfs" else self.ceph).pop(int(index))
        self._render_entries()

    @on(Select.Changed, "#in-default-sc")
    def _default(self) -> None:
        pass

    @on(Select.Changed, "#in-storage-template")
    def _from_template(self, event: Select.Changed) -> None:
        if not isinstance(event.value, str):
            return
        template = self.store.templates.find(event.value)
        if template is not None and template.storage is not None:
            self._fill(template.storage)
            self.notify(f"Storage entries of template {event.value}", timeout=3)

    def load(self, cluster: Cluster) -> None:
        self._fill(cluster.spec.storage)

    def _fill(self, storage: StorageSpec) -> None:
        self.nfs = [n.model_dump(by_alias=True) for n in storage.nfs]
        self.ceph = [
            dict(c.model_dump(by_alias=True), key=c.key.reveal() if c.key else "")
            for c in storage.ceph
        ]
        self._render_entries()
        if storage.default_storage_class:
            with contextlib.suppress(Exception):
                self.query_one("#in-default-sc", Select).value = storage.default_storage_class

    def apply(self, cluster: Cluster) -> list[Problem]:
        from pydantic import ValidationError

        from engine.errors import Problem
        from store.documents.cluster import CephStorage, NFSStorage

        problems = []
        storage = cluster.spec.storage
        storage.nfs, storage.ceph = [], []
        for i, e in enumerate(self.nfs):
            try:
                storage.nfs.append(NFSStorage.model_validate(e))
            except ValidationError as err:
                problems.append(Problem(f"spec.storage.nfs[{i}]", str(err.errors()[0]["msg"])))
        for i, e in enumerate(self.ceph):
            try:
                storage.ceph.append(CephStorage.model_validate({**e, "key": e["key"] or None}))
            except ValidationError as err:
                problems.append(Problem(f"spec.storage.ceph[{i}]", str(err.errors()[0]["msg"])))
        value = self.query_one("#in-default-sc", Select).value
        storage.default_storage_class = value if isinstance(value, str) else ""
        return problems
