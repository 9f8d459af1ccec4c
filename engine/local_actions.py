"""Steps that run on the jump host (action `local`), named in the plan and looked up here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from store.documents.operation import Operation, Step
from store.settings import Settings
from store.store import Store

if TYPE_CHECKING:
    from engine.ssh.pool import SSHPool

Emit = Callable[[str, str], None]


@dataclass
class Context:
    store: Store
    op: Operation
    step: Step
    emit: Emit
    pool: SSHPool
    settings: Settings


LocalAction = Callable[[Context], Awaitable[int]]
REGISTRY: dict[str, LocalAction] = {}


def register(name: str) -> Callable[[LocalAction], LocalAction]:
    def add(fn: LocalAction) -> LocalAction:
        REGISTRY[name] = fn
        return fn

    return add


async def run(call: str, ctx: Context) -> int:
    if call not in REGISTRY and "." not in call:
        import engine.backup_actions
        import engine.cluster_actions  # noqa: F401 - registers the cluster steps
    action = REGISTRY.get(call)
    if action is None:
        ctx.emit("err", f"kctui: no local action named {call!r}")
        return 127
    return await action(ctx)


@register("echo")
async def _echo(ctx: Context) -> int:
    """Writes its `message` argument to the log: a marker in a plan, and a test of local steps."""
    ctx.emit("out", str(ctx.step.args.get("message", "")))
    return 0
