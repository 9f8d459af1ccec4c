"""Steps that run on the jump host (action `local`), named in the plan and looked up here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from store.documents.operation import Operation, Step

Emit = Callable[[str, str], None]
LocalAction = Callable[[Operation, Step, Emit], Awaitable[int]]
REGISTRY: dict[str, LocalAction] = {}


def register(name: str) -> Callable[[LocalAction], LocalAction]:
    def add(fn: LocalAction) -> LocalAction:
        REGISTRY[name] = fn
        return fn

    return add


async def run(call: str, op: Operation, step: Step, node: str, emit: Emit) -> int:
    action = REGISTRY.get(call)
    if action is None:
        emit("err", f"kctui: no local action named {call!r}")
        return 127
    return await action(op, step, emit)


@register("echo")
async def _echo(op: Operation, step: Step, emit: Emit) -> int:
    """Writes its `message` argument to the log: a marker in a plan, and a test of local steps."""
    emit("out", str(step.args.get("message", "")))
    return 0
