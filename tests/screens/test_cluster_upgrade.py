"""The upgrade action of a cluster's screen, with Pilot: only the versions the rules allow are
offered, the others said with why."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList, Static

from kctui.app import make_app
from screens.clusters.attach import Picker
from store.documents.resource import ResourcePackage
from store.settings import Settings
from tests.screens.test_cluster_backups import on_tab
from tests.screens.test_cluster_workers import seeded
from tests.screens.waits import until


async def test_only_the_versions_the_rules_allow_are_offered(tmp_path: Path) -> None:
    store = seeded(tmp_path)  # c1 runs v1.28.15
    store.clusters.update("c1", lambda c: setattr(c.status, "kubernetes_version", "v1.28.15"))
    for version in ("v1.29.10", "v1.30.6"):
        store.resources.add(
            ResourcePackage(name="kubernetes", type="k8s", version=version, arch="amd64")
        )
    app = make_app(store, Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await on_tab(app, pilot, store, "nodes")
        await pilot.press("U")
        await until(pilot, lambda: isinstance(app.screen, Picker), what="the versions")
        choices = app.screen.query_one(OptionList)
        offered = [str(choices.get_option_at_index(i).prompt) for i in range(choices.option_count)]
        assert offered == ["v1.29.10"]
        said = str(app.screen.query_one(Static).render())
        assert "v1.30.6: v1.30.6 skips a minor version" in said
        assert "v1.27.16: v1.27.16 is older than the cluster's" in said
        assert "v1.31.2" in said
