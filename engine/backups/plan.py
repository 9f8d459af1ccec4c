"""The plans of an etcd backup and of a restore, as scripts run on the control-plane nodes."""

from __future__ import annotations

from store.documents.backup import Backup, BackupPoint
from store.documents.cluster import Cluster
from store.documents.operation import Operation, Step

ETCD_PKI = "/etc/kubernetes/pki/etcd"
MANIFESTS = "/etc/kubernetes/manifests"
MANIFESTS_ASIDE = "/etc/kubernetes/kctui/manifests-before-restore"
STAGE = "/var/lib/kctui/backups"  # an S3 backup's snapshot, until the jump host has it
RESTORE_DIR = "/var/lib/kctui/restore"

# etcdctl from the node's PATH (etcd-client), or from kctui's packages; etcd speaks TLS with
# client certificates, and kubeadm's healthcheck-client certificate is the one meant for tools.
FIND_ETCDCTL = "ETCDCTL=$(command -v etcdctl || ls /opt/kctui/packages/*/bin/etcdctl 2>/dev/null | head -n1 || true)\n"
ETCD_FN = f"""export ETCDCTL_API=3
etcd() {{ "$ETCDCTL" --endpoints=https://127.0.0.1:2379 --cacert={ETCD_PKI}/ca.crt \\
  --cert={ETCD_PKI}/healthcheck-client.crt --key={ETCD_PKI}/healthcheck-client.key "$@"; }}
"""
ETCDCTL = (
    FIND_ETCDCTL
    + '[ -n "$ETCDCTL" ] || { echo "etcdctl not found on $(hostname): install etcd-client (or put etcdctl in /usr/local/bin)" >&2; exit 1; }\n'
    + ETCD_FN
)
WAIT_HEALTHY = """healthy=""
for _ in $(seq 1 {seconds}); do
  if etcd endpoint health >/dev/null 2>&1; then healthy=1; break; fi
  sleep 1
done
[ -n "$healthy" ] || {{ echo "etcd is not healthy after {seconds} s" >&2; exit 1; }}
echo "etcd is healthy"
"""
PICK_ADDRESS = 'ADDR=$(printf "%s\\n" $MEMBERS | sed -n "s/^$KCTUI_NODE=//p")\n'


def snapshot_path(point: BackupPoint, name: str) -> str:
    return f"{point.fs_path.rstrip('/') if point.type == 'fs' else STAGE}/{name}.db"


def plan_backup(cluster: Cluster, backup: Backup, point: BackupPoint) -> Operation:
    path = snapshot_path(point, backup.name)
    directory = path.rsplit("/", 1)[0]
    part = f"{directory}/.{backup.name}.db.part"
    if point.type == "fs":
        prepare = (
            'test -d "$DIR" || { echo "$DIR does not exist on $(hostname); create it '
            '(or mount the share) on every control-plane node" >&2; exit 1; }\n'
        )
    else:
        prepare = 'mkdir -p -m 700 "$DIR"\n'
    script = (
        ETCDCTL
        + prepare
        # A snapshot cut short leaves nothing under its final name.
        + 'trap \'rm -f "$PART" "$PART.part"\' EXIT\n'
        "trap 'exit 143' TERM INT HUP\n"
        'etcd snapshot save "$PART"\n'
        'chmod 600 "$PART"\n'
        'mv -f "$PART" "$SNAPSHOT"\n'
        # its sha256 is taken once, by the step that stores it
        'echo "snapshot $SNAPSHOT: $(stat -c %s "$SNAPSHOT") bytes"\n'
    )
    steps = [
        Step(
            name="snapshot",
            title="etcdctl snapshot save",
            nodes=[backup.source_node],
            env={"DIR": directory, "PART": part, "SNAPSHOT": path},
            script=script,
            timeout=900,
        ),
        Step(
            name="store",
            title="check and store the snapshot"
            + (" in S3" if point.type == "s3" else " on the node"),
            action="local",
            call="backup-store",
            args={"backup": backup.name, "path": path},
            timeout=3600,
        ),
    ]
    # A retry takes a new snapshot: the S3 staging copy is removed whatever the outcome.
    return Operation(
        type="backup",
        cluster=cluster.name,
        steps=steps,
        params={"backup": backup.name},
        retry_mode="restart",
    )


