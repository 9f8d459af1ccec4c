"""The Backups and Scheduled backups tabs of a cluster: their tables and what their keys do."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, TabbedContent

from screens.dialogs import ConfirmScreen
from screens.tables import put_rows, selected_key
from store.documents.operation import OperationStatus

if TYPE_CHECKING:
    from store.documents.backup import Backup, CronBackup
    from store.settings import Settings
    from store.store import Store

BACKUP_COLUMNS = ("Backup", "State", "Size", "Kubernetes", "Created", "Description")
SCHEDULE_COLUMNS = ("Schedule", "When", "Keep", "Enabled", "Next run", "Last result")
# Keys shown only on the tab whose selected row they act on ("backup now" works on any tab).
TAB_ACTIONS = {
    "backups": {"restore", "edit_backup", "delete_backup"},
    "schedules": {"add_schedule", "edit_schedule", "toggle_schedule", "delete_schedule"},
}


def local(value: Any) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else "-"


class BackupTabs(Screen[None]):
    """Mixed into the cluster screen, which has the tables #cluster-backups and #cluster-schedules."""

    BINDINGS = [
        Binding("b", "backup_now", "Backup", id="backups.now", tooltip="Back up etcd now"),
        Binding(
            "p",
            "backup_point",
            "Point",
            id="backups.point",
            tooltip="Choose the cluster's backup point",
        ),
        Binding(
            "R", "restore", "Restore", id="backups.restore", tooltip="Restore the selected backup"
        ),
        Binding("u", "edit_backup", "Edit", id="backups.edit", tooltip="Describe the backup"),
        Binding("x", "delete_backup", "Delete", id="backups.delete", tooltip="Delete the backup"),
        Binding("n", "add_schedule", "New", id="schedules.add", tooltip="Schedule backups"),
        Binding("u", "edit_schedule", "Edit", id="schedules.edit", tooltip="Edit the schedule"),
        Binding(
            "space",
            "toggle_schedule",
            "On/off",
            id="schedules.toggle",
            tooltip="Enable or disable the schedule",
        ),
        Binding(
            "x", "delete_schedule", "Delete", id="schedules.delete", tooltip="Delete the schedule"
        ),
    ]
    store: Store
    settings: Callable[[], Settings]
    cluster_name: str

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.store.clusters.exists(self.cluster_name):
            return False  # deleted under this screen: nothing here acts on it any more
        for tab, actions in TAB_ACTIONS.items():
            if action in actions:
                return self.query_one("#tabs", TabbedContent).active == tab
        return True

    def on_tabbed_content_tab_activated(self) -> None:
        self.refresh_bindings()

    def fill_backup_tabs(self) -> None:
        self.show_backups(
            self.store.backups.list(lambda b: b.cluster == self.cluster_name),
            self.store.cron_backups.list(lambda s: s.cluster == self.cluster_name),
        )

    def show_backups(self, backups: list[Backup], schedules: list[CronBackup]) -> None:
        from engine.backups.service import size_text

        put_rows(
            self.query_one("#cluster-backups", DataTable),
            [
                (
                    b.name,
                    (
                        b.name,
                        b.state.value + (f": {b.error}" if b.error else ""),
                        size_text(b.size) if b.size else "-",
                        b.kubernetes_version,
                        local(b.created_at),
                        b.description,
                    ),
                )
                for b in backups
            ],
        )
        rows = []
        for s in schedules:
            last = s.runs[-1] if s.runs else None
            rows.append(
                (
                    s.name,
                    (
                        s.name,
                        s.cron if s.type == "repeat" else f"once {local(s.run_at)}",
                        str(s.keep or "-"),
                        "yes" if s.enabled else "no",
                        local(s.next_run),
                        f"{last.result} {local(last.at)}" if last else "-",
                    ),
                )
            )
        put_rows(self.query_one("#cluster-schedules", DataTable), rows)

    def _selected(self, table_id: str) -> str | None:
        return selected_key(self.query_one(table_id, DataTable))

    def _service(self) -> Any:
        from engine.backups.service import BackupService

        return BackupService(self.store, self.settings())

    # -- backups ------------------------------------------------------------------------

    def action_backup_point(self, then_backup: bool = False) -> None:
        """Choose the cluster's backup point; the path of an fs point is checked on its nodes."""
        from engine.backups.points import BackupPointService
        from engine.errors import RefusedError
        from screens.clusters.attach import Picker
        from store.errors import StoreError

        name = self.cluster_name

        async def attach(point: str) -> None:
            service = BackupPointService(self.store, self.settings())
            try:
                await service.attach_checked(name, point)
            except (RefusedError, StoreError) as e:
                self.notify(str(e), severity="error", title="Backup point")
                return
            self.notify(f"{name}: backup point {point or 'none'}", title="Backup point")
            if then_backup and point:
                self.action_backup_now()

        def chosen(point: str | None) -> None:
            if point is not None:
                self.app.run_worker(attach(point), group="operations", exit_on_error=False)

        current = self.store.clusters.get(name).spec.backup_point
        why = (
            f"{name} has no backup point: choose one, then the backup starts.\n\n"
            if then_backup
            else ""
        )
        options = [
            (f"{p.name}  ({p.type}: {p.fs_path or (p.s3.bucket if p.s3 else '')})", p.name)
            for p in self.store.backup_points.list()
        ]
        self.app.push_screen(
            Picker(
                f"{why}Backup point of {name} (now: {current or 'none'}).",
                options,
                none="none: detach the point" if current else "",
                empty="No backup points yet: add one in Backup points (key 5).",
            ),
            chosen,
        )

    def action_backup_now(self) -> None:
        from engine.errors import RefusedError
        from store.errors import StoreError

        cluster = self.store.clusters.find(self.cluster_name)
        if cluster is not None and not cluster.spec.backup_point:
            self.action_backup_point(then_backup=True)
            return
        service = self._service()

        async def backup() -> None:
            try:
                made, op = await service.create(self.cluster_name)
            except (RefusedError, StoreError) as e:
                self.notify(str(e), severity="error", title="Backup")
                return
            if op.status == OperationStatus.SUCCEEDED:
                self.notify(f"Backup {made.name} is available", title="Backup")
            else:
                self.notify(f"Backup {made.name} failed: {op.error}", severity="error")

        self.notify("Taking a backup...", title="Backup", timeout=3)
        self.app.run_worker(backup(), group="operations", exit_on_error=False)

    def action_restore(self) -> None:
        name = self._selected("#cluster-backups")
        if name is None:
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.app.run_worker(self._restore(name), group="operations", exit_on_error=False)

        self.app.push_screen(
            ConfirmScreen(
                f"Restore {name} to cluster {self.cluster_name}?\n\nThis overwrites the etcd data "
                "of every control-plane node with the backup's: every object made or changed "
                "since the backup is lost.",
                yes="Restore",
            ),
            answer,
        )

    async def _restore(self, name: str) -> None:
        from engine.errors import RefusedError
        from screens.oplog.screen import OperationLogScreen
        from store.errors import StoreError

        service = self._service()
        try:
            op = await service.prepare_restore(self.cluster_name, name)
        except (RefusedError, StoreError) as e:
            self.notify(str(e), severity="error", title="Restore")
            return
        self.app.push_screen(OperationLogScreen(self.store, op.id))
        await service.start(op)

    def action_edit_backup(self) -> None:
        from screens.wizard.screen import NameScreen

        name = self._selected("#cluster-backups")
        if name is None:
            return

        def described(text: str | None) -> None:
            if text is not None:
                self._service().edit(name, text)
                self.fill_backup_tabs()

        self.app.push_screen(NameScreen(f"Description of {name}:"), described)

    def action_delete_backup(self) -> None:
        from engine.errors import RefusedError
        from store.errors import StoreError

        name = self._selected("#cluster-backups")
        if name is None:
            return

        async def delete() -> None:
            try:
                await self._service().delete(name)
            except (RefusedError, StoreError) as e:
                self.notify(str(e), severity="error", title="Backup")
                return
            self.notify(f"Deleted backup {name}", title="Backup")
            self.fill_backup_tabs()

        def answer(yes: bool | None) -> None:
            if yes:
                self.app.run_worker(delete(), exit_on_error=False)

        self.app.push_screen(
            ConfirmScreen(f"Delete backup {name} and its snapshot?", yes="Delete"), answer
        )

    # -- schedules ----------------------------------------------------------------------

    def action_add_schedule(self) -> None:
        from screens.clusters.schedule_form import ScheduleForm

        self.app.push_screen(
            ScheduleForm(self.store, self.cluster_name), lambda _: self.fill_backup_tabs()
        )

    def action_edit_schedule(self) -> None:
        from screens.clusters.schedule_form import ScheduleForm

        name = self._selected("#cluster-schedules")
        if name is not None:
            current = self.store.cron_backups.get(name)
            self.app.push_screen(
                ScheduleForm(self.store, self.cluster_name, current),
                lambda _: self.fill_backup_tabs(),
            )

    def action_toggle_schedule(self) -> None:
        from engine.backups.schedules import ScheduleService

        name = self._selected("#cluster-schedules")
        if name is not None:
            enabled = self.store.cron_backups.get(name).enabled
            ScheduleService(self.store).set_enabled(name, not enabled)
            self.fill_backup_tabs()

    def action_delete_schedule(self) -> None:
        from engine.backups.schedules import ScheduleService

        name = self._selected("#cluster-schedules")
        if name is None:
            return

        def answer(yes: bool | None) -> None:
            if yes:
                ScheduleService(self.store).delete(name)
                self.fill_backup_tabs()

        self.app.push_screen(
            ConfirmScreen(f"Delete schedule {name}? Its backups are kept.", yes="Delete"), answer
        )
