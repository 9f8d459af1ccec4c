"""Every stored document type, importable from one place; each module loads on first use."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_MODULES = {
    "Backup": "backup",
    "BackupPoint": "backup",
    "BackupState": "backup",
    "CephStorage": "cluster",
    "Cluster": "cluster",
    "ClusterMetadata": "cluster",
    "ClusterPhase": "cluster",
    "ClusterSpec": "cluster",
    "ClusterStatus": "cluster",
    "CronBackup": "backup",
    "CronRun": "backup",
    "Document": "base",
    "Draft": "draft",
    "MasterNode": "cluster",
    "Model": "base",
    "NFSStorage": "cluster",
    "Node": "node",
    "NodeFacts": "node",
    "NodeStatus": "node",
    "NodeTask": "operation",
    "Operation": "operation",
    "OperationStatus": "operation",
    "PackageFile": "resource",
    "Region": "node",
    "Registry": "registry",
    "ResourcePackage": "resource",
    "S3Target": "backup",
    "Step": "operation",
    "StorageSpec": "cluster",
    "Taint": "cluster",
    "TaskStatus": "operation",
    "Template": "template",
    "WorkerNode": "cluster",
}

if TYPE_CHECKING:
    from store.documents.backup import (
        Backup,
        BackupPoint,
        BackupState,
        CronBackup,
        CronRun,
        S3Target,
    )
    from store.documents.base import Document, Model
    from store.documents.cluster import (
        CephStorage,
        Cluster,
        ClusterMetadata,
        ClusterPhase,
        ClusterSpec,
        ClusterStatus,
        MasterNode,
        NFSStorage,
        StorageSpec,
        Taint,
        WorkerNode,
    )
    from store.documents.draft import Draft
    from store.documents.node import Node, NodeFacts, NodeStatus, Region
    from store.documents.operation import NodeTask, Operation, OperationStatus, Step, TaskStatus
    from store.documents.registry import Registry
    from store.documents.resource import PackageFile, ResourcePackage
    from store.documents.template import Template

__all__ = [
    "Backup",
    "BackupPoint",
    "BackupState",
    "CephStorage",
    "Cluster",
    "ClusterMetadata",
    "ClusterPhase",
    "ClusterSpec",
    "ClusterStatus",
    "CronBackup",
    "CronRun",
    "Document",
    "Draft",
    "MasterNode",
    "Model",
    "NFSStorage",
    "Node",
    "NodeFacts",
    "NodeStatus",
    "NodeTask",
    "Operation",
    "OperationStatus",
    "PackageFile",
    "Region",
    "Registry",
    "ResourcePackage",
    "S3Target",
    "Step",
    "StorageSpec",
    "Taint",
    "TaskStatus",
    "Template",
    "WorkerNode",
]


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"store.documents.{module}"), name)
