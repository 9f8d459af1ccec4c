"""`kctui resource build`: kctui packages made from upstream's release downloads by their
recipes (engine/catalog/recipes.py), every file checked against the checksum upstream publishes
for it (or a pin, where upstream publishes none). Downloads are kept in a cache and resume after
a cut."""

from __future__ import annotations

import tarfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from engine.catalog import resource_package
from engine.catalog.download import Downloader, DownloadError, Progress, parse_checksum
from engine.catalog.images import ImageError, fetch_images, manifest_images
from engine.catalog.recipes import Artifact, Recipe, RecipeError, release_set, upstream

ARCHES = ("amd64", "arm64")


class BuildError(RecipeError):
    """A package cannot be built; the message names the artifact and why."""


def parse_assignments(values: list[str], what: str) -> dict[str, str]:
    """NAME=VALUE options (--source, --pin) as a mapping; refused naming the bad one."""
    out = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name or not rest:
            raise BuildError(f"{what} {value!r}: write it as NAME=VALUE")
        out[name] = rest
    return out


def check_sources(sources: Mapping[str, str]) -> None:
    known = [*upstream()["sources"], *upstream()["registries"]]
    unknown = sorted(set(sources) - set(known))
    if unknown:
        raise BuildError(f"unknown source {', '.join(unknown)}; the sources are {', '.join(known)}")


def source_url(sources: Mapping[str, str], source: str, path: str) -> str:
    base = sources.get(source) or upstream()["sources"][source]
    return f"{base.rstrip('/')}/{path}"


def pin_for(artifact: Artifact, pins: Mapping[str, str], how: str = "") -> str:
    """The pinned sha256 of an artifact upstream publishes no checksum for; refused, naming
    it and `how` to give one, when there is none."""
    sha256 = pins.get(artifact.key) or (upstream().get("pins") or {}).get(artifact.key, "")
    if not sha256:
        raise BuildError(
            f"{artifact.name}: upstream publishes no checksum for {artifact.key} and kctui has "
            f"no pin for it; {how or f'give one with --pin {artifact.key}=SHA256'}"
        )
    return str(sha256)


def edited(data: bytes, artifact: Artifact) -> bytes:
    if not artifact.edits:
        return data
    text = data.decode()
    for old, new in artifact.edits:
        text = text.replace(old, new)
    return text.encode()


@dataclass
class Builder:
    cache_dir: Path
    sources: Mapping[str, str] = field(default_factory=dict)  # over upstream.yaml's
    pins: Mapping[str, str] = field(default_factory=dict)  # over upstream.yaml's
    progress: Callable[[str, int, int], None] | None = None  # (file, done, total)
    downloader: Downloader = field(default_factory=Downloader)

    def __post_init__(self) -> None:
        check_sources(self.sources)

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

    def fetch(self, artifact: Artifact) -> Path:
        """The artifact in the cache, verified against upstream's checksum file, or else
        against a pin."""
        if artifact.checksum:
            text = self.downloader.text(
                source_url(self.sources, artifact.source, artifact.checksum)
            )
            sha256 = parse_checksum(text, artifact.name)
        else:
            sha256 = pin_for(artifact, self.pins)
        report: Progress | None = None
        if self.progress is not None:
            progress = self.progress

            def report(done: int, total: int) -> None:
                progress(artifact.name, done, total)

        dest = self.cache_dir / artifact.source / artifact.path
        url = source_url(self.sources, artifact.source, artifact.path)
        return self.downloader.fetch(url, dest, sha256, report)

    def package(self, recipe: Recipe, out: Path, with_images: bool = True) -> Path:
        """The package of `recipe` in `out`; its image archive too, unless `with_images` is
        off (the nodes pull the images themselves)."""
        files: dict[str, tuple[bytes | Path, int]] = {}
        images: list[str] = []
        for artifact in recipe.artifacts:
            path = self.fetch(artifact)
            if not artifact.dest:
                files |= _binaries(path, artifact.prefix, artifact.keep)
                continue
            data = edited(path.read_bytes(), artifact)
            files[artifact.dest] = (data, artifact.mode)
            if artifact.dest.startswith("manifests/"):
                images += [i for i in manifest_images(data.decode()) if i not in images]
        images += [i for i in recipe.images if i not in images]
        archive = None
        if images and with_images:
            archive = self.images(f"{recipe.name}-{recipe.version}", images, recipe.arch)
        return resource_package.build(
            out, name=recipe.name, type=recipe.type, version=recipe.version, arch=recipe.arch,
            files=files, images=images if archive else (), images_archive=archive,
        )  # fmt: skip

    def build(self, version: str, arches: list[str], out: Path) -> list[Path]:
        bad = [a for a in arches if a not in ARCHES]
        if bad:
            raise BuildError(f"arch {', '.join(bad)}: use {' or '.join(ARCHES)}")
        recipes = [r for arch in arches for r in release_set(version, arch)]
        try:
            return [self.package(recipe, out) for recipe in recipes]
        except DownloadError as e:
            raise BuildError(str(e)) from None


def _binaries(
    archive: Path, prefix: str, keep: tuple[str, ...]
) -> dict[str, tuple[bytes | Path, int]]:
    """The executables of a release tarball under `prefix` (those in `keep`, if given), under
    bin/ in the package."""
    out: dict[str, tuple[bytes | Path, int]] = {}
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile() or not member.name.startswith(prefix) or not member.mode & 0o111:
                continue
            name = member.name.rsplit("/", 1)[-1]
            if keep and name not in keep:
                continue
            data = tar.extractfile(member)
            out[f"bin/{name}"] = (data.read() if data else b"", 0o755)
    missing = [k for k in keep if f"bin/{k}" not in out]
    if not out or missing:
        what = ", ".join(missing) if missing else "executables"
        raise BuildError(f"{archive.name}: no {what} under {prefix or 'its top'}")
    return out
