"""The plan of a cluster create, in REFERENCE.md's order, every config built as data."""

from __future__ import annotations

import json
import secrets
import shlex
from dataclasses import dataclass
from pathlib import Path

import yaml

from engine.catalog import catalog
from engine.catalog.packages import needed_packages
from engine.clusters.actions import kubeconfig_download
from engine.clusters.plan import addons, kubeadm, runtime
from engine.clusters.plan.kubeadm import CONTROL_PLANE_HOST
from store.documents.cluster import Cluster
from store.documents.node import Node
from store.documents.operation import FileSpec, Operation, Step
from store.documents.registry import Registry
from store.store import Store

PACKAGES = "/opt/kctui/packages"
CONFIG_DIR = "/etc/kubernetes/kctui"
LB_CONFIG = "/etc/kubernetes/kctui-lb/haproxy.cfg"
LB_IMAGE = "docker.io/library/haproxy:2.8"  # carried by the Kubernetes package's images
INIT_RUN = f"{CONFIG_DIR}/.kubeadm-init.run.yaml"  # with the certificate key; removed after init

MODULES = "overlay\nbr_netfilter\nip_vs\nip_vs_rr\nip_vs_wrr\nip_vs_sh\nnf_conntrack\n"
SYSCTL = {
    "net.bridge.bridge-nf-call-iptables": "1",
    "net.bridge.bridge-nf-call-ip6tables": "1",
    "net.ipv4.ip_forward": "1",
    "net.ipv6.conf.all.forwarding": "1",
    "vm.swappiness": "0",
}
LIMITS = "* soft nofile 1048576\n* hard nofile 1048576\nroot soft nofile 1048576\nroot hard nofile 1048576\n"


@dataclass
class Members:
    masters: list[Node]
    workers: list[Node]

    @property
    def first(self) -> Node:
        return self.masters[0]

    @property
    def all(self) -> list[Node]:
        return self.masters + self.workers


def address(node: Node) -> str:
    return node.facts.default_ipv4 or node.address


def _names(nodes: list[Node]) -> list[str]:
    return [n.name for n in nodes]


def _map(nodes: list[Node]) -> str:
    """name=address pairs a script picks its own from, by $KCTUI_NODE."""
    return " ".join(f"{n.name}={address(n)}" for n in nodes)


def point_api_host(variable: str) -> str:
    """Lines mapping the control-plane name to the address in $variable in /etc/hosts."""
    return (
        f'sed -i "/ {CONTROL_PLANE_HOST}$/d" /etc/hosts\n'
        f'echo "${variable} {CONTROL_PLANE_HOST}" >> /etc/hosts\n'
    )


PICK_ADDRESS = 'ADDR=$(printf "%s\\n" $ADDRESSES | sed -n "s/^$KCTUI_NODE=//p")\n'


def _package_path(store: Store, package_id: str) -> Path:
    pkg = store.resources.get(package_id)
    return store.resources_dir / pkg.archive


def download_script(urls: list[str]) -> str:
    """Online mode: fetch each package and its .sha256 from the mirror, and check it."""
    lines = [f"mkdir -p {PACKAGES}", f"cd {PACKAGES}"]
    for url in urls:
        name = url.rsplit("/", 1)[1]
        q = shlex.quote
        lines += [
            f"curl -fsSL --retry 3 -o {q(name)}.part {q(url)}",
            f"curl -fsSL --retry 3 -o {q(name)}.sha256 {q(url + '.sha256')}",
            f'echo "$(cut -d" " -f1 {q(name)}.sha256)  {q(name)}.part" | sha256sum -c --quiet -',
            f"mv -f {q(name)}.part {q(name)}",
        ]
    return "\n".join(lines) + "\n"


