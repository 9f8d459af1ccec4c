"""Offline resource packages kept in the data dir: pushed once verified, deleted with their
archive. The CLI and the TUI both push and delete here."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from engine.catalog.resource_package import PackageError, read
from engine.errors import RefusedError
from store.documents.resource import ResourcePackage
from store.store import Store

CHUNK = 1 << 20


class ResourceError(RefusedError):
    pass


def archives(paths: list[Path]) -> list[Path]:
    """The package archives `paths` name: files as given, and the .tar.gz files directly in a
    directory, in name order. Refused, naming the path, when one is missing or a directory
    holds none."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.is_file() and p.name.endswith(".tar.gz"))
            if not inside:
                raise ResourceError(
                    f"{path}: the directory holds no package (NAME-VERSION-ARCH.tar.gz)"
                )
            found += inside
        elif path.exists():
            found.append(path)
        else:
            raise ResourceError(f"{path}: no such file or directory")
    return found


def push_all(
    store: Store, paths: list[Path], progress: Callable[[Path, int, int], None] | None = None
) -> list[tuple[Path, ResourcePackage | None, str]]:
    """Push every archive `paths` name, one after another: (archive, package or None, what
    went wrong or "already pushed" or ""). A bad archive does not stop the others."""
    results: list[tuple[Path, ResourcePackage | None, str]] = []
    for path in archives(paths):
        report = None if progress is None else (lambda d, t, p=path: progress(p, d, t))
        try:
            pkg, already = push(store, path, report)
        except (RefusedError, OSError) as e:
            results.append((path, None, str(e)))
            continue
        results.append((path, pkg, "already pushed with the same content" if already else ""))
    return results


def push(
    store: Store, path: Path, progress: Callable[[int, int], None] | None = None
) -> tuple[ResourcePackage, bool]:
    """Verify the archive at `path` and keep a copy; (the package, whether it was already
    there). Pushing the same content again changes nothing; other content under the same
    name is refused."""
    try:
        pkg = read(path)
    except PackageError as e:
        raise ResourceError(f"{e}; nothing was stored") from None
    existing = store.resources.find(pkg.id)
    if existing is not None:
        if existing.sha256 == pkg.sha256:
            return existing, True
        raise ResourceError(
            f"{pkg.id} is already pushed with other content; delete the pushed {pkg.id} first"
        )
    directory = store.resources_dir
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = directory / f".{pkg.archive}.partial"
    total = path.stat().st_size
    done = 0
    with open(path, "rb") as src, open(partial, "wb") as dst:
        while chunk := src.read(CHUNK):
            dst.write(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
        dst.flush()
        os.fsync(dst.fileno())
    partial.replace(directory / pkg.archive)
    return store.resources.add(pkg), False


def delete(store: Store, name: str) -> ResourcePackage:
    pkg = store.resources.get(name)
    store.resources.delete(pkg.id)
    (store.resources_dir / pkg.archive).unlink(missing_ok=True)
    return pkg
