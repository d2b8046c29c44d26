"""Keeping the daemon small on glibc: one malloc arena, and freed memory handed back when idle.

glibc gives threads that allocate at the same time (aiohttp's executor, onnxruntime's pool)
arenas of their own and keeps their memory: about 80 MB more resident for a process that
waits in the background all day. With one arena the daemon measured the same latency
(benchmarks/daemon_latency.py).

A large page's parse tree takes tens of MB, and glibc keeps what it freed (as it does what
the model's batches give back, classifier.py). ``IdleRelease`` gives it back once the daemon
has been idle a moment (``malloc_trim``: up to 7 ms, which a request arriving just then waits).
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import sys

M_ARENA_MAX = -8  # glibc's malloc.h
IDLE_SECONDS = 1.0


def use_one_malloc_arena() -> None:
    """Call early: arenas made before stay. The user's own arena limit wins."""
    user_limit = "MALLOC_ARENA_MAX" in os.environ or "glibc.malloc.arena_max" in os.environ.get("GLIBC_TUNABLES", "")
    if not sys.platform.startswith("linux") or user_limit:
        return
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)  # glibc's; other C libraries may lack it
    if mallopt is not None:
        mallopt(M_ARENA_MAX, 1)


def release_freed_memory() -> None:
    """Hand the memory malloc holds free back to the system (glibc only; elsewhere nothing)."""
    if sys.platform.startswith("linux"):
        malloc_trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
        if malloc_trim is not None:
            malloc_trim(0)


class IdleRelease:
    """Calls ``release_freed_memory`` once no work was done for ``IDLE_SECONDS``."""

    def __init__(self):
        self._timer: asyncio.TimerHandle | None = None
        self._closed = False

    def work_done(self) -> None:
        """Called on the event loop after work that allocated: waits for the next quiet moment."""
        if self._closed:  # a page read that ends after the daemon began to stop
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(IDLE_SECONDS, self._release)

    def close(self) -> None:
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _release(self) -> None:
        self._timer = None
        asyncio.get_running_loop().run_in_executor(None, release_freed_memory)
