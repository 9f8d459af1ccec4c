"""One lab host: its files prepared on the jump host, then sshd started in new namespaces."""

from __future__ import annotations

import shlex
import socket
import subprocess
import time
from pathlib import Path

from kctui.lab.state import SUDO_NOPASSWD_USER, SUDO_PASSWORD_USER, Lab, LabHost
from kctui.lab.system import LabError, run

# Private tmpfs on every host, over what a deploy writes. /etc and /var are overlays first, so
# mount points that do not exist on the real machine are made in the overlay, not on it.
PRIVATE_DIRS = (
    "/etc/kubernetes",
    "/etc/containerd",
    "/etc/docker",
    "/etc/cni",
    "/etc/sysctl.d",
    "/etc/modules-load.d",
    "/etc/security/limits.d",
    "/etc/systemd/system",
    "/var/lib/etcd",
    "/var/lib/kubelet",
    "/var/lib/containerd",
    "/var/lib/docker",
    "/var/lib/kctui-lab",
    "/var/log",
    "/opt",
    "/usr/local/bin",
    "/usr/local/sbin",
    "/root",
    "/home",
    "/tmp",
)
MOUNT_SOURCE = "kctui-lab"  # the device name of every lab mount, so a leak is easy to spot
UID = {SUDO_NOPASSWD_USER: 1500, SUDO_PASSWORD_USER: 1501}
HOST_SHIMS = ("systemctl", "modprobe", "sysctl", "swapoff", "mount", "umount")

SSHD_CONFIG = """\
ListenAddress {address}
Port 22
HostKey {dir}/ssh_host_ed25519_key
PidFile none
AuthorizedKeysFile .ssh/authorized_keys
PermitRootLogin yes
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM no
PrintMotd no
PrintLastLog no
UseDNS no
MaxStartups 1000
MaxSessions 1000
AcceptEnv LANG LC_*
Subsystem sftp internal-sftp
LogLevel ERROR
"""


def prepare_files(lab: Lab, host: LabHost, public_key: str, password_hash: str) -> None:
    """Write the host's sshd config, host key and private /etc files on the jump host."""
    d = host.dir
    files = d / "files"
    files.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = d / "ssh_host_ed25519_key"
    if not key.exists():
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", host.name, "-f", str(key)])
    host.host_key_fingerprint = fingerprint(key.with_suffix(".pub"))
    (d / "sshd_config").write_text(SSHD_CONFIG.format(address=host.address, dir=d))

    passwd = Path("/etc/passwd").read_text().rstrip("\n").splitlines()
    shadow = Path("/etc/shadow").read_text().rstrip("\n").splitlines()
    group = Path("/etc/group").read_text().rstrip("\n").splitlines()
    drop = set(UID)
    passwd = [line for line in passwd if line.split(":")[0] not in drop]
    group = [line for line in group if line.split(":")[0] not in drop]
    # Root logs in by key only on lab hosts; the real root password hash is not copied.
    shadow = [_lock_root(line) for line in shadow if line.split(":")[0] not in drop]
    for user, uid in UID.items():
        passwd.append(f"{user}:x:{uid}:{uid}::/home/{user}:/bin/bash")
        group.append(f"{user}:x:{uid}:")
        secret = password_hash if user == SUDO_PASSWORD_USER else "*"
        shadow.append(f"{user}:{secret}:20000:0:99999:7:::")
    (files / "passwd").write_text("\n".join(passwd) + "\n")
    (files / "group").write_text("\n".join(group) + "\n")
    (files / "shadow").write_text("\n".join(shadow) + "\n")
    (files / "sudoers").write_text(
        f"{SUDO_NOPASSWD_USER} ALL=(ALL:ALL) NOPASSWD: ALL\n"
        f"{SUDO_PASSWORD_USER} ALL=(ALL:ALL) ALL\n"
        # Every sudo asks again: hosts share /run, where sudo keeps its timestamps.
        f"Defaults:{SUDO_PASSWORD_USER} timestamp_timeout=0\n"
    )
    hosts = ["127.0.0.1 localhost", "::1 localhost ip6-localhost ip6-loopback"]
    hosts += [f"{h.address} {h.name}" for h in lab.hosts]
    (files / "hosts").write_text("\n".join(hosts) + "\n")
    (files / "authorized_keys").write_text(public_key.strip() + "\n")


def _lock_root(line: str) -> str:
    fields = line.split(":")
    if fields[0] == "root":
        fields[1] = "*"
    return ":".join(fields)


def fingerprint(public_key: Path) -> str:
    out = run(["ssh-keygen", "-l", "-E", "sha256", "-f", str(public_key)])
    return out.split()[1]


