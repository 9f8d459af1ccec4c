"""The application: built by `make_app` from settings and a store, so tests can pass their own."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

import assets
from screens.commands import NavigationProvider
from screens.help import HelpScreen, key_rows
from screens.main import MainScreen
from store.settings import Settings
from store.store import Store


class KctuiApp(App[None]):
    TITLE = "kctui"
    CSS_PATH = str(assets.path("kctui.tcss"))
    COMMANDS = App.COMMANDS | {NavigationProvider}
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help", tooltip="List every key"),
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Leave kctui"),
    ]

    def __init__(self, settings: Settings, store: Store) -> None:
        super().__init__()
        self.settings = settings
        self.store = store

    def get_default_screen(self) -> Screen[None]:
        return MainScreen(self.store)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(key_rows(self.screen)))


def make_app(settings: Settings, store: Store) -> KctuiApp:
    return KctuiApp(settings, store)
