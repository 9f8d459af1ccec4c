"""The catalog of versions (assets/catalog.yaml) and the runtime rule between them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

import assets


@dataclass(frozen=True)
class Release:
    version: str
    runtimes: dict[str, str]
    calico: str
    etcd: str
    pause: str
    coredns: str

    @property
    def minor(self) -> tuple[int, int]:
        return minor(self.version)


def minor(version: str) -> tuple[int, int]:
    major, mnr = version.lstrip("v").split(".")[:2]
    return int(major), int(mnr)


@cache
def _raw() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(assets.path("catalog.yaml").read_text())
    return data


def releases() -> list[Release]:
    return [Release(**r) for r in _raw()["kubernetes"]]


def release(version: str) -> Release | None:
    return next((r for r in releases() if r.version == version), None)


def default_version() -> str:
    return str(_raw()["default_version"])


# containerd is the runtime kctui installs and its lab tests. docker (dockershim, < v1.24) is
# not offered: nothing here runs and checks it end to end.
RUNTIMES = ("containerd",)


def default_runtime(version: str) -> str:
    return "containerd"


def runtime_allowed(version: str, runtime: str) -> bool:
    return runtime in RUNTIMES


def image_repository() -> str:
    """Where kubeadm's images come from when no registry is set (kubeadm's default)."""
    return str(_raw()["image_repository"])


def nfs_provisioner_version() -> str:
    return str(_raw()["nfs_provisioner"])


def download_url(component: str, version: str, arch: str, base: str) -> str:
    """A package's URL on a mirror of kctui packages (settings: mirrorBaseUrl)."""
    pattern: str = _raw()["downloads"][component]
    return pattern.format(base=base.rstrip("/"), version=version, arch=arch)