def plan_create(cluster: Cluster, store: Store, mirror: str = "") -> Operation:
    spec = cluster.spec
    nodes = {n.name: n for n in store.nodes.list()}
    m = Members([nodes[x.node] for x in spec.masters], [nodes[x.node] for x in spec.workers])
    arch = m.first.facts.arch or "amd64"
    release = catalog.release(spec.kubernetes_version)
    registry: Registry | None = (
        store.registries.get(spec.image_registry) if spec.image_registry else None
    )
    several = len(m.masters) > 1
    vip = spec.networking.worker_node_vip

    packages = {n.name: n for n in needed_packages(spec, arch)}
    if spec.offline:
        archives = {name: _package_path(store, need.package_id) for name, need in packages.items()}
    else:
        archives = {name: Path(f"{need.package_id}.tar.gz") for name, need in packages.items()}
    cri = spec.container_runtime.type
    unpacked = {name: f"{PACKAGES}/{need.package_id}" for name, need in packages.items()}

    sans = list(
        dict.fromkeys([CONTROL_PLANE_HOST, *[address(n) for n in m.masters], *spec.cert_sans])
    )
    if spec.networking.external_ip:
        sans.append(spec.networking.external_ip)
    if several and vip:
        sans.append(vip)
    cert_key = secrets.token_hex(32)
    pause = f"registry.k8s.io/pause:{release.pause if release else '3.9'}"

    steps: list[Step] = []
    add = steps.append

    add(
        Step(
            name="preflight",
            title="check the nodes",
            nodes=_names(m.all),
            timeout=60,
            script=(
                'for c in tar sha256sum install; do command -v $c >/dev/null || { echo "missing: $c" >&2; exit 1; }; done\n'
                'if [ -n "$(ls -A /etc/kubernetes/manifests 2>/dev/null)" ] && [ ! -f /etc/kubernetes/kctui/owner ]; then\n'
                "  echo 'this node already runs a Kubernetes control plane not made by kctui' >&2; exit 1; fi\n"
                'echo "$(hostname) ready"\n'
            ),
        )
    )
    point = store.backup_points.find(spec.backup_point) if spec.backup_point else None
    if point is not None and point.type == "fs":
        # Backups will be kept there; better to learn now that it is missing than at 2 a.m.
        add(
            Step(
                name="backup-point",
                title=f"backup point {point.name}: {point.fs_path} on the control plane",
                nodes=_names(m.masters),
                timeout=30,
                env={"BACKUP_PATH": point.fs_path},
                script=(
                    'test -d "$BACKUP_PATH" || { echo "spec.backupPoint: $BACKUP_PATH does not '
                    "exist on $(hostname); create it (or mount the share) on every control-plane "
                    'node, or leave backupPoint out and attach it later" >&2; exit 1; }\n'
                    'echo "$BACKUP_PATH is there"\n'
                ),
            )
        )
    add(
        Step(
            name="hosts-masters",
            title=f"{CONTROL_PLANE_HOST} on control-plane nodes",
            nodes=_names(m.masters),
            env={"TARGET": address(m.first)},
            script=point_api_host("TARGET"),
        )
    )
    if m.workers:
        add(
            Step(
                name="hosts-workers",
                title=f"{CONTROL_PLANE_HOST} on workers",
                nodes=_names(m.workers),
                # With several control-plane nodes, workers join through the first one and move
                # to the balancer on the VIP once their kubelet runs it (step worker-vip).
                env={"TARGET": address(m.first)},
                script=point_api_host("TARGET"),
            )
        )
    sysctl = "".join(f"{k} = {v}\n" for k, v in SYSCTL.items())
    add(
        Step(
            name="node-files",
            title="kernel modules, sysctl and limits",
            action="upload",
            nodes=_names(m.all),
            files=[
                FileSpec(dest="/etc/modules-load.d/kctui-k8s.conf", content=MODULES),
                FileSpec(dest="/etc/sysctl.d/99-kctui-k8s.conf", content=sysctl),
                FileSpec(dest="/etc/security/limits.d/90-kctui.conf", content=LIMITS),
            ],
        )
    )
    add(
        Step(
            name="node-env",
            title="load modules, apply sysctl, swap off",
            nodes=_names(m.all),
            script=(
                'while read -r mod; do [ -n "$mod" ] && modprobe "$mod"; done < /etc/modules-load.d/kctui-k8s.conf\n'
                "sysctl --system >/dev/null\n"
                "swapoff -a\n"
                "sed -ri '/\\sswap\\s/ s/^([^#])/#\\1/' /etc/fstab 2>/dev/null || true\n"
                "mkdir -p /etc/kubernetes/kctui && echo kctui > /etc/kubernetes/kctui/owner\n"
            ),
        )
    )
    everywhere = ["kubernetes", cri, "calico"]
    everywhere += (["nfs-provisioner"] if spec.storage.nfs else []) + (
        ["ceph-csi"] if spec.storage.ceph else []
    )
    if spec.offline:
        add(
            Step(
                name="packages",
                title="copy resource packages",
                action="upload",
                nodes=_names(m.all),
                files=[
                    FileSpec(
                        source=str(archives[p]), dest=f"{PACKAGES}/{archives[p].name}", mode=0o600
                    )
                    for p in everywhere
                ],
            )
        )
    else:
        urls = [catalog.download_url(p, packages[p].version, arch, mirror) for p in everywhere]
        add(
            Step(
                name="download",
                title="download packages from the mirror",
                nodes=_names(m.all),
                timeout=1800,
                retries=2,
                script=download_script(urls),
            )
        )
    unpack = "".join(
        f"mkdir -p {unpacked[p]} && tar -xzf {PACKAGES}/{archives[p].name} -C {unpacked[p]}\n"
        for p in everywhere
    )
    add(Step(name="unpack", title="unpack packages", nodes=_names(m.all), script=unpack))
    add(
        Step(
            name="runtime",
            title=f"install {cri}",
            nodes=_names(m.all),
            script=(
                f"install -m 0755 {unpacked[cri]}/bin/* /usr/local/bin/\n"
                f"install -m 0644 {unpacked[cri]}/systemd/*.service /etc/systemd/system/\n"
                f"mkdir -p {shlex.quote(spec.container_runtime.root_dir)}\n"
            ),
        )
    )
    files = [
        FileSpec(
            dest="/etc/containerd/config.toml",
            merge="toml",
            content=json.dumps(runtime.containerd_config(spec, pause)),
        )
    ]
    files += [
        FileSpec(dest=path, content=content, mode=0o600 if path.endswith(".toml") else 0o644)
        for path, content in runtime.registry_files(spec, registry).items()
    ]
    add(
        Step(
            name="runtime-config",
            title=f"{cri} configuration",
            action="upload",
            nodes=_names(m.all),
            files=files,
        )
    )
    auth = runtime.registry_auth(registry)
    if auth:
        add(
            Step(
                name="registry-auth",
                title=f"credentials for {registry.host if registry else ''}",
                nodes=_names(m.all),
                secrets={"REGISTRY_AUTH": auth},
                script=(
                    f"{{ grep -l {runtime.AUTH_PLACEHOLDER} {runtime.CERTS_D}/*/hosts.toml || true; }} | while read -r f; do\n"
                    f'  sed -i "s|{runtime.AUTH_PLACEHOLDER}|$REGISTRY_AUTH|" "$f"\n'
                    "done\n"
                ),
            )
        )
    add(
        Step(
            name="runtime-start",
            title=f"start {cri}",
            nodes=_names(m.all),
            script=(
                f"systemctl daemon-reload\nsystemctl enable --now {cri}\nsystemctl restart {cri}\n"
                f"systemctl is-active --quiet {cri}\n"
            ),
        )
    )
    k8s = unpacked["kubernetes"]
    add(
        Step(
            name="kubernetes",
            title="install kubeadm, kubelet, kubectl",
            nodes=_names(m.all),
            script=(
                f"install -m 0755 {k8s}/bin/kubeadm {k8s}/bin/kubelet {k8s}/bin/kubectl /usr/local/bin/\n"
                f"install -m 0644 {k8s}/systemd/kubelet.service /etc/systemd/system/\n"
                "mkdir -p /etc/systemd/system/kubelet.service.d\n"
                f"install -m 0644 {k8s}/systemd/10-kubeadm.conf /etc/systemd/system/kubelet.service.d/\n"
                "systemctl daemon-reload\nsystemctl enable kubelet\n"
            ),
        )
    )
    if spec.offline and registry is None:
        imports = "".join(
            f"if [ -f {unpacked[p]}/images/images.tar ]; then ctr -n k8s.io images import {unpacked[p]}/images/images.tar; fi\n"
            for p in everywhere
        )
        add(Step(name="images", title="import images", nodes=_names(m.all), script=imports))

    def master_taints(i: int) -> list[dict[str, str]]:
        return kubeadm.taints_for_master(spec, spec.masters[i].taints)

    init_doc = kubeadm.documents(
        kubeadm.init_configuration(spec, m.first.name, address(m.first), master_taints(0)),
        kubeadm.cluster_configuration(spec, sans),
        kubeadm.kubelet_configuration(spec),
        kubeadm.kube_proxy_configuration(spec),
    )
    add(
        Step(
            name="kubeadm-config",
            title="kubeadm configuration",
            action="upload",
            nodes=[m.first.name],
            files=[FileSpec(dest=f"{CONFIG_DIR}/kubeadm-init.yaml", content=init_doc, mode=0o600)],
        )
    )
    add(
        Step(
            name="init",
            title="kubeadm init",
            nodes=[m.first.name],
            timeout=900,
            secrets={"CERT_KEY": cert_key},
            script=(
                "if [ ! -f /etc/kubernetes/admin.conf ]; then\n"
                f"  umask 077; trap 'rm -f {INIT_RUN}' EXIT\n"
                f'  sed "s/{kubeadm.CERTIFICATE_KEY_PLACEHOLDER}/$CERT_KEY/" {CONFIG_DIR}/kubeadm-init.yaml > {INIT_RUN}\n'
                f"  kubeadm init --config {INIT_RUN} --upload-certs\n"
                "fi\n"
                "mkdir -p /root/.kube && cp /etc/kubernetes/admin.conf /root/.kube/config\n"
                'echo "KCTUI_OUTPUT join_command=$(kubeadm token create --print-join-command)"\n'
            ),
        )
    )
    join_cp = (
        "if [ -f /etc/kubernetes/kubelet.conf ]; then echo 'already joined'; exit 0; fi\n"
        + PICK_ADDRESS
        + '$KCTUI_OUT_JOIN_COMMAND --control-plane --certificate-key "$CERT_KEY" '
        '--apiserver-advertise-address "$ADDR" --node-name "$KCTUI_NODE"\n'
        + point_api_host("ADDR")
        + "mkdir -p /root/.kube && cp /etc/kubernetes/admin.conf /root/.kube/config\n"
    )
    if several:
        add(
            Step(
                name="join-control-plane",
                title="join control-plane nodes, one at a time",
                nodes=_names(m.masters[1:]),
                concurrency="one",
                timeout=900,
                env={"ADDRESSES": _map(m.masters)},
                secrets={"CERT_KEY": cert_key},
                script=join_cp,
            )
        )
    if m.workers and several:
        add(
            Step(
                name="worker-lb",
                title=f"load balancer on {vip} for workers (a static pod)",
                action="upload",
                nodes=_names(m.workers),
                files=[
                    FileSpec(
                        dest=LB_CONFIG, content=haproxy_config(vip, [address(n) for n in m.masters])
                    ),
                    FileSpec(
                        dest="/etc/kubernetes/manifests/kctui-lb.yaml",
                        content=yaml.safe_dump(lb_pod(), sort_keys=False),
                    ),
                ],
            )
        )
    if m.workers:
        # The balancer's manifest is in place before the join, so kubeadm's check that the
        # manifests directory is empty is skipped, as kubespray does for its API-server proxy.
        ignore = (
            " --ignore-preflight-errors=DirAvailable--etc-kubernetes-manifests" if several else ""
        )
        add(
            Step(
                name="join-workers",
                title="join workers",
                nodes=_names(m.workers),
                timeout=900,
                env={"VIP": vip} if several else {},
                script=(
                    "if [ -f /etc/kubernetes/kubelet.conf ]; then echo 'already joined'; exit 0; fi\n"
                    + (
                        'ip addr show dev lo | grep -q " $VIP/32 " || ip addr add "$VIP/32" dev lo\n'
                        if several
                        else ""
                    )
                    + f'$KCTUI_OUT_JOIN_COMMAND --node-name "$KCTUI_NODE"{ignore}\n'
                ),
            )
        )
    if m.workers and several:
        add(
            Step(
                name="worker-vip",
                title=f"workers reach the API servers through {vip}",
                nodes=_names(m.workers),
                env={"VIP": vip},
                timeout=180,
                script=(
                    "for i in $(seq 1 300); do (exec 3<>/dev/tcp/$VIP/6443) 2>/dev/null && break; sleep 0.5; done\n"
                    '(exec 3<>/dev/tcp/$VIP/6443) 2>/dev/null || { echo "the balancer does not answer on $VIP:6443: crictl ps and journalctl -u kubelet say why" >&2; exit 1; }\n'
                    + point_api_host("VIP")
                    + "systemctl restart kubelet\n"
                ),
            )
        )
    calico_dir = unpacked["calico"]
    add(
        Step(
            name="cni-config",
            title="Calico installation",
            action="upload",
            nodes=[m.first.name],
            files=[
                FileSpec(
                    dest=f"{CONFIG_DIR}/calico-installation.yaml",
                    content=yaml.safe_dump(addons.calico_installation(spec), sort_keys=False),
                )
            ],
        )
    )
    add(
        Step(
            name="cni",
            title="Calico",
            nodes=[m.first.name],
            script=(
                # Calico's CRDs are too large for the last-applied annotation of a client-side
                # apply; the Installation needs its CRD Established first.
                f"kubectl apply --server-side --force-conflicts -f {calico_dir}/manifests/\n"
                "kubectl wait --for=condition=Established --timeout=120s crd --all\n"
                f"kubectl apply -f {CONFIG_DIR}/calico-installation.yaml\n"
            ),
        )
    )
    add(
        Step(
            name="taints-labels",
            title="taints and labels",
            nodes=[m.first.name],
            script=taints_and_labels(cluster),
        )
    )
    storage_docs: list[dict[str, object]] = []
    storage_secrets: dict[str, str] = {}
    default = spec.storage.default_storage_class
    for i, nfs in enumerate(spec.storage.nfs):
        storage_docs += addons.nfs_provisioner(i, nfs, nfs.storage_class_name == default)
    ceph_script = ""
    if spec.storage.ceph:
        storage_docs.append(addons.ceph_csi_config(spec.storage.ceph))
        ceph_script += (
            f"kubectl apply --server-side --force-conflicts -f {unpacked['ceph-csi']}/manifests/\n"
        )
    for i, ceph in enumerate(spec.storage.ceph):
        storage_class, secret_name = addons.ceph_rbd(ceph, ceph.storage_class_name == default)
        storage_docs.append(storage_class)
        var = f"CEPH_KEY_{i}"
        storage_secrets[var] = ceph.key.reveal() if ceph.key else ""
        ceph_script += (
            f"kubectl -n kube-system delete secret {secret_name} --ignore-not-found\n"
            f"kubectl -n kube-system create secret generic {secret_name} "
            f'--from-literal=userID={shlex.quote(ceph.user)} --from-literal=userKey="${var}"\n'
        )
    if storage_docs:
        add(
            Step(
                name="storage-config",
                title="storage classes",
                action="upload",
                nodes=[m.first.name],
                files=[
                    FileSpec(
                        dest=f"{CONFIG_DIR}/storage.yaml",
                        content=yaml.safe_dump_all(storage_docs, sort_keys=False),
                    )
                ],
            )
        )
        rbac = (
            f"kubectl apply -f {unpacked['nfs-provisioner']}/manifests/\n"
            if spec.storage.nfs
            else ""
        )
        add(
            Step(
                name="storage",
                title="storage plugins",
                nodes=[m.first.name],
                secrets=storage_secrets,
                script=rbac + ceph_script + f"kubectl apply -f {CONFIG_DIR}/storage.yaml\n",
            )
        )
    add(
        Step(
            name="health",
            title="all nodes Ready, every pod running",
            nodes=[m.first.name],
            timeout=900,
            retries=1,
            script=HEALTH,
        )
    )
    add(
        Step(
            name="fetch-kubeconfig",
            title="admin kubeconfig",
            action="download",
            nodes=[m.first.name],
            files=[
                FileSpec(
                    source="/etc/kubernetes/admin.conf",
                    dest=str(kubeconfig_download(store, cluster.name)),
                )
            ],
        )
    )
    add(
        Step(
            name="save-kubeconfig",
            title="save the kubeconfig on the jump host",
            action="local",
            call="save-kubeconfig",
            args={
                "cluster": cluster.name,
                "server": f"https://{address(m.first)}:{kubeadm.API_PORT}",
            },
        )
    )
    return Operation(
        type="create-cluster", cluster=cluster.name, steps=steps, params={"nodes": _names(m.all)}
    )


