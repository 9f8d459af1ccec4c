"""`lab up --register`: the lab's hosts become kctui nodes, their host keys pinned."""

from __future__ import annotations

from kctui.lab.ssh import known_hosts_line
from kctui.lab.state import Lab
from store.documents import Node
from store.store import Store


def register_nodes(lab: Lab, store: Store) -> list[Node]:
    nodes = []
    for h in lab.hosts:
        node = Node(
            name=h.name,
            address=h.address,
            user="root",
            key_file=str(lab.key_path),
            region="default",
            labels={"kctui.io/lab": lab.name},
            host_key_fingerprint=h.host_key_fingerprint,
        )
        nodes.append(store.nodes.put(node))
    _pin_host_keys(lab, store)
    return nodes


def _pin_host_keys(lab: Lab, store: Store) -> None:
    path = store.known_hosts
    addresses = {h.address for h in lab.hosts}
    kept = []
    if path.exists():
        kept = [
            line for line in path.read_text().splitlines() if line.split(" ", 1)[0] not in addresses
        ]
    lines = kept + [known_hosts_line(h) for h in lab.hosts]
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
