"""What every lab shim shares: its argv log, injected faults, and the lab's state dir."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any, NoReturn, TypeGuard

STATE = "/var/lib/kctui-lab"
LOG = "/var/log/kctui-lab/commands.log"


def record(prog: str, args: list[str]) -> None:
    try:
        os.makedirs(os.path.dirname(LOG), exist_ok=True)
        with open(LOG, "a") as f:
            f.write(json.dumps({"t": round(time.time(), 3), "prog": prog, "args": args}) + "\n")
    except OSError:
        pass


def apply_faults(prog: str) -> None:
    faults = os.path.join(STATE, "faults")
    try:
        with open(os.path.join(faults, "slow")) as f:
            time.sleep(float(f.read().strip() or 0))
    except (OSError, ValueError):
        pass
    marker = os.path.join(faults, f"fail-next-{prog}")
    try:
        with open(marker) as f:
            message = f.read().strip()
        os.unlink(marker)
    except OSError:
        return
    print(message or f"{prog}: failed (lab fault)", file=sys.stderr)
    sys.exit(1)


def state_path(*parts: str) -> str:
    path = os.path.join(STATE, *parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def load_json(path: str, default: Any) -> Any:
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def save_json(path: str, value: object) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(value, f, indent=1)
    os.replace(tmp, path)


def die(message: str, code: int = 1) -> NoReturn:
    print(message, file=sys.stderr)
    sys.exit(code)


def alive(pid: int | None) -> TypeGuard[int]:
    """A process that runs (not a zombie)."""
    if not pid:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


def spawn(argv: list[str], log_path: str, env: dict[str, str]) -> int:
    """Start a daemon in its own session, output appended to `log_path`; its pid."""
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            env=env,
            cwd="/",
        )
    return proc.pid


def stop(pid: int | None, kill: Callable[[int, int], None] = os.kill) -> None:
    """SIGTERM, up to 10 s to go, then SIGKILL; `kill` may be os.killpg for the whole group."""
    if not alive(pid):
        return
    with contextlib.suppress(OSError):
        kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if alive(pid):
        with contextlib.suppress(OSError):  # it may have ended since
            kill(pid, signal.SIGKILL)


def container_path(path: str) -> str:
    """The host file a simulated container sees at `path` through its pod's volume mounts
    (LABSIM_MOUNTS, set by the lab kubelet); a path no mount covers does not exist in it."""
    raw = os.environ.get("LABSIM_MOUNTS")
    if raw is None:  # not run as a pod
        return path
    mounts: dict[str, str] = json.loads(raw)
    for mount_path, host_path in sorted(mounts.items(), key=lambda kv: -len(kv[0])):
        if path == mount_path or path.startswith(mount_path.rstrip("/") + "/"):
            return host_path + path[len(mount_path) :]
    raise FileNotFoundError(2, "No such file or directory", path)
