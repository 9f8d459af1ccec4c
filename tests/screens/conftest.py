from __future__ import annotations

from pathlib import Path

import pytest

from kctui.app import KctuiApp, make_app
from store.settings import Settings
from store.store import Store


@pytest.fixture
def app(tmp_path: Path) -> KctuiApp:
    return make_app(Store(tmp_path / "data"), Settings())
