"""Templates: a saved cluster configuration (everything but the nodes) or a storage plugin set."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from store.documents.base import Description, Document
from store.documents.cluster import ClusterSpec, StorageSpec


class Template(Document):
    KIND = "template"
    TABLE = "templates"

    name: str
    description: Description = ""
    type: Literal["cluster", "storage"] = "cluster"
    cluster: ClusterSpec | None = None  # masters and workers are always empty
    storage: StorageSpec | None = None

    @model_validator(mode="after")
    def _matches_type(self) -> Template:
        if self.type == "cluster" and self.cluster is None:
            raise ValueError("a cluster template needs a cluster spec")
        if self.type == "storage" and self.storage is None:
            raise ValueError("a storage template needs a storage spec")
        if self.cluster is not None and (self.cluster.masters or self.cluster.workers):
            raise ValueError("a template holds no nodes; remove masters and workers")
        return self
