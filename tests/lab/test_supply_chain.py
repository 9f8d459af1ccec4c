"""The air-gapped supply chain on lab hosts: `kctui resource build` against a fake upstream on
127.0.0.1 (laid out as dl.k8s.io, GitHub release assets and raw.githubusercontent.com, and a
registry for the images), then a push of what it built and an offline create that reaches
Running with no lab package involved: the lab's simulated tools are the payload, the layout is
upstream's."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from engine.catalog import resource_package
from engine.catalog.images import kubernetes_images
from engine.catalog.packages import CEPH_CSI_VERSION
from kctui.lab import lab as labs
from kctui.lab.packages import (
    CONTAINERD_VERSION,
    CSI_PROVISIONER_VERSION,
    CSI_REGISTRAR_VERSION,
    MANIFESTS,
    NFS_PROVISIONER_VERSION,
    REGISTRY_BINARY,
    TIGERA_OPERATOR_VERSION,
    UNITS,
    build_labsim,
    ceph_csi_images,
)
from kctui.lab.register import register_nodes
from kctui.lab.state import Lab
from store.store import Store
from tests.cli import kctui
from tests.labkit import out
from tests.registry import plain_registry, seed
from tests.upstream import Upstream, serving, tar_gz

pytestmark = pytest.mark.lab
K8S = "v1.28.15"
CALICO = "v3.27.3"
CRICTL, RUNC = "v1.28.0", "v1.1.14"
COMPONENTS = ("node", "cni", "kube-controllers", "typha", "pod2daemon-flexvol", "csi",
              "node-driver-registrar")  # fmt: skip


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def publish(up: Upstream, tmp: Path) -> list[str]:
    """The lab's tools and manifests at upstream's paths; the pins for the raw files."""
    k8s_sim = build_labsim(tmp / "labsim-k8s", K8S, CONTAINERD_VERSION).read_bytes()
    cri_sim = build_labsim(tmp / "labsim-cri", "", CONTAINERD_VERSION).read_bytes()
    for binary in ("kubeadm", "kubelet", "kubectl"):
        path = f"/dl/release/{K8S}/bin/linux/amd64/{binary}"
        up.files[path], up.files[path + ".sha256"] = k8s_sim, sha(k8s_sim).encode()
    assets = {
        f"/gh/containerd/containerd/releases/download/v{CONTAINERD_VERSION}/"
        f"containerd-{CONTAINERD_VERSION}-linux-amd64.tar.gz": (
            tar_gz({"bin/containerd": cri_sim, "bin/ctr": cri_sim}),
            ".sha256sum",
        ),
        f"/gh/kubernetes-sigs/cri-tools/releases/download/{CRICTL}/"
        f"crictl-{CRICTL}-linux-amd64.tar.gz": (tar_gz({"crictl": cri_sim}), ".sha256"),
    }
    for path, (data, suffix) in assets.items():
        up.files[path] = data
        up.files[path + suffix] = f"{sha(data)}  {path.rsplit('/', 1)[1]}\n".encode()
    # Debian's distribution binary as distribution's release tarball holds it
    registry = tar_gz({"registry": REGISTRY_BINARY.read_bytes()})
    path = (
        "/gh/distribution/distribution/releases/download/v2.8.3/registry_2.8.3_linux_amd64.tar.gz"
    )
    up.files[path], up.files[path + ".sha256"] = registry, sha(registry).encode()
    runc = f"/gh/opencontainers/runc/releases/download/{RUNC}"
    up.files[f"{runc}/runc.amd64"] = cri_sim
    up.files[f"{runc}/runc.sha256sum"] = f"{sha(cri_sim)}  runc.amd64\n".encode()
    operator = (MANIFESTS / "tigera-operator.yaml").read_text()
    raw = {
        # upstream's templates say /usr/bin; the build makes it /usr/local/bin again
        "kubernetes-release/v0.16.2/cmd/krel/templates/latest/kubelet/kubelet.service": (
            (UNITS / "kubelet.service").read_text().replace("/usr/local/bin", "/usr/bin")
        ),
        "kubernetes-release/v0.16.2/cmd/krel/templates/latest/kubeadm/10-kubeadm.conf": (
            (UNITS / "10-kubeadm.conf").read_text().replace("/usr/local/bin", "/usr/bin")
        ),
        f"containerd-raw/v{CONTAINERD_VERSION}/containerd.service": (
            (UNITS / "containerd.service").read_text()
        ),
        f"calico-raw/{CALICO}/manifests/tigera-operator.yaml": operator.replace(
            "{operator_version}", TIGERA_OPERATOR_VERSION
        ),
        f"nfs-raw/{NFS_PROVISIONER_VERSION}/deploy/rbac.yaml": (
            (MANIFESTS / "nfs-provisioner-rbac.yaml").read_text()
        ),
        **{
            f"ceph-csi-raw/{CEPH_CSI_VERSION}/deploy/rbd/kubernetes/{name}": text
            for name, text in ceph_manifests().items()
        },
    }
    pins = []
    for key, text in raw.items():
        up.files["/" + key] = text.encode()
        pins.append(f"--pin={key}={sha(text.encode())}")
    return pins


def ceph_manifests() -> dict[str, str]:
    """The lab's ceph-csi manifest as upstream's csi-rbdplugin.yaml, the other files small."""
    rbd = (MANIFESTS / "ceph-csi-rbd.yaml").read_text()
    for key, value in (
        ("{version}", CEPH_CSI_VERSION),
        ("{provisioner_version}", CSI_PROVISIONER_VERSION),
        ("{registrar_version}", CSI_REGISTRAR_VERSION),
    ):
        rbd = rbd.replace(key, value)
    small = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: %s, namespace: default}\n"
    return {
        "csidriver.yaml": "apiVersion: storage.k8s.io/v1\nkind: CSIDriver\nmetadata: {name: rbd.csi.ceph.com}\n",
        "csi-provisioner-rbac.yaml": small % "rbd-csi-provisioner",
        "csi-nodeplugin-rbac.yaml": small % "rbd-csi-nodeplugin",
        "csi-rbdplugin-provisioner.yaml": "",
        "csi-rbdplugin.yaml": rbd,
    }


@dataclass
class Chain:
    lab: Lab
    up: Upstream
    data: Path
    packages: Path
    took: float
    sources: dict[str, str]  # as settings.yaml's sources
    pins: list[str]  # --pin options


def spec_file(tmp: Path, name: str, hosts: list[str], **extra: object) -> Path:
    spec = {
        "apiVersion": "kctui/v1",
        "kind": "Cluster",
        "metadata": {"name": name},
        "spec": {
            "masters": [{"node": hosts[0]}],
            "workers": [{"node": n} for n in hosts[1:]],
            "kubernetesVersion": K8S,
            **extra,
        },
    }
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    """A lab whose hosts reach a fake upstream on the jump host's lab address, and the package
    set `resource build` makes from it (images from a registry on 127.0.0.1)."""
    if os.geteuid() != 0:
        pytest.skip("the lab needs root")
    tmp = tmp_path_factory.mktemp("supply-chain")
    name = f"sc{os.getpid() % 10000}"
    lab = labs.up(name, 3)
    try:
        with serving(lab.gateway) as up, plain_registry(tmp / "registry") as registry:
            pins = publish(up, tmp)
            images = [
                *kubernetes_images(K8S),
                f"quay.io/tigera/operator:{TIGERA_OPERATOR_VERSION}",
                *(f"docker.io/calico/{c}:{CALICO}" for c in COMPONENTS),
                f"registry.k8s.io/sig-storage/nfs-subdir-external-provisioner:{NFS_PROVISIONER_VERSION}",
                *ceph_csi_images(),
            ]
            seed(registry, tmp, images)
            raw = ("kubernetes-release", "containerd-raw", "calico-raw", "nfs-raw", "ceph-csi-raw")
            sources = {name: f"{up.url}/{name}" for name in raw}
            sources |= {"kubernetes": f"{up.url}/dl", "github": f"{up.url}/gh"}
            options = [f"--source={k}={v}" for k, v in sources.items()]
            options += [
                f"--source={r}={registry}" for r in ("registry.k8s.io", "docker.io", "quay.io")
            ]
            packages = tmp / "packages"
            data = tmp / "data"
            start = time.monotonic()
            done = kctui(
                data, "resource", "build", "--kubernetes", K8S, "--out", str(packages),
                *options, *pins,
            )  # fmt: skip
            took = time.monotonic() - start
            assert done.returncode == 0, done.stderr
            register_nodes(lab, Store(data))
            assert kctui(data, "node", "probe").returncode == 0
            pushed = kctui(data, "resource", "push", str(packages))
            assert pushed.returncode == 0, pushed.stderr
            yield Chain(lab, up, data, packages, took, sources, pins)
    finally:
        labs.down(name)


def test_an_offline_cluster_from_packages_built_on_the_fake_upstream(chain: Chain) -> None:
    lab, data, packages = chain.lab, chain.data, chain.packages
    sizes = {p.name: p.stat().st_size for p in packages.iterdir()}
    print(
        f"\nresource build {K8S}: {chain.took:.1f} s, {sum(sizes.values()) / 2**20:.1f} MiB: {sizes}"
    )
    h = [x.name for x in lab.hosts]
    path = spec_file(packages.parent, "upstream", h, offline=True)
    created = kctui(data, "cluster", "create", "-f", str(path), "--yes", "--wait")
    assert created.returncode == 0, created.stdout + created.stderr
    shown = json.loads(kctui(data, "cluster", "show", "upstream", "--json").stdout)
    assert shown["status"]["phase"] == "Running"
    # the binaries on the nodes are the ones the fake upstream served
    k8s = resource_package.read(packages / f"kubernetes-{K8S}-amd64.tar.gz")
    served = next(f.sha256 for f in k8s.files if f.path == "bin/kubelet")
    assert out(lab, h[1], "sha256sum /usr/local/bin/kubelet").split()[0] == served
    unit = out(lab, h[1], "cat /etc/systemd/system/kubelet.service")
    assert "ExecStart=/usr/local/bin/kubelet" in unit
    assert "Ready" in out(lab, h[0], "kubectl get nodes")
    # the registry package built from distribution's release runs as a registry on a node
    deployed = kctui(data, "registry", "deploy", h[2], "--name", "hub", "--wait")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    pushed = kctui(data, "registry", "push", "hub", f"calico-{CALICO}-amd64", "--json")
    assert pushed.returncode == 0, pushed.stderr
    assert len(json.loads(pushed.stdout)) == 1 + len(COMPONENTS)
    held = json.loads(kctui(data, "registry", "images", "hub", "--json").stdout)
    assert f"calico/node:{CALICO}" in held and "tigera/operator:v1.32.7" in held
    assert kctui(data, "cluster", "delete", "upstream", "--yes").returncode == 0


def test_online_installs_fetch_from_upstream_on_the_nodes_or_through_the_jump_host(
    chain: Chain,
) -> None:
    lab, up, data = chain.lab, chain.up, chain.data
    h = [x.name for x in lab.hosts]
    if kctui(data, "registry", "show", "hub").returncode != 0:
        deployed = kctui(data, "registry", "deploy", h[2], "--name", "hub", "--wait")
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    # online, the images come from the registry (the lab has no internet)
    pushed = kctui(
        data, "registry", "push", "hub", f"kubernetes-{K8S}-amd64", f"calico-{CALICO}-amd64"
    )
    assert pushed.returncode == 0, pushed.stderr
    pins = dict(p.removeprefix("--pin=").split("=", 1) for p in chain.pins)
    settings = {"sources": chain.sources, "pins": pins}
    (data / "settings.yaml").write_text(yaml.safe_dump(settings))
    nodes = h[:2]
    addresses = {lab.host(n).address for n in nodes}
    kubeadm = f"/dl/release/{K8S}/bin/linux/amd64/kubeadm"
    up.cut_once.add(kubeadm)  # the first node to ask gets half of it, then goes on from there
    seen = len(up.requests)

    path = spec_file(data.parent, "direct", nodes, offline=False, imageRegistry="hub")
    plan = kctui(data, "cluster", "create", "-f", str(path), "--dry-run")
    assert f"kctui_fetch {up.url}{kubeadm} " in plan.stdout
    created = kctui(data, "cluster", "create", "-f", str(path), "--yes", "--wait")
    assert created.returncode == 0, created.stdout + created.stderr
    asked = list(zip(up.clients[seen:], up.requests[seen:], strict=True))
    assert {client for client, _ in asked} == addresses  # each node fetched for itself
    assert any(p == kubeadm and r.startswith("bytes=") for _, (p, r) in asked), asked
    served = hashlib.sha256(up.files[kubeadm]).hexdigest()
    for node in nodes:
        assert out(lab, node, "sha256sum /usr/local/bin/kubeadm").split()[0] == served
        assert "ExecStart=/usr/local/bin/kubelet" in out(
            lab, node, "cat /etc/systemd/system/kubelet.service"
        )
    assert "Ready" in out(lab, h[0], "kubectl get nodes")
    assert kctui(data, "cluster", "delete", "direct", "--yes").returncode == 0

    # a file whose sum is not upstream's is refused on the node, naming it and both sums
    crictl = f"/gh/kubernetes-sigs/cri-tools/releases/download/{CRICTL}/crictl-{CRICTL}-linux-amd64.tar.gz"
    right = up.files[crictl + ".sha256"]
    up.files[crictl + ".sha256"] = b"e" * 64
    for node in nodes:  # nothing kept from the run before
        out(lab, node, "rm -rf /opt/kctui/packages/.cache")
    path = spec_file(data.parent, "tampered", nodes, offline=False, imageRegistry="hub")
    failed = kctui(data, "cluster", "create", "-f", str(path), "--yes", "--wait")
    assert failed.returncode == 1
    logs = kctui(
        data,
        "operation",
        "logs",
        json.loads(kctui(data, "cluster", "show", "tampered", "--json").stdout)["status"][
            "lastOperation"
        ],
    ).stdout
    actual = hashlib.sha256(up.files[crictl]).hexdigest()
    assert (
        f"crictl-{CRICTL}-linux-amd64.tar.gz: sha256 {actual}, but upstream says {'e' * 64}" in logs
    )
    up.files[crictl + ".sha256"] = right
    assert kctui(data, "cluster", "delete", "tampered", "--yes").returncode == 0

    # through the jump host: the nodes ask upstream for nothing
    seen = len(up.requests)
    path = spec_file(data.parent, "relayed", nodes, offline=False, imageRegistry="hub")
    created = kctui(
        data, "cluster", "create", "-f", str(path), "--via-jump-host", "--yes", "--wait"
    )
    assert created.returncode == 0, created.stdout + created.stderr
    assert not addresses & set(up.clients[seen:])
    assert (data / "online-packages" / f"kubernetes-{K8S}-amd64.tar.gz").exists()
    assert "Ready" in out(lab, h[0], "kubectl get nodes")
    assert kctui(data, "cluster", "delete", "relayed", "--yes").returncode == 0
    (data / "settings.yaml").unlink()
