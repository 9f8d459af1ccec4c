"""The lab refuses to start without root or without its tools, and says what to install."""

from __future__ import annotations

import pytest

from kctui.lab import system


def test_needs_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(system.os, "geteuid", lambda: 1000)
    with pytest.raises(system.LabError, match="the lab needs root"):
        system.check_requirements()


def test_names_a_missing_tool_and_the_apt_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(system.os, "geteuid", lambda: 0)
    monkeypatch.setattr(
        system, "REQUIRED", (*system.REQUIRED, ("/nonexistent/etcd", "etcd-server-missing"))
    )
    with pytest.raises(system.LabError) as err:
        system.check_requirements()
    assert "etcd-server-missing" in str(err.value)
    assert f"apt-get install -y {system.APT_PACKAGES}" in str(err.value)
