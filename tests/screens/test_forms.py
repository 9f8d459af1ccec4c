"""Forms at 80x24: errors in sight with their field focused, cleared when the field changes;
switches say On/Off; the backup point form starts on its type; the confirm step lists each
node's labels and taints; empty names and host bits get plain words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input, Select, Static, Switch

from kctui.app import make_app
from screens.sections.backup_points import BackupPointForm
from screens.wizard.screen import WizardScreen
from store.settings import Settings
from store.store import Store
from tests.screens.test_wizard import errors, world
from tests.screens.waits import until


def in_sight(screen: Any, widget: Any) -> bool:
    """The widget is drawn inside the screen's visible area (not scrolled away)."""
    region = widget.region
    return bool(region.height) and screen.region.contains_region(region)


async def wizard(app: Any, pilot: Any) -> WizardScreen:
    await pilot.press("1", "a")
    await until(pilot, lambda: isinstance(app.screen, WizardScreen), what="the wizard")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, WizardScreen)
    return screen


async def test_wizard_errors_are_in_sight_focused_and_cleared(tmp_path: Path) -> None:
    app = make_app(world(tmp_path), Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await wizard(app, pilot)
        await pilot.press("tab", "tab", "tab", "tab", "m", "ctrl+n")  # no name
        await pilot.pause()
        assert screen.index == 0
        assert errors(screen).startswith("a name is required") and "must be" not in errors(screen)
        line = screen.query_one("#err-metadata-name", Static)
        assert in_sight(screen, line)
        assert screen.focused is screen.query_one("#in-metadata-name", Input)
        await pilot.press("x")
        await pilot.pause()
        assert str(line.render()) == ""  # the field changed: its old error went

        await pilot.press(*"demo", "ctrl+n", "ctrl+n")
        await until(pilot, lambda: screen.index == 2, what="the config step")
        switch = screen.query_one("#in-offline", Switch)
        word = switch.parent.query_one(".switch-word", Static)  # type: ignore[union-attr]
        assert str(word.render()) == "On"
        via = screen.query_one("#in-via-jump-host", Switch)
        assert via.disabled  # offline: nothing to fetch through the jump host
        switch.value = False
        await pilot.pause()
        assert str(word.render()) == "Off"
        assert not via.disabled
        via.value = True
        switch.value = True
        await until(pilot, lambda: via.disabled and not via.value, what="the relay off")
        await pilot.press("ctrl+n")
        await until(pilot, lambda: screen.index == 3, what="the CNI step")
        services = screen.query_one("#in-spec-networking-services", Input)
        services.value = "10.96.5.0/16"
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert "host bits are set in 10.96.5.0/16: did you mean 10.96.0.0/16?" in errors(screen)
        assert screen.focused is services
        first_error = next(line for line in screen.steps()[3].error_lines() if line.render().plain)
        assert in_sight(screen, first_error)


async def test_the_confirm_step_lists_labels_and_taints(tmp_path: Path) -> None:
    app = make_app(world(tmp_path), Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wizard(app, pilot)
        await pilot.press(*"demo", "tab", "tab", "tab", "tab", "m", "w", "ctrl+n")
        await until(pilot, lambda: screen.index == 1, what="the taints step")
        screen.draft.spec.workers[0].labels = {"disk": "ssd"}
        from store.documents.cluster import Taint

        screen.draft.spec.workers[0].taints = [Taint(key="gpu", value="yes", effect="NoSchedule")]
        screen._show(5)
        await pilot.pause()
        text = "\n".join(str(s.render()) for s in screen.steps()[5].query(Static))
        assert "control plane n1: labels none; taints control-plane default" in text
        assert "worker n2: labels disk=ssd; taints gpu=yes:NoSchedule" in text


async def test_the_backup_point_form_starts_on_its_type_and_tabs_in_order(tmp_path: Path) -> None:
    app = make_app(Store(tmp_path / "data"), Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5", "a")
        await until(pilot, lambda: isinstance(app.screen, BackupPointForm), what="the form")
        form = app.screen
        await pilot.pause()
        assert form.focused is form.query_one("#bp-type", Select)
        order = []
        for _ in range(3):
            await pilot.press("tab")
            order.append(form.focused.id if form.focused else None)
        assert order == ["bp-name", "bp-path", "bp-description"]  # fs: no S3 fields on the way
        form.query_one("#bp-type", Select).value = "s3"
        await pilot.pause()
        form.query_one("#bp-type", Select).focus()
        order = []
        for _ in range(3):
            await pilot.press("tab")
            order.append(form.focused.id if form.focused else None)
        assert order == ["bp-name", "bp-endpoint", "bp-bucket"]
        form.query_one("#bp-name", Input).value = "far"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        line = form.query_one("#bp-error", Static)
        assert line.render().plain and in_sight(form, line)
        assert form.focused is form.query_one("#bp-endpoint", Input)
        form.query_one("#bp-endpoint", Input).value = "http://127.0.0.1:9"
        await pilot.pause()
        assert "S3 endpoint" not in line.render().plain  # its problem went with the change


async def test_the_wizard_refuses_what_the_real_cluster_would(tmp_path: Path) -> None:
    """Labels, taints and an NFS server that kubectl, kubelet or mount would refuse stop
    their step at once, naming the node or the entry."""
    app = make_app(world(tmp_path), Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wizard(app, pilot)
        await pilot.press(*"demo", "tab", "tab", "tab", "tab", "m", "w", "ctrl+n")
        await until(pilot, lambda: screen.index == 1, what="the taints step")
        labels = screen.query_one("#labels-n2", Input)
        taints = screen.query_one("#taints-n2", Input)
        for field, value, expected in (
            (labels, "bad key!=v v", "not a valid Kubernetes label"),
            (labels, "x=$(touch /tmp/pwned)", "not a valid Kubernetes label value"),
            (labels, "ok=" + "v" * 64, "not a valid Kubernetes label value"),
            (taints, "gpu=yes:Sometimes", "NoSchedule|PreferNoSchedule|NoExecute"),
            (taints, "x=$(touch /tmp/pwned):NoSchedule", "not a valid"),
        ):
            field.value = value
            await pilot.press("ctrl+n")
            await pilot.pause()
            assert screen.index == 1, value
            said = str(screen.query_one("#err-spec-workers-0", Static).render())
            assert expected in said, (value, said)
            field.value = ""
        await pilot.press("ctrl+n")
        await until(pilot, lambda: screen.index == 2, what="the config step")
        screen._show(4)
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"10.0.0.1;touch /tmp/pwned", "tab", *"/exports", "ctrl+s")
        await pilot.pause()
        if isinstance(app.screen, WizardScreen):  # the entry form took it; the step must not
            await pilot.press("ctrl+n")
            await pilot.pause()
            assert screen.index == 4
            assert "neither an IP address nor a host name" in errors(screen)
        else:  # the entry form refused it itself
            shown = "\n".join(str(s.render()) for s in app.screen.query(Static))
            assert "neither an IP address nor a host name" in shown
        assert not Path("/tmp/pwned").exists()


async def test_a_registry_host_is_host_and_port_only(tmp_path: Path) -> None:
    from screens.sections.kept_forms import RegistryForm

    store = Store(tmp_path / "data")
    app = make_app(store, Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4", "a")
        await until(pilot, lambda: isinstance(app.screen, RegistryForm), what="the form")
        form = app.screen
        form.query_one("#registry-name", Input).value = "harbor"
        host = form.query_one("#registry-host", Input)
        for bad in ("10.0.0.1;touch /tmp/pwned", "https://harbor:5000", "harbor:99999"):
            host.value = bad
            await pilot.press("ctrl+s")
            await pilot.pause()
            said = form.query_one("#registry-error", Static).render().plain
            assert app.screen is form and said.startswith("Host: "), (bad, said)
            assert form.focused is host
        assert store.registries.list() == []
        host.value = "harbor.internal:5000"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: store.registries.list(), what="the registry")


async def test_a_taint_error_focuses_the_taints_field_and_keeps_its_text(tmp_path: Path) -> None:
    app = make_app(world(tmp_path), Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await wizard(app, pilot)
        await pilot.press(*"demo", "tab", "tab", "tab", "tab", "m", "w", "ctrl+n")
        await until(pilot, lambda: screen.index == 1, what="the taints step")
        taints = screen.query_one("#taints-n1", Input)
        default = taints.value
        taints.value = "gpu=yes:Sometimes"
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.focused is taints
        taints.value = default
        screen.query_one("#labels-n1", Input).focus()
        await pilot.press("shift+tab")  # into the taints field: its text is not selected
        await pilot.press("x")
        assert screen.focused is taints and len(taints.value) == len(default) + 1  # not replaced
        assert default.endswith(":NoSchedule")
