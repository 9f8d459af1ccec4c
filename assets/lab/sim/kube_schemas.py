"""Fields of the configuration files kubeadm reads, per API version, from Kubernetes' Go types
(sources in schema_types.py), and the checker, so the lab refuses what real strict decoding
refuses."""

import datetime
import json
from typing import Any, cast

from schema_types import Schema
from schemas_components import KUBE_PROXY_CONFIGURATION, KUBELET_CONFIGURATION
from schemas_kubeadm import (
    CLUSTER_CONFIGURATION_V1BETA3,
    CLUSTER_CONFIGURATION_V1BETA4,
    INIT_CONFIGURATION_V1BETA3,
    INIT_CONFIGURATION_V1BETA4,
    JOIN_CONFIGURATION_V1BETA3,
    JOIN_CONFIGURATION_V1BETA4,
    RESET_CONFIGURATION_V1BETA4,
    UPGRADE_CONFIGURATION_V1BETA4,
)

SCHEMAS: dict[tuple[str, str], dict[str, Schema]] = {
    ("kubeadm.k8s.io/v1beta3", "InitConfiguration"): INIT_CONFIGURATION_V1BETA3,
    ("kubeadm.k8s.io/v1beta3", "ClusterConfiguration"): CLUSTER_CONFIGURATION_V1BETA3,
    ("kubeadm.k8s.io/v1beta3", "JoinConfiguration"): JOIN_CONFIGURATION_V1BETA3,
    ("kubeadm.k8s.io/v1beta4", "InitConfiguration"): INIT_CONFIGURATION_V1BETA4,
    ("kubeadm.k8s.io/v1beta4", "ClusterConfiguration"): CLUSTER_CONFIGURATION_V1BETA4,
    ("kubeadm.k8s.io/v1beta4", "JoinConfiguration"): JOIN_CONFIGURATION_V1BETA4,
    ("kubeadm.k8s.io/v1beta4", "ResetConfiguration"): RESET_CONFIGURATION_V1BETA4,
    ("kubeadm.k8s.io/v1beta4", "UpgradeConfiguration"): UPGRADE_CONFIGURATION_V1BETA4,
    ("kubelet.config.k8s.io/v1beta1", "KubeletConfiguration"): KUBELET_CONFIGURATION,
    ("kubeproxy.config.k8s.io/v1alpha1", "KubeProxyConfiguration"): KUBE_PROXY_CONFIGURATION,
}

_KUBEADM = "kubernetes/kubernetes cmd/kubeadm/app/apis/kubeadm/"
SOURCES = {  # (apiVersion, kind) -> "kubernetes/kubernetes <path> <Go type>"
    (api, kind): f"{_KUBEADM}{api.rsplit('/', 1)[1]}/types.go {kind}"
    for api, kind in SCHEMAS
    if api.startswith("kubeadm.k8s.io/")
}
SOURCES[("kubelet.config.k8s.io/v1beta1", "KubeletConfiguration")] = (
    "kubernetes/kubernetes staging/src/k8s.io/kubelet/config/v1beta1/types.go KubeletConfiguration"
)
SOURCES[("kubeproxy.config.k8s.io/v1alpha1", "KubeProxyConfiguration")] = (
    "kubernetes/kubernetes staging/src/k8s.io/kube-proxy/config/v1alpha1/types.go "
    "KubeProxyConfiguration"
)

# ---- the checker -----------------------------------------------------------------------------
_RANGES = {
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "int": (-(2**63), 2**63 - 1),
    "uint32": (0, 2**32 - 1),
}
_QUANTITY_RE = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"  # resource.splitREString
_MAP = "map[string]"


def _json_kind(v: object) -> str:
    """How Go's encoding/json names a JSON value in UnmarshalTypeError."""
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, dict):
        return "object"
    if isinstance(v, (list, tuple)):
        return "array"
    return "string"


def _go_type(t: Schema) -> str:
    if isinstance(t, dict):
        return cast(str, t["$go"])
    if isinstance(t, list):
        return "[]" + _go_type(t[0])
    if t.startswith(_MAP):
        return _MAP + _go_type(_parse(t[len(_MAP) :]))
    base, _, go = t.partition(":")
    return go or {
        "int": "int32",
        "float": "float64",
        "duration": "v1.Duration",
        "time": "v1.Time",
        "quantity": "resource.Quantity",
        "any": "interface {}",
        "duration|int": "v1.TimeOrMetaDuration",
    }.get(base, base)


def _parse(t: str) -> Schema:
    """A map's value type: "[x]" is a list of x, anything else is as written."""
    if t.startswith("[") and t.endswith("]"):
        return [_parse(t[1:-1])]
    return t


