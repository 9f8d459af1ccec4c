"""One node: connection, status, and every fact collected from it."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def describe(node: Any) -> str:
    f = node.facts
    lines = [
        f"[b]{node.name}[/b]  {node.address}" + (f":{node.port}" if node.port else ""),
        f"user {node.user or '(ssh config / root)'}   region {node.region}   "
        f"{'enabled' if node.enabled else 'DISABLED'}   cluster {node.cluster or '-'}",
        f"status {node.status.value}" + (f": {node.last_error}" if node.last_error else ""),
        f"host key {node.host_key_fingerprint or 'not trusted yet'}",
        "",
        f"hostname {f.hostname or '-'}   OS {f.os_id} {f.os_version}   kernel {f.kernel}",
        f"arch {f.arch}   CPUs {f.cpus}   memory {f.memory_bytes / 2**30:.1f} GiB   "
        f"root disk {f.root_disk_free_bytes / 2**30:.1f} of "
        f"{f.root_disk_bytes / 2**30:.1f} GiB free",
        f"default IPv4 {f.default_ipv4 or '-'} via {f.gateway_ipv4 or '-'}   "
        f"IPv6 {f.default_ipv6 or '-'}",
        f"container runtime {f.container_runtime or 'none'}   "
        f"clock offset {f.clock_offset_seconds:+.3f}s",
        "",
        "interfaces:",
    ]
    lines += [f"  {i.name}: {', '.join(i.addresses)}" for i in f.interfaces] or ["  -"]
    if node.labels:
        lines += ["", "labels: " + ", ".join(f"{k}={v}" for k, v in node.labels.items())]
    return "\n".join(lines)


class NodeDetailScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    NodeDetailScreen { align: center middle; }
    NodeDetailScreen > VerticalScroll { width: 90%; height: 80%; border: round $accent;
        background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,enter", "dismiss", "Close", id="node-detail.close")]

    def __init__(self, node: Any) -> None:
        super().__init__()
        self.node = node

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(describe(self.node), markup=True)
