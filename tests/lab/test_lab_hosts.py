"""`kctui lab`: separate hosts over real SSH, private filesystems, sudo users, clean teardown."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from kctui.lab import lab as labs
from kctui.lab import network
from kctui.lab.state import SUDO_NOPASSWD_USER, SUDO_PASSWORD_USER, Lab
from tests import cli
from tests.labkit import out, ssh

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    """A new 3-host lab for this module: these tests look at hosts nothing else has touched."""
    if os.geteuid() != 0:
        pytest.skip("the lab needs root (network namespaces, mounts)")
    name = f"th{os.getpid() % 100000}"
    yield labs.up(name, 3)
    labs.down(name)


kctui = partial(cli.run, timeout=120)


def test_each_host_has_its_own_hostname_over_lab_ssh(lab: Lab) -> None:
    names = []
    for h in lab.hosts:
        result = kctui("lab", "ssh", "--name", lab.name, h.name, "hostname")
        assert result.returncode == 0, result.stderr
        names.append(result.stdout.strip())
    assert names == [f"{lab.name}-1", f"{lab.name}-2", f"{lab.name}-3"]


def test_private_dirs_are_empty_and_private(lab: Lab) -> None:
    for h in lab.hosts:
        assert out(lab, h.name, "ls -A /etc/kubernetes /var/lib/etcd /opt").split() == [
            "/etc/kubernetes:",
            "/opt:",
            "/var/lib/etcd:",
        ]
    marker = f"/etc/kubernetes/written-on-{lab.hosts[0].name}"
    ssh(lab, lab.hosts[0].name, f"touch {marker}")
    assert out(lab, lab.hosts[0].name, f"ls {marker}").strip() == marker
    for h in lab.hosts[1:]:
        assert ssh(lab, h.name, f"test -e {marker}", check=False).returncode == 1
    assert not Path(marker).exists()
    ssh(lab, lab.hosts[0].name, f"rm {marker}")


def test_plain_ssh_with_the_lab_key_and_both_sudo_users(lab: Lab) -> None:
    h = lab.hosts[1]
    base = [
        "ssh",
        "-i",
        str(lab.key_path),
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
    ]
    for host in lab.hosts:
        r = subprocess.run(
            [*base, f"root@{host.address}", "id -u"], capture_output=True, text=True, check=False
        )
        assert (r.returncode, r.stdout.strip()) == (0, "0"), r.stderr
    assert out(lab, h.name, "sudo -n id -u", user=SUDO_NOPASSWD_USER).strip() == "0"
    refused = ssh(lab, h.name, "sudo -n id -u", user=SUDO_PASSWORD_USER, check=False)
    assert refused.returncode == 1 and b"password is required" in refused.stderr
    password = (lab.user_password + "\n").encode()
    r = ssh(lab, h.name, "sudo -S -p '' id -u", user=SUDO_PASSWORD_USER, input=password)
    assert r.stdout.decode().strip() == "0"
    wrong = ssh(
        lab, h.name, "sudo -S -p '' id -u", user=SUDO_PASSWORD_USER, input=b"nope\n", check=False
    )
    assert wrong.returncode == 1


def test_status_json_reports_hosts_users_key_and_host_keys(lab: Lab) -> None:
    result = kctui("lab", "status", "--name", lab.name, "--json")
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["privateKey"] == str(lab.key_path) and Path(status["privateKey"]).exists()
    assert [h["name"] for h in status["hosts"]] == [h.name for h in lab.hosts]
    for h in status["hosts"]:
        assert h["sshPort"] == 22 and h["up"] is True
        assert {u["name"] for u in h["users"]} == {"root", SUDO_NOPASSWD_USER, SUDO_PASSWORD_USER}
        scan = subprocess.run(
            ["ssh-keyscan", "-t", "ed25519", h["address"]],
            capture_output=True,
            text=True,
            check=True,
        )
        fp = subprocess.run(
            ["ssh-keygen", "-lf", "-"],
            input=scan.stdout,
            capture_output=True,
            text=True,
            check=True,
        )
        assert fp.stdout.split()[1] == h["hostKeyFingerprint"]


def test_hosts_have_no_default_route_and_no_rc_files(lab: Lab) -> None:
    h = lab.hosts[0].name
    assert "default" not in out(lab, h, "ip route")
    assert out(lab, h, "ls -A /root").split() == [".ssh"]
    assert out(lab, h, "cat /proc/sys/net/ipv4/ip_forward").strip() == "0"


def mount_namespaces(pids: list[int]) -> set[str]:
    found = set()
    for pid in pids:
        try:
            found.add(os.readlink(f"/proc/{pid}/ns/mnt"))
        except OSError:
            continue
    return found


def all_mount_namespaces() -> set[str]:
    return mount_namespaces([int(p.name) for p in Path("/proc").glob("[0-9]*")])


def mounts_mentioning(text: str) -> list[str]:
    found = []
    for mountinfo in Path("/proc").glob("[0-9]*/mountinfo"):
        try:
            found += [line for line in mountinfo.read_text().splitlines() if text in line]
        except OSError:
            continue
    return found


def lab_processes(lab: Lab) -> list[int]:
    marker = str(lab.dir)
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if marker.encode() in cmdline.read_bytes():
                pids.append(int(cmdline.parent.name))
        except OSError:
            continue
    return pids


def test_down_leaves_no_namespace_link_mount_or_process(fresh_lab: Lab) -> None:
    lab = fresh_lab
    h = lab.hosts[0]
    ssh(
        lab, h.name, "systemctl --version >/dev/null 2>&1; sleep 300 >/dev/null 2>&1 & disown; true"
    )
    assert network.lab_netns(lab.name) and network.link_exists(lab.bridge)
    pids = lab_processes(lab) + network.netns_pids(h.netns)
    host_mount_ns = mount_namespaces(pids) - mount_namespaces([os.getpid()])
    assert pids and host_mount_ns
    assert mounts_mentioning(str(lab.dir))
    assert labs.down(lab.name) is True
    assert network.lab_netns(lab.name) == []
    assert not network.link_exists(lab.bridge) and not network.link_exists(h.veth)
    assert not host_mount_ns & all_mount_namespaces()  # every mount of the host went with it
    assert mounts_mentioning(str(lab.dir)) == []
    assert " kctui-lab " not in Path("/proc/self/mountinfo").read_text()
    assert lab_processes(lab) == []
    assert not lab.dir.exists()
    assert labs.down(lab.name) is False  # idempotent


def test_up_after_a_crash_cleans_stale_pieces(fresh_lab: Lab) -> None:
    lab = fresh_lab
    os.kill(lab.hosts[0].pid, signal.SIGKILL)  # the namespaces' holder dies, links remain
    again = labs.up(lab.name, 1)
    assert again.hosts[0].alive()
    assert out(again, again.hosts[0].name, "hostname").strip() == again.hosts[0].name


def test_refusals_name_the_problem() -> None:
    result = kctui("lab", "up", "--name", "Bad_Name")
    assert result.returncode == 1 and "lab name 'Bad_Name'" in result.stderr
    result = kctui("lab", "status", "--name", "nosuchlab")
    assert result.returncode == 1 and "kctui lab up --name nosuchlab" in result.stderr


def test_register_adds_nodes_with_pinned_host_keys(lab: Lab, tmp_path: Path) -> None:
    from store.store import Store

    data = tmp_path / "data"
    result = kctui(
        "--data-dir", str(data), "lab", "up", "--name", lab.name, "--nodes", "3", "--register"
    )
    assert result.returncode == 0, result.stderr
    nodes = Store(data).nodes.list()
    assert [n.name for n in nodes] == [h.name for h in lab.hosts]
    for node, h in zip(nodes, lab.hosts, strict=True):
        assert (node.address, node.user, node.key_file) == (h.address, "root", str(lab.key_path))
        assert node.host_key_fingerprint == h.host_key_fingerprint
    known = (data / "known_hosts").read_text()
    assert all(h.address in known for h in lab.hosts)
    assert os.stat(data / "known_hosts").st_mode & 0o777 == 0o600
    assert sorted(p.name for p in (data / "lab-packages").glob("*.tar.gz"))[0].startswith("calico-")
    store = Store(data)
    assert all(n.status.value == "online" and n.facts.hostname for n in store.nodes.list())
    pushed = {p.archive for p in store.resources.list()}
    assert pushed == {p.name for p in (data / "lab-packages").glob("*.tar.gz")}
    assert "pushed the packages" in result.stdout
    found = kctui("lab", "ssh", lab.hosts[1].name, "hostname")  # the lab found by the host
    assert found.returncode == 0 and found.stdout.strip() == lab.hosts[1].name, found.stderr
