"""A state file kctui cannot understand is refused with its path and never rewritten."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from store.documents import Template
from store.documents.cluster import ClusterSpec
from store.errors import SchemaTooNewError, StateFileCorruptError
from store.storage import SCHEMA_VERSION
from store.store import Store


def newer_state(data_dir: Path) -> bytes:
    data_dir.mkdir(mode=0o700, parents=True)
    content = json.dumps(
        {
            "_meta": {"1": {"schema_version": SCHEMA_VERSION + 1}},
            "templates": {"1": {"name": "from-the-future", "futureField": True}},
        }
    ).encode()
    (data_dir / "state.json").write_bytes(content)
    return content


def test_newer_schema_is_refused_and_left_byte_identical(data_dir: Path) -> None:
    before = newer_state(data_dir)
    with pytest.raises(SchemaTooNewError) as err:
        Store(data_dir).open()
    message = str(err.value)
    assert str(data_dir / "state.json") in message
    assert f"schema version {SCHEMA_VERSION + 1}" in message and "Upgrade kctui" in message
    assert (data_dir / "state.json").read_bytes() == before


def test_newer_schema_written_by_another_process_later_is_refused(
    store: Store, data_dir: Path
) -> None:
    store.templates.add(Template(name="t", cluster=ClusterSpec()))
    path = data_dir / "state.json"
    tables = json.loads(path.read_bytes())
    tables["_meta"]["1"]["schema_version"] = SCHEMA_VERSION + 5
    newer = json.dumps(tables).encode()
    path.write_bytes(newer)
    with pytest.raises(SchemaTooNewError):
        store.templates.add(Template(name="u", cluster=ClusterSpec()))
    assert path.read_bytes() == newer


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"nodes": {"1": {"name": "a"', "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        (b"[1, 2, 3]", "not a kctui state file"),
        (b'{"_meta": {"1": {"schema_version": "one"}}}', "schema version is not a number"),
    ],
)
def test_corrupt_file_is_refused_with_its_path_and_untouched(
    data_dir: Path, content: bytes, reason: str
) -> None:
    data_dir.mkdir(mode=0o700, parents=True)
    (data_dir / "state.json").write_bytes(content)
    with pytest.raises(StateFileCorruptError) as err:
        Store(data_dir).open()
    assert str(data_dir / "state.json") in str(err.value)
    assert reason in str(err.value)
    assert (data_dir / "state.json").read_bytes() == content


def test_cli_reports_a_too_new_state_file(data_dir: Path) -> None:
    import subprocess
    import sys

    before = newer_state(data_dir)
    result = subprocess.run(
        [sys.executable, "-m", "kctui.cli.main", "--data-dir", str(data_dir), "info"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "written by a newer kctui" in result.stderr
    assert (data_dir / "state.json").read_bytes() == before
