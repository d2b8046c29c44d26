"""One malloc arena for the daemon on glibc.

glibc gives threads that allocate at the same time (aiohttp's executor, onnxruntime's pool)
arenas of their own and keeps their memory: about 80 MB more resident for a process that
waits in the background all day. With one arena the daemon measured the same latency
(benchmarks/daemon_latency.py).
"""

from __future__ import annotations

import ctypes
import os
import sys

M_ARENA_MAX = -8  # glibc's malloc.h


def use_one_malloc_arena() -> None:
    """Call early: arenas made before stay. The user's own arena limit wins."""
    user_limit = "MALLOC_ARENA_MAX" in os.environ or "glibc.malloc.arena_max" in os.environ.get("GLIBC_TUNABLES", "")
    if not sys.platform.startswith("linux") or user_limit:
        return
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)  # glibc's; other C libraries may lack it
    if mallopt is not None:
        mallopt(M_ARENA_MAX, 1)
