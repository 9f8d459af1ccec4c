"""`kctui daemon`: the scheduler in the foreground, for systemd (assets/kctui-scheduler.service)."""

from __future__ import annotations

import argparse
from typing import Any

from kctui.cli.common import add_command
from kctui.cli.context import Context


def register(sub: Any) -> None:
    p = add_command(sub, "daemon", "run scheduled backups until stopped (SIGTERM); logs to stderr")
    p.add_argument(
        "--poll", type=float, help="seconds between checks (settings: scheduler.pollSeconds)"
    )
    p.set_defaults(handler=run_daemon)


def run_daemon(ctx: Context, args: argparse.Namespace) -> int:
    import asyncio
    import logging
    import signal

    from engine.backups.scheduler import Scheduler
    from engine.operations import recover

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    settings = ctx.settings
    if args.poll:
        settings = settings.model_copy(
            update={"scheduler": settings.scheduler.model_copy(update={"poll_seconds": args.poll})}
        )

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        recover(ctx.store)
        from engine.clusters import certs

        def warn(cluster: str, left: int) -> None:
            said = "have expired" if left < 0 else f"expire in {left} days"
            logging.getLogger("kctui.certs").warning(
                "cluster %s: control-plane certificates %s; renew them: "
                "kctui cluster certs renew %s --yes",
                cluster,
                said,
                cluster,
            )

        await asyncio.gather(
            Scheduler(ctx.store, settings).run_forever(stop),
            certs.watch(ctx.store, settings, stop, warn),
        )

    asyncio.run(main())
    return 0
