"""`kctui cluster ...`: create from a spec file, list, show, retry, kubeconfig, export, delete."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kctui.cli.common import add_command
from kctui.cli.context import CliError, Context
from kctui.cli.operation import run_operation, start_or_wait
from kctui.cli.output import print_json, print_table


def register(sub: Any) -> None:
    cluster = sub.add_parser("cluster", help="Kubernetes clusters built on the nodes")
    verbs = cluster.add_subparsers(dest="verb", metavar="VERB", required=True)

    p = add_command(verbs, "create", "create a cluster from a spec file (kctui/v1 Cluster YAML)")
    p.add_argument("-f", "--file", type=Path, help="the spec; - reads standard input")
    p.add_argument("--template", help="take everything but the nodes from this template")
    p.add_argument("--print-defaults", action="store_true", help="print a full spec with defaults")
    p.add_argument(
        "--dry-run", action="store_true", help="print the whole plan; connect to nothing"
    )
    p.add_argument(
        "--output",
        type=Path,
        metavar="DIR",
        help="with --dry-run: write every file and step script of the plan under DIR, by node",
    )
    p.add_argument(
        "--via-jump-host",
        action="store_true",
        help="online, for nodes without internet: this jump host fetches the packages",
    )
    p.add_argument("--yes", action="store_true", help="create without asking")
    p.add_argument("--wait", action="store_true", help="follow the operation; exit code = result")
    p.set_defaults(handler=run_create)

    from kctui.cli import cluster_certs, cluster_nodes, cluster_storage, cluster_upgrade

    cluster_certs.register(verbs)
    cluster_nodes.register(verbs)
    cluster_storage.register(verbs)
    cluster_upgrade.register(verbs)

    p = add_command(verbs, "list", "list clusters")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_list)

    p = add_command(verbs, "show", "spec, phase, nodes and operations of a cluster")
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run_show)

    p = add_command(verbs, "retry", "resume the cluster's latest failed operation")
    p.add_argument("name")
    p.add_argument("--dry-run", action="store_true")
    p.set_defaults(handler=run_retry)

    p = add_command(verbs, "kubeconfig", "print the path of the admin kubeconfig")
    p.add_argument("name")
    p.set_defaults(handler=run_kubeconfig)

    p = add_command(verbs, "export", "print the cluster's spec as YAML")
    p.add_argument("name")
    p.set_defaults(handler=run_export)

    p = add_command(verbs, "set", "change a cluster's description, backup point or image registry")
    p.add_argument("name")
    p.add_argument("--description", metavar="TEXT")
    p.add_argument("--backup-point", metavar="POINT", help="'' detaches")
    p.add_argument(
        "--registry",
        metavar="REGISTRY",
        help="render every node's registry config again ('' for none)",
    )
    p.add_argument("--yes", action="store_true", help="confirm the registry change")
    p.add_argument("--wait", action="store_true", help="follow the registry change to its end")
    p.set_defaults(
        handler=run_set, flags={"registry": "--registry", "description": "--description"}
    )

    p = add_command(verbs, "kubectl", "run one kubectl command on a control-plane node")
    p.add_argument("name")
    p.add_argument("args", nargs=argparse.REMAINDER, help="kubectl arguments (after --)")
    p.set_defaults(handler=run_kubectl)

    p = add_command(verbs, "delete", "reset every node of the cluster and free them")
    p.add_argument("name")
    p.add_argument("--yes", action="store_true", help="confirm")
    p.add_argument("--force", action="store_true", help="also when backups exist")
    p.add_argument("--dry-run", action="store_true")
    p.set_defaults(handler=run_delete, flags={"force": "--force"})


def _errors(fn: Any) -> Any:
    def wrapped(ctx: Context, args: argparse.Namespace) -> int:
        from engine.clusters.validate import SpecError

        try:
            code: int = fn(ctx, args)
            return code
        except SpecError as e:
            raise CliError(
                "the spec has problems; nothing was changed:\n  "
                + "\n  ".join(str(p) for p in e.problems)
            ) from None

    return wrapped


def load_spec(path: Path) -> Any:
    from engine.clusters.spec_file import parse

    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text()
    except UnicodeDecodeError:
        raise CliError(f"{path}: not a text file; give a kctui/v1 Cluster YAML spec") from None
    return parse(text, str(path))


def _service(ctx: Context) -> Any:
    from engine.clusters.service import ClusterService

    return ClusterService(ctx.store, ctx.settings)


def _check_probing_stale(ctx: Context, service: Any, cluster: Any) -> None:
    """Every other check first (a bad spec changes nothing), then the nodes whose status is
    unknown or old are probed rather than refused, then their status is checked too."""
    import asyncio

    from engine.nodes.service import NodeService

    nodes = NodeService(ctx.store, ctx.settings)
    stale = nodes.stale(cluster.spec.node_names)
    service.check(cluster, unprobed=stale)
    if stale:
        print(f"probing {', '.join(stale)} (status unknown or not recent)", file=sys.stderr)
        asyncio.run(nodes.probe(stale))
    service.check(cluster)


@_errors
def run_create(ctx: Context, args: argparse.Namespace) -> int:
    if args.print_defaults:
        return _print_defaults()
    if args.file is None:
        raise CliError("give the spec with -f FILE (or --print-defaults for a full example)")
    from engine.execution.plan import render

    cluster = load_spec(args.file)
    if args.template:
        cluster = _with_template(ctx, cluster, args.template)
    if args.via_jump_host:
        cluster.spec.via_jump_host = True
    service = _service(ctx)
    if args.output is not None and not args.dry_run:
        raise CliError("--output goes with --dry-run")
    if args.dry_run:
        op = service.plan(cluster)
        if args.output is not None:
            from engine.execution.plan import write_out

            written = write_out(op, args.output)
            print(f"{len(written)} files written under {args.output}")
            return 0
        print(render(op, ctx.store), end="")
        return 0
    _check_probing_stale(ctx, service, cluster)
    service.check_registry(service.check(cluster))
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError("pass --yes to create the cluster without asking")
        if input(f"Create cluster {cluster.name}? [y/N] ").strip().lower() not in ("y", "yes"):
            raise CliError("not created")
    _, op = service.create(cluster)
    return start_or_wait(ctx, op, args.wait)


def _with_template(ctx: Context, cluster: Any, name: str) -> Any:
    """The spec file gives name and nodes; the template gives the rest."""
    template = ctx.store.templates.get(name)
    if template.cluster is None:
        raise CliError(f"template {name} is a storage template; use a cluster template")
    spec = template.cluster.model_copy(deep=True)
    spec.masters, spec.workers = cluster.spec.masters, cluster.spec.workers
    spec.region = cluster.spec.region
    return cluster.model_copy(update={"spec": spec})


def _print_defaults() -> int:
    from engine.catalog import catalog
    from engine.clusters.spec_file import export_yaml
    from store.documents.cluster import Cluster, MasterNode, NFSStorage, WorkerNode

    cluster = Cluster(metadata={"name": "demo"})
    cluster.spec.masters = [MasterNode(node="lab-1")]
    cluster.spec.workers = [WorkerNode(node="lab-2"), WorkerNode(node="lab-3")]
    cluster.spec.kubernetes_version = catalog.default_version()
    cluster.spec.storage.nfs = [
        NFSStorage(server_addr="nfs.example.lan", shared_path="/exports/k8s")
    ]
    cluster.spec.storage.default_storage_class = "nfs-sc"
    from engine.catalog.packages import resolve

    cluster.spec = resolve(cluster.spec)
    print(export_yaml(cluster), end="")
    return 0


@_errors
def run_list(ctx: Context, args: argparse.Namespace) -> int:
    clusters = ctx.store.clusters.list()
    if args.json:
        print_json([c.model_dump(mode="json", by_alias=True) for c in clusters])
        return 0
    print_table(
        ["NAME", "PHASE", "VERSION", "CP/WORKERS", "REGION", "LAST OPERATION"],
        [
            (
                c.name,
                c.status.phase.value,
                c.spec.kubernetes_version,
                f"{len(c.spec.masters)}/{len(c.spec.workers)}",
                c.spec.region,
                c.status.last_operation or "-",
            )
            for c in clusters
        ],
    )
    return 0


@_errors
def run_show(ctx: Context, args: argparse.Namespace) -> int:
    cluster = ctx.store.clusters.get(args.name)
    ops = ctx.store.operations.list(lambda o: o.cluster == args.name)
    if args.json:
        data = cluster.model_dump(mode="json", by_alias=True)
        data["operations"] = [{"id": o.id, "type": o.type, "status": o.status.value} for o in ops]
        print_json(data)
        return 0
    s = cluster.status
    print(
        f"{cluster.name}: {s.phase.value}, Kubernetes {cluster.spec.kubernetes_version}, region {cluster.spec.region}"
    )
    if s.message:
        print(f"message: {s.message}")
    print_table(
        ["NODE", "ROLE", "IP", "HOSTNAME"], [(n.node, n.role, n.ip, n.hostname) for n in s.nodes]
    )
    print()
    print_table(["OPERATION", "TYPE", "STATUS"], [(o.id, o.type, o.status.value) for o in ops])
    return 0


@_errors
def run_retry(ctx: Context, args: argparse.Namespace) -> int:
    from engine import operations
    from engine.execution.plan import render

    op = operations.retry_latest(ctx.store, args.name)
    if args.dry_run:
        print(render(op, ctx.store), end="")
        return 0
    return run_operation(ctx, op, dry_run=False)


@_errors
def run_kubeconfig(ctx: Context, args: argparse.Namespace) -> int:
    ctx.store.clusters.get(args.name)
    from engine.clusters.actions import kubeconfig_path

    path = kubeconfig_path(ctx.store, args.name)
    if not path.exists():
        raise CliError(
            f"{args.name} has no kubeconfig yet (it is written when the create succeeds)"
        )
    print(path)
    return 0


@_errors
def run_export(ctx: Context, args: argparse.Namespace) -> int:
    from engine.clusters.spec_file import export_yaml

    print(export_yaml(ctx.store.clusters.get(args.name)), end="")
    return 0


@_errors
def run_delete(ctx: Context, args: argparse.Namespace) -> int:
    from engine.clusters.plan.delete import plan_delete
    from engine.execution.plan import render

    cluster = ctx.store.clusters.get(args.name)
    if args.dry_run:
        print(render(plan_delete(cluster), ctx.store), end="")
        return 0
    if not args.yes:
        raise CliError(f"deleting cluster {args.name} resets all its nodes; pass --yes to confirm")
    op = _service(ctx).delete_operation(args.name, args.force)
    return run_operation(ctx, op, dry_run=False)


@_errors
def run_kubectl(ctx: Context, args: argparse.Namespace) -> int:
    import asyncio
    import shlex

    from engine.ssh.connection import SSHError
    from engine.ssh.pool import connect_first

    cluster = ctx.store.clusters.get(args.name)
    words = [a for a in args.args if a != "--"] if args.args[:1] == ["--"] else args.args
    command = "kubectl --kubeconfig /etc/kubernetes/admin.conf " + " ".join(
        shlex.quote(w) for w in words
    )

    async def run() -> tuple[int, str, str]:
        masters = [m.node for m in cluster.spec.masters]
        try:
            conn = await connect_first(ctx.store, ctx.settings.ssh, masters)
        except SSHError as e:
            raise CliError(f"no control-plane node of {args.name} is reachable: {e}") from None
        try:
            return await conn.run(command, time_limit=300)
        finally:
            await conn.close()

    code, out, err = asyncio.run(run())
    if out:
        print(out)
    if err:
        print(err, file=sys.stderr)
    return code


@_errors
def run_set(ctx: Context, args: argparse.Namespace) -> int:
    from engine.backups.points import BackupPointService

    if args.backup_point is None and args.registry is None and args.description is None:
        raise CliError(
            "say what to change: --description TEXT, --backup-point POINT, --registry REGISTRY"
        )
    if args.registry is not None and not args.yes:
        raise CliError(f"changing the registry of every node of {args.name} needs --yes")
    if args.description is not None:
        _service(ctx).describe(args.name, args.description)
        print(f"{args.name}: description {'set' if args.description else 'cleared'}")
    if args.backup_point is not None:
        BackupPointService(ctx.store, ctx.settings).attach(args.name, args.backup_point)
        print(f"{args.name}: backup point {args.backup_point or 'none'}")
    if args.registry is None:
        return 0
    op = _service(ctx).set_registry_operation(args.name, args.registry)
    return start_or_wait(ctx, op, args.wait)
