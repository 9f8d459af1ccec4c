"""Image registries the nodes pull from (rendered into containerd certs.d or docker config)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from store.documents.base import Description, Document
from store.secrets import Secret


class RegistryPhase(StrEnum):
    """Where a registry kctui deploys on a node stands; a registry only added is EXTERNAL."""

    EXTERNAL = ""
    DEPLOYING = "Deploying"
    READY = "Ready"
    DEPLOY_FAILED = "DeployFailed"
    REMOVING = "Removing"
    REMOVE_FAILED = "RemoveFailed"


class Registry(Document):
    KIND = "registry"
    TABLE = "registries"

    name: str
    host: str  # host[:port]
    scheme: Literal["https", "http"] = "https"
    skip_verify: bool = False
    ca_pem: str = ""
    username: str = ""
    password: Secret | None = None
    description: Description = ""
    # Deployed by kctui: the node it runs on and where it keeps its images.
    node: str = ""
    data_dir: str = ""
    phase: RegistryPhase = RegistryPhase.EXTERNAL
    message: str = ""
    last_operation: str = ""

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}"

    @property
    def usable(self) -> bool:
        return self.phase in (RegistryPhase.EXTERNAL, RegistryPhase.READY)
