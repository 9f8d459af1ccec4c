"""The lab's tools refuse what the real ones refuse, with their messages, for each form an
earlier plan used; the forms the plan uses now pass (docs/fidelity.md)."""

from __future__ import annotations

import gzip
import secrets
import shlex
from pathlib import Path

import pytest
import yaml

from engine.catalog import catalog
from engine.clusters.plan import addons, kubeadm, runtime
from engine.clusters.plan.context import LB_CONFIG
from engine.clusters.plan.control_plane import haproxy_config, lb_pod
from engine.clusters.plan.create import HEALTH
from engine.execution.merge import merge_toml
from kctui.lab.state import Lab
from store.documents.cluster import ClusterSpec
from store.documents.registry import Registry
from store.secrets import Secret
from tests.fidelity.validators import FIXTURES
from tests.labkit import install, kubeadm_config, out, ssh, wait_for
from tests.registry import lab_registry, push

pytestmark = pytest.mark.lab


def prepare(lab: Lab, host: str, packages: dict[str, Path], version: str) -> None:
    """containerd and Kubernetes from their packages, images imported, and containerd's config
    as the plan writes it (the sandbox image of the version)."""
    for name in ("containerd-1.7.22-amd64", f"kubernetes-{version}-amd64"):
        install(lab, host, packages[name])
    release = catalog.release(version)
    assert release is not None
    config = runtime.containerd_config(ClusterSpec(), f"registry.k8s.io/pause:{release.pause}")
    toml = merge_toml("", config)
    ssh(
        lab,
        host,
        "mkdir -p /etc/containerd && cat > /etc/containerd/config.toml",
        input=toml.encode(),
    )
    ssh(lab, host, "systemctl enable --now containerd")


def plan_init(host: str, address: str, version: str, **networking: object) -> tuple[str, str]:
    """The plan's kubeadm-init.yaml for a one-node cluster, with the key the init step puts in."""
    spec = ClusterSpec.model_validate(
        {"kubernetesVersion": version, "masters": [{"node": host}], "networking": networking}
    )
    key = secrets.token_hex(32)
    doc = kubeadm.documents(
        kubeadm.init_configuration(spec, host, address, kubeadm.taints_for_master(spec, None)),
        kubeadm.cluster_configuration(spec, [kubeadm.CONTROL_PLANE_HOST, address]),
        kubeadm.kubelet_configuration(spec),
        kubeadm.kube_proxy_configuration(spec),
    )
    return doc.replace(kubeadm.CERTIFICATE_KEY_PLACEHOLDER, key), key


def refused(lab: Lab, host: str, command: str, message: str) -> None:
    done = ssh(lab, host, command, check=False)
    assert done.returncode == 1, done.stdout.decode()
    assert message in done.stderr.decode(), done.stderr.decode()
    nothing = "find /etc/kubernetes/manifests /etc/kubernetes/pki -type f 2>/dev/null || true"
    assert out(lab, host, nothing) == ""  # refused before anything was written


@pytest.mark.parametrize("version", ["v1.28.15", "v1.31.2"])
def test_kubeadm_refuses_the_old_init_and_takes_the_plans(
    fresh_lab: Lab, lab_packages: dict[str, Path], version: str
) -> None:
    lab, h = fresh_lab, fresh_lab.hosts[0]
    prepare(lab, h.name, lab_packages, version)
    ssh(lab, h.name, f"echo '{h.address} {kubeadm.CONTROL_PLANE_HOST}' >> /etc/hosts")
    doc, key = plan_init(h.name, h.address, version)
    ssh(lab, h.name, "cat > /root/init.yaml", input=doc.encode())

    # the certificate key as a flag beside --config (kubeadm's ValidateMixedArguments)
    refused(
        lab,
        h.name,
        f"kubeadm init --config /root/init.yaml --upload-certs --certificate-key {key}",
        "can not mix '--config' with arguments [certificate-key]",
    )
    # the guide's IPv6 pod network, smaller than kubeadm's /64 node mask
    old6, _ = plan_init(
        h.name,
        h.address,
        version,
        ipFamily="IPv4+IPv6",
        services=["10.96.0.0/16", "fd03::/112"],
        pods=["172.25.0.0/16", "fd05::/120"],
    )
    ssh(lab, h.name, "cat > /root/old6.yaml", input=old6.encode())
    refused(
        lab,
        h.name,
        "kubeadm init --config /root/old6.yaml --upload-certs",
        'networking.podSubnet: Invalid value: "fd05::/120": the size of pod subnet with mask 120 '
        "is smaller than the size of node subnet with mask 64",
    )
    # an unknown field, and (v1beta4) kubeletExtraArgs as v1beta3's map
    docs = list(yaml.safe_load_all(doc))
    docs[0]["nodeRegistration"]["kubeletExtraArgs"] = {"node-ip": h.address}
    docs[1]["networking"]["podSubnets"] = "172.25.0.0/16"
    ssh(lab, h.name, "cat > /root/old.yaml", input=yaml.safe_dump_all(docs).encode())
    group = "v1beta4" if version == "v1.31.2" else "v1beta3"
    refused(
        lab,
        h.name,
        "kubeadm init --config /root/old.yaml --upload-certs",
        "json: cannot unmarshal object into Go struct field NodeRegistrationOptions."
        "nodeRegistration.kubeletExtraArgs of type []v1beta4.Arg"
        if group == "v1beta4"
        else 'strict decoding error: unknown field "networking.podSubnets"',
    )

    printed = out(lab, h.name, "kubeadm init --config /root/init.yaml --upload-certs")
    assert f"Using certificate key:\n{key}" in printed
    assert f"--node-ip={h.address}" in out(lab, h.name, "cat /var/lib/kubelet/kubeadm-flags.env")
    wait_for(
        lambda: " Ready " in out(lab, h.name, "kubectl get nodes --no-headers") + " ",
        what="the node Ready",
    )


