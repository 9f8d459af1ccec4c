"""The lab's kubectl: get, create, apply, delete, label, taint, cordon, drain, wait, version."""

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any, cast

import kube
import yaml

NOT_READY_AFTER = 20.0  # seconds without a kubelet heartbeat


class Args:
    words: list[str]
    flags: dict[str, str | bool]  # True: given without a value
    files: list[str]
    literals: list[str]

    def __init__(self, argv: list[str]) -> None:
        self.words, self.flags, self.files, self.literals = [], {}, [], []
        takes = {
            "-n",
            "--namespace",
            "-o",
            "--output",
            "--kubeconfig",
            "-f",
            "--filename",
            "-l",
            "--selector",
            "--for",
            "--timeout",
            "--context",
        }
        i = 0
        while i < len(argv):
            a = argv[i]
            if a.startswith("--") and "=" in a:
                k, v = a.split("=", 1)
                self._set(k, v)
            elif a in takes:
                if i + 1 == len(argv):  # as kubectl's flag parser refuses it
                    raise SystemExit(f"error: flag needs an argument: {a}")
                self._set(a, argv[i + 1])
                i += 1
            elif a.startswith("-") and a != "-":
                self.flags[a] = True
            else:
                self.words.append(a)
            i += 1

    def _set(self, k: str, v: str) -> None:
        k = {"-n": "--namespace", "-o": "--output", "-f": "--filename", "-l": "--selector"}.get(
            k, k
        )
        if k == "--filename":
            self.files.append(v)
        elif k == "--from-literal":
            self.literals.append(v)
        else:
            self.flags[k] = v

    # Any: a switch's value is True; callers ask value flags, which always hold text.
    def get(self, name: str, default: str | None = None) -> Any:
        return self.flags.get(name, default)


def main(argv: list[str]) -> int:
    a = Args(argv)
    if not a.words:
        print("usage: kubectl COMMAND", file=sys.stderr)
        return 1
    verb = a.words.pop(0)
    if verb == "version":
        print(f"Client Version: {kube.K8S_VERSION}")
        return 0
    config = (
        a.get("--kubeconfig")
        or os.environ.get("KUBECONFIG")
        or os.path.expanduser("~/.kube/config")
    )
    if not os.path.exists(config):
        print("error: no kubeconfig: pass --kubeconfig or set KUBECONFIG", file=sys.stderr)
        return 1
    client = kube.Client(config)
    handler = {
        "get": cmd_get,
        "create": cmd_create,
        "apply": cmd_apply,
        "delete": cmd_delete,
        "label": cmd_label,
        "taint": cmd_taint,
        "cordon": cmd_cordon,
        "uncordon": cmd_uncordon,
        "drain": cmd_drain,
        "wait": cmd_wait,
        "cluster-info": cmd_cluster_info,
    }.get(verb)
    if handler is None:
        print(f'error: unknown command "{verb}" for "kubectl"', file=sys.stderr)
        return 1
    try:
        return handler(client, a)
    except OSError as e:
        print(f"The connection to the server {client.server} was refused - {e}", file=sys.stderr)
        return 1


def _targets(a: Args) -> tuple[str, list[str]]:
    """(kind, [names]) from 'nodes a b' or 'node/a node/b'."""
    words = list(a.words)
    if words and "/" in words[0]:
        pairs = [w.split("/", 1) for w in words]
        return kube.kind_of(pairs[0][0]), [n for _, n in pairs]
    if not words:
        raise SystemExit("error: you must specify the type of resource")
    return kube.kind_of(words[0]), words[1:]


def _ns(a: Args, kind: str) -> str | None:
    return a.get("--namespace", "default") if kube.resource_of(kind)[1] else None


def _fetch(client: kube.Client, kind: str, names: list[str], a: Args) -> list[dict[str, Any]]:
    resource, namespaced = kube.resource_of(kind)
    if names:
        out = []
        for n in names:
            status, obj = client.get(kube.registry_key(kind, n, _ns(a, kind)))
            if status != 200:
                noun = resource.split("/")[-1]
                raise SystemExit(f'Error from server (NotFound): {noun} "{n}" not found')
            out.append(obj)
        return out
    prefix = f"/registry/{resource}/"
    if namespaced and not a.flags.get("-A") and not a.flags.get("--all-namespaces"):
        prefix += cast(str, _ns(a, kind)) + "/"  # a namespaced kind has one
    objs = [obj for _, obj in client.list(prefix)]
    selector = a.get("--selector")
    if selector:
        want = dict(p.split("=", 1) for p in selector.split(","))
        objs = [
            o
            for o in objs
            if all(o["metadata"].get("labels", {}).get(k) == v for k, v in want.items())
        ]
    return objs


