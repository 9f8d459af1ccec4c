"""Helpers for tests on lab hosts: plain OpenSSH to a host, and installing a package by hand."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kctui.lab import lab as labs
from kctui.lab.register import register_nodes
from kctui.lab.ssh import ssh_argv
from kctui.lab.state import Lab
from store.store import Store
from tests.cli import kctui

INSTALL = """set -e
d=$(mktemp -d); tar -xzf - -C "$d"
install -m 0755 "$d"/bin/* /usr/local/bin/
for u in "$d"/systemd/*.service; do install -m 0644 "$u" /etc/systemd/system/; done
if [ -e "$d/systemd/10-kubeadm.conf" ]; then
  mkdir -p /etc/systemd/system/kubelet.service.d
  install -m 0644 "$d/systemd/10-kubeadm.conf" /etc/systemd/system/kubelet.service.d/
fi
# offline without a registry: the package's images are imported, as the create's images step does
if [ -f "$d/images/images.tar" ]; then ctr -n k8s.io images import "$d/images/images.tar" >/dev/null; fi
rm -rf "$d"
"""


def ssh(
    lab: Lab,
    host: str,
    command: str,
    *,
    user: str = "root",
    input: bytes | None = None,
    check: bool = True,
    timeout: float = 60,
) -> subprocess.CompletedProcess[bytes]:
    argv = ssh_argv(lab, lab.host(host), user, [command])
    result = subprocess.run(argv, input=input, capture_output=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise AssertionError(
            f"{command!r} on {host} exited {result.returncode}: {result.stderr.decode()}"
        )
    return result


def out(lab: Lab, host: str, command: str, **kw: object) -> str:
    return ssh(lab, host, command, **kw).stdout.decode()  # type: ignore[arg-type]


NODE_REPORT = """ps -eo pid,ppid,stat,args | cut -c1-160
ss -Hltnp
tail -n 40 /var/log/kctui-lab/kubelet.service.log
for f in /var/lib/kubelet/pods/*.json; do echo "$f: $(cat "$f")"; done
tail -n 15 /var/log/pods/etcd.log
"""


def node_report(lab: Lab, host: str) -> str:
    """What a failed lab test shows of a node: processes, listeners, the kubelet's log and pods."""
    done = ssh(lab, host, NODE_REPORT, check=False)
    return (
        f"--- {host}\n{done.stdout.decode(errors='replace')}{done.stderr.decode(errors='replace')}"
    )


def install(lab: Lab, host: str, package: Path) -> None:
    ssh(lab, host, f"bash -c {_quote(INSTALL)}", input=package.read_bytes())


def _quote(s: str) -> str:
    import shlex

    return shlex.quote(s)


def wait_for(check: object, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


ETCDCTL = (
    "ETCDCTL_API=3 etcdctl --endpoints https://127.0.0.1:2379 "
    "--cacert /etc/kubernetes/pki/etcd/ca.crt "
    "--cert /etc/kubernetes/pki/etcd/healthcheck-client.crt "
    "--key /etc/kubernetes/pki/etcd/healthcheck-client.key"
)


def kubeadm_config(
    host: str, address: str, version: str = "v1.28.15", data_dir: str = "/var/lib/etcd"
) -> str:
    return f"""\
apiVersion: kubeadm.k8s.io/v1beta3
kind: InitConfiguration
localAPIEndpoint: {{advertiseAddress: {address}, bindPort: 6443}}
nodeRegistration: {{name: {host}, criSocket: unix:///var/run/containerd/containerd.sock}}
---
apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
kubernetesVersion: {version}
controlPlaneEndpoint: {address}:6443
networking: {{podSubnet: 172.25.0.0/16, serviceSubnet: 10.96.0.0/16, dnsDomain: cluster.local}}
etcd: {{local: {{dataDir: {data_dir}}}}}
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
"""


def prepared(
    name: str, hosts: int, tmp: Path, packages: dict[str, Path]
) -> Iterator[tuple[Lab, Path]]:
    if os.geteuid() != 0:
        pytest.skip("the lab needs root")
    lab = labs.up(name, hosts)
    data = tmp / "data"
    register_nodes(lab, Store(data))
    assert kctui(data, "node", "probe").returncode == 0
    for path in packages.values():
        assert kctui(data, "resource", "push", str(path)).returncode == 0
    yield lab, data
    labs.down(name)


def kill_operation(data: Path, op_id: str, timeout: float = 30) -> int:
    """SIGKILL the process running operation `op_id` (its pid is in its owner.lock, written
    once it holds the lock) and return when its lock is free; returns that pid."""
    from engine.execution.locks import owner_alive

    op_dir = data / "operations" / op_id
    deadline = time.monotonic() + timeout
    while not (op_dir / "owner.lock").exists() or not owner_alive(op_dir):
        if time.monotonic() > deadline:
            raise AssertionError(f"operation {op_id} has no owner process")
        time.sleep(0.02)
    pid = int((op_dir / "owner.lock").read_text().split()[0])
    os.kill(pid, signal.SIGKILL)
    while owner_alive(op_dir):
        if time.monotonic() > deadline:
            raise AssertionError(f"operation {op_id}: its process {pid} did not die")
        time.sleep(0.02)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped when it is a child of this process
    return pid
