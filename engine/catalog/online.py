"""Online installs: the packages a cluster needs fetched from upstream by their recipes, the
same files and the same checksums as `resource build`, either on each node (a script per node,
downloads resumed on a retry) or on the jump host, which then copies them to the nodes
(`viaJumpHost`, for nodes without internet). A mirror of kctui packages (`mirrorBaseUrl`) is
the third way."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.catalog.build import check_sources, pin_for, source_url
from engine.catalog.recipes import Artifact, Recipe, RecipeError, upstream
from store.settings import Settings

CACHE = "/opt/kctui/packages/.cache"  # on the node: a cut download resumes from here

FUNCTIONS = r"""set -eu
kctui_sum() {  # CHECKSUM-URL NAME: the sha256 for NAME in an upstream checksum file
  curl -fsSL --retry 3 --retry-delay 2 "$1" | awk -v n="$2" '
    { lines++; f = $2; sub(/^\*/, "", f); sub(/.*\//, "", f) }
    lines == 1 { first = $1 }
    NF >= 2 && f == n { h = $1 }
    NF == 1 && !h { h = $1 }
    END { if (!h && lines == 1) h = first
          if (length(h) != 64 || h ~ /[^0-9a-fA-F]/) exit 1  # mawk has no {64}
          print tolower(h) }'
}
kctui_fetch() {  # URL FILE SHA256: FILE from URL, resumed if cut, checked against SHA256
  mkdir -p "$(dirname "$2")"
  if [ -f "$2" ] && [ "$(sha256sum "$2" | cut -d' ' -f1)" = "$3" ]; then return 0; fi
  for try in 1 2 3; do  # a cut transfer goes on from where it stopped
    curl -fsSL --retry 3 --retry-delay 2 -C - -o "$2" "$1" && break
    sleep 1
  done
  got=$(sha256sum "$2" | cut -d' ' -f1)
  if [ "$got" != "$3" ]; then
    rm -f "$2"
    echo "$(basename "$2"): sha256 $got, but upstream says $3 ($1)" >&2
    return 1
  fi
}
"""


@dataclass(frozen=True)
class Online:
    """Where an online install fetches from: a kctui package mirror, or upstream (its sources
    pointed at mirrors, pins for files upstream publishes no checksum for)."""

    mirror: str = ""
    sources: Mapping[str, str] = field(default_factory=dict)
    pins: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> Online:
        check_sources(settings.sources)
        return cls(settings.mirror_base_url, dict(settings.sources), dict(settings.pins))


def check_pins(recipes: list[Recipe], online: Online) -> None:
    """Refused, naming every one, when files upstream publishes no checksum for have no pin."""
    known = {**(upstream().get("pins") or {}), **online.pins}
    missing = [a.key for r in recipes for a in r.artifacts if not a.checksum and a.key not in known]
    if missing:
        raise RecipeError(
            f"upstream publishes no checksum for {len(missing)} file(s) and kctui has no pin "
            "for them: give each in settings.yaml under pins (SOURCE/PATH: SHA256), or install "
            "offline from packages built with `kctui resource build --pin ...`: "
            + ", ".join(missing)
        )


def _sed(text: str) -> str:
    return re.sub(r"([\\|&.*^$\[\]/])", r"\\\1", text)


def _sha_line(artifact: Artifact, online: Online) -> str:
    """A line that sets $sum to the artifact's sha256 (upstream's, fetched on the node)."""
    if not artifact.checksum:
        how = f"give one in settings.yaml: pins: {{{artifact.key}: SHA256}}"
        return f"sum={pin_for(artifact, online.pins, how)}\n"
    url = shlex.quote(source_url(online.sources, artifact.source, artifact.checksum))
    name = shlex.quote(artifact.name)
    return (
        f"sum=$(kctui_sum {url} {name}) || "
        f"{{ echo {shlex.quote(artifact.name + ': its checksum file names no sha256 for it')} >&2; exit 1; }}\n"
    )


def fetch_script(recipe: Recipe, dest: str, online: Online) -> str:
    """The script that makes `dest` on a node hold what the package of `recipe` would unpack
    to (bin/, systemd/, manifests/), every file checked; images are left to the nodes' pulls."""
    q = shlex.quote
    part = f"{dest}.part"
    lines = [f"rm -rf {q(part)}", f"mkdir -p {q(part)}/bin"]
    for i, artifact in enumerate(recipe.artifacts):
        cached = f"{CACHE}/{artifact.source}/{artifact.path}"
        url = source_url(online.sources, artifact.source, artifact.path)
        lines.append(_sha_line(artifact, online).rstrip("\n"))
        lines.append(f'kctui_fetch {q(url)} {q(cached)} "$sum"')
        if artifact.dest:
            target = f"{part}/{artifact.dest}"
            lines.append(f"install -D -m {artifact.mode:o} {q(cached)} {q(target)}")
            for old, new in artifact.edits:
                lines.append(f"sed -i 's/{_sed(old)}/{_sed(new)}/g' {q(target)}")
            continue
        unpacked = f"{part}/.x{i}"
        lines.append(f"mkdir -p {q(unpacked)} && tar -xzf {q(cached)} -C {q(unpacked)}")
        names = " -o ".join(f"-name {q(k)}" for k in artifact.keep)
        select = f" \\( {names} \\)" if names else ""
        lines.append(
            f"find {q(unpacked)} -type f -perm -u+x -path {q(unpacked + '/' + artifact.prefix)}'*'"
            f"{select} -exec install -m 0755 -t {q(part)}/bin {{}} +"
        )
        lines.append(f"rm -rf {q(unpacked)}")
    lines += [
        f"rm -rf {q(dest)}",
        f"mv {q(part)} {q(dest)}",
        f'echo "{recipe.package_id}: fetched and checked"',
    ]
    return "\n".join(lines) + "\n"
