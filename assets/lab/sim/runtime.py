"""The lab's container runtime: containerd (a daemon that checks its config), ctr and crictl."""

import glob
import json
import os
import signal
import sys
import tarfile
import time
import tomllib
from typing import IO, cast

import images
import kube

DEFAULT_CONFIG = """\
version = 2
root = "/var/lib/containerd"
state = "/run/containerd"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.9"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = false

[plugins."io.containerd.grpc.v1.cri".registry]
  config_path = ""
"""


def main(prog: str, args: list[str]) -> int:
    return {"containerd": containerd, "ctr": ctr, "crictl": crictl}[prog](args)


def containerd(args: list[str]) -> int:
    if "--version" in args or "-v" in args:
        print(f"containerd github.com/containerd/containerd {kube.CONTAINERD_VERSION} lab")
        return 0
    if args[:2] == ["config", "default"]:
        print(DEFAULT_CONFIG, end="")
        return 0
    config = "/etc/containerd/config.toml"
    if "--config" in args:
        config = args[args.index("--config") + 1]
    if os.path.exists(config):
        try:
            with open(config, "rb") as f:
                parsed = tomllib.load(f)
        except (tomllib.TOMLDecodeError, OSError) as e:
            print(f"containerd: failed to load TOML from {config}: {e}", file=sys.stderr)
            return 1
        root = parsed.get("root", "/var/lib/containerd")
        os.makedirs(root, exist_ok=True)
    stop: list[int] = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    print("containerd successfully booted", flush=True)
    while not stop:
        time.sleep(0.5)
    return 0


def _image_names(path: str) -> list[str]:
    """Image references in a docker-save or OCI archive."""
    with tarfile.open(path) as tar:
        names = tar.getnames()
        if "manifest.json" in names:
            manifest = json.load(cast(IO[bytes], tar.extractfile("manifest.json")))
            return [tag for entry in manifest for tag in entry.get("RepoTags") or []]
        if "index.json" in names:
            index = json.load(cast(IO[bytes], tar.extractfile("index.json")))
            return [
                m.get("annotations", {}).get("io.containerd.image.name", "")
                for m in index.get("manifests", [])
            ]
    raise SystemExit(f"ctr: {path} is not an image archive")


def ctr(args: list[str]) -> int:
    words = [a for a in args if not a.startswith("-")]
    if "-n" in args:
        words.remove(args[args.index("-n") + 1])
    if words[:2] == ["images", "import"] or words[:2] == ["image", "import"]:
        for path in words[2:]:
            names = _image_names(path)
            images.add(names)
            for name in names:
                print(f"unpacking {name} (sha256:lab)...done")
        return 0
    if words[:2] in (["images", "ls"], ["images", "list"], ["image", "ls"]):
        quiet = "-q" in args
        if not quiet:
            print("REF")
        for name in sorted(images.present()):
            print(name)
        return 0
    if words[:2] in (["images", "pull"], ["image", "pull"]) and len(words) > 2:
        try:
            images.pull(words[2])
        except images.PullError as e:
            print(f"ctr: {e}", file=sys.stderr)
            return 1
        print(f"{words[2]}: resolved")
        return 0
    if words[:1] == ["version"]:
        print(f"Client:\n  Version:  {kube.CONTAINERD_VERSION}")
        return 0
    print(f"ctr (lab): unsupported: {' '.join(args)}", file=sys.stderr)
    return 1


def crictl(args: list[str]) -> int:
    words = [a for a in args if not a.startswith("-")]
    verb = words[0] if words else ""
    if verb == "images":
        print("IMAGE                                    TAG")
        for name in sorted(images.present()):
            repo, _, tag = name.rpartition(":")
            print(f"{repo:<40} {tag}")
        return 0
    if verb == "pull" and len(words) > 1:
        try:
            images.pull(words[1])
        except images.PullError as e:
            print(f'E "PullImage from image service failed" err="{e}"', file=sys.stderr)
            return 1
        print(f"Image is up to date for {words[1]}")
        return 0
    if verb in ("ps", "pods"):
        print("CONTAINER   NAME                      STATE")
        for state in sorted(glob.glob("/var/lib/kubelet/pods/*.json")):
            name = os.path.basename(state)[:-5]
            print(f"{name[:10]:<11} {name:<25} Running")
        return 0
    if verb == "info":
        print(json.dumps({"status": {"conditions": [{"type": "RuntimeReady", "status": True}]}}))
        return 0
    if verb in ("rmp", "rm", "stopp", "stop"):
        return 0
    if "--version" in args or verb == "version":
        print(f"crictl version {kube.CONTAINERD_VERSION}")
        return 0
    print(f"crictl (lab): unsupported: {' '.join(args)}", file=sys.stderr)
    return 1
