"""Snapshots of the main screen, each empty list and the help screen, at 80x24 and 120x40."""

from __future__ import annotations

from typing import Any

import pytest

from kctui.app import KctuiApp
from screens.sections.specs import SECTIONS

SIZES = [(80, 24), (120, 40)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_main_screen(app: KctuiApp, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(app, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.id)
def test_empty_section(
    app: KctuiApp, snap_compare: Any, section: Any, size: tuple[int, int]
) -> None:
    assert snap_compare(app, press=[section.key], terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help_screen(app: KctuiApp, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(app, press=["question_mark"], terminal_size=size)
