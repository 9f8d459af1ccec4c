"""Nodes from a file: CSV with a header, a YAML list, or an Ansible INI inventory.

Everything is checked before anything is stored; each problem names its line.
"""

from __future__ import annotations

import csv
import io
import shlex
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from engine import grammar
from engine.errors import said
from engine.nodes.service import NodeError, default_name, validate
from store.documents.node import Node

FIELDS = {
    "name",
    "address",
    "port",
    "user",
    "key",
    "keyFile",
    "region",
    "labels",
    "jump",
    "hostKey",
}


class ImportError_(NodeError):
    pass


def _labels(value: Any, where: str) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    labels, problem = grammar.parse_labels(grammar.split_list(str(value or "")))
    if problem:
        raise ImportError_(f"{where}: {problem}")
    return labels


def _node(row: dict[str, Any], where: str) -> tuple[Node, str]:
    unknown = set(row) - FIELDS
    if unknown:
        raise ImportError_(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    address = str(row.get("address") or "").strip()
    if not address:
        raise ImportError_(f"{where}: address is required")
    try:
        node = Node(
            name=str(row.get("name") or default_name(address)),
            address=address,
            port=int(row["port"]) if row.get("port") not in (None, "") else None,
            user=str(row.get("user") or ""),
            key_file=str(row.get("key") or row.get("keyFile") or ""),
            region=str(row.get("region") or "default"),
            labels=_labels(row.get("labels"), where),
            jump=str(row.get("jump") or ""),
        )
    except (ValidationError, ValueError) as e:
        raise ImportError_(f"{where}: {e}") from None
    problems = validate(node)
    if problems:
        raise ImportError_(f"{where}: " + "; ".join(said(p, p.field) for p in problems))
    return node, str(row.get("hostKey") or "")


def _rows_csv(text: str) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text))
    return [(reader.line_num, {k: v for k, v in row.items() if k}) for row in reader]


def _rows_yaml(text: str) -> list[tuple[int, dict[str, Any]]]:
    docs = yaml.compose(text)
    data = yaml.safe_load(text)
    if not isinstance(data, list) or docs is None:
        raise ImportError_("the YAML file must be a list of nodes")
    rows = []
    for item, node in zip(data, docs.value, strict=True):
        if not isinstance(item, dict):
            raise ImportError_(f"line {node.start_mark.line + 1}: each node must be a mapping")
        rows.append((node.start_mark.line + 1, item))
    return rows


def _rows_ini(text: str) -> list[tuple[int, dict[str, Any]]]:
    rows = []
    group = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith(";"):
            continue
        if line.startswith("["):
            group = line.strip("[]")
            continue
        if ":vars" in group or ":children" in group:
            continue
        words = shlex.split(line)
        host, pairs = words[0], dict(w.split("=", 1) for w in words[1:] if "=" in w)
        row: dict[str, Any] = {"name": host, "address": pairs.get("ansible_host", host)}
        if "ansible_port" in pairs:
            row["port"] = pairs["ansible_port"]
        if "ansible_user" in pairs:
            row["user"] = pairs["ansible_user"]
        if "ansible_ssh_private_key_file" in pairs:
            row["key"] = pairs["ansible_ssh_private_key_file"]
        if "region" in pairs:
            row["region"] = pairs["region"]
        if group and group != "all":
            row["labels"] = {"kctui.io/group": group}
        rows.append((number, row))
    return rows


def parse(path: Path) -> list[tuple[Node, str]]:
    """(node, accepted host key fingerprint or "") for every entry; raises on the first problem
    list, naming every bad line."""
    text = path.read_text()
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _rows_csv(text)
    elif suffix in (".yaml", ".yml"):
        rows = _rows_yaml(text)
    elif suffix in (".ini", ".cfg", "") or text.lstrip().startswith("["):
        rows = _rows_ini(text)
    else:
        raise ImportError_(f"{path}: use .csv, .yaml or an Ansible INI inventory")
    out, problems, seen = [], [], set()
    for line, row in rows:
        try:
            node, fp = _node(row, f"line {line}")
        except ImportError_ as e:
            problems.append(str(e))
            continue
        if node.name in seen:
            problems.append(f"line {line}: name {node.name!r} appears twice in the file")
        seen.add(node.name)
        out.append((node, fp))
    if problems:
        raise ImportError_(f"{path}: nothing imported:\n  " + "\n  ".join(problems))
    if not out:
        raise ImportError_(f"{path}: no nodes found")
    return out
