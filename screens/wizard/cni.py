"""Step 4, CNI: Calico mode, IP family, CIDRs, address autodetection, MTU, and the capacity the
pod network gives, computed as the seed's example does."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Select, Static

from screens.wizard.base import WizardStep, field, input_id
from store.documents.cluster import CALICO_MODES, IPV6_PODS_DEFAULT, IPV6_SERVICES_DEFAULT

if TYPE_CHECKING:
    from engine.errors import Problem
    from store.documents.cluster import Cluster

BLOCK = 26  # Calico's default IPv4 block: 64 addresses
PODS_PER_BLOCK = 61
PODS_PER_NODE = 200


def capacity(cidr: str) -> str:
    """'172.25.0.0/16' -> blocks, pods per block, total pods and about how many nodes."""
    try:
        net = ipaddress.ip_network(cidr, strict=True)
    except ValueError:
        return ""
    if net.version != 4 or net.prefixlen > BLOCK:
        return ""
    blocks = 2 ** (BLOCK - net.prefixlen) - 1
    total = blocks * PODS_PER_BLOCK
    return (
        f"{cidr}: /{BLOCK} blocks, {blocks} blocks of {PODS_PER_BLOCK} pods = {total} pods, "
        f"about {total // PODS_PER_NODE} nodes at {PODS_PER_NODE} pods each. "
        "Above 50 nodes, configure BGP route reflectors."
    )


METHODS = [("first-found", "first-found"), ("can-reach=", "can-reach"), ("interface=", "interface")]


class CniStep(WizardStep):
    TITLE = "CNI (Calico)"
    OWNS = (
        "spec.cni",
        "spec.networking.ipFamily",
        "spec.networking.services",
        "spec.networking.pods",
    )
    DEFAULT_CSS = """
    CniStep .v6 { display: none; }
    CniStep.-dual .v6 { display: block; }
    """

    def compose(self) -> ComposeResult:
        yield from field(
            "Mode",
            "spec.cni.calico.mode",
            widget=Select(
                [(m, m) for m in CALICO_MODES],
                value="Overlay-Vxlan-All",
                allow_blank=False,
                id="in-mode",
            ),
        )
        yield from field(
            "IP family",
            "spec.networking.ipFamily",
            widget=Select(
                [("IPv4", "IPv4"), ("IPv4+IPv6", "IPv4+IPv6")],
                value="IPv4",
                allow_blank=False,
                id="in-family",
            ),
        )
        yield from field("Service network (IPv4)", "spec.networking.services")
        yield from field("Pod network (IPv4)", "spec.networking.pods")
        yield Static("", id="capacity", classes="hint")
        for widget in field("Service network (IPv6)", "services6", IPV6_SERVICES_DEFAULT):
            widget.add_class("v6")
            yield widget
        for widget in field("Pod network (IPv6)", "pods6", IPV6_PODS_DEFAULT):
            widget.add_class("v6")
            yield widget
        hint = Static(
            "each node gets a /64 of the IPv6 pod network (kubeadm's node mask): use /48 to /64",
            classes="hint v6",
        )
        yield hint
        yield from field(
            "IPv4 address autodetection",
            "spec.cni.calico.ipv4AutoDetection",
            widget=Select(METHODS, value="first-found", allow_blank=False, id="in-detect"),
        )
        yield from field("  its argument (address or interface regex)", "detect-arg")
        for widget in field("IPv6 address autodetection", "spec.cni.calico.ipv6AutoDetection"):
            widget.add_class("v6")
            yield widget
        yield from field("MTU (at most 1440 recommended)", "spec.cni.calico.mtu")

    @on(Select.Changed, "#in-family")
    def _family(self, event: Select.Changed) -> None:
        self.set_class(event.value == "IPv4+IPv6", "-dual")

    @on(Input.Changed, f"#{input_id('spec.networking.pods')}")
    def _pods(self, event: Input.Changed) -> None:
        self.query_one("#capacity", Static).update(capacity(event.value.strip()))

    def load(self, cluster: Cluster) -> None:
        s = cluster.spec
        self.query_one("#in-mode", Select).value = s.cni.calico.mode
        self.query_one("#in-family", Select).value = s.networking.ip_family
        self.set_class(s.networking.ip_family == "IPv4+IPv6", "-dual")

        def v4(nets: list[str]) -> str:
            return next((n for n in nets if ":" not in n), "")

        def v6(nets: list[str]) -> str:
            return next((n for n in nets if ":" in n), "")

        self.set_value("spec.networking.services", v4(s.networking.services))
        self.set_value("spec.networking.pods", v4(s.networking.pods))
        self.set_value("services6", v6(s.networking.services) or IPV6_SERVICES_DEFAULT)
        self.set_value("pods6", v6(s.networking.pods) or IPV6_PODS_DEFAULT)
        method = s.cni.calico.ipv4_auto_detection
        kind = "first-found" if method == "first-found" else method.split("=", 1)[0] + "="
        self.query_one("#in-detect", Select).value = (
            kind if kind in [m[0] for m in METHODS] else "first-found"
        )
        self.set_value("detect-arg", method.split("=", 1)[1] if "=" in method else "")
        self.set_value("spec.cni.calico.ipv6AutoDetection", s.cni.calico.ipv6_auto_detection)
        self.set_value("spec.cni.calico.mtu", str(s.cni.calico.mtu))
        self.query_one("#capacity", Static).update(capacity(v4(s.networking.pods)))

    def apply(self, cluster: Cluster) -> list[Problem]:
        from engine.errors import Problem

        s = cluster.spec
        problems = []
        mode = self.query_one("#in-mode", Select).value
        s.cni.calico.mode = mode if isinstance(mode, str) else "Overlay-Vxlan-All"  # type: ignore[assignment]
        family = self.query_one("#in-family", Select).value
        s.networking.ip_family = family if family in ("IPv4", "IPv4+IPv6") else "IPv4"
        services, pods = (
            [self.value("spec.networking.services")],
            [self.value("spec.networking.pods")],
        )
        if s.networking.ip_family == "IPv4+IPv6":
            services.append(self.value("services6"))
            pods.append(self.value("pods6"))
        s.networking.services = [x for x in services if x]
        s.networking.pods = [x for x in pods if x]
        kind = self.query_one("#in-detect", Select).value
        arg = self.value("detect-arg")
        if kind == "first-found" or not isinstance(kind, str):
            s.cni.calico.ipv4_auto_detection = "first-found"
        elif not arg:
            problems.append(
                Problem("spec.cni.calico.ipv4AutoDetection", f"{kind} needs its argument")
            )
        else:
            s.cni.calico.ipv4_auto_detection = kind + arg
        s.cni.calico.ipv6_auto_detection = (
            self.value("spec.cni.calico.ipv6AutoDetection") or "first-found"
        )
        try:
            s.cni.calico.mtu = int(self.value("spec.cni.calico.mtu"))
        except ValueError:
            problems.append(Problem("spec.cni.calico.mtu", "MTU: a number such as 1440"))
        return problems
