"""Operations: ordered steps, each run on a set of nodes, with a result per node."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, model_validator

from store.documents.base import Document, Model, utcnow
from store.secrets import Secret


class OperationStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"


class TaskStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


StepAction = Literal["shell", "upload", "download", "local"]


class FileSpec(Model):
    """A file an upload or download step moves; content is kept for the dry-run plan."""

    source: str = ""  # path on the jump host (upload) or node (download)
    dest: str
    mode: int = 0o644
    content: str | None = None  # inline content instead of a source path
    sha256: str = ""
    # "toml" / "json": content is a JSON object of keys set into the node's existing file,
    # so sections kctui did not write are kept.
    merge: Literal["", "toml", "json"] = ""


class NodeTask(Model):
    node: str
    status: TaskStatus = TaskStatus.PENDING
    attempts: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    exit_code: int | None = None
    reason: str = ""


class Step(Model):
    name: str
    title: str = ""
    action: StepAction = "shell"
    roles: list[Literal["control-plane", "worker", "first-control-plane"]] = Field(
        default_factory=list
    )
    nodes: list[str] = Field(default_factory=list)  # resolved targets, in order
    script: str = ""
    env: dict[str, str] = Field(default_factory=dict)
    # Exported like env, but encrypted at rest and masked in logs, errors and the plan.
    secrets: dict[str, Secret] = Field(default_factory=dict)
    files: list[FileSpec] = Field(default_factory=list)
    call: str = ""  # the local Python call of a `local` step, as module:function
    args: dict[str, Any] = Field(default_factory=dict)
    timeout: float = 600.0
    retries: int = Field(default=0, ge=0)
    retry_backoff: float = 2.0
    ignore_errors: bool = False
    # Runs only after an earlier step failed or was cancelled, to put things back.
    rescue: bool = False
    concurrency: Literal["all", "one", "batch"] = "all"
    batch_size: int = Field(default=0, ge=0)
    status: TaskStatus = TaskStatus.PENDING
    tasks: list[NodeTask] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _without_dropped_fields(cls, data: Any) -> Any:
        # operation files kept from before `captures` was dropped still load
        if isinstance(data, dict) and "captures" in data:
            return {k: v for k, v in data.items() if k != "captures"}
        return data


def new_operation_id() -> str:
    return f"op-{utcnow():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


class Operation(Document):
    KIND = "operation"
    TABLE = "operations"
    KEY_PATH = ("id",)

    id: str = Field(default_factory=new_operation_id)
    cluster: str = ""
    type: str  # create-cluster, delete-cluster, add-workers, backup, restore, ...
    status: OperationStatus = OperationStatus.PENDING
    steps: list[Step] = Field(default_factory=list)
    # Values steps hand to later ones (a join command holds a bootstrap token): kept encrypted.
    outputs: dict[str, Secret] = Field(default_factory=dict)
    params: dict[str, Any] = Field(default_factory=dict)
    error: str = ""
    owner_pid: int = 0
    owner_host: str = ""
    retry_of: str = ""
    # resume: a retry continues at the failed step on the nodes that did not succeed;
    # restart: a retry runs every step again (uninstall-like operations).
    retry_mode: Literal["resume", "restart"] = "resume"
    runs: int = 0  # how many times it was started (1 + retries)
    started_at: datetime | None = None
    finished_at: datetime | None = None
