"""Templates made on their own (from a file, or the TUI's template editor) rather than saved
from a cluster: checked as a create would check the same configuration, minus the nodes."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from engine import grammar
from engine.clusters.validate import validate
from engine.errors import Problem, RefusedError
from store.documents.cluster import ClusterSpec
from store.documents.template import Template
from store.store import Store

NODE_FIELDS = ("spec.masters", "spec.workers", "metadata")


def problems(template: Template, store: Store) -> list[Problem]:
    """What is wrong with a template to be stored, its fields named as the file names them
    (cluster.networking.pods, storage.nfs[0].sharedPath)."""
    found = []
    if not grammar.NAME_RE.match(template.name):
        found.append(Problem("name", f"{template.name!r}: use lowercase letters, digits and '-'"))
    elif store.templates.exists(template.name):
        found.append(Problem("name", f"a template named {template.name!r} exists; pick another"))
    if template.cluster is not None:
        found += [
            Problem("cluster." + p.field.removeprefix("spec."), p.message)
            for p in validate("template", template.cluster, store)
            if not p.field.startswith(NODE_FIELDS)
        ]
    if template.storage is not None:
        found += [
            Problem(p.field.removeprefix("spec."), p.message)
            for p in validate("template", ClusterSpec(storage=template.storage), store)
            if p.field.startswith("spec.storage")
        ]
    return found


def create(store: Store, raw: Any) -> Template:
    """Store the template a document describes (as `template show` prints one); refused with
    every problem at once, nothing stored."""
    if not isinstance(raw, dict):
        raise RefusedError(
            problems=[Problem("template", "give a mapping: name, type, cluster|storage")]
        )
    try:
        template = Template.model_validate(raw)
    except ValidationError as e:
        raise RefusedError(
            problems=[
                Problem(".".join(str(x) for x in err["loc"]) or "template", err["msg"])
                for err in e.errors()
            ]
        ) from None
    found = problems(template, store)
    if found:
        raise RefusedError(problems=found)
    return store.templates.add(template)
