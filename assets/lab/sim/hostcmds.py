"""Host-level commands that would touch the real kernel or init: recorded, never applied.

systemctl keeps unit state per host and really runs ExecStart of units whose unit file exists
(that is how `systemctl start kubelet` starts the kubelet shim).
"""

import fcntl
import glob
import os
import re
import shlex
import sys
from collections.abc import Callable
from typing import Any, cast

import common

UNIT_DIRS = ("/etc/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system")
REAL = {"mount": "/usr/bin/mount", "umount": "/usr/bin/umount"}


def run(prog: str, args: list[str]) -> int:
    command = cast(Callable[[list[str]], int], globals()[f"cmd_{prog}"])
    return command(args)


# --- systemctl -------------------------------------------------------------------------


def _units() -> dict[str, dict[str, Any]]:
    units: dict[str, dict[str, Any]] = common.load_json(
        common.state_path("systemd", "units.json"), {}
    )
    return units


def _save_units(units: dict[str, dict[str, Any]]) -> None:
    common.save_json(common.state_path("systemd", "units.json"), units)


def _unit_name(name: str) -> str:
    return name if "." in name else f"{name}.service"


def _unit_file(unit: str) -> str | None:
    for d in UNIT_DIRS:
        path = os.path.join(d, unit)
        if os.path.exists(path):
            return path
    return None


def _parse_unit(path: str, unit: str) -> tuple[str, dict[str, str]]:
    """ExecStart and environment from the unit file and its drop-ins, as systemd reads them."""
    files = [path, *sorted(glob.glob(f"/etc/systemd/system/{unit}.d/*.conf"))]
    env, exec_start = {}, ""
    for f in files:
        with open(f) as fh:
            for raw in fh:
                line = raw.strip()
                if "=" not in line or line.startswith(("#", ";", "[")):
                    continue
                key, value = line.split("=", 1)
                if key == "Environment":
                    for item in shlex.split(value):
                        k, _, v = item.partition("=")
                        env[k] = v
                elif key == "EnvironmentFile":
                    env.update(_read_env_file(value.lstrip("-")))
                elif key == "ExecStart":
                    exec_start = value  # an empty ExecStart= resets, a later one replaces
    return exec_start, env


def _read_env_file(path: str) -> dict[str, str]:
    env: dict[str, str] = {}
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    k, v = line.split("=", 1)
                    env[k.strip()] = v.strip().strip('"')
    except OSError:
        pass
    return env


def _expand(command: str, env: dict[str, str]) -> list[str]:
    def sub(m: re.Match[str]) -> str:
        return env.get(m.group(1) or m.group(2), "")

    words = []
    for word in shlex.split(command.lstrip("-@")):
        if re.fullmatch(r"\$(\w+)", word):  # $VAR alone splits into words, as in systemd
            words += env.get(word[1:], "").split()
        else:
            words.append(re.sub(r"\$\{(\w+)\}|\$(\w+)", sub, word))
    return words


def _start(unit: str, units: dict[str, dict[str, Any]]) -> int:
    state = units.setdefault(unit, {})
    if common.alive(state.get("pid")):
        return 0
    path = _unit_file(unit)
    if path is None:
        print(f"Failed to start {unit}: Unit {unit} not found.", file=sys.stderr)
        return 5
    exec_start, env = _parse_unit(path, unit)
    if not exec_start:
        state["pid"], state["active"] = 0, True
        return 0
    argv = _expand(exec_start, {**os.environ, **env})
    pid = common.spawn(argv, f"/var/log/kctui-lab/{unit}.log", {**os.environ, **env})
    state["pid"], state["active"] = pid, True
    return 0


def _stop(unit: str, units: dict[str, dict[str, Any]]) -> None:
    state = units.setdefault(unit, {})
    common.stop(state.get("pid"), os.killpg)
    state["pid"], state["active"] = 0, False


def _is_active(state: dict[str, Any]) -> bool:
    if state.get("pid"):
        return common.alive(state["pid"])
    return bool(state.get("active"))


