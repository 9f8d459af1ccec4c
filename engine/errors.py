"""The errors the engine raises for the operator to read: the message names the fix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field of what the operator gave. `field` is the document's
    field (YAML spelling: s3.endpoint, spec.masters[0].node); the CLI shows it as its flag and
    a form as its input."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class RefusedError(Exception):
    """The engine refused a request; the message names the field or node and the fix."""

    def __init__(self, message: str = "", problems: list[Problem] | None = None) -> None:
        self.problems = list(problems or [])
        super().__init__(message or "; ".join(said(p, p.field) for p in self.problems))


def said(problem: Problem, label: str) -> str:
    """A problem as one line under `label` (a flag, a field): "--fs '/x': ...", "keep: ..."."""
    sep = " " if problem.message[:1] in ("'", '"') else ": "
    return f"{label}{sep}{problem.message}"
