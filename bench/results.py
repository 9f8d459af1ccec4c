"""One line per measured target, which bench/all.py gathers into the run's table."""

from __future__ import annotations

MARK = "BENCH|"


def report(name: str, value: str, peer: str, ratio: str, target: str, ok: bool) -> bool:
    """Print the line for one target; returns `ok` so a bench can `and` its targets."""
    print(f"{MARK}{name}|{value}|{peer}|{ratio}|{target}|{'met' if ok else 'MISSED'}", flush=True)
    return ok