def served_fingerprint(host: LabHost) -> str:
    """The SHA256 fingerprint of the host key sshd presents now, or "" if it does not answer."""
    scan = subprocess.run(
        ["ssh-keyscan", "-T", "2", "-t", "ed25519", host.address],
        capture_output=True,
        text=True,
        check=False,
    )
    if not scan.stdout.strip():
        return ""
    fp = subprocess.run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", "-"],
        input=scan.stdout,
        capture_output=True,
        text=True,
        check=False,
    )
    parts = fp.stdout.split()
    return parts[1] if len(parts) > 1 else ""


def setup_script(host: LabHost) -> str:
    d = shlex.quote(str(host.dir))
    shim = shlex.quote(str(host.dir.parent.parent / "labsim"))
    lines = [
        "set -euo pipefail",
        f"hostname {shlex.quote(host.name)}",
        "ip link set lo up",
        f"mount -t tmpfs -o mode=0755 {MOUNT_SOURCE} {d}/fs",
    ]
    for top in ("etc", "var"):
        lines += [
            f"mkdir -p {d}/fs/{top}/upper {d}/fs/{top}/work",
            f"mount -t overlay {MOUNT_SOURCE} -o lowerdir=/{top},upperdir={d}/fs/{top}/upper,"
            f"workdir={d}/fs/{top}/work /{top}",
        ]
    for path in PRIVATE_DIRS:
        lines += [f"mkdir -p {path}", f"mount -t tmpfs -o mode=0755 {MOUNT_SOURCE} {path}"]
    lines += [
        "chmod 1777 /tmp",
        "chmod 0700 /root",
        f"install -m 0644 {d}/files/passwd /etc/passwd",
        f"install -m 0644 {d}/files/group /etc/group",
        f"install -m 0640 -g shadow {d}/files/shadow /etc/shadow",
        f"install -m 0440 {d}/files/sudoers /etc/sudoers.d/kctui-lab",
        f"install -m 0644 {d}/files/hosts /etc/hosts",
        f"echo {shlex.quote(host.name)} > /etc/hostname",
        # each host is a machine of its own, as systemd-machine-id-setup makes it
        "od -An -N16 -tx1 /dev/urandom | tr -d ' \\n' > /etc/machine-id && echo >> /etc/machine-id",
        f"install -m 0755 {shim} /usr/local/sbin/labsim",
    ]
    lines += [f"ln -s labsim /usr/local/sbin/{name}" for name in HOST_SHIMS]
    lines += [
        "mkdir -p /var/lib/kctui-lab/faults /var/log/kctui-lab",
        f"install -d -m 0700 /root/.ssh && install -m 0600 {d}/files/authorized_keys /root/.ssh/",
    ]
    for user, uid in UID.items():
        home = f"/home/{user}"
        lines += [
            f"install -d -m 0700 -o {uid} -g {uid} {home} {home}/.ssh",
            f"install -m 0600 -o {uid} -g {uid} {d}/files/authorized_keys {home}/.ssh/",
        ]
    # -r: no re-exec per connection, which costs ~7 ms of CPU per ssh command; sshd reloads its
    # config and host key on SIGHUP instead.
    lines += ["mkdir -p /run/sshd", f"exec /usr/sbin/sshd -D -e -r -f {d}/sshd_config"]
    return "\n".join(lines) + "\n"


def start(host: LabHost) -> subprocess.Popen[bytes]:
    """Start the host's namespaces and sshd; the returned process is `unshare`, sshd's parent."""
    (host.dir / "fs").mkdir(exist_ok=True)
    log = open(host.dir / "sshd.log", "ab")  # noqa: SIM115 - handed to the child
    try:
        return subprocess.Popen(
            # A PID namespace too: sshd is the host's PID 1, so the daemons a deploy starts are
            # the host's own processes, reaped inside it and ended with it.
            [
                "ip",
                "netns",
                "exec",
                host.netns,
                "unshare",
                "--uts",
                "--mount",
                "--pid",
                "--fork",
                "--mount-proc",
                "--propagation",
                "private",
                "--",
                "/bin/bash",
                "-c",
                setup_script(host),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    finally:
        log.close()


def wait_ready(host: LabHost, proc: subprocess.Popen[bytes] | None, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            log = (host.dir / "sshd.log").read_text(errors="replace").strip()
            raise LabError(f"host {host.name} failed to start: {log[-800:]}")
        try:
            with socket.create_connection((host.address, 22), timeout=0.5) as s:
                if s.recv(4).startswith(b"SSH-"):
                    return
        except OSError:
            time.sleep(0.05)
    raise LabError(f"host {host.name}: sshd did not answer on {host.address}:22 in {timeout:.0f}s")


def install_labsim(lab: Lab) -> None:
    """The one executable behind every host shim (and, through packages, the k8s tools)."""
    from kctui.lab.packages import build_labsim

    build_labsim(lab.dir / "labsim")
