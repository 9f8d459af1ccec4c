"""Pushing a resource package's images into a registry: each image of the package's archive
copied with skopeo to the path containerd asks the registry for, and its digest read back over
the registry API and compared with what skopeo pushed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from engine.registries.api import RegistryAPIError, RegistryClient, basic_credentials, path_of
from store.documents.registry import Registry
from store.documents.resource import ResourcePackage
from store.store import Store

Progress = Callable[[str, int, int], None]  # image, how many done before it, how many in all


def archive_tags(archive: Path) -> list[str]:
    """The image references a docker-archive holds, in its order."""
    with tarfile.open(archive) as tar:
        member = tar.extractfile("manifest.json")
        entries = json.loads(member.read() if member else b"[]")
    return [tag for entry in entries for tag in entry.get("RepoTags") or []]


def _extract_images(store: Store, pkg: ResourcePackage, into: Path) -> Path:
    dest = into / "images.tar"
    with tarfile.open(store.resources_dir / pkg.archive, "r:gz") as tar:
        member = tar.extractfile(pkg.images)
        if member is None:
            raise RegistryAPIError(f"{pkg.id}: its archive has no {pkg.images}")
        with open(dest, "wb") as out:
            shutil.copyfileobj(member, out, 1 << 20)
    return dest


def _skopeo_options(registry: Registry, tmp: Path) -> list[str]:
    options = []
    if registry.scheme == "http" or registry.skip_verify:
        options.append("--dest-tls-verify=false")
    if registry.ca_pem:
        certs = tmp / "certs"
        certs.mkdir()
        (certs / "ca.crt").write_text(registry.ca_pem)
        options += ["--dest-cert-dir", str(certs)]
    auth = basic_credentials(registry)
    if auth:
        authfile = tmp / "auth.json"
        fd = os.open(authfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump({"auths": {registry.host: {"auth": auth}}}, f)
        options += ["--dest-authfile", str(authfile)]
    return options


def push_packages(
    store: Store, registry: Registry, package_ids: list[str], progress: Progress | None = None
) -> list[tuple[str, str]]:
    """Push the images of every package named into `registry`: [(image, digest)]. Refused,
    naming the image, when a copy fails or the registry serves another digest than pushed."""
    if shutil.which("skopeo") is None:
        raise RegistryAPIError("skopeo is needed to push images (Debian: apt-get install skopeo)")
    packages = [store.resources.get(i) for i in package_ids]
    empty = [p.id for p in packages if not p.images]
    if empty:
        raise RegistryAPIError(
            f"{', '.join(empty)} hold(s) no images; push the packages that do "
            "(kctui resource show PACKAGE lists an images archive)"
        )
    client = RegistryClient(registry, timeout=30)
    pushed: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="kctui-push-") as tmp:
        options = _skopeo_options(registry, Path(tmp))
        work = [(pkg, Path(tmp) / pkg.id) for pkg in packages if pkg.images]
        archives = []
        for pkg, where in work:
            where.mkdir()
            archive = _extract_images(store, pkg, where)
            archives.append((archive, archive_tags(archive)))
        total = sum(len(tags) for _, tags in archives)
        for archive, tags in archives:
            for ref in tags:
                if progress is not None:
                    progress(ref, len(pushed), total)
                pushed.append((ref, _push_one(archive, ref, registry, client, options, tmp)))
        if progress is not None:
            progress("", len(pushed), total)
    return pushed


def _push_one(
    archive: Path,
    ref: str,
    registry: Registry,
    client: RegistryClient,
    options: list[str],
    tmp: str,
) -> str:
    repo, tag = path_of(ref)
    digest_file = Path(tmp) / "digest"
    argv = ["skopeo", "copy", "--quiet", "--insecure-policy", "--digestfile", str(digest_file)]
    argv += options
    argv += [f"docker-archive:{archive}:{ref}", f"docker://{registry.host}/{repo}:{tag}"]
    done = subprocess.run(
        argv, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise RegistryAPIError(
            f"{ref}: cannot push it to {registry.name} ({registry.host}): "
            + (lines[-1] if lines else "skopeo failed")
        )
    sent = digest_file.read_text().strip()
    served = client.digest(repo, tag)
    if served != sent:
        raise RegistryAPIError(
            f"{ref}: {registry.name} serves {repo}:{tag} as {served or 'nothing'}, "
            f"but {sent} was pushed"
        )
    return sent
