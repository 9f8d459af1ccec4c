"""The upgrade action of a cluster's screen: only the versions the rules allow are offered
(the others listed with why not), the plan is summed up, confirmed, and run after the
pre-upgrade backup when the cluster has a backup point."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding

from screens.clusters.tab_actions import TabActions


class UpgradeAction(TabActions):
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("U", "upgrade", "Upgrade", id="cluster.upgrade", tooltip="Upgrade Kubernetes"),
    ]

    def action_upgrade(self) -> None:
        from engine.clusters.upgrade import UpgradeService
        from screens.clusters.attach import Picker

        cluster = self.store.clusters.get(self.cluster_name)
        current = cluster.status.kubernetes_version or cluster.spec.kubernetes_version
        offered = UpgradeService(self.store, self.settings()).offered(cluster)
        allowed = [(v, v) for v, why in offered if not why]
        missing = "\n".join(f"  {v}: {why}" for v, why in offered if why and v != current)
        prompt = f"Upgrade {self.cluster_name} from {current} to:"
        if missing:
            prompt += f"\n\nNot offered:\n{missing}\n"
        self.app.push_screen(
            Picker(prompt, allowed, empty="No version can be upgraded to now."),
            self._chosen,
        )

    def _chosen(self, target: str | None) -> None:
        if target:
            self.run_worker(self._confirm(target), group="upgrade", exclusive=True)

    async def _confirm(self, target: str) -> None:
        from engine.catalog.online import Online
        from engine.clusters.plan.upgrade import plan_upgrade
        from engine.clusters.upgrade import UpgradeService
        from engine.errors import RefusedError
        from screens.dialogs import ConfirmScreen

        self.notify(f"Checking {self.cluster_name}'s nodes for {target}", timeout=3)
        service = UpgradeService(self.store, self.settings())
        try:
            cluster = await service.check(self.cluster_name, target)
        except RefusedError as e:
            said = "; ".join(p.message for p in e.problems) or str(e)
            self.notify(said, severity="error", timeout=12)
            return
        plan = plan_upgrade(cluster, target, self.store, Online.from_settings(self.settings()))
        point = cluster.spec.backup_point
        backup = f"An etcd backup to {point} is made first.\n" if point else ""
        steps = "\n".join(f"  {i}. {s.title or s.name}" for i, s in enumerate(plan.steps, 1))
        question = (
            f"Upgrade {self.cluster_name} from {cluster.spec.kubernetes_version} to {target}? "
            f"Every node is drained in turn.\n{backup}\n{steps}"
        )

        def answer(yes: bool | None) -> None:
            if yes:
                self.run_worker(self._start(target), group="upgrade", exclusive=True)

        self.app.push_screen(ConfirmScreen(question, yes="Upgrade"), answer)

    async def _start(self, target: str) -> None:
        from engine.backups.service import BackupService
        from engine.clusters.upgrade import UpgradeService
        from engine.errors import RefusedError
        from engine.execution.detached import run_detached
        from store.documents.operation import OperationStatus

        try:
            if self.store.clusters.get(self.cluster_name).spec.backup_point:
                self.notify("Backing up etcd before the upgrade", timeout=4)
                backups = BackupService(self.store, self.settings())
                _, backup_op = await backups.prepare(
                    self.cluster_name, "pre-upgrade", f"made before the upgrade to {target}"
                )
                done = await run_detached(self.store, backup_op)
                if done.status != OperationStatus.SUCCEEDED:
                    self.notify(
                        f"The pre-upgrade backup failed ({done.error}); nothing was upgraded",
                        severity="error",
                        timeout=12,
                    )
                    return
            op = await UpgradeService(self.store, self.settings()).operation(
                self.cluster_name, target
            )
        except RefusedError as e:
            said = "; ".join(p.message for p in e.problems) or str(e)
            self.notify(said, severity="error", timeout=12)
            return
        self._follow(op.id)
