"""The upgrade of test_clusters' 3+2 cluster from v1.28 to v1.29 (offline, images from its
registry), on lab hosts whose kubeadm refuses a skipped minor and an `upgrade node` before the
control plane, and whose kubelet refuses to run newer than the API server: the skew rules
refused before any node is touched, a pre-upgrade backup, a worker that fails alone and a retry
that finishes, every node and static pod at v1.29."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from kctui.lab import lab as labs
from kctui.lab.packages import kubernetes_images
from kctui.lab.state import Lab
from tests.cli import kctui
from tests.labkit import out, ssh
from tests.registry import LabRegistry, push

FROM, TO = "v1.28.15", "v1.29.10"


def shown(data: Path, name: str) -> dict:  # type: ignore[type-arg]
    return json.loads(kctui(data, "cluster", "show", name, "--json").stdout)  # type: ignore[no-any-return]


def check_refusals(lab: Lab, data: Path, name: str) -> None:
    before = kctui(data, "operation", "list", "--json").stdout
    for target, said in (
        ("v1.30.6", "skips a minor version"),
        ("v1.27.16", "is older than the cluster's"),
        (FROM, "is the cluster's version"),
        ("latest", "not a version like"),
    ):
        done = kctui(data, "cluster", "upgrade", name, "--to", target, "--yes")
        assert done.returncode == 1 and "--to" in done.stderr, done.stderr
        assert said in done.stderr, (target, done.stderr)
    missing = kctui(data, "cluster", "upgrade", name, "--to", TO, "--yes")
    assert (
        missing.returncode == 1 and f"lacks registry.k8s.io/kube-apiserver:{TO}" in missing.stderr
    )
    needs_yes = kctui(data, "cluster", "upgrade", name, "--to", TO)
    assert needs_yes.returncode == 1 and "pass --yes" in needs_yes.stderr
    assert kctui(data, "operation", "list", "--json").stdout == before
    assert out(lab, lab.hosts[3].name, "kubelet --version").strip() == f"Kubernetes {FROM}"


def check_upgrade(lab: Lab, data: Path, name: str, reg: LabRegistry) -> None:
    h = [x.name for x in lab.hosts]
    check_refusals(lab, data, name)
    push(reg, kubernetes_images(TO))
    plan = kctui(data, "cluster", "upgrade", name, "--to", TO, "--dry-run")
    assert plan.returncode == 0, plan.stderr
    for step in ("upgrade-plan", "upgrade-first", "upgrade-control-plane", "upgrade-workers-2"):
        assert f" {step}" in plan.stdout, step

    labs.fault(lab, h[4], "fail-next", "kubeadm")  # the last worker's `kubeadm upgrade node`
    failed = kctui(data, "cluster", "upgrade", name, "--to", TO, "--yes", "--wait")
    assert failed.returncode == 1, failed.stdout
    assert shown(data, name)["status"]["phase"] == "UpgradeFailed"
    # the failed worker alone is behind: the others are upgraded
    assert out(lab, h[3], "kubelet --version").strip() == f"Kubernetes {TO}"
    assert out(lab, h[4], "kubelet --version").strip() == f"Kubernetes {FROM}"

    retried = kctui(data, "cluster", "retry", name)
    assert retried.returncode == 0, retried.stdout + retried.stderr
    cluster = shown(data, name)
    assert cluster["status"]["phase"] == "Running"
    assert cluster["status"]["kubernetesVersion"] == TO == cluster["spec"]["kubernetesVersion"]
    nodes = json.loads(out(lab, h[0], "kubectl get nodes -o json"))["items"]
    assert {n["status"]["nodeInfo"]["kubeletVersion"] for n in nodes} == {TO}
    for node in h:
        assert out(lab, node, "kubelet --version").strip() == f"Kubernetes {TO}"
        kept = out(lab, node, f"ls /opt/kctui/rollback/{FROM}").split()
        assert kept == ["kubeadm", "kubectl", "kubelet"], (node, kept)
    for master in h[:3]:
        for pod in ("kube-apiserver", "kube-controller-manager", "kube-scheduler"):
            manifest = yaml.safe_load(out(lab, master, f"cat /etc/kubernetes/manifests/{pod}.yaml"))
            assert manifest["spec"]["containers"][0]["image"].endswith(f"/{pod}:{TO}"), (
                master,
                pod,
            )

    # the backup made before it is at v1.28, and a restore of it is refused now
    backups = json.loads(kctui(data, "backup", "list", "--cluster", name, "--json").stdout)
    pre = [b for b in backups if "before the upgrade" in b["description"]]
    assert len(pre) == 1 and pre[0]["kubernetesVersion"] == FROM, backups
    refused = kctui(data, "backup", "restore", name, pre[0]["name"], "--yes")
    assert refused.returncode == 1 and f"was taken at Kubernetes {FROM}" in refused.stderr
    assert kctui(data, "backup", "delete", pre[0]["name"], "--yes").returncode == 0
    check_lab_refusals(lab, data)


def check_lab_refusals(lab: Lab, data: Path) -> None:
    """On the upgraded cluster: a worker's kubelet of v1.31 (newer than the API server) does
    not run, and its `kubeadm upgrade node` refuses before the control plane."""
    worker = lab.hosts[3].name
    new = "/opt/kctui/lab-v1.31"
    archive = data / "resources" / "kubernetes-v1.31.2-amd64.tar.gz"
    ssh(lab, worker, f"mkdir -p {new} && tar -xzf - -C {new}", input=archive.read_bytes())
    node = ssh(lab, worker, f"{new}/bin/kubeadm upgrade node", check=False)
    assert node.returncode != 0 and b"upgrade the control plane first" in node.stderr
    kubelet = ssh(
        lab, worker, f"{new}/bin/kubelet --kubeconfig /etc/kubernetes/kubelet.conf", check=False
    )
    assert kubelet.returncode != 0 and f"newer than kube-apiserver {TO}".encode() in kubelet.stderr
    ssh(lab, worker, f"rm -rf {new}")