def test_kubectl_refuses_calicos_crd_client_side_and_a_resource_before_its_crd(
    fresh_lab: Lab, lab_packages: dict[str, Path]
) -> None:
    lab, h = fresh_lab, fresh_lab.hosts[0]
    prepare(lab, h.name, lab_packages, "v1.28.15")
    ssh(lab, h.name, "cat > /root/k.yaml", input=kubeadm_config(h.name, h.address).encode())
    ssh(lab, h.name, "kubeadm init --config /root/k.yaml")
    crd = gzip.decompress(
        (
            FIXTURES / "calico" / "calico-v3.27.3-installations.operator.tigera.io.yaml.gz"
        ).read_bytes()
    )
    assert len(crd) > 262144
    ssh(lab, h.name, "cat > /root/crd.yaml", input=crd)
    installation = addons.calico_installation(ClusterSpec())
    ssh(lab, h.name, "cat > /root/inst.yaml", input=yaml.safe_dump(installation).encode())

    old = ssh(lab, h.name, "kubectl apply -f /root/crd.yaml", check=False)
    assert old.returncode == 1
    assert (
        'The CustomResourceDefinition "installations.operator.tigera.io" is invalid: '
        "metadata.annotations: Too long: must have at most 262144 bytes"
    ) in old.stderr.decode()
    early = ssh(
        lab,
        h.name,
        "kubectl apply --server-side --force-conflicts -f /root/crd.yaml"
        " && kubectl apply -f /root/inst.yaml",
        check=False,
    )
    assert early.returncode == 1
    assert (
        'no matches for kind "Installation" in version "operator.tigera.io/v1"\n'
        "ensure CRDs are installed first"
    ) in early.stderr.decode()
    done = out(
        lab,
        h.name,
        "kubectl wait --for=condition=Established --timeout=30s crd --all"
        " && kubectl apply -f /root/inst.yaml",
    )
    assert "condition met" in done and "installation/default created" in done


def test_kubelet_needs_a_kubeconfig_and_static_pods_see_only_their_mounts(
    fresh_lab: Lab, lab_packages: dict[str, Path]
) -> None:
    lab, h = fresh_lab, fresh_lab.hosts[0]
    prepare(lab, h.name, lab_packages, "v1.28.15")
    flags = (
        "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf "
        "--kubeconfig=/etc/kubernetes/kubelet.conf --config=/var/lib/kubelet/config.yaml"
    )
    # a worker before its join: kubeadm's drop-in, no kubeconfig and no bootstrap kubeconfig
    early = ssh(lab, h.name, f"timeout 10 kubelet {flags}", check=False)
    assert early.returncode == 1
    assert (
        "failed to run Kubelet: unable to load bootstrap kubeconfig: stat "
        "/etc/kubernetes/bootstrap-kubelet.conf: no such file or directory"
    ) in early.stderr.decode()

    ssh(lab, h.name, "cat > /root/k.yaml", input=kubeadm_config(h.name, h.address).encode())
    ssh(lab, h.name, "kubeadm init --config /root/k.yaml")
    vip = "169.254.169.100"
    ssh(lab, h.name, f"ip addr add {vip}/32 dev lo")
    ssh(lab, h.name, f"mkdir -p {Path(LB_CONFIG).parent} && cat > {LB_CONFIG}",
        input=haproxy_config(vip, [h.address]).encode())  # fmt: skip
    pod = lb_pod()
    bare = yaml.safe_load(yaml.safe_dump(pod))
    del bare["spec"]["containers"][0]["volumeMounts"]  # the old manifest
    manifest = "/etc/kubernetes/manifests/kctui-lb.yaml"
    ssh(lab, h.name, f"cat > {manifest}", input=yaml.safe_dump(bare).encode())
    wait_for(
        lambda: (
            "Cannot open configuration file/directory"
            in out(lab, h.name, "cat /var/log/pods/kctui-lb.log 2>/dev/null || true")
        ),
        what="haproxy to find no configuration",
    )
    ssh(lab, h.name, f"cat > {manifest}", input=yaml.safe_dump(pod).encode())
    wait_for(
        lambda: ssh(lab, h.name, f"exec 3<>/dev/tcp/{vip}/6443", check=False).returncode == 0,
        what=f"haproxy answering on {vip}:6443",
    )


