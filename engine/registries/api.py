"""The Docker registry HTTP API v2, as much of it as kctui reads: the repositories and tags a
registry holds and the digest of one manifest, over its TLS (its CA, or none verified when the
registry says skip-verify), with basic auth or the bearer token a Harbor-like registry asks
for."""

from __future__ import annotations

import base64
import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from typing import Any

from engine.catalog.images import parse
from engine.errors import RefusedError
from store.documents.registry import Registry

TIMEOUT = 10.0
MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)


class RegistryAPIError(RefusedError):
    """The registry cannot be read; the message names it and why."""


def path_of(ref: str) -> tuple[str, str]:
    """(repository, tag) an image is kept under in a kctui registry: its upstream path, as
    containerd asks a registry host of certs.d for it (registry.k8s.io/pause:3.9 is pause:3.9,
    docker.io/calico/node:v3.27.3 is calico/node:v3.27.3)."""
    _, repo, tag = parse(ref)
    return repo, tag


def basic_credentials(registry: Registry) -> str:
    """USER:PASSWORD in base64, as basic auth and docker's auth files carry it; "" without a
    user."""
    if not registry.username:
        return ""
    password = registry.password.reveal() if registry.password else ""
    return base64.b64encode(f"{registry.username}:{password}".encode()).decode()


class RegistryClient:
    def __init__(self, registry: Registry, timeout: float = TIMEOUT) -> None:
        self.registry = registry
        self.timeout = timeout
        self._token = ""
        if registry.scheme == "https":
            self._tls: ssl.SSLContext | None = ssl.create_default_context(
                cadata=registry.ca_pem or None
            )
            if registry.skip_verify:
                self._tls.check_hostname = False
                self._tls.verify_mode = ssl.CERT_NONE
        else:
            self._tls = None

    def _basic(self) -> str:
        credentials = basic_credentials(self.registry)
        return f"Basic {credentials}" if credentials else ""

    def _open(self, method: str, url: str, headers: dict[str, str]) -> Any:
        request = urllib.request.Request(url, method=method, headers=headers)
        return urllib.request.urlopen(request, timeout=self.timeout, context=self._tls)

    def request(
        self, method: str, path: str, accept: str = ""
    ) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) of one request; 401 is answered once with the credentials
        the registry asks for (basic, or a bearer token from its realm)."""
        url = f"{self.registry.url}{path}"
        for attempt in range(2):
            headers = {"Accept": accept} if accept else {}
            auth = f"Bearer {self._token}" if self._token else self._basic()
            if auth:
                headers["Authorization"] = auth
            try:
                with self._open(method, url, headers) as response:
                    return response.status, dict(response.headers), response.read()
            except urllib.error.HTTPError as e:
                if e.code == 401 and attempt == 0 and self._bearer(e.headers):
                    continue
                return e.code, dict(e.headers), e.read()
            except (urllib.error.URLError, OSError) as e:
                why = getattr(e, "reason", None) or e
                raise RegistryAPIError(
                    f"registry {self.registry.name} ({self.registry.url}) cannot be reached: {why}"
                ) from None
        raise RegistryAPIError(f"registry {self.registry.name}: the credentials are refused")

    def _bearer(self, headers: Any) -> bool:
        """Fetch the bearer token a registry's challenge asks for; whether to try again."""
        challenge = str(headers.get("WWW-Authenticate", ""))
        if not challenge.lower().startswith("bearer "):
            return False
        params = {
            k.strip(): v.strip().strip('"')
            for k, v in (part.split("=", 1) for part in challenge[7:].split(",") if "=" in part)
        }
        realm = params.pop("realm", "")
        if not realm.startswith(("https://", "http://")):
            return False
        url = realm + "?" + urllib.parse.urlencode(params)
        headers_out = {"Authorization": self._basic()} if self.registry.username else {}
        try:
            with self._open("GET", url, headers_out) as response:
                body = json.loads(response.read() or b"{}")
        except (urllib.error.URLError, OSError, ValueError):
            return False
        self._token = str(body.get("token") or body.get("access_token") or "")
        return bool(self._token)

    def _json(self, path: str) -> Any:
        status, _, body = self.request("GET", path)
        if status != 200:
            raise RegistryAPIError(
                f"registry {self.registry.name}: GET {path} answered {status}"
                + (" (check its user and password)" if status in (401, 403) else "")
            )
        try:
            return json.loads(body)
        except ValueError:
            raise RegistryAPIError(f"registry {self.registry.name}: {path} is not JSON") from None

    def repositories(self) -> list[str]:
        found: list[str] = []
        path = "/v2/_catalog?n=1000"
        while path:
            status, headers, body = self.request("GET", path)
            if status != 200:
                raise RegistryAPIError(
                    f"registry {self.registry.name}: its catalog answered {status}"
                    + (" (check its user and password)" if status in (401, 403) else "")
                )
            found += json.loads(body).get("repositories") or []
            link = headers.get("Link", "")
            path = link.split(";", 1)[0].strip("<> ") if link.startswith("<") else ""
        return found

    def tags(self, repository: str) -> list[str]:
        data = self._json(f"/v2/{repository}/tags/list")
        return sorted(data.get("tags") or [])

    def images(self) -> list[str]:
        """Every repository:tag the registry holds."""
        return [f"{repo}:{tag}" for repo in self.repositories() for tag in self.tags(repo)]

    def digest(self, repository: str, tag: str) -> str:
        """The digest the registry serves for repository:tag; "" when it has no such image."""
        status, headers, _ = self.request(
            "HEAD", f"/v2/{repository}/manifests/{tag}", accept=MANIFEST_TYPES
        )
        if status == 404:
            return ""
        if status != 200:
            raise RegistryAPIError(
                f"registry {self.registry.name}: {repository}:{tag} answered {status}"
                + (" (check its user and password)" if status in (401, 403) else "")
            )
        lowered = {k.lower(): v for k, v in headers.items()}
        return lowered.get("docker-content-digest", "sha256:unknown")

    def missing(self, refs: Iterable[str]) -> list[str]:
        """The references of `refs` the registry does not hold."""
        return [ref for ref in refs if not self.digest(*path_of(ref))]
