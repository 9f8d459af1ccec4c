"""The `cert-expire DAYS` fault: every leaf certificate of a lab host's control plane signed
again by its own CA, with the same subject, key and extensions, valid for DAYS more days: real
x509 files whose expiry the tests choose."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

LEAVES = {  # leaf -> its CA, under /etc/kubernetes/pki
    "apiserver": "ca",
    "apiserver-kubelet-client": "ca",
    "front-proxy-client": "front-proxy-ca",
    "apiserver-etcd-client": "etcd/ca",
    "etcd/server": "etcd/ca",
    "etcd/peer": "etcd/ca",
    "etcd/healthcheck-client": "etcd/ca",
}


def expire(pki: Path, days: int) -> list[str]:
    """Sign each leaf under `pki` again for `days` days; the leaves changed."""
    changed = []
    for leaf, ca in LEAVES.items():
        crt, key = pki / f"{leaf}.crt", pki / f"{leaf}.key"
        if not crt.exists() or not key.exists():
            continue
        with tempfile.TemporaryDirectory() as tmp:
            csr = Path(tmp) / "leaf.csr"
            subprocess.run(
                ["openssl", "x509", "-x509toreq", "-in", str(crt), "-signkey", str(key),
                 "-copy_extensions", "copy", "-out", str(csr)],
                check=True, capture_output=True,
            )  # fmt: skip
            subprocess.run(
                ["openssl", "x509", "-req", "-in", str(csr), "-CA", str(pki / f"{ca}.crt"),
                 "-CAkey", str(pki / f"{ca}.key"), "-CAcreateserial", "-days", str(days),
                 "-copy_extensions", "copyall", "-out", str(crt)],
                check=True, capture_output=True,
            )  # fmt: skip
        changed.append(leaf)
    return changed
