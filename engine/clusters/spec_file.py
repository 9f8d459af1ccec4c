"""A cluster as a portable YAML spec (apiVersion kctui/v1): read with every problem named, and
written the same way by the CLI's export, the wizard's preview and the cluster screen."""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import ValidationError

from engine.clusters.validate import SpecError
from engine.errors import Problem, RefusedError
from store.documents.base import field_errors
from store.documents.cluster import Cluster


def export(cluster: Cluster) -> dict[str, Any]:
    data: dict[str, Any] = cluster.model_dump(
        mode="json", by_alias=True, include={"api_version", "kind", "metadata", "spec"}
    )
    return data


def export_yaml(cluster: Cluster) -> str:
    return yaml.safe_dump(export(cluster), sort_keys=False)


class SpecFileError(RefusedError):
    """The text is not a spec at all: one line, naming where it came from."""


def parse(text: str, source: str) -> Cluster:
    """The cluster in `text` (read from `source`, named in errors)."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise SpecFileError(f"{source}: not valid YAML: {e}") from None
    except RecursionError:
        raise SpecFileError(f"{source}: nested too deep to be a cluster spec") from None
    if not isinstance(raw, dict):
        raise SpecFileError(
            f"{source}: a spec is a YAML mapping (apiVersion, kind, metadata, spec)"
        )
    try:
        return Cluster.model_validate(raw)
    except ValidationError as e:
        raise SpecError([Problem(f or "spec", m) for f, m in field_errors(e)]) from None
