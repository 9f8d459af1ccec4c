"""Settings read from <data-dir>/settings.yaml; every key has a default."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import Field, ValidationError

from store.documents.base import Model

SETTINGS_FILE = "settings.yaml"


class SSHSettings(Model):
    max_parallel: int = Field(default=64, ge=1, le=4096)
    connect_timeout: float = Field(default=10.0, gt=0)
    keepalive_interval: float = Field(default=15.0, ge=0)


class SchedulerSettings(Model):
    # A run missed while no scheduler was up is still made when one starts within this time;
    # later, it is recorded as missed.
    missed_run_grace_seconds: float = Field(default=900.0, ge=0)
    poll_seconds: float = Field(default=15.0, gt=0)
    # How long a scheduler's claim on a job holds if it dies while running it.
    lease_seconds: float = Field(default=3600.0, gt=0)


class Settings(Model):
    ssh: SSHSettings = Field(default_factory=SSHSettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    # Online installs: a mirror of kctui packages; empty means upstream's releases, fetched by
    # the packages' recipes from `sources` (NAME: URL over upstream.yaml's, as `resource build
    # --source`) and checked against upstream's checksums or `pins` (SOURCE/PATH: SHA256).
    mirror_base_url: str = ""
    sources: dict[str, str] = Field(default_factory=dict)
    pins: dict[str, str] = Field(default_factory=dict)


class SettingsError(Exception):
    pass


def load_settings(data_dir: Path) -> Settings:
    path = data_dir / SETTINGS_FILE
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        return Settings()
    except (OSError, yaml.YAMLError) as e:
        raise SettingsError(f"{path}: cannot be read ({e}); fix or remove the file") from None
    try:
        return Settings.model_validate(raw)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()
        )
        raise SettingsError(f"{path}: {problems}") from None
