"""Checks of a cluster spec: every problem at once, each naming the field and the fix."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Collection, Iterable

from engine import grammar
from engine.catalog import catalog
from engine.catalog.packages import PackageNeeds, needed_packages
from engine.errors import Problem, RefusedError
from store.documents.cluster import IPV6_PODS_DEFAULT, IPV6_SERVICES_DEFAULT, ClusterSpec
from store.documents.node import Node, NodeStatus
from store.store import Store

DNS_RE = re.compile(
    r"^(?=.{1,253}$)([a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$"
)
AUTODETECT_RE = re.compile(
    r"^(first-found|can-reach=\S+|interface=\S+|skip-interface=\S+|kubernetes-internal-ip)$"
)
MTU_RANGE = (576, 1460)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class SpecError(RefusedError):
    """A cluster spec with problems, every one of them at once."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems), problems)


def validate_name(name: str) -> list[Problem]:
    if not name.strip():
        return [Problem("metadata.name", "a name is required (lowercase letters, digits and '-')")]
    if not grammar.NAME_RE.match(name) or len(name) > 32 or name.isdigit():
        return [
            Problem(
                "metadata.name",
                f"{name!r} must be lowercase letters, digits and '-', "
                "start and end with a letter or digit, at most 32 characters, not only digits",
            )
        ]
    return []


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def _not_a_network(value: str) -> str:
    try:
        loose = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return f"{value!r} is not a network in CIDR form (e.g. 10.96.0.0/16)"
    return f"host bits are set in {value}: did you mean {loose}?"


def _cidrs(field: str, values: list[str], problems: list[Problem]) -> list[tuple[str, Network]]:
    out = []
    for i, value in enumerate(values):
        try:
            out.append((f"{field}[{i}]", ipaddress.ip_network(value, strict=True)))
        except ValueError:
            problems.append(Problem(f"{field}[{i}]", _not_a_network(value)))
    return out


def _node_problems(
    spec: ClusterSpec, name: str, store: Store, problems: list[Problem], unprobed: Collection[str]
) -> list[Node]:
    entries = [(f"spec.masters[{i}].node", m.node) for i, m in enumerate(spec.masters)]
    entries += [(f"spec.workers[{i}].node", w.node) for i, w in enumerate(spec.workers)]
    seen: set[str] = set()
    nodes: list[Node] = []
    for field, node_name in entries:
        if node_name in seen:
            problems.append(
                Problem(field, f"node {node_name} is listed twice; a node has one role")
            )
            continue
        seen.add(node_name)
        node = store.nodes.find(node_name)
        if node is None:
            problems.append(
                Problem(field, f"no node named {node_name!r}; add it with: kctui node add")
            )
            continue
        nodes.append(node)
        if not node.enabled:
            problems.append(
                Problem(
                    field,
                    f"node {node_name} is disabled; enable it with: kctui node enable {node_name}",
                )
            )
        if node.status != NodeStatus.ONLINE and node_name not in unprobed:
            why = f" ({node.last_error})" if node.last_error else ""
            problems.append(
                Problem(
                    field,
                    f"node {node_name} is {node.status.value}{why}; check it with: kctui node probe {node_name}",
                )
            )
        if node.cluster and node.cluster != name:
            problems.append(Problem(field, f"node {node_name} belongs to cluster {node.cluster}"))
        elif node.pending_cleanup:
            problems.append(
                Problem(
                    field,
                    f"node {node_name} left cluster {node.left_cluster} while unreachable and is "
                    f"not cleaned yet; once it is up: kctui node probe {node_name}",
                )
            )
        if node.region != spec.region:
            problems.append(
                Problem(
                    field,
                    f"node {node_name} is in region {node.region}, the cluster in {spec.region}",
                )
            )
    arches = {n.facts.arch for n in nodes if n.facts.arch}
    if len(arches) > 1:
        problems.append(
            Problem(
                "spec.workers",
                f"the nodes mix CPU architectures ({', '.join(sorted(arches))}); a cluster has one",
            )
        )
    return nodes


