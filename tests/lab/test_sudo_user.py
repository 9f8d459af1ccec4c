"""A cluster whose only login on every node is a sudo user with a password (labop): create,
backup, restore and delete, every privileged read and write through sudo."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
import yaml

from engine.nodes.service import NodeService
from kctui.lab import lab as labs
from kctui.lab.state import SUDO_PASSWORD_USER
from store.documents.node import Node
from store.settings import Settings
from store.store import Store
from tests.cli import kctui
from tests.labkit import ETCDCTL, node_report, out, ssh

pytestmark = pytest.mark.lab
FS_PATH = "/var/backups/etcd"


def test_create_backup_restore_and_delete_as_a_sudo_user(
    lab_packages: dict[str, Path], tmp_path: Path
) -> None:
    if os.geteuid() != 0:
        pytest.skip("the lab needs root")
    name = f"su{os.getpid() % 10000}"
    lab = labs.up(name, 2)
    try:
        data = tmp_path / "data"
        store = Store(data)
        service = NodeService(store, Settings())
        for h in lab.hosts:
            node = Node(
                name=h.name,
                address=h.address,
                user=SUDO_PASSWORD_USER,
                password=lab.user_password,
                sudo_password=lab.user_password,
            )
            asyncio.run(service.add(node, h.host_key_fingerprint))
        store.close()
        for path in lab_packages.values():
            assert kctui(data, "resource", "push", str(path)).returncode == 0
        h = [x.name for x in lab.hosts]
        ssh(lab, h[0], f"mkdir -p {FS_PATH}")
        assert kctui(data, "backup-point", "add", "rack", "--fs", FS_PATH).returncode == 0
        spec = {
            "apiVersion": "kctui/v1",
            "kind": "Cluster",
            "metadata": {"name": "sudo"},
            "spec": {
                "masters": [{"node": h[0]}],
                "workers": [{"node": h[1]}],
                "kubernetesVersion": "v1.28.15",
                "backupPoint": "rack",
            },
        }
        path = tmp_path / "sudo.yaml"
        path.write_text(yaml.safe_dump(spec))
        created = kctui(data, "cluster", "create", "-f", str(path), "--yes", "--wait")
        assert created.returncode == 0, created.stdout + created.stderr + node_report(lab, h[0])
        kubeconfig = (data / "kubeconfigs" / "sudo.conf").read_text()
        assert "client-certificate-data" in kubeconfig  # admin.conf, read through sudo

        def namespaces() -> set[str]:
            keys = out(lab, h[0], f"{ETCDCTL} get --prefix /registry/namespaces/ --keys-only")
            return {k.rsplit("/", 1)[1] for k in keys.split()}

        assert (
            kctui(
                data, "cluster", "kubectl", "sudo", "--", "create", "namespace", "kept"
            ).returncode
            == 0
        )
        made = kctui(data, "backup", "create", "sudo", "--name", "one", "--json")
        assert made.returncode == 0, made.stdout + made.stderr
        backup = json.loads(made.stdout)["backup"]["name"]
        assert (
            kctui(
                data, "cluster", "kubectl", "sudo", "--", "delete", "namespace", "kept"
            ).returncode
            == 0
        )
        assert "kept" not in namespaces()
        restored = kctui(data, "backup", "restore", "sudo", backup, "--yes")
        assert restored.returncode == 0, restored.stdout + restored.stderr
        assert "kept" in namespaces()
        deleted = kctui(data, "cluster", "delete", "sudo", "--yes", "--force")
        assert deleted.returncode == 0, deleted.stdout + deleted.stderr
        assert out(lab, h[0], "ls -A /etc/kubernetes/manifests 2>/dev/null || true") == ""
    finally:
        labs.down(name)
