from __future__ import annotations

import os
from collections import Counter
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


@pytest.fixture(scope="session")
def lab_packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """kctui packages of the lab's simulated Kubernetes, built once for the session."""
    from kctui.lab.packages import build_packages

    out = tmp_path_factory.mktemp("lab-packages")
    return {p.name.removesuffix(".tar.gz"): p for p in build_packages(out)}


# `make faults` runs the fault and attack tests this many times over (loops scale with it).
FAULT_SCALE = max(1, int(os.environ.get("KCTUI_FAULTS", "1") or 1))
_TALLY: Counter[str] = Counter()


@pytest.fixture(scope="session")
def tally() -> Counter[str]:
    """What the fault and attack tests saw, printed as a table at the end of the run."""
    return _TALLY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _TALLY:
        return
    width = max(len(k) for k in _TALLY)
    terminalreporter.write_sep("-", f"faults and attacks (scale {FAULT_SCALE})")
    for key in sorted(_TALLY):
        terminalreporter.write_line(f"{key:<{width}}  {_TALLY[key]:>7}")
