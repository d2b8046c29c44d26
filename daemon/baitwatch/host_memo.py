"""Answers remembered for the browser's recent hosts, for the person's own requests only.

A check asks the same questions of its host more than once (its trust scope, whether it
imitates a protected site), and a browser's hosts repeat, so the answers for the latest
``REMEMBERED_HOSTS`` are kept. Only requests marked as the person's (``remembering``, set by
security.py for the token holder) read or fill them: how fast another local process gets its
answer must not tell which hosts this user visited. Answers are kept by host alone, never with
a URL's userinfo, which may be a password.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from cachetools import LRUCache

REMEMBERED_HOSTS = 4096
_PERSONS_REQUEST: ContextVar[bool] = ContextVar("baitwatch_persons_request", default=False)
Answer = TypeVar("Answer")


@contextmanager
def remembering() -> Iterator[None]:
    """Marks what runs inside (this asyncio task's work, and only it) as the person's own."""
    mark = _PERSONS_REQUEST.set(True)
    try:
        yield
    finally:
        _PERSONS_REQUEST.reset(mark)


class HostMemo:
    """One kind of answer per host; thread-safe. ``compute`` is passed on each call, not kept,
    so the memo holds no reference back to its owner."""

    def __init__(self):
        self._answers: LRUCache = LRUCache(REMEMBERED_HOSTS)
        self._lock = threading.Lock()

    def answer(self, host: str, compute: Callable[[str], Answer]) -> Answer:
        if not _PERSONS_REQUEST.get():
            return compute(host)
        with self._lock:
            if host in self._answers:
                return self._answers[host]
        answer = compute(host)
        with self._lock:
            self._answers[host] = answer
        return answer

    def __contains__(self, host: str) -> bool:
        with self._lock:
            return host in self._answers
