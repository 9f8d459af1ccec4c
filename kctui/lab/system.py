"""Running host commands for the lab, and checking that the machine can host one."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

APT_PACKAGES = (
    "iproute2 openssh-server openssh-client sudo etcd-server etcd-client openssl python3-yaml curl"
)
SYSTEM_PYTHON = "/usr/bin/python3"


class LabError(Exception):
    """A lab action that cannot proceed; the message says why and what to do."""


REQUIRED: tuple[tuple[str, str], ...] = (
    ("/usr/sbin/ip", "iproute2"),
    ("/usr/bin/unshare", "util-linux"),
    ("/usr/sbin/sshd", "openssh-server"),
    ("/usr/bin/ssh-keygen", "openssh-client"),
    ("/usr/bin/ssh", "openssh-client"),
    ("/usr/bin/sudo", "sudo"),
    ("/usr/bin/etcd", "etcd-server"),
    ("/usr/bin/etcdctl", "etcd-client"),
    ("/usr/bin/openssl", "openssl"),
    (SYSTEM_PYTHON, "python3"),
)


def check_requirements() -> None:
    if os.geteuid() != 0:
        raise LabError(
            "the lab needs root: it creates network namespaces, a bridge and mounts. "
            "Run it as root (sudo kctui lab ...)."
        )
    missing = sorted({pkg for path, pkg in REQUIRED if not Path(path).exists()})
    if missing:
        raise LabError(
            f"the lab needs {', '.join(missing)}, which is not installed: "
            f"apt-get install -y {APT_PACKAGES}"
        )
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import yaml"], capture_output=True, check=False)
    if probe.returncode != 0:
        raise LabError(
            f"the lab's node tools need PyYAML for {SYSTEM_PYTHON}: "
            f"apt-get install -y {APT_PACKAGES}"
        )


def run(args: Sequence[str], *, input: str | None = None, check: bool = True) -> str:
    result = subprocess.run(list(args), input=input, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise LabError(f"{' '.join(args)} failed (exit {result.returncode}): {detail}")
    return result.stdout


def ip_batch(commands: Sequence[str], *, force: bool = False, netns: str = "") -> None:
    """Run many `ip` commands in one process (fast for 50 hosts)."""
    if not commands:
        return
    args = ["ip", *(["-n", netns] if netns else []), *(["-force"] if force else []), "-batch", "-"]
    run(args, input="\n".join(commands) + "\n", check=not force)


def which(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise LabError(f"{name} is not installed: apt-get install -y {APT_PACKAGES}")
    return found