def validate(
    name: str,
    spec: ClusterSpec,
    store: Store,
    *,
    existing_ok: bool = False,
    unprobed: Collection[str] = (),
) -> list[Problem]:
    """Every problem of the spec; the nodes in `unprobed` (about to be probed) are not
    judged by their stored status."""
    problems = validate_name(name)
    if not existing_ok and store.clusters.exists(name):
        problems.append(
            Problem("metadata.name", f"a cluster named {name!r} exists; pick another name")
        )
    count = len(spec.masters)
    if count == 0 or count % 2 == 0:
        problems.append(
            Problem(
                "spec.masters",
                f"{count} control-plane nodes given; use an odd number (1, 3 or 5) so etcd keeps quorum",
            )
        )
    nodes = _node_problems(spec, name, store, problems, unprobed)

    version = spec.kubernetes_version
    if catalog.release(version) is None and not spec.offline:
        known = ", ".join(r.version for r in catalog.releases())
        problems.append(
            Problem(
                "spec.kubernetesVersion", f"{version} is not in the catalog; choose one of {known}"
            )
        )
    runtime = spec.container_runtime
    if not catalog.runtime_allowed(version, runtime.type):
        problems.append(
            Problem(
                "spec.containerRuntime.type",
                f"{runtime.type} is not offered; kctui installs containerd (docker's dockershim "
                "is gone from Kubernetes v1.24, and kctui does not install it below)",
            )
        )
    problems += _strings(spec)

    problems += _network(spec, nodes)
    problems += _cni(spec)
    problems += _storage(spec)
    if spec.via_jump_host and spec.offline:
        problems.append(
            Problem(
                "spec.viaJumpHost",
                "is for online installs (offline: false); offline, the packages come from "
                "this jump host already",
            )
        )
    registry = store.registries.find(spec.image_registry) if spec.image_registry else None
    if spec.image_registry and registry is None:
        problems.append(
            Problem(
                "spec.imageRegistry",
                f"no registry named {spec.image_registry!r}; add it with: kctui registry add",
            )
        )
    elif registry is not None and not registry.usable:
        problems.append(
            Problem(
                "spec.imageRegistry",
                f"registry {registry.name} is {registry.phase.value} on {registry.node}; "
                "wait until it is Ready (kctui registry list)",
            )
        )
    if spec.backup_point and not store.backup_points.exists(spec.backup_point):
        problems.append(
            Problem(
                "spec.backupPoint",
                f"no backup point named {spec.backup_point!r}; add it with: kctui backup-point add",
            )
        )
    if spec.offline and not problems:
        arch = next((n.facts.arch for n in nodes if n.facts.arch), "amd64")
        problems += _packages(needed_packages(spec, arch), store)
    return problems


def _network(spec: ClusterSpec, nodes: list[Node]) -> list[Problem]:
    """Service and pod networks, apart from each other and from the nodes'; the VIP, names."""
    problems: list[Problem] = []
    count = len(spec.masters)
    net = spec.networking
    services = _cidrs("spec.networking.services", net.services, problems)
    pods = _cidrs("spec.networking.pods", net.pods, problems)
    _family(net.ip_family, "spec.networking.services", services, problems)
    _family(net.ip_family, "spec.networking.pods", pods, problems)
    node_nets = [
        (f"the network {n_net} of node {node.name}", ipaddress.ip_network(n_net))
        for node in nodes
        for iface in node.facts.interfaces
        for n_net in iface.networks
    ]
    problems += _subnet_sizes(services, pods)
    for field, network in pods:
        for other, other_net in services:
            if network.version == other_net.version and network.overlaps(other_net):
                problems.append(
                    Problem(
                        field,
                        f"{network} overlaps {other} {other_net}; pod and service networks must be apart",
                    )
                )
    for field, network in services + pods:
        for what, node_net in node_nets:
            if network.version == node_net.version and network.overlaps(node_net):
                problems.append(Problem(field, f"{network} overlaps {what}"))
                break
    if count > 1:
        _vip(net.worker_node_vip, services + pods, node_nets, problems)
    if net.external_ip and not _is_ip(net.external_ip):
        problems.append(
            Problem("spec.networking.externalIP", f"{net.external_ip!r} is not an IP address")
        )
    if not DNS_RE.match(net.dns_domain):
        problems.append(
            Problem("spec.networking.dnsDomain", f"{net.dns_domain!r} is not a DNS domain")
        )
    for i, san in enumerate(spec.cert_sans):
        if not _is_ip(san) and not DNS_RE.match(san):
            problems.append(
                Problem(f"spec.certSANs[{i}]", f"{san!r} is neither an IP address nor a DNS name")
            )
    return problems


