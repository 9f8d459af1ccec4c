"""Where kctui keeps its data: --data-dir, then $KCTUI_DATA_DIR, then the user data dir."""

from __future__ import annotations

import os
from pathlib import Path

ENV_DATA_DIR = "KCTUI_DATA_DIR"


def resolve_data_dir(cli_value: str | None = None) -> Path:
    if cli_value:
        return Path(cli_value).expanduser().absolute()
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser().absolute()
    from platformdirs import user_data_dir

    return Path(user_data_dir("kctui", appauthor=False))