def _ready(node: dict[str, Any]) -> bool:
    for c in node.get("status", {}).get("conditions", []):
        if c.get("type") == "Ready":
            return time.time() - float(c.get("heartbeat", 0)) < NOT_READY_AFTER
    return False


def _age(obj: dict[str, Any]) -> str:
    ts = obj["metadata"].get("creationTimestamp")
    if not ts:
        return "<unknown>"
    import calendar

    secs = int(time.time() - calendar.timegm(time.strptime(ts, "%Y-%m-%dT%H:%M:%SZ")))
    return f"{secs // 60}m" if secs >= 60 else f"{secs}s"


def _row(kind: str, o: dict[str, Any], wide: bool, all_ns: bool = False) -> list[str]:
    m = o["metadata"]
    if kind == "Node":
        roles = (
            ",".join(
                sorted(
                    k.split("/", 1)[1]
                    for k in m.get("labels", {})
                    if k.startswith("node-role.kubernetes.io/")
                )
            )
            or "<none>"
        )
        status = "Ready" if _ready(o) else "NotReady"
        if o.get("spec", {}).get("unschedulable"):
            status += ",SchedulingDisabled"
        row = [
            m["name"],
            status,
            roles,
            _age(o),
            o.get("status", {}).get("nodeInfo", {}).get("kubeletVersion", ""),
        ]
        if wide:
            ips = [
                x["address"]
                for x in o.get("status", {}).get("addresses", [])
                if x["type"] == "InternalIP"
            ]
            row.append(ips[0] if ips else "<none>")
        return row
    if kind == "Pod":
        statuses = o.get("status", {}).get("containerStatuses", [])
        ready = sum(1 for c in statuses if c.get("ready"))
        waiting = [
            c["state"]["waiting"]["reason"] for c in statuses if "waiting" in c.get("state", {})
        ]
        status = waiting[0] if waiting else o.get("status", {}).get("phase", "Pending")
        row = [m["name"], f"{ready}/{len(statuses)}", status, "0", _age(o)]
        return [m.get("namespace", "default"), *row] if all_ns else row
    return [m["name"], _age(o)]