# Controllers make pods a few seconds after their workloads; an image that cannot be pulled
# for a minute fails the create, naming it, rather than leaving the pod in back-off.
HEALTH = """\
kubectl wait --for=condition=Ready nodes --all --timeout=300s
sleep 5
pulls=0
for i in $(seq 1 60); do
  pending=$(kubectl get pods -A --no-headers | awk '$4 != "Running" && $4 != "Completed"')
  if [ -z "$pending" ]; then echo "every pod runs"; exit 0; fi
  if echo "$pending" | grep -Eq 'ImagePullBackOff|ErrImagePull|InvalidImageName'; then
    pulls=$((pulls + 1))
  else
    pulls=0
  fi
  [ "$pulls" -ge 12 ] && break
  sleep 5
done
echo "pods that do not run:" >&2
echo "$pending" >&2
echo "$pending" | awk '$4 ~ /Image/ {print $1, $2}' | while read -r ns pod; do
  kubectl -n "$ns" get pod "$pod" -o yaml | grep -E '^ *message:' >&2 || true
done
exit 1
"""


def taints_and_labels(cluster: Cluster) -> str:
    spec = cluster.spec
    key = kubeadm.control_plane_taint_key(spec.kubernetes_version)
    lines = []
    q = shlex.quote
    for master in spec.masters:
        if master.taints is not None:  # explicit: replace the default control-plane taint
            lines.append(
                f"kubectl taint nodes {q(master.node)} {key}:NoSchedule- 2>/dev/null || true"
            )
        for t in master.taints or []:
            lines.append(
                f"kubectl taint nodes {q(master.node)} {q(_taint_arg(t.key, t.value, t.effect))} --overwrite"
            )
        for k, v in master.labels.items():
            lines.append(f"kubectl label nodes {q(master.node)} {q(f'{k}={v}')} --overwrite")
    for worker in spec.workers:
        for t in worker.taints:
            lines.append(
                f"kubectl taint nodes {q(worker.node)} {q(_taint_arg(t.key, t.value, t.effect))} --overwrite"
            )
        for k, v in worker.labels.items():
            lines.append(f"kubectl label nodes {q(worker.node)} {q(f'{k}={v}')} --overwrite")
    return "\n".join([*lines, "echo 'taints and labels set'"]) + "\n"


