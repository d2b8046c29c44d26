"""``baitwatch serve``: the HTTP API on loopback, with the tray icon when there is a display,
running until SIGTERM, SIGINT or the tray's Quit."""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import logging
import signal
import threading

from aiohttp import web

from baitwatch.config import Config
from baitwatch.errors import BaitwatchError
from baitwatch.memory import use_one_malloc_arena
from baitwatch.server import create_app

log = logging.getLogger("baitwatch")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Server:
    """The aiohttp server on its own event loop; ``stop`` may be called from any thread."""

    def __init__(self, config: Config):
        self.config = config
        self.listening = threading.Event()
        self.error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    def run(self, handle_signals: bool) -> None:
        try:
            asyncio.run(self._run(handle_signals))
        except BaseException as error:
            self.error = error
            self.listening.set()
            if handle_signals:
                raise

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            try:
                self._loop.call_soon_threadsafe(self._stop.set)
            except RuntimeError:  # its loop is closed: it has stopped already (Quit, then serve's own stop)
                pass

    async def _run(self, handle_signals: bool) -> None:
        config = self.config
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
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
            self.listening.set()
            if handle_signals:
                for name in ("SIGTERM", "SIGINT"):
                    try:
                        self._loop.add_signal_handler(getattr(signal, name), self._stop.set)
                    except (AttributeError, NotImplementedError):  # Windows: Ctrl+C is KeyboardInterrupt
                        pass
            await self._stop.wait()
            log.info("shutting down")
        finally:
            await runner.cleanup()


def serve(config: Config, with_tray: bool = True) -> None:
    if not is_loopback(config.host) and not config.unsafe_allow_remote:
        raise BaitwatchError(
            f"refusing to listen on {config.host}: other machines could query the daemon; "
            "use a loopback address, or pass --unsafe-allow-remote if you really mean it"
        )
    use_one_malloc_arena()
    tray = _tray_for(config) if with_tray else None
    server = Server(config)
    if tray is None:
        server.run(handle_signals=True)
        return
    # The tray wants the main thread (macOS insists), so the server gets its own.
    thread = threading.Thread(target=server.run, args=(False,), name="baitwatch-server")
    thread.start()
    server.listening.wait()
    if server.error is not None:
        thread.join()
        raise server.error
    tray.on_quit = server.stop
    for name in ("SIGTERM", "SIGINT"):
        signal.signal(getattr(signal, name), lambda *_: tray.stop())
    tray.run_until_quit()
    server.stop()
    thread.join()


def _tray_for(config: Config):
    """The tray icon, or None (with a log line) where none can be shown."""
    from baitwatch.client import DaemonClient
    from baitwatch.tray import Tray

    try:
        return Tray(DaemonClient(config))
    except BaitwatchError as error:
        log.info("running without a tray icon: %s", error)
        return None
