"""The store: one data dir holding state.json, secret.key and the files operations write.

Opening is cheap: the state file, pydantic documents and TinyDB are loaded on first use of a
repository, so `kctui` draws its first frame before paying for them.
"""

from __future__ import annotations

import importlib
import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

from store.secrets import SecretBox

if TYPE_CHECKING:
    from store.database import Database
    from store.documents import (
        Backup,
        BackupPoint,
        Cluster,
        CronBackup,
        Document,
        Draft,
        Node,
        Region,
        Registry,
        ResourcePackage,
        Template,
    )
    from store.errors import StoreError
    from store.operations import OperationRepository
    from store.repository import Repository

D = TypeVar("D", bound="Document")

STATE_FILE = "state.json"
SECRET_KEY_FILE = "secret.key"


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) owner-only; tighten an existing one we own."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = path.stat()
    if st.st_uid == os.getuid() and st.st_mode & 0o077:
        path.chmod(0o700)
    return path


class LazyRepository(Generic[D]):
    """A Store attribute whose document module and repository are loaded on first access."""

    def __init__(self, module: str, model: str) -> None:
        self.module = f"store.documents.{module}"
        self.model = model

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, store: Store, owner: type | None = None) -> Repository[D]:
        from store.repository import Repository

        model = getattr(importlib.import_module(self.module), self.model)
        repo: Repository[D] = Repository(store.db, model, store.box)
        store.__dict__[self.name] = repo  # later reads skip the descriptor
        return repo


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

    nodes: LazyRepository[Node] = LazyRepository("node", "Node")
    regions: LazyRepository[Region] = LazyRepository("node", "Region")
    clusters: LazyRepository[Cluster] = LazyRepository("cluster", "Cluster")
    templates: LazyRepository[Template] = LazyRepository("template", "Template")
    registries: LazyRepository[Registry] = LazyRepository("registry", "Registry")
    resources: LazyRepository[ResourcePackage] = LazyRepository("resource", "ResourcePackage")
    backup_points: LazyRepository[BackupPoint] = LazyRepository("backup", "BackupPoint")
    backups: LazyRepository[Backup] = LazyRepository("backup", "Backup")
    cron_backups: LazyRepository[CronBackup] = LazyRepository("backup", "CronBackup")
    drafts: LazyRepository[Draft] = LazyRepository("draft", "Draft")

    @cached_property
    def operations(self) -> OperationRepository:
        from store.operations import OperationRepository

        return OperationRepository(self.operations_dir, self.box)

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

    @property
    def staging_dir(self) -> Path:
        """Snapshots in transit between a node and S3 (private, emptied after each transfer)."""
        return ensure_private_dir(self.data_dir / "staging")

    def repositories(self) -> list[Repository[Document]]:
        """Every table's repository, in the order the class names them."""
        names = [n for n, v in vars(Store).items() if isinstance(v, LazyRepository)]
        return [getattr(self, n) for n in names]

    def take_damaged(self) -> list[StoreError]:
        """What the lists read so far skipped as damaged, to be reported once."""
        found: list[StoreError] = []
        for value in list(self.__dict__.values()):
            found += getattr(value, "damaged", [])
            if hasattr(value, "damaged"):
                value.damaged = []
        return found

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.close()
