"""Plain OpenSSH to a lab host, pinned to the host key the lab generated."""

from __future__ import annotations

from kctui.lab.state import Lab, LabHost


def known_hosts_line(h: LabHost) -> str:
    key = (h.dir / "ssh_host_ed25519_key.pub").read_text().split()
    return f"{h.address} {key[0]} {key[1]}"


def ssh_argv(lab: Lab, h: LabHost, user: str, command: list[str], tty: bool = False) -> list[str]:
    known = lab.dir / "known_hosts"
    known.write_text("".join(known_hosts_line(x) + "\n" for x in lab.hosts))
    argv = [
        "ssh",
        "-i",
        str(lab.key_path),
        "-o",
        f"UserKnownHostsFile={known}",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "LogLevel=ERROR",
        "-o",
        "ConnectTimeout=5",
    ]
    if tty and not command:
        argv.append("-t")
    argv += [f"{user}@{h.address}", "--", *command]
    return argv
