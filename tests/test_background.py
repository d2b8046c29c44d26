"""The low-priority worker that records visit days behind the checks."""

import os
import sys
import threading

import pytest

from baitwatch.background import NICER_BY, low_priority_worker

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priorities are Linux's")


def own_priority() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_the_worker_runs_nicer_than_the_daemon_and_leaves_the_daemon_as_it_was():
    before = own_priority()
    if before > 19 - NICER_BY:
        pytest.skip(f"the tests already run at nice {before}: no room to lower it by {NICER_BY}")
    with low_priority_worker("test-visits") as worker:
        inside, name = worker.submit(lambda: (own_priority(), threading.current_thread().name)).result(timeout=10)
    assert inside == min(19, before + NICER_BY)
    assert name.startswith("test-visits")
    assert own_priority() == before
