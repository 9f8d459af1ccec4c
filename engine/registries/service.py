"""Registries kctui deploys on nodes: the deploy and undeploy operations, checked before anything
is stored, and the registry's phase after they end."""

from __future__ import annotations

import re

import bcrypt

from engine import grammar
from engine.errors import Problem, RefusedError
from engine.execution.actions import BUILTIN
from engine.execution.events import EventBus
from engine.execution.runner import Runner
from engine.registries import deploy, pki
from engine.registries.records import USER_RE
from store.documents.operation import Operation, OperationStatus
from store.documents.registry import Registry, RegistryPhase
from store.documents.resource import ResourcePackage
from store.settings import Settings
from store.store import Store

PACKAGE = "registry"
VERSION_RE = re.compile(r"\d+")
PHASES = {
    # operation type: (while running, succeeded (None: the record goes), failed)
    "deploy-registry": (RegistryPhase.DEPLOYING, RegistryPhase.READY, RegistryPhase.DEPLOY_FAILED),
    "undeploy-registry": (RegistryPhase.REMOVING, None, RegistryPhase.REMOVE_FAILED),
}


def _version_key(pkg: ResourcePackage) -> tuple[int, ...]:
    return tuple(int(n) for n in VERSION_RE.findall(pkg.version))


def host_port(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


class RegistryService:
    def __init__(self, store: Store, settings: Settings, bus: EventBus | None = None) -> None:
        self.store = store
        self.settings = settings
        self.bus = bus

    def package_for(self, arch: str) -> ResourcePackage | None:
        """The newest registry package pushed for `arch`."""
        found = self.store.resources.list(lambda p: p.name == PACKAGE and p.arch == arch)
        return max(found, key=_version_key) if found else None

    def deploy_operation(
        self,
        node_name: str,
        name: str = "",
        port: int = deploy.DEFAULT_PORT,
        data_dir: str = deploy.DEFAULT_DATA_DIR,
        user: str = "",
        password: str = "",
        description: str = "",
    ) -> tuple[Registry, Operation]:
        """Store the registry (Deploying) and its deploy operation (not run yet). Refused,
        naming each field and its fix, before anything is stored."""
        name = name or node_name
        problems: list[Problem] = []
        # a deploy that failed is replaced by the next one on its node (its name is free again)
        failed = [
            r.name
            for r in self.store.registries.list()
            if r.node == node_name and r.phase == RegistryPhase.DEPLOY_FAILED
        ]

        node = self.store.nodes.find(node_name)
        if node is None:
            problems.append(Problem("node", f"no node named {node_name!r} (kctui node list)"))
        elif not node.enabled:
            problems.append(Problem("node", f"{node_name} is disabled; enable it first"))
        elif not node.facts.arch:
            problems.append(
                Problem(
                    "node", f"{node_name} was never probed; probe it: kctui node probe {node_name}"
                )
            )
        if not grammar.NAME_RE.match(name):
            problems.append(Problem("name", f"{name!r}: use lowercase letters, digits and '-'"))
        elif self.store.registries.exists(name) and name not in failed:
            problems.append(Problem("name", f"a registry named {name!r} exists; pick another"))
        on_node = [
            r.name
            for r in self.store.registries.list()
            if r.node == node_name and r.name not in failed
        ]
        if on_node:
            problems.append(
                Problem(
                    "node", f"{node_name} already runs registry {on_node[0]}; undeploy it first"
                )
            )
        if not 1 <= port <= 65535:
            problems.append(Problem("port", f"{port}: give a port from 1 to 65535"))
        problem = grammar.data_dir(data_dir, deploy.DEFAULT_DATA_DIR)
        if problem:
            problems.append(Problem("data-dir", problem))
        if not USER_RE.match(user):
            problems.append(Problem("user", f"{user!r}: use letters, digits and . _ @ -"))
        if user and not password:
            problems.append(Problem("password", "a user needs its password"))
        if password and not user:
            problems.append(Problem("user", "a password needs its user"))
        if "\n" in password or "\r" in password:
            problems.append(Problem("password", "a password is one line"))
        package = (
            self.package_for(node.facts.arch) if node is not None and node.facts.arch else None
        )
        if node is not None and node.facts.arch and package is None:
            problems.append(
                Problem(
                    "node",
                    f"no registry package for {node.facts.arch} is pushed; build one with "
                    "`kctui resource build` (or `kctui lab packages`) and push it",
                )
            )
        if problems:
            raise RefusedError(problems=problems)
        assert node is not None and package is not None
        address = node.facts.default_ipv4 or node.address
        try:
            tls = pki.issue(address, node.facts.hostname)
        except ValueError:
            raise RefusedError(
                problems=[Problem("node", f"{address!r} is not an IP address; probe {node_name}")]
            ) from None
        htpasswd = ""
        if user:
            # the cost of `htpasswd -B`: the registry checks the hash on every request it serves
            hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=5)).decode()
            htpasswd = f"{user}:{hashed}"
        registry = Registry(
            name=name,
            host=host_port(address, port),
            ca_pem=tls.ca_pem,
            username=user,
            password=password or None,
            description=description or f"deployed by kctui on {node_name}",
            node=node_name,
            data_dir=data_dir,
            phase=RegistryPhase.DEPLOYING,
        )
        archive = str(self.store.resources_dir / package.archive)
        op = deploy.plan_deploy(registry, package, archive, tls, port, htpasswd)
        registry.last_operation = op.id
        with self.store.db.transaction():
            for stale in failed:
                self.store.registries.delete(stale)
            if self.store.registries.exists(name):
                raise RefusedError(problems=[Problem("name", f"a registry named {name!r} exists")])
            self.store.operations.add(op)
            self.store.registries.add(registry)
        return registry, op

    def undeploy_operation(self, node_name: str, keep_data: bool = False) -> Operation:
        """The operation that removes the registry kctui deployed on `node_name`."""
        if not self.store.nodes.exists(node_name):
            raise RefusedError(problems=[Problem("node", f"no node named {node_name!r}")])
        found = [r for r in self.store.registries.list() if r.node == node_name]
        if not found:
            raise RefusedError(
                problems=[Problem("node", f"kctui deployed no registry on {node_name!r}")]
            )
        registry = found[0]
        users = [
            c.name for c in self.store.clusters.list() if c.spec.image_registry == registry.name
        ]
        if users:
            raise RefusedError(
                problems=[
                    Problem(
                        "node",
                        f"registry {registry.name} on {node_name} is used by cluster(s) "
                        f"{', '.join(users)}; point them at another registry (or none) first",
                    )
                ]
            )
        op = deploy.plan_undeploy(registry, keep_data)
        self.store.operations.add(op)
        self._phase(registry.name, RegistryPhase.REMOVING, op.id, "")
        return op

    async def run(self, op: Operation) -> Operation:
        phases = PHASES[op.type]
        self._phase(str(op.params["registry"]), phases[0], op.id, "")
        done = await Runner(self.store, self.settings, self.bus, BUILTIN).run(op)
        self.settle(done)
        return done

    def settle(self, op: Operation) -> None:
        name = str(op.params.get("registry", ""))
        phases = PHASES.get(op.type)
        if phases is None or not self.store.registries.exists(name):
            return
        if op.status == OperationStatus.SUCCEEDED:
            if phases[1] is None:
                self.store.registries.delete(name)
            else:
                self._phase(name, phases[1], op.id, "")
            return
        why = op.error or op.status.value
        if op.status == OperationStatus.INTERRUPTED:
            why = f"interrupted: {why}"
        self._phase(name, phases[2], op.id, why)

    def _phase(self, name: str, phase: RegistryPhase, op_id: str, message: str) -> None:
        def change(r: Registry) -> None:
            r.phase = phase
            r.last_operation = op_id
            r.message = message

        self.store.registries.update(name, change)
