"""Handing the terminal to an interactive ssh (a node's shell, kubectl) and taking it back."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from textual.app import SuspendNotSupported


def banner(what: str) -> str:
    return f"kctui: {what}. Type exit to return to kctui."


def open_terminal(app: Any, argv: list[str], what: str) -> None:
    """Run `argv` in the terminal kctui gives up meanwhile, saying first how to come back."""
    try:
        with app.suspend():
            # the terminal's own stdout: the app's is captured while it runs
            print(banner(what), file=sys.__stdout__, flush=True)
            subprocess.run(argv, check=False)
    except SuspendNotSupported:
        app.notify("This terminal cannot be handed to a shell", severity="error")
