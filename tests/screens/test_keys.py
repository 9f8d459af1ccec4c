"""Keys: no screen offers a key the app takes first, and no key leaves the wizard losing input."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import DataTable

import screens
from kctui.app import KctuiApp, make_app
from screens.wizard.screen import WizardScreen
from store.settings import Settings
from tests.screens.test_wizard import world
from tests.screens.waits import until


def kctui_classes() -> list[type[DOMNode]]:
    found: dict[str, type[DOMNode]] = {}
    for info in pkgutil.walk_packages(screens.__path__, "screens."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, DOMNode) and cls.__module__.startswith("screens."):
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return list(found.values())


def keys(bindings: object) -> set[str]:
    out = set()
    for b in bindings:  # type: ignore[attr-defined]
        key = b.key if isinstance(b, Binding) else b[0]
        out.update(k.strip() for k in key.split(","))
    return out


def test_no_screen_binding_collides_with_an_app_binding() -> None:
    """A key a screen offers must not be one the app takes first. On a modal screen only the
    app's priority keys are active, so only those can take a modal's key."""
    app_bindings = [
        b
        for cls in KctuiApp.__mro__
        for b in cls.__dict__.get("BINDINGS", [])
        if isinstance(b, Binding)
    ]
    app_keys = keys(app_bindings)
    priority_keys = keys(b for b in app_bindings if b.priority)
    assert {"q", "ctrl+q", "ctrl+c", "ctrl+p", "question_mark"} <= app_keys
    assert {"ctrl+q", "ctrl+p"} <= priority_keys
    classes = kctui_classes()
    assert len(classes) > 20
    collisions = [
        f"{cls.__qualname__}: {key}"
        for cls in classes
        for key in keys(cls.__dict__.get("BINDINGS", []))
        if key in (priority_keys if issubclass(cls, ModalScreen) else app_keys)
    ]
    assert collisions == []


async def test_quick_create_goes_to_confirm_and_the_app_stays(tmp_path: Path) -> None:
    store = world(tmp_path)
    app = make_app(store, Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WizardScreen)
        await pilot.press(*"quick", "tab", "tab", "tab", "tab", "m", "ctrl+n", "ctrl+n")
        await until(pilot, lambda: screen.index == 2, what="the config step")
        await pilot.press("ctrl+g")
        await until(pilot, lambda: screen.index == 5, what="the confirm step")
        assert app.is_running and app.screen is screen


async def quit_in_the_node_table(
    tmp_path: Path, key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store = world(tmp_path)
    app = make_app(store, Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"kept", "tab", "tab", "tab", "tab", "m")
        await pilot.pause()
        assert isinstance(app.focused, DataTable)
        await pilot.press(key)
        await until(pilot, lambda: not app.is_running, what="the app to quit")
    draft = store.drafts.get("wizard")
    assert draft.cluster.name == "kept" and [m.node for m in draft.cluster.spec.masters] == ["n1"]
    assert "kept as a draft" in capsys.readouterr().err


async def test_q_in_the_wizard_keeps_the_draft(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await quit_in_the_node_table(tmp_path, "q", capsys)


async def test_ctrl_q_in_the_wizard_keeps_the_draft(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await quit_in_the_node_table(tmp_path, "ctrl+q", capsys)


async def test_esc_on_the_keep_draft_question_goes_back_to_the_wizard(tmp_path: Path) -> None:
    store = world(tmp_path)
    app = make_app(store, Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        screen = app.screen
        await pilot.press(*"d1", "escape")
        await pilot.pause()
        await pilot.press("escape")  # on the question: back, nothing lost
        await pilot.pause()
        assert app.screen is screen and screen.query_one("#in-metadata-name").value == "d1"  # type: ignore[attr-defined]
        await pilot.press("escape", "y")
        await until(pilot, lambda: store.drafts.find("wizard") is not None, what="the draft")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, WizardScreen), what="the wizard")
        await until(
            pilot,
            lambda: any("Continuing the draft of d1" in str(n.message) for n in app._notifications),
            what="the draft said",
        )


async def test_node_keys_act_only_in_the_node_table(tmp_path: Path) -> None:
    store = world(tmp_path)
    app = make_app(store, Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, WizardScreen)
        await pilot.press("tab", "tab", "tab", "tab", "m")  # n1 as control plane, in the table
        await pilot.pause()
        await pilot.press("shift+tab", "shift+tab")  # away from the table
        await pilot.pause()
        assert not isinstance(app.focused, DataTable)
        await pilot.press("u")
        await pilot.pause()
        screen.steps()[0].apply(screen.draft)
        assert [m.node for m in screen.draft.spec.masters] == ["n1"]
