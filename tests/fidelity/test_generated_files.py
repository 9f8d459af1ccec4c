"""Every file a create plan writes on a node, for a matrix of specs covering every option, is
accepted by the real tool or schema that reads it (docs/fidelity.md lists the rules)."""

from __future__ import annotations

import secrets
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from engine.catalog import catalog
from engine.catalog.online import Online
from engine.catalog.recipes import release_set
from engine.catalog.versions import upgrade_problems
from engine.clusters.certs import plan_renew
from engine.clusters.plan import kubeadm as kubeadm_plan
from engine.clusters.plan.storage import plan_apply_storage
from engine.clusters.plan.upgrade import plan_upgrade
from engine.clusters.plan.workers import plan_add_workers
from engine.clusters.service import ClusterService
from engine.execution.plan import write_out
from store.documents.cluster import (
    CephStorage,
    Cluster,
    ClusterPhase,
    NFSStorage,
    WorkerNode,
)
from store.secrets import Secret
from store.settings import Settings
from store.store import Store
from tests.fidelity import matrix, validators

# Files whose content is fixed text kctui owns, read by tools with no validator to run here;
# each is named with the reason it needs none.
FIXED_TEXT = {
    "etc/modules-load.d/kctui-k8s.conf": "kernel module names, loaded one by one by the node-env step",
    "etc/sysctl.d/99-kctui-k8s.conf": "fixed keys, applied by sysctl --system in the node-env step",
    "etc/security/limits.d/90-kctui.conf": "fixed pam_limits lines",
}


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: make test installs it (Debian package)")


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, Path]]:
    """(name, Kubernetes version, output dir) of every spec of the matrix, planned."""
    root = tmp_path_factory.mktemp("fidelity")
    ca_dir = root / "ca"
    ca_dir.mkdir()
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=lab registry CA", "-keyout", str(ca_dir / "ca.key"),
         "-out", str(ca_dir / "ca.crt")],
        check=True, capture_output=True,
    )  # fmt: skip
    store = Store(root / "data")
    matrix.populate(store, (ca_dir / "ca.crt").read_text())
    # online plans embed the pins of the files upstream publishes no checksum for
    pins = {
        a.key: "0" * 64
        for release in catalog.releases()
        for recipe in release_set(release.version, "amd64")
        for a in recipe.artifacts
        if not a.checksum
    }
    service = ClusterService(store, Settings(pins=pins))
    out = []
    online = Online(pins=pins)
    for name, cluster in matrix.specs():
        op = service.plan(cluster)
        write_out(op, root / name)
        version = cluster.spec.kubernetes_version
        out.append((name, version, root / name))
        # the day-2 plans of the same cluster: a worker joined, storage added
        checked = service.check(cluster)
        joined = [WorkerNode(node=matrix.SPARE, labels={"tier": "db"})]
        storage = checked.spec.storage.model_copy(deep=True)
        storage.nfs.append(NFSStorage(server_addr="10.20.0.50", shared_path="/exports/extra",
                                      storage_class_name="nfs-extra"))  # fmt: skip
        if not storage.ceph:
            storage.ceph.append(CephStorage(monitors=["10.20.0.60:6789"], key=Secret("k"),
                                            storage_class_name="ceph-extra"))  # fmt: skip
        storage.default_storage_class = "nfs-extra"
        day2s = [
            ("add-workers", plan_add_workers(checked, joined, store, online)),
            ("storage", plan_apply_storage(checked, storage, "add", store, online)),
            ("renew-certs", plan_renew(store, running(checked))),
        ]
        newer = [
            r.version
            for r in catalog.releases()
            if not upgrade_problems(version, r.version, checked.spec.container_runtime.type)
        ]
        if newer:
            day2s.append(("upgrade", plan_upgrade(checked, newer[-1], store, online)))
        for label, day2 in day2s:
            write_out(day2, root / f"{name}-{label}")
            out.append((f"{name}-{label}", version, root / f"{name}-{label}"))
    store.close()
    return out


def running(cluster: Cluster) -> Cluster:
    done = cluster.model_copy(deep=True)
    done.status.phase = ClusterPhase.RUNNING
    return done


