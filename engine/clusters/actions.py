"""Local steps of cluster operations: what happens on the jump host."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import yaml

from engine.execution.actions import Actions, Context
from store.store import Store


async def save_kubeconfig(ctx: Context) -> int:
    """The admin kubeconfig, reachable from the jump host, at <data-dir>/kubeconfigs/<c>.conf."""
    cluster = str(ctx.step.args["cluster"])
    target = kubeconfig_path(ctx.store, cluster)
    directory = target.parent
    downloaded = kubeconfig_download(ctx.store, cluster)

    def write() -> None:
        config = yaml.safe_load(downloaded.read_text())
        for entry in config.get("clusters", []):
            entry["cluster"]["server"] = str(ctx.step.args["server"])
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            yaml.safe_dump(config, f, sort_keys=False)
        os.chmod(target, 0o600)
        downloaded.unlink()

    await asyncio.to_thread(write)
    ctx.emit("out", f"saved {target} (mode 0600)")
    return 0


def kubeconfig_download(store: Store, cluster: str) -> Path:
    """Where the create's fetch step puts admin.conf before save-kubeconfig makes it ours."""
    return store.kubeconfigs_dir / f".{cluster}.download"


def kubeconfig_path(store: Store, cluster: str) -> Path:
    """Where the admin kubeconfig of `cluster` is kept on the jump host."""
    return store.kubeconfigs_dir / f"{cluster}.conf"


async def free_nodes(ctx: Context) -> int:
    cluster = str(ctx.step.args["cluster"])
    for node in ctx.store.nodes.list(lambda n: n.cluster == cluster):
        ctx.store.nodes.update(node.name, lambda n: setattr(n, "cluster", ""))
        ctx.emit("out", f"{node.name} is free")
    kubeconfig_path(ctx.store, cluster).unlink(missing_ok=True)
    return 0


async def fetch_packages(ctx: Context) -> int:
    """Online through the jump host: each package the create needs, made here from upstream
    by its recipe (every file checked; no images: the nodes pull them), for the copy step."""
    from engine.catalog.build import Builder
    from engine.catalog.online import Online
    from engine.catalog.recipes import for_package
    from engine.errors import RefusedError

    args = ctx.step.args
    online = Online.from_settings(ctx.settings)
    builder = Builder(
        cache_dir=ctx.store.data_dir / "build-cache", sources=online.sources, pins=online.pins
    )
    for wanted in args["packages"]:
        recipe = for_package(
            wanted["name"], wanted["version"], str(args["kubernetesVersion"]), str(args["arch"])
        )
        dest = Path(wanted["dest"])
        try:
            await asyncio.to_thread(builder.package, recipe, dest.parent, False)
        except (RefusedError, OSError) as e:
            ctx.emit("err", f"{recipe.package_id}: {e}")
            return 1
        ctx.emit("out", f"{recipe.package_id}: fetched and checked ({dest})")
    return 0


ACTIONS: Actions = {
    "fetch-packages": fetch_packages,
    "save-kubeconfig": save_kubeconfig,
    "free-nodes": free_nodes,
}
