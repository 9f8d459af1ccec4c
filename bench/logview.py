"""The log view under a flood: one step writing 200,000 lines over 3 nodes while the view tails.

Reports lines/s ingested by the panes, how long after the step ends every line is in the panes,
and key-press-to-screen latency during the flood. Peer: reading the same files with plain Python
in the same run (the floor for getting the bytes off disk).
Targets: all lines in the panes within 2 s of the step ending; key latency under 100 ms.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from results import report
from textual import events

from kctui.app import make_app
from screens.oplog.screen import OperationLogScreen
from store.documents.operation import NodeTask, Operation, OperationStatus, Step, TaskStatus
from store.logs import log_path
from store.settings import Settings
from store.store import Store

LINES = 200_000
NODES = ["node-a", "node-b", "node-c"]
BATCH = 500
SIZE = tuple(int(x) for x in os.environ.get("LOGVIEW_SIZE", "120x40").split("x"))
RATE = int(os.environ.get("LOGVIEW_RATE", "50000"))  # lines/s over all nodes, a very chatty step


def flood(paths: list[Path], done: threading.Event) -> None:
    per_node = LINES // len(paths)
    files = [open(p, "a", encoding="utf-8") for p in paths]  # noqa: SIM115 - closed below
    began = time.perf_counter()
    try:
        for start in range(0, per_node, BATCH):
            due = began + start * len(paths) / RATE
            if due > time.perf_counter():
                time.sleep(due - time.perf_counter())
            for f in files:
                f.write(
                    "".join(
                        f"2026-11-26T09:30:00.000Z out line {i} of a chatty step, some text to make it realistic\n"
                        for i in range(start, min(start + BATCH, per_node))
                    )
                )
                f.flush()
    finally:
        for f in files:
            f.close()
        done.set()


async def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "data")
        op = Operation(
            type="bench",
            status=OperationStatus.RUNNING,
            steps=[
                Step(
                    name="flood",
                    nodes=NODES,
                    status=TaskStatus.RUNNING,
                    tasks=[NodeTask(node=n, status=TaskStatus.RUNNING) for n in NODES],
                ),
            ],
        )
        store.operations.add(op)
        paths = [log_path(store.operations.dir(op.id), 0, "flood", n) for n in NODES]
        for p in paths:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.touch()
        app = make_app(store, Settings())
        latencies: list[float] = []
        async with app.run_test(size=SIZE) as pilot:
            screen = OperationLogScreen(store, op.id)
            app.push_screen(screen)
            await pilot.pause(0.3)
            done = threading.Event()
            start = time.perf_counter()
            writer = threading.Thread(target=flood, args=(paths, done))
            writer.start()
            frames: list[float] = []
            original = type(app)._display

            def timed_display(self: object, screen: object, renderable: object) -> None:
                original(self, screen, renderable)  # type: ignore[arg-type]
                if renderable is not None:
                    frames.append(time.perf_counter())

            type(app)._display = timed_display  # type: ignore[method-assign]
            presses = 0
            while not done.is_set():
                # tab moves the focus to the next pane; z zooms one pane full screen (a relayout)
                key = "z" if presses % 2 else "tab"
                presses += 1
                before = (screen.has_class("-zoomed"), screen.focused)
                sent = time.perf_counter()
                app.post_message(events.Key(key, None if key == "tab" else key))
                # the key's effect is on screen at the first frame after the state changed
                while time.perf_counter() - sent < 5:
                    await asyncio.sleep(0.001)
                    if (
                        (screen.has_class("-zoomed"), screen.focused) != before
                        and frames
                        and frames[-1] > sent
                    ):
                        latencies.append(next(f for f in frames if f > sent) - sent)
                        break
                await asyncio.sleep(0.1)
            writer.join()
            ended = time.perf_counter()
            op.status = OperationStatus.SUCCEEDED
            op.steps[0].status = TaskStatus.SUCCEEDED
            for t in op.steps[0].tasks:
                t.status = TaskStatus.SUCCEEDED
            store.operations.save(op)
            while sum(p.ingested for p in screen.panes()) < LINES - LINES % len(NODES):
                await pilot.pause(0.02)
                if time.perf_counter() - ended > 30:
                    break
            caught_up = time.perf_counter()
            ingested = sum(p.ingested for p in screen.panes())
        peer_start = time.perf_counter()
        peer_lines = sum(len(p.read_text().splitlines()) for p in paths)
        peer = time.perf_counter() - peer_start
    took = caught_up - start
    print(
        f"log view flood at {SIZE[0]}x{SIZE[1]}: {LINES} lines over {len(NODES)} nodes, "
        f"written at up to {RATE:,} lines/s"
    )
    print(f"  ingested {ingested} lines in {took:.2f} s: {ingested / took:,.0f} lines/s")
    print(
        f"  every line in the panes {caught_up - ended:.2f} s after the step ended (target < 2 s)"
    )
    print(
        f"  key latency during the flood: median {statistics.median(latencies) * 1000:.0f} ms, "
        f"p95 {sorted(latencies)[int(len(latencies) * 0.95)] * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms "
        f"over {len(latencies)} presses (target < 100 ms)"
    )
    print(
        f"  peer: plain Python reads the {peer_lines} lines in {peer:.2f} s: "
        f"{peer_lines / peer:,.0f} lines/s; the view ingests at {ingested / took / (peer_lines / peer):.3f}x that rate"
    )
    p95 = sorted(latencies)[int(len(latencies) * 0.95)]
    rate, peer_rate = ingested / took, peer_lines / peer
    ok = report(
        "log view: every line shown",
        f"{ingested} lines",
        f"{peer_lines} lines read",
        f"{ingested / peer_lines:.2f}x",
        "all",
        ingested == peer_lines,
    )
    ok &= report(
        "log view: caught up after the step",
        f"{caught_up - ended:.2f} s",
        f"{rate:,.0f}/s vs {peer_rate:,.0f}/s",
        f"{rate / peer_rate:.3f}x",
        "< 2 s",
        caught_up - ended < 2,
    )
    ok &= report(
        "log view: key latency p95 in a flood",
        f"{p95 * 1000:.0f} ms",
        "-",
        "-",
        "< 100 ms",
        p95 < 0.1,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
