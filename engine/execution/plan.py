"""The plan of an operation, in full, without connecting to anything (dry-run)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from engine.execution.redact import MASK
from store.documents.operation import Operation, Step, TaskStatus
from store.store import Store


def _target(step: Step) -> str:
    if step.action == "local":
        return "the jump host"
    how = {"all": "all at once", "one": "one at a time"}.get(
        step.concurrency, f"in batches of {step.batch_size}"
    )
    return f"{', '.join(step.nodes)} ({how})"


def _env(step: Step) -> list[str]:
    shown = {**step.env, **dict.fromkeys(step.secrets, MASK)}
    return [f"export {k}={v}" for k, v in shown.items()]


def render(op: Operation, store: Store | None = None) -> str:
    lines = [f"plan of {op.id} ({op.type}{', cluster ' + op.cluster if op.cluster else ''})", ""]
    for i, step in enumerate(op.steps, start=1):
        done = " [done]" if step.status == TaskStatus.SUCCEEDED else ""
        lines.append(f"{i:02d} {step.name}{done}: {step.title or step.action} on {_target(step)}")
        lines.append(
            f"   timeout {step.timeout:g}s, retries {step.retries}"
            + (", errors ignored" if step.ignore_errors else "")
        )
        if step.action == "shell":
            lines.append("   script (bash -euo pipefail):")
            lines += [
                f"     | {line}" for line in _env(step) + step.script.rstrip("\n").splitlines()
            ]
        for f in step.files:
            if f.content is not None:
                lines.append(f"   file {f.dest} (mode {f.mode:o}):")
                lines += [f"     | {line}" for line in f.content.rstrip("\n").splitlines()]
            else:
                data = Path(f.source).read_bytes() if Path(f.source).exists() else b""
                digest = hashlib.sha256(data).hexdigest()
                lines.append(
                    f"   file {f.dest} (mode {f.mode:o}) from {f.source}: "
                    f"{len(data)} bytes, sha256 {digest}"
                )
        if step.action == "local":
            lines.append(f"   call {step.call} {step.args}")
        lines.append("")
    return "\n".join(lines)


def write_out(op: Operation, out: Path) -> list[Path]:
    """Every file of the plan and each step's script under `out`, laid out by node and path:
    `nodes/<node>/files/<path on the node>` and `nodes/<node>/steps/NN-<step>.sh`. A file merged
    into the node's own is written as merged into an empty one. Packages copied from the jump
    host are listed in `plan.txt`, not copied. Secrets are masked as in the plan."""
    from engine.execution.merge import merge_file

    written: list[Path] = []

    def put(path: Path, text: str, mode: int = 0o644) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(mode & 0o644)
        written.append(path)

    out.mkdir(parents=True, exist_ok=True)
    put(out / "plan.txt", render(op))
    for i, step in enumerate(op.steps, start=1):
        for node in step.nodes:
            base = out / "nodes" / node
            if step.action == "shell":
                script = "\n".join(_env(step)) + "\n" + step.script
                put(
                    base / "steps" / f"{i:02d}-{step.name}.sh",
                    "#!/bin/bash -euo pipefail\n" + script,
                )
            for f in step.files:
                if step.action != "upload" or f.content is None:
                    continue
                text = merge_file(f.merge, "", f.content) if f.merge else f.content
                dest = (base / "files" / f.dest.lstrip("/")).resolve()
                if not dest.is_relative_to(base.resolve()):
                    raise ValueError(f"{f.dest}: a file outside the node's tree")
                put(dest, text, f.mode)
    return written
