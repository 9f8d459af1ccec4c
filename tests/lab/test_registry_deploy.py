"""A registry kctui deploys on a lab host from the registry package (Debian's distribution
binary): TLS from a CA kctui made, basic auth, a systemd service; a package's images pushed into
it over the registry API; an offline cluster whose every node pulls from it, read from the
registry's own access log; and its removal."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from kctui.lab.state import Lab
from store.store import Store
from tests.cli import kctui
from tests.labkit import out, prepared

pytestmark = pytest.mark.lab
PASSWORD = "pull-me-0ver-TLS"
LOG = "/var/log/kctui-lab/kctui-registry.service.log"  # the lab's systemctl keeps its output


@pytest.fixture(scope="module")
def lab3(
    tmp_path_factory: pytest.TempPathFactory, lab_packages: dict[str, Path]
) -> Iterator[tuple[Lab, Path]]:
    tmp = tmp_path_factory.mktemp("registry-deploy")
    yield from prepared(f"rd{os.getpid() % 10000}", 3, tmp, lab_packages)


def spec(tmp: Path, version: str, hosts: list[str]) -> Path:
    doc = {
        "apiVersion": "kctui/v1",
        "kind": "Cluster",
        "metadata": {"name": "pulls"},
        "spec": {
            "masters": [{"node": hosts[0]}],
            "workers": [{"node": hosts[1]}],
            "offline": True,
            "imageRegistry": "hub",
            "kubernetesVersion": version,
        },
    }
    path = tmp / f"pulls-{version}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def test_bad_deploys_are_refused_naming_the_flag(lab3: tuple[Lab, Path]) -> None:
    lab, data = lab3
    node = lab.hosts[0].name
    cases = [
        (["nope"], "NODE: no node named 'nope'"),
        ([node, "--port", "70000"], "--port: 70000: give a port from 1 to 65535"),
        ([node, "--registry-dir", "/etc"], "--registry-dir '/etc' is a system directory"),
        ([node, "--registry-dir", "/srv/$(reboot)"], "--registry-dir '/srv/$(reboot)' may hold"),
        ([node, "--user", "a:b", "--password-stdin"], "--user 'a:b': use letters"),
        ([node, "--name", "Hub!"], "--name 'Hub!': use lowercase"),
    ]
    for argv, said in cases:
        done = kctui(data, "registry", "deploy", *argv, input="pw\n")
        assert done.returncode == 1 and said in done.stderr, (argv, done.stderr)
        assert "Traceback" not in done.stderr
    assert Store(data).registries.list() == []
    assert Store(data).operations.list() == []


def test_deploy_push_and_an_offline_create_pulling_from_it(
    lab3: tuple[Lab, Path], tmp_path: Path
) -> None:
    lab, data = lab3
    h = [x.name for x in lab.hosts]
    deployed = kctui(
        data, "registry", "deploy", h[2], "--name", "hub", "--port", "5443",
        "--user", "puller", "--password-stdin", "--wait", input=PASSWORD + "\n",
    )  # fmt: skip
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    shown = json.loads(kctui(data, "registry", "show", "hub", "--json").stdout)
    address = lab.host(h[2]).address
    assert shown["host"] == f"{address}:5443" and shown["phase"] == "Ready"
    assert shown["node"] == h[2] and shown["password"] == "********"

    # On the node: a service, the key and users readable by root only, no password in clear.
    assert out(lab, h[2], "systemctl is-active kctui-registry").strip() == "active"
    modes = out(
        lab, h[2], "stat -c '%n %a' /etc/kctui-registry/tls.key /etc/kctui-registry/htpasswd"
    )
    assert modes.split() == [
        "/etc/kctui-registry/tls.key",
        "600",
        "/etc/kctui-registry/htpasswd",
        "600",
    ]
    htpasswd = out(lab, h[2], "cat /etc/kctui-registry/htpasswd")
    assert htpasswd.startswith("puller:$2") and PASSWORD not in htpasswd
    # TLS from kctui's CA, verified by curl from the jump host; basic auth asked for.
    ca = tmp_path / "ca.crt"
    ca.write_text(shown["caPem"])
    url = f"https://{address}:5443/v2/"

    def status(*extra: str) -> str:
        argv = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", str(ca)]
        return subprocess.run([*argv, *extra, url], capture_output=True, text=True).stdout

    assert status() == "401"
    assert status("-u", f"puller:{PASSWORD}") == "200"

    pushed = kctui(
        data, "registry", "push", "hub", "kubernetes-v1.28.15-amd64", "calico-v3.27.3-amd64",
        "--json",
    )  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr
    images = json.loads(pushed.stdout)
    assert len(images) == 13 and all(
        re.fullmatch(r"sha256:[0-9a-f]{64}", i["digest"]) for i in images
    )
    held = json.loads(kctui(data, "registry", "images", "hub", "--json").stdout)
    assert {
        "pause:3.9",
        "kube-apiserver:v1.28.15",
        "calico/node:v3.27.3",
        "library/haproxy:2.8",
    } <= set(held)

    # A version whose images were never pushed is refused before anything is stored.
    refused = kctui(data, "cluster", "create", "-f", str(spec(tmp_path, "v1.29.10", h)), "--yes")
    assert refused.returncode == 1
    assert "registry hub lacks 6 image(s)" in refused.stderr, refused.stderr
    assert "registry.k8s.io/kube-apiserver:v1.29.10" in refused.stderr
    assert "kctui registry push hub kubernetes-v1.29.10-amd64" in refused.stderr
    assert kctui(data, "cluster", "list", "--json").stdout.strip() == "[]"

    created = kctui(
        data, "cluster", "create", "-f", str(spec(tmp_path, "v1.28.15", h)), "--yes", "--wait"
    )
    assert created.returncode == 0, created.stdout + created.stderr
    # Every image on every node of the cluster came from the registry, and the registry's own
    # access log shows that node asking for it.
    log = out(lab, h[2], f"cat {LOG}")
    for node in h[:2]:
        ip = lab.host(node).address
        served = {
            m.group(1)
            for m in re.finditer(
                rf'method=(?:GET|HEAD) http.request.remoteaddr="{re.escape(ip)}:\d+" '
                r'http.request.uri="/v2/(\S+?)/manifests/[^"]*".*http.response.status=200',
                log,
            )
        }
        pulled = json.loads(out(lab, node, "cat /var/lib/containerd/lab-images.json"))
        assert pulled and set(pulled.values()) == {f"https://{address}:5443"}, pulled
        repos = {ref.split("/", 1)[1].rsplit(":", 1)[0] for ref in pulled}
        assert {"pause", "kube-proxy"} <= repos, (node, pulled)
        assert repos <= served, (node, repos - served, log[-2000:])
    assert PASSWORD not in (data / "state.json").read_text()
    assert PASSWORD not in "".join(p.read_text() for p in data.rglob("*.log"))

    # In use: neither undeployed nor deleted; then gone with every file it had.
    busy = kctui(data, "registry", "undeploy", h[2], "--yes")
    assert busy.returncode == 1 and "is used by cluster(s) pulls" in busy.stderr
    gone = kctui(data, "registry", "delete", "hub", "--yes")
    assert gone.returncode == 1 and "kctui registry undeploy" in gone.stderr
    assert kctui(data, "cluster", "delete", "pulls", "--yes").returncode == 0
    needs_yes = kctui(data, "registry", "undeploy", h[2])
    assert needs_yes.returncode == 1 and "needs --yes" in needs_yes.stderr
    removed = kctui(data, "registry", "undeploy", h[2], "--yes", "--wait")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert kctui(data, "registry", "list", "--json").stdout.strip() == "[]"
    left = out(
        lab,
        h[2],
        "ls -d /etc/kctui-registry /var/lib/kctui-registry /usr/local/bin/kctui-registry 2>&1 || true",
    )
    assert left.count("No such file") == 3, left
    assert out(lab, h[2], "systemctl is-active kctui-registry || true").strip() == "inactive"
    assert status() == "000"  # nothing listens any more


async def test_the_registries_list_deploys_pushes_lists_and_undeploys(
    lab3: tuple[Lab, Path],
) -> None:
    from kctui.app import make_app
    from screens.dialogs import ConfirmScreen
    from screens.oplog.screen import OperationLogScreen
    from screens.sections.kept_forms import TextScreen
    from screens.sections.registry_forms import RegistryDeployForm, RegistryPushScreen
    from store.documents.registry import RegistryPhase
    from store.settings import Settings
    from tests.screens.waits import until

    lab, data = lab3
    node = lab.hosts[0].name
    store = Store(data)
    app = make_app(store, Settings())
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("4", "d")
        await until(pilot, lambda: isinstance(app.screen, RegistryDeployForm), what="the form")
        await pilot.press("ctrl+s")  # no node picked: said, nothing stored
        await until(
            pilot,
            lambda: "Node: pick the node" in str(app.screen.query_one(".form-error").render()),
        )
        assert store.registries.list() == []
        await pilot.press("enter", "down", "enter")  # the node list opened, its first node picked
        await pilot.press("tab", *"tui-hub", "tab", "home", "ctrl+k", *"99999", "ctrl+s")
        await until(
            pilot, lambda: "Port: 99999" in str(app.screen.query_one(".form-error").render())
        )
        await pilot.press(
            "home", "ctrl+k", *"5000", "tab", "tab", *"tui", "tab", *PASSWORD, "ctrl+s"
        )
        await until(pilot, lambda: isinstance(app.screen, OperationLogScreen), what="the log")
        await until(
            pilot,
            lambda: store.registries.get("tui-hub").phase == RegistryPhase.READY,
            seconds=60,
            what="the registry Ready",
        )
        assert store.registries.get("tui-hub").node == node
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, OperationLogScreen))

        await pilot.press("enter")  # from the sidebar into the list
        await until(pilot, lambda: type(app.focused).__name__ == "DataTable", what="the list")
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, RegistryPushScreen), what="the push")
        await pilot.press("space", "ctrl+s")  # the first package with images: calico v3.27.3
        await until(
            pilot,
            lambda: not isinstance(app.screen, RegistryPushScreen),
            seconds=60,
            what="the push to end",
        )
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, TextScreen), seconds=15, what="images")
        screen = app.screen
        assert isinstance(screen, TextScreen)
        shown = screen.text
        assert "calico/node:v3.27.3" in shown and "tigera/operator:v1.32.7" in shown
        await pilot.press("escape")

        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        await pilot.press("y")
        await until(
            pilot,
            lambda: not store.registries.exists("tui-hub"),
            seconds=60,
            what="the registry removed",
        )
    assert out(lab, node, "ls /etc/kctui-registry 2>&1 || true").startswith("ls: cannot access")
