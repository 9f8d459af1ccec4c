"""Backup points in the TUI: add (a path on the control plane or an S3 bucket), show, delete."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Select, Static

from screens.forms import FormScreen
from screens.sections.kept import _Deletable
from screens.sections.specs import SectionSpec

if TYPE_CHECKING:
    from engine.errors import Problem
    from store.documents.backup import BackupPoint
    from store.settings import Settings
    from store.store import Store

FIELDS = (
    ("Name *", "name", False),
    ("Path on the control-plane nodes (fs) *", "path", False),
    ("S3 endpoint URL (s3) *", "endpoint", False),
    ("S3 bucket (s3; created when missing) *", "bucket", False),
    ("S3 region", "region", False),
    ("S3 access key (s3) *", "access", False),
    ("S3 secret key (s3) *", "secret", True),
    ("Description", "description", False),
)


class BackupPointForm(FormScreen):
    BINDINGS = [Binding("ctrl+s", "save", "Add", id="backup-point.save")]

    FIELDS: ClassVar[dict[str, tuple[str, str]]] = {
        "name": ("Name", "bp-name"),
        "fsPath": ("Path", "bp-path"),
        "s3.endpoint": ("S3 endpoint", "bp-endpoint"),
        "s3.bucket": ("S3 bucket", "bp-bucket"),
        "s3.region": ("S3 region", "bp-region"),
        "s3.accessKey": ("S3 access key", "bp-access"),
        "s3.secretKey": ("S3 secret key", "bp-secret"),
    }

    @dataclass
    class Done(Message):
        error: str
        problems: list[Problem] = field(default_factory=list)

    def __init__(self, store: Store, settings: Callable[[], Settings]) -> None:
        super().__init__()
        self.store = store
        self.settings = settings

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("Add a backup point (ctrl+s adds, esc cancels)", classes="section-title")
            yield Label("Type")
            yield Select(
                [("fs: a path", "fs"), ("s3: a bucket", "s3")],
                value="fs",
                allow_blank=False,
                id="bp-type",
            )
            for label, field_id, secret in FIELDS:
                kind = (
                    "-fs" if "(fs)" in label else "-s3" if "(s3" in label or "S3" in label else ""
                )
                yield Label(label, classes=kind)
                yield Input(id=f"bp-{field_id}", password=secret, classes=kind)
            yield Static("", id="bp-error", classes="form-error")

    def on_mount(self) -> None:
        self.query_one("#bp-region", Input).value = "us-east-1"
        self._show_fields("fs")
        self.query_one("#bp-type", Select).focus()

    @on(Select.Changed, "#bp-type")
    def _type_changed(self, event: Select.Changed) -> None:
        self._show_fields(str(event.value))

    def _show_fields(self, kind: str) -> None:
        """Only the type's own fields are shown, so tab goes through what is on screen."""
        for widget in self.query(".-fs, .-s3"):
            widget.display = widget.has_class(f"-{kind}")

    def _v(self, field_id: str) -> str:
        return self.query_one(f"#bp-{field_id}", Input).value.strip()

    def point(self) -> BackupPoint:
        from store.documents.backup import BackupPoint, S3Target

        if self.query_one("#bp-type", Select).value == "fs":
            return BackupPoint(
                name=self._v("name"), type="fs", fs_path=self._v("path"),
                description=self._v("description"),
            )  # fmt: skip
        target = S3Target(
            endpoint=self._v("endpoint"),
            bucket=self._v("bucket"),
            region=self._v("region") or "us-east-1",
            access_key=self._v("access"),
            secret_key=self.query_one("#bp-secret", Input).value,
            tls=self._v("endpoint").startswith("https://"),
        )
        return BackupPoint(
            name=self._v("name"), type="s3", s3=target, description=self._v("description")
        )

    def action_save(self) -> None:
        if self.query_one("#bp-type", Select).value == "fs" and not self._v("path"):
            self.show_error("path: required, an absolute path on every control-plane node")
            return
        self.show_error("Checking...")
        self.add(self.point())

    @work(thread=True, exclusive=True, group="backup-point", exit_on_error=False)
    def add(self, point: BackupPoint) -> None:
        """A thread: an S3 point is checked against its endpoint before it is stored."""
        from engine.backups.points import BackupPointError, BackupPointService

        try:
            BackupPointService(self.store, self.settings()).add(point)
        except BackupPointError as e:
            self.post_message(self.Done(str(e), e.problems))
            return
        self.post_message(self.Done(""))

    def on_backup_point_form_done(self, message: Done) -> None:
        if message.problems:
            self.show_problems(message.problems)
            return
        if message.error:
            self.show_error(message.error)
            return
        self.dismiss(True)


