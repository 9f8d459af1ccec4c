"""Container runtime configuration as data: containerd config.toml and certs.d."""

from __future__ import annotations

from typing import Any

import tomlkit

from engine.registries.api import basic_credentials
from store.documents.cluster import ClusterSpec
from store.documents.registry import Registry

CERTS_D = "/etc/containerd/certs.d"
CRI = 'plugins."io.containerd.grpc.v1.cri"'


def containerd_config(spec: ClusterSpec, sandbox_image: str) -> dict[str, Any]:
    """Only the keys kctui owns; merged into whatever config.toml the node has."""
    return {
        "version": 2,
        "root": spec.container_runtime.root_dir,
        "plugins": {
            "io.containerd.grpc.v1.cri": {
                "sandbox_image": sandbox_image,
                "containerd": {
                    "runtimes": {
                        "runc": {
                            "runtime_type": "io.containerd.runc.v2",
                            "options": {"SystemdCgroup": True},
                        }
                    }
                },
                "registry": {"config_path": CERTS_D},
            }
        },
    }


def hosts_toml(server: str, hosts: list[tuple[str, dict[str, Any]]]) -> str:
    """A certs.d/<registry>/hosts.toml: the upstream server and the hosts to try first."""
    doc = tomlkit.document()
    if server:
        doc["server"] = server
    host_table = tomlkit.table(is_super_table=True)
    for url, options in hosts:
        host_table[url] = options
    if hosts:
        doc["host"] = host_table
    return tomlkit.dumps(doc)


# With an image registry, containerd asks it first for every image of these upstreams (their
# repositories pushed under the same paths), then the upstream itself.
UPSTREAMS = {
    "registry.k8s.io": "https://registry.k8s.io",
    "docker.io": "https://registry-1.docker.io",
    "quay.io": "https://quay.io",
}
# The registry's credentials reach containerd as an Authorization header in hosts.toml; the plan
# carries this in their place and a step with the encrypted secret puts them in on the node.
AUTH_PLACEHOLDER = "KCTUI_REGISTRY_AUTH"


def registry_files(spec: ClusterSpec, registry: Registry | None) -> dict[str, str]:
    """certs.d files, path -> content, for the registry, the spec's mirrors and insecure
    registries."""
    files: dict[str, str] = {}
    runtime = spec.container_runtime
    ours: list[tuple[str, dict[str, Any]]] = []
    if registry is not None:
        options: dict[str, Any] = {"capabilities": ["pull", "resolve"]}
        if registry.skip_verify:
            options["skip_verify"] = True
        if registry.ca_pem:
            options["ca"] = f"{CERTS_D}/{registry.host}/ca.crt"
            files[f"{CERTS_D}/{registry.host}/ca.crt"] = registry.ca_pem
        if registry.username:
            options["header"] = {"Authorization": f"Basic {AUTH_PLACEHOLDER}"}
        ours = [(registry.url, options)]
        files[f"{CERTS_D}/{registry.host}/hosts.toml"] = hosts_toml(registry.url, ours)
    mirrors = [(m, {"capabilities": ["pull", "resolve"]}) for m in runtime.registry_mirrors]
    for upstream, server in UPSTREAMS.items():
        hosts = ours + (mirrors if upstream == "docker.io" else [])
        if hosts:
            files[f"{CERTS_D}/{upstream}/hosts.toml"] = hosts_toml(server, hosts)
    for host in runtime.insecure_registries:
        url = host if "://" in host else f"http://{host}"
        bare = url.split("://", 1)[1]
        files[f"{CERTS_D}/{bare}/hosts.toml"] = hosts_toml(
            url, [(url, {"capabilities": ["pull", "resolve", "push"], "skip_verify": True})]
        )
    return files


def auth_script(certs_dir: str) -> str:
    """Put $REGISTRY_AUTH (a step secret, never in a file kctui writes) where the hosts.toml
    files under `certs_dir` hold the placeholder."""
    return (
        f"{{ grep -l {AUTH_PLACEHOLDER} {certs_dir}/*/hosts.toml || true; }} | while read -r f; do\n"
        f'  sed -i "s|{AUTH_PLACEHOLDER}|$REGISTRY_AUTH|" "$f"\n'
        "done\n"
    )


def registry_auth(registry: Registry | None) -> str:
    """The value of the Authorization header for the registry ("" without credentials)."""
    return "" if registry is None else basic_credentials(registry)
