"""Downloads from upstream (or a mirror of it) that resume after a cut and end only in a file
whose sha256 matches the one upstream publishes. Nothing unverified is kept under its name:
the bytes wait in NAME.partial, which the next attempt (or the next run) continues."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import urllib3

from engine.errors import RefusedError

CHUNK = 1 << 16
ATTEMPTS = 5
HEX64_RE = re.compile(r"^[0-9a-f]{64}$")
ERRNO_RE = re.compile(r"^.*\[Errno -?\d+\] ")
Progress = Callable[[int, int], None]  # (bytes so far, bytes in all; 0 when unknown)


class DownloadError(RefusedError):
    """A download failed or did not verify; the message names the file and why."""


def _why(error: Exception) -> str:
    """A network error in words: "Connection refused", not urllib3's object dump."""
    text = str(error) or type(error).__name__
    return ERRNO_RE.sub("", text.rsplit(": ", 1)[-1]) if "[Errno" in text else text


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def parse_checksum(text: str, name: str) -> str:
    """The sha256 for `name` in an upstream checksum file: a bare hash (dl.k8s.io's .sha256),
    or `HASH  NAME` / `HASH *NAME` lines (sha256sum's, as GitHub releases publish them)."""
    lines = [line.split() for line in text.splitlines() if line.strip()]
    for parts in lines:
        digest = parts[0].lower()
        named = parts[1].lstrip("*").rsplit("/", 1)[-1] if len(parts) > 1 else ""
        if HEX64_RE.match(digest) and (named in ("", name) or len(lines) == 1):
            return digest
    raise DownloadError(f"{name}: its checksum file names no sha256 for it")


class Downloader:
    def __init__(self, http: urllib3.PoolManager | None = None, timeout: float = 30) -> None:
        self.http = http or urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=timeout, read=timeout), retries=False
        )

    def text(self, url: str, limit: int = 1 << 20) -> str:
        """A small file (a checksum file, a manifest), whole."""
        try:
            response = self.http.request("GET", url, preload_content=False)
            try:
                if response.status != 200:
                    raise DownloadError(f"{url}: HTTP {response.status}")
                data = response.read(limit + 1)
            finally:
                response.release_conn()
        except urllib3.exceptions.HTTPError as e:
            raise DownloadError(f"cannot fetch {url}: {_why(e)}") from None
        if len(data) > limit:
            raise DownloadError(f"{url}: larger than {limit} bytes; not a checksum file")
        return data.decode("utf-8", "replace")

    def fetch(self, url: str, dest: Path, sha256: str, progress: Progress | None = None) -> Path:
        """`url` at `dest`, its sha256 checked. A file already there with that sum is kept;
        a cut connection is resumed where it stopped (HTTP Range), up to ATTEMPTS times."""
        if dest.exists() and sha256_of(dest) == sha256:
            return dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(dest.name + ".partial")
        last = ""
        for _ in range(ATTEMPTS):
            try:
                self._continue(url, partial, progress)
                break
            except (urllib3.exceptions.HTTPError, OSError) as e:
                last = _why(e)  # cut: the next attempt resumes
        else:
            raise DownloadError(
                f"{dest.name}: {url} failed {ATTEMPTS} times ({last}); run again to resume"
            )
        got = sha256_of(partial)
        if got != sha256:
            partial.unlink()
            raise DownloadError(
                f"{dest.name}: sha256 {got}, upstream says {sha256}; the download was deleted"
            )
        partial.replace(dest)
        return dest

    def _continue(self, url: str, partial: Path, progress: Progress | None) -> None:
        have = partial.stat().st_size if partial.exists() else 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        response = self.http.request("GET", url, headers=headers, preload_content=False)
        try:
            if response.status == 416 and have:  # asked past the end: the file is whole
                return
            if response.status == 200:
                have = 0  # the server sent it all: start again
            elif response.status != 206:
                raise DownloadError(f"{url}: HTTP {response.status}")
            length = int(response.headers.get("Content-Length") or 0)
            total = have + length if length else 0
            with open(partial, "ab" if have else "wb") as out:
                for chunk in response.stream(CHUNK):
                    out.write(chunk)
                    have += len(chunk)
                    if progress is not None:
                        progress(have, total)
            if total and have < total:
                raise urllib3.exceptions.ProtocolError(f"cut at {have} of {total} bytes")
        finally:
            response.release_conn()
