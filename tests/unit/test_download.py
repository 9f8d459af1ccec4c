"""Downloads from a fake upstream on 127.0.0.1: a cut transfer resumes, a wrong checksum is
refused naming the file and both sums, and nothing unverified is kept."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.catalog.download import Downloader, DownloadError, parse_checksum
from tests.upstream import Upstream, serving

PATH = "/release/v1.28.15/bin/linux/amd64/kubeadm"


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    with serving() as up:
        up.files[PATH] = os.urandom(3 * 2**20 + 123)
        up.files[PATH + ".sha256"] = hashlib.sha256(up.files[PATH]).hexdigest().encode()
        yield up


def test_a_cut_download_resumes_where_it_stopped(upstream: Upstream, tmp_path: Path) -> None:
    data = upstream.files[PATH]
    upstream.cut_once.add(PATH)
    down = Downloader()
    sha = parse_checksum(down.text(upstream.url + PATH + ".sha256"), "kubeadm")
    seen: list[tuple[int, int]] = []
    got = down.fetch(
        upstream.url + PATH, tmp_path / "kubeadm", sha, lambda d, t: seen.append((d, t))
    )
    assert got.read_bytes() == data
    ranges = [r for p, r in upstream.requests if p == PATH]
    assert ranges[0] == "" and ranges[1].startswith("bytes=") and int(ranges[1][6:-1]) > 0
    assert seen[-1] == (len(data), len(data))
    assert not (tmp_path / "kubeadm.partial").exists()


def test_a_partial_file_from_an_earlier_run_is_continued(
    upstream: Upstream, tmp_path: Path
) -> None:
    data = upstream.files[PATH]
    (tmp_path / "kubeadm.partial").write_bytes(data[:1000])
    sha = hashlib.sha256(data).hexdigest()
    Downloader().fetch(upstream.url + PATH, tmp_path / "kubeadm", sha)
    assert (tmp_path / "kubeadm").read_bytes() == data
    assert upstream.requests == [(PATH, "bytes=1000-")]
    Downloader().fetch(upstream.url + PATH, tmp_path / "kubeadm", sha)  # there and right
    assert len(upstream.requests) == 1


def test_a_checksum_mismatch_is_refused_naming_the_file_and_both_sums(
    upstream: Upstream, tmp_path: Path
) -> None:
    wrong = "0" * 64
    right = hashlib.sha256(upstream.files[PATH]).hexdigest()
    with pytest.raises(DownloadError) as refused:
        Downloader().fetch(upstream.url + PATH, tmp_path / "kubeadm", wrong)
    said = str(refused.value)
    assert said.startswith("kubeadm: ") and right in said and wrong in said
    assert list(tmp_path.iterdir()) == []  # nothing unverified kept


def test_a_missing_file_is_said_with_its_url(upstream: Upstream, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"/nope: HTTP 404"):
        Downloader().fetch(upstream.url + "/nope", tmp_path / "nope", "0" * 64)


def test_checksum_files_as_upstream_writes_them() -> None:
    h = "ab" * 32
    assert parse_checksum(h + "\n", "kubeadm") == h
    assert parse_checksum(f"{h}  containerd-1.7.22-linux-amd64.tar.gz\n", "x") == h
    two = f"{'cd' * 32}  runc.arm64\n{h} *runc.amd64\n"
    assert parse_checksum(two, "runc.amd64") == h
    with pytest.raises(DownloadError, match="names no sha256"):
        parse_checksum("not a sum\n", "kubeadm")
