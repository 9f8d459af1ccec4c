"""Offline resource packages: <name>-<version>-<arch>.tar.gz with a manifest and checksums."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from store.documents.base import Document, Model

PackageType = Literal["k8s", "cri", "cni", "csi", "registry"]


class PackageFile(Model):
    path: str
    sha256: str
    size: int = 0
    mode: int = 0o644


class ResourcePackage(Document):
    KIND = "resource package"
    TABLE = "resources"
    KEY_PATH = ("id",)

    id: str = ""  # <name>-<version>-<arch>, filled in from the other fields
    name: str  # kubernetes, containerd, docker, calico, nfs-provisioner, ceph-csi, registry
    type: PackageType
    version: str
    arch: str
    archive: str = ""  # file name under <data-dir>/resources/
    size: int = 0
    sha256: str = ""
    files: list[PackageFile] = Field(default_factory=list)
    images: str = ""  # path inside the archive of an image tarball, if any
    images_list: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _fill_id(self) -> ResourcePackage:
        expected = f"{self.name}-{self.version}-{self.arch}"
        if not self.id:
            object.__setattr__(self, "id", expected)
        elif self.id != expected:
            raise ValueError(f"id must be {expected!r} (name-version-arch)")
        return self
