"""Offline resource packages: <name>-<version>-<arch>.tar.gz with manifest.yaml and checksums.

manifest.yaml holds name, type (k8s, cri, cni, csi, registry), version, arch, every file with its
sha256, size and mode, and optionally an image archive with the image references it holds.
"""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from engine.catalog.download import sha256_of
from store.documents.resource import PackageFile, ResourcePackage

MANIFEST = "manifest.yaml"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*$")


class PackageError(Exception):
    """The package is malformed; the message names the file and what is wrong."""


def file_name(name: str, version: str, arch: str) -> str:
    return f"{name}-{version}-{arch}.tar.gz"


def build(
    out_dir: Path,
    *,
    name: str,
    type: str,
    version: str,
    arch: str,
    files: Mapping[str, tuple[bytes | Path, int]],
    images: Sequence[str] = (),
    images_archive: bytes | Path | None = None,
) -> Path:
    """Write a package; `files` maps a relative path to (content, mode). A large image
    archive is given as a path and streamed, not held in memory."""
    entries: dict[str, tuple[bytes | Path, int]] = dict(files)
    images_path = ""
    if images_archive is not None:
        images_path = "images/images.tar"
        entries[images_path] = (images_archive, 0o644)
    manifest: dict[str, Any] = {
        "name": name,
        "type": type,
        "version": version,
        "arch": arch,
        "files": [
            {"path": path, "sha256": _sha256(data), "size": _size(data), "mode": mode}
            for path, (data, mode) in sorted(entries.items())
        ],
    }
    if images_path:
        manifest["images"] = images_path
        manifest["imagesList"] = list(images)
    out_dir.mkdir(parents=True, exist_ok=True)
    dest = out_dir / file_name(name, version, arch)
    partial = dest.with_name(dest.name + ".partial")
    with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
        _add(tar, MANIFEST, yaml.safe_dump(manifest, sort_keys=False).encode(), 0o644)
        for path, (data, mode) in sorted(entries.items()):
            _add(tar, path, data, mode)
    partial.replace(dest)
    return dest


def _sha256(data: bytes | Path) -> str:
    return hashlib.sha256(data).hexdigest() if isinstance(data, bytes) else sha256_of(data)


def _size(data: bytes | Path) -> int:
    return len(data) if isinstance(data, bytes) else data.stat().st_size


def _add(tar: tarfile.TarFile, path: str, data: bytes | Path, mode: int) -> None:
    info = tarfile.TarInfo(path)
    info.size = _size(data)
    info.mode = mode
    info.mtime = 0  # reproducible archives: same input, same sha256
    if isinstance(data, bytes):
        tar.addfile(info, io.BytesIO(data))
        return
    with open(data, "rb") as f:
        tar.addfile(info, f)


def read(path: Path) -> ResourcePackage:
    """Check every file of the package against its manifest and return what it holds."""
    try:
        with tarfile.open(path, "r:gz") as tar:
            members = {m.name: m for m in tar.getmembers() if m.isfile()}
            if MANIFEST not in members:
                raise PackageError(f"{path}: no {MANIFEST} at the top of the archive")
            raw = tar.extractfile(members[MANIFEST])
            manifest = yaml.safe_load(raw.read() if raw else b"")
            pkg = _manifest(path, manifest)
            listed = {f.path for f in pkg.files}
            extra = sorted(set(members) - listed - {MANIFEST})
            if extra:
                raise PackageError(f"{path}: files not in the manifest: {', '.join(extra)}")
            for f in pkg.files:
                member = members.get(f.path)
                if member is None:
                    raise PackageError(
                        f"{path}: {f.path} is in the manifest but not in the archive"
                    )
                data = tar.extractfile(member)
                digest = hashlib.sha256(data.read() if data else b"").hexdigest()
                if digest != f.sha256:
                    raise PackageError(
                        f"{path}: {f.path} has sha256 {digest}, manifest says {f.sha256}"
                    )
    except (tarfile.TarError, OSError, EOFError) as e:
        raise PackageError(f"{path}: not a readable .tar.gz ({e})") from None
    expected = file_name(pkg.name, pkg.version, pkg.arch)
    if path.name != expected:
        raise PackageError(f"{path}: the manifest says this package is {expected}; rename it")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return pkg.model_copy(update={"archive": path.name, "size": path.stat().st_size, "sha256": sha})


def _manifest(path: Path, manifest: Any) -> ResourcePackage:
    if not isinstance(manifest, dict):
        raise PackageError(f"{path}: {MANIFEST} is not a mapping")
    for field in ("name", "type", "version", "arch", "files"):
        if field not in manifest:
            raise PackageError(f"{path}: {MANIFEST} has no {field}")
    if not NAME_RE.match(str(manifest["name"])):
        raise PackageError(
            f"{path}: name {manifest['name']!r} must be lowercase letters, digits, . and -"
        )
    files = []
    for entry in manifest["files"]:
        rel = PurePosixPath(str(entry.get("path", "")))
        if rel.is_absolute() or ".." in rel.parts or not rel.parts:
            raise PackageError(f"{path}: unsafe path {entry.get('path')!r} in {MANIFEST}")
        files.append(PackageFile.model_validate(entry))
    try:
        return ResourcePackage(
            name=manifest["name"],
            type=manifest["type"],
            version=str(manifest["version"]),
            arch=str(manifest["arch"]),
            files=files,
            images=str(manifest.get("images", "")),
            images_list=list(manifest.get("imagesList", [])),
        )
    except ValueError as e:
        raise PackageError(f"{path}: {MANIFEST}: {e}") from None
