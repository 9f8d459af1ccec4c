"""The store: one data dir holding state.json, secret.key and the files operations write.

Opening is cheap: the state file, pydantic documents and TinyDB are loaded on first use of a
repository, so `kctui` draws its first frame before paying for them.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from store.secrets import SecretBox

if TYPE_CHECKING:
    from store.database import Database
    from store.documents import (
        Backup,
        BackupPoint,
        Cluster,
        CronBackup,
        Document,
        Node,
        Operation,
        Region,
        Registry,
        ResourcePackage,
        Template,
    )
    from store.repository import Repository

    D = TypeVar("D", bound=Document)

STATE_FILE = "state.json"
SECRET_KEY_FILE = "secret.key"


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) owner-only; tighten an existing one we own."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = path.stat()
    if st.st_uid == os.getuid() and st.st_mode & 0o077:
        path.chmod(0o700)
    return path


class Store:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = ensure_private_dir(data_dir)
        self.box = SecretBox(data_dir / SECRET_KEY_FILE)

    @cached_property
    def db(self) -> Database:
        """Opening checks the state file: too new or unreadable raises a StoreError."""
        from store.database import Database

        return Database(self.data_dir / STATE_FILE)

    def open(self) -> Store:
        """Open the state file now, so a refused file is reported before anything else."""
        _ = self.db
        return self

    def _repo(self, model: type[D]) -> Repository[D]:
        from store.repository import Repository

        return Repository(self.db, model, self.box)

    @cached_property
    def nodes(self) -> Repository[Node]:
        from store.documents.node import Node

        return self._repo(Node)

    @cached_property
    def regions(self) -> Repository[Region]:
        from store.documents.node import Region

        return self._repo(Region)

    @cached_property
    def clusters(self) -> Repository[Cluster]:
        from store.documents.cluster import Cluster

        return self._repo(Cluster)

    @cached_property
    def templates(self) -> Repository[Template]:
        from store.documents.template import Template

        return self._repo(Template)

    @cached_property
    def registries(self) -> Repository[Registry]:
        from store.documents.registry import Registry

        return self._repo(Registry)

    @cached_property
    def resources(self) -> Repository[ResourcePackage]:
        from store.documents.resource import ResourcePackage

        return self._repo(ResourcePackage)

    @cached_property
    def backup_points(self) -> Repository[BackupPoint]:
        from store.documents.backup import BackupPoint

        return self._repo(BackupPoint)

    @cached_property
    def backups(self) -> Repository[Backup]:
        from store.documents.backup import Backup

        return self._repo(Backup)

    @cached_property
    def cron_backups(self) -> Repository[CronBackup]:
        from store.documents.backup import CronBackup

        return self._repo(CronBackup)

    @cached_property
    def operations(self) -> Repository[Operation]:
        from store.documents.operation import Operation

        return self._repo(Operation)

    @property
    def known_hosts(self) -> Path:
        return self.data_dir / "known_hosts"

    @property
    def resources_dir(self) -> Path:
        return self.data_dir / "resources"

    @property
    def operations_dir(self) -> Path:
        return self.data_dir / "operations"

    @property
    def kubeconfigs_dir(self) -> Path:
        return self.data_dir / "kubeconfigs"

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.close()