def cmd_get(client: kube.Client, a: Args) -> int:
    kind, names = _targets(a)
    objs = _fetch(client, kind, names, a)
    output = a.get("--output", "")
    if output == "json" or output == "yaml":
        value: object = (
            objs[0]
            if names and len(objs) == 1
            else {"apiVersion": "v1", "kind": "List", "items": objs}
        )
        print(
            json.dumps(value, indent=2)
            if output == "json"
            else yaml.safe_dump(value, width=1 << 30),
            end="\n" if output == "json" else "",
        )
        return 0
    if output == "name":
        for o in objs:
            print(f"{kube.resource_of(kind)[0].split('/')[-1].rstrip('s')}/{o['metadata']['name']}")
        return 0
    if output.startswith("jsonpath="):
        path = output.split("=", 1)[1].strip("{}").lstrip(".").split(".")
        value = objs[0] if names else {"items": objs}
        for part in path:
            value = value.get(part, "") if isinstance(value, dict) else ""
        print(value if isinstance(value, str) else json.dumps(value), end="")
        return 0
    if not objs:
        ns = _ns(a, kind)
        print(
            f"No resources found in {ns} namespace." if ns else "No resources found",
            file=sys.stderr,
        )
        return 0
    all_ns = bool(a.flags.get("-A") or a.flags.get("--all-namespaces"))
    head = {
        "Node": ["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
        "Pod": ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
    }.get(kind, ["NAME", "AGE"])
    if kind == "Pod" and all_ns:
        head = ["NAMESPACE", *head]
    if kind == "Node" and output == "wide":
        head.append("INTERNAL-IP")
    rows = [head] + [_row(kind, o, output == "wide", all_ns) for o in objs]
    if a.flags.get("--no-headers"):
        rows = rows[1:]
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("   ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=False)).rstrip())
    return 0


def _expand(files: list[str]) -> Iterator[str]:
    """-f takes files and directories (their .yaml, .yml and .json files), as kubectl does."""
    for f in files:
        if f != "-" and os.path.isdir(f):
            yield from sorted(
                os.path.join(f, n) for n in os.listdir(f) if n.endswith((".yaml", ".yml", ".json"))
            )
        else:
            yield f


def _documents(files: list[str]) -> Iterator[tuple[dict[str, Any], str]]:
    for f in _expand(files):
        if f == "-":
            text = sys.stdin.read()
        else:
            try:
                with open(f) as fh:
                    text = fh.read()
            except OSError as e:
                raise SystemExit(f'error: the path "{f}" cannot be read: {e.strerror}') from None
        for doc in yaml.safe_load_all(text):
            if not doc:
                continue
            if doc.get("kind") == "List":
                yield from ((item, f) for item in doc.get("items", []))
            else:
                yield doc, f


# Groups the API server serves itself; any other kind needs an Established CRD.
BUILT_IN_GROUPS = {
    "",
    "apps",
    "batch",
    "policy",
    "autoscaling",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "scheduling.k8s.io",
    "apiextensions.k8s.io",
    "networking.k8s.io",
    "admissionregistration.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "node.k8s.io",
    "certificates.k8s.io",
}
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
ANNOTATIONS_MAX = 262144  # apimachinery's TotalAnnotationSizeLimitB
ESTABLISH_AFTER = 1.0  # seconds the lab's API server takes to establish a new CRD


def _established(crd: dict[str, Any]) -> bool:
    return time.time() >= float(crd.get("status", {}).get("labEstablishedAt", 0))


def _require_crd(client: kube.Client, obj: dict[str, Any], source: str) -> None:
    group, _, version = obj.get("apiVersion", "").rpartition("/")
    if group in BUILT_IN_GROUPS:
        return
    kind = obj.get("kind", "")
    for _, crd in client.list("/registry/apiextensions.k8s.io/customresourcedefinitions/"):
        spec = crd.get("spec", {})
        if spec.get("group") == group and spec.get("names", {}).get("kind") == kind:
            if _established(crd):
                return
            break
    name = obj.get("metadata", {}).get("name", "")
    ns = obj.get("metadata", {}).get("namespace", "")
    raise SystemExit(
        f'error: resource mapping not found for name: "{name}" namespace: "{ns}" from "{source}": '
        f'no matches for kind "{kind}" in version "{group}/{version}"\n'
        "ensure CRDs are installed first"
    )


def _last_applied(obj: dict[str, Any]) -> str:
    """What a client-side apply keeps of the object in its annotation; refused past the
    annotation size limit, as the API server's ValidateAnnotationsSize does."""
    bare = json.loads(json.dumps(obj))
    bare.get("metadata", {}).get("annotations", {}).pop(LAST_APPLIED, None)
    text = json.dumps(bare, separators=(",", ":")) + "\n"
    annotations = dict(obj["metadata"].get("annotations") or {})
    annotations[LAST_APPLIED] = text
    size = sum(len(k) + len(v) for k, v in annotations.items())
    if size > ANNOTATIONS_MAX:
        kind, name = obj.get("kind", ""), obj["metadata"].get("name", "")
        raise SystemExit(
            f'The {kind} "{name}" is invalid: metadata.annotations: Too long: must have at most '
            f"{ANNOTATIONS_MAX} bytes"
        )
    return text


def _save(client: kube.Client, obj: dict[str, Any], a: Args, verb: str, source: str = "-") -> None:
    kind = obj.get("kind", "")
    meta = obj.setdefault("metadata", {})
    _require_crd(client, obj, source)
    if verb == "apply" and not a.flags.get("--server-side"):
        meta.setdefault("annotations", {})[LAST_APPLIED] = _last_applied(obj)
    if kind == "CustomResourceDefinition":
        obj.setdefault("status", {})["labEstablishedAt"] = time.time() + ESTABLISH_AFTER
    if kube.resource_of(kind)[1]:
        meta.setdefault("namespace", a.get("--namespace", "default"))
    key = kube.registry_key(kind, meta["name"], meta.get("namespace"))
    if verb == "create" and client.get(key)[0] == 200:
        raise SystemExit(
            f'Error from server (AlreadyExists): {kind.lower()}s "{meta["name"]}" already exists'
        )
    status, _ = client.get(key)
    client.put(key, obj)
    noun = kube.resource_of(kind)[0].split("/")[-1].rstrip("s")
    action = "created" if status != 200 else ("configured" if verb == "apply" else "replaced")
    print(f"{noun}/{meta['name']} {action}")


def cmd_create(client: kube.Client, a: Args) -> int:
    if a.files:
        for obj, source in _documents(a.files):
            _save(client, obj, a, "create", source)
        return 0
    if len(a.words) >= 2 and kube.kind_of(a.words[0]) == "Namespace":
        _save(
            client,
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": a.words[1]}},
            a,
            "create",
        )
        return 0
    if a.words[:2] == ["secret", "generic"] and len(a.words) == 3:
        import base64

        data: dict[str, str] = {}
        for literal in a.literals:
            key, sep, value = literal.partition("=")
            if not sep:
                raise SystemExit(f"error: invalid literal source {literal}, expected key=value")
            data[key] = base64.b64encode(value.encode()).decode()
        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "Opaque",
            "metadata": {"name": a.words[2]},
            "data": data,
        }
        _save(client, secret, a, "create")
        return 0
    print(
        "error: kubectl create: give -f FILE, 'namespace NAME' or 'secret generic NAME'",
        file=sys.stderr,
    )
    return 1


def cmd_apply(client: kube.Client, a: Args) -> int:
    if not a.files:
        print("error: must specify -f", file=sys.stderr)
        return 1
    for obj, source in _documents(a.files):
        _save(client, obj, a, "apply", source)
    return 0


def _delete(
    client: kube.Client, kind: str, name: str, ns: str | None, ignore_missing: bool
) -> None:
    key = kube.registry_key(kind, name, ns)
    if client.get(key)[0] != 200:
        if ignore_missing:
            return
        raise SystemExit(
            f'Error from server (NotFound): {kube.resource_of(kind)[0]} "{name}" not found'
        )
    client.delete(key)
    if kind == "Namespace":
        for k, _ in client.list("/registry/"):
            parts = k.split("/")
            if len(parts) >= 5 and parts[-2] == name:
                client.delete(k)
    print(f'{kube.resource_of(kind)[0].split("/")[-1].rstrip("s")} "{name}" deleted')


def cmd_delete(client: kube.Client, a: Args) -> int:
    ignore = bool(a.flags.get("--ignore-not-found"))
    if a.files:
        for obj, _ in _documents(a.files):
            _delete(
                client,
                obj["kind"],
                obj["metadata"]["name"],
                obj["metadata"].get("namespace") or _ns(a, obj["kind"]),
                ignore,
            )
        return 0
    kind, names = _targets(a)
    for n in names:
        _delete(client, kind, n, _ns(a, kind), ignore)
    return 0


def _update(
    client: kube.Client,
    kind: str,
    name: str,
    a: Args,
    change: Callable[[dict[str, Any]], object],
) -> None:
    key = kube.registry_key(kind, name, _ns(a, kind))
    status, obj = client.get(key)
    if status != 200:
        raise SystemExit(
            f'Error from server (NotFound): {kube.resource_of(kind)[0]} "{name}" not found'
        )
    change(obj)
    client.put(key, obj)


def cmd_label(client: kube.Client, a: Args) -> int:
    kind, rest = _targets(a)
    names = [w for w in rest if "=" not in w and not w.endswith("-")]
    changes = [w for w in rest if w not in names]

    def change(obj: dict[str, Any]) -> None:
        labels = obj["metadata"].setdefault("labels", {})
        for c in changes:
            if c.endswith("-"):
                labels.pop(c[:-1], None)
            else:
                k, v = c.split("=", 1)
                if k in labels and labels[k] != v and not a.flags.get("--overwrite"):
                    raise SystemExit(
                        f"error: '{k}' already has a value ({labels[k]}), and --overwrite is false"
                    )
                labels[k] = v

    for n in names:
        _update(client, kind, n, a, change)
        print(f"{kind.lower()}/{n} labeled")
    return 0


def cmd_taint(client: kube.Client, a: Args) -> int:
    kind, rest = _targets(a)
    name, specs = rest[0], rest[1:]

    def change(obj: dict[str, Any]) -> None:
        taints = obj.setdefault("spec", {}).setdefault("taints", [])
        for spec in specs:
            remove = spec.endswith("-")
            spec = spec.rstrip("-")
            key, _, effect = spec.partition(":")
            key, _, value = key.partition("=")
            taints[:] = [
                t
                for t in taints
                if not (t["key"] == key and (not effect or t.get("effect") == effect))
            ]
            if not remove:
                if effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
                    raise SystemExit(
                        f"error: invalid taint effect: {effect}, unsupported taint effect"
                    )
                taint = {"key": key, "effect": effect}
                if value:
                    taint["value"] = value
                taints.append(taint)

    _update(client, kind, name, a, change)
    print(f"node/{name} {'untainted' if all(s.endswith('-') for s in specs) else 'tainted'}")
    return 0


def _schedulable(client: kube.Client, a: Args, unschedulable: bool, word: str) -> int:
    for n in a.words:
        _update(
            client,
            "Node",
            n,
            a,
            lambda o: o.setdefault("spec", {}).__setitem__("unschedulable", unschedulable),
        )
        print(f"node/{n} {word}")
    return 0


def cmd_cordon(client: kube.Client, a: Args) -> int:
    return _schedulable(client, a, True, "cordoned")


def cmd_uncordon(client: kube.Client, a: Args) -> int:
    return _schedulable(client, a, False, "uncordoned")


# The refusals of k8s.io/kubectl/pkg/drain/filters.go, in its order.
DAEMONSET_FATAL = "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
LOCAL_STORAGE_FATAL = (
    "cannot delete Pods with local storage (use --delete-emptydir-data to override)"
)
UNMANAGED_FATAL = "cannot delete Pods that declare no controller (use --force to override)"


def _drain_refusal(pod: dict[str, Any], a: Args) -> str:
    """Why drain may not evict the pod ("" when it may), as kubectl's filters decide."""
    meta = pod.get("metadata", {})
    if "kubernetes.io/config.mirror" in (meta.get("annotations") or {}):
        return "skip"  # a static pod's mirror: the kubelet owns it
    owners = meta.get("ownerReferences") or []
    if any(o.get("kind") == "DaemonSet" for o in owners):
        return "skip" if a.flags.get("--ignore-daemonsets") else DAEMONSET_FATAL
    if not owners and not a.flags.get("--force"):
        return UNMANAGED_FATAL
    volumes = pod.get("spec", {}).get("volumes") or []
    if any("emptyDir" in v for v in volumes) and not a.flags.get("--delete-emptydir-data"):
        return LOCAL_STORAGE_FATAL
    return ""


def cmd_drain(client: kube.Client, a: Args) -> int:
    _schedulable(client, a, True, "cordoned")
    failed = False
    for n in a.words:
        on_node = [
            (key, pod)
            for key, pod in client.list("/registry/pods/")
            if pod.get("spec", {}).get("nodeName") == n
        ]
        refusals: dict[str, list[str]] = {}
        evict = []
        for key, pod in on_node:
            why = _drain_refusal(pod, a)
            meta = pod["metadata"]
            if why == "":
                evict.append((key, f"{meta.get('namespace', 'default')}/{meta['name']}"))
            elif why != "skip":
                refusals.setdefault(why, []).append(
                    f"{meta.get('namespace', 'default')}/{meta['name']}"
                )
        if refusals:
            said = ", ".join(f"{why}: {', '.join(pods)}" for why, pods in refusals.items())
            if len(refusals) > 1:
                said = f"[{said}]"
            print(
                f'error: unable to drain node "{n}" due to error: {said}, continuing command...',
                file=sys.stderr,
            )
            print(f"There are pending nodes to be drained:\n {n}", file=sys.stderr)
            failed = True
            continue
        for key, name in evict:
            client.delete(key)
            print(f"pod/{name.split('/', 1)[1]} evicted")
        print(f"node/{n} drained")
    return 1 if failed else 0


def cmd_wait(client: kube.Client, a: Args) -> int:
    kind, names = _targets(a)
    condition = a.get("--for", "condition=Ready").split("=", 1)[1].lower()
    if names == [] and not a.flags.get("--all") and not a.get("--selector"):
        raise SystemExit("error: resource(s) were provided, but no name was specified")
    timeout = float(str(a.get("--timeout", "30s")).rstrip("s"))
    deadline = time.time() + timeout
    while True:
        objs = _fetch(client, kind, names, a)
        met = {"ready": _ready, "established": _established}.get(condition)
        if met is None:
            raise SystemExit(
                f"error: the lab's kubectl waits for Ready or Established, not {condition}"
            )
        if objs and all(met(o) for o in objs):
            for o in objs:
                print(f"{kind.lower()}/{o['metadata']['name']} condition met")
            return 0
        if time.time() > deadline:
            print(f"error: timed out waiting for the condition on {kind.lower()}s", file=sys.stderr)
            return 1
        time.sleep(0.5)


def cmd_cluster_info(client: kube.Client, a: Args) -> int:
    print(f"Kubernetes control plane is running at {client.server}")
    return 0
