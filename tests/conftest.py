from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from store.store import Store
from tests.sshserver import SSHServer, serve


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path) -> Iterator[Store]:
    s = Store(data_dir)
    yield s
    s.close()


@pytest.fixture
async def ssh_server(tmp_path: Path) -> AsyncIterator[SSHServer]:
    """An asyncssh server on 127.0.0.1 running commands as this user: no root, no lab."""
    async with serve(tmp_path) as server:
        yield server
