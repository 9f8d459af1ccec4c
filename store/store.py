"""The store: one data dir holding state.json, secret.key and the files operations write."""

from __future__ import annotations

import os
from pathlib import Path

from store.database import Database
from store.documents import (
    Backup,
    BackupPoint,
    Cluster,
    CronBackup,
    Node,
    Operation,
    Region,
    Registry,
    ResourcePackage,
    Template,
)
from store.repository import Repository
from store.secrets import SecretBox

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
        self.db = Database(data_dir / STATE_FILE)
        self.nodes = Repository(self.db, Node, self.box)
        self.regions = Repository(self.db, Region, self.box)
        self.clusters = Repository(self.db, Cluster, self.box)
        self.templates = Repository(self.db, Template, self.box)
        self.registries = Repository(self.db, Registry, self.box)
        self.resources = Repository(self.db, ResourcePackage, self.box)
        self.backup_points = Repository(self.db, BackupPoint, self.box)
        self.backups = Repository(self.db, Backup, self.box)
        self.cron_backups = Repository(self.db, CronBackup, self.box)
        self.operations = Repository(self.db, Operation, self.box)

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
        self.db.close()
