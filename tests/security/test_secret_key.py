"""secret.key is made whole or not at all, and never made again once secrets were stored with
a key: a new one would make them unreadable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from store.documents.node import Node
from store.errors import SecretKeyError
from store.secrets import Secret
from store.store import Store


def test_a_deleted_key_is_not_replaced_when_secrets_are_stored(data_dir: Path) -> None:
    store = Store(data_dir)
    store.nodes.add(Node(name="n1", address="10.0.0.1", password=Secret("pw-1-secret")))
    (data_dir / "secret.key").unlink()
    with pytest.raises(SecretKeyError, match=r"secret\.key is missing and 1 secrets are stored"):
        Store(data_dir).nodes.add(
            Node(name="n2", address="10.0.0.2", password=Secret("pw-2-secret"))
        )
    assert not (data_dir / "secret.key").exists()
    assert [n["name"] for n in _raw_nodes(data_dir)] == ["n1"]  # nothing half-written


def _raw_nodes(data_dir: Path) -> list[dict[str, str]]:
    import json

    return list(json.loads((data_dir / "state.json").read_text())["nodes"].values())


KEY_WRITER = """
import sys, time
from pathlib import Path
from store.secrets import SecretBox
box = SecretBox(Path(sys.argv[1]) / "secret.key")
print("ready", flush=True)
while True:
    box.encrypt("x")
    box._fernet = None
    (Path(sys.argv[1]) / "secret.key").unlink()
"""


def test_a_kill_while_the_key_is_written_never_leaves_an_empty_key(tmp_path: Path) -> None:
    for round_ in range(20):
        data = tmp_path / f"d{round_}"
        data.mkdir(mode=0o700)
        writer = subprocess.Popen(
            [sys.executable, "-c", KEY_WRITER, str(data)], stdout=subprocess.PIPE, text=True
        )
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        time.sleep(0.01 * (round_ % 5))
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        key = data / "secret.key"
        assert not key.exists() or len(key.read_bytes().strip()) == 44  # a whole Fernet key
