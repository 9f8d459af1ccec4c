"""A registry change on a running cluster: every node's containerd certs.d rendered again for
the new registry (and again without one), config.toml untouched, the spec updated only once the
nodes have it. The registry is never contacted: only its configuration reaches the nodes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from kctui.lab.state import Lab
from tests.cli import kctui
from tests.labkit import out, prepared

pytestmark = pytest.mark.lab
HOSTS_TOML = "/etc/containerd/certs.d/registry.k8s.io/hosts.toml"


@pytest.fixture(scope="module")
def running(
    tmp_path_factory: pytest.TempPathFactory, lab_packages: dict[str, Path]
) -> Iterator[tuple[Lab, Path]]:
    tmp = tmp_path_factory.mktemp("registry-change")
    for lab, data in prepared(f"rg{os.getpid() % 10000}", 2, tmp, lab_packages):
        h = [x.name for x in lab.hosts]
        spec = {
            "apiVersion": "kctui/v1",
            "kind": "Cluster",
            "metadata": {"name": "reg"},
            "spec": {"masters": [{"node": h[0]}], "workers": [{"node": h[1]}], "offline": True},
        }
        path = tmp / "reg.yaml"
        path.write_text(yaml.safe_dump(spec))
        created = kctui(data, "cluster", "create", "-f", str(path), "--yes", "--wait")
        assert created.returncode == 0, created.stdout + created.stderr
        yield lab, data


def shown(data: Path) -> dict[str, object]:
    return json.loads(kctui(data, "cluster", "show", "reg", "--json").stdout)  # type: ignore[no-any-return]


def test_the_registry_of_a_running_cluster_changes_on_every_node(
    running: tuple[Lab, Path],
) -> None:
    lab, data = running
    registry = f"{lab.gateway}:5443"
    added = kctui(data, "registry", "add", "mirror", "--host", registry)
    assert added.returncode == 0, added.stderr
    config = {h.name: out(lab, h.name, "sha256sum /etc/containerd/config.toml") for h in lab.hosts}
    assert out(lab, lab.hosts[0].name, f"cat {HOSTS_TOML} 2>/dev/null || true") == ""

    refused = kctui(data, "cluster", "set", "reg", "--registry", "mirror")
    assert refused.returncode == 1 and "needs --yes" in refused.stderr
    unknown = kctui(data, "cluster", "set", "reg", "--registry", "nope", "--yes")
    assert unknown.returncode == 1 and "--registry: no registry named 'nope'" in unknown.stderr

    done = kctui(data, "cluster", "set", "reg", "--registry", "mirror", "--yes", "--wait")
    assert done.returncode == 0, done.stdout + done.stderr
    for h in lab.hosts:
        assert f'[host."https://{registry}"]' in out(lab, h.name, f"cat {HOSTS_TOML}")
        assert out(lab, h.name, "sha256sum /etc/containerd/config.toml") == config[h.name]
        assert out(lab, h.name, "ls -d /etc/containerd/certs.d.kctui-* 2>/dev/null || true") == ""
    status = shown(data)
    assert status["spec"]["imageRegistry"] == "mirror"  # type: ignore[index]
    assert status["status"]["phase"] == "Running"  # type: ignore[index]

    done = kctui(data, "cluster", "set", "reg", "--registry", "", "--yes", "--wait")
    assert done.returncode == 0, done.stdout + done.stderr
    for h in lab.hosts:
        assert out(lab, h.name, f"cat {HOSTS_TOML} 2>/dev/null || true") == ""
    assert shown(data)["spec"]["imageRegistry"] == ""  # type: ignore[index]
