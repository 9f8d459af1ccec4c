"""Documents carry REFERENCE.md's defaults and the portable camelCase field names."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from store.documents import BackupPoint, Cluster, CronBackup, Template
from store.documents.cluster import CALICO_MODES, ClusterPhase, ClusterSpec, ContainerRuntimeSpec

SPEC_YAML = """
apiVersion: kctui/v1
kind: Cluster
metadata: {name: demo}
spec:
  masters: [{node: lab-1, taints: [], labels: {}}]
  workers: [{node: lab-2, labels: {disk: ssd}}, {node: lab-3}]
  certSANs: [k8s.example.lan]
  containerRuntime: {type: docker}
  networking: {externalIP: 10.0.0.100, workerNodeVip: 169.254.169.100}
  cni: {calico: {mode: Overlay-IPIP-All, mtu: 1400}}
  storage:
    nfs: [{serverAddr: 127.0.0.1, sharedPath: /exports/k8s}]
    ceph: [{monitors: ["127.0.0.1:6789"], clusterID: abc, key: ceph-secret}]
    defaultStorageClass: nfs-sc
"""


def test_defaults_follow_the_reference() -> None:
    spec = ClusterSpec()
    assert spec.region == "default" and spec.offline is True
    assert spec.etcd.data_dir == "/var/lib/etcd"
    assert spec.container_runtime.type == "containerd"
    assert spec.container_runtime.root_dir == "/var/lib/containerd"
    assert ContainerRuntimeSpec(type="docker").root_dir == "/var/lib/docker"
    net = spec.networking
    assert (net.services, net.pods) == (["10.96.0.0/16"], ["172.25.0.0/16"])
    assert net.dns_domain == "cluster.local" and net.worker_node_vip == "169.254.169.100"
    assert net.proxy_mode == "ipvs" and net.ip_family == "IPv4"
    assert spec.cni.calico.mode == "Overlay-Vxlan-All" and spec.cni.calico.mtu == 1440
    assert spec.cni.calico.ipv4_auto_detection == "first-found"
    assert len(CALICO_MODES) == 5
    assert [p.value for p in ClusterPhase][:3] == ["Installing", "InstallFailed", "Running"]


def test_spec_yaml_uses_the_portable_field_names() -> None:
    cluster = Cluster.model_validate(yaml.safe_load(SPEC_YAML))
    spec = cluster.spec
    assert spec.masters[0].taints == []  # explicit empty: no control-plane taint
    assert spec.workers[1].labels == {}
    assert spec.cert_sans == ["k8s.example.lan"]
    assert spec.networking.external_ip == "10.0.0.100"
    assert spec.container_runtime.root_dir == "/var/lib/docker"
    assert spec.storage.nfs[0].storage_class_name == "nfs-sc"
    assert spec.storage.ceph[0].cluster_id == "abc"
    dumped = cluster.model_dump(mode="json", by_alias=True)
    assert {"certSANs", "kubernetesVersion", "imageRegistry", "backupPoint"} <= set(dumped["spec"])
    assert "externalIP" in dumped["spec"]["networking"]
    assert dumped["spec"]["storage"]["ceph"][0]["key"] == "********"


def test_omitted_master_taints_mean_the_default_taint() -> None:
    spec = ClusterSpec.model_validate({"masters": [{"node": "a"}]})
    assert spec.masters[0].taints is None


def test_unknown_fields_and_bad_values_are_named() -> None:
    with pytest.raises(ValidationError) as err:
        ClusterSpec.model_validate(
            {"netwrking": {}, "cni": {"calico": {"mode": "Flannel"}}, "masters": [{"taints": []}]}
        )
    text = str(err.value)
    assert "netwrking" in text and "Extra inputs are not permitted" in text
    assert "cni.calico.mode" in text and "masters.0.node" in text


def test_typed_documents_refuse_inconsistent_shapes() -> None:
    with pytest.raises(ValidationError, match="fs backup point needs fsPath"):
        BackupPoint(name="p", type="fs")
    with pytest.raises(ValidationError, match="repeating schedule needs cron and keep"):
        CronBackup(name="c", cluster="x", type="repeat", cron="0 1 * * *")
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        CronBackup(name="c", cluster="x", type="repeat", cron="0 1 * * *", keep=0)
    with pytest.raises(ValidationError, match="holds no nodes"):
        Template(name="t", cluster=ClusterSpec.model_validate({"masters": [{"node": "a"}]}))
