"""Steps that run on the jump host (action `local`), named in the plan and looked up here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
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
# What a plan's local step may call, by name: each domain lists its own, engine.operations
# puts them together and gives the table to the runner.
Actions = Mapping[str, LocalAction]


async def run(actions: Actions, call: str, ctx: Context) -> int:
    action = actions.get(call)
    if action is None:
        ctx.emit("err", f"kctui: no local action named {call!r}")
        return 127
    return await action(ctx)


async def echo(ctx: Context) -> int:
    """Writes its `message` argument to the log: a marker in a plan, and a test of local steps."""
    ctx.emit("out", str(ctx.step.args.get("message", "")))
    return 0


BUILTIN: Actions = {"echo": echo}
