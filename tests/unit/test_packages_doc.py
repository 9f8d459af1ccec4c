"""docs/packages.md is the whole format: its recipe, run as written with standard tools, makes a
package that kctui pushes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests import cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "packages.md"


def recipe() -> str:
    blocks = re.findall(r"```sh\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) == 1, "docs/packages.md has one shell recipe"
    return blocks[0]


def test_the_documented_recipe_builds_a_package_kctui_pushes(tmp_path: Path) -> None:
    (tmp_path / "tigera-operator.yaml").write_text("apiVersion: v1\nkind: Namespace\n")
    data = tmp_path / "data"
    env = {
        **os.environ,
        "KCTUI_DATA_DIR": str(data),
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", recipe()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "pushed calico-v3.27.3-amd64 (cni, 1 files" in done.stdout
    listed = json.loads(
        cli.kctui(data, "resource", "show", "calico-v3.27.3-amd64", "--json").stdout
    )
    assert [f["path"] for f in listed["files"]] == ["manifests/tigera-operator.yaml"]
    assert listed["files"][0]["mode"] == 0o644