def _cni(spec: ClusterSpec) -> list[Problem]:
    problems: list[Problem] = []
    calico = spec.cni.calico
    if not MTU_RANGE[0] <= calico.mtu <= MTU_RANGE[1]:
        problems.append(
            Problem(
                "spec.cni.calico.mtu",
                f"{calico.mtu} is outside {MTU_RANGE[0]}..{MTU_RANGE[1]} (1440 suits most networks)",
            )
        )
    for field, value in (
        ("ipv4AutoDetection", calico.ipv4_auto_detection),
        ("ipv6AutoDetection", calico.ipv6_auto_detection),
    ):
        if not AUTODETECT_RE.match(value):
            problems.append(
                Problem(
                    f"spec.cni.calico.{field}",
                    f"{value!r}: use first-found, can-reach=ADDRESS or interface=REGEX",
                )
            )
    return problems


# kubeadm's rules (cmd/kubeadm/app/apis/kubeadm/validation: ValidateServiceSubnetSize,
# ValidatePodSubnetNodeMask) with the controller manager's default node masks.
NODE_MASK = {4: 24, 6: 64}
MAX_SERVICE_BITS = 20
MAX_NODE_MASK_DIFF = 16


def _subnet_sizes(
    services: list[tuple[str, Network]], pods: list[tuple[str, Network]]
) -> list[Problem]:
    problems = []
    for field, network in services:
        bits = network.max_prefixlen
        if bits - network.prefixlen > MAX_SERVICE_BITS:
            problems.append(
                Problem(
                    field,
                    f"{network} is too large for kubeadm; a service network needs a mask of at "
                    f"least /{bits - MAX_SERVICE_BITS}",
                )
            )
    for field, network in pods:
        mask = NODE_MASK[network.version]
        if network.prefixlen > mask:
            problems.append(
                Problem(
                    field,
                    f"{network} is smaller than the /{mask} kubeadm gives each node; "
                    f"use /{mask - MAX_NODE_MASK_DIFF} to /{mask}",
                )
            )
        elif mask - network.prefixlen > MAX_NODE_MASK_DIFF:
            problems.append(
                Problem(
                    field,
                    f"{network} is more than {MAX_NODE_MASK_DIFF} bits larger than the /{mask} "
                    f"kubeadm gives each node; use /{mask - MAX_NODE_MASK_DIFF} to /{mask}",
                )
            )
    return problems


def _strings(spec: ClusterSpec) -> list[Problem]:
    """Every spec string that becomes a path, a file name, a host or a line on a node, against
    its grammar."""
    checks: list[tuple[str, str, Callable[[str], str]]] = [
        ("spec.etcd.dataDir", spec.etcd.data_dir, grammar.data_dir),
        ("spec.containerRuntime.rootDir", spec.container_runtime.root_dir, grammar.data_dir),
    ]
    runtime = spec.container_runtime
    checks += [
        (f"spec.containerRuntime.registryMirrors[{i}]", m, grammar.url)
        for i, m in enumerate(runtime.registry_mirrors)
    ]
    checks += [
        (
            f"spec.containerRuntime.insecureRegistries[{i}]",
            r,
            grammar.url if "://" in r else grammar.host_port,
        )
        for i, r in enumerate(runtime.insecure_registries)
    ]
    for i, nfs in enumerate(spec.storage.nfs):
        where = f"spec.storage.nfs[{i}]"
        if nfs.server_addr.strip():
            checks.append((f"{where}.serverAddr", nfs.server_addr, grammar.host))
        checks.append((f"{where}.sharedPath", nfs.shared_path, grammar.path))
        checks += [
            (f"{where}.mountOptions[{j}]", o, grammar.mount_option)
            for j, o in enumerate(nfs.mount_options)
        ]
    for i, ceph in enumerate(spec.storage.ceph):
        where = f"spec.storage.ceph[{i}]"
        checks += [
            (f"{where}.monitors[{j}]", m, grammar.host_port) for j, m in enumerate(ceph.monitors)
        ]
        checks += [
            (f"{where}.pool", ceph.pool, grammar.word),
            (f"{where}.user", ceph.user, grammar.word),
        ]
        if ceph.cluster_id:
            checks.append((f"{where}.clusterID", ceph.cluster_id, grammar.word))
    nodes = [("masters", i, m.labels, m.taints or []) for i, m in enumerate(spec.masters)]
    nodes += [("workers", i, w.labels, w.taints) for i, w in enumerate(spec.workers)]
    for role, i, labels, taints in nodes:
        where = f"spec.{role}[{i}]"
        for key, value in labels.items():
            checks += [
                (f"{where}.labels", key, grammar.label_key),
                (f"{where}.labels[{key}]", value, grammar.label_value),
            ]
        for j, taint in enumerate(taints):
            checks += [
                (f"{where}.taints[{j}].key", taint.key, grammar.label_key),
                (f"{where}.taints[{j}].value", taint.value, grammar.label_value),
            ]
    return [Problem(field, problem) for field, value, check in checks if (problem := check(value))]


