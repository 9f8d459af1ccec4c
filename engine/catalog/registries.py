"""Image registries: the one check of a new registry that the CLI and the TUI both use."""

from __future__ import annotations

import re

from engine import grammar
from engine.errors import RefusedError
from store.documents.registry import Registry
from store.store import Store

USER_RE = re.compile(r"^[A-Za-z0-9._@-]{0,128}$")  # no ':', which basic auth cannot carry


def problems(registry: Registry, store: Store) -> list[str]:
    """What is wrong with a registry to be added, each naming the field and the fix."""
    found = []
    if not grammar.NAME_RE.match(registry.name):
        found.append(f"name {registry.name!r}: use lowercase letters, digits and '-'")
    elif store.registries.exists(registry.name):
        found.append(f"name {registry.name!r}: a registry with that name exists; pick another")
    if grammar.host_port(registry.host):
        found.append(f"host {registry.host!r}: give HOST or HOST:PORT, without a scheme")
    if not USER_RE.match(registry.username):
        found.append(f"user {registry.username!r}: use letters, digits and . _ @ -")
    if registry.ca_pem and "BEGIN CERTIFICATE" not in registry.ca_pem:
        found.append("CA: not a PEM certificate")
    if registry.username and not registry.password:
        found.append("password: a user needs its password")
    return found


def delete(store: Store, name: str) -> None:
    """Delete a registry no cluster uses."""
    store.registries.get(name)
    users = [c.name for c in store.clusters.list() if c.spec.image_registry == name]
    if users:
        raise RefusedError(f"registry {name} is used by cluster(s) {', '.join(users)}")
    store.registries.delete(name)
