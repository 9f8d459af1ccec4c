"""S3 for backup points: a boto3 client from a point's settings (boto3 is loaded only here)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from store.documents.backup import S3Target

MULTIPART = 64 * 1024 * 1024  # files above this go up in parts of this size


class S3Error(Exception):
    """The S3 endpoint refused or could not be reached; the message says which and why."""


def client(target: S3Target) -> Any:
    import boto3
    from botocore.config import Config

    verify: bool | str = True
    if target.endpoint.startswith("http://"):
        verify = False
    elif target.ca_pem:
        verify = _ca_file(target.ca_pem)
    return boto3.client(
        "s3",
        endpoint_url=target.endpoint,
        region_name=target.region,
        aws_access_key_id=target.access_key,
        aws_secret_access_key=target.secret_key.reveal(),
        verify=verify,
        config=Config(
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 2},
            s3={"addressing_style": "path"},
        ),
    )


_CA_FILES: dict[str, str] = {}


def _ca_file(pem: str) -> str:
    """boto3 takes a CA bundle as a path: one file per CA, in a directory of this process's
    own (mode 0700), removed at exit."""
    import atexit
    import shutil
    import tempfile

    if pem not in _CA_FILES:
        directory = tempfile.mkdtemp(prefix="kctui-ca-")
        atexit.register(shutil.rmtree, directory, True)
        path = Path(directory) / "ca.pem"
        path.write_text(pem)
        _CA_FILES[pem] = str(path)
    return _CA_FILES[pem]


def ensure_bucket(target: S3Target) -> bool:
    """Check the credentials and create the bucket when missing; True if it was created."""
    from botocore.exceptions import BotoCoreError, ClientError

    s3 = client(target)
    try:
        s3.head_bucket(Bucket=target.bucket)
        return False
    except ClientError as e:
        code = str(e.response.get("Error", {}).get("Code", ""))
        if code not in ("404", "NoSuchBucket", "NotFound"):
            raise S3Error(
                f"S3 at {target.endpoint} refused bucket {target.bucket} ({code}); check the access key and secret key"
            ) from None
    except BotoCoreError as e:
        raise S3Error(f"cannot reach S3 at {target.endpoint}: {e}") from None
    try:
        if target.region and target.region != "us-east-1":
            s3.create_bucket(
                Bucket=target.bucket,
                CreateBucketConfiguration={"LocationConstraint": target.region},
            )
        else:
            s3.create_bucket(Bucket=target.bucket)
    except ClientError as e:
        code = str(e.response.get("Error", {}).get("Code", ""))
        raise S3Error(
            f"S3 at {target.endpoint} could not create bucket {target.bucket} ({code})"
        ) from None
    except BotoCoreError as e:
        raise S3Error(f"cannot reach S3 at {target.endpoint}: {e}") from None
    return True


def _fail(target: S3Target, what: str, e: Exception) -> S3Error:
    from botocore.exceptions import ClientError

    if isinstance(e, ClientError):
        code = str(e.response.get("Error", {}).get("Code", ""))
        return S3Error(f"S3 at {target.endpoint}: {what} failed ({code})")
    return S3Error(f"S3 at {target.endpoint}: {what} failed: {e}")


def upload(target: S3Target, path: Path, key: str, sha256: str, abort: threading.Event) -> int:
    """Upload a file (multipart when large) and check the stored object; its size is returned.

    Setting `abort` stops the transfer; a multipart upload cut short is aborted by boto3, so no
    partial object is left.
    """
    from boto3.exceptions import S3UploadFailedError
    from boto3.s3.transfer import TransferConfig
    from botocore.exceptions import BotoCoreError, ClientError

    def progress(_sent: int) -> None:
        if abort.is_set():
            raise S3Error(f"upload of {key} cancelled")

    s3 = client(target)
    size = path.stat().st_size
    try:
        s3.upload_file(
            str(path),
            target.bucket,
            key,
            ExtraArgs={"Metadata": {"sha256": sha256}},
            Config=TransferConfig(multipart_threshold=MULTIPART, multipart_chunksize=MULTIPART),
            Callback=progress,
        )
        head = s3.head_object(Bucket=target.bucket, Key=key)
    except (BotoCoreError, ClientError, S3UploadFailedError) as e:
        raise _fail(target, f"upload of {key}", e) from None
    stored = int(head["ContentLength"])
    if stored != size or head.get("Metadata", {}).get("sha256") != sha256:
        delete(target, key)
        raise S3Error(f"S3 at {target.endpoint}: {key} was stored with {stored} of {size} bytes")
    return stored


def download(target: S3Target, key: str, path: Path) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client(target).download_file(target.bucket, key, str(path))
    except (BotoCoreError, ClientError) as e:
        raise _fail(target, f"download of {key}", e) from None


def delete(target: S3Target, key: str) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client(target).delete_object(Bucket=target.bucket, Key=key)
    except (BotoCoreError, ClientError) as e:
        raise _fail(target, f"delete of {key}", e) from None
