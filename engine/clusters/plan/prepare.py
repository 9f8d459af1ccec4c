"""The first phases of a create: the nodes made ready, the packages put on them, the container
runtime and the Kubernetes binaries installed."""

from __future__ import annotations

import json
import shlex

from engine.catalog import catalog, online
from engine.catalog.recipes import for_package as recipes_for
from engine.clusters.plan import runtime
from engine.clusters.plan.context import (
    LIMITS,
    MODULES,
    PACKAGES,
    SYSCTL,
    CreateContext,
    address,
    names,
    point_api_host,
)
from engine.clusters.plan.kubeadm import CONTROL_PLANE_HOST
from store.documents.operation import FileSpec, Step


def node_steps(c: CreateContext) -> list[Step]:
    m = c.m
    steps: list[Step] = []
    add = steps.append
    add(
        Step(
            name="preflight",
            title="check the nodes",
            nodes=names(m.all),
            timeout=60,
            script=(
                'for c in tar sha256sum install; do command -v $c >/dev/null || { echo "missing: $c" >&2; exit 1; }; done\n'
                'if [ -n "$(ls -A /etc/kubernetes/manifests 2>/dev/null)" ] && [ ! -f /etc/kubernetes/kctui/owner ]; then\n'
                "  echo 'this node already runs a Kubernetes control plane not made by kctui' >&2; exit 1; fi\n"
                'echo "$(hostname) ready"\n'
            ),
        )
    )
    point = c.backup_point
    if point is not None and point.type == "fs":
        # Backups will be kept there; better to learn now that it is missing than at 2 a.m.
        add(
            Step(
                name="backup-point",
                title=f"backup point {point.name}: {point.fs_path} on the control plane",
                nodes=names(m.masters),
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
            nodes=names(m.masters),
            env={"TARGET": address(m.first)},
            script=point_api_host("TARGET"),
        )
    )
    if m.workers:
        add(
            Step(
                name="hosts-workers",
                title=f"{CONTROL_PLANE_HOST} on workers",
                nodes=names(m.workers),
                # With several control-plane nodes, workers join through the first one and move
                # to the balancer on the VIP once their kubelet runs it (step worker-vip).
                env={"TARGET": address(m.first)},
                script=point_api_host("TARGET"),
            )
        )
    return steps


def kernel_steps(c: CreateContext) -> list[Step]:
    m = c.m
    steps: list[Step] = []
    add = steps.append
    sysctl = "".join(f"{k} = {v}\n" for k, v in SYSCTL.items())
    add(
        Step(
            name="node-files",
            title="kernel modules, sysctl and limits",
            action="upload",
            nodes=names(m.all),
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
            nodes=names(m.all),
            script=(
                'while read -r mod; do [ -n "$mod" ] && modprobe "$mod"; done < /etc/modules-load.d/kctui-k8s.conf\n'
                "sysctl --system >/dev/null\n"
                "swapoff -a\n"
                "sed -ri '/\\sswap\\s/ s/^([^#])/#\\1/' /etc/fstab 2>/dev/null || true\n"
                "mkdir -p /etc/kubernetes/kctui && echo kctui > /etc/kubernetes/kctui/owner\n"
            ),
        )
    )
    return steps