def test_a_worker_join_refuses_a_manifests_dir_that_is_not_empty(
    lab: Lab, lab_packages: dict[str, Path]
) -> None:
    host = lab.hosts[2].name
    prepare(lab, host, lab_packages, "v1.28.15")
    ssh(lab, host, "mkdir -p /etc/kubernetes/manifests && touch /etc/kubernetes/manifests/x.yaml")
    join = (
        "kubeadm join 10.255.0.1:6443 --token abcdef.0123456789abcdef "
        f"--discovery-token-ca-cert-hash sha256:{'0' * 64}"
    )
    done = ssh(lab, host, join, check=False)
    assert done.returncode == 1
    assert (
        "[ERROR DirAvailable--etc-kubernetes-manifests]: /etc/kubernetes/manifests is not empty"
        in done.stderr.decode()
    )
    ssh(lab, host, "rm -r /etc/kubernetes/manifests")  # the host is shared with other tests


def test_images_come_only_from_an_import_or_a_registry_the_node_reaches(
    fresh_lab: Lab, lab_packages: dict[str, Path], tmp_path: Path
) -> None:
    lab, h = fresh_lab, fresh_lab.hosts[0]
    prepare(lab, h.name, lab_packages, "v1.28.15")
    ssh(lab, h.name, "cat > /root/k.yaml", input=kubeadm_config(h.name, h.address).encode())
    ssh(lab, h.name, "kubeadm init --config /root/k.yaml")
    with lab_registry(lab.gateway, tmp_path / "registry") as reg:
        push(reg, ["docker.io/library/nginx:1.25"])
        registry = Registry(
            name="lab", host=reg.host, ca_pem=reg.ca.read_text(), username=reg.user,
            password=Secret(reg.password),
        )  # fmt: skip
        auth = runtime.registry_auth(registry)
        for path, content in runtime.registry_files(ClusterSpec(), registry).items():
            content = content.replace(runtime.AUTH_PLACEHOLDER, auth)
            ssh(
                lab,
                h.name,
                f"mkdir -p '{Path(path).parent}' && cat > '{path}'",
                input=content.encode(),
            )
        workloads = [
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": name, "namespace": "default"},
                "spec": {
                    "selector": {"matchLabels": {"app": name}},
                    "template": {
                        "metadata": {"labels": {"app": name}},
                        "spec": {"containers": [{"name": name, "image": image}]},
                    },
                },
            }
            for name, image in (("web", "nginx:1.25"), ("ghost", "docker.io/library/ghost:0"))
        ]
        ssh(lab, h.name, "kubectl apply -f -", input=yaml.safe_dump_all(workloads).encode())

        def pods() -> dict[str, str]:
            rows = out(lab, h.name, "kubectl get pods --no-headers").splitlines()
            return {r.split()[0].split("-", 1)[0]: r.split()[2] for r in rows}

        wait_for(lambda: len(pods()) == 2, what="the pods of both deployments")
        assert pods() == {"web": "Running", "ghost": "ImagePullBackOff"}
        stored = out(lab, h.name, "cat /var/lib/containerd/lab-images.json")
        assert f'"docker.io/library/nginx:1.25": "https://{reg.host}"' in stored
        assert reg.pulls()

        health = HEALTH.replace("sleep 5", "sleep 0.2")
        failed = ssh(lab, h.name, f"bash -euo pipefail -c {shlex.quote(health)}", check=False)
        assert failed.returncode == 1
        said = failed.stderr.decode()
        assert 'Failed to pull image "docker.io/library/ghost:0"' in said, said
        assert f"{reg.host}/v2/library/ghost/manifests/0" in said and "404" in said

        wrong = runtime.registry_auth(registry.model_copy(update={"password": Secret("nope")}))
        ssh(
            lab,
            h.name,
            f"sed -i 's|{auth}|{wrong}|' '/etc/containerd/certs.d/docker.io/hosts.toml'",
        )
        denied = ssh(lab, h.name, "crictl pull docker.io/library/nginx:1.26", check=False)
        assert denied.returncode == 1 and b"401 Unauthorized" in denied.stderr
