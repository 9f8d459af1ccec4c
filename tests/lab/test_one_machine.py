"""A machine is one node: a second entry for a machine already known is refused, naming the
node it is, and its pinned host key is never replaced on the side."""

from __future__ import annotations

from pathlib import Path

import pytest

from kctui.lab.register import register_nodes
from kctui.lab.state import Lab
from store.store import Store
from tests.cli import kctui

pytestmark = pytest.mark.lab


def test_a_known_machine_under_another_name_is_refused(lab: Lab, tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(data)
    register_nodes(lab, store)
    store.close()
    first = lab.hosts[0]
    pinned = (data / "known_hosts").read_bytes()
    again = kctui(
        data, "node", "add", first.address, "--name", "other", "--user", "root",
        "--key", str(lab.key_path), "--accept-host-key", first.host_key_fingerprint,
    )  # fmt: skip
    assert again.returncode == 1
    assert f"this machine is already node {first.name} (the same host key" in again.stderr
    assert "Traceback" not in again.stderr
    assert (data / "known_hosts").read_bytes() == pinned
    names = [n.name for n in Store(data).nodes.list()]
    assert "other" not in names and first.name in names

    # The same machine reached through another address: its machine-id gives it away.
    probed = kctui(data, "node", "probe", first.name)
    assert probed.returncode == 0, probed.stderr
    machine = Store(data).nodes.get(first.name).facts.machine_id
    assert len(machine) == 32
    assert machine != Store(data).nodes.get(lab.hosts[1].name).facts.machine_id


def test_a_known_machine_id_under_another_host_key_is_refused(store: Store) -> None:
    from engine.nodes.service import NodeError, NodeService
    from store.documents.node import Node, NodeFacts
    from store.settings import Settings

    store.nodes.add(
        Node(name="a", address="10.9.0.1", host_key_fingerprint="SHA256:one",
             facts=NodeFacts(machine_id="ab" * 16))
    )  # fmt: skip
    twin = Node(name="b", address="10.9.0.2", facts=NodeFacts(machine_id="ab" * 16))
    with pytest.raises(NodeError, match="already node a \\(the same machine-id abab"):
        NodeService(store, Settings())._one_machine_one_node(twin, "SHA256:two")
    NodeService(store, Settings())._one_machine_one_node(
        twin.model_copy(update={"facts": NodeFacts(machine_id="cd" * 16)}), "SHA256:two"
    )
