"""The backup points list with Pilot, against a real S3 endpoint (moto_server)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from textual.widgets import Input, Select, Static

from kctui.app import make_app
from screens.dialogs import ConfirmScreen
from screens.main import MainScreen
from screens.sections.backup_points import BackupPointForm
from screens.sections.kept_forms import TextScreen
from store.settings import Settings
from store.store import Store
from tests.s3server import ACCESS_KEY, SECRET_KEY, moto_server
from tests.screens.waits import until


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


def fill(screen: object, **values: str) -> None:
    for field, value in values.items():
        screen.query_one(f"#bp-{field}", Input).value = value  # type: ignore[attr-defined]


def error(screen: object) -> str:
    return str(screen.query_one("#bp-error", Static).render())  # type: ignore[attr-defined]


def rows(app: object) -> list[str]:
    table = app.screen.current().table  # type: ignore[attr-defined]
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def test_add_show_and_delete_backup_points(tmp_path: Path, s3_url: str) -> None:
    store = Store(tmp_path / "data")
    app = make_app(store, Settings())
    async with app.run_test(size=(100, 45)) as pilot:
        await pilot.press("5", "a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, BackupPointForm)
        fill(form, name="rack3")
        await pilot.press("ctrl+s")
        assert "path: required" in error(form)
        fill(form, path="relative/dir")
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert error(form).startswith("Path: ") and "must be an absolute path" in error(form)
        assert "--" not in error(form) and form.focused is form.query_one("#bp-path", Input)

        form.query_one("#bp-type", Select).value = "s3"
        fill(form, name="offsite", endpoint="http://127.0.0.1:9", bucket="tui-bk")
        fill(form, access=ACCESS_KEY, secret=SECRET_KEY)
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "cannot reach S3 at http://127.0.0.1:9" in error(form)
        assert SECRET_KEY not in error(form) and store.backup_points.list() == []

        fill(form, endpoint=s3_url)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), 10, "the form to close")
        assert isinstance(app.screen, MainScreen) and rows(app) == ["offsite"]
        s3 = boto3.client(
            "s3",
            endpoint_url=s3_url,
            region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )
        assert "tui-bk" in [b["Name"] for b in s3.list_buckets()["Buckets"]]

        app.screen.current().table.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TextScreen)
        assert "tui-bk" in app.screen.text and SECRET_KEY not in app.screen.text
        await pilot.press("escape")

        await pilot.press("e")
        await pilot.pause()
        fill(app.screen, description="off-site copies", secret="rotated-secret-42")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, MainScreen), 10, "the form to close")
        assert isinstance(app.screen, MainScreen)
        point = store.backup_points.get("offsite")
        assert point.description == "off-site copies" and point.s3 is not None
        assert point.s3.secret_key.reveal() == "rotated-secret-42"
        assert b"rotated-secret-42" not in (tmp_path / "data" / "state.json").read_bytes()

        await pilot.press("x")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert store.backup_points.list() == [] and rows(app) == []