def _check(path: Path, rel: str, version: str, calico: str) -> tuple[str, list[str]] | None:
    """(validator, problems) for one written file; None for a file no rule claims."""
    text = path.read_text()
    checks: dict[str, Callable[[], list[str]]] = {}
    if rel.endswith("haproxy.cfg"):
        checks["haproxy"] = lambda: validators.haproxy(path)
    elif rel == "etc/containerd/config.toml":
        checks["containerd"] = lambda: (
            validators.containerd(path) + validators.containerd_on_default(path, path.parent)
        )
    elif rel.startswith("etc/containerd/certs.d/") and rel.endswith("hosts.toml"):
        checks["containerd-hosts"] = lambda: validators.containerd_hosts(path)
    elif rel.endswith(".crt"):
        checks["openssl"] = lambda: validators.certificate(path)
    elif rel.endswith("kubeadm-init.yaml"):
        # the init step puts the certificate key in before kubeadm reads the file
        key = secrets.token_hex(32)
        real = text.replace(kubeadm_plan.CERTIFICATE_KEY_PLACEHOLDER, key)
        checks["kubeadm"] = lambda: validators.kubeadm(real)
    elif rel.endswith("calico-installation.yaml"):
        doc = yaml.safe_load(text)
        checks["calico-crd"] = lambda: validators.calico_installation(doc, calico)
    elif rel.endswith((".yaml", ".yml")):
        docs = [d for d in yaml.safe_load_all(text) if d]
        checks["kubernetes-validate"] = lambda: [
            p for d in docs for p in validators.kubernetes(d, version)
        ]
    if not checks:
        return None
    ((name, run),) = checks.items()
    return name, run()


def test_every_generated_file_is_accepted_by_its_validator(
    planned: list[tuple[str, str, Path]],
) -> None:
    for tool in ("haproxy", "containerd", "openssl"):
        _need(tool)
    from engine.catalog import catalog

    counts: Counter[str] = Counter()
    problems: list[str] = []
    unclaimed: set[str] = set()
    for name, version, out in planned:
        release = catalog.release(version)
        assert release is not None
        for path in sorted((out / "nodes").glob("*/files/**/*")):
            if not path.is_file():
                continue
            rel = str(path.relative_to(out / "nodes")).split("/files/", 1)[1]
            if rel in FIXED_TEXT:
                counts["fixed text"] += 1
                continue
            result = _check(path, rel, version, release.calico)
            if result is None:
                unclaimed.add(rel)
                continue
            tool, found = result
            counts[tool] += 1
            problems += [f"{name}: {rel}: {p}" for p in found]
    print(f"\n{len(planned)} specs, {sum(counts.values())} files: {dict(sorted(counts.items()))}")
    assert not unclaimed, f"files no validator checks: {sorted(unclaimed)}"
    assert not problems, "\n".join(problems)
    for tool in ("haproxy", "containerd", "kubeadm", "calico-crd", "kubernetes-validate"):
        assert counts[tool] > 0, f"the matrix wrote no file for {tool}"


def test_the_matrix_covers_every_option(planned: list[tuple[str, str, Path]]) -> None:
    from engine.catalog import catalog
    from store.documents.cluster import CALICO_MODES

    specs = [c.spec for _, c in matrix.specs()]
    assert {s.kubernetes_version for s in specs} == {r.version for r in catalog.releases()}
    assert {s.cni.calico.mode for s in specs} == set(CALICO_MODES)
    assert {s.container_runtime.type for s in specs} == {
        rt for r in catalog.releases() for rt in r.runtimes
    }
    assert {s.networking.ip_family for s in specs} == {"IPv4", "IPv4+IPv6"}
    assert {len(s.masters) for s in specs} == {1, 3}
    assert {s.offline for s in specs} == {True, False}
    assert {bool(s.image_registry) for s in specs} == {True, False}
    assert any(s.storage.nfs for s in specs) and any(s.storage.ceph for s in specs)
    assert {s.networking.proxy_mode for s in specs} == {"ipvs", "iptables"}


def test_each_validator_refuses_what_its_tool_refuses(tmp_path: Path) -> None:
    """The validators can fail: each refuses a form an earlier plan wrote, or a plain error."""
    old_init = """\
apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
nodeRegistration: {kubeletExtraArgs: {node-ip: 10.20.0.1}}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.31.2
networking: {podSubnet: "172.25.0.0/16,fd05::/120", serviceSubnet: "10.96.0.0/16,fd03::/112"}
"""
    problems = validators.kubeadm(old_init)
    assert (
        "InitConfiguration: json: cannot unmarshal object into Go struct field "
        "NodeRegistrationOptions.nodeRegistration.kubeletExtraArgs of type []v1beta4.Arg"
    ) in problems
    assert (
        'networking.podSubnet: Invalid value: "fd05::/120": the size of pod subnet with mask 120 '
        "is smaller than the size of node subnet with mask 64"
    ) in problems
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text("frontend f\n    bind 10.0.0.1:6443\n    default_backend nowhere\n")
    assert validators.haproxy(cfg)
    toml = tmp_path / "config.toml"
    toml.write_text('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\nsandbox_image = [\n')
    assert validators.containerd(toml)
    installation = {
        "apiVersion": "operator.tigera.io/v1",
        "kind": "Installation",
        "metadata": {"name": "default"},
        "spec": {"calicoNetwork": {"ipPools": [{"cidr": "172.25.0.0/16", "encap": "VXLAN"}]}},
    }
    assert any("encap" in p for p in validators.calico_installation(installation, "v3.27.3"))
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "i", "mounts": []}]},
    }
    assert validators.kubernetes(pod, "v1.28.15")