MANIFESTS_OUT = (
    'mkdir -p "$MANIFESTS_ASIDE"\n'
    'for f in "$MANIFESTS"/*.yaml; do if [ -e "$f" ]; then mv -f "$f" "$MANIFESTS_ASIDE"/; fi; done\n'
    'echo "static pod manifests moved to $MANIFESTS_ASIDE"\n'
    "for _ in $(seq 1 120); do\n"
    "  open=$(ss -Hltn 'sport = :2379')  # a failing ss ends the script (set -e)\n"
    '  if [ -z "$open" ]; then stopped=1; break; fi\n'
    "  sleep 1\n"
    "done\n"
    'if [ -z "${stopped:-}" ]; then\n'
    "  holder=$(ss -Hltnp 'sport = :2379' | grep -o 'users:.*' | head -n1 || true)\n"
    '  echo "etcd still listens on port 2379 after 120 s (${holder:-process unknown})" >&2; exit 1\n'
    "fi\n"
    "echo 'etcd stopped'\n"
)
KUBELET_ACTIVE = "systemctl is-active --quiet kubelet"
# Only the kubelet stops a static pod: without it, moving the manifests would change nothing.
KUBELET_RUNNING = (
    KUBELET_ACTIVE + ' || { echo "the kubelet is not running on $(hostname): '
    'it stops etcd when its manifest is moved; start it (systemctl start kubelet) and restore again" >&2; exit 1; }\n'
)
MANIFESTS_BACK = (
    'if ls "$MANIFESTS_ASIDE"/*.yaml >/dev/null 2>&1; then\n'
    '  mv -f "$MANIFESTS_ASIDE"/*.yaml "$MANIFESTS"/\n'
    '  echo "static pod manifests put back"\n'
    "fi\n"
)
# Only the operation that moved the data aside puts it back; $ASIDE/operation says which did.
PUT_BACK = (
    FIND_ETCDCTL
    + 'if [ -d "$ASIDE/member" ] && [ "$(cat "$ASIDE/operation" 2>/dev/null)" = "$OPERATION" ]; then\n'
    + "".join("  " + line + "\n" for line in MANIFESTS_OUT.splitlines())
    + '  rm -rf "$DATA_DIR/member"\n'
    '  mv "$ASIDE/member" "$DATA_DIR/member"\n'
    '  rm -rf "$ASIDE"\n'
    '  echo "the old etcd data is back in $DATA_DIR"\n'
    "fi\n"
    'rm -rf "$NEW" "$SNAPSHOT"\n'
    + MANIFESTS_BACK
    + 'if [ -n "$ETCDCTL" ]; then\n'
    + ETCD_FN
    + WAIT_HEALTHY.format(seconds=120)
    + "else echo 'etcdctl not found: not waiting for etcd to be healthy' >&2; fi\n"
)


