"""The footer, fitted to the terminal: a screen's keys in their order while they fit whole, then
`?`, which lists every key. A key is never cut in half at 80 columns."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.events import Resize
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

HELP_ACTION = "app.help"


def _width(key: FooterKey) -> int:
    # compact: "key description" and one column between keys
    return cell_len(key.key_display) + 1 + cell_len(key.description) + 1


class KeyFooter(Footer):
    def __init__(self) -> None:
        super().__init__(compact=True, show_command_palette=False)
        self._width = 0

    def compose(self) -> ComposeResult:
        keys = [k for k in super().compose() if isinstance(k, FooterKey)]
        width = self._width or self.app.size.width
        if sum(_width(k) for k in keys) <= width:
            yield from keys
            return
        helps = [k for k in keys if k.action in (HELP_ACTION, "help")]
        for key in helps:
            key.description = "More"
        budget = width - sum(_width(k) for k in helps)
        shown: list[FooterKey] = []
        for key in keys:
            if key in helps:
                continue
            if _width(key) > budget:
                break
            budget -= _width(key)
            shown.append(key)
        yield from shown + helps

    def on_resize(self, event: Resize) -> None:
        if event.size.width != self._width:
            self._width = event.size.width
            self.refresh(recompose=True)
