"""Operations run in a process of their own: quitting the TUI, Ctrl-C on `--wait` and a new
TUI leave them running; SIGKILL of that process makes them interrupted, and retry resumes;
cancel from the TUI stops them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from engine.clusters.service import ClusterService
from kctui.app import make_app
from kctui.lab.state import Lab
from screens.dialogs import ConfirmScreen
from screens.operations import start_operation
from screens.oplog.screen import OperationLogScreen
from store.documents.cluster import Cluster
from store.documents.operation import Operation
from store.settings import Settings
from store.store import Store
from tests.cli import KCTUI, kctui
from tests.labkit import prepared

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def pair(
    tmp_path_factory: pytest.TempPathFactory, lab_packages: dict[str, Path]
) -> Iterator[tuple[Lab, Path]]:
    yield from prepared(
        f"dt{os.getpid() % 10000}", 2, tmp_path_factory.mktemp("detached"), lab_packages
    )


def _cluster(lab: Lab, name: str) -> Cluster:
    return Cluster.model_validate(
        {
            "metadata": {"name": name},
            "spec": {
                "masters": [{"node": lab.hosts[0].name}],
                "workers": [{"node": lab.hosts[1].name}],
                "offline": True,
                "kubernetesVersion": "v1.28.15",
            },
        }
    )


def _spec_file(lab: Lab, tmp: Path, name: str) -> Path:
    path = tmp / f"{name}.yaml"
    raw = _cluster(lab, name).model_dump(mode="json", by_alias=True, exclude={"status"})
    path.write_text(yaml.safe_dump(raw))
    return path


def _wait(data: Path, check: object, what: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def _phase(data: Path, name: str) -> str:
    shown = kctui(data, "cluster", "show", name, "--json")
    return str(json.loads(shown.stdout)["status"]["phase"]) if shown.returncode == 0 else ""


def _op(data: Path, name: str) -> Operation:
    store = Store(data)
    try:
        return store.operations.list(lambda o: o.cluster == name)[-1]
    finally:
        store.close()


def _started(data: Path, name: str, step: int) -> bool:
    op = _op(data, name)
    return op.steps[step].status.value != "pending"


def _owner(data: Path, op_id: str) -> int:
    return int((data / "operations" / op_id / "owner.lock").read_text().split()[0])


def _delete(data: Path, name: str) -> None:
    done = kctui(data, "cluster", "delete", name, "--yes")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ctrl_c_on_wait_detaches_and_the_create_finishes(
    pair: tuple[Lab, Path], tmp_path: Path
) -> None:
    lab, data = pair
    spec = _spec_file(lab, tmp_path, "ctrlc")
    waiting = subprocess.Popen(
        [KCTUI, "--data-dir", str(data), "cluster", "create", "-f", str(spec), "--yes", "--wait"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a shell gives a foreground job
    )
    _wait(data, lambda: (data / "clusters").exists() or _phase(data, "ctrlc"), "the create")
    _wait(data, lambda: _started(data, "ctrlc", 3), "step 4")
    os.killpg(waiting.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
    out, err = waiting.communicate(timeout=30)
    assert waiting.returncode == 130, out + err
    op = _op(data, "ctrlc")
    assert f"operation {op.id} goes on. Follow it again with: kctui operation logs" in err
    assert "Traceback" not in err
    _wait(data, lambda: _phase(data, "ctrlc") == "Running", "Running")
    _delete(data, "ctrlc")


def test_sigkill_of_the_operations_process_makes_it_interrupted_and_retry_resumes(
    pair: tuple[Lab, Path], tmp_path: Path
) -> None:
    lab, data = pair
    spec = _spec_file(lab, tmp_path, "killed")
    started = kctui(data, "cluster", "create", "-f", str(spec), "--yes")
    assert started.returncode == 0, started.stderr
    op_id = started.stdout.strip()
    _wait(data, lambda: _started(data, "killed", 4), "step 5")
    os.kill(_owner(data, op_id), signal.SIGKILL)
    shown = json.loads(kctui(data, "operation", "show", op_id, "--json").stdout)
    assert shown["status"] == "interrupted", shown["status"]
    retried = kctui(data, "operation", "retry", op_id)
    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert _phase(data, "killed") == "Running"
    _delete(data, "killed")


async def test_quitting_the_tui_leaves_a_create_running_and_a_new_tui_follows_it(
    pair: tuple[Lab, Path],
) -> None:
    lab, data = pair
    store = Store(data)
    _, op = ClusterService(store, Settings()).create(_cluster(lab, "tuiq"))
    app = make_app(store, Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        start_operation(app, store, Settings(), op)
        for _ in range(300):
            await pilot.pause(0.1)
            if store.operations.get(op.id).status.value == "running":
                break
        await pilot.press("q")
        await pilot.pause()
    assert not app.is_running
    owner = _owner(data, op.id)
    assert owner != os.getpid() and os.getsid(owner) != os.getsid(0)
    assert store.operations.get(op.id).status.value == "running"

    again = make_app(store, Settings())
    async with again.run_test(size=(120, 40)) as pilot:
        await pilot.press("7")  # the Operations list
        await pilot.pause(0.5)
        table = again.screen.query_one("#operations DataTable")
        assert "running" in str(table.get_row(op.id))  # type: ignore[attr-defined]
        for _ in range(3000):
            await pilot.pause(0.1)
            if "succeeded" in str(table.get_row(op.id)):  # type: ignore[attr-defined]
                break
        assert "succeeded" in str(table.get_row(op.id))  # type: ignore[attr-defined]
    _wait(data, lambda: _phase(data, "tuiq") == "Running", "Running")
    store.close()
    _delete(data, "tuiq")


async def test_cancel_from_the_operation_log_stops_it(pair: tuple[Lab, Path]) -> None:
    lab, data = pair
    store = Store(data)
    _, op = ClusterService(store, Settings()).create(_cluster(lab, "cancel"))
    app = make_app(store, Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        start_operation(app, store, Settings(), op)
        app.push_screen(OperationLogScreen(store, op.id))
        for _ in range(300):
            await pilot.pause(0.1)
            if store.operations.get(op.id).status.value == "running":
                break
        await pilot.press("C")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        for _ in range(600):
            await pilot.pause(0.1)
            if store.operations.get(op.id).status.value != "running":
                break
    assert store.operations.get(op.id).status.value == "cancelled"
    retried = kctui(data, "operation", "retry", op.id)
    assert retried.returncode == 0, retried.stdout + retried.stderr
    store.close()
    _delete(data, "cancel")
