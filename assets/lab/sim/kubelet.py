"""The lab's kubelet: runs static Pods (etcd and the API server for real), heartbeats its node."""

import glob
import hashlib
import json
import os
import signal
import sys
import time
import traceback
from typing import Any

import common
import images
import kube
import yaml

PODS = "/var/lib/kubelet/pods"
LOGS = "/var/log/pods"
LABSIM = os.path.abspath(sys.argv[0])
HEARTBEAT_EVERY = 2.0
PULL_BACKOFF = 10.0  # seconds before an image that failed to pull is tried again
_failed_pulls: dict[str, tuple[float, str]] = {}  # image -> (retry at, message), for workload pods


def main(args: list[str]) -> int:
    if "--version" in args:
        print(f"Kubernetes {kube.K8S_VERSION}")
        return 0
    config = _flag(args, "--config", "/var/lib/kubelet/config.yaml")
    kubeconfig = _flag(args, "--kubeconfig", kube.KUBELET_CONF)
    bootstrap = _flag(args, "--bootstrap-kubeconfig", "")
    if bootstrap and not os.path.exists(kubeconfig) and not os.path.exists(bootstrap):
        # cmd/kubelet/app/server.go, buildKubeletClientConfig -> bootstrap.LoadClientCert
        print(
            f'E run.go:74] "command failed" err="failed to run Kubelet: unable to load bootstrap '
            f'kubeconfig: stat {bootstrap}: no such file or directory"',
            file=sys.stderr,
        )
        return 1
    try:
        with open(config) as f:
            static_path = (yaml.safe_load(f) or {}).get(
                "staticPodPath", "/etc/kubernetes/manifests"
            )
    except (OSError, AttributeError, yaml.YAMLError):
        static_path = "/etc/kubernetes/manifests"
    newer = _newer_than_api_server(kubeconfig)
    if newer:
        print(f'E run.go:74] "command failed" err="{newer}"', file=sys.stderr)
        return 1
    os.makedirs(PODS, exist_ok=True)
    os.makedirs(LOGS, exist_ok=True)
    stop: list[int] = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    last_beat = 0.0
    print(f"kubelet {os.getpid()} started", file=sys.stderr)
    while not stop:
        try:
            _reconcile(static_path)
            if time.time() - last_beat > HEARTBEAT_EVERY and os.path.exists(kubeconfig):
                last_beat = time.time()
                _heartbeat(kubeconfig)
        except Exception:  # as a real kubelet: log it, and the next pass tries again
            traceback.print_exc()
        time.sleep(0.3)
    print(f"kubelet {os.getpid()} stopped", file=sys.stderr)
    return 0  # static pods keep running, as with a real kubelet


def _newer_than_api_server(kubeconfig: str) -> str:
    """Why this kubelet may not run against the cluster: the version skew policy allows a
    kubelet no newer than kube-apiserver. "" when it may (or the cluster cannot be asked)."""
    if not os.path.exists(kubeconfig):
        return ""
    try:
        status, cm = kube.Client(kubeconfig).get("/registry/configmaps/kube-system/kubeadm-config")
        server = yaml.safe_load(cm["data"]["ClusterConfiguration"])["kubernetesVersion"]
    except (OSError, ValueError, KeyError, TypeError, SystemExit, yaml.YAMLError):
        return ""
    if status != 200 or _minor(kube.K8S_VERSION) <= _minor(server):
        return ""
    return (
        f"kubelet {kube.K8S_VERSION} is newer than kube-apiserver {server}: the version skew "
        "policy allows a kubelet no newer than the API server; upgrade the control plane first"
    )


def _minor(version: str) -> tuple[int, int]:
    major, minor = version.lstrip("v").split(".")[:2]
    return int(major), int(minor)


def _flag(args: list[str], name: str, default: str) -> str:
    for i, a in enumerate(args):
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
        if a == name and i + 1 < len(args):
            return args[i + 1]
    return default


