"""The system tray icon: is baitwatch protecting me, and one click to turn it on or off.

It is a client of the daemon like the extension, so the tray and the popup always show the
daemon's real setting: it polls ``/v1/status`` every two seconds.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from baitwatch.client import DaemonClient
from baitwatch.errors import BaitwatchError
from baitwatch.paths import data_dir
from baitwatch.retraining import retrain_in_words

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0
MENU_CHARS = 120  # a menu line longer than this is cut: the notification has the whole result
# pystray's X11 backend joins a tray bar only when it draws the icon, and at login the bar may
# start after the daemon: the icon is drawn again this often even when it has not changed.
REDOCK_SECONDS = 30.0
LOOKS = {
    "protecting": ("#1e6b35", "baitwatch: protecting you"),
    "off": ("#8a8a8a", "baitwatch: protection is OFF"),
    "unreachable": ("#b3261e", "baitwatch: the daemon is not running"),
}


def display_available() -> bool:
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def draw_icon(color: str, size: int = 64):
    """A shield in the state's colour, drawn with Pillow."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    s = size / 16
    shield = [(8, 0.5), (14.5, 3), (14, 9), (8, 15.5), (2, 9), (1.5, 3)]
    draw.polygon([(x * s, y * s) for x, y in shield], fill=color)
    draw.line([(5 * s, 8 * s), (7.2 * s, 10.2 * s), (11 * s, 5.8 * s)], fill="white", width=max(2, int(1.6 * s)))
    return image


def model_line(model: dict) -> str:
    exported = model.get("exported")
    return f"Model {model['id']}" + (f", exported {exported[:10]}" if exported else "")


