"""The daemon's single malloc arena, counted by glibc itself (malloc_info) in a fresh process."""

import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's arenas")

# Eight threads allocate at once, as aiohttp's executor and onnxruntime's pool do, then glibc
# reports its heaps (one per arena).
PROBE = """
import ctypes, sys, tempfile, threading
from baitwatch.memory import use_one_malloc_arena
if sys.argv[1] == "one arena":
    use_one_malloc_arena()
barrier = threading.Barrier(8)
def allocate():
    barrier.wait()
    for _ in range(2000):
        [bytearray(512) for _ in range(50)]
threads = [threading.Thread(target=allocate) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
libc = ctypes.CDLL(None)
libc.fopen.restype, libc.fopen.argtypes = ctypes.c_void_p, [ctypes.c_char_p, ctypes.c_char_p]
libc.malloc_info.argtypes, libc.fclose.argtypes = [ctypes.c_int, ctypes.c_void_p], [ctypes.c_void_p]
with tempfile.NamedTemporaryFile(suffix=".xml") as report:
    stream = libc.fopen(report.name.encode(), b"w")
    libc.malloc_info(0, stream)
    libc.fclose(stream)
    print(open(report.name).read().count("<heap nr="))
"""


def heaps(mode: str, **env: str) -> int:
    users_limits = ("MALLOC_ARENA_MAX", "GLIBC_TUNABLES")  # the tests set these themselves
    environment = {key: value for key, value in os.environ.items() if key not in users_limits} | env
    result = subprocess.run([sys.executable, "-c", PROBE, mode], env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return int(result.stdout)


def test_the_daemon_allocates_from_one_arena_where_threads_would_get_their_own():
    assert heaps("default") > 1  # the probe does make glibc open arenas
    assert heaps("one arena") == 1


@pytest.mark.parametrize("setting", [{"MALLOC_ARENA_MAX": "3"}, {"GLIBC_TUNABLES": "glibc.malloc.arena_max=3"}])
def test_the_users_own_arena_limit_wins(setting):
    assert heaps("one arena", **setting) > 1
