"""The plans that put a Docker distribution registry on a node as a systemd service, and take it
off again. The registry serves TLS with a certificate from a CA made for it, optionally asks for
basic auth, and logs every request (its access log says which node pulled what)."""

from __future__ import annotations

import json
import shlex

from engine.registries.pki import RegistryTLS
from store.documents.operation import FileSpec, Operation, Step
from store.documents.registry import Registry
from store.documents.resource import ResourcePackage

PACKAGES = "/opt/kctui/packages"
CONF = "/etc/kctui-registry"
BIN = "/usr/local/bin/kctui-registry"
SERVICE = "kctui-registry"
UNIT = f"/etc/systemd/system/{SERVICE}.service"
DEFAULT_PORT = 5000
DEFAULT_DATA_DIR = "/var/lib/kctui-registry"

UNIT_TEXT = f"""[Unit]
Description=kctui image registry (Docker distribution)
After=network-online.target
Wants=network-online.target

[Service]
ExecStart={BIN} serve {CONF}/config.yml
Restart=always
RestartSec=5
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
"""


def config(port: int, data_dir: str, with_auth: bool) -> str:
    """distribution's config.yml (JSON is YAML)."""
    doc: dict[str, object] = {
        "version": 0.1,
        "log": {"level": "info", "accesslog": {"disabled": False}},
        "storage": {"filesystem": {"rootdirectory": data_dir}, "delete": {"enabled": True}},
        "http": {
            "addr": f":{port}",
            "tls": {"certificate": f"{CONF}/tls.crt", "key": f"{CONF}/tls.key"},
            "headers": {"X-Content-Type-Options": ["nosniff"]},
        },
    }
    if with_auth:
        doc["auth"] = {"htpasswd": {"realm": "kctui-registry", "path": f"{CONF}/htpasswd"}}
    return json.dumps(doc, indent=2) + "\n"


def plan_deploy(
    registry: Registry,
    package: ResourcePackage,
    archive: str,
    tls: RegistryTLS,
    port: int,
    htpasswd: str,
) -> Operation:
    q = shlex.quote
    node = [registry.node]
    unpacked = f"{PACKAGES}/{package.id}"
    steps = [
        Step(
            name="registry-package",
            title=f"copy {package.id}",
            action="upload",
            nodes=node,
            files=[FileSpec(source=archive, dest=f"{PACKAGES}/{package.archive}", mode=0o600)],
        ),
        Step(
            name="registry-install",
            title="install the registry",
            nodes=node,
            script=(
                f"rm -rf {unpacked} && mkdir -p {unpacked}\n"
                f"tar -xzf {PACKAGES}/{package.archive} -C {unpacked}\n"
                f"install -m 0755 {unpacked}/bin/registry {BIN}\n"
                f"install -d -m 0700 {CONF}\n"
                f"install -d -m 0700 {q(registry.data_dir)}\n"
            ),
        ),
        Step(
            name="registry-config",
            title="its configuration, certificate and unit",
            action="upload",
            nodes=node,
            files=[
                FileSpec(
                    dest=f"{CONF}/config.yml",
                    content=config(port, registry.data_dir, bool(htpasswd)),
                    mode=0o600,
                ),
                FileSpec(dest=f"{CONF}/tls.crt", content=tls.cert_pem, mode=0o644),
                FileSpec(dest=f"{CONF}/ca.crt", content=tls.ca_pem, mode=0o644),
                FileSpec(dest=UNIT, content=UNIT_TEXT, mode=0o644),
            ],
        ),
        Step(
            name="registry-secrets",
            title="its TLS key" + (" and users" if htpasswd else ""),
            nodes=node,
            secrets={"TLS_KEY": tls.key_pem, **({"HTPASSWD": htpasswd} if htpasswd else {})},
            script=(
                "umask 077\n"
                f"printf '%s\\n' \"$TLS_KEY\" > {CONF}/tls.key\n"
                + (f"printf '%s\\n' \"$HTPASSWD\" > {CONF}/htpasswd\n" if htpasswd else "")
                + ("" if htpasswd else f"rm -f {CONF}/htpasswd\n")
            ),
        ),
        Step(
            name="registry-start",
            title=f"start {SERVICE}",
            nodes=node,
            script=(
                "systemctl daemon-reload\n"
                f"systemctl enable {SERVICE}\n"
                f"systemctl restart {SERVICE}\n"
            ),
        ),
        Step(
            name="registry-ready",
            title=f"wait for {registry.url}/v2/",
            nodes=node,
            timeout=120,
            script=(
                "for i in $(seq 60); do\n"
                f"  code=$(curl -s -o /dev/null -w '%{{http_code}}' --cacert {CONF}/ca.crt "
                f"{q(registry.url + '/v2/')} || true)\n"
                '  case "$code" in 200|401) echo "registry answers ($code)"; exit 0;; esac\n'
                "  sleep 1\n"
                "done\n"
                f'echo "the registry does not answer on {registry.url}; its log: journalctl -u {SERVICE}" >&2\n'
                "exit 1\n"
            ),
        ),
    ]
    return Operation(
        type="deploy-registry",
        params={"registry": registry.name, "node": registry.node},
        steps=steps,
    )


def plan_undeploy(registry: Registry, keep_data: bool) -> Operation:
    q = shlex.quote
    node = [registry.node]
    remove = f"rm -rf {CONF} {BIN} {PACKAGES}/registry-*\n"
    if not keep_data:
        remove += f"rm -rf {q(registry.data_dir)}\n"
    steps = [
        Step(
            name="registry-stop",
            title=f"stop {SERVICE}",
            nodes=node,
            script=(
                f"systemctl disable --now {SERVICE} 2>/dev/null || true\n"
                f"rm -f {UNIT}\nsystemctl daemon-reload\n"
            ),
        ),
        Step(
            name="registry-remove",
            title="remove the registry" + ("" if keep_data else " and its images"),
            nodes=node,
            script=remove,
        ),
    ]
    return Operation(
        type="undeploy-registry",
        params={"registry": registry.name, "node": registry.node, "keepData": keep_data},
        steps=steps,
        retry_mode="restart",
    )
