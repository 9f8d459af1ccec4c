"""One node's log of one step: tails the file, keeps a bounded buffer, searches."""

from __future__ import annotations

import re
import textwrap
from collections import deque
from pathlib import Path

from rich.highlighter import Highlighter, RegexHighlighter
from rich.text import Text
from textual.widgets import Log

MAX_LINES = 5000  # the pane's buffer; the whole log stays on disk
PER_POLL = 100  # lines a pane takes per poll in a flood: more than a screen, cheap to draw


class _Plain(Highlighter):
    def highlight(self, text: Text) -> None:
        return None


def search_highlighter(term: str) -> Highlighter:
    class Search(RegexHighlighter):
        base_style = "search."
        highlights = [rf"(?P<match>{re.escape(term)})"]

    return Search()


class NodePane(Log):
    DEFAULT_CSS = """
    NodePane { border: round $primary-muted; height: 1fr; min-height: 4; }
    NodePane:focus { border: round $accent; }
    NodePane.-failed { border: round $error; }
    """

    def __init__(self, node: str, path: Path, *, timestamps: bool) -> None:
        super().__init__(max_lines=MAX_LINES, highlight=False, auto_scroll=True)
        self.node = node
        self.path = path
        self.read_at = 0
        self.partial = b""
        self.skipped = False
        self.raw: deque[str] = deque(maxlen=MAX_LINES)
        self.ingested = 0  # lines read from the file so far (the pane keeps the last MAX_LINES)
        self.timestamps = timestamps
        self.wrap = False
        self.term = ""
        self.border_title = node

    def _shown(self, line: str) -> str:
        if self.timestamps:
            return line
        parts = line.split(" ", 2)
        return parts[2] if len(parts) == 3 else line

    def _display(self, lines: list[str]) -> list[str]:
        """Lines as the pane shows them: without timestamps unless asked, wrapped if asked."""
        shown = [self._shown(line) for line in lines]
        if not self.wrap:
            return shown
        width = max(20, self.scrollable_content_region.width - 1)
        out: list[str] = []
        for line in shown:
            out += textwrap.wrap(line, width, replace_whitespace=False, drop_whitespace=False) or [
                ""
            ]
        return out

    def set_wrap(self, on: bool) -> None:
        self.wrap = on
        self.clear()
        self.write_lines(self._display(list(self.raw)))

    def poll(self) -> int:
        """Take what was appended to the file since the last poll; return the new line count.

        In a flood only the newest lines of each poll reach the pane (the screen shows a few
        dozen); once the file stops growing, the pane is refilled with the file's last lines.
        """
        try:
            with open(self.path, "rb") as f:
                f.seek(self.read_at)
                chunk = f.read()
                self.read_at = f.tell()
        except FileNotFoundError:
            return 0
        if not chunk:
            if self.skipped:
                self._refill()
            return 0
        data = self.partial + chunk
        end = data.rfind(b"\n")
        if end < 0:
            self.partial = data
            return 0
        self.partial = data[end + 1 :]
        complete = data[: end + 1]
        count = complete.count(b"\n")
        self.ingested += count
        tail = complete.rsplit(b"\n", PER_POLL + 1)
        lines = [x.decode("utf-8", "replace") for x in tail[-PER_POLL - 1 : -1]]
        if count > len(lines):
            self.skipped = True
        self.raw.extend(lines)
        self.write_lines(self._display(lines))
        return count

    def _refill(self) -> None:
        self.skipped = False
        with open(self.path, "rb") as f:
            f.seek(max(0, self.read_at - MAX_LINES * 200))
            data = f.read(self.read_at - f.tell())
        lines = [x.decode("utf-8", "replace") for x in data.split(b"\n")[-MAX_LINES - 1 : -1]]
        self.raw.clear()
        self.raw.extend(lines)
        self.clear()
        self.write_lines(self._display(lines))

    def set_timestamps(self, on: bool) -> None:
        self.timestamps = on
        self.clear()
        self.write_lines(self._display(list(self.raw)))

    def set_search(self, term: str) -> None:
        self.term = term
        self.highlight = bool(term)
        self.highlighter = search_highlighter(term) if term else _Plain()
        self._render_line_cache.clear()
        self.refresh()

    def find(self, forward: bool = True) -> bool:
        """Scroll to the next (or previous) line holding the search term."""
        if not self.term:
            return False
        lines = list(self.lines)
        start = int(self.scroll_y) + (1 if forward else -1)
        order = range(start, len(lines)) if forward else range(start, -1, -1)
        for y in order:
            if self.term in lines[y]:
                self.auto_scroll = False
                self.scroll_to(y=y, animate=False)
                return True
        return False

    def shown_text(self) -> str:
        return "\n".join(self.lines) + "\n"
