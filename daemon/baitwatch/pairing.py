"""One-time pairing codes: how the extension gets the token without the user copying it."""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable

CODE_DIGITS = 6
CODE_LIFETIME_SECONDS = 120
# Wrong guesses a code survives: five tries at a million codes keeps guessing hopeless.
MAX_WRONG_GUESSES = 5


class Pairing:
    """At most one live code at a time; it works once, for two minutes."""

    def __init__(self, token: str, clock: Callable[[], float] = time.monotonic):
        self._token = token
        self._clock = clock
        self._code: str | None = None
        self._expires = 0.0
        self._wrong_guesses = 0

    def new_code(self) -> str:
        self._code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        self._expires = self._clock() + CODE_LIFETIME_SECONDS
        self._wrong_guesses = 0
        return self._code

    def redeem(self, code: str) -> str | None:
        """The token for the right code while it is live, else None."""
        if self._code is None or self._clock() > self._expires:
            self._code = None
            return None
        if hmac.compare_digest(code.encode(), self._code.encode()):
            self._code = None
            return self._token
        self._wrong_guesses += 1
        if self._wrong_guesses >= MAX_WRONG_GUESSES:
            self._code = None
        return None
