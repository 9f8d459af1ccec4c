"""The notation the lab's configuration schemas are written in, and its object helper."""

# Type notation:
#   "string", "int", "bool", "float"
#   "duration"  a Go metav1.Duration string such as "4m0s" (a string; any string accepted)
#   "time"      an RFC 3339 timestamp string (PyYAML's datetime for an unquoted one is accepted)
#   "quantity"  resource.Quantity: a string or a number
#   "duration|int"  component-base's TimeOrMetaDuration: a duration string or nanoseconds
#   "any"       free-form (runtime.RawExtension, interface{}, or types not worth spelling out)
#   "map[string]string", "map[string]bool", "map[string]any"  (maps: keys are free, values typed;
#               any scalar of this notation may follow "map[string]", and "[x]" there is a list
#               of x: "map[string][string]" is Go's map[string][]string)
#   ["string"]  a list of that type;  [{...}] a list of objects
#   {"field": type, ...}  an object whose fields are exactly these
# Go types for the error messages: a scalar may carry its Go type after a colon ("int:int64",
# "float:float32"; "int" alone is int32, "float" alone float64), and an object carries its
# qualified Go type under the key "$go" (not a field).

# Read from the search index's stored copies (kubernetes/kubernetes unless said otherwise):
#   kubeadm v1beta3   cmd/kubeadm/app/apis/kubeadm/v1beta3/types.go  @008b3652959c (1.30-era;
#                     the v1beta3 field set did not change from 1.22 on)
#   kubeadm v1beta4   cmd/kubeadm/app/apis/kubeadm/v1beta4/types.go  @1329935739c3 (1.31-era), plus
#                     the fields added since, from liggitt/kubernetes @94640da199f5 (master, 2025-26)
#                     and marked "since 1.3x" below
#   bootstrap tokens  cmd/kubeadm/app/apis/bootstraptoken/v1/types.go @2d350a359e7b
#   kubelet           staging/src/k8s.io/kubelet/config/v1beta1/types.go @001332b04220 (1.36-era)
#   kube-proxy        staging/src/k8s.io/kube-proxy/config/v1alpha1/types.go @052d2d84f95e (newest)
#   core/v1           staging/src/k8s.io/api/core/v1/types.go @001a778fa11f (Taint, EnvVar, ...)
#   component-base    staging/src/k8s.io/component-base/{logs/api/v1,config/v1alpha1,
#                     tracing/api/v1}/types.go

from collections.abc import Mapping
from typing import TypeAlias

# A type in the notation above; an object's "$go" entry is a str among its fields.
Schema: TypeAlias = "str | list[Schema] | dict[str, Schema]"


def _o(go: str, *inline: Mapping[str, Schema], **fields: Schema) -> dict[str, Schema]:
    """An object of Go type `go`: the fields of the inlined parts, then the named ones."""
    out: dict[str, Schema] = {"$go": go}
    for part in inline:
        out.update({k: v for k, v in part.items() if k != "$go"})
    out.update(fields)
    return out


_TYPE_META = {"apiVersion": "string", "kind": "string"}  # metav1.TypeMeta (inline)


_TYPE_META = {"apiVersion": "string", "kind": "string"}  # metav1.TypeMeta (inline)
_TAINT = _o("v1.Taint", key="string", value="string", effect="string", timeAdded="time")  # v1.Taint
