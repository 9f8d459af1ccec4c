"""An image registry for lab tests: Debian's docker-registry (distribution) with TLS from a test
CA and htpasswd basic auth, on the lab's jump-host address, and images pushed into it with
skopeo, each under the path a mirror of its upstream serves (registry.k8s.io/pause:3.9 as
pause:3.9, docker.io/calico/node as calico/node)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import socket
import subprocess
import tarfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import bcrypt

from tests.fidelity.validators import sim_module


@dataclass
class LabRegistry:
    host: str  # address:port
    ca: Path
    user: str
    password: str
    dir: Path
    log: Path

    def pulls(self) -> list[str]:
        """The manifest requests the registry answered with an image (it answers 401 to any
        request without the credentials)."""
        lines = self.log.read_text(errors="replace").splitlines()
        return [
            line
            for line in lines
            if "response completed" in line
            and "/manifests/" in line
            and "http.response.status=200" in line
        ]


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def _listening(server: subprocess.Popen[bytes], address: str, port: int, log: Path) -> None:
    """Wait until docker-registry answers on address:port; fail with its log if it died."""
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection((address, port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise AssertionError(f"docker-registry did not start: {log.read_text()}") from None
            time.sleep(0.1)


@contextmanager
def lab_registry(
    address: str, work: Path, port: int = 5443, password: str = "lab-pull-secret"
) -> Iterator[LabRegistry]:
    work.mkdir(parents=True, exist_ok=True)
    ca_key, ca, key, crt = (work / n for n in ("ca.key", "ca.crt", "tls.key", "tls.crt"))
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
             "/CN=kctui lab registry CA", "-keyout", str(ca_key), "-out", str(ca))  # fmt: skip
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={address}",
             "-keyout", str(key), "-out", str(work / "tls.csr"))  # fmt: skip
    (work / "san.ext").write_text(f"subjectAltName=IP:{address}\n")
    _openssl("x509", "-req", "-in", str(work / "tls.csr"), "-CA", str(ca), "-CAkey", str(ca_key),
             "-CAcreateserial", "-days", "2", "-extfile", str(work / "san.ext"), "-out", str(crt))  # fmt: skip
    user = "puller"
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=5)).decode()
    (work / "htpasswd").write_text(f"{user}:{hashed}\n")
    config = {
        "version": 0.1,
        "log": {"level": "info", "accesslog": {"disabled": False}},
        "storage": {"filesystem": {"rootdirectory": str(work / "data")}},
        "http": {"addr": f"{address}:{port}", "tls": {"certificate": str(crt), "key": str(key)}},
        "auth": {"htpasswd": {"realm": "kctui-lab", "path": str(work / "htpasswd")}},
    }
    (work / "config.yml").write_text(json.dumps(config))
    log = work / "registry.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            ["docker-registry", "serve", str(work / "config.yml")], stdout=out, stderr=out
        )
    try:
        _listening(server, address, port, log)
        yield LabRegistry(f"{address}:{port}", ca, user, password, work, log)
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextmanager
def plain_registry(work: Path) -> Iterator[str]:
    """docker-registry on 127.0.0.1 over plain HTTP, no auth: a fake upstream registry. Its
    http://HOST:PORT."""
    work.mkdir(parents=True, exist_ok=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = {
        "version": 0.1,
        "log": {"level": "warn"},
        "storage": {"filesystem": {"rootdirectory": str(work / "data")}},
        "http": {"addr": f"127.0.0.1:{port}"},
    }
    (work / "config.yml").write_text(json.dumps(config))
    with (work / "registry.log").open("wb") as out:
        server = subprocess.Popen(
            ["docker-registry", "serve", str(work / "config.yml")], stdout=out, stderr=out
        )
    try:
        _listening(server, "127.0.0.1", port, work / "registry.log")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def seed(url: str, work: Path, refs: list[str]) -> None:
    """A small image under each reference's repository and tag in the plain registry."""
    layout = work / "layout"
    if not layout.exists():
        _layout(layout)
    host = url.split("://", 1)[1]
    for ref in refs:
        _, repo, tag = sim_module("images").parse(ref)
        subprocess.run(
            ["skopeo", "copy", "--quiet", "--dest-tls-verify=false",
             f"oci:{layout}:img", f"docker://{host}/{repo}:{tag}"],
            check=True, capture_output=True,
        )  # fmt: skip


def _layout(path: Path) -> None:
    """An OCI image layout holding one small image, tagged `img`."""
    blobs = path / "blobs" / "sha256"
    blobs.mkdir(parents=True)

    def blob(data: bytes) -> dict[str, object]:
        digest = hashlib.sha256(data).hexdigest()
        (blobs / digest).write_bytes(data)
        return {"digest": f"sha256:{digest}", "size": len(data)}

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("etc/lab-image")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"lab"))
    layer = gzip.compress(raw.getvalue(), mtime=0)
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {
                "type": "layers",
                "diff_ids": ["sha256:" + hashlib.sha256(raw.getvalue()).hexdigest()],
            },
            "config": {},
        }
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **blob(config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **blob(layer)}],
        }
    ).encode()
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                **blob(manifest),
                "annotations": {"org.opencontainers.image.ref.name": "img"},
            }
        ],
    }
    (path / "index.json").write_text(json.dumps(index))
    (path / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')


def push(registry: LabRegistry, refs: list[str]) -> list[str]:
    """Push an image for each reference to where a mirror of its upstream serves it; the
    references pushed to."""
    images = sim_module("images")
    layout = registry.dir / "layout"
    if not layout.exists():
        _layout(layout)
    certs = registry.dir / "certs"
    certs.mkdir(exist_ok=True)
    (certs / "ca.crt").write_bytes(registry.ca.read_bytes())
    pushed = []
    for ref in refs:
        _, repo, tag = images.parse(ref)
        dest = f"{registry.host}/{repo}:{tag}"
        subprocess.run(
            ["skopeo", "copy", "--quiet", "--dest-cert-dir", str(certs),
             "--dest-creds", f"{registry.user}:{registry.password}",
             f"oci:{layout}:img", f"docker://{dest}"],
            check=True, capture_output=True,
        )  # fmt: skip
        pushed.append(dest)
    return pushed
