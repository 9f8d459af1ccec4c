"""Every bench, each in its own process, one after the other even when one misses; then one
table of every target with the peer measured in the same run. Exits 1 at the end if a target
was missed or a bench failed to run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from results import MARK  # type: ignore[import-not-found]

HERE = Path(__file__).parent
# (script, environment, needs root)
BENCHES: list[tuple[str, dict[str, str], bool]] = [
    ("startup.py", {}, False),
    ("logview.py", {}, False),
    ("plan_scale.py", {}, False),
    ("lab_scale.py", {}, True),
    ("fanout.py", {}, True),
    ("fanout.py", {"FANOUT_HOSTS": "200", "FANOUT_ROUNDS": "1", "FANOUT_ANSIBLE": "0"}, True),
]


def main() -> int:
    rows: list[list[str]] = []
    failed: list[str] = []
    root = os.geteuid() == 0
    for script, env, needs_root in BENCHES:
        title = script + "".join(f" {k}={v}" for k, v in env.items())
        if needs_root and not root:
            failed.append(f"{title}: needs root")
            continue
        print(f"\n== {title}", flush=True)
        proc = subprocess.Popen(
            [sys.executable, str(HERE / script)],
            env={**os.environ, **env, "PYTHONPATH": f"{HERE.parent}:{HERE}"},
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        seen = 0
        for line in proc.stdout:
            if line.startswith(MARK):
                rows.append(line.rstrip("\n")[len(MARK) :].split("|"))
                seen += 1
            else:
                print(line, end="", flush=True)
        code = proc.wait()
        if seen == 0:
            failed.append(f"{title}: exited {code} without a result")
    header = ["target", "kctui", "peer", "ratio", "goal", ""]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print("\n" + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    for line in failed:
        print(f"not run: {line}")
    missed = [r[0] for r in rows if r[-1] != "met"]
    if missed:
        print(f"missed: {', '.join(missed)}")
    return 1 if missed or failed else 0


if __name__ == "__main__":
    sys.exit(main())
