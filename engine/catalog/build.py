"""`kctui resource build`: kctui packages made from upstream's release downloads, every file
checked against the checksum upstream publishes for it (or a pin, where upstream publishes
none). Downloads are kept in a cache and resume after a cut."""

from __future__ import annotations

import tarfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

import assets
from engine.catalog import catalog, resource_package
from engine.catalog.download import Downloader, DownloadError, Progress, parse_checksum
from engine.catalog.images import ImageError, fetch_images, kubernetes_images, manifest_images
from engine.errors import RefusedError

ARCHES = ("amd64", "arm64")
# Upstream's templates install to /usr/bin; kctui's packages install to /usr/local/bin, as the
# Kubernetes documentation's manual install does (with the same substitution).
UPSTREAM_BIN = "/usr/bin"
LOCAL_BIN = "/usr/local/bin"


class BuildError(RefusedError):
    """A package cannot be built; the message names the artifact and why."""


@cache
def upstream() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(assets.path("upstream.yaml").read_text())
    return data


def parse_assignments(values: list[str], what: str) -> dict[str, str]:
    """NAME=VALUE options (--source, --pin) as a mapping; refused naming the bad one."""
    out = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name or not rest:
            raise BuildError(f"{what} {value!r}: write it as NAME=VALUE")
        out[name] = rest
    return out


