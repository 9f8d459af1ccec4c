"""Time to first frame: kctui against a bare Textual app, interleaved in one run.

Each sample is a fresh interpreter that imports, builds the app, renders its first frame
headless and exits; we report the in-process time to first frame and the whole-process wall
time. Target: kctui within 1.3x of the bare app.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time

from results import report

RUNS = 15
TARGET = 1.3

# Records the moment the first frame is composed for the terminal (headless: not written).
FIRST_FRAME_HOOK = """
from textual.app import App as _App
_first = []
_display = _App._display

def _timed_display(self, screen, renderable):
    if renderable is not None and not _first:
        _first.append(time.perf_counter() - t0)
    return _display(self, screen, renderable)

_App._display = _timed_display

async def first_frame(pilot):
    await pilot.pause()
    print(_first[0], time.perf_counter() - t0)
    pilot.app.exit()
"""

BARE = (
    """
import time
t0 = time.perf_counter()
"""
    + FIRST_FRAME_HOOK
    + """
from textual.app import App
from textual.widgets import Footer, Header

class Bare(App):
    def compose(self):
        yield Header()
        yield Footer()

Bare().run(headless=True, size=(80, 24), auto_pilot=first_frame)
"""
)

KCTUI = (
    """
import sys, time
t0 = time.perf_counter()
"""
    + FIRST_FRAME_HOOK
    + """
from kctui.cli.main import build_tui, tui_context
app = build_tui(tui_context(["--data-dir", sys.argv[1]]))
app.run(headless=True, size=(80, 24), auto_pilot=first_frame)
"""
)


Sample = tuple[float, float, float]  # first frame, settled (lists loaded), process wall


def sample(code: str, data_dir: str) -> Sample:
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code, data_dir], capture_output=True, text=True, check=True
    ).stdout
    wall = time.perf_counter() - start
    first, settled = (float(x) for x in out.strip().splitlines()[-1].split())
    return first, settled, wall


def main() -> int:
    with tempfile.TemporaryDirectory() as data_dir:
        sample(KCTUI, data_dir)  # warm the page cache and create the store
        sample(BARE, data_dir)
        results: dict[str, list[Sample]] = {"bare textual": [], "kctui": []}
        for _ in range(RUNS):
            results["bare textual"].append(sample(BARE, data_dir))
            results["kctui"].append(sample(KCTUI, data_dir))
    medians = {
        name: tuple(statistics.median(s[i] for s in samples) for i in range(3))
        for name, samples in results.items()
    }
    bare = medians["bare textual"]
    print(f"startup, median of {RUNS} interleaved runs each (ratio: against the bare app)")
    print(f"{'app':<14}" + "".join(f"{h:>22}" for h in ("first frame", "settled", "process wall")))
    for name, values in medians.items():
        cells = "".join(
            f"{v * 1000:>13.0f}ms {v / b:>5.2f}x" for v, b in zip(values, bare, strict=True)
        )
        print(f"{name:<14}{cells}")
    ratio = medians["kctui"][0] / bare[0]
    ok = report(
        "first frame (median)",
        f"{medians['kctui'][0] * 1000:.0f} ms",
        f"{bare[0] * 1000:.0f} ms bare Textual",
        f"{ratio:.2f}x",
        f"<= {TARGET}x",
        ratio <= TARGET,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
