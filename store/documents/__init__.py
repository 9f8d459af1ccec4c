"""Every stored document type, importable from one place."""

from store.documents.backup import Backup, BackupPoint, BackupState, CronBackup, CronRun, S3Target
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
