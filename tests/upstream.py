"""A fake upstream on 127.0.0.1 (or a lab's jump-host address): files the test makes, served at the paths upstream uses, with
HTTP Range, and a way to cut a transfer mid-way once."""

from __future__ import annotations

import io
import tarfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Upstream:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.cut_once: set[str] = set()  # paths whose next transfer stops half-way
        self.requests: list[tuple[str, str]] = []  # (path, Range header)
        self.clients: list[str] = []  # the address each request came from, in order
        self.url = ""


def _handler(upstream: Upstream) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            return None

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            upstream.requests.append((path, self.headers.get("Range", "")))
            upstream.clients.append(self.client_address[0])
            data = upstream.files.get(path)
            if data is None:
                self.send_error(404)
                return
            start = 0
            wanted = self.headers.get("Range", "")
            if wanted.startswith("bytes="):
                start = int(wanted[6:].split("-", 1)[0])
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            body = data[start:]
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if path in upstream.cut_once:
                upstream.cut_once.discard(path)
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self.wfile.write(body)

    return Handler


@contextmanager
def serving(host: str = "127.0.0.1") -> Iterator[Upstream]:
    """On 127.0.0.1, or on the lab's jump-host address for lab hosts to reach."""
    upstream = Upstream()
    server = ThreadingHTTPServer((host, 0), _handler(upstream))
    upstream.url = f"http://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield upstream
    finally:
        server.shutdown()
        server.server_close()


def tar_gz(files: dict[str, bytes]) -> bytes:
    """A release-style tarball of executables."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()
