"""The lab's haproxy: a TCP forwarder reading the frontend `bind` and backend `server` lines of
an haproxy.cfg, so workers reach several API servers through one address."""

import asyncio
import itertools

import common


def parse(path: str) -> tuple[tuple[str, int], list[tuple[str, int]]]:
    bind, servers = None, []
    try:
        f = open(common.container_path(path))  # noqa: SIM115
    except OSError as e:
        raise SystemExit(
            f"[ALERT]    (1) : config : Cannot open configuration file/directory {path} : "
            f"{e.strerror}"
        ) from None
    with f:
        for raw in f:
            words = raw.split()
            if words[:1] == ["bind"]:
                host, _, port = words[1].rpartition(":")
                bind = (host, int(port))
            elif words[:1] == ["server"]:
                host, _, port = words[2].rpartition(":")
                servers.append((host, int(port)))
    if bind is None or not servers:
        raise SystemExit(f"{path}: needs a bind line and at least one server")
    return bind, servers


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def serve(bind: tuple[str, int], servers: list[tuple[str, int]]) -> None:
    rotation = itertools.cycle(servers)

    async def handle(
        client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        for _ in range(len(servers)):
            host, port = next(rotation)
            try:
                up_reader, up_writer = await asyncio.wait_for(
                    asyncio.open_connection(host, port), 3
                )
                break
            except (TimeoutError, OSError):
                continue
        else:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, up_writer), pipe(up_reader, client_writer))

    server = await asyncio.start_server(handle, bind[0], bind[1])
    async with server:
        await server.serve_forever()


def main(args: list[str]) -> int:
    config = args[args.index("-f") + 1] if "-f" in args else "/etc/haproxy/haproxy.cfg"
    bind, servers = parse(config)
    asyncio.run(serve(bind, servers))
    return 0
