"""At 80x24 (and 120x40) every screen's footer shows whole keys only, with `?` last, and the
wizard's breadcrumb always shows the current step's title."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static, TabbedContent
from textual.widgets._footer import FooterKey

from kctui.app import make_app
from screens.clusters.detail import ClusterDetailScreen
from screens.footer import KeyFooter
from screens.oplog.screen import OperationLogScreen
from screens.wizard.screen import STEPS, WizardScreen
from store.settings import Settings
from tests.screens.test_snapshots_flows import OP_ID, seeded
from tests.screens.waits import until

SIZES = [(80, 24), (120, 40)]


async def footer_keys(app: Any, pilot: Any) -> list[tuple[str, str]]:
    """The footer's keys once it has drawn them (it composes after the screen's first frame)."""
    footer = app.screen.query_one(KeyFooter)
    await until(pilot, lambda: list(footer.query(FooterKey)), what="the footer's keys")
    await pilot.pause()
    keys = list(footer.query(FooterKey))
    width = footer.region.width
    for key in keys:
        shown = key.render().plain
        assert key.region.right <= width, f"{shown!r} is cut at {width} columns"
        assert key.region.width >= len(shown.rstrip()), shown
    return [(k.key_display, k.description) for k in keys]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_footer_shows_whole_keys_and_help(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    store = seeded(tmp_path)
    app = make_app(store, Settings())
    seen: dict[str, list[tuple[str, str]]] = {}
    async with app.run_test(size=size) as pilot:
        for key in "1234567":
            await pilot.press(key)
            await pilot.pause()
            seen[f"section {key}"] = await footer_keys(app, pilot)
        app.push_screen(ClusterDetailScreen(store, lambda: Settings(), "prod"))
        await pilot.pause()
        for tab in ("overview", "nodes", "plugins", "backups", "schedules", "operations"):
            app.screen.query_one("#tabs", TabbedContent).active = tab
            await pilot.pause()
            seen[f"cluster {tab}"] = await footer_keys(app, pilot)
        app.pop_screen()
        app.push_screen(OperationLogScreen(store, OP_ID))
        await pilot.pause(0.2)
        seen["log"] = await footer_keys(app, pilot)
        app.pop_screen()
        await pilot.press("1", "a")
        await until(pilot, lambda: isinstance(app.screen, WizardScreen), what="the wizard")
        await pilot.pause()
        seen["wizard"] = await footer_keys(app, pilot)
    for where, keys in seen.items():
        assert {"?", "f1"} & {k for k, _ in keys}, where
    log_keys = {k for k, _ in seen["log"]}
    assert {"n", "N", "x", "s", "/"} <= log_keys
    if size == (120, 40):
        assert ("?", "Help") in seen["log"]  # everything fits: nothing hidden
        assert {"C", "t"} <= {k for k, _ in seen["log"]}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_breadcrumb_shows_the_current_step(tmp_path: Path, size: tuple[int, int]) -> None:
    store = seeded(tmp_path)
    app = make_app(store, Settings())
    async with app.run_test(size=size) as pilot:
        await pilot.press("1", "a")
        await until(pilot, lambda: isinstance(app.screen, WizardScreen), what="the wizard")
        screen = app.screen
        for index, step in enumerate(STEPS):
            screen._show(index)
            await pilot.pause()
            bar = screen.query_one("#indicator", Static)
            shown = bar.render_line(0).text
            assert f"{index + 1} {step.TITLE}" in shown, (index, shown)
            assert str(len(STEPS)) in shown
