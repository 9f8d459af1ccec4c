"""Waiting in a Pilot test for what the app does in its own time: workers, timers, messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


async def until(
    pilot: Any, check: Callable[[], object], seconds: float = 5.0, what: str = "the condition"
) -> None:
    """Pause in small steps until `check()` holds; fail after `seconds`."""
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await pilot.pause(0.05)
    if not check():
        raise AssertionError(f"timed out after {seconds} s waiting for {what}")
