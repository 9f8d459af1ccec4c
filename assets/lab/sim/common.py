"""What every lab shim shares: its argv log, injected faults, and the lab's state dir."""

import json
import os
import sys
import time

STATE = "/var/lib/kctui-lab"
LOG = "/var/log/kctui-lab/commands.log"


def record(prog, args):
    try:
        os.makedirs(os.path.dirname(LOG), exist_ok=True)
        with open(LOG, "a") as f:
            f.write(json.dumps({"t": round(time.time(), 3), "prog": prog, "args": args}) + "\n")
    except OSError:
        pass


def apply_faults(prog):
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


def state_path(*parts):
    path = os.path.join(STATE, *parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def load_json(path, default):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def save_json(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(value, f, indent=1)
    os.replace(tmp, path)


def die(message, code=1):
    print(message, file=sys.stderr)
    sys.exit(code)
