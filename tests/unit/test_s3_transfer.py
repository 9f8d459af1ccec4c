"""Snapshot uploads to a real S3 endpoint (moto_server): multipart, checked, and cut off cleanly."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.backups import s3
from store.documents.backup import S3Target
from store.secrets import Secret
from tests.s3server import ACCESS_KEY, SECRET_KEY, moto_server


@pytest.fixture(scope="module")
def target() -> Iterator[S3Target]:
    with moto_server() as url:
        t = S3Target(
            endpoint=url, bucket="snaps", access_key=ACCESS_KEY, secret_key=Secret(SECRET_KEY)
        )
        assert s3.ensure_bucket(t) is True
        yield t


def snapshot(tmp_path: Path, size: int) -> tuple[Path, str]:
    path = tmp_path / "snap.db"
    path.write_bytes(os.urandom(size))
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_large_snapshot_goes_up_in_parts_and_is_checked(
    target: S3Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(s3, "MULTIPART", 5 * 1024 * 1024)  # S3's smallest part
    path, digest = snapshot(tmp_path, 12 * 1024 * 1024)
    assert s3.upload(target, path, "c1/big.db", digest, threading.Event()) == 12 * 1024 * 1024
    head = s3.client(target).head_object(Bucket="snaps", Key="c1/big.db")
    assert head["Metadata"]["sha256"] == digest
    assert head["ETag"].strip('"').endswith("-3")  # three parts
    back = tmp_path / "back.db"
    s3.download(target, "c1/big.db", back)
    assert hashlib.sha256(back.read_bytes()).hexdigest() == digest
    s3.delete(target, "c1/big.db")


def test_an_upload_cut_off_leaves_no_object(
    target: S3Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(s3, "MULTIPART", 5 * 1024 * 1024)
    path, digest = snapshot(tmp_path, 11 * 1024 * 1024)
    abort = threading.Event()
    abort.set()
    with pytest.raises(s3.S3Error, match=r"upload of c1/cut\.db cancelled"):
        s3.upload(target, path, "c1/cut.db", digest, abort)
    client = s3.client(target)
    assert client.list_objects_v2(Bucket="snaps", Prefix="c1/cut").get("Contents", []) == []
    assert client.list_multipart_uploads(Bucket="snaps").get("Uploads", []) == []
