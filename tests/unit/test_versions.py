"""The upgrade rules: versions compared as numbers, one minor at a time, newer only, and the
dockershim's removal."""

from __future__ import annotations

from engine.catalog.versions import parse, upgrade_problems


def said(current: str, target: str, runtime: str = "containerd") -> str:
    return " ".join(p.message for p in upgrade_problems(current, target, runtime))


def test_versions_compare_as_numbers() -> None:
    assert parse("v1.9.3") is not None and parse("v1.10.0") is not None
    assert parse("v1.9.3") < parse("v1.10.0")  # type: ignore[operator]
    assert "v1.9.3" > "v1.10.0"  # as strings they would not
    assert said("v1.9.11", "v1.10.0") == ""
    assert parse("1.28") is None and parse("v1.28.x") is None


def test_each_refusal_names_its_rule() -> None:
    assert said("v1.28.15", "v1.29.10") == ""
    assert said("v1.28.3", "v1.28.15") == ""  # a patch upgrade
    assert "skips a minor version" in said("v1.28.15", "v1.30.6")
    assert "go to v1.29.x first" in said("v1.28.15", "v1.30.6")
    assert "older than the cluster's" in said("v1.29.10", "v1.28.15")
    assert "is the cluster's version" in said("v1.28.15", "v1.28.15")
    assert "no dockershim" in said("v1.23.17", "v1.24.17", "docker")
    assert said("v1.23.17", "v1.24.17", "containerd") == ""
    assert "not a version like" in said("v1.28.15", "latest")
    assert "major version" in said("v1.31.2", "v2.0.0")
