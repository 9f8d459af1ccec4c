"""Workers joined to a running cluster and taken out of it, on lab hosts with the lab's strict
kubeadm, kubelet and kubectl: labels and taints in the cluster, a drain that cannot finish
stopping the removal, a failed join retried, and a removed node clean enough for another
cluster."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from kctui.lab import lab as labs
from kctui.lab.state import Lab
from tests.cli import kctui
from tests.labkit import out, prepared, ssh

pytestmark = pytest.mark.lab
BARE_POD = """apiVersion: v1
kind: Pod
metadata: {name: bare, namespace: default}
spec:
  nodeName: NODE
  containers: [{name: sleep, image: registry.k8s.io/pause:3.9}]
"""


@pytest.fixture(scope="module")
def grow(
    tmp_path_factory: pytest.TempPathFactory, lab_packages: dict[str, Path]
) -> Iterator[tuple[Lab, Path]]:
    tmp = tmp_path_factory.mktemp("day2-workers")
    for lab, data in prepared(f"dw{os.getpid() % 10000}", 4, tmp, lab_packages):
        h = [x.name for x in lab.hosts]
        created = kctui(
            data,
            "cluster",
            "create",
            "-f",
            str(spec(tmp, "grow", h[:1], h[1:2])),
            "--yes",
            "--wait",
        )
        assert created.returncode == 0, created.stdout + created.stderr
        yield lab, data


def spec(tmp: Path, name: str, masters: list[str], workers: list[str]) -> Path:
    doc = {
        "apiVersion": "kctui/v1",
        "kind": "Cluster",
        "metadata": {"name": name},
        "spec": {
            "masters": [{"node": n} for n in masters],
            "workers": [{"node": n} for n in workers],
            "offline": True,
        },
    }
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def nodes_json(lab: Lab, master: str) -> dict[str, dict]:  # type: ignore[type-arg]
    items = json.loads(out(lab, master, "kubectl get nodes -o json"))["items"]
    return {n["metadata"]["name"]: n for n in items}


def ready(node: dict) -> bool:  # type: ignore[type-arg]
    return any(c["type"] == "Ready" and c["status"] == "True" for c in node["status"]["conditions"])


def shown(data: Path, name: str) -> dict:  # type: ignore[type-arg]
    return json.loads(kctui(data, "cluster", "show", name, "--json").stdout)  # type: ignore[no-any-return]


def test_a_1_1_cluster_gets_two_workers_with_a_label_and_a_taint(grow: tuple[Lab, Path]) -> None:
    lab, data = grow
    h = [x.name for x in lab.hosts]
    cases = [
        (["grow", h[2]], "needs --yes"),
        (["grow", h[1], "--yes"], f"NODE: {h[1]} is already a worker of grow"),
        (["grow", h[0], "--yes"], f"NODE: {h[0]} is already a control-plane node of grow"),
        (["grow", "nope", "--yes"], "NODE: no node named 'nope'"),
        (["grow", h[2], "--label", "bad key=x", "--yes"], "--label: label"),
        (["grow", h[2], "--taint", "k=v:Sometimes", "--yes"], "--taint: taint 'k=v:Sometimes'"),
        (["nope", h[2], "--yes"], "no cluster"),
    ]
    for argv, said in cases:
        done = kctui(data, "cluster", "add-node", *argv)
        assert done.returncode == 1 and said in done.stderr, (argv, done.stderr)
        assert "Traceback" not in done.stderr
    plan = kctui(data, "cluster", "add-node", "grow", h[2], "--dry-run")
    assert plan.returncode == 0, plan.stderr
    assert " join-token" in plan.stdout and " join-workers" in plan.stdout
    assert " init" not in plan.stdout
    assert json.loads(kctui(data, "node", "show", h[2], "--json").stdout)["cluster"] == ""

    labelled = kctui(
        data, "cluster", "add-node", "grow", h[2], "--label", "tier=db", "--yes", "--wait"
    )
    assert labelled.returncode == 0, labelled.stdout + labelled.stderr
    tainted = kctui(
        data, "cluster", "add-node", "grow", h[3], "--taint", "dedicated=gpu:NoSchedule",
        "--yes", "--wait",
    )  # fmt: skip
    assert tainted.returncode == 0, tainted.stdout + tainted.stderr
    nodes = nodes_json(lab, h[0])
    assert set(nodes) == set(h) and all(ready(n) for n in nodes.values())
    assert nodes[h[2]]["metadata"]["labels"]["tier"] == "db"
    assert {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"} in nodes[h[3]]["spec"][
        "taints"
    ]
    cluster = shown(data, "grow")
    assert [w["node"] for w in cluster["spec"]["workers"]] == h[1:]
    assert cluster["status"]["phase"] == "Running"
    assert {n["node"] for n in cluster["status"]["nodes"]} == set(h)
    assert json.loads(kctui(data, "node", "show", h[3], "--json").stdout)["cluster"] == "grow"
    # the bootstrap token is never logged
    logs = "".join(p.read_text() for p in data.rglob("*.log"))
    assert "--token" in logs or "join" in logs
    assert not [
        line for line in logs.splitlines() if "kubeadm join" in line and "********" not in line
    ]


def test_a_drain_that_cannot_finish_stops_the_removal_and_force_takes_it_out(
    grow: tuple[Lab, Path], tmp_path: Path
) -> None:
    lab, data = grow
    h = [x.name for x in lab.hosts]
    master = kctui(data, "cluster", "remove-node", "grow", h[0], "--yes")
    assert (
        master.returncode == 1
        and "control-plane node; kctui adds and removes workers only" in master.stderr
    )
    bad = kctui(data, "cluster", "remove-node", "grow", h[3], "--drain-timeout", "soon", "--yes")
    assert bad.returncode == 1 and "--drain-timeout 'soon': give a duration" in bad.stderr

    ssh(lab, h[0], "kubectl apply -f -", input=BARE_POD.replace("NODE", h[3]).encode())
    stopped = kctui(data, "cluster", "remove-node", "grow", h[3], "--yes", "--wait")
    assert stopped.returncode == 1
    assert f"the drain of {h[3]} did not finish" in stopped.stdout, stopped.stdout
    op = shown(data, "grow")["status"]["lastOperation"]
    logs = kctui(data, "operation", "logs", op).stdout
    assert (
        "cannot delete Pods that declare no controller (use --force to override): default/bare"
        in logs
    )
    assert h[3] in nodes_json(lab, h[0])  # nothing was taken out
    assert shown(data, "grow")["status"]["phase"] == "UpdateFailed"

    forced = kctui(data, "cluster", "remove-node", "grow", h[3], "--force", "--yes", "--wait")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert h[3] not in nodes_json(lab, h[0])
    # no kubeadm state, no kubelet, no CNI config left (emptied: in the lab they are mounts)
    for directory in ("/etc/kubernetes", "/etc/cni/net.d", "/var/lib/kubelet"):
        assert out(lab, h[3], f"ls -A {directory} 2>/dev/null || true").strip() == "", directory
    assert out(lab, h[3], "systemctl is-active kubelet || true").strip() == "inactive"
    assert json.loads(kctui(data, "node", "show", h[3], "--json").stdout)["cluster"] == ""
    cluster = shown(data, "grow")
    assert h[3] not in [w["node"] for w in cluster["spec"]["workers"]]
    assert cluster["status"]["phase"] == "Running"
    # the node is clean enough for another cluster
    again = kctui(
        data, "cluster", "create", "-f", str(spec(tmp_path, "again", [h[3]], [])), "--yes", "--wait"
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert kctui(data, "cluster", "delete", "again", "--yes").returncode == 0


def test_a_failed_join_fails_alone_and_a_retry_finishes_it(grow: tuple[Lab, Path]) -> None:
    lab, data = grow
    h = [x.name for x in lab.hosts]
    labs.fault(lab, h[3], "fail-next", "kubeadm")
    failed = kctui(data, "cluster", "add-node", "grow", h[3], "--yes", "--wait")
    assert failed.returncode == 1
    assert shown(data, "grow")["status"]["phase"] == "UpdateFailed"
    retried = kctui(data, "cluster", "retry", "grow")
    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert shown(data, "grow")["status"]["phase"] == "Running"
    nodes = nodes_json(lab, h[0])
    assert h[3] in nodes and ready(nodes[h[3]])


PVC = """apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: default}
spec:
  storageClassName: nfs-a
  accessModes: [ReadWriteMany]
  resources: {requests: {storage: 1Gi}}
