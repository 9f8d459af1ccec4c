"""Our keys set into a node's existing config file, everything else in it kept."""

from __future__ import annotations

import json
from typing import Any

import tomlkit


def merge_toml(existing: str, ours: dict[str, Any]) -> str:
    """Set our keys in the existing document, keeping every other table and comment."""
    doc = tomlkit.parse(existing) if existing.strip() else tomlkit.document()
    _merge(doc, ours)
    return tomlkit.dumps(doc)


def _merge(target: Any, ours: dict[str, Any]) -> None:
    for key, value in ours.items():
        if isinstance(value, dict):
            if key not in target or not isinstance(target[key], dict):
                target[key] = tomlkit.table()
            _merge(target[key], value)
        else:
            target[key] = value


def merge_file(kind: str, existing: str, ours_json: str) -> str:
    """`kind` toml keeps the file's other tables and comments; json merges the top level."""
    ours = json.loads(ours_json)
    if kind == "toml":
        return merge_toml(existing, ours)
    current = json.loads(existing) if existing.strip() else {}
    current.update(ours)
    return json.dumps(current, indent=2) + "\n"
