"""The `kctui` command as a user runs it: a real subprocess of the installed entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest

from kctui import __version__
from tests import cli

run = partial(cli.run, timeout=60)


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"kctui {__version__}"


def test_help_lists_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: kctui")
    assert "info" in result.stdout and "--data-dir" in result.stdout


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (("frobnicate",), "invalid choice: 'frobnicate'"),
        (("--frobnicate",), "unrecognized arguments: --frobnicate"),
        (("info", "--bogus"), "unrecognized arguments: --bogus"),
    ],
)
def test_unknown_commands_and_flags_exit_2_with_usage(
    args: tuple[str, ...], complaint: str, tmp_path: Path
) -> None:
    result = run("--data-dir", str(tmp_path / "d"), *args)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: kctui")
    assert complaint in result.stderr
    assert not (tmp_path / "d").exists()


def test_data_dir_option_env_and_private_mode(tmp_path: Path) -> None:
    by_flag = tmp_path / "flag"
    result = run("info", "--json", "--data-dir", str(by_flag))
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["dataDir"] == str(by_flag) and info["version"] == __version__
    assert info["counts"]["clusters"] == 0
    assert os.stat(by_flag).st_mode & 0o777 == 0o700

    by_env = tmp_path / "env"
    result = run("info", "--json", env={"KCTUI_DATA_DIR": str(by_env)})
    assert json.loads(result.stdout)["dataDir"] == str(by_env)
    result = run("--data-dir", str(by_flag), "info", env={"KCTUI_DATA_DIR": str(by_env)})
    assert f"data dir     {by_flag}" in result.stdout


def test_default_data_dir_is_the_user_data_dir(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "xdg")}
    env_without = {k: v for k, v in os.environ.items() if k != "KCTUI_DATA_DIR"} | env
    result = subprocess.run(
        [cli.KCTUI, "info", "--json"], capture_output=True, text=True, env=env_without, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["dataDir"] == str(tmp_path / "xdg" / "kctui")


def test_heavy_libraries_are_not_imported_at_start() -> None:
    code = (
        "import sys; from kctui.cli.main import build_parser; build_parser(); "
        "print(' '.join(m for m in ('boto3', 'asyncssh', 'textual', 'botocore') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_only_global_options_open_the_tui_without_building_every_command(tmp_path: Path) -> None:
    from kctui.cli.main import tui_context

    assert tui_context([]) is not None
    ctx = tui_context(["--data-dir", str(tmp_path / "d")])
    assert ctx is not None and ctx.data_dir == tmp_path / "d"
    for argv in (["info"], ["--version"], ["--help"], ["node", "list"], ["--bogus"]):
        assert tui_context(argv) is None, argv