class Tray:
    def __init__(self, client: DaemonClient, on_quit: Callable[[], None] | None = None):
        if not display_available():
            raise BaitwatchError("no display: the tray icon needs a graphical session (DISPLAY or WAYLAND_DISPLAY is not set)")
        try:
            import pystray
        except Exception as error:  # pystray picks its backend at import and fails without one
            raise BaitwatchError(f"the tray icon cannot start here: {error}") from None
        self._client = client
        self.on_quit = on_quit
        self._stopped = threading.Event()
        # Only the painter thread and stop touch X, taking turns: pystray's X11 calls can hang for
        # good (python-xlib now and then never hands over a reply), so nothing else may wait on them.
        self._x_lock = threading.Lock()
        self._repaint = threading.Event()
        self._shown_look: tuple[str, str] | None = None
        self.enabled = False
        self.state = "unreachable"
        self.model = ""  # which model decides, and from when
        self.model_id: str | None = None
        self.retrain: dict = {}  # GET /v1/retrain: the background retrain's stage or result
        self.pairing_code: str | None = None
        self._code_expires = 0.0
        self.icon = pystray.Icon(
            "baitwatch",
            draw_icon(LOOKS["unreachable"][0]),
            LOOKS["unreachable"][1],
            menu=pystray.Menu(
                pystray.MenuItem("Protection on", self.toggle, checked=lambda item: self.enabled, enabled=lambda item: self.state != "unreachable"),
                pystray.MenuItem("Pair a browser", self.pair, enabled=lambda item: self.state != "unreachable"),
                pystray.MenuItem(lambda item: f"Pairing code: {self.pairing_code}", None, enabled=False, visible=lambda item: self.pairing_code is not None),
                pystray.MenuItem(lambda item: self.model, None, enabled=False, visible=lambda item: self.state != "unreachable"),
                pystray.MenuItem("Learn from my reports", self.learn, enabled=lambda item: self.state != "unreachable" and self.retrain.get("state") != "running"),
                pystray.MenuItem(lambda item: retrain_in_words(self.retrain)[:MENU_CHARS], None, enabled=False,
                                 visible=lambda item: self.state != "unreachable" and self.retrain.get("state", "idle") != "idle"),
                pystray.MenuItem("Undo the retrain", self.undo_retrain, visible=lambda item: self.can_undo()),
                pystray.MenuItem("Open data folder", self.open_data_folder),
                pystray.MenuItem("Quit", self.quit),
            ),
        )

    # --- state --------------------------------------------------------------------------
    def refresh(self) -> None:
        try:
            status = self._client.request("GET", "/v1/status")
            self.enabled = bool(status["enabled"])
            self.model = model_line(status["model"])
            self.model_id = status["model"]["id"]
            self._follow_retrain(self._client.request("GET", "/v1/retrain"))
            self.state = "protecting" if self.enabled else "off"
        except BaitwatchError:
            self.state = "unreachable"
        if self.pairing_code and time.monotonic() > self._code_expires:
            self.pairing_code = None
        self._repaint.set()

    def _poll(self) -> None:
        self.refresh()
        while not self._stopped.wait(POLL_SECONDS):
            self.refresh()

    def _paint(self) -> None:
        """Show the icon at the first repaint ``refresh`` asks for, then keep it current, until stop."""
        drawn_at = 0.0
        while self._repaint.wait():
            self._repaint.clear()
            look = LOOKS[self.state]
            with self._x_lock:
                if self._stopped.is_set():
                    return
                try:
                    if self._shown_look is None:
                        self.icon.visible = True
                    # Each drawing is a round trip to the X server: on a change, or to dock again.
                    if look != self._shown_look or time.monotonic() - drawn_at > REDOCK_SECONDS:
                        self.icon.icon = draw_icon(look[0])
                        self.icon.title = look[1]
                        self._shown_look, drawn_at = look, time.monotonic()
                    self.icon.update_menu()
                except Exception:  # a tray that cannot draw must not stop the next try
                    log.warning("could not draw the tray icon", exc_info=True)

    # --- menu actions -------------------------------------------------------------------
    def toggle(self, icon=None, item=None) -> None:
        self._client.request("PUT", "/v1/settings", {"enabled": not self.enabled})
        self.refresh()

    def pair(self, icon=None, item=None) -> None:
        answer = self._client.request("POST", "/v1/pair/code", {})
        self.pairing_code = answer["code"]
        self._code_expires = time.monotonic() + answer["expires_in_seconds"]
        self.refresh()
        self._tell(f"Enter {self.pairing_code} in the baitwatch extension's popup.", "Pair a browser")

    def learn(self, icon=None, item=None) -> None:
        try:
            self._follow_retrain(self._client.request("POST", "/v1/retrain", {}))
        except BaitwatchError as error:  # no reports yet, say: told, not raised into pystray
            self._tell(str(error), "Learn from my reports")
        self._repaint.set()

    def undo_retrain(self, icon=None, item=None) -> None:
        try:
            answer = self._client.request("POST", "/v1/models/rollback", {"from": self.retrain.get("model")})
        except BaitwatchError as error:  # undone already, from the popup say
            self._tell(str(error), "Undo the retrain")
            self.refresh()
            return
        self._tell(f"The model {answer['active']} is in use again.", "Undo the retrain")
        self.refresh()

    def can_undo(self) -> bool:
        """Only while the model the retrain installed is in use: a second Undo would roll back further."""
        return self.state != "unreachable" and self.retrain.get("state") == "installed" and self.retrain.get("model") == self.model_id

    def _follow_retrain(self, progress: dict) -> None:
        finished = self.retrain.get("state") == "running" and progress.get("state") != "running"
        self.retrain = progress
        if finished:
            self._tell(retrain_in_words(progress), "Learn from my reports")

    def _tell(self, text: str, title: str) -> None:
        if self.icon.HAS_NOTIFICATION:
            self.icon.notify(text, title)

    def open_data_folder(self, icon=None, item=None) -> None:
        folder = data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        if sys.platform == "win32":
            os.startfile(folder)  # noqa: S606 - opens the user's own folder
        else:
            subprocess.Popen(["open" if sys.platform == "darwin" else "xdg-open", str(folder)])

    def quit(self, icon=None, item=None) -> None:
        self.stop()
        if self.on_quit:
            self.on_quit()

    # --- life cycle ---------------------------------------------------------------------
    def run(self) -> None:
        """Show the icon and poll the daemon until Quit; blocks the calling thread."""

        def setup(icon) -> None:
            # pystray's setup thread is not a daemon one: daemon threads of our own let the
            # process exit even while an X call hangs.
            threading.Thread(target=self._paint, name="baitwatch-tray-paint", daemon=True).start()
            threading.Thread(target=self._poll, name="baitwatch-tray-poll", daemon=True).start()

        self.icon.run(setup=setup)

    def run_until_quit(self) -> None:
        """Show the icon until Quit or ``stop``. Outside macOS (whose AppKit wants the main
        thread) the icon's loop runs on a helper thread, because pystray's X11 loop now and
        then misses the end of its own window and would otherwise never return."""
        if sys.platform == "darwin":
            self.run()
            return
        loop = threading.Thread(target=self.run, name="baitwatch-tray", daemon=True)
        loop.start()
        self._stopped.wait()
        loop.join(timeout=2)

    def stop(self) -> None:
        """End ``run_until_quit``. Outside macOS the icon comes down on a helper thread, so that
        Quit and SIGTERM never wait on a hung X call; AppKit wants its own calls on its thread."""
        self._stopped.set()
        self._repaint.set()  # lets the painter see the stop
        if sys.platform == "darwin":
            self._take_down_icon()
        else:
            threading.Thread(target=self._take_down_icon, name="baitwatch-tray-stop", daemon=True).start()

    def _take_down_icon(self) -> None:
        with self._x_lock:
            self.icon.stop()