def _state(name: str) -> dict[str, Any] | None:
    try:
        with open(f"{PODS}/{name}.json") as f:
            state: dict[str, Any] = json.load(f)
            return state
    except (OSError, ValueError):
        return None


def runs(name: str, digest: str) -> bool:
    """Whether the static pod `name` runs from the manifest whose sha256 is `digest`."""
    return _runs(_state(name) or {}, digest)


def _runs(state: dict[str, Any], digest: str) -> bool:
    pid = state.get("pid", 0)  # 0: recorded as running, not simulated
    return state.get("hash") == digest and (pid == 0 or common.alive(pid))


def _save(name: str, state: dict[str, Any]) -> None:
    tmp = f"{PODS}/{name}.json.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(state, f)
    os.replace(tmp, f"{PODS}/{name}.json")


def mounts(pod: dict[str, Any]) -> dict[str, str]:
    """mountPath -> host path of the first container's hostPath volume mounts; a mount of an
    undeclared volume makes the pod invalid, as the API validation does."""
    volumes = {v.get("name"): v for v in pod["spec"].get("volumes") or []}
    out: dict[str, str] = {}
    for i, m in enumerate(pod["spec"]["containers"][0].get("volumeMounts") or []):
        volume = volumes.get(m.get("name"))
        if volume is None:
            raise ValueError(
                f'spec.containers[0].volumeMounts[{i}].name: Not found: "{m.get("name")}"'
            )
        if "hostPath" in volume:
            out[m["mountPath"]] = volume["hostPath"]["path"]
    return out


def _start(name: str, command: list[str], pod_mounts: dict[str, str]) -> int:
    env = dict(os.environ)
    env["LABSIM_MOUNTS"] = json.dumps(pod_mounts)
    if command[0] == "etcd":
        argv = ["/usr/bin/etcd", *command[1:]]
    elif command[0] in ("kube-apiserver", "haproxy"):
        argv = [sys.executable, LABSIM, *command[1:]]
        env["LABSIM_PROG"] = command[0]
    else:
        return 0  # controllers and scheduler are recorded as running, not simulated
    return common.spawn(argv, f"{LOGS}/{name}.log", env)


def _reconcile(static_path: str) -> None:
    wanted: dict[str, tuple[str, dict[str, Any], dict[str, str]]] = {}
    for path in sorted(glob.glob(f"{static_path}/*.yaml")):
        try:
            with open(path, "rb") as f:
                raw = f.read()
            pod = yaml.safe_load(raw)
            container = pod["spec"]["containers"][0]
            wanted[pod["metadata"]["name"]] = (
                hashlib.sha256(raw).hexdigest(),
                container,
                mounts(pod),
            )
        except ValueError as e:
            print(f"static pod {path} is invalid: {e}", file=sys.stderr)
            continue
        except (OSError, KeyError, IndexError, TypeError, yaml.YAMLError):
            continue
    for path in glob.glob(f"{PODS}/*.json"):
        name = os.path.basename(path)[:-5]
        if name not in wanted:
            common.stop((_state(name) or {}).get("pid"))
            os.unlink(path)
    for name, (digest, container, pod_mounts) in wanted.items():
        state = _state(name) or {}
        if _runs(state, digest):
            continue
        if state.get("waiting") and state.get("hash") == digest and time.time() < state["retry"]:
            continue  # image pull back-off
        common.stop(state.get("pid", 0))
        problem = _pull([images.sandbox_image(), container.get("image", "")])
        if problem:
            print(f"static pod {name}: ImagePullBackOff: {problem}", file=sys.stderr)
            _save(
                name,
                {
                    "hash": digest,
                    "pid": None,
                    "image": container.get("image", ""),
                    "waiting": "ImagePullBackOff",
                    "message": problem,
                    "retry": time.time() + PULL_BACKOFF,
                    "restarts": state.get("restarts", -1),
                },
            )
            continue
        new_pid = _start(name, container.get("command") or [name], pod_mounts)
        _save(
            name,
            {
                "hash": digest,
                "pid": new_pid,
                "image": container.get("image", ""),
                "started": time.time(),
                "restarts": state.get("restarts", -1) + 1,
            },
        )


