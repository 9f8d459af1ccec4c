"""The container images a cluster runs, computed from the catalog as `kubeadm config images
list` computes them, and fetched from their registries (or mirrors) with skopeo into one
archive that `ctr images import` and `docker load` both take (docker-archive: manifest.json
listing each image's config and layers)."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from engine.catalog import catalog
from engine.errors import RefusedError

# The workers' API-server balancer (a static pod), carried by the Kubernetes package's images.
LB_IMAGE = "docker.io/library/haproxy:2.8"
IMAGE_RE = re.compile(r"^\s*-?\s*image:\s*(\S+)\s*$", re.M)
CONTROL_PLANE = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy")


class ImageError(RefusedError):
    """An image cannot be fetched; the message names it and why."""


def parse(ref: str) -> tuple[str, str, str]:
    """(registry host, repository, tag) of a reference, docker.io's defaults applied."""
    name, tag = ref, "latest"
    if ":" in name.rsplit("/", 1)[-1]:
        name, tag = name.rsplit(":", 1)
    first = name.split("/", 1)[0]
    if "/" in name and ("." in first or ":" in first or first == "localhost"):
        host, repo = name.split("/", 1)
    else:
        host, repo = "docker.io", name
    if host == "docker.io" and "/" not in repo:
        repo = f"library/{repo}"
    return host, repo, tag


def kubernetes_images(version: str) -> list[str]:
    """What kubeadm pulls for `version`, as `kubeadm config images list` prints it, and the
    balancer's image."""
    release = catalog.release(version)
    if release is None:
        raise ImageError(f"Kubernetes {version} is not in the catalog")
    repository = catalog.image_repository()
    return [f"{repository}/{name}:{version}" for name in CONTROL_PLANE] + [
        f"{repository}/etcd:{release.etcd}",
        f"{repository}/coredns/coredns:{release.coredns}",
        f"{repository}/pause:{release.pause}",
        LB_IMAGE,
    ]


def manifest_images(text: str) -> list[str]:
    """The image references a manifest's containers name, in order, once each."""
    found: list[str] = []
    for match in IMAGE_RE.finditer(text):
        ref = match.group(1).strip("'\"")
        if ref not in found:
            found.append(ref)
    return found


def source_of(ref: str, mirrors: Mapping[str, str]) -> tuple[str, bool]:
    """Where to pull `ref` from: its own registry, or a mirror of it given as
    REGISTRY=URL (the repository under the mirror as under the registry); whether over TLS."""
    host, repo, tag = parse(ref)
    mirror = mirrors.get(host, "")
    if not mirror:
        return f"{host}/{repo}:{tag}", True
    tls = not mirror.startswith("http://")
    base = mirror.split("://", 1)[-1].rstrip("/")
    return f"{base}/{repo}:{tag}", tls


def fetch_images(
    refs: list[str],
    dest: Path,
    arch: str,
    mirrors: Mapping[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Every image of `refs`, the linux/`arch` one of each, in one docker-archive at `dest`."""
    if shutil.which("skopeo") is None:
        raise ImageError("skopeo is needed to fetch images (Debian: apt-get install skopeo)")
    with tempfile.TemporaryDirectory(prefix="kctui-images-") as tmp:
        parts = []
        for i, ref in enumerate(refs):
            source, tls = source_of(ref, mirrors or {})
            if progress is not None:
                progress(ref)
            part = Path(tmp) / f"{i}.tar"
            argv = ["skopeo", "copy", "--quiet", "--insecure-policy"]
            argv += ["--override-os", "linux", "--override-arch", arch]
            if not tls:
                argv.append("--src-tls-verify=false")
            argv += [f"docker://{source}", f"docker-archive:{part}:{normalized(ref)}"]
            done = subprocess.run(argv, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                why = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
                raise ImageError(f"{ref}: cannot copy it from {source}: {why}")
            parts.append(part)
        partial = dest.with_name(dest.name + ".partial")
        merge(parts, partial)
        partial.replace(dest)
    return dest


def normalized(ref: str) -> str:
    host, repo, tag = parse(ref)
    return f"{host}/{repo}:{tag}"


def merge(archives: list[Path], dest: Path) -> None:
    """One docker-archive holding the images of `archives` (blobs shared by name once)."""
    entries: list[object] = []
    seen: set[str] = set()
    with tarfile.open(dest, "w") as out:
        for archive in archives:
            with tarfile.open(archive) as tar:
                manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
                entries += manifest
                for member in tar.getmembers():
                    if member.name in ("manifest.json", "repositories") or member.name in seen:
                        continue
                    seen.add(member.name)
                    out.addfile(member, tar.extractfile(member) if member.isfile() else None)
        data = json.dumps(entries).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        out.addfile(info, io.BytesIO(data))
