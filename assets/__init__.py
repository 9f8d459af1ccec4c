"""Data the code renders or ships: catalog, config templates, .tcss, lab shims."""

from pathlib import Path

ROOT = Path(__file__).parent


def path(name: str) -> Path:
    return ROOT / name
