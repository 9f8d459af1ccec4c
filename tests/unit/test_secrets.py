"""Secrets are encrypted at rest and never shown in full."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from store.documents import BackupPoint, Node, Registry, S3Target
from store.errors import SecretKeyError
from store.secrets import MASK, Secret
from store.store import Store

S3_SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
SSH_PASSWORD = "correct-horse-battery-staple"
SUDO_PASSWORD = "sudo-pass-8d1f"
PASSPHRASE = "key-passphrase-77a0"
REGISTRY_PASSWORD = "registry-pass-31c9"


def fill(store: Store) -> None:
    store.nodes.add(
        Node(
            name="n1",
            address="10.0.0.1",
            password=SSH_PASSWORD,
            sudo_password=SUDO_PASSWORD,
            key_passphrase=PASSPHRASE,
        )
    )
    store.backup_points.add(
        BackupPoint(
            name="s3",
            type="s3",
            s3=S3Target(
                endpoint="http://127.0.0.1:9000",
                bucket="b",
                access_key="AKIAEXAMPLE",
                secret_key=S3_SECRET,
            ),
        )
    )
    store.registries.add(
        Registry(name="r", host="127.0.0.1:5000", username="u", password=REGISTRY_PASSWORD)
    )


def test_secret_key_file_is_owner_only(store: Store) -> None:
    assert not store.box.key_path.exists()  # created on first use, not before
    fill(store)
    assert os.stat(store.box.key_path).st_mode & 0o777 == 0o600
    assert os.stat(store.data_dir).st_mode & 0o777 == 0o700


def test_no_plaintext_secret_anywhere_in_the_data_dir(store: Store, data_dir: Path) -> None:
    fill(store)
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert any(p.name == "state.json" for p in files)
    for path in files:
        content = path.read_bytes()
        for secret in (S3_SECRET, SSH_PASSWORD, SUDO_PASSWORD, PASSPHRASE, REGISTRY_PASSWORD):
            assert secret.encode() not in content, f"{secret} in {path}"


def test_secrets_round_trip_through_the_store(store: Store, data_dir: Path) -> None:
    fill(store)
    again = Store(data_dir)
    node = again.nodes.get("n1")
    assert node.password is not None and node.password.reveal() == SSH_PASSWORD
    assert node.sudo_password is not None and node.sudo_password.reveal() == SUDO_PASSWORD
    point = again.backup_points.get("s3")
    assert point.s3 is not None and point.s3.secret_key.reveal() == S3_SECRET


def test_repr_str_and_json_never_show_the_plaintext(store: Store) -> None:
    fill(store)
    node = store.nodes.get("n1")
    point = store.backup_points.get("s3")
    for text in (
        repr(node),
        str(node),
        node.model_dump_json(),
        json.dumps(point.model_dump(mode="json", by_alias=True)),
        repr(point),
        f"{node.password}",
    ):
        assert SSH_PASSWORD not in text and S3_SECRET not in text and SUDO_PASSWORD not in text
    assert node.model_dump(mode="json")["password"] == MASK


def test_the_mask_is_not_accepted_as_a_secret() -> None:
    with pytest.raises(ValueError, match="masked value"):
        Node(name="n", address="a", password=MASK)


def test_a_wrong_key_is_refused_without_revealing_anything(store: Store, data_dir: Path) -> None:
    fill(store)
    from cryptography.fernet import Fernet

    (data_dir / "secret.key").write_bytes(Fernet.generate_key())
    with pytest.raises(SecretKeyError, match=r"does not match .*secret\.key") as err:
        Store(data_dir).nodes.get("n1")
    assert SSH_PASSWORD not in str(err.value)


def test_a_missing_key_is_named(store: Store, data_dir: Path) -> None:
    fill(store)
    (data_dir / "secret.key").unlink()
    with pytest.raises(SecretKeyError, match=r"secret\.key is missing"):
        Store(data_dir).backup_points.get("s3")


def test_secret_equality_and_truth() -> None:
    assert Secret("a") == Secret("a") and Secret("a") != Secret("b")
    assert not Secret("")