def cmd_systemctl(args: list[str]) -> int:
    # One systemctl at a time per host, as systemd serialises jobs: two reading and writing the
    # unit state at once could lose a started daemon's pid and start a second one.
    with open(common.state_path("systemd", "lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _systemctl(args)


def _systemctl(args: list[str]) -> int:
    flags = {a for a in args if a.startswith("-")}
    words = [a for a in args if not a.startswith("-")]
    if not words:
        return 0
    verb, names = words[0], [_unit_name(n) for n in words[1:]]
    quiet = "--quiet" in flags or "-q" in flags
    now = "--now" in flags
    units = _units()
    code = 0
    if verb in ("daemon-reload", "reset-failed", "daemon-reexec"):
        return 0
    for unit in names:
        state = units.setdefault(unit, {})
        if verb in ("enable", "disable"):
            if _unit_file(unit) is None:
                print(f"Failed to {verb} unit: Unit file {unit} does not exist.", file=sys.stderr)
                code = 1
                continue
            state["enabled"] = verb == "enable"
            if now:
                code = max(code, _start(unit, units) if verb == "enable" else 0)
                if verb == "disable":
                    _stop(unit, units)
        elif verb in ("mask", "unmask"):
            state["masked"] = verb == "mask"
        elif verb == "start":
            code = max(code, _start(unit, units))
        elif verb == "stop":
            _stop(unit, units)
        elif verb in ("restart", "reload-or-restart", "try-restart"):
            _stop(unit, units)
            code = max(code, _start(unit, units))
        elif verb == "reload":
            pass
        elif verb == "is-active":
            active = _is_active(state)
            if not quiet:
                print("active" if active else "inactive")
            code = max(code, 0 if active else 3)
        elif verb == "is-enabled":
            enabled = bool(state.get("enabled"))
            if not quiet:
                print("enabled" if enabled else "disabled")
            code = max(code, 0 if enabled else 1)
        elif verb == "status":
            active = _is_active(state)
            print(f"* {unit}\n   Active: {'active (running)' if active else 'inactive (dead)'}")
            if state.get("pid"):
                print(f"   Main PID: {state['pid']}")
            code = max(code, 0 if active else 3)
        else:
            print(f"systemctl (lab): unsupported verb {verb}", file=sys.stderr)
            return 1
    _save_units(units)
    return code


# --- modprobe, sysctl, swapoff ----------------------------------------------------------


def cmd_modprobe(args: list[str]) -> int:
    path = common.state_path("modules.json")
    loaded = common.load_json(path, [])
    remove = "-r" in args or "--remove" in args
    for name in [a for a in args if not a.startswith("-")]:
        if remove and name in loaded:
            loaded.remove(name)
        elif not remove and name not in loaded:
            loaded.append(name)
    common.save_json(path, loaded)
    return 0


def _sysctl_values() -> dict[str, str]:
    values: dict[str, str] = common.load_json(common.state_path("sysctl.json"), {})
    return values


def _sysctl_read(key: str, values: dict[str, str]) -> str | None:
    if key in values:
        return values[key]
    try:
        with open("/proc/sys/" + key.replace(".", "/")) as f:
            return f.read().strip()
    except OSError:
        return None


def _sysctl_files(args: list[str]) -> list[str]:
    if "--system" in args:
        files = sorted(glob.glob("/etc/sysctl.d/*.conf"))
        return files + (["/etc/sysctl.conf"] if os.path.exists("/etc/sysctl.conf") else [])
    i = args.index("-p") if "-p" in args else args.index("--load")
    rest = [a for a in args[i + 1 :] if not a.startswith("-")]
    return rest or ["/etc/sysctl.conf"]


def cmd_sysctl(args: list[str]) -> int:
    values = _sysctl_values()
    if "--system" in args or "-p" in args or "--load" in args:
        for path in _sysctl_files(args):
            try:
                with open(path) as f:
                    for line in f:
                        line = line.strip()
                        if line and not line.startswith(("#", ";")) and "=" in line:
                            k, v = (p.strip() for p in line.split("=", 1))
                            values[k.lstrip("-")] = v
                            print(f"{k} = {v}")
            except OSError as e:
                print(f"sysctl: cannot open {path}: {e.strerror}", file=sys.stderr)
                return 1
        common.save_json(common.state_path("sysctl.json"), values)
        return 0
    only_value = "-n" in args
    code = 0
    for item in [a for a in args if not a.startswith("-")]:
        if "=" in item:
            k, v = (p.strip() for p in item.split("=", 1))
            values[k] = v
            print(f"{k} = {v}")
        else:
            value = _sysctl_read(item, values)
            if value is None:
                print(f"sysctl: cannot stat /proc/sys/{item.replace('.', '/')}", file=sys.stderr)
                code = 255
            else:
                print(value if only_value else f"{item} = {value}")
    common.save_json(common.state_path("sysctl.json"), values)
    return code


def cmd_swapoff(args: list[str]) -> int:
    common.save_json(common.state_path("swap.json"), {"swap": "off", "args": args})
    return 0


# --- mount and umount of NFS ------------------------------------------------------------


def _nfs_mounts() -> dict[str, dict[str, str]]:
    mounts: dict[str, dict[str, str]] = common.load_json(common.state_path("nfs-mounts.json"), {})
    return mounts


def cmd_mount(args: list[str]) -> int:
    words = [a for a in args if not a.startswith("-")]
    fstype = ""
    options = ""
    if "-t" in args:
        fstype = args[args.index("-t") + 1]
        words.remove(fstype)
    if "-o" in args:
        options = args[args.index("-o") + 1]
        words.remove(options)
    is_nfs = fstype.startswith("nfs") or (len(words) == 2 and re.match(r"^[^/]+:/", words[0]))
    if not is_nfs:
        os.execv(REAL["mount"], [REAL["mount"], *args])
    source, target = words
    os.makedirs(target, exist_ok=True)
    mounts = _nfs_mounts()
    mounts[target] = {"source": source, "fstype": fstype or "nfs", "options": options}
    common.save_json(common.state_path("nfs-mounts.json"), mounts)
    return 0


def cmd_umount(args: list[str]) -> int:
    mounts = _nfs_mounts()
    targets = [a for a in args if not a.startswith("-")]
    if targets and all(t.rstrip("/") in mounts or t in mounts for t in targets):
        for t in targets:
            mounts.pop(t, None)
            mounts.pop(t.rstrip("/"), None)
        common.save_json(common.state_path("nfs-mounts.json"), mounts)
        return 0
    os.execv(REAL["umount"], [REAL["umount"], *args])
    return 0
