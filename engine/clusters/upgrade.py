"""Cluster upgrades: every rule checked before anything changes (the skew rules, the target's
package and images, every node reachable and Ready), then the operation (the cluster Upgrading,
then Running at the new version, or UpgradeFailed; a retry resumes at the failed node)."""

from __future__ import annotations

from engine.catalog import catalog
from engine.catalog.images import kubernetes_images
from engine.catalog.online import Online
from engine.catalog.versions import upgrade_problems
from engine.clusters.inspect import node_states
from engine.clusters.plan.upgrade import plan_upgrade
from engine.clusters.workers import DURATION_RE
from engine.errors import Problem, RefusedError
from engine.registries.api import RegistryAPIError, RegistryClient
from store.documents.cluster import Cluster, ClusterPhase
from store.documents.operation import Operation
from store.settings import Settings
from store.store import Store


class UpgradeService:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def rules(self, cluster: Cluster, target: str) -> list[Problem]:
        """What the cluster's state and the target's availability say, without asking the
        nodes."""
        spec = cluster.spec
        current = cluster.status.kubernetes_version or spec.kubernetes_version
        problems = upgrade_problems(current, target, spec.container_runtime.type)
        if cluster.status.phase not in (ClusterPhase.RUNNING, ClusterPhase.UPGRADE_FAILED):
            problems.append(
                Problem(
                    "cluster", f"{cluster.name} is {cluster.status.phase.value}; it must be Running"
                )
            )
        if problems:
            return problems
        if not spec.offline:
            if catalog.release(target) is None:
                known = ", ".join(r.version for r in catalog.releases())
                problems.append(Problem("to", f"{target} is not in the catalog ({known})"))
            return problems
        nodes = [self.store.nodes.find(n) for n in spec.node_names]
        arch = next((n.facts.arch for n in nodes if n is not None and n.facts.arch), "amd64")
        package = f"kubernetes-{target}-{arch}"
        if not self.store.resources.exists(package):
            problems.append(
                Problem("to", f"the package {package} is not pushed; push it: kctui resource push")
            )
        elif spec.image_registry:
            registry = self.store.registries.get(spec.image_registry)
            try:
                missing = RegistryClient(registry).missing(kubernetes_images(target))
            except RegistryAPIError as e:
                problems.append(Problem("to", str(e)))
            else:
                if missing:
                    problems.append(
                        Problem(
                            "to",
                            f"registry {registry.name} lacks {', '.join(missing)}; push them: "
                            f"kctui registry push {registry.name} {package}",
                        )
                    )
        return problems

    def offered(self, cluster: Cluster) -> list[tuple[str, str]]:
        """Every catalog version with why it cannot be the target ("" when it can)."""
        out = []
        for release in catalog.releases():
            found = self.rules(cluster, release.version)
            out.append((release.version, found[0].message if found else ""))
        return out

    async def check(self, name: str, target: str) -> Cluster:
        """The rules, then every node reachable and Ready (asked of the cluster)."""
        cluster = self.store.clusters.get(name)
        problems = self.rules(cluster, target)
        if problems:
            raise RefusedError(problems=problems)
        try:
            states = await node_states(self.store, self.settings, cluster)
        except RefusedError as e:
            raise RefusedError(problems=[Problem("cluster", str(e))]) from None
        not_ready = [
            n
            for n in cluster.spec.node_names
            if not states.get(n, None) or not states[n].status.startswith("Ready")
        ]
        if not_ready:
            raise RefusedError(
                problems=[
                    Problem(
                        "cluster",
                        f"every node must be Ready before an upgrade; not Ready: {', '.join(not_ready)}",
                    )
                ]
            )
        return cluster

    async def operation(
        self, name: str, target: str, max_unavailable: int = 1, drain_timeout: str = "5m"
    ) -> Operation:
        if max_unavailable < 1:
            raise RefusedError(problems=[Problem("max-unavailable", "give 1 or more")])
        if not DURATION_RE.match(drain_timeout):
            raise RefusedError(
                problems=[
                    Problem("drain-timeout", f"{drain_timeout!r}: give a duration such as 5m")
                ]
            )
        cluster = await self.check(name, target)
        online = Online.from_settings(self.settings)
        op = plan_upgrade(cluster, target, self.store, online, max_unavailable, drain_timeout)
        self.store.operations.add(op)
        return op
