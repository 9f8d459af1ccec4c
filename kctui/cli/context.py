"""What every command needs, opened lazily: the data dir, its settings and its store."""

from __future__ import annotations

import sys
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from kctui.paths import resolve_data_dir
from store.store import Store

if TYPE_CHECKING:
    from store.settings import Settings


class CliError(Exception):
    """A failure the operator can fix; printed as one line, exit code 1 unless set."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Context:
    def __init__(self, data_dir_arg: str | None) -> None:
        self.data_dir: Path = resolve_data_dir(data_dir_arg)
        self._store: Store | None = None

    @cached_property
    def settings(self) -> Settings:
        from store.settings import SettingsError, load_settings

        try:
            return load_settings(self.data_dir)
        except SettingsError as e:
            raise CliError(str(e)) from None

    @property
    def store(self) -> Store:
        if self._store is None:
            try:
                self._store = Store(self.data_dir)
            except OSError as e:
                raise CliError(f"data dir {self.data_dir}: {e.strerror or e}") from None
        return self._store

    def close(self) -> None:
        if self._store is not None:
            for damaged in self._store.take_damaged():
                print(f"kctui: skipped a damaged document: {damaged}", file=sys.stderr)
            self._store.close()
