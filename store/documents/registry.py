"""Image registries the nodes pull from (rendered into containerd certs.d or docker config)."""

from __future__ import annotations

from typing import Literal

from store.documents.base import Description, Document
from store.secrets import Secret


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

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}"
