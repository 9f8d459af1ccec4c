"""The simulated kube-apiserver: HTTPS in front of the cluster's etcd.

Objects are JSON under /registry/... in etcd, as in Kubernetes, so an etcd snapshot holds them.
Clients authenticate with certificates signed by the cluster CA; joining nodes with a
bootstrap token.
"""

import json
import os
import ssl
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import common
import etcdapi
import pki

PKI = pki.PKI


def _flags(args: list[str]) -> dict[str, str]:
    out = {}
    for a in args:
        if a.startswith("--") and "=" in a:
            k, v = a[2:].split("=", 1)
            out[k] = v
    return out


class LabServer(ThreadingHTTPServer):
    """The server a Handler reaches as self.server, with the etcd client and URL main() sets."""

    etcd: etcdapi.Etcd
    public_url: str


class Handler(BaseHTTPRequestHandler):
    server: LabServer
    server_version = "kube-apiserver-lab"

    def log_message(self, fmt: str, *args: Any) -> None:
        sys.stderr.write(f"{self.address_string()} {fmt % args}\n")

    def _send(self, code: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n) or b"null")

    def _authenticated(self) -> bool:
        return bool(self.connection.getpeercert())

    def _route(self, method: str) -> None:
        url = urllib.parse.urlparse(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        etcd = self.server.etcd
        try:
            if url.path in ("/healthz", "/readyz", "/livez"):
                ok = etcd.healthy()
                return self._send(200 if ok else 500, "ok" if ok else "etcd unhealthy")
            if url.path == "/cluster-info" and method == "GET":
                with open(common.container_path(f"{PKI}/ca.crt")) as f:
                    return self._send(200, {"ca": f.read(), "server": self.server.public_url})
            if url.path == "/bootstrap" and method == "POST":
                import bootstrap

                code, body = bootstrap.handle(etcd, self._body(), self.server.public_url)
                return self._send(code, body)
            if not self._authenticated():
                return self._send(401, {"message": "Unauthorized"})
            if url.path == "/registry":
                key, prefix = q.get("key", ""), q.get("prefix") == "1"
                if not key.startswith("/registry/"):
                    return self._send(400, {"message": "key must start with /registry/"})
                if method == "GET":
                    if prefix:
                        return self._send(200, [{"key": k, "object": v} for k, v in etcd.list(key)])
                    obj = etcd.get(key)
                    return self._send(
                        200 if obj is not None else 404, obj or {"message": "NotFound"}
                    )
                if method == "PUT":
                    obj = self._body()
                    meta = obj.setdefault("metadata", {})
                    meta.setdefault(
                        "creationTimestamp", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                    )
                    etcd.put(key, obj)
                    return self._send(200, obj)
                if method == "DELETE":
                    return self._send(200, {"deleted": etcd.delete(key, prefix=prefix)})
            if url.path == "/etcd/members" and method == "GET":
                return self._send(200, etcd.members())
            return self._send(404, {"message": f"no route {method} {url.path}"})
        except OSError as e:
            return self._send(503, {"message": f"etcd unavailable: {e}"})
        except Exception as e:  # a reply with the reason beats a dropped connection
            return self._send(500, {"message": f"{type(e).__name__}: {e}"})

    def do_GET(self) -> None:
        self._route("GET")

    def do_PUT(self) -> None:
        self._route("PUT")

    def do_POST(self) -> None:
        self._route("POST")

    def do_DELETE(self) -> None:
        self._route("DELETE")


def main(args: list[str]) -> int:
    f = {k: common.container_path(v) if k.endswith("file") else v for k, v in _flags(args).items()}
    address = f.get("advertise-address", "0.0.0.0")
    port = int(f.get("secure-port", "6443"))
    etcd_server = f.get("etcd-servers", "https://127.0.0.1:2379").split(",")[0]
    etcd = etcdapi.Etcd(etcd_server, f["etcd-cafile"], f["etcd-certfile"], f["etcd-keyfile"])
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(f["tls-cert-file"], f["tls-private-key-file"])
    ctx.load_verify_locations(f["client-ca-file"])
    ctx.verify_mode = ssl.CERT_OPTIONAL
    server = LabServer(("0.0.0.0", port), Handler)
    server.daemon_threads = True
    server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    server.etcd = etcd
    server.public_url = os.environ.get("LAB_PUBLIC_URL") or f"https://{address}:{port}"
    server.serve_forever()
    return 0
