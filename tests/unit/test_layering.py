"""engine/ and store/ must import with Textual unavailable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import importlib, pkgutil, sys

class Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("textual", "rich"):
            raise ImportError(f"{name} is blocked in this test")
        return None

sys.meta_path.insert(0, Blocked())
imported = []
for top in ("engine", "store"):
    pkg = importlib.import_module(top)
    imported.append(top)
    for mod in pkgutil.walk_packages(pkg.__path__, top + "."):
        importlib.import_module(mod.name)
        imported.append(mod.name)
assert not any(m.split(".")[0] in ("textual", "rich") for m in sys.modules), "textual leaked"
print(" ".join(imported))
"""


def test_engine_and_store_import_without_textual() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    modules = result.stdout.split()
    assert "store.repository" in modules and "store.documents.cluster" in modules
    assert "engine" in modules


def test_the_probe_does_block_textual() -> None:
    code = PROBE.replace('for top in ("engine", "store")', 'for top in ("screens",)')
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0 and "blocked in this test" in result.stderr


def test_no_screen_text_names_a_command_line_flag() -> None:
    """The TUI speaks of its fields and keys; the CLI's flags are the CLI's business."""
    import ast
    import re

    flag = re.compile(r"(^|[\s(])--[a-z]")
    found = []
    for path in sorted((ROOT / "screens").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and flag.search(text):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text[:60]!r}")
    assert found == []
