"""The create-cluster wizard driven with the keyboard only, on lab hosts, to a Running cluster."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from engine.catalog.packages import resolve
from kctui.app import make_app
from kctui.lab import lab as labs
from kctui.lab.register import register_nodes
from kctui.lab.state import Lab
from screens.oplog.screen import OperationLogScreen
from screens.wizard.screen import WizardScreen
from store.documents.cluster import Cluster
from store.settings import Settings
from store.store import Store
from tests.lab.test_clusters import kctui

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def lab_store(
    tmp_path_factory: pytest.TempPathFactory, lab_packages: dict[str, Path]
) -> Iterator[tuple[Lab, Path]]:
    if os.geteuid() != 0:
        pytest.skip("the lab needs root")
    lab = labs.up(f"wz{os.getpid() % 10000}", 3)
    data = tmp_path_factory.mktemp("wizard") / "data"
    register_nodes(lab, Store(data))
    assert kctui(data, "node", "probe").returncode == 0
    for path in lab_packages.values():
        assert kctui(data, "resource", "push", str(path)).returncode == 0
    yield lab, data
    labs.down(lab.name)


async def test_the_whole_wizard_by_keyboard(lab_store: tuple[Lab, Path]) -> None:
    lab, data = lab_store
    h = [x.name for x in lab.hosts]
    store = Store(data)
    app = make_app(store, Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, WizardScreen)
        await pilot.press(
            *"wiz", "tab", "tab", "tab", "tab"
        )  # name, template, region, filter, nodes
        await pilot.press("m", "w", "w")
        await pilot.press("ctrl+n")  # -> taints and labels
        await pilot.pause()
        await pilot.press("ctrl+n")  # -> configuration (defaults: offline, v1.28.15, containerd)
        await pilot.pause()
        await pilot.press("ctrl+n")  # -> CNI
        await pilot.pause()
        await pilot.press("ctrl+n")  # -> storage
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*lab.gateway, "tab", *"/exports/k8s", "ctrl+s")
        await pilot.pause()
        await pilot.press("tab", "enter", "down", "enter")  # default storage class: nfs-sc
        await pilot.pause()
        await pilot.press("ctrl+n")  # -> confirm
        await pilot.pause(0.5)
        screen = app.screen
        assert isinstance(screen, WizardScreen) and screen.index == 5
        await pilot.press("ctrl+s")
        for _ in range(600):
            await pilot.pause(0.1)
            cluster = store.clusters.find("wiz")
            if cluster is not None and cluster.status.phase.value != "Installing":
                break
        assert isinstance(app.screen, OperationLogScreen)
        assert store.clusters.get("wiz").status.phase.value == "Running"

    by_hand = Cluster.model_validate(
        yaml.safe_load(f"""
apiVersion: kctui/v1
kind: Cluster
metadata: {{name: wiz}}
spec:
  masters: [{{node: {h[0]}}}]
  workers: [{{node: {h[1]}}}, {{node: {h[2]}}}]
  storage:
    nfs: [{{serverAddr: {lab.gateway}, sharedPath: /exports/k8s}}]
    defaultStorageClass: nfs-sc
""")
    )
    made = store.clusters.get("wiz")
    assert made.spec == resolve(by_hand.spec)
    assert kctui(data, "cluster", "delete", "wiz", "--yes").returncode == 0
