"""Step 3, cluster configuration: every field with its default; choices follow each other."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Select, Switch
from textual.widgets.select import InvalidSelectValueError

from engine import grammar
from engine.catalog import catalog
from screens.switch import OnOff
from screens.wizard.base import WizardStep, field

if TYPE_CHECKING:
    from engine.errors import Problem
    from store.documents.cluster import Cluster


class ConfigStep(WizardStep):
    TITLE = "Cluster configuration"
    OWNS = (
        "spec.offline",
        "spec.viaJumpHost",
        "spec.imageRegistry",
        "spec.kubernetesVersion",
        "spec.certSANs",
        "spec.etcd",
        "spec.containerRuntime",
        "spec.networking.dnsDomain",
        "spec.networking.workerNodeVip",
        "spec.networking.externalIP",
        "spec.networking.proxyMode",
        "spec.backupPoint",
    )

    def compose(self) -> ComposeResult:
        yield from field(
            "Offline install (packages from this jump host)",
            "spec.offline",
            widget=OnOff(Switch(value=True, id="in-offline")),
        )
        yield from field(
            "Online: fetch through this jump host (nodes without internet)",
            "spec.viaJumpHost",
            widget=OnOff(Switch(value=False, disabled=True, id="in-via-jump-host")),
        )
        registries = [(r.name, r.name) for r in self.store.registries.list()]
        yield from field(
            "Image registry",
            "spec.imageRegistry",
            widget=Select(registries, prompt="none", id="in-registry"),
        )
        yield from field(
            "Kubernetes version",
            "spec.kubernetesVersion",
            widget=Select([], allow_blank=True, id="in-version"),
        )
        yield from field(
            "Container runtime",
            "spec.containerRuntime.type",
            widget=Select(
                [("containerd", "containerd")],
                value="containerd",
                allow_blank=False,
                id="in-runtime",
            ),
        )
        yield from field("Runtime version (empty: the catalog's)", "spec.containerRuntime.version")
        yield from field("Runtime root dir", "spec.containerRuntime.rootDir")
        yield from field(
            "Registry mirrors (containerd)",
            "spec.containerRuntime.registryMirrors",
            "https://mirror.example.lan, ...",
        )
        yield from field(
            "Insecure registries", "spec.containerRuntime.insecureRegistries", "host:port, ..."
        )
        yield from field("etcd data dir", "spec.etcd.dataDir")
        yield from field("Certificate SANs", "spec.certSANs", "IPs or DNS names, comma separated")
        yield from field("DNS domain", "spec.networking.dnsDomain")
        yield from field(
            "Worker load-balance IP (with several control-plane nodes)",
            "spec.networking.workerNodeVip",
        )
        yield from field("External access IP", "spec.networking.externalIP", "optional floating IP")
        yield from field(
            "kube-proxy mode",
            "spec.networking.proxyMode",
            widget=Select(
                [("ipvs", "ipvs"), ("iptables", "iptables")],
                value="ipvs",
                allow_blank=False,
                id="in-proxy",
            ),
        )
        points = [(p.name, p.name) for p in self.store.backup_points.list()]
        yield from field(
            "Backup point", "spec.backupPoint", widget=Select(points, prompt="none", id="in-backup")
        )
        yield Button("Quick create: straight to confirm (ctrl+g)", id="quick")

    def versions(self, offline: bool) -> list[str]:
        if offline:
            found = {p.version for p in self.store.resources.list(lambda p: p.type == "k8s")}
            return sorted(found, key=catalog.minor) or [catalog.default_version()]
        return [r.version for r in catalog.releases()]

    def _fill_versions(self, offline: bool, wanted: str) -> None:
        select = self.query_one("#in-version", Select)
        options = self.versions(offline)
        select.set_options([(v, v) for v in options])
        select.value = (
            wanted
            if wanted in options
            else (
                catalog.default_version() if catalog.default_version() in options else options[-1]
            )
        )
        self._fill_runtimes()

    def _fill_runtimes(self, wanted: str = "") -> None:
        """The runtimes this version allows; a choice it no longer allows stays selected, marked,
        so the step says why it cannot go on instead of changing it behind the operator's back."""
        version = self.version()
        runtimes = [r for r in catalog.RUNTIMES if catalog.runtime_allowed(version, r)]
        select = self.query_one("#in-runtime", Select)
        current = wanted or (select.value if isinstance(select.value, str) else "")
        options = [(r, r) for r in runtimes]
        if current and current not in runtimes:
            options.append((f"{current} (not supported with {version})", current))
        select.set_options(options)
        select.value = current or catalog.default_runtime(version)

    def version(self) -> str:
        value = self.query_one("#in-version", Select).value
        return value if isinstance(value, str) else catalog.default_version()

    @on(Switch.Changed, "#in-offline")
    def _offline(self, event: Switch.Changed) -> None:
        self._fill_versions(event.value, self.version())
        via = self.query_one("#in-via-jump-host", Switch)
        via.disabled = event.value  # offline, the packages come from this jump host anyway
        if event.value:
            via.value = False

    @on(Select.Changed, "#in-version")
    def _version(self) -> None:
        self._fill_runtimes()

    def load(self, cluster: Cluster) -> None:
        s = cluster.spec
        self.query_one("#in-offline", Switch).value = s.offline
        self.query_one("#in-via-jump-host", Switch).value = s.via_jump_host
        self.query_one("#in-via-jump-host", Switch).disabled = s.offline
        self._fill_versions(s.offline, s.kubernetes_version)
        self._fill_runtimes(s.container_runtime.type)
        _select(self, "#in-registry", s.image_registry)
        _select(self, "#in-backup", s.backup_point)
        _select(self, "#in-proxy", s.networking.proxy_mode)
        self.set_value("spec.containerRuntime.version", s.container_runtime.version)
        self.set_value("spec.containerRuntime.rootDir", s.container_runtime.root_dir)
        self.set_value(
            "spec.containerRuntime.registryMirrors", ", ".join(s.container_runtime.registry_mirrors)
        )
        self.set_value(
            "spec.containerRuntime.insecureRegistries",
            ", ".join(s.container_runtime.insecure_registries),
        )
        self.set_value("spec.etcd.dataDir", s.etcd.data_dir)
        self.set_value("spec.certSANs", ", ".join(s.cert_sans))
        self.set_value("spec.networking.dnsDomain", s.networking.dns_domain)
        self.set_value("spec.networking.workerNodeVip", s.networking.worker_node_vip)
        self.set_value("spec.networking.externalIP", s.networking.external_ip)

    def apply(self, cluster: Cluster) -> list[Problem]:
        s = cluster.spec
        s.offline = self.query_one("#in-offline", Switch).value
        s.via_jump_host = self.query_one("#in-via-jump-host", Switch).value
        s.image_registry = _value(self, "#in-registry")
        s.backup_point = _value(self, "#in-backup")
        s.kubernetes_version = self.version()
        runtime = _value(self, "#in-runtime") or "containerd"
        previous_type = s.container_runtime.type
        s.container_runtime.type = runtime  # type: ignore[assignment]
        s.container_runtime.version = self.value("spec.containerRuntime.version")
        root = self.value("spec.containerRuntime.rootDir")
        if not root or (runtime != previous_type and root == f"/var/lib/{previous_type}"):
            root = f"/var/lib/{runtime}"
        s.container_runtime.root_dir = root
        s.container_runtime.registry_mirrors = grammar.split_list(
            self.value("spec.containerRuntime.registryMirrors")
        )
        s.container_runtime.insecure_registries = grammar.split_list(
            self.value("spec.containerRuntime.insecureRegistries")
        )
        s.etcd.data_dir = self.value("spec.etcd.dataDir")
        s.cert_sans = grammar.split_list(self.value("spec.certSANs"))
        s.networking.dns_domain = self.value("spec.networking.dnsDomain")
        s.networking.worker_node_vip = self.value("spec.networking.workerNodeVip")
        s.networking.external_ip = self.value("spec.networking.externalIP")
        s.networking.proxy_mode = _value(self, "#in-proxy") or "ipvs"  # type: ignore[assignment]
        return []


def _value(step: WizardStep, selector: str) -> str:
    value = step.query_one(selector, Select).value
    return value if isinstance(value, str) else ""


def _select(step: WizardStep, selector: str, value: str) -> None:
    select = step.query_one(selector, Select)
    try:
        if value:
            select.value = value
        else:
            select.clear()
    except InvalidSelectValueError:
        pass  # a value the catalog no longer offers: the field stays empty, and says so