@dataclass
class Builder:
    cache_dir: Path
    sources: Mapping[str, str] = field(default_factory=dict)  # over upstream.yaml's
    pins: Mapping[str, str] = field(default_factory=dict)  # over upstream.yaml's
    progress: Callable[[str, int, int], None] | None = None  # (file, done, total)
    downloader: Downloader = field(default_factory=Downloader)

    def __post_init__(self) -> None:
        known = [*upstream()["sources"], *upstream()["registries"]]
        unknown = sorted(set(self.sources) - set(known))
        if unknown:
            raise BuildError(
                f"unknown source {', '.join(unknown)}; the sources are {', '.join(known)}"
            )

    @property
    def mirrors(self) -> dict[str, str]:
        return {k: v for k, v in self.sources.items() if k in upstream()["registries"]}

    def images(self, package: str, refs: list[str], arch: str) -> Path:
        """`refs` (linux/`arch`) in one image archive in the cache."""
        dest = self.cache_dir / "images" / f"{package}-{arch}.tar"
        dest.parent.mkdir(parents=True, exist_ok=True)
        report = None
        if self.progress is not None:
            progress = self.progress

            def report(ref: str) -> None:
                progress(ref, 0, 0)

        try:
            return fetch_images(refs, dest, arch, self.mirrors, report)
        except ImageError as e:
            raise BuildError(str(e)) from None

    def url(self, source: str, path: str) -> str:
        base = self.sources.get(source) or upstream()["sources"][source]
        return f"{base.rstrip('/')}/{path}"

    def fetch(self, source: str, path: str, checksum: str = "") -> Path:
        """SOURCE/PATH in the cache, verified against the checksum file at SOURCE/`checksum`
        (upstream's), or else against a pin."""
        name = path.rsplit("/", 1)[-1]
        if checksum:
            sha256 = parse_checksum(self.downloader.text(self.url(source, checksum)), name)
        else:
            key = f"{source}/{path}"
            sha256 = self.pins.get(key) or (upstream().get("pins") or {}).get(key, "")
            if not sha256:
                raise BuildError(
                    f"{name}: upstream publishes no checksum for {self.url(source, path)} and "
                    f"kctui has no pin for it; give one with --pin {key}=SHA256"
                )
        report: Progress | None = None
        if self.progress is not None:
            progress = self.progress

            def report(done: int, total: int) -> None:
                progress(name, done, total)

        dest = self.cache_dir / source / path
        return self.downloader.fetch(self.url(source, path), dest, sha256, report)

    # -- packages ---------------------------------------------------------------------------

    def kubernetes(self, version: str, arch: str, out: Path) -> Path:
        files: dict[str, tuple[bytes, int]] = {}
        for binary in ("kubeadm", "kubelet", "kubectl"):
            path = f"release/{version}/bin/linux/{arch}/{binary}"
            files[f"bin/{binary}"] = (
                self.fetch("kubernetes", path, path + ".sha256").read_bytes(),
                0o755,
            )
        ref = upstream()["templates_ref"]
        templates = f"{ref}/cmd/krel/templates/latest"
        for dest, path in (
            ("systemd/kubelet.service", f"{templates}/kubelet/kubelet.service"),
            ("systemd/10-kubeadm.conf", f"{templates}/kubeadm/10-kubeadm.conf"),
        ):
            text = self.fetch("kubernetes-release", path).read_text()
            files[dest] = (text.replace(UPSTREAM_BIN, LOCAL_BIN).encode(), 0o644)
        images = kubernetes_images(version)
        return resource_package.build(
            out,
            name="kubernetes",
            type="k8s",
            version=version,
            arch=arch,
            files=files,
            images=images,
            images_archive=self.images(f"kubernetes-{version}", images, arch),
        )

    def containerd(self, k8s_version: str, arch: str, out: Path) -> Path:
        release = catalog.release(k8s_version)
        assert release is not None
        version = release.runtimes["containerd"]
        parts = components(k8s_version)
        files: dict[str, tuple[bytes, int]] = {}
        tag = f"v{version}"
        asset = f"containerd-{version}-linux-{arch}.tar.gz"
        path = f"containerd/containerd/releases/download/{tag}/{asset}"
        files |= _binaries(self.fetch("github", path, path + ".sha256sum"), prefix="bin/")
        crictl = f"crictl-{parts['crictl']}-linux-{arch}.tar.gz"
        path = f"kubernetes-sigs/cri-tools/releases/download/{parts['crictl']}/{crictl}"
        files |= _binaries(self.fetch("github", path, path + ".sha256"), prefix="")
        runc = f"opencontainers/runc/releases/download/{parts['runc']}"
        files["bin/runc"] = (
            self.fetch("github", f"{runc}/runc.{arch}", f"{runc}/runc.sha256sum").read_bytes(),
            0o755,
        )
        unit = self.fetch("containerd-raw", f"{tag}/containerd.service").read_text()
        files["systemd/containerd.service"] = (
            unit.replace(UPSTREAM_BIN, LOCAL_BIN).encode(),
            0o644,
        )
        return resource_package.build(
            out, name="containerd", type="cri", version=version, arch=arch, files=files
        )

    def manifests_package(
        self,
        name: str,
        type: str,
        version: str,
        arch: str,
        out: Path,
        manifests: dict[str, tuple[str, str]],
        extra_images: list[str],
    ) -> Path:
        """A package of manifests (package path: (source, upstream path)) and the images
        they name, with `extra_images` (what an operator deploys in its turn)."""
        files: dict[str, tuple[bytes, int]] = {}
        images: list[str] = []
        for dest, (source, path) in manifests.items():
            text = self.fetch(source, path).read_text()
            files[dest] = (text.encode(), 0o644)
            images += [i for i in manifest_images(text) if i not in images]
        images += [i for i in extra_images if i not in images]
        return resource_package.build(
            out, name=name, type=type, version=version, arch=arch, files=files,
            images=images, images_archive=self.images(f"{name}-{version}", images, arch),
        )  # fmt: skip

    def calico(self, k8s_version: str, arch: str, out: Path) -> Path:
        release = catalog.release(k8s_version)
        assert release is not None
        version = release.calico
        components = [f"docker.io/calico/{c}:{version}" for c in upstream()["calico_components"]]
        manifests = {
            "manifests/tigera-operator.yaml": (
                "calico-raw",
                f"{version}/manifests/tigera-operator.yaml",
            )
        }
        return self.manifests_package("calico", "cni", version, arch, out, manifests, components)

    def nfs_provisioner(self, arch: str, out: Path) -> Path:
        version = catalog.nfs_provisioner_version()
        image = f"registry.k8s.io/sig-storage/nfs-subdir-external-provisioner:{version}"
        manifests = {"manifests/rbac.yaml": ("nfs-raw", f"{version}/deploy/rbac.yaml")}
        return self.manifests_package(
            "nfs-provisioner", "csi", version, arch, out, manifests, [image]
        )

    def registry(self, arch: str, out: Path) -> Path:
        """Docker distribution's `registry` from its release tarball, for `registry deploy`."""
        version = upstream()["registry"]
        asset = f"registry_{version.lstrip('v')}_linux_{arch}.tar.gz"
        path = f"distribution/distribution/releases/download/{version}/{asset}"
        binaries = _binaries(self.fetch("github", path, path + ".sha256"), prefix="")
        if "bin/registry" not in binaries:
            raise BuildError(f"{asset}: no registry executable at its top")
        return resource_package.build(
            out, name="registry", type="registry", version=version, arch=arch,
            files={"bin/registry": binaries["bin/registry"]},
        )  # fmt: skip

    def build(self, version: str, arches: list[str], out: Path) -> list[Path]:
        if catalog.release(version) is None:
            known = ", ".join(r.version for r in catalog.releases())
            raise BuildError(f"Kubernetes {version} is not in the catalog ({known})")
        bad = [a for a in arches if a not in ARCHES]
        if bad:
            raise BuildError(f"arch {', '.join(bad)}: use {' or '.join(ARCHES)}")
        built = []
        try:
            for arch in arches:
                built.append(self.kubernetes(version, arch, out))
                built.append(self.containerd(version, arch, out))
                built.append(self.calico(version, arch, out))
                built.append(self.nfs_provisioner(arch, out))
                built.append(self.registry(arch, out))
        except DownloadError as e:
            raise BuildError(str(e)) from None
        return built


def components(k8s_version: str) -> dict[str, str]:
    minor = ".".join(k8s_version.lstrip("v").split(".")[:2])
    found: dict[str, str] | None = upstream()["components"].get(minor)
    if found is None:
        raise BuildError(f"kctui knows no crictl and runc for Kubernetes {minor}")
    return found


def _binaries(archive: Path, prefix: str) -> dict[str, tuple[bytes, int]]:
    """The executables of a release tarball, under bin/ in the package."""
    out: dict[str, tuple[bytes, int]] = {}
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile() or not member.name.startswith(prefix) or not member.mode & 0o111:
                continue
            data = tar.extractfile(member)
            name = member.name.rsplit("/", 1)[-1]
            out[f"bin/{name}"] = (data.read() if data else b"", 0o755)
    if not out:
        raise BuildError(f"{archive.name}: no executables under {prefix or 'its top'}")
    return out