MOVE_DATA = (
    'mkdir -p -m 700 "$ASIDE"\n'
    'if [ -d "$ASIDE/member" ]; then\n'
    "  # a restore cut off after this point left the data from before it here: keep it\n"
    '  rm -rf "$DATA_DIR/member"\n'
    'elif [ -d "$DATA_DIR/member" ]; then\n'
    '  mv "$DATA_DIR/member" "$ASIDE/member"\n'
    "fi\n"
    'echo "$OPERATION" > "$ASIDE/operation"\n'
    'echo "etcd data moved to $ASIDE"\n'
)
RESTORE_MEMBER = (
    ETCDCTL + PICK_ADDRESS + 'RESTORE=$(command -v etcdutl || echo "$ETCDCTL")\n'
    'rm -rf "$NEW"\n'
    '"$RESTORE" snapshot restore "$SNAPSHOT" --name "$KCTUI_NODE" \\\n'
    '  --initial-cluster "$INITIAL_CLUSTER" --initial-advertise-peer-urls "https://$ADDR:2380" \\\n'
    '  --data-dir "$NEW"\n'
    'mv "$NEW/member" "$DATA_DIR/member"\n'
    'rm -rf "$NEW"\n'
    'echo "member $KCTUI_NODE restored into $DATA_DIR"\n'
)
# A kubelet that fails at start is active for a moment: it must stay up 3 s in a row.
RESTART_KUBELET = (
    "systemctl restart kubelet\n"
    "up=0\n"
    "for _ in $(seq 1 15); do\n"
    "  sleep 1\n"
    f"  if {KUBELET_ACTIVE}; then up=$((up + 1)); else up=0; fi\n"
    "  if [ $up -ge 3 ]; then echo 'kubelet restarted'; exit 0; fi\n"
    "done\n"
    'echo "the kubelet did not stay active 3 s within 15 s of its restart:'
    ' journalctl -u kubelet says why" >&2\n'
    "exit 1\n"
)


def plan_restore(cluster: Cluster, backup: Backup) -> Operation:
    masters = [n for n in cluster.status.nodes if n.role == "control-plane"]
    names = [n.node for n in masters]
    data_dir = cluster.spec.etcd.data_dir.rstrip("/")
    snapshot = f"{RESTORE_DIR}/{backup.name}.db"
    op = Operation(
        type="restore",
        cluster=cluster.name,
        params={"backup": backup.name},
        retry_mode="restart",
    )
    env = {
        "OPERATION": op.id,
        "DATA_DIR": data_dir,
        "ASIDE": f"{data_dir}.kctui-before-restore",
        "NEW": f"{data_dir}.kctui-restoring",
        "SNAPSHOT": snapshot,
        "MANIFESTS": MANIFESTS,
        "MANIFESTS_ASIDE": MANIFESTS_ASIDE,
        "MEMBERS": " ".join(f"{n.node}={n.ip}" for n in masters),
        "INITIAL_CLUSTER": ",".join(f"{n.node}=https://{n.ip}:2380" for n in masters),
    }

    def step(name: str, title: str, script: str, timeout: float = 300, **kw: object) -> Step:
        return Step(
            name=name,
            title=title,
            nodes=names,
            env=env,
            script=script,
            timeout=timeout,
            **kw,
        )

    op.steps = [
        Step(
            name="fetch",
            title="fetch the snapshot to every control-plane node and verify its sha256",
            action="local",
            call="restore-fetch",
            args={"backup": backup.name, "nodes": names, "dest": snapshot},
            timeout=3600,
        ),
        # etcdctl is looked for before anything is stopped: without it, nothing could be restored.
        step(
            "stop-etcd",
            "move the static pod manifests aside and wait for etcd to stop",
            ETCDCTL + KUBELET_RUNNING + MANIFESTS_OUT,
        ),
        step(
            "move-data",
            "move the etcd data dir aside",
            MOVE_DATA,
        ),
        step(
            "restore",
            "etcdctl snapshot restore, member by member",
            RESTORE_MEMBER,
        ),
        step(
            "start-etcd",
            "put the manifests back and wait for etcd to be healthy",
            ETCDCTL + MANIFESTS_BACK + WAIT_HEALTHY.format(seconds=180),
            timeout=400,
        ),
        # Once every member is healthy on the restored data, the old data is not wanted back.
        step(
            "clean",
            "remove the old data and the fetched snapshot",
            'rm -rf "$ASIDE" "$SNAPSHOT"\nrmdir "$MANIFESTS_ASIDE" 2>/dev/null || true\necho done\n',
        ),
        Step(
            name="restart-kubelet",
            title="restart the kubelets",
            nodes=[n.node for n in cluster.status.nodes],
            script=RESTART_KUBELET,
            timeout=120,
            ignore_errors=True,  # the restore is done; a kubelet that does not restart is logged
        ),
        step("put-back", "put the old etcd data and manifests back", PUT_BACK, rescue=True),
    ]
    return op
