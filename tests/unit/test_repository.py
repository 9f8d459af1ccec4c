"""Typed repositories: add, get, list, update, delete, and what happens on bad input."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from store.documents import Cluster, Node, Operation, ResourcePackage
from store.documents.operation import Step
from store.errors import AlreadyExistsError, NotFoundError
from store.store import Store


def test_add_get_list_delete(store: Store) -> None:
    store.nodes.add(Node(name="b", address="10.0.0.2"))
    store.nodes.add(Node(name="a", address="10.0.0.1", labels={"zone": "x"}))
    assert [n.name for n in store.nodes.list()] == ["a", "b"]
    assert store.nodes.get("a").labels == {"zone": "x"}
    assert [n.name for n in store.nodes.list(lambda n: n.address.endswith(".2"))] == ["b"]
    store.nodes.delete("a")
    assert store.nodes.find("a") is None
    assert not store.nodes.exists("a") and store.nodes.exists("b")


def test_duplicate_and_missing_names_are_refused(store: Store) -> None:
    store.nodes.add(Node(name="a", address="10.0.0.1"))
    with pytest.raises(AlreadyExistsError, match="a node named 'a' already exists"):
        store.nodes.add(Node(name="a", address="10.0.0.9"))
    assert store.nodes.get("a").address == "10.0.0.1"
    with pytest.raises(NotFoundError, match="no node named 'zz'"):
        store.nodes.get("zz")
    with pytest.raises(NotFoundError):
        store.nodes.delete("zz")


def test_update_is_validated_and_a_refused_change_writes_nothing(store: Store) -> None:
    store.nodes.add(Node(name="a", address="10.0.0.1"))
    before = (store.data_dir / "state.json").read_bytes()

    def bad(n: Node) -> Node:
        return n.model_copy(update={"port": 70000})

    with pytest.raises(ValidationError, match="port"):
        store.nodes.update("a", bad)
    with pytest.raises(ValueError, match="must not change its name"):
        store.nodes.update("a", lambda n: n.model_copy(update={"name": "b"}))
    assert (store.data_dir / "state.json").read_bytes() == before

    updated = store.nodes.update("a", lambda n: setattr(n, "port", 2222))
    assert updated.port == 2222 and store.nodes.get("a").port == 2222
    assert updated.updated_at > updated.created_at


def test_documents_keyed_by_nested_or_derived_fields(store: Store) -> None:
    store.clusters.add(Cluster(metadata={"name": "demo"}))
    assert store.clusters.get("demo").spec.networking.pods == ["172.25.0.0/16"]
    pkg = ResourcePackage(name="kubernetes", type="k8s", version="v1.28.15", arch="amd64")
    store.resources.add(pkg)
    assert store.resources.get("kubernetes-v1.28.15-amd64").type == "k8s"
    op = Operation(type="create-cluster", cluster="demo", steps=[Step(name="preflight")])
    store.operations.add(op)
    assert store.operations.get(op.id).steps[0].name == "preflight"


def test_put_replaces(store: Store) -> None:
    store.nodes.put(Node(name="a", address="10.0.0.1"))
    store.nodes.put(Node(name="a", address="10.0.0.5"))
    assert [n.address for n in store.nodes.list()] == ["10.0.0.5"]
