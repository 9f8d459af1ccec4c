"""Backup points (FS or S3), etcd backups, and scheduled backups with retention."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from store.documents.base import Description, Document, Model
from store.secrets import Secret


class S3Target(Model):
    endpoint: str
    bucket: str
    region: str = "us-east-1"
    access_key: str
    secret_key: Secret
    tls: bool = True
    ca_pem: str = ""


class BackupPoint(Document):
    KIND = "backup point"
    TABLE = "backup_points"

    name: str
    description: Description = ""
    type: Literal["fs", "s3"]
    fs_path: str = ""
    s3: S3Target | None = None

    @model_validator(mode="after")
    def _target_matches_type(self) -> BackupPoint:
        if self.type == "fs" and (not self.fs_path or self.s3 is not None):
            raise ValueError("an fs backup point needs fsPath and no s3 settings")
        if self.type == "s3" and (self.s3 is None or self.fs_path):
            raise ValueError("an s3 backup point needs s3 settings and no fsPath")
        return self


class BackupState(StrEnum):
    CREATING = "creating"
    AVAILABLE = "available"
    ERROR = "error"
    RESTORING = "restoring"


class Backup(Document):
    KIND = "backup"
    TABLE = "backups"

    name: str  # <cluster>-<name>-<6 random>
    cluster: str
    backup_point: str
    description: Description = ""
    state: BackupState = BackupState.CREATING
    kubernetes_version: str = ""
    nodes: dict[str, str] = Field(default_factory=dict)  # ip -> hostname
    size: int = 0
    sha256: str = ""
    location: str = ""  # FS: path on the control-plane node; S3: object key
    source_node: str = ""  # the control-plane node the snapshot was taken on
    schedule: str = ""  # the CronBackup that made it, if any
    operation: str = ""  # the backup or restore operation running or last run on it
    error: str = ""
    completed_at: datetime | None = None


class CronRun(Model):
    at: datetime  # when it was due
    result: Literal["succeeded", "failed", "skipped", "missed"]
    backup: str = ""
    message: str = ""


class CronBackup(Document):
    KIND = "scheduled backup"
    TABLE = "cron_backups"

    name: str
    cluster: str
    type: Literal["repeat", "once"]
    cron: str = ""  # 5 fields; day of month may be L
    timezone: str = "UTC"  # the zone the cron fields are read in (IANA name)
    run_at: datetime | None = None
    keep: int | None = Field(default=None, ge=1)
    enabled: bool = True
    last_run: datetime | None = None
    next_run: datetime | None = None
    runs: list[CronRun] = Field(default_factory=list)  # newest last, bounded by the scheduler
    # The scheduler process running this job, and until when its claim holds.
    lease_owner: str = ""
    lease_until: datetime | None = None

    @model_validator(mode="after")
    def _fields_match_type(self) -> CronBackup:
        if self.type == "repeat" and (not self.cron or self.keep is None):
            raise ValueError("a repeating schedule needs cron and keep")
        if self.type == "once" and self.run_at is None:
            raise ValueError("a once-only schedule needs runAt")
        return self
