"""The lab's images: one is on a node once imported (`ctr images import`) or pulled from a
registry the node's containerd configuration reaches, with the CA and headers of its
certs.d/<host>/hosts.toml, in the order containerd tries them (remotes/docker/config/hosts.go:
the [host] entries, then the server). Pulls go over the network to real registries."""

import contextlib
import fcntl
import json
import os
import ssl
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from typing import Any

STORE = "lab-images.json"  # in containerd's root dir: removing that dir removes the images
CONFIG = "/etc/containerd/config.toml"
DEFAULT_SANDBOX = "registry.k8s.io/pause:3.9"  # containerd's own default
MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)


class PullError(Exception):
    pass


def parse(ref: str) -> tuple[str, str, str]:
    """(registry host, repository, tag) of an image reference, docker.io's defaults applied."""
    name, tag = ref, "latest"
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = name.rsplit(":", 1)
    first = name.split("/", 1)[0]
    if "/" in name and ("." in first or ":" in first or first == "localhost"):
        host, repo = name.split("/", 1)
    else:
        host, repo = "docker.io", name
    if host == "docker.io" and "/" not in repo:
        repo = f"library/{repo}"
    return host, repo, tag


def normalize(ref: str) -> str:
    """The full name containerd keeps an image under (nginx:1.25 is docker.io/library/nginx:1.25)."""
    host, repo, tag = parse(ref)
    return f"{host}/{repo}:{tag}"


def store() -> str:
    return os.path.join(containerd_config().get("root") or "/var/lib/containerd", STORE)


def _load(path: str | None = None) -> dict[str, str]:
    try:
        with open(path or store()) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else dict.fromkeys(data, "imported")


@contextlib.contextmanager
def _locked() -> Iterator[dict[str, str]]:
    path = store()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        images = _load(path)
        yield images
        tmp = f"{path}.tmp{os.getpid()}"
        with open(tmp, "w") as f:
            json.dump(images, f, indent=1, sort_keys=True)
        os.replace(tmp, path)


def present() -> dict[str, str]:
    """image reference -> where it came from ("imported" or the URL it was pulled from)."""
    return _load()


def add(refs: Iterable[str], source: str = "imported") -> None:
    with _locked() as images:
        for ref in refs:
            images[normalize(ref)] = source


def containerd_config() -> dict[str, Any]:
    try:
        with open(CONFIG, "rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def _cri(config: dict[str, Any]) -> dict[str, Any]:
    cri: dict[str, Any] = config.get("plugins", {}).get("io.containerd.grpc.v1.cri", {})
    return cri


def sandbox_image() -> str:
    return _cri(containerd_config()).get("sandbox_image") or DEFAULT_SANDBOX


def hosts(host: str) -> list[tuple[str, dict[str, Any]]]:
    """[(url, options)] containerd tries for a registry host, in order."""
    server = "https://registry-1.docker.io" if host == "docker.io" else f"https://{host}"
    config_path = _cri(containerd_config()).get("registry", {}).get("config_path", "")
    if not config_path:
        return [(server, {})]
    try:
        with open(os.path.join(config_path, host, "hosts.toml"), "rb") as f:
            doc = tomllib.load(f)
    except FileNotFoundError:
        return [(server, {})]
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise PullError(f"failed to load {config_path}/{host}/hosts.toml: {e}") from None
    tried = [
        (url, opts)
        for url, opts in (doc.get("host") or {}).items()
        if "pull" in opts.get("capabilities", ["pull", "resolve", "push"])
    ]
    top = {k: doc[k] for k in ("ca", "skip_verify", "header") if k in doc}
    return [*tried, (doc.get("server", server), top)]


def _context(options: dict[str, Any]) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    if options.get("skip_verify"):
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    for ca in [options["ca"]] if isinstance(options.get("ca"), str) else options.get("ca") or []:
        ctx.load_verify_locations(ca)
    return ctx


def _headers(options: dict[str, Any]) -> dict[str, str]:
    out = {"Accept": MANIFEST_TYPES}
    for key, value in (options.get("header") or {}).items():
        out[key] = value if isinstance(value, str) else ", ".join(value)
    return out


def _resolve(url: str, options: dict[str, Any], host: str, repo: str, tag: str) -> None:
    target = f"{url.rstrip('/')}/v2/{repo}/manifests/{tag}?ns={host}"
    request = urllib.request.Request(target, method="HEAD", headers=_headers(options))
    context = _context(options) if url.startswith("https://") else None
    try:
        with urllib.request.urlopen(request, timeout=5, context=context):
            return
    except urllib.error.HTTPError as e:
        raise PullError(
            f"unexpected status from HEAD request to {target}: {e.code} {e.reason}"
        ) from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise PullError(f"failed to do request: Head {target!r}: {reason}") from None


def pull(ref: str) -> str:
    """Pull `ref` as containerd's CRI would; where it came from, or PullError naming it."""
    host, repo, tag = parse(ref)
    errors: list[str] = []
    for url, options in hosts(host):
        try:
            _resolve(url, options, host, repo, tag)
        except PullError as e:
            errors.append(str(e))
            continue
        add([ref], url)
        return url
    raise PullError(
        f'failed to pull and unpack image "{ref}": failed to resolve reference "{ref}": '
        + "; ".join(errors)
    )


def ensure(ref: str) -> str:
    """The image is on the node: already there, or pulled now."""
    have = present()
    if normalize(ref) in have:
        return have[normalize(ref)]
    return pull(ref)
