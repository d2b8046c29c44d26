"""Familiar sites: the sites you keep coming back to, remembered privately.

For each registrable domain you visit, the daemon keeps the distinct days (UTC day numbers)
of your visits, the latest ``KEPT_DAYS``, under a salted scrypt digest of the domain in
``familiar.json``: the file names no site, so it cannot be read as a browsing history, and
testing a guess against it costs a deliberately slow hash per guess. A site visited on
``FAMILIAR_DAYS`` distinct days spanning more than a week is familiar: it gets no
``suspicious`` notice, and it is protected from lookalikes. A familiar domain's name is known
again (in memory only) once you visit it after the daemon starts, so it protects from then
on. ``baitwatch forget`` clears it all and takes a new salt; the setting
``familiar_sites = false`` turns it off.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable

from cachetools import LRUCache

from baitwatch.store import Store

FAMILIAR_DAYS = 3
FAMILIAR_SPAN_DAYS = 7  # first and last visit more than this many days apart
KEPT_DAYS = 16
SECONDS_PER_DAY = 86400
REMEMBERED_DOMAINS = 10_000


class FamiliarSites:
    """Thread-safe: visits are recorded and familiarity tested on worker threads."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time, enabled: bool = True):
        self._allowed = enabled  # the config's familiar_sites; the user's setting can turn it off too
        self._store = store
        self._clock = clock
        self._lock = threading.Lock()
        # This run's domains, in memory only: each one's digest and the day its visit was last
        # written. Bounded: a domain that falls out costs one more slow hash when it comes back.
        self._digests: LRUCache = LRUCache(REMEMBERED_DOMAINS)
        self._written_day: LRUCache = LRUCache(REMEMBERED_DOMAINS)
        self._generation = 0  # one more at each forget: work begun before it is dropped
        self.names: frozenset[str] = frozenset()  # familiar domains visited this run

    @property
    def enabled(self) -> bool:
        return self._allowed and self._store.settings["familiar_sites"]

    def visited_today(self, domain: str) -> bool:
        """Whether today's visit to ``domain`` is written already: no hash and no file, so the
        event loop may ask before it hands a visit to the recorder."""
        with self._lock:
            return self._written_day.get(domain) == self._today()

    def record_visits(self, domains: list[str]) -> None:
        """Write today's visit to each domain, in one write of the file."""
        if not self.enabled or not domains:
            return
        generation, today = self._generation, self._today()
        digests = {domain: self._digest(domain) for domain in domains}  # slow: hashes, without the lock
        with self._lock:  # a forget or a switch-off while they were hashed wins: nothing is written
            if generation != self._generation or not self.enabled:
                return
            days = self._store.add_familiar_days(list(digests.values()), today, KEPT_DAYS)
            self.names |= {domain for domain, digest in digests.items() if is_familiar(days[digest])}
            for domain in domains:
                self._written_day[domain] = today

    def is_familiar(self, domain: str) -> bool:
        return self.enabled and (domain in self.names or is_familiar(self._store.familiar_days(self._digest(domain))))

    def forget(self) -> None:
        with self._lock:
            self._generation += 1
            self._store.forget_familiar()
            self._digests.clear()
            self._written_day.clear()
            self.names = frozenset()

    def _today(self) -> int:
        return int(self._clock() // SECONDS_PER_DAY)

    def _digest(self, domain: str) -> str:
        with self._lock:
            digest, generation = self._digests.get(domain), self._generation
        if digest is None:
            digest = hashlib.scrypt(domain.encode(), salt=self._store.familiar_salt, n=2**14, r=8, p=1, dklen=16).hex()
            with self._lock:
                if generation == self._generation:  # not a digest under the salt a forget replaced
                    self._digests[domain] = digest
        return digest


def is_familiar(days: list[int]) -> bool:
    return len(days) >= FAMILIAR_DAYS and max(days) - min(days) > FAMILIAR_SPAN_DAYS
