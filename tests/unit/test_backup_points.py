"""Backup points through the `kctui` command, against a real S3 endpoint (moto_server)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import boto3
import pytest

from store.documents.backup import Backup
from store.store import Store
from tests import cli
from tests.s3server import ACCESS_KEY, SECRET_KEY, moto_server


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


kctui = partial(cli.kctui, timeout=60, env={"AWS_EC2_METADATA_DISABLED": "true"})


def s3_client(url: str):  # type: ignore[no-untyped-def]
    return boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


def add_s3(data: Path, name: str, url: str, bucket: str) -> subprocess.CompletedProcess[str]:
    return kctui(
        data,
        "backup-point", "add", name, "--s3", "--endpoint", url, "--bucket", bucket,
        "--access-key", ACCESS_KEY, "--secret-key-stdin", "--json",
        input=SECRET_KEY + "\n",
    )  # fmt: skip


def test_s3_point_creates_its_bucket_and_keeps_the_secret_encrypted(
    tmp_path: Path, s3_url: str
) -> None:
    data = tmp_path / "d"
    assert "etcd-bk" not in [b["Name"] for b in s3_client(s3_url).list_buckets()["Buckets"]]
    result = add_s3(data, "offsite", s3_url, "etcd-bk")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["s3"]["bucket"] == "etcd-bk" and shown["s3"]["endpoint"] == s3_url
    assert SECRET_KEY not in result.stdout
    assert "etcd-bk" in [b["Name"] for b in s3_client(s3_url).list_buckets()["Buckets"]]

    # An existing bucket is used as it is.
    again = add_s3(data, "offsite2", s3_url, "etcd-bk")
    assert again.returncode == 0, again.stderr

    listed = kctui(data, "backup-point", "list", "--json")
    assert [p["name"] for p in json.loads(listed.stdout)] == ["offsite", "offsite2"]
    for path in data.rglob("*"):
        if path.is_file():
            assert SECRET_KEY.encode() not in path.read_bytes(), path
    show = kctui(data, "backup-point", "show", "offsite")
    assert show.returncode == 0 and SECRET_KEY not in show.stdout


def test_s3_point_refused_when_the_endpoint_cannot_be_reached(tmp_path: Path, s3_url: str) -> None:
    data = tmp_path / "d"
    with socket_port() as port:
        down = kctui(
            data,
            "backup-point", "add", "down", "--s3", "--endpoint", f"http://127.0.0.1:{port}",
            "--bucket", "bk2", "--access-key", ACCESS_KEY, "--secret-key-stdin",
            input=SECRET_KEY + "\n",
        )  # fmt: skip
    assert down.returncode != 0
    assert f"cannot reach S3 at http://127.0.0.1:{port}" in down.stderr
    assert SECRET_KEY not in down.stderr
    assert "down" not in [
        p["name"] for p in json.loads(kctui(data, "backup-point", "list", "--json").stdout)
    ]


class socket_port:
    """A 127.0.0.1 port that is bound but never listened on: connections are refused."""

    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return int(self.sock.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


@pytest.mark.parametrize(
    ("args", "stdin", "complaint"),
    [
        (("Bad_Name", "--fs", "/x"), "", "name 'Bad_Name': use lowercase letters"),
        (("p", "--fs", "relative/dir"), "", "--fs 'relative/dir' must be an absolute path (e.g. /mnt/backups/etcd)"),
        (("p", "--s3", "--endpoint", "ftp://x", "--bucket", "bk", "--access-key", "a",
          "--secret-key-stdin"), "s\n", "--endpoint 'ftp://x': give a URL"),
        (("p", "--s3", "--endpoint", "http://127.0.0.1:9", "--bucket", "B", "--access-key", "a",
          "--secret-key-stdin"), "s\n", "--bucket 'B': 3 to 63 lowercase"),
        (("p", "--s3", "--endpoint", "http://127.0.0.1:9", "--bucket", "bk", "--access-key", "a"),
         "", "--s3 needs --secret-key-stdin"),
        (("p", "--s3", "--endpoint", "http://127.0.0.1:9", "--bucket", "bk", "--access-key", "a",
          "--secret-key-stdin"), "", "--secret-key-stdin: no secret key on standard input"),
        (("p", "--s3", "--endpoint", "https://127.0.0.1:9", "--bucket", "bk", "--access-key", "a",
          "--secret-key-stdin", "--ca", "/nonexistent/ca.pem"), "s\n", "--ca /nonexistent/ca.pem: cannot read it"),
        (("p", "--s3", "--endpoint", "https://127.0.0.1:9", "--bucket", "bk", "--access-key", "a",
          "--secret-key-stdin", "--ca", "/etc/os-release"), "s\n", "--ca /etc/os-release: not a PEM certificate"),
    ],
)  # fmt: skip
def test_bad_input_names_the_field(
    tmp_path: Path, args: tuple[str, ...], stdin: str, complaint: str
) -> None:
    data = tmp_path / "d"
    result = kctui(data, "backup-point", "add", *args, input=stdin)
    assert result.returncode != 0
    assert complaint in result.stderr
    listed = kctui(data, "backup-point", "list", "--json")
    assert json.loads(listed.stdout) == []


def test_fs_point_edit_and_delete_rules(tmp_path: Path, s3_url: str) -> None:
    data = tmp_path / "d"
    assert kctui(data, "backup-point", "add", "nfs", "--fs", "/mnt/etcd").returncode == 0
    dup = kctui(data, "backup-point", "add", "nfs", "--fs", "/mnt/other")
    assert dup.returncode != 0 and "a backup point with that name exists" in dup.stderr

    keys = kctui(data, "backup-point", "edit", "nfs", "--access-key", "x")
    assert keys.returncode != 0 and "only its description can change" in keys.stderr
    desc = kctui(data, "backup-point", "edit", "nfs", "--description", "rack 3 NFS")
    assert desc.returncode == 0, desc.stderr
    shown = json.loads(kctui(data, "backup-point", "show", "nfs", "--json").stdout)
    assert shown["description"] == "rack 3 NFS" and shown["fsPath"] == "/mnt/etcd"

    no_yes = kctui(data, "backup-point", "delete", "nfs")
    assert no_yes.returncode != 0 and "needs --yes" in no_yes.stderr

    store = Store(data)
    store.backups.add(Backup(name="c1-a-abcdef", cluster="c1", backup_point="nfs"))
    store.close()
    held = kctui(data, "backup-point", "delete", "nfs", "--yes")
    assert held.returncode != 0 and "holds 1 backup(s)" in held.stderr
    assert kctui(data, "backup-point", "show", "nfs").returncode == 0

    store = Store(data)
    store.backups.delete("c1-a-abcdef")
    store.close()
    gone = kctui(data, "backup-point", "delete", "nfs", "--yes")
    assert gone.returncode == 0, gone.stderr
    missing = kctui(data, "backup-point", "show", "nfs")
    assert missing.returncode != 0 and "nfs" in missing.stderr


def test_s3_edit_checks_new_credentials_against_the_endpoint(tmp_path: Path, s3_url: str) -> None:
    data = tmp_path / "d"
    assert add_s3(data, "off", s3_url, "edit-bk").returncode == 0
    rotated = kctui(
        data, "backup-point", "edit", "off", "--secret-key-stdin", input="rotated-secret-42\n"
    )
    assert rotated.returncode == 0, rotated.stderr
    for path in data.rglob("*"):
        if path.is_file():
            assert b"rotated-secret-42" not in path.read_bytes(), path