def _family(
    family: str, field: str, nets: list[tuple[str, Network]], problems: list[Problem]
) -> None:
    versions = sorted(n.version for _, n in nets)
    if family == "IPv4" and versions != [4]:
        problems.append(Problem(field, "IPv4 needs exactly one IPv4 CIDR"))
    if family == "IPv4+IPv6" and versions != [4, 6]:
        example = (
            f"10.96.0.0/16, {IPV6_SERVICES_DEFAULT}"
            if "services" in field
            else f"172.25.0.0/16, {IPV6_PODS_DEFAULT}"
        )
        problems.append(
            Problem(
                field, f"dual stack (IPv4+IPv6) needs one IPv4 and one IPv6 CIDR, e.g. {example}"
            )
        )


def _vip(
    vip: str,
    nets: list[tuple[str, Network]],
    node_nets: list[tuple[str, Network]],
    problems: list[Problem],
) -> None:
    field = "spec.networking.workerNodeVip"
    if not vip:
        problems.append(
            Problem(field, "required with several control-plane nodes (e.g. 169.254.169.100)")
        )
        return
    if not _is_ip(vip):
        problems.append(Problem(field, f"{vip!r} is not an IP address"))
        return
    address = ipaddress.ip_address(vip)
    for what, network in [(f, n) for f, n in nets] + node_nets:
        if address.version == network.version and address in network:
            problems.append(
                Problem(
                    field,
                    f"{vip} is inside {what} {network}; pick an address outside every network"
                    if what.startswith("spec.")
                    else f"{vip} is inside {what}; pick an address outside every network",
                )
            )
            return


def _storage(spec: ClusterSpec) -> list[Problem]:
    problems = []
    classes: dict[str, str] = {}
    entries = [
        (f"spec.storage.nfs[{i}]", s.storage_class_name) for i, s in enumerate(spec.storage.nfs)
    ]
    entries += [
        (f"spec.storage.ceph[{i}]", s.storage_class_name) for i, s in enumerate(spec.storage.ceph)
    ]
    for field, sc in entries:
        if sc in classes:
            problems.append(
                Problem(
                    f"{field}.storageClassName",
                    f"{sc} is already used by {classes[sc]}; storage class names must be unique",
                )
            )
        elif not grammar.NAME_RE.match(sc):
            problems.append(
                Problem(f"{field}.storageClassName", f"{sc!r} is not a valid storage class name")
            )
        classes.setdefault(sc, field)
    for i, nfs in enumerate(spec.storage.nfs):
        if not nfs.server_addr.strip():
            problems.append(
                Problem(f"spec.storage.nfs[{i}].serverAddr", "the NFS server address is required")
            )
        if not nfs.shared_path.startswith("/"):
            problems.append(
                Problem(
                    f"spec.storage.nfs[{i}].sharedPath",
                    f"{nfs.shared_path!r} must be an absolute path",
                )
            )
    for i, ceph in enumerate(spec.storage.ceph):
        if not ceph.monitors:
            problems.append(
                Problem(
                    f"spec.storage.ceph[{i}].monitors",
                    "at least one monitor (host:port) is required",
                )
            )
        if not ceph.key:
            problems.append(
                Problem(f"spec.storage.ceph[{i}].key", "the Ceph user's key is required")
            )
    default = spec.storage.default_storage_class
    if default and default not in classes:
        names = ", ".join(classes) or "none defined"
        problems.append(
            Problem(
                "spec.storage.defaultStorageClass",
                f"{default!r} is not one of the storage classes ({names})",
            )
        )
    return problems


def _packages(needs: Iterable[PackageNeeds], store: Store) -> list[Problem]:
    problems = []
    for need in needs:
        if not store.resources.exists(need.package_id):
            problems.append(
                Problem(
                    need.field,
                    f"offline install needs the package {need.package_id}; push it with: kctui resource push {need.package_id}.tar.gz",
                )
            )
    return problems