def package_steps(c: CreateContext) -> list[Step]:
    """The packages onto every node, unpacked under PACKAGES: copied from the jump host
    (offline, or online through it), fetched by each node from upstream by their recipes, or
    downloaded from a mirror of kctui packages."""
    spec = c.spec
    m = c.m
    packages = c.packages
    archives = c.archives
    unpacked = c.unpacked
    everywhere = c.everywhere
    steps: list[Step] = []
    add = steps.append
    if not spec.offline and not c.online.mirror:
        recipes = {
            p: recipes_for(p, packages[p].version, spec.kubernetes_version, c.arch)
            for p in everywhere
        }
        online.check_pins(list(recipes.values()), c.online)
        if not spec.via_jump_host:
            add(
                Step(
                    name="download",
                    title="fetch the packages from upstream, checking each file",
                    nodes=names(m.all),
                    timeout=1800,
                    retries=2,
                    script=online.FUNCTIONS
                    + "".join(
                        online.fetch_script(recipes[p], unpacked[p], c.online) for p in everywhere
                    ),
                )
            )
            return steps
        add(
            Step(
                name="fetch-packages",
                title="fetch the packages from upstream on the jump host",
                action="local",
                call="fetch-packages",
                timeout=3600,
                args={
                    "packages": [
                        {"name": p, "version": packages[p].version, "dest": str(archives[p])}
                        for p in everywhere
                    ],
                    "kubernetesVersion": spec.kubernetes_version,
                    "arch": c.arch,
                },
            )
        )
    if spec.offline or (spec.via_jump_host and not c.online.mirror):
        add(
            Step(
                name="packages",
                title="copy resource packages",
                action="upload",
                nodes=names(m.all),
                files=[
                    FileSpec(
                        source=str(archives[p]), dest=f"{PACKAGES}/{archives[p].name}", mode=0o600
                    )
                    for p in everywhere
                ],
            )
        )
    else:
        urls = [
            catalog.download_url(p, packages[p].version, c.arch, c.online.mirror)
            for p in everywhere
        ]
        add(
            Step(
                name="download",
                title="download packages from the mirror",
                nodes=names(m.all),
                timeout=1800,
                retries=2,
                script=download_script(urls),
            )
        )
    unpack = "".join(
        f"mkdir -p {unpacked[p]} && tar -xzf {PACKAGES}/{archives[p].name} -C {unpacked[p]}\n"
        for p in everywhere
    )
    add(Step(name="unpack", title="unpack packages", nodes=names(m.all), script=unpack))
    return steps


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


def runtime_steps(c: CreateContext) -> list[Step]:
    spec = c.spec
    m = c.m
    cri = c.cri
    unpacked = c.unpacked
    registry = c.registry
    steps: list[Step] = []
    add = steps.append
    add(
        Step(
            name="runtime",
            title=f"install {cri}",
            nodes=names(m.all),
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
            content=json.dumps(runtime.containerd_config(spec, c.pause)),
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
            nodes=names(m.all),
            files=files,
        )
    )
    auth = runtime.registry_auth(registry)
    if auth:
        add(
            Step(
                name="registry-auth",
                title=f"credentials for {registry.host if registry else ''}",
                nodes=names(m.all),
                secrets={"REGISTRY_AUTH": auth},
                script=runtime.auth_script(runtime.CERTS_D),
            )
        )
    add(
        Step(
            name="runtime-start",
            title=f"start {cri}",
            nodes=names(m.all),
            script=(
                f"systemctl daemon-reload\nsystemctl enable --now {cri}\nsystemctl restart {cri}\n"
                f"systemctl is-active --quiet {cri}\n"
            ),
        )
    )
    return steps


def kubernetes_steps(c: CreateContext) -> list[Step]:
    spec, m = c.spec, c.m
    unpacked, everywhere, registry = c.unpacked, c.everywhere, c.registry
    steps: list[Step] = []
    add = steps.append
    k8s = unpacked["kubernetes"]
    add(
        Step(
            name="kubernetes",
            title="install kubeadm, kubelet, kubectl",
            nodes=names(m.all),
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
        add(
            Step(
                name="images",
                title="import images",
                nodes=names(m.all),
                script=import_images([unpacked[p] for p in everywhere]),
            )
        )
    return steps


def import_images(unpacked: list[str]) -> str:
    """Offline without a registry: the image archive of each unpacked package, imported."""
    return "".join(
        f"if [ -f {d}/images/images.tar ]; then ctr -n k8s.io images import {d}/images/images.tar; fi\n"
        for d in unpacked
    )
