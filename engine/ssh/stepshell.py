"""One bash per connection that runs its step scripts one after another, each in a subshell.

A step costs a fork on the node instead of a new SSH session, a login shell, a lock and a bash:
at 50 nodes x 10 steps that is most of an operation's overhead. The shell holds the node's step
lock (flock's own, so what a step starts in the background does not hold it) for as long as it
lives, and it lives until its connection closes and the step it runs ends: a step left running
by a kctui that died keeps the lock, and a resumed step waits for it.

The protocol on the shell's stdin: a nonce line, then per step a byte count and the script.
After each step the shell writes `<nonce> <exit status>` on stdout and on stderr, so the step's
last lines on both streams are read before it counts as done. The nonce comes over stdin, never
the command line, so no output of a step can fake the end of one.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

LineSink = Callable[[str, str], Awaitable[None] | None]  # (stream "out"|"err", line)
PID_MARK = "KCTUI_PGID "
# Field 5 of /proc/PID/stat is the process group; read without starting a process.
REPORT_GROUP = f'read -r _ _ _ _ _pgid _ < /proc/$$/stat; echo "{PID_MARK}$_pgid" >&2\n'
# Job control puts each step's subshell in a process group of its own, as a session of its own
# did: a cancel or a timeout ends that step and what it started, never what an earlier step
# left running. Inside the step it is off again, so what the step starts stays in its group.
# The step runs with stdin from /dev/null: what it reads must not be the next step.
SERVER = (
    "set +e -m\n"
    "IFS= read -r _nonce || exit 0\n"
    "while IFS= read -r _n; do\n"
    '  LC_ALL=C IFS= read -r -N "$_n" _s || exit 0\n'
    "  ( set +m\n"
    f'    read -r _ _ _ _ _pgid _ < /proc/$BASHPID/stat; echo "{PID_MARK}$_pgid" >&2\n'
    '    set -euo pipefail; eval "$_s" ) </dev/null\n'
    "  _rc=$?\n"
    '  echo "$_nonce $_rc"; echo "$_nonce $_rc" >&2\n'
    "done\n"
)


class StepShellError(Exception):
    """The step shell ended before its step did."""


class StepShell:
    def __init__(self, process: Any, kill_group: Callable[[int], None]) -> None:
        self._process = process
        self._kill_group = kill_group
        self._nonce = secrets.token_hex(16)
        self._end = re.compile(rf"^(.*){self._nonce} (\d+)$")
        self._pgid = 0
        self._sink: LineSink | None = None
        self._codes: dict[str, int] = {}
        self._done: asyncio.Future[int] | None = None
        self._lock = asyncio.Lock()
        self.alive = True
        self._readers = [
            asyncio.ensure_future(self._read(process.stdout, "out")),
            asyncio.ensure_future(self._read(process.stderr, "err")),
        ]

    @classmethod
    def start(cls, process: Any, prefix: str, kill_group: Callable[[int], None]) -> StepShell:
        """`process` runs `bash -c SERVER` (under flock and sudo); `prefix` precedes its
        stdin (sudo's password)."""
        shell = cls(process, kill_group)
        process.stdin.write(prefix + shell._nonce + "\n")
        return shell

    async def run(self, script: str, on_line: LineSink) -> int:
        """Run `script`, its lines to `on_line`; its exit status. A cancel (or a timeout
        around this call) kills the shell's process group: the next step gets a new shell."""
        async with self._lock:
            if not self.alive:
                raise StepShellError("the step shell has ended")
            loop = asyncio.get_running_loop()
            self._sink, self._codes, self._done = on_line, {}, loop.create_future()
            self._pgid = 0  # the step's own, reported first thing
            data = script.encode()
            try:
                self._process.stdin.write(f"{len(data)}\n" + script)
                return await self._done
            except BaseException:
                self.close()
                raise
            finally:
                self._sink = None

    def close(self) -> None:
        """End the shell and the step it runs now (its process group)."""
        if self.alive and self._pgid:
            self._kill_group(self._pgid)
        self.alive = False
        self._process.close()
        for reader in self._readers:
            reader.cancel()

    async def _read(self, stream: Any, name: str) -> None:
        try:
            async for raw in stream:
                line = raw.rstrip("\n")
                if not self._pgid and name == "err" and line.startswith(PID_MARK):
                    self._pgid = int(line[len(PID_MARK) :])
                    continue
                end = self._end.match(line)
                if end:
                    line = end.group(1)
                if (line or not end) and self._sink is not None:
                    result = self._sink(name, line)
                    if asyncio.iscoroutine(result):
                        await result
                if end:
                    self._codes[name] = int(end.group(2))
                    if len(self._codes) == 2 and self._done and not self._done.done():
                        self._done.set_result(self._codes["err"])
        finally:
            self.alive = False
            if self._done is not None and not self._done.done():
                self._done.set_exception(StepShellError("the step shell ended during the step"))
