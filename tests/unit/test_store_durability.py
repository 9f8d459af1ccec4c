"""Crash safety and cross-process consistency of the state file, with real processes."""

from __future__ import annotations

import collections
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import FAULT_SCALE
from tests.unit.workers import Counter, counters

ROOT = Path(__file__).resolve().parents[2]
KILL_POINTS = 60 * FAULT_SCALE


def spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.unit.workers", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_sigkill_while_writing_leaves_old_or_new_document(
    tmp_path: Path, tally: collections.Counter[str]
) -> None:
    data = tmp_path / "data"
    counters(data).put(Counter(name="c", value=0))
    rng = random.Random(20261126)
    committed = 0
    outcomes = {"old": 0, "new": 0}
    for _ in range(KILL_POINTS):
        # ~1 MB documents make each write long enough to be cut at varied points.
        proc = spawn("writer", str(data), str(committed + 1), str(1 << 20))
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.strip(), "writer died before its first write"
        time.sleep(rng.uniform(0, 0.03))
        proc.send_signal(signal.SIGKILL)
        rest = proc.stdout.read()
        proc.wait()
        acked = [int(line) for line in (first + rest).split()]
        last_acked = acked[-1]

        found = counters(data).get("c").value
        tally["SIGKILLs of store writers"] += 1
        tally["lost writes"] += found < last_acked
        assert found in (last_acked, last_acked + 1), (found, last_acked)
        outcomes["old" if found == last_acked else "new"] += 1
        committed = found
    assert sum(outcomes.values()) == KILL_POINTS
    # Opening the store cleaned the temp files the killed writers left behind.
    assert not list(data.glob(".state.json.*.tmp"))


def test_two_processes_incrementing_never_lose_an_update(tmp_path: Path) -> None:
    data = tmp_path / "data"
    counters(data).put(Counter(name="c", value=0))
    procs = [spawn("increment", str(data), "200") for _ in range(2)]
    for p in procs:
        p.communicate(timeout=120)
        assert p.returncode == 0
    assert counters(data).get("c").value == 400


def test_a_second_store_in_the_same_process_sees_writes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    a, b = counters(data), counters(data)
    a.put(Counter(name="c", value=1))
    assert b.get("c").value == 1
    b.update("c", lambda c: c.model_copy(update={"value": 2}))
    assert a.get("c").value == 2


def test_state_file_and_dir_are_private(tmp_path: Path) -> None:
    from store.store import Store

    data = tmp_path / "data"
    Store(data).templates.list()
    counters(data).put(Counter(name="c"))
    assert os.stat(data).st_mode & 0o777 == 0o700
    assert os.stat(data / "state.json").st_mode & 0o777 == 0o600
