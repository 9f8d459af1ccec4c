"""Bad input gets one line naming the problem and the fix, exit 1, never a traceback."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import pytest

from tests.cli import KCTUI, kctui


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "/nonexistent: No such file or directory; check the path"),
        (b"\x7fELF\x02\x01\x01\x00\xff\xfe", "not a text file; give a kctui/v1 Cluster YAML spec"),
        (b"[" * 50000, "nested too deep to be a cluster spec"),
        (b"- just\n- a list\n", "a spec is a YAML mapping"),
    ],
    ids=["missing", "binary", "deep", "list"],
)
def test_a_bad_spec_file_is_one_line(
    tmp_path: Path, tally: Counter[str], content: bytes | None, said: str
) -> None:
    path = Path("/nonexistent") if content is None else tmp_path / "spec.yaml"
    if content is not None:
        path.write_bytes(content)
    done = kctui(tmp_path / "data", "cluster", "create", "-f", str(path), "--dry-run")
    tally["bad inputs"] += 1
    tally["tracebacks"] += "Traceback" in done.stderr
    assert done.returncode == 1
    assert said in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_reader_that_goes_away_is_no_traceback(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [KCTUI, "--data-dir", str(tmp_path / "data"), "cluster", "create", "--print-defaults"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # as `| head` does, before kctui writes
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_a_newline_in_a_user_and_a_garbage_known_hosts_line_are_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    add = ("node", "add", "10.255.0.1", "--accept-host-key", "SHA256:x")
    bad_user = kctui(data, *add, "--user", "a\nb")
    assert bad_user.returncode == 1 and "Traceback" not in bad_user.stderr
    assert "user 'a\\nb': a login name" in bad_user.stderr
    assert kctui(data, "node", "list").returncode == 0  # makes the data dir
    (data / "known_hosts").write_text("garbage line here\n")
    garbage = kctui(data, *add, "--user", "root")
    assert garbage.returncode == 1 and "Traceback" not in garbage.stderr
    assert f"{data / 'known_hosts'} line 1 is not a host key line" in garbage.stderr


def test_a_hostile_hostname_is_read_as_text_by_the_facts_script(tmp_path: Path) -> None:
    from engine.nodes import facts

    fake = tmp_path / "bin"
    fake.mkdir()
    name = 'a"b\\c$(x)\t'
    (tmp_path / "name").write_text(name)
    (fake / "hostname").write_text(f"#!/bin/sh\ncat {tmp_path / 'name'}\n")
    (fake / "hostname").chmod(0o755)
    import os

    done = subprocess.run(
        ["bash", "-c", facts.SCRIPT],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"},
        check=True,
    )
    assert facts.parse(done.stdout, 0.0, 0.0).hostname == name.strip()