class BackupPointEditForm(FormScreen):
    """FS points change only their description; S3 points also their credentials (checked)."""

    FIELDS = BackupPointForm.FIELDS

    DEFAULT_CSS = "BackupPointEditForm > VerticalScroll { height: auto; max-height: 90%; }"
    BINDINGS = [Binding("ctrl+s", "save", "Save", id="backup-point-edit.save")]

    def __init__(self, store: Store, settings: Callable[[], Settings], name: str) -> None:
        super().__init__()
        self.store = store
        self.settings = settings
        self.point = store.backup_points.get(name)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(
                f"Edit backup point {self.point.name} (ctrl+s saves, esc cancels)",
                classes="section-title",
            )
            yield Label("Description")
            yield Input(self.point.description, id="bp-description")
            if self.point.s3 is not None:
                yield Label("S3 access key")
                yield Input(self.point.s3.access_key, id="bp-access")
                yield Label("S3 secret key (empty keeps the stored one)")
                yield Input(id="bp-secret", password=True)
            yield Static("", id="bp-error", classes="form-error")

    def action_save(self) -> None:
        self.show_error("Checking...")
        s3 = self.point.s3 is not None
        self.save(
            self.query_one("#bp-description", Input).value.strip(),
            self.query_one("#bp-access", Input).value.strip() if s3 else None,
            self.query_one("#bp-secret", Input).value if s3 else None,
        )

    @work(thread=True, exclusive=True, group="backup-point", exit_on_error=False)
    def save(self, description: str, access: str | None, secret: str | None) -> None:
        from engine.backups.points import BackupPointError, BackupPointService

        changed_access = (
            access if access and self.point.s3 and access != self.point.s3.access_key else None
        )
        try:
            BackupPointService(self.store, self.settings()).edit(
                self.point.name, description, changed_access, secret or None
            )
        except BackupPointError as e:
            self.post_message(BackupPointForm.Done(str(e), e.problems))
            return
        self.post_message(BackupPointForm.Done(""))

    def on_backup_point_form_done(self, message: BackupPointForm.Done) -> None:
        if message.problems:
            self.show_problems(message.problems)
            return
        if message.error:
            self.show_error(message.error)
            return
        self.dismiss(True)


class BackupPointsSection(_Deletable):
    BINDINGS = [Binding("e", "edit", "Edit", id="backup-points.edit")]

    def __init__(self, spec: SectionSpec, store: Store, settings: Callable[[], Settings]) -> None:
        super().__init__(spec, store)
        self.settings = settings

    def add(self) -> None:
        self.app.push_screen(BackupPointForm(self.store, self.settings), lambda _: self.reload())

    def action_edit(self) -> None:
        key = self.selected()
        if key is not None:
            self.app.push_screen(
                BackupPointEditForm(self.store, self.settings, key), lambda _: self.reload()
            )

    def open(self, key: str) -> None:
        import yaml

        from screens.sections.kept_forms import TextScreen

        data = self.store.backup_points.get(key).model_dump(
            mode="json", by_alias=True, exclude={"created_at", "updated_at"}
        )
        if data.get("s3"):
            data["s3"].pop("caPem", None)
        self.app.push_screen(
            TextScreen(f"Backup point {key}", yaml.safe_dump(data, sort_keys=False))
        )

    def delete_item(self, key: str) -> str:
        from engine.backups.points import BackupPointError, BackupPointService

        try:
            BackupPointService(self.store, self.settings()).delete(key)
        except BackupPointError as e:
            return str(e)
        return ""
