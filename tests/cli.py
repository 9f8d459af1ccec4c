"""The `kctui` command as the tests run it: this environment's entry point, in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

KCTUI = str(Path(sys.executable).parent / "kctui")


def run(
    *args: str, input: str = "", env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [KCTUI, *args],
        capture_output=True,
        text=True,
        input=input,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        check=False,
    )


def kctui(data: Path, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    """`kctui --data-dir DATA ARGS...`; keywords as for run()."""
    return run("--data-dir", str(data), *args, **kw)  # type: ignore[arg-type]
