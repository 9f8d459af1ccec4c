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
from pathlib import Path

import pytest
import yaml

from engine.catalog import resource_package
from engine.catalog.images import kubernetes_images
from kctui.lab import lab as labs
from kctui.lab.packages import (
    CONTAINERD_VERSION,
    MANIFESTS,
    NFS_PROVISIONER_VERSION,
    REGISTRY_BINARY,
    TIGERA_OPERATOR_VERSION,
    UNITS,
    build_labsim,
)
from kctui.lab.register import register_nodes
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
    }
    pins = []
    for key, text in raw.items():
        up.files["/" + key] = text.encode()
        pins.append(f"--pin={key}={sha(text.encode())}")
    return pins


@pytest.fixture
def built(tmp_path: Path) -> Iterator[tuple[Path, float]]:
    """The package set `resource build` makes on the fake upstream, and how long it took."""
    with serving() as up, plain_registry(tmp_path / "registry") as registry:
        pins = publish(up, tmp_path)
        images = [
            *kubernetes_images(K8S),
            f"quay.io/tigera/operator:{TIGERA_OPERATOR_VERSION}",
            *(f"docker.io/calico/{c}:{CALICO}" for c in COMPONENTS),
            f"registry.k8s.io/sig-storage/nfs-subdir-external-provisioner:{NFS_PROVISIONER_VERSION}",
        ]
        seed(registry, tmp_path, images)
        sources = [
            f"--source={name}={up.url}/{name}"
            for name in ("kubernetes-release", "containerd-raw", "calico-raw", "nfs-raw")
        ]
        sources += [f"--source=kubernetes={up.url}/dl", f"--source=github={up.url}/gh"]
        sources += [f"--source={r}={registry}" for r in ("registry.k8s.io", "docker.io", "quay.io")]
        packages = tmp_path / "packages"
        start = time.monotonic()
        done = kctui(
            tmp_path / "data", "resource", "build", "--kubernetes", K8S, "--out",
            str(packages), *sources, *pins,
        )  # fmt: skip
        took = time.monotonic() - start
        assert done.returncode == 0, done.stderr
        yield packages, took


def test_an_offline_cluster_from_packages_built_on_the_fake_upstream(
    built: tuple[Path, float], tmp_path: Path
) -> None:
    packages, took = built
    sizes = {p.name: p.stat().st_size for p in packages.iterdir()}
    print(f"\nresource build {K8S}: {took:.1f} s, {sum(sizes.values()) / 2**20:.1f} MiB: {sizes}")
    if os.geteuid() != 0:
        pytest.skip("the lab needs root")
    name = f"sc{os.getpid() % 10000}"
    lab = labs.up(name, 3)
    try:
        data = tmp_path / "data"
        register_nodes(lab, Store(data))
        assert kctui(data, "node", "probe").returncode == 0
        pushed = kctui(data, "resource", "push", str(packages))
        assert pushed.returncode == 0, pushed.stderr
        h = [x.name for x in lab.hosts]
        spec = {
            "apiVersion": "kctui/v1",
            "kind": "Cluster",
            "metadata": {"name": "upstream"},
            "spec": {
                "masters": [{"node": h[0]}],
                "workers": [{"node": h[1]}, {"node": h[2]}],
                "offline": True,
                "kubernetesVersion": K8S,
            },
        }
        path = tmp_path / "upstream.yaml"
        path.write_text(yaml.safe_dump(spec))
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
    finally:
        labs.down(name)
