"""The plan of a registry change on a running cluster: containerd's certs.d rendered again on
every node for the new registry (or none), the mirrors and insecure registries of the spec kept,
config.toml untouched. containerd reads certs.d at each pull: no restart."""

from __future__ import annotations

import shlex

from engine.clusters.plan import runtime
from store.documents.cluster import Cluster
from store.documents.operation import FileSpec, Operation, Step
from store.documents.registry import Registry

NEW = runtime.CERTS_D + ".kctui-new"
OLD = runtime.CERTS_D + ".kctui-old"


def plan_set_registry(cluster: Cluster, registry: Registry | None) -> Operation:
    spec = cluster.spec.model_copy(update={"image_registry": registry.name if registry else ""})
    nodes = spec.node_names
    q = shlex.quote
    files = runtime.registry_files(spec, registry)
    steps = [
        Step(
            name="registry-stage",
            title="an empty place for the new certs.d",
            nodes=nodes,
            script=f"rm -rf {q(NEW)}\nmkdir -p {q(NEW)}\n",
        )
    ]
    if files:
        steps.append(
            Step(
                name="registry-files",
                title=f"certs.d for {registry.host if registry else 'the mirrors'}",
                action="upload",
                nodes=nodes,
                files=[
                    FileSpec(
                        dest=NEW + path[len(runtime.CERTS_D) :],
                        content=content,
                        mode=0o600 if path.endswith(".toml") else 0o644,
                    )
                    for path, content in files.items()
                ],
            )
        )
    auth = runtime.registry_auth(registry)
    if auth:
        steps.append(
            Step(
                name="registry-auth",
                title=f"credentials for {registry.host if registry else ''}",
                nodes=nodes,
                secrets={"REGISTRY_AUTH": auth},
                script=runtime.auth_script(NEW),
            )
        )
    steps.append(
        Step(
            name="registry-switch",
            title="the new certs.d in place",
            nodes=nodes,
            script=(
                f"rm -rf {q(OLD)}\n"
                f"if [ -d {q(runtime.CERTS_D)} ]; then mv {q(runtime.CERTS_D)} {q(OLD)}; fi\n"
                f"mv {q(NEW)} {q(runtime.CERTS_D)}\nrm -rf {q(OLD)}\n"
                f'echo "registry {registry.host if registry else "none"}"\n'
            ),
        )
    )
    return Operation(
        type="set-registry",
        cluster=cluster.name,
        params={"registry": registry.name if registry else ""},
        steps=steps,
    )
