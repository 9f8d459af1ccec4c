"""Image registries: the one check of a new registry that the CLI and the TUI both use, and\ntheir delete."""

from __future__ import annotations

import re

from engine import grammar
from engine.errors import Problem, RefusedError
from store.documents.registry import Registry
from store.store import Store

USER_RE = re.compile(r"^[A-Za-z0-9._@-]{0,128}$")  # no ':', which basic auth cannot carry


def problems(registry: Registry, store: Store) -> list[Problem]:
    """What is wrong with a registry to be added, each naming the field and the fix."""
    found = []
    if not grammar.NAME_RE.match(registry.name):
        found.append(Problem("name", f"{registry.name!r}: use lowercase letters, digits and '-'"))
    elif store.registries.exists(registry.name):
        found.append(
            Problem("name", f"{registry.name!r}: a registry with that name exists; pick another")
        )
    if grammar.host_port(registry.host):
        found.append(
            Problem("host", f"{registry.host!r}: give HOST or HOST:PORT, without a scheme")
        )
    if not USER_RE.match(registry.username):
        found.append(Problem("username", f"{registry.username!r}: use letters, digits and . _ @ -"))
    if registry.ca_pem and "BEGIN CERTIFICATE" not in registry.ca_pem:
        found.append(Problem("caPem", "not a PEM certificate"))
    if registry.username and not registry.password:
        found.append(Problem("password", "a user needs its password"))
    return found


def delete(store: Store, name: str) -> None:
    """Delete a registry no cluster uses."""
    registry = store.registries.get(name)
    if registry.node:
        raise RefusedError(
            f"registry {name} runs on node {registry.node}; remove it with: "
            f"kctui registry undeploy {registry.node} --yes"
        )
    users = [c.name for c in store.clusters.list() if c.spec.image_registry == name]
    if users:
        raise RefusedError(f"registry {name} is used by cluster(s) {', '.join(users)}")
    store.registries.delete(name)


COLUMNS = ("Name", "URL", "Skip TLS verify", "User", "Node", "Phase")


def row(registry: Registry) -> tuple[str, str, str, str, str, str]:
    """A registry as the lists show it (the CLI and the TUI), under COLUMNS."""
    return (
        registry.name,
        registry.url,
        "yes" if registry.skip_verify else "no",
        registry.username or "-",
        registry.node or "-",
        registry.phase.value or "-",
    )