def _pull(refs: list[str]) -> str | None:
    """None when every image is on the node (pulled now if need be), else why one is not."""
    for ref in filter(None, refs):
        retry, message = _failed_pulls.get(ref, (0.0, ""))
        if time.time() < retry:
            return message
        try:
            images.ensure(ref)
            _failed_pulls.pop(ref, None)
        except images.PullError as e:
            message = f'Failed to pull image "{ref}": {e}'
            _failed_pulls[ref] = (time.time() + PULL_BACKOFF, message)
            return message
    return None


def _capacity() -> dict[str, str]:
    """What the kubelet reports of the machine: its CPUs, its memory in Ki, 110 pods."""
    memory = "0"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    memory = line.split()[1]
    except OSError:
        pass
    return {"cpu": str(os.cpu_count() or 1), "memory": f"{memory}Ki", "pods": "110"}


def _workload_pods(client: kube.Client, node: str, written: dict[str, str | None]) -> None:
    """Every DaemonSet's and Deployment's pod, as if placed on this node (the lab has no
    scheduler: each node must be able to run each), recorded with its image pulls' outcome."""
    for kind in ("DaemonSet", "Deployment"):
        resource = kube.resource_of(kind)[0]
        for _, workload in client.list(f"/registry/{resource}/"):
            meta, spec = workload["metadata"], workload["spec"]["template"]["spec"]
            containers = spec.get("initContainers", []) + spec.get("containers", [])
            problem = _pull([images.sandbox_image()] + [c.get("image", "") for c in containers])
            name = f"{meta['name']}-{node}"
            key = kube.registry_key("Pod", name, meta.get("namespace", "default"))
            if key in written and written[key] == problem:
                continue
            state = (
                {"waiting": {"reason": "ImagePullBackOff", "message": problem}}
                if problem
                else {"running": {}}
            )
            pod = {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": name,
                    "namespace": meta.get("namespace", "default"),
                    "labels": workload["spec"]["template"].get("metadata", {}).get("labels", {}),
                    "ownerReferences": [{"kind": kind, "name": meta["name"]}],
                },
                "spec": {"nodeName": node, "containers": spec.get("containers", [])},
                "status": {
                    "phase": "Pending" if problem else "Running",
                    "containerStatuses": [
                        {
                            "name": c.get("name", ""),
                            "image": c.get("image", ""),
                            "ready": not problem,
                            "state": state,
                        }
                        for c in spec.get("containers", [])
                    ],
                },
            }
            client.put(key, kube.stamped(pod))
            written[key] = problem


_written_pods: dict[str, str | None] = {}


def _heartbeat(kubeconfig: str) -> None:
    try:
        client = kube.Client(kubeconfig)
        node = os.uname().nodename
        key = kube.registry_key("Node", node)
        status, obj = client.get(key)
        if status != 200 or not obj:
            return
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        st = obj.setdefault("status", {})
        st["conditions"] = [
            {
                "type": "Ready",
                "status": "True",
                "reason": "KubeletReady",
                "lastHeartbeatTime": now,
                "heartbeat": time.time(),
            }
        ]
        st.setdefault("nodeInfo", {})["kubeletVersion"] = kube.K8S_VERSION
        st["capacity"] = _capacity()
        st["allocatable"] = dict(st["capacity"])
        client.put(key, obj)
        try:
            _workload_pods(client, node, _written_pods)
        except SystemExit as e:  # the client's way of saying the API server refused
            print(f"workload pods: {e}", file=sys.stderr)
    except (OSError, ValueError, KeyError) as e:  # the API server is away: the next beat tries
        print(f"heartbeat: {e!r}", file=sys.stderr)
