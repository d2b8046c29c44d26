"""``baitwatch serve``: start the HTTP API on loopback and run until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import logging
import signal

from aiohttp import web

from baitwatch.config import Config
from baitwatch.errors import BaitwatchError
from baitwatch.server import create_app

log = logging.getLogger("baitwatch")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(config: Config) -> None:
    if not is_loopback(config.host) and not config.unsafe_allow_remote:
        raise BaitwatchError(
            f"refusing to listen on {config.host}: other machines could query the daemon; "
            "use a loopback address, or pass --unsafe-allow-remote if you really mean it"
        )
    asyncio.run(_serve(config))


async def _serve(config: Config) -> None:
    runner = web.AppRunner(create_app(config), access_log=None, handle_signals=False)
    await runner.setup()  # loads the model: a missing or corrupt one stops here
    try:
        site = web.TCPSite(runner, config.host, config.port)
        try:
            await site.start()
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise BaitwatchError(
                    f"port {config.port} on {config.host} is already in use; is baitwatch already running? "
                    "(try baitwatch status, or pick another port with --port)"
                ) from None
            raise BaitwatchError(f"cannot listen on {config.host}:{config.port}: {error.strerror or error}") from None
        log.info("baitwatch is listening on http://%s:%d", config.host, config.port)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for name in ("SIGTERM", "SIGINT"):
            try:
                loop.add_signal_handler(getattr(signal, name), stop.set)
            except (AttributeError, NotImplementedError):  # Windows: Ctrl+C arrives as KeyboardInterrupt
                pass
        await stop.wait()
        log.info("shutting down")
    finally:
        await runner.cleanup()
