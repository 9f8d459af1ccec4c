"""The wizard walked back and forth with the keyboard: inline errors stop each step."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from textual.widgets import DataTable, Input, Select, Static

from kctui.app import make_app
from screens.wizard.screen import WizardScreen
from store.documents.node import Interface, Node, NodeFacts, NodeStatus
from store.documents.resource import ResourcePackage
from store.settings import Settings
from store.store import Store
from tests.screens.waits import until
from tests.sshserver import SSHServer


def world(tmp_path: Path) -> Store:
    store = Store(tmp_path / "data")
    for i in range(1, 5):
        facts = NodeFacts(
            arch="amd64",
            cpus=2,
            memory_bytes=2**31,
            hostname=f"n{i}",
            interfaces=[
                Interface(name="eth0", addresses=[f"10.20.0.{i}/24"], networks=["10.20.0.0/24"])
            ],
        )
        store.nodes.add(
            Node(
                name=f"n{i}",
                address=f"10.20.0.{i}",
                status=NodeStatus.ONLINE,
                last_probe=datetime.now(UTC),
                facts=facts,
            )
        )
    for name, kind, version in (
        ("kubernetes", "k8s", "v1.28.15"),
        ("kubernetes", "k8s", "v1.23.17"),
        ("containerd", "cri", "1.7.22"),
        ("calico", "cni", "v3.27.3"),
        ("nfs-provisioner", "csi", "v4.0.2"),
    ):
        store.resources.add(
            ResourcePackage(
                name=name, type=kind, version=version, arch="amd64", archive=f"{name}.tgz"
            )
        )
    return store


def errors(screen: WizardScreen) -> str:
    step = screen.steps()[screen.index]
    return "\n".join(
        str(s.render()) for s in step.query(".field-error").results(Static) if str(s.render())
    )


async def test_inline_errors_stop_each_step(tmp_path: Path) -> None:
    store = world(tmp_path)
    app = make_app(store, Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WizardScreen)
        await pilot.press(*"demo", "tab", "tab", "tab", "tab")
        await pilot.press("m", "m", "w")  # two control-plane nodes
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.index == 0
        assert "2 control-plane nodes given; use an odd number (1, 3 or 5)" in errors(screen)
        assert "must be odd" in str(screen.query_one("#role-count", Static).render())
        await pilot.press("up", "up", "up", "w")  # n1 stays control plane, n2 becomes a worker
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.index == 1, errors(screen)
        await pilot.press("ctrl+n")  # taints: defaults
        await pilot.pause()
        assert screen.index == 2

        config = screen.steps()[2]
        config.query_one("#in-version", Select).value = "v1.23.17"
        await pilot.pause()
        runtime = config.query_one("#in-runtime", Select)
        assert runtime.value == "containerd"
        offered = [value for _, value in runtime._options if isinstance(value, str)]
        assert offered == ["containerd"]  # docker is not offered, below v1.24 either
        config.query_one("#in-version", Select).value = "v1.28.15"
        await pilot.pause()
        await pilot.press("ctrl+b")  # back and forth keeps what was chosen
        await pilot.pause()
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.index == 2
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.index == 3

        cni = screen.steps()[3]
        cni.query_one("#in-spec-networking-pods", Input).value = "10.96.0.0/12"
        await pilot.pause()
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.index == 3
        assert "overlaps spec.networking.services[0] 10.96.0.0/16" in errors(screen)
        cni.query_one("#in-spec-networking-pods", Input).value = "172.25.0.0/16"
        await pilot.pause()
        assert "1023 blocks of 61 pods = 62403 pods, about 312 nodes" in str(
            cni.query_one("#capacity", Static).render()
        )
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.index == 4

        for server in ("10.0.0.5", "10.0.0.6"):
            await pilot.press("n")
            await pilot.pause()
            await pilot.press(*server, "tab", *"/exports", "ctrl+s")
            await pilot.pause()
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.index == 4
        assert (
            "nfs-sc is already used by spec.storage.nfs[0]; storage class names must be unique"
            in errors(screen)
        )
        await pilot.press("x")  # remove the second entry
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.index == 5


async def test_a_kept_draft_reopens_where_it_was(tmp_path: Path) -> None:
    store = world(tmp_path)
    app = make_app(store, Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"later", "tab", "tab", "tab", "tab", "m", "ctrl+n")
        await pilot.pause()
        await pilot.press("escape", "y")
        await pilot.pause()
        assert store.drafts.get("wizard").step == 1
        await pilot.press("a")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WizardScreen) and screen.index == 1
        assert screen.draft.name == "later" and [m.node for m in screen.draft.spec.masters] == [
            "n1"
        ]


async def test_nodes_of_unknown_status_are_probed_when_the_wizard_opens(
    tmp_path: Path, ssh_server: SSHServer
) -> None:
    store = Store(tmp_path / "data")
    ssh_server.add_nodes(store, "s1")
    assert store.nodes.get("s1").status == NodeStatus.UNKNOWN
    app = make_app(store, Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")
        await until(
            pilot,
            lambda: store.nodes.get("s1").last_probe is not None,
            seconds=20,
            what="the probe",
        )
        table = app.screen.query_one("#wizard-nodes", DataTable)
        status = store.nodes.get("s1").status.value
        await until(pilot, lambda: status in str(table.get_row_at(0)), what="the table")
