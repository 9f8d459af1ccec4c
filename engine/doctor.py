"""What is wrong with a data dir, found without changing it: modes that let others read it, a
missing or wrong secret key, secrets it cannot read, damaged documents and operations, and
operations whose process is gone."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from engine.execution.locks import owner_alive
from store.documents.operation import OperationStatus
from store.errors import DamagedDocumentError, SecretKeyError, StoreError
from store.secrets import PREFIX, undecryptable
from store.store import SECRET_KEY_FILE, STATE_FILE, Store


@dataclass(frozen=True)
class Finding:
    check: str
    subject: str
    problem: str
    fix: str


@dataclass
class Report:
    findings: list[Finding]
    documents: int = 0
    operations: int = 0
    secrets: int = 0


def examine(store: Store) -> Report:
    report = Report(findings=_modes(store.data_dir))
    report.findings += _key(store)
    try:
        store.open()
    except StoreError as e:
        report.findings.append(
            Finding("documents", str(store.data_dir / STATE_FILE), str(e), "see the problem")
        )
        report.findings += _operations(store, report)
        return report
    for repo in store.repositories():
        for raw in repo.db.table(repo.model.TABLE).all():
            report.documents += 1
            report.secrets += _count_secrets(raw)
            try:
                repo._load(raw)
            except DamagedDocumentError as e:
                report.findings.append(
                    Finding(
                        "documents",
                        f"{e.path}: {e.kind} {e.key}",
                        e.reason,
                        "fix it in that file, or restore the file from a backup",
                    )
                )
            except SecretKeyError:
                field = undecryptable(raw, store.box) or "?"
                report.findings.append(_unreadable(store, f"{repo.kind} {repo._key(raw)}", field))
    report.findings += _operations(store, report)
    return report


def _count_secrets(raw: object) -> int:
    if isinstance(raw, str):
        return int(raw.startswith(PREFIX))
    if isinstance(raw, dict):
        return sum(_count_secrets(v) for v in raw.values())
    if isinstance(raw, list):
        return sum(_count_secrets(v) for v in raw)
    return 0


def _unreadable(store: Store, subject: str, field: str) -> Finding:
    return Finding(
        "secrets",
        f"{subject}, field {field}",
        f"encrypted with another key than {store.box.key_path}",
        "put back the secret.key it was written with, or enter the secret again",
    )


def _modes(data_dir: Path) -> list[Finding]:
    found = []
    uid = os.getuid()
    for path in [data_dir, *data_dir.rglob("*")]:
        try:
            st = path.lstat()
        except FileNotFoundError:
            continue  # removed while we looked
        if stat.S_ISLNK(st.st_mode):
            continue
        if st.st_uid != uid:
            found.append(
                Finding("modes", str(path), f"owned by uid {st.st_uid}", f"chown {uid} {path}")
            )
        if st.st_mode & 0o077:
            mode = stat.filemode(st.st_mode)
            found.append(
                Finding("modes", str(path), f"{mode}: others can read it", f"chmod go-rwx {path}")
            )
        if path.name.endswith(".tmp") or path.name.startswith(f".{SECRET_KEY_FILE}."):
            found.append(Finding("leftovers", str(path), "a write cut off by a kill", f"rm {path}"))
    return found


def _key(store: Store) -> list[Finding]:
    key = store.box.key_path
    stored = store.box.stored_secrets()
    if not key.exists():
        if not stored:
            return []
        return [
            Finding(
                "secrets",
                str(key),
                f"missing, and {stored} secrets are stored with it",
                "put back the secret.key of this data dir",
            )
        ]
    try:
        store.box.encrypt("")
    except SecretKeyError as e:
        return [Finding("secrets", str(key), str(e), "put back the original secret.key")]
    return []


def _operations(store: Store, report: Report) -> list[Finding]:
    found = []
    ops = store.operations.list()
    report.operations = len(ops) + len(store.operations.damaged)
    for e in store.operations.damaged:
        found.append(Finding("operations", str(e.path), e.reason, "see the problem"))
    for op in ops:
        report.secrets += len(op.outputs)
        if op.status == OperationStatus.RUNNING and not owner_alive(store.operations.dir(op.id)):
            found.append(
                Finding(
                    "locks",
                    f"operation {op.id}",
                    "running, but the process that ran it is gone",
                    f"kctui operation retry {op.id}",
                )
            )
    return found
