"""Entry point of `kctui`: no command opens the TUI; `kctui NOUN VERB ...` runs one action."""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from engine.errors import RefusedError, said
from kctui import __version__
from kctui.cli.common import GLOBAL_OPTIONS
from kctui.cli.context import CliError, Context
from store.errors import StoreError

if TYPE_CHECKING:
    from kctui.app import KctuiApp

# Each module here defines `register(subparsers)`; adding a command group is one line.
GROUP_MODULES: tuple[str, ...] = (
    "kctui.cli.info",
    "kctui.cli.doctor",
    "kctui.cli.node",
    "kctui.cli.operation",
    "kctui.cli.cluster",
    "kctui.cli.resource",
    "kctui.cli.registry",
    "kctui.cli.template",
    "kctui.cli.backup_point",
    "kctui.cli.backup",
    "kctui.cli.cronbackup",
    "kctui.cli.daemon",
    "kctui.cli.lab",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kctui",
        description="Create and run kubeadm Kubernetes clusters over SSH from a jump host. "
        "Run without a command to open the terminal UI.",
        parents=[GLOBAL_OPTIONS],
    )
    parser.add_argument("--version", action="version", version=f"kctui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name in GROUP_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def tui_context(argv: Sequence[str]) -> Context | None:
    """The context when the arguments only open the TUI: no need to build every command's parser
    (it costs start-up time)."""
    quick = argparse.ArgumentParser(add_help=False, parents=[GLOBAL_OPTIONS])
    known, rest = quick.parse_known_args(list(argv))
    return None if rest else Context(getattr(known, "data_dir", None))


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    ctx = tui_context(argv)
    if ctx is not None:
        try:
            return run_tui(ctx)
        except (CliError, StoreError) as e:
            print(f"kctui: error: {e}", file=sys.stderr)
            return 1
        finally:
            ctx.close()
    parser = build_parser()
    args = parser.parse_args(argv)
    ctx = Context(data_dir_arg=getattr(args, "data_dir", None))
    try:
        if args.command is None:
            return run_tui(ctx)
        handler = args.handler
        code: int = handler(ctx, args)
        return code
    except CliError as e:
        print(f"kctui: error: {e}", file=sys.stderr)
        return e.exit_code
    except RefusedError as e:
        for line in problem_lines(e, getattr(args, "flags", {})):
            print(f"kctui: error: {line}", file=sys.stderr)
        return 1
    except StoreError as e:
        print(f"kctui: error: {e}", file=sys.stderr)
        return 1
    except ValueError as e:
        # pydantic's ValidationError is a ValueError; imported here, not before the first frame
        from pydantic import ValidationError

        from store.documents.base import field_errors

        if not isinstance(e, ValidationError):
            raise
        # a value given on the command line that a document refuses (a too long --description)
        for field, message in field_errors(e):
            print(f"kctui: error: {field}: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`--json | head`): nothing more to say to it.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as e:
        print(f"kctui: error: {os_error(e)}", file=sys.stderr)
        return 1
    finally:
        ctx.close()


def problem_lines(e: RefusedError, flags: dict[str, str]) -> list[str]:
    """Each problem with its field named as the command line names it (its flag)."""
    if not e.problems:
        return [str(e)]
    return [said(p, flags.get(p.field, p.field)) for p in e.problems]


def os_error(e: OSError) -> str:
    """One line for a failed file operation, naming the file and what to do."""
    where = f"{e.filename}: " if e.filename else ""
    hint = {
        errno.ENOSPC: "free some space on that file system",
        errno.EROFS: "the data dir must be writable (or pass --data-dir DIR)",
        errno.EACCES: "check its owner and mode (or pass --data-dir DIR)",
        errno.ENOENT: "check the path",
    }.get(e.errno or 0, "")
    return f"{where}{e.strerror or e}" + (f"; {hint}" if hint else "")


def build_tui(ctx: Context) -> KctuiApp:
    from kctui.app import make_app

    app = make_app(ctx.store)
    app.recover_on_start = True
    app.scheduler_on_start = True
    return app


def run_tui(ctx: Context) -> int:
    app = build_tui(ctx)
    app.run()
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
