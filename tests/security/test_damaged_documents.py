"""One damaged operation file is reported with its path and skipped: it neither hides the other
operations nor blocks a new create."""

from __future__ import annotations

from pathlib import Path

from engine.clusters.service import ClusterService
from store.documents.cluster import Cluster
from store.settings import Settings
from store.store import Store
from tests.cli import kctui
from tests.fidelity import matrix


def test_a_damaged_operation_file_is_skipped_and_named(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(data)
    matrix.populate(store, "")
    # online from a package mirror that is never asked: the plans need no pushed package
    service = ClusterService(store, Settings(mirror_base_url="http://127.0.0.1:9"))
    spec = {"masters": [{"node": "m1"}], "workers": [{"node": "w1"}], "offline": False}
    service.create(Cluster.model_validate({"metadata": {"name": "one"}, "spec": spec}))
    garbage = data / "operations" / "op-20200101-000000-bad000" / "operation.json"
    garbage.parent.mkdir(mode=0o700)
    garbage.write_bytes(b"\x00{not json")

    spec2 = {"masters": [{"node": "m2"}], "workers": [{"node": "w2"}], "offline": False}
    _, op = service.create(Cluster.model_validate({"metadata": {"name": "two"}, "spec": spec2}))
    assert store.clusters.get("two").status.last_operation == op.id
    store.close()

    listed = kctui(data, "operation", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.count("create-cluster") == 2
    assert f"skipped a damaged document: {garbage} cannot be read" in listed.stderr
    assert "Traceback" not in listed.stderr
