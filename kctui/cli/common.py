"""Options every command accepts, before or after its name."""

from __future__ import annotations

import argparse
from typing import Any

GLOBAL_OPTIONS = argparse.ArgumentParser(add_help=False)
GLOBAL_OPTIONS.add_argument(
    "--data-dir",
    metavar="DIR",
    default=argparse.SUPPRESS,
    help="where kctui keeps its state (default: $KCTUI_DATA_DIR or the user data dir)",
)


def add_command(sub: Any, name: str, help: str, **kwargs: Any) -> argparse.ArgumentParser:
    """Add a leaf command that also takes the global options."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name, help=help, description=help, parents=[GLOBAL_OPTIONS], **kwargs
    )
    return parser
