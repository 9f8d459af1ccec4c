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
        self.match = -1  # which of the matches `find` went to last
        self._wrapped_at = 0
        self.border_title = node

    def _shown(self, line: str) -> str:
        if self.timestamps:
            return line
        parts = line.split(" ", 2)
        return parts[2] if len(parts) == 3 else line

    def _wrap_width(self) -> int:
        # The vertical scrollbar's columns are kept free: a line as wide as the pane would
        # lose its last characters under it once the scrollbar appears.
        width = self.content_region.width - self.styles.scrollbar_size_vertical
        return max(8, width)

    def _display(self, lines: list[str]) -> list[str]:
        """Lines as the pane shows them: without timestamps unless asked, wrapped if asked."""
        shown = [self._shown(line) for line in lines]
        if not self.wrap:
            return shown
        width = self._wrap_width()
        self._wrapped_at = width
        out: list[str] = []
        for line in shown:
            out += textwrap.wrap(line, width, replace_whitespace=False, drop_whitespace=False) or [
                ""
            ]
        return out

    def on_resize(self) -> None:
        """Zooming in or out wraps again at the new width."""
        if self.wrap and self._wrap_width() != self._wrapped_at:
            self._redraw()

    def _redraw(self) -> None:
        self.clear()
        self.write_lines(self._display(list(self.raw)))

    def set_wrap(self, on: bool) -> None:
        self.wrap = on
        self._redraw()

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
        self._redraw()

    def set_search(self, term: str) -> None:
        self.term = term
        self.match = -1
        self.highlight = bool(term)
        self.highlighter = search_highlighter(term) if term else _Plain()
        self._render_line_cache.clear()
        self.refresh()

    def matches(self) -> list[int]:
        """The line of each occurrence of the search term, in order (a line once per match)."""
        if not self.term:
            return []
        return [y for y, line in enumerate(self.lines) for _ in range(line.count(self.term))]

    def find(self, forward: bool = True) -> tuple[int, int]:
        """Go to the next (or previous) match, round the end; (its number from 1, how many),
        or (0, 0) when there is none."""
        found = self.matches()
        if not found:
            return 0, 0
        if self.match < 0:  # the first move: from what is on screen
            top = int(self.scroll_y)
            after = [i for i, y in enumerate(found) if y >= top]
            self.match = (after[0] if after else 0) if forward else (after[0] - 1 if after else -1)
        else:
            self.match += 1 if forward else -1
        self.match %= len(found)
        self.auto_scroll = False
        self.scroll_to(y=max(0, found[self.match] - 2), animate=False)
        return self.match + 1, len(found)

    def shown_text(self) -> str:
        return "\n".join(self.lines) + "\n"
