"""The Nodes list: filter, sort, add, detail, probe (all in the background), disable, terminal."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from screens.sections.list_section import ListSection
from screens.sections.specs import SectionSpec, node_row
from screens.tables import selected_key

if TYPE_CHECKING:
    from store.documents.node import Node
    from store.settings import Settings
    from store.store import Store

SORTS = (("name", 0), ("status", 3), ("region", 2), ("address", 1))


class NodesSection(ListSection):
    BINDINGS = [
        Binding(
            "s", "sort", "Sort", id="nodes.sort", tooltip="Sort by name, status, region, address"
        ),
        Binding("p", "probe", "Probe", id="nodes.probe", tooltip="Probe the selected node"),
        Binding("P", "probe_all", "Probe all", id="nodes.probe-all", show=False),
        Binding("d", "toggle_enabled", "Disable/enable", id="nodes.disable"),
        Binding("t", "terminal", "Terminal", id="nodes.terminal", tooltip="Shell on the node"),
        Binding("x", "remove", "Remove", id="nodes.remove", show=False),
    ]

    @dataclass
    class Probed(Message):
        node: Any  # store.documents.node.Node

    def __init__(self, spec: SectionSpec, store: Store, settings: Callable[[], Settings]) -> None:
        super().__init__(spec, store)
        self.settings = settings
        self.sort_by = 0
        self._by_name: dict[str, Node] = {}

    def on_mount(self) -> None:
        self.call_after_refresh(self.action_probe_all)

    # -- rows ---------------------------------------------------------------------------

    def reload(self) -> None:
        from store.errors import StoreError

        try:
            self._by_name = {n.name: n for n in self.store.nodes.list()}
        except StoreError:
            super().reload()
            return
        self._render_rows()

    def _render_rows(self) -> None:
        table = self.table
        selected = self.selected_name()
        rows = [node_row(n) for n in self._by_name.values()]
        needle = self.filter_text.lower()
        if needle:
            rows = [r for r in rows if any(needle in str(c).lower() for c in r)]
        column = SORTS[self.sort_by][1]
        rows.sort(key=lambda r: (str(r[column]), str(r[0])))
        self._fit(rows)
        table.clear()
        for row in rows:
            table.add_row(*(row[i] for i in self._shown), key=str(row[0]))
        self.set_class(not self._by_name, "-empty")
        if selected and selected in [r[0] for r in rows]:
            table.move_cursor(row=table.get_row_index(selected))

    def selected_name(self) -> str | None:
        return selected_key(self.table)

    # -- actions ------------------------------------------------------------------------

    def add(self) -> None:
        from screens.nodes.add import AddNodeScreen

        def done(name: str | None) -> None:
            if name:
                self.reload()
                self.notify(f"Node {name} added", title="Nodes")

        self.app.push_screen(AddNodeScreen(self.store, self.settings), done)

    def refresh_rows(self) -> None:
        self._render_rows()

    def on_resize(self) -> None:
        if self._by_name:
            self._render_rows()

    def action_sort(self) -> None:
        self.sort_by = (self.sort_by + 1) % len(SORTS)
        self._render_rows()
        self.notify(f"Sorted by {SORTS[self.sort_by][0]}", timeout=2)

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        """enter on a row opens the node's detail."""
        self.action_detail()

    def action_detail(self) -> None:
        from screens.nodes.detail import NodeDetailScreen

        name = self.selected_name()
        if name:
            self.app.push_screen(NodeDetailScreen(self._by_name[name]))

    def action_probe(self) -> None:
        name = self.selected_name()
        if name:
            self.probe([name])

    def action_probe_all(self) -> None:
        if self._by_name:
            self.probe(list(self._by_name))

    @work(exclusive=True, group="probe", exit_on_error=False)
    async def probe(self, names: list[str]) -> None:
        from engine.nodes.service import NodeService

        service = NodeService(self.store, self.settings())
        limit = asyncio.Semaphore(self.settings().ssh.max_parallel)

        from engine.nodes.service import NodeError
        from store.errors import StoreError

        async def one(name: str) -> None:
            async with limit:
                try:
                    node = await service.probe_one(name)
                except (NodeError, StoreError):
                    return  # removed or unreachable meanwhile: its row says so on reload
            self.post_message(self.Probed(node))

        await asyncio.gather(*(one(n) for n in names))

    def on_nodes_section_probed(self, message: Probed) -> None:
        node = message.node
        self._by_name[node.name] = node
        table = self.table
        if node.name not in table.rows:
            return
        row = node_row(node)
        for column, index in zip(table.columns, self._shown, strict=True):
            table.update_cell(node.name, column, row[index], update_width=True)

    def action_toggle_enabled(self) -> None:
        name = self.selected_name()
        if not name:
            return
        node = self.store.nodes.update(name, lambda n: setattr(n, "enabled", not n.enabled))
        self._by_name[name] = node
        self._render_rows()
        self.notify(f"{name} {'enabled' if node.enabled else 'disabled'}", timeout=3)

    def action_remove(self) -> None:
        from screens.dialogs import ConfirmScreen

        name = self.selected_name()
        if not name:
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self._remove(name)

        self.app.push_screen(ConfirmScreen(f"Remove node {name} from kctui?", yes="Remove"), answer)

    def _remove(self, name: str) -> None:
        from engine.nodes.service import NodeError, NodeService

        try:
            NodeService(self.store, self.settings()).remove(name)
        except NodeError as e:
            self.notify(str(e), severity="error", title="Nodes")
            return
        self.reload()

    def action_terminal(self) -> None:
        from engine.ssh.terminal import ssh_argv
        from screens.terminal import open_terminal

        name = self.selected_name()
        if not name:
            return
        argv = ssh_argv(self._by_name[name], self.store.known_hosts)
        open_terminal(self.app, argv, f"a shell on node {name}")
