"""Pushing resource packages: a path typed or picked in a file tree, a file or a directory of
them; each verified, then copied, with a progress bar."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Input, ProgressBar, Static

from screens.workers import ReportsFailedWorkers

if TYPE_CHECKING:
    from store.store import Store


class PackageTree(DirectoryTree):
    """Directories and package archives only."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [
            p
            for p in paths
            if not p.name.startswith(".") and (p.is_dir() or p.name.endswith(".tar.gz"))
        ]


class PushScreen(ReportsFailedWorkers, ModalScreen[str | None]):
    """Dismisses with what was pushed (for the list to say), or None."""

    DEFAULT_CSS = """
    PushScreen { align: center middle; }
    PushScreen > Vertical { width: 90; max-width: 100%; height: 90%; border: round $accent;
        background: $surface; padding: 0 1; }
    PushScreen PackageTree { height: 1fr; }
    PushScreen #push-hint { height: auto; color: $text-muted; padding: 0 1; }
    PushScreen #push-status { height: auto; max-height: 6; }
    PushScreen #push-status.-error { color: $text-error; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="push.cancel")]

    @dataclass
    class Progress(Message):
        name: str
        done: int
        total: int

    @dataclass
    class Finished(Message):
        pushed: list[str]
        errors: list[str]

    def __init__(self, store: Store, start: Path | None = None) -> None:
        super().__init__()
        self.store = store
        self.start = start or Path.cwd()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Push packages (enter pushes, esc cancels)", classes="section-title")
            yield Static(
                "A package file or a directory of them. Below, enter on a file pushes it; on a "
                "directory it fills the field.",
                id="push-hint",
            )
            yield Input(
                placeholder=f"e.g. {self.start}/kubernetes-v1.28.15-amd64.tar.gz", id="push-path"
            )
            yield PackageTree(self.start, id="push-tree")
            yield ProgressBar(total=100, id="push-progress")
            yield Static("", id="push-status")

    def on_mount(self) -> None:
        self.query_one("#push-path", Input).focus()

    @on(Input.Submitted, "#push-path")
    def _typed(self, event: Input.Submitted) -> None:
        self._start(Path(event.value.strip()).expanduser())

    @on(DirectoryTree.FileSelected)
    def _file_picked(self, event: DirectoryTree.FileSelected) -> None:
        self.query_one("#push-path", Input).value = str(event.path)
        self._start(event.path)

    @on(DirectoryTree.DirectorySelected)
    def _directory_picked(self, event: DirectoryTree.DirectorySelected) -> None:
        self.query_one("#push-path", Input).value = str(event.path)

    def _start(self, path: Path) -> None:
        status = self.query_one("#push-status", Static)
        status.remove_class("-error")
        status.update(f"Verifying {path}...")
        self.push(path)

    @work(thread=True, exclusive=True, group="push", exit_on_error=False)
    def push(self, path: Path) -> None:
        from engine.catalog import resources
        from engine.errors import RefusedError

        def progress(archive: Path, done: int, total: int) -> None:
            self.post_message(self.Progress(archive.name, done, total))

        try:
            results = resources.push_all(self.store, [path], progress)
        except RefusedError as e:
            self.post_message(self.Finished([], [str(e)]))
            return
        pushed = [f"{pkg.id}" + (f" ({said})" if said else "") for _, pkg, said in results if pkg]
        errors = [said for _, pkg, said in results if pkg is None]
        self.post_message(self.Finished(pushed, errors))

    def on_push_screen_progress(self, message: Progress) -> None:
        self.query_one("#push-progress", ProgressBar).update(
            total=message.total, progress=message.done
        )
        self.query_one("#push-status", Static).update(f"Copying {message.name}...")

    def on_push_screen_finished(self, message: Finished) -> None:
        status = self.query_one("#push-status", Static)
        if message.errors:
            done = f"Pushed {', '.join(message.pushed)}. " if message.pushed else ""
            status.update(done + "\n".join(message.errors))
            status.add_class("-error")
            return
        self.dismiss(", ".join(message.pushed))
