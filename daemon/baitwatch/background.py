"""A worker for work that must not slow verdicts down.

Recording a visit day costs a deliberately slow hash (``familiar.py``: scrypt, about 25 ms
of CPU, once per new site a run): more than a verdict's model call. On a two-core laptop that
work, run beside the checks at the same priority, held up the next pages' verdicts.
"""

from __future__ import annotations

import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

NICER_BY = 10  # a nice-10 thread gets about a tenth of a core that normal threads want


def low_priority_worker(name: str) -> ThreadPoolExecutor:
    """One thread, in order, at a lower CPU priority where the system allows it per thread."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix=name, initializer=_lower_own_priority)


def _lower_own_priority() -> None:
    if not sys.platform.startswith("linux"):  # elsewhere a thread id is no target for setpriority
        return
    thread = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + NICER_BY))
    except OSError:  # a sandbox may refuse; the work is only slower to others then
        pass