def _taint_arg(key: str, value: str, effect: str) -> str:
    return f"{key}={value}:{effect}" if value else f"{key}:{effect}"


def haproxy_config(vip: str, masters: list[str]) -> str:
    servers = "".join(f"    server master{i} {ip}:6443 check\n" for i, ip in enumerate(masters))
    return (
        "global\n    maxconn 4000\n\ndefaults\n    mode tcp\n    timeout connect 5s\n"
        "    timeout client 1h\n    timeout server 1h\n\n"
        f"frontend kube-apiserver\n    bind {vip}:6443\n    default_backend masters\n\n"
        f"backend masters\n    balance roundrobin\n{servers}"
    )


def lb_pod() -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "kctui-lb",
            "namespace": "kube-system",
            "labels": {"component": "kctui-lb"},
        },
        "spec": {
            "hostNetwork": True,
            "priorityClassName": "system-node-critical",
            "containers": [
                {
                    "name": "haproxy",
                    "image": LB_IMAGE,
                    "command": ["haproxy", "-f", LB_CONFIG],
                    "volumeMounts": [{"name": "config", "mountPath": LB_CONFIG, "readOnly": True}],
                }
            ],
            "volumes": [{"name": "config", "hostPath": {"path": LB_CONFIG, "type": "File"}}],
        },
    }