"""


def classes(lab: Lab, master: str) -> dict[str, dict]:  # type: ignore[type-arg]
    items = json.loads(out(lab, master, "kubectl get storageclass -o json"))["items"]
    return {c["metadata"]["name"]: c for c in items}


def is_default(sc: dict) -> bool:  # type: ignore[type-arg]
    return (sc["metadata"].get("annotations") or {}).get(
        "storageclass.kubernetes.io/is-default-class"
    ) == "true"


def test_nfs_storage_added_made_default_and_removed_in_the_cluster(
    grow: tuple[Lab, Path],
) -> None:
    lab, data = grow
    h = [x.name for x in lab.hosts]
    storage = ("cluster", "storage")
    needs_yes = kctui(data, *storage, "add", "grow", "--nfs", f"{lab.gateway}:/exports/a")
    assert needs_yes.returncode == 1 and "pass --yes" in needs_yes.stderr
    bad = kctui(data, *storage, "add", "grow", "--nfs", "no-path", "--yes")
    assert bad.returncode == 1 and "--nfs 'no-path': give SERVER:PATH" in bad.stderr
    added = kctui(
        data, *storage, "add", "grow", "--nfs", f"{lab.gateway}:/exports/a", "--class", "nfs-a",
        "--yes", "--wait",
    )  # fmt: skip
    assert added.returncode == 0, added.stdout + added.stderr
    twice = kctui(
        data, *storage, "add", "grow", "--nfs", f"{lab.gateway}:/x", "--class", "nfs-a", "--yes"
    )
    assert twice.returncode == 1 and "nfs-a is already used" in twice.stderr
    second = kctui(
        data, *storage, "add", "grow", "--nfs", f"{lab.gateway}:/exports/b", "--class", "nfs-b",
        "--default", "--reclaim", "Retain", "--yes", "--wait",
    )  # fmt: skip
    assert second.returncode == 0, second.stdout + second.stderr
    held = classes(lab, h[0])  # read from the cluster's etcd through kubectl
    assert held["nfs-a"]["provisioner"] == "kctui.io/nfs-provisioner-nfs-a"
    assert held["nfs-b"]["reclaimPolicy"] == "Retain"
    assert is_default(held["nfs-b"]) and not is_default(held["nfs-a"])
    listed = json.loads(kctui(data, *storage, "list", "grow", "--json").stdout)
    assert {(c["name"], c["kind"], c["default"]) for c in listed} >= {
        ("nfs-a", "nfs", False),
        ("nfs-b", "nfs", True),
    }

    made = kctui(data, *storage, "default", "grow", "nfs-a", "--wait")
    assert made.returncode == 0, made.stdout + made.stderr
    held = classes(lab, h[0])
    assert is_default(held["nfs-a"]) and not is_default(held["nfs-b"])
    assert shown(data, "grow")["spec"]["storage"]["defaultStorageClass"] == "nfs-a"

    ssh(lab, h[0], "kubectl apply -f -", input=PVC.encode())
    refused = kctui(data, *storage, "remove", "grow", "nfs-a", "--yes")
    assert refused.returncode == 1
    assert "1 PersistentVolumeClaim(s) use nfs-a: default/data" in refused.stderr, refused.stderr
    assert "nfs-a" in classes(lab, h[0])
    ssh(lab, h[0], "kubectl delete pvc data -n default")
    removed = kctui(data, *storage, "remove", "grow", "nfs-a", "--yes", "--wait")
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert "nfs-a" not in classes(lab, h[0])
    deployments = out(lab, h[0], "kubectl -n kube-system get deployments -o json")
    assert "nfs-provisioner-nfs-a" not in deployments and "nfs-provisioner-nfs-b" in deployments
    spec = shown(data, "grow")["spec"]["storage"]
    assert [n["storageClassName"] for n in spec["nfs"]] == ["nfs-b"]

    # a storage template saved from the cluster fills `storage add --template`
    saved = kctui(data, "template", "save-cluster", "grow", "grow-storage", "--storage-only")
    assert saved.returncode == 0, saved.stderr
    assert kctui(data, *storage, "remove", "grow", "nfs-b", "--yes", "--wait").returncode == 0
    assert "nfs-b" not in classes(lab, h[0])
    again = kctui(data, *storage, "add", "grow", "--template", "grow-storage", "--yes", "--wait")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "nfs-b" in classes(lab, h[0])


async def test_the_nodes_tab_shows_what_the_cluster_says_of_each_node(
    grow: tuple[Lab, Path],
) -> None:
    from textual.widgets import DataTable

    from kctui.app import make_app
    from store.settings import Settings
    from store.store import Store
    from tests.screens.test_cluster_backups import on_tab
    from tests.screens.waits import until

    _, data = grow
    store = Store(data)
    app = make_app(store, Settings())
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await on_tab(app, pilot, store, "nodes", "grow")
        table = screen.query_one("#cluster-nodes", DataTable)

        def rows() -> list[list[str]]:
            return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]

        await until(
            pilot, lambda: rows() and all(r[2] == "Ready" for r in rows()), seconds=30,
            what="every node Ready",
        )  # fmt: skip
        first = rows()[0]
        assert first[3] == "v1.28.15" and first[4].isdigit() and first[5].endswith("G")


def test_a_down_worker_removed_by_force_is_cleaned_once_it_is_back(
    grow: tuple[Lab, Path],
) -> None:
    lab, data = grow
    h = [x.name for x in lab.hosts]
    worker = h[2]
    labs.fault(lab, worker, "down")
    try:
        removed = kctui(
            data, "cluster", "remove-node", "grow", worker, "--force", "--drain-timeout", "20s",
            "--yes", "--wait",
        )  # fmt: skip
        assert removed.returncode == 0, removed.stdout + removed.stderr
        assert worker not in nodes_json(lab, h[0])
        node = json.loads(kctui(data, "node", "show", worker, "--json").stdout)
        assert node["cluster"] == "" and node["leftCluster"] == "grow" and node["pendingCleanup"]
        refused = kctui(
            data, "cluster", "create", "-f", str(spec(data.parent, "early", [worker], [])), "--yes"
        )
        assert refused.returncode == 1 and "left cluster grow while unreachable" in refused.stderr
    finally:
        labs.fault(lab, worker, "up")
    assert kctui(data, "node", "probe", worker).returncode == 0
    node = json.loads(kctui(data, "node", "show", worker, "--json").stdout)
    assert node["pendingCleanup"] == "" and node["leftCluster"] == ""
    # emptied (in the lab, as on many hosts, it is a mount point)
    assert out(lab, worker, "ls -A /etc/kubernetes 2>/dev/null || true").strip() == ""
    assert out(lab, worker, "systemctl is-active kubelet || true").strip() == "inactive"


async def test_the_plugins_tab_makes_a_class_the_default_in_the_cluster(
    grow: tuple[Lab, Path],
) -> None:
    from textual.widgets import DataTable

    from kctui.app import make_app
    from screens.oplog.screen import OperationLogScreen
    from store.settings import Settings
    from store.store import Store
    from tests.screens.test_cluster_backups import on_tab
    from tests.screens.waits import until

    lab, data = grow
    h = [x.name for x in lab.hosts]
    for name, path in (("tab-a", "/exports/ta"), ("tab-b", "/exports/tb")):
        added = kctui(
            data, "cluster", "storage", "add", "grow", "--nfs", f"{lab.gateway}:{path}",
            "--class", name, "--yes", "--wait",
        )  # fmt: skip
        assert added.returncode == 0, added.stdout + added.stderr
    store = Store(data)
    app = make_app(store, Settings())
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await on_tab(app, pilot, store, "plugins", "grow")
        table = screen.query_one("#cluster-plugins", DataTable)
        await until(pilot, lambda: table.row_count >= 2, what="the plugins")
        keys = [
            str(table.coordinate_to_cell_key((i, 0)).row_key.value) for i in range(table.row_count)
        ]
        table.move_cursor(row=keys.index("nfs/tab-b"))
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, OperationLogScreen), what="the log")
        await until(
            pilot,
            lambda: store.clusters.get("grow").spec.storage.default_storage_class == "tab-b",
            seconds=60,
            what="tab-b the default",
        )
    assert is_default(classes(lab, h[0])["tab-b"])


async def test_the_certificates_tab_and_the_list_mark_what_expires_soon(
    grow: tuple[Lab, Path],
) -> None:
    from textual.widgets import DataTable

    from kctui.app import make_app
    from screens.sections.list_section import ListSection
    from store.settings import Settings
    from store.store import Store
    from tests.screens.test_cluster_backups import on_tab
    from tests.screens.waits import until

    lab, data = grow
    labs.fault(lab, lab.hosts[0].name, "cert-expire", "10")
    store = Store(data)
    app = make_app(store, Settings())
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await on_tab(app, pilot, store, "certs", "grow")
        table = screen.query_one("#cluster-certs", DataTable)
        await until(pilot, lambda: table.row_count > 0, seconds=30, what="the certificates")
        rows = {str(table.get_row_at(i)[1]): table.get_row_at(i) for i in range(table.row_count)}
        left = rows["apiserver"][4]
        assert str(left) in ("9", "10") and "yellow" in str(left.style)
        assert str(rows["ca"][4]).isdigit() and not str(rows["ca"][4].style)
        await pilot.press("escape")
        await pilot.press("1")
        section = app.screen.query_one("#clusters", ListSection)
        section.reload()
        await until(
            pilot,
            lambda: any(
                "certs" in str(section.table.get_row_at(i)[1])
                for i in range(section.table.row_count)
            ),
            what="the list's mark",
        )


def test_certificates_near_expiry_are_shown_and_renewed_for_a_year(
    grow: tuple[Lab, Path],
) -> None:
    lab, data = grow
    master = lab.hosts[0].name
    labs.fault(lab, master, "cert-expire", "10")
    certs = json.loads(kctui(data, "cluster", "certs", "grow", "--json").stdout)
    by_name = {c["name"]: c for c in certs}
    assert by_name["apiserver"]["daysLeft"] in (9, 10) and by_name["apiserver"]["authority"] == "ca"
    assert by_name["etcd-server"]["authority"] == "etcd-ca"
    assert by_name["ca"]["daysLeft"] > 3000
    table = kctui(data, "cluster", "certs", "grow").stdout
    assert "(renew soon)" in table
    refused = kctui(data, "cluster", "certs", "renew", "grow")
    assert refused.returncode == 1 and "pass --yes" in refused.stderr

    renewed = kctui(data, "cluster", "certs", "renew", "grow", "--yes", "--wait")
    assert renewed.returncode == 0, renewed.stdout + renewed.stderr
    certs = json.loads(kctui(data, "cluster", "certs", "grow", "--json").stdout)
    leaves = [c for c in certs if c["authority"]]
    assert leaves and all(c["daysLeft"] >= 360 for c in leaves), leaves
    end = out(lab, master, "openssl x509 -enddate -noout -in /etc/kubernetes/pki/apiserver.crt")
    from datetime import UTC, datetime

    expires = datetime.strptime(end.strip().split("=", 1)[1], "%b %d %H:%M:%S %Y %Z")
    assert (expires.replace(tzinfo=UTC) - datetime.now(UTC)).days >= 360
    assert shown(data, "grow")["status"]["phase"] == "Running"
    assert kctui(data, "cluster", "kubectl", "grow", "--", "get", "nodes").returncode == 0


async def test_workers_added_and_removed_from_the_nodes_tab(grow: tuple[Lab, Path]) -> None:
    from textual.widgets import DataTable, SelectionList

    from kctui.app import make_app
    from screens.clusters.workers import AddWorkersScreen
    from screens.dialogs import ChoiceScreen, ConfirmScreen
    from screens.oplog.screen import OperationLogScreen
    from store.settings import Settings
    from store.store import Store
    from tests.screens.test_cluster_backups import on_tab
    from tests.screens.waits import until

    lab, data = grow
    free = lab.hosts[2].name  # removed by force earlier, cleaned since
    store = Store(data)

    def workers() -> list[str]:
        return [w.node for w in store.clusters.get("grow").spec.workers]

    app = make_app(store, Settings())
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await on_tab(app, pilot, store, "nodes", "grow")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, AddWorkersScreen), what="the form")
        picks = app.screen.query_one(SelectionList)
        names = [str(picks.get_option_at_index(i).value) for i in range(picks.option_count)]
        assert names == [free]
        await pilot.press("space", "tab", *"tier=web", "ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, OperationLogScreen), what="the log")
        await until(pilot, lambda: free in workers(), seconds=90, what="the worker joined")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, what="the cluster screen")
        table = screen.query_one("#cluster-nodes", DataTable)
        await until(pilot, lambda: table.row_count == len(lab.hosts), what="the new row")
        keys = [
            str(table.coordinate_to_cell_key((i, 0)).row_key.value) for i in range(table.row_count)
        ]
        table.move_cursor(row=keys.index(free))
        table.focus()
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="force or not")
        await pilot.press("n")  # stop if the drain cannot finish (it can)
        await until(pilot, lambda: isinstance(app.screen, OperationLogScreen), what="the log")
        await until(pilot, lambda: free not in workers(), seconds=90, what="the worker removed")
    assert json.loads(kctui(data, "node", "show", free, "--json").stdout)["cluster"] == ""
