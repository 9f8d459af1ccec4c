"""Bootstrap tokens and certificate keys are secrets: masked in every log line and output,
and encrypted where an operation keeps them."""

from __future__ import annotations

import json
from collections import Counter

from engine.execution.redact import MASK, Redactor
from store.documents.operation import Operation, Step
from store.secrets import Secret
from store.store import Store

TOKEN = "abcdef.0123456789abcdef"
KEY = "0f" * 32
JOIN = (
    f"kubeadm join apiserver.cluster.local:6443 --token {TOKEN} "
    f"--discovery-token-ca-cert-hash sha256:{'1a' * 32}"
)


def test_tokens_and_certificate_keys_are_masked_by_their_shape() -> None:
    redact = Redactor()
    assert TOKEN not in redact(JOIN) and MASK in redact(JOIN)
    assert "sha256:" + "1a" * 32 in redact(JOIN)  # the CA hash is public
    line = f"  {JOIN} --control-plane --certificate-key {KEY}"
    assert KEY not in redact(line) and TOKEN not in redact(line)
    assert redact(KEY) == MASK  # kubeadm prints the key alone on a line
    assert redact("snapshot 3 bytes, sha256 " + "ab" * 32).endswith("ab" * 32)


def test_an_operations_outputs_are_encrypted_in_the_store(
    store: Store, tally: Counter[str]
) -> None:
    op = Operation(
        type="create-cluster",
        cluster="demo",
        steps=[Step(name="init", nodes=["n1"], script="true")],
        outputs={"join_command": Secret(JOIN)},
    )
    store.operations.add(op)
    kept = [p for p in store.data_dir.rglob("*") if p.is_file()]
    hits = [p for p in kept if TOKEN.encode() in p.read_bytes()]
    tally["places searched for plaintext secrets"] += len(kept)
    tally["plaintext secret hits"] += len(hits)
    assert kept and not hits
    again = store.operations.get(op.id)
    assert again.outputs["join_command"].reveal() == JOIN
    shown = json.loads(again.model_dump_json())
    assert shown["outputs"]["join_command"] == MASK  # outside the store: masked
