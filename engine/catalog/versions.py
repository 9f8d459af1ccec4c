"""Kubernetes versions compared as versions (v1.9 < v1.10), and the skew rules an upgrade
must keep: newer, one minor at a time, and no docker past 1.23 (the dockershim is gone)."""

from __future__ import annotations

import re

from engine.errors import Problem

VERSION_RE = re.compile(r"^v?(\d{1,3})\.(\d{1,3})\.(\d{1,4})$")


def parse(version: str) -> tuple[int, int, int] | None:
    """(major, minor, patch), or None when `version` is not vMAJOR.MINOR.PATCH."""
    match = VERSION_RE.match(version.strip())
    if match is None:
        return None
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


def upgrade_problems(current: str, target: str, runtime: str, field: str = "to") -> list[Problem]:
    """Why `current` cannot be upgraded to `target`, each naming the rule; [] when it can."""
    now, then = parse(current), parse(target)
    if then is None:
        return [Problem(field, f"{target!r} is not a version like v1.29.10")]
    if now is None:
        return [Problem(field, f"the cluster's version {current!r} cannot be read")]
    if then <= now:
        word = "is the cluster's version" if then == now else "is older than the cluster's"
        return [Problem(field, f"{target} {word} ({current}): an upgrade goes to a newer version")]
    if then[0] != now[0]:
        return [
            Problem(field, f"{target} changes the major version; kctui upgrades within v{now[0]}")
        ]
    if then[1] - now[1] > 1:
        return [
            Problem(
                field,
                f"{target} skips a minor version: kubeadm upgrades one minor at a time, so "
                f"go to v{now[0]}.{now[1] + 1}.x first",
            )
        ]
    if runtime == "docker" and now[:2] <= (1, 23) < then[:2]:
        return [
            Problem(
                field,
                f"{target} has no dockershim (removed in v1.24); the cluster runs docker, which "
                "v1.24 and later cannot use",
            )
        ]
    return []
