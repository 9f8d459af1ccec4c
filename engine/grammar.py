"""The grammars of the strings an operator types that reach a node: paths, hosts, URLs, label
and taint parts. Each check returns what is wrong with the value, or "" when it is right; the
caller names the field. Values are also quoted where they are used: both, always."""

from __future__ import annotations

import ipaddress
import posixpath
import re
import urllib.parse

PRINTABLE_RE = re.compile(r"^[!-~]+$")
# a DNS label without its length: cluster, registry and storage class names
NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
PATH_RE = re.compile(r"^/[A-Za-z0-9._@+,=:/-]*$")
HOSTNAME_RE = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?"
    r"(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$"
)
LABEL_KEY_RE = re.compile(
    r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
)
LABEL_VALUE_RE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")
WORD_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
MOUNT_OPTION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._=,:/+-]{0,127}$")
# Directories a cluster setting must never be: deleting the cluster empties its directories.
SYSTEM_DIRS = {
    "/",
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/home",
    "/lib",
    "/lib64",
    "/opt",
    "/proc",
    "/root",
    "/run",
    "/sbin",
    "/srv",
    "/sys",
    "/tmp",
    "/usr",
    "/usr/local",
    "/var",
    "/var/lib",
    "/var/log",
}


def path(value: str, example: str = "/var/lib/etcd") -> str:
    if not value.startswith("/"):
        return f"{value!r} must be an absolute path (e.g. {example})"
    if not PATH_RE.match(value):
        return f"{value!r} may hold only letters, digits and . _ - @ + , = : /"
    trimmed = value.rstrip("/") or "/"
    if "//" in value or posixpath.normpath(trimmed) != trimmed:
        return f"{value!r} must be a normalised path (no '..', '.' or '//')"
    return ""


def data_dir(value: str, example: str = "/var/lib/etcd") -> str:
    """A directory kctui fills and empties on delete: a path of its own."""
    problem = path(value, example)
    if not problem and (value.rstrip("/") or "/") in SYSTEM_DIRS:
        return f"{value!r} is a system directory; give a directory of its own (e.g. {example})"
    return problem


def host(value: str) -> str:
    """An IP address or a DNS name."""
    try:
        ipaddress.ip_address(value)
        return ""
    except ValueError:
        pass
    if HOSTNAME_RE.match(value):
        return ""
    return f"{value!r} is neither an IP address nor a host name"


def host_port(value: str) -> str:
    """HOST, HOST:PORT or [IPv6]:PORT."""
    if value.startswith("["):
        inner, _, rest = value[1:].partition("]")
        try:
            ipaddress.IPv6Address(inner)
        except ValueError:
            return f"{value!r}: {inner!r} is not an IPv6 address"
        if not rest:
            return ""
        if not rest.startswith(":"):
            return f"{value!r}: write an IPv6 address as [ADDRESS]:PORT"
        port = rest[1:]
    else:
        name, sep, port = value.partition(":") if value.count(":") == 1 else (value, "", "")
        if host(name):
            return f"{value!r}: give HOST or HOST:PORT"
        if not sep:
            return ""
    if port.isdigit() and 0 < int(port) < 65536:
        return ""
    return f"{value!r}: the port must be a number from 1 to 65535"


def url(value: str) -> str:
    """http(s)://HOST[:PORT][/PATH], nothing else."""
    if not PRINTABLE_RE.match(value):  # urlsplit would drop a newline or a tab silently
        return f"{value!r}: give a URL such as https://mirror.example:5000"
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"{value!r}: give a URL such as https://mirror.example:5000"
    if parts.username or parts.password or parts.query or parts.fragment:
        return f"{value!r}: no user, query or fragment in the URL"
    problem = host_port(parts.netloc)
    if problem:
        return problem
    if parts.path and parts.path != "/" and path(parts.path):
        return f"{value!r}: its path {path(parts.path)}"
    return ""


def word(value: str) -> str:
    """A name such as a Ceph pool, user or cluster ID: letters, digits, '.', '_' and '-'."""
    return "" if WORD_RE.match(value) else f"{value!r}: use letters, digits, '.', '_' and '-'"


def mount_option(value: str) -> str:
    return "" if MOUNT_OPTION_RE.match(value) else f"{value!r} is not a mount option"


def label_key(value: str) -> str:
    if LABEL_KEY_RE.match(value) and len(value) <= 253:
        return ""
    return f"{value!r} is not a valid Kubernetes label key (PREFIX/NAME, NAME at most 63)"


def label_value(value: str) -> str:
    if LABEL_VALUE_RE.match(value):
        return ""
    return f"{value!r} is not a valid Kubernetes label value (at most 63 letters, digits, - _ .)"


TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def split_list(text: str) -> list[str]:
    """Items typed as one line: separated by ',' or ';', blanks dropped."""
    return [x.strip() for x in text.replace(";", ",").split(",") if x.strip()]


def parse_labels(items: list[str]) -> tuple[dict[str, str], str]:
    """KEY=VALUE items as labels; the first problem, naming its item, or ""."""
    labels: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep:
            return labels, f"label {item!r}: use KEY=VALUE"
        problem = label_key(key) or label_value(value)
        if problem:
            return labels, f"label {problem}"
        labels[key] = value
    return labels, ""


def parse_taints(items: list[str]) -> tuple[list[dict[str, str]], str]:
    """KEY[=VALUE]:EFFECT items as taints; the first problem, naming its item, or ""."""
    taints: list[dict[str, str]] = []
    for item in items:
        key_value, sep, effect = item.rpartition(":")
        if not sep or effect not in TAINT_EFFECTS:
            return taints, f"taint {item!r}: use KEY[=VALUE]:{'|'.join(TAINT_EFFECTS)}"
        key, _, value = key_value.partition("=")
        problem = label_key(key) or (label_value(value) if value else "")
        if problem:
            return taints, f"taint {problem}"
        taints.append({"key": key, "value": value, "effect": effect})
    return taints, ""