def _go_number(v: object) -> str:
    return repr(v)


def _walk(
    t: Schema,
    v: Any,
    fields: list[str],
    spath: str,
    struct: str,
    unknown: list[str],
    typeerrs: list[str],
) -> None:
    """Check value v against type t. fields: json names from the root (Go's FieldStack, no list
    indices); spath: the strict path with [i] for list items; struct: the Go struct whose field
    is being decoded (UnmarshalTypeError.Struct)."""
    if v is None:
        return

    def mismatch(value_text: str | None = None, go: str | None = None) -> None:
        where = f"Go struct field {struct}.{'.'.join(fields)}" if fields else "Go value"
        typeerrs.append(
            f"json: cannot unmarshal {value_text or _json_kind(v)} into {where} "
            f"of type {go or _go_type(t)}"
        )

    if isinstance(t, dict):
        if not isinstance(v, dict):
            return mismatch()
        inner = cast(str, t["$go"]).rsplit(".", 1)[-1]
        for key, sub in v.items():
            key = str(key)
            path = f"{spath}.{key}" if spath else key
            if key not in t or key.startswith("$"):
                unknown.append(path)
            else:
                _walk(t[key], sub, [*fields, key], path, inner, unknown, typeerrs)
        return
    if isinstance(t, list):
        if not isinstance(v, (list, tuple)):
            return mismatch()
        for i, item in enumerate(v):
            _walk(t[0], item, fields, f"{spath}[{i}]", struct, unknown, typeerrs)
        return
    if t.startswith(_MAP):
        if not isinstance(v, dict):
            return mismatch()
        elem = _parse(t[len(_MAP) :])
        for key, item in v.items():
            _walk(elem, item, fields, f"{spath}.{key}", struct, unknown, typeerrs)
        return
    base, _, _ = t.partition(":")
    is_num = isinstance(v, (int, float)) and not isinstance(v, bool)
    if base == "any":
        return
    if base == "string":
        if not isinstance(v, str):
            mismatch()
    elif base == "bool":
        if not isinstance(v, bool):
            mismatch()
    elif base == "float":
        if not is_num:
            mismatch()
    elif base == "int":
        if isinstance(v, float):
            mismatch(f"number {_go_number(v)}")
        elif not is_num:
            mismatch()
        else:
            low, high = _RANGES.get(_go_type(t), _RANGES["int64"])
            if not low <= v <= high:
                mismatch(f"number {v}")
    elif base in ("duration", "time"):
        # metav1.Duration and metav1.Time unmarshal into a string first, with encoding/json,
        # whose error carries no struct context.
        ok = isinstance(v, str) or (base == "time" and isinstance(v, (datetime.date,)))
        if not ok:
            typeerrs.append(f"json: cannot unmarshal {_json_kind(v)} into Go value of type string")
    elif base == "quantity":
        if not (is_num or isinstance(v, str)):
            typeerrs.append(f"quantities must match the regular expression '{_QUANTITY_RE}'")
    elif base == "duration|int":
        if isinstance(v, str) or (is_num and isinstance(v, int)):
            return
        text = json.dumps(v, separators=(",", ":"), default=str)
        number = f"number {_go_number(v)}" if is_num else _json_kind(v)
        typeerrs.append(
            f"invalid duration {json.dumps(text)}: json: cannot unmarshal {number} "
            f"into Go value of type time.Duration"
        )
    else:
        raise ValueError(f"kube_schemas: unknown type {t!r}")


def errors(doc: object) -> list[str]:
    """Every problem of one document against its schema, in the words of Kubernetes' decoders.

    Type errors come first, in the words of encoding/json (real decoding stops at the first of
    them, so errors(doc)[0] is what kubeadm would print); then, if any, one message listing every
    unknown field, as sigs.k8s.io/json's strict mode does. [] for a valid document, or for one
    whose (apiVersion, kind) is not in SCHEMAS."""
    if not isinstance(doc, dict):
        return []
    # As the YAML has them, of any type: a pair that is not two strings matches no schema.
    gvk: tuple[Any, Any] = (doc.get("apiVersion"), doc.get("kind"))
    schema = SCHEMAS.get(gvk)
    if schema is None:
        return []
    unknown: list[str] = []
    typeerrs: list[str] = []
    _walk(schema, doc, [], "", cast(str, schema["$go"]).rsplit(".", 1)[-1], unknown, typeerrs)
    if unknown:
        typeerrs.append(
            "strict decoding error: " + ", ".join(f'unknown field "{p}"' for p in unknown)
        )
    return typeerrs
