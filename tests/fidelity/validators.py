"""The real tools and schemas every generated file is checked with. Each returns the problems
it finds (empty: accepted)."""

from __future__ import annotations

import gzip
import importlib.util
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import yaml

import assets

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
SIM = assets.path("lab/sim")
# kubernetes-validate ships schemas from this minor on; older clusters are checked with it.
OLDEST_SCHEMAS = "1.25"


@cache
def sim_module(name: str) -> Any:
    """A module of the lab's simulated tools (run as scripts on the lab hosts), loaded once."""
    if str(SIM) not in sys.path:
        sys.path.insert(0, str(SIM))
    spec = importlib.util.spec_from_file_location(name, SIM / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def haproxy(path: Path) -> list[str]:
    """Debian's haproxy in check mode."""
    done = subprocess.run(["haproxy", "-c", "-f", str(path)], capture_output=True, text=True)
    return [] if done.returncode == 0 else [f"haproxy -c: {done.stdout}{done.stderr}".strip()]


def containerd(path: Path) -> list[str]:
    """Debian's containerd loading the file as its config (`config dump` decodes every
    plugin's section)."""
    done = subprocess.run(
        ["containerd", "--config", str(path), "config", "dump"], capture_output=True, text=True
    )
    return [] if done.returncode == 0 else [f"containerd: {done.stderr.strip()}"]


@cache
def containerd_default() -> str:
    """The config `containerd config default` writes, which many nodes already have."""
    done = subprocess.run(["containerd", "config", "default"], capture_output=True, text=True)
    return done.stdout


def containerd_on_default(path: Path, tmp: Path) -> list[str]:
    """Our keys as merged into a node's default config."""
    from engine.execution.merge import merge_toml

    merged = tmp / "config.toml"
    merged.write_text(merge_toml(containerd_default(), tomllib.loads(path.read_text())))
    return containerd(merged)


# containerd's certs.d/<host>/hosts.toml (remotes/docker/config/hosts.go, hostFileConfig)
HOSTS_FIELDS = {"capabilities", "ca", "client", "skip_verify", "header", "override_path"}
CAPABILITIES = {"pull", "resolve", "push"}


def containerd_hosts(path: Path) -> list[str]:
    try:
        doc = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        return [f"{path.name}: {e}"]
    problems = []
    for key, value in doc.items():
        if key == "host":
            for url, host in value.items():
                if "://" not in url:
                    problems.append(f"host {url!r}: a host key needs its scheme")
                problems += [f"host {url!r}: unknown field {k!r}" for k in set(host) - HOSTS_FIELDS]
                bad = set(host.get("capabilities", [])) - CAPABILITIES
                problems += [f"host {url!r}: unknown capability {c!r}" for c in bad]
        elif key in HOSTS_FIELDS | {"server"}:
            continue
        else:
            problems.append(f"unknown top-level field {key!r}")
    return problems


def certificate(path: Path) -> list[str]:
    done = subprocess.run(
        ["openssl", "x509", "-noout", "-in", str(path)], capture_output=True, text=True
    )
    return [] if done.returncode == 0 else [f"openssl x509: {done.stderr.strip()}"]


def kubernetes(doc: dict[str, Any], version: str) -> list[str]:
    """PyPI kubernetes-validate in strict mode, at the cluster's minor (or its oldest)."""
    import kubernetes_validate

    minor = ".".join(version.lstrip("v").split(".")[:2])
    if tuple(map(int, minor.split("."))) < tuple(map(int, OLDEST_SCHEMAS.split("."))):
        minor = OLDEST_SCHEMAS
    try:
        kubernetes_validate.validate(doc, minor, strict=True)
    except kubernetes_validate.ValidationError as e:
        where = ".".join(str(p) for p in e.path)
        return [f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}: {where}: {e.message}"]
    return []


@cache
def _calico_schema(calico_version: str) -> dict[str, Any]:
    path = FIXTURES / "calico" / f"calico-{calico_version}-installations.operator.tigera.io.yaml.gz"
    assert path.exists(), f"{path} is missing: Calico's CRDs are read from ../shared/fixtures"
    crd = yaml.safe_load(gzip.decompress(path.read_bytes()))
    version = next(v for v in crd["spec"]["versions"] if v.get("served"))
    schema: dict[str, Any] = version["schema"]["openAPIV3Schema"]
    return schema


def calico_installation(doc: dict[str, Any], calico_version: str) -> list[str]:
    """The Installation against the real CRD's openAPIV3Schema (../shared/fixtures/calico);
    unknown fields are refused, as the API server prunes or refuses them."""
    import jsonschema

    schema = _strict(_calico_schema(calico_version))
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"Installation: {'.'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in validator.iter_errors(doc)
    ]


def _strict(schema: Any) -> Any:
    """An OpenAPI v3 schema with additionalProperties false wherever properties are listed and
    the Kubernetes extensions (x-kubernetes-int-or-string) spelled as JSON Schema."""
    if isinstance(schema, list):
        return [_strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _strict(v) for k, v in schema.items()}
    if out.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    if out.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def kubeadm(text: str) -> list[str]:
    """kubeadm's configuration documents against the schemas of kube_schemas (Kubernetes' Go
    types) and kubeadm's own validation rules (subnets, node masks, certificate key)."""
    schemas = sim_module("kube_schemas")
    rules = sim_module("kubeadm_config")
    problems: list[str] = []
    for doc in yaml.safe_load_all(text):
        if not doc:
            continue
        if (doc.get("apiVersion"), doc.get("kind")) not in schemas.SCHEMAS:
            problems.append(f"no kind {doc.get('kind')!r} in {doc.get('apiVersion')!r}")
            continue
        problems += [f"{doc['kind']}: {p}" for p in schemas.errors(doc)]
        if doc["kind"] == "ClusterConfiguration":
            problems += rules.validate_cluster(doc)
    return problems
