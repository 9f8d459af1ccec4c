"""Lab fixtures: a 3-host lab for the session, a fresh 1-host lab per test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from kctui.lab import lab as labs
from kctui.lab.state import Lab

pytestmark = pytest.mark.lab


def _require_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("the lab needs root (network namespaces, mounts)")


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    _require_root()
    name = f"ts{os.getpid() % 100000}"
    started = labs.up(name, 3)
    yield started
    labs.down(name)


@pytest.fixture
def fresh_lab(request: pytest.FixtureRequest) -> Iterator[Lab]:
    _require_root()
    name = f"tf{os.getpid() % 10000}{abs(hash(request.node.name)) % 100}"
    started = labs.up(name, 1)
    yield started
    labs.down(name)
