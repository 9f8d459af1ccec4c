"""The control plane made and joined: kubeadm init on the first control-plane node, the others
joined one at a time, and the workers joined (through a balancer on the VIP when there are
several control-plane nodes)."""

from __future__ import annotations

import yaml

from engine.catalog.images import LB_IMAGE
from engine.clusters.plan import kubeadm
from engine.clusters.plan.context import (
    CONFIG_DIR,
    INIT_RUN,
    LB_CONFIG,
    PICK_ADDRESS,
    CreateContext,
    address,
    names,
    node_map,
    point_api_host,
)
from store.documents.operation import FileSpec, Step


def control_plane_steps(c: CreateContext) -> list[Step]:
    spec = c.spec
    m = c.m
    several = c.several
    steps: list[Step] = []
    add = steps.append

    def master_taints(i: int) -> list[dict[str, str]]:
        return kubeadm.taints_for_master(spec, spec.masters[i].taints)

    init_doc = kubeadm.documents(
        kubeadm.init_configuration(spec, m.first.name, address(m.first), master_taints(0)),
        kubeadm.cluster_configuration(spec, c.sans),
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
            secrets={"CERT_KEY": c.cert_key},
            script=(
                "if [ ! -f /etc/kubernetes/admin.conf ]; then\n"
                f"  umask 077; trap 'rm -f {INIT_RUN}' EXIT\n"
                f'  sed "s/{kubeadm.CERTIFICATE_KEY_PLACEHOLDER}/$CERT_KEY/" {CONFIG_DIR}/kubeadm-init.yaml > {INIT_RUN}\n'
                f"  kubeadm init --config {INIT_RUN} --upload-certs\n"
                "fi\n"
                "mkdir -p /root/.kube && cp /etc/kubernetes/admin.conf /root/.kube/config\n"
                # An assignment, so that a failing token create fails the step (set -e).
                "join=$(kubeadm token create --print-join-command)\n"
                '[ -n "$join" ] || { echo "kubeadm token create printed no join command" >&2; exit 1; }\n'
                'echo "KCTUI_OUTPUT join_command=$join"\n'
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
                nodes=names(m.masters[1:]),
                concurrency="one",
                timeout=900,
                env={"ADDRESSES": node_map(m.masters)},
                secrets={"CERT_KEY": c.cert_key},
                script=join_cp,
            )
        )
    return steps


def worker_steps(c: CreateContext) -> list[Step]:
    m = c.m
    several = c.several
    vip = c.vip
    steps: list[Step] = []
    add = steps.append
    if m.workers and several:
        add(
            Step(
                name="worker-lb",
                title=f"load balancer on {vip} for workers (a static pod)",
                action="upload",
                nodes=names(m.workers),
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
                nodes=names(m.workers),
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
                nodes=names(m.workers),
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
    return steps


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
