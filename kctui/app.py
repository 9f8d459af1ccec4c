"""The application: built by `make_app` from settings and a store, so tests can pass their own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

import assets
from screens.commands import NavigationProvider
from screens.help import HelpScreen, key_rows
from screens.main import MainScreen
from screens.workers import ReportsFailedWorkers

if TYPE_CHECKING:
    from store.settings import Settings
    from store.store import Store


class KctuiApp(ReportsFailedWorkers, App[None]):
    TITLE = "kctui"
    CSS_PATH = str(assets.path("kctui.tcss"))
    COMMANDS = App.COMMANDS | {NavigationProvider}
    BINDINGS = [
        Binding("question_mark,f1", "help", "Help", id="app.help", tooltip="List every key"),
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Leave kctui"),
        Binding(
            "ctrl+p",
            "command_palette",
            "Command palette",
            show=False,
            priority=True,
            id="app.palette",
            tooltip="Jump to any section or command",
        ),
    ]

    def __init__(self, store: Store, settings: Settings | None = None) -> None:
        super().__init__()
        self.store = store
        self._settings = settings

    @property
    def settings(self) -> Settings:
        # Read on first use, not before the first frame: pydantic and YAML cost start-up time.
        if self._settings is None:
            from store.settings import load_settings

            self._settings = load_settings(self.store.data_dir)
        return self._settings

    recover_on_start = False
    scheduler_on_start = False

    def on_mount(self) -> None:
        if self.recover_on_start:
            # After the first frame: the check loads the engine, which costs start-up time.
            self.set_timer(0.05, self.recover_interrupted)
        if self.scheduler_on_start:
            self.set_timer(1.0, self.start_scheduler)

    def start_scheduler(self) -> None:
        """Scheduled backups run while the TUI is open (and in `kctui daemon`); the store's
        lease keeps two schedulers from running the same job."""
        import asyncio

        from engine.backups.scheduler import Scheduler

        scheduler = Scheduler(self.store, self.settings)
        self.run_worker(
            scheduler.run_forever(asyncio.Event()), group="scheduler", exit_on_error=False
        )
        from engine.clusters import certs

        def warn(cluster: str, left: int) -> None:
            said = "have expired" if left < 0 else f"expire in {left} days"
            self.notify(
                f"{cluster}: control-plane certificates {said}; renew them from its screen "
                "(Certificates tab) or: kctui cluster certs renew",
                title="Certificates",
                severity="error" if left < 0 else "warning",
                timeout=15,
            )

        self.run_worker(
            certs.watch(self.store, self.settings, asyncio.Event(), warn),
            group="certs",
            exit_on_error=False,
        )

    def recover_interrupted(self) -> None:
        """Operations left `running` by a kctui that died become `interrupted`, resumable."""
        from engine.operations import recover

        for op_id in recover(self.store):
            self.notify(
                f"Operation {op_id} was interrupted; retry it to resume.",
                title="Operations",
                severity="warning",
                timeout=10,
            )

    async def action_quit(self) -> None:
        """Quit; operations started here go on in their own processes, and we say so."""
        from engine.execution.detached import running
        from screens.wizard.screen import WizardScreen

        said = []
        if any(isinstance(s, WizardScreen) and s.keep_draft() for s in self.screen_stack):
            said.append("kctui: the wizard's input is kept as a draft; `a` on Clusters reopens it.")
        going = running(self.store)
        if going:
            said.append(
                f"kctui: {len(going)} operation(s) go on in the background: "
                + ", ".join(f"{o.id} ({o.type} {o.cluster})" for o in going)
                + ". Follow one with: kctui operation logs OP --follow"
            )
        self.exit(message="\n".join(said) or None)

    def get_default_screen(self) -> Screen[None]:
        return MainScreen(self.store, lambda: self.settings)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(key_rows(self.screen)))


def make_app(store: Store, settings: Settings | None = None) -> KctuiApp:
    """The TUI over `store`; `settings` default to the store's settings.yaml, read lazily."""
    return KctuiApp(store, settings)
