"""Counting the user's visits behind the checks: the familiar-sites bookkeeping, in batches.

A visit already written today costs a set lookup on the event loop and nothing else. New
sites wait until none has come for ``QUIET_SECONDS`` (a page and its frames load together),
then the batch is hashed (a deliberately slow, memory-hard hash a site: ``familiar.py``) and
written in one file write, on a low-priority thread. When each check of a new site handed its
own visit over, the hash ran beside the verdicts of the page still loading, and its 16 MB of
scratch memory pushed the model's weights out of the CPU's cache (benchmarks/daemon_latency.py).
"""

import asyncio
import logging

from baitwatch.background import low_priority_worker
from baitwatch.familiar import FamiliarSites

log = logging.getLogger(__name__)

QUIET_SECONDS = 2.0
# A batch goes at once past either limit, so that a daemon never quiet still writes its visits.
MAX_WAITING_SITES = 512
MAX_WAIT_SECONDS = 60.0


class VisitRecorder:
    def __init__(self, familiar: FamiliarSites):
        self._familiar = familiar
        self._worker = low_priority_worker("baitwatch-visits")
        self._waiting: set[str] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._first_waiting = 0.0  # the event loop's time when the oldest waiting site came
        self._writing: asyncio.Future | None = None  # the last batch handed to the worker

    def note(self, site: str) -> None:
        """Count a visit to ``site`` (called on the event loop, for the token holder's checks)."""
        if not self._familiar.enabled or site in self._waiting or self._familiar.visited_today(site):
            return
        loop = asyncio.get_running_loop()
        if not self._waiting:
            self._first_waiting = loop.time()
        self._waiting.add(site)
        if len(self._waiting) >= MAX_WAITING_SITES or loop.time() - self._first_waiting >= MAX_WAIT_SECONDS:
            self._hand_over()
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = loop.call_later(QUIET_SECONDS, self._hand_over)

    def discard(self) -> None:
        """Drop the visits not yet handed over: familiar sites were forgotten or switched off."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._waiting.clear()

    async def flush(self) -> None:
        """Until every visit counted so far is written."""
        self._hand_over()
        if self._writing is not None:
            await asyncio.shield(self._writing)

    async def close(self) -> None:
        await self.flush()
        await asyncio.to_thread(self._worker.shutdown)

    def _hand_over(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._waiting:
            return
        sites, self._waiting = sorted(self._waiting), set()
        self._writing = asyncio.get_running_loop().run_in_executor(self._worker, self._record, sites)

    def _record(self, sites: list[str]) -> None:
        try:
            self._familiar.record_visits(sites)
        except OSError as error:
            log.warning("could not remember %d visit days: %s", len(sites), error)
