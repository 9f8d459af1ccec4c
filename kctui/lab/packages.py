"""The lab's executables and the resource packages that carry them to the hosts."""

from __future__ import annotations

import os
import shutil
import tempfile
import zipapp
from pathlib import Path

import assets
from kctui.lab.system import SYSTEM_PYTHON

SIM_SOURCE = assets.path("lab/sim")


def build_labsim(dest: Path) -> Path:
    """Bundle assets/lab/sim into one executable zip run by the system Python of the hosts."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "sim"
        shutil.copytree(SIM_SOURCE, src, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        partial = dest.with_suffix(".tmp")
        zipapp.create_archive(src, partial, interpreter=SYSTEM_PYTHON)
    os.chmod(partial, 0o755)
    partial.replace(dest)
    return dest
