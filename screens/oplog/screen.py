"""The live log of an operation: steps on the left, one pane per node of the selected step.

Panes tail the per-node log files, so an operation run by another kctui process (the CLI, the
daemon) is followed just the same; the operation file is re-read when it changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal
from textual.screen import Screen
from textual.widgets import Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from screens.footer import KeyFooter
from screens.oplog.pane import NodePane
from store.documents.operation import Step, TaskStatus

if TYPE_CHECKING:
    from store.store import Store

ICONS = {
    TaskStatus.PENDING: "·",
    TaskStatus.RUNNING: "",
    TaskStatus.SUCCEEDED: "✓",
    TaskStatus.FAILED: "✗",
    TaskStatus.SKIPPED: "-",
    TaskStatus.CANCELLED: "⊘",
}
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
POLL_EVERY = 0.1


class OperationLogScreen(Screen[None]):
    DEFAULT_CSS = """
    OperationLogScreen #steps { width: 34; border-right: solid $primary-muted; }
    OperationLogScreen #panes { grid-size: 2; grid-gutter: 0; }
    OperationLogScreen #panes.-one { grid-size: 1; }
    OperationLogScreen.-zoomed NodePane { display: none; }
    OperationLogScreen.-zoomed NodePane.-zoom { display: block; }
    OperationLogScreen.-zoomed #panes { grid-size: 1; }
    OperationLogScreen #search-bar { dock: bottom; height: 3; display: none; }
    OperationLogScreen.-searching #search-bar { display: block; }
    OperationLogScreen #search { width: 1fr; }
    OperationLogScreen #found { width: 24; padding: 1 1; color: $text-muted; }
    OperationLogScreen #summary { height: 1; padding: 0 1; color: $text-muted; }
    """
    # In the footer's order, which drops the last ones first on a narrow terminal.
    BINDINGS = [
        Binding("escape", "back", "Back", id="oplog.back"),
        Binding("slash", "search", "Search", id="oplog.search"),
        Binding("n", "find(True)", "Next", id="oplog.next", tooltip="Next match"),
        Binding("N", "find(False)", "Prev", id="oplog.previous", tooltip="Previous match"),
        Binding("x", "first_failure", "Failure", id="oplog.failure", tooltip="First failure"),
        Binding("s", "save", "Save", id="oplog.save", tooltip="Save the pane's log to a file"),
        Binding("f", "follow", "Follow", id="oplog.follow", tooltip="Follow the running step"),
        Binding("w", "wrap", "Wrap", id="oplog.wrap", tooltip="Wrap long lines"),
        Binding("z", "zoom", "Zoom", id="oplog.zoom", tooltip="One pane full screen"),
        Binding("t", "timestamps", "Time", id="oplog.timestamps", tooltip="Timestamps"),
        Binding(
            "C",
            "cancel_operation",
            "Cancel",
            id="oplog.cancel",
            tooltip="Stop this operation (retry resumes it)",
        ),
        Binding("tab", "next_pane", "Next pane", id="oplog.next-pane", show=False),
    ]

    def __init__(self, store: Store, op_id: str) -> None:
        super().__init__()
        self.store = store
        self.op_id = op_id
        self.op: Any = None
        self.stamp: tuple[int, int] | None = None
        self.step_index = -1
        self.follow = True
        self.timestamps = False
        self.wrap = False
        self.tick = 0
        self._shown_labels: dict[int, str] = {}
        self._moved_to = -1

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static("", id="summary")
        with Horizontal():
            yield OptionList(id="steps")
            yield Grid(id="panes")
        with Horizontal(id="search-bar"):
            yield Input(placeholder="search (enter: next, esc: close)", id="search")
            yield Static("", id="found")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.sub_title = self.op_id
        self._reload(force=True)
        first = self._first_failed() if self._first_failed() >= 0 else self._active()
        self._select(first)
        self.set_interval(POLL_EVERY, self._poll)

    # -- data ---------------------------------------------------------------------------

    def _reload(self, force: bool = False) -> bool:
        path = self.store.operations.dir(self.op_id) / "operation.json"
        try:
            st = path.stat()
        except FileNotFoundError:
            return False
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp == self.stamp and not force:
            return False
        self.stamp = stamp
        self.op = self.store.operations.get(self.op_id)
        return True

    def _step_label(self, i: int, step: Step) -> str:
        status = step.status
        running = status == TaskStatus.RUNNING
        icon = SPINNER[self.tick % len(SPINNER)] if running else ICONS.get(status, "?")
        done = sum(1 for t in step.tasks if t.status == TaskStatus.SUCCEEDED)
        failed = sum(1 for t in step.tasks if t.status == TaskStatus.FAILED)
        total = len(step.tasks) or len(step.nodes) or 1
        counts = f"{done}/{total}" + (f" {failed}✗" if failed else "")
        text = f"{icon} {i + 1:02d} {step.name} {counts}"
        return f"[red]{text}[/red]" if status == TaskStatus.FAILED else text

    def _render_steps(self) -> None:
        steps = self.query_one("#steps", OptionList)
        labels = [self._step_label(i, s) for i, s in enumerate(self.op.steps)]
        if steps.option_count != len(labels):
            steps.clear_options()
            steps.add_options([Option(label, id=str(i)) for i, label in enumerate(labels)])
        else:  # in place: rebuilding the list every tick would cost a frame
            for i, label in enumerate(labels):
                if self._shown_labels.get(i) != label:
                    steps.replace_option_prompt_at_index(i, label)
        self._shown_labels = dict(enumerate(labels))
        op = self.op
        error = f" - {op.error}" if op.error else ""
        self.query_one("#summary", Static).update(
            f"{op.type} {op.cluster or ''}: {op.status.value}{error}"
        )

    def _first_failed(self) -> int:
        return next((i for i, s in enumerate(self.op.steps) if s.status == TaskStatus.FAILED), -1)

    def _active(self) -> int:
        """The step that runs now, else the last one that ran."""
        steps = self.op.steps
        running = next((i for i, s in enumerate(steps) if s.status == TaskStatus.RUNNING), -1)
        if running >= 0:
            return running
        done = [i for i, s in enumerate(steps) if s.status != TaskStatus.PENDING]
        return done[-1] if done else 0

    def _select(self, index: int) -> None:
        self._render_steps()
        self._moved_to = index  # the highlight event this makes is not the operator's
        self.query_one("#steps", OptionList).highlighted = index
        self._show_step(index)

    def _show_step(self, index: int) -> None:
        if index == self.step_index:
            return
        self.step_index = index
        from store.logs import log_path

        grid = self.query_one("#panes", Grid)
        grid.remove_children()
        step = self.op.steps[index]
        nodes = [t.node for t in step.tasks] or step.nodes or ["local"]
        op_dir = self.store.operations.dir(self.op_id)
        panes = [
            NodePane(n, log_path(op_dir, index, step.name, n), timestamps=self.timestamps)
            for n in nodes
        ]
        for pane in panes:
            pane.wrap = self.wrap
        grid.set_class(len(panes) == 1, "-one")
        if panes and self.has_class("-zoomed"):  # zoomed in: the new step's first pane shows
            panes[0].add_class("-zoom")
        grid.mount_all(panes)
        self.call_after_refresh(self._poll)

    def panes(self) -> list[NodePane]:
        return list(self.query(NodePane))

    def _poll(self) -> None:
        self.tick += 1
        if self._reload() or any(s.status == TaskStatus.RUNNING for s in self.op.steps):
            self._render_steps()
        if self.follow and self._active() != self.step_index:
            self._select(self._active())  # following: the panes go where the work is
        step = self.op.steps[self.step_index] if self.step_index >= 0 else None
        failed = {t.node for t in step.tasks if t.status == TaskStatus.FAILED} if step else set()
        for pane in self.panes():
            pane.poll()
            pane.set_class(pane.node in failed, "-failed")
            pane.border_subtitle = (
                next((t.status.value for t in step.tasks if t.node == pane.node), "")
                if step
                else ""
            )

    # -- actions ------------------------------------------------------------------------

    @on(OptionList.OptionHighlighted, "#steps")
    def _step_chosen(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_id is None:
            return
        index = int(event.option_id)
        if index != self._moved_to and self.follow:
            self._set_follow(False)  # the operator looks at a step: stay on it
        self._moved_to = -1
        self._show_step(index)

    def action_back(self) -> None:
        if self.has_class("-searching"):
            self.remove_class("-searching")
            return
        self.app.pop_screen()

    def _focused_pane(self) -> NodePane | None:
        focused = self.focused
        if isinstance(focused, NodePane):
            return focused
        panes = self.panes()
        return panes[0] if panes else None

    def action_zoom(self) -> None:
        pane = self._focused_pane()
        if pane is None:
            return
        zoomed = not self.has_class("-zoomed")
        for p in self.panes():
            p.set_class(zoomed and p is pane, "-zoom")
        self.set_class(zoomed, "-zoomed")
        pane.focus()

    def action_next_pane(self) -> None:
        panes = self.panes()
        if not panes:
            return
        current = self._focused_pane()
        index = (
            (panes.index(current) + 1) % len(panes)
            if current in panes and self.focused is current
            else 0
        )
        panes[index].focus()
        if self.has_class("-zoomed"):
            for p in panes:
                p.set_class(p is panes[index], "-zoom")

    def action_follow(self) -> None:
        self._set_follow(not self.follow)

    def _set_follow(self, on: bool) -> None:
        self.follow = on
        for pane in self.panes():
            pane.auto_scroll = on
            if on:
                pane.scroll_end(animate=False)
        said = "on: the panes follow the running step" if on else "off (f follows again)"
        self.notify(f"Follow {said}", timeout=2)

    def action_timestamps(self) -> None:
        self.timestamps = not self.timestamps
        for pane in self.panes():
            pane.set_timestamps(self.timestamps)

    def action_wrap(self) -> None:
        self.wrap = not self.wrap
        for pane in self.panes():
            pane.set_wrap(self.wrap)

    def action_search(self) -> None:
        self.add_class("-searching")
        self.query_one("#search", Input).focus()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        for pane in self.panes():
            pane.set_search(event.value)
        focused = self._focused_pane()
        if focused is None or not event.value:
            self._found("")
            return
        self._found(f"{len(focused.matches())} match(es) in {focused.node}")

    def _found(self, text: str) -> None:
        self.query_one("#found", Static).update(text)
        if text and not self.has_class("-searching"):
            self.notify(text, timeout=2)

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        self.action_find(True)

    def action_find(self, forward: bool) -> None:
        """The next match in the focused pane (else the first pane that has one): "3/17"."""
        focused = self._focused_pane()
        for pane in [focused, *(p for p in self.panes() if p is not focused)]:
            if pane is None:
                continue
            number, total = pane.find(forward)
            if total:
                self._found(f"{number}/{total} in {pane.node}")
                return
        searched = any(p.term for p in self.panes())
        self._found("No match" if searched else "Search with /")

    def action_cancel_operation(self) -> None:
        from screens.operations import confirm_cancel

        confirm_cancel(self.app, self.store, self.op_id)

    def action_first_failure(self) -> None:
        index = self._first_failed()
        if index < 0:
            self.notify("No step failed", timeout=2)
            return
        self.query_one("#steps", OptionList).highlighted = index
        self._show_step(index)

        def focus_failed() -> None:
            failed = [p for p in self.panes() if p.has_class("-failed")]
            if failed:
                failed[0].focus()

        self.call_after_refresh(focus_failed)

    def action_save(self) -> None:
        pane = self._focused_pane()
        if pane is None:
            return
        step = self.op.steps[self.step_index]
        target = (
            Path(self.store.data_dir)
            / "exports"
            / f"{self.op_id}-{self.step_index + 1:02d}-{step.name}-{pane.node}.log"
        )
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        target.write_text(pane.shown_text())
        self.notify(f"Saved to {target}", timeout=4)
