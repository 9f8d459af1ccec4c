"""A small etcd v3 client over its JSON gateway, with the TLS client certificates kubeadm makes."""

import base64
import builtins
import json
import ssl
import urllib.error
import urllib.request
from typing import Any


def _b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


def _prefix_end(prefix: str) -> str:
    b = bytearray(prefix.encode())
    b[-1] += 1
    return base64.b64encode(bytes(b)).decode()


class Etcd:
    def __init__(self, endpoint: str, ca: str, cert: str, key: str) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.ctx = ssl.create_default_context(cafile=ca)
        self.ctx.check_hostname = False
        self.ctx.load_cert_chain(cert, key)

    def _post(self, path: str, body: dict[str, Any], timeout: float = 5) -> Any:
        req = urllib.request.Request(
            self.endpoint + path, data=json.dumps(body).encode(), method="POST"
        )
        with urllib.request.urlopen(req, context=self.ctx, timeout=timeout) as r:
            return json.loads(r.read() or b"{}")

    def healthy(self) -> bool:
        try:
            req = urllib.request.Request(self.endpoint + "/health")
            with urllib.request.urlopen(req, context=self.ctx, timeout=2) as r:
                health: object = json.loads(r.read()).get("health")
                return health == "true"
        except (OSError, ValueError):
            return False

    def put(self, key: str, value: object) -> None:
        self._post("/v3/kv/put", {"key": _b64(key), "value": _b64(json.dumps(value))})

    def get(self, key: str) -> dict[str, Any] | None:
        kvs = self._post("/v3/kv/range", {"key": _b64(key)}).get("kvs", [])
        return json.loads(base64.b64decode(kvs[0]["value"])) if kvs else None

    def list(self, prefix: str) -> list[tuple[str, dict[str, Any]]]:
        body = {"key": _b64(prefix), "range_end": _prefix_end(prefix)}
        kvs = self._post("/v3/kv/range", body).get("kvs", [])
        return [
            (base64.b64decode(kv["key"]).decode(), json.loads(base64.b64decode(kv["value"])))
            for kv in kvs
        ]

    def delete(self, key: str, prefix: bool = False) -> int:
        body = {"key": _b64(key)}
        if prefix:
            body["range_end"] = _prefix_end(key)
        return int(self._post("/v3/kv/deleterange", body).get("deleted", 0))

    def members(self) -> builtins.list[dict[str, Any]]:
        reply = self._post("/v3/cluster/member/list", {})
        members: builtins.list[dict[str, Any]] = reply.get("members", [])
        return members

    def add_member(self, peer_url: str) -> Any:
        return self._post("/v3/cluster/member/add", {"peerURLs": [peer_url]})

    def remove_member(self, member_id: str) -> Any:
        return self._post("/v3/cluster/member/remove", {"ID": member_id})
