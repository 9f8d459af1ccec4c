"""Choosing a cluster's backup point from its screen, as the command line's cluster set does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

if TYPE_CHECKING:
    from store.store import Store

NONE = "\x00none"


class PointPicker(ModalScreen[str | None]):
    """Dismisses with the chosen point's name, "" for none, or None when cancelled."""

    DEFAULT_CSS = """
    PointPicker { align: center middle; }
    PointPicker > Vertical { width: 64; height: auto; max-height: 80%; border: round $accent;
                             background: $surface; padding: 1 2; }
    PointPicker OptionList { height: auto; max-height: 12; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="point.cancel")]

    def __init__(self, store: Store, cluster: str, why: str = "") -> None:
        super().__init__()
        self.store = store
        self.cluster = cluster
        self.why = why

    def compose(self) -> ComposeResult:
        current = self.store.clusters.get(self.cluster).spec.backup_point
        points = self.store.backup_points.list()
        with Vertical():
            said = f"{self.why}\n\n" if self.why else ""
            yield Static(
                f"{said}Backup point of {self.cluster} (now: {current or 'none'}). "
                "enter chooses, esc cancels."
            )
            options = [
                Option(
                    f"{p.name}  ({p.type}: {p.fs_path or (p.s3.bucket if p.s3 else '')})", id=p.name
                )
                for p in points
            ]
            if current:
                options.append(Option("none: detach the point", id=NONE))
            yield OptionList(*options, id="points")
            if not points:
                yield Static("No backup points yet: add one in Backup points (key 5).")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        chosen = event.option.id or ""
        self.dismiss("" if chosen == NONE else chosen)
