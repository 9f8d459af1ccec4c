"""A create-cluster wizard left half-way: the spec so far and the step it was on."""

from __future__ import annotations

from store.documents.base import Document
from store.documents.cluster import Cluster


class Draft(Document):
    KIND = "draft"
    TABLE = "drafts"

    name: str  # "wizard": one draft per data dir
    cluster: Cluster
    step: int = 0
    template: str = ""
