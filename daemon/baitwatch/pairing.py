"""One-time pairing codes: how the extension gets the token without the user copying it.

Guessing is slowed, never punished. A code used to die after five wrong guesses, so any
local process could keep the user from pairing by guessing wrong on purpose. Now a wrong
guess costs the guesser time instead, and the code lives out its two minutes:

* One guess is judged per ``TURN_SECONDS``, for all callers together: on loopback every
  caller can pose as any other, so there is nobody to limit one by one. Over a code's life
  that is at most 1 + 120 / 0.25 = 481 guesses of 1,000,000 codes, so a guesser who hammers
  for the whole two minutes wins about one code in 2,000, and each code is shown to the user
  only when they ask to pair.
* A guess that finds the turn taken waits, and each turn goes to a random waiting guess, so
  a guesser cannot hold every turn by queueing first. The user's guess waits at most
  ``MAX_WAIT_SECONDS`` (under the extension's 2-second timeout), which is six turns: against
  a guesser who sends one guess at a time it gets a turn in all but (1/2)^6 = 1.6% of tries,
  and a retry usually does it. Many guessers in parallel lower those odds (they share the
  turns with the user), but cannot raise their own above 481 guesses per code.
"""

from __future__ import annotations

import asyncio
import hmac
import random
import secrets
import time
from collections.abc import Callable

CODE_DIGITS = 6
CODE_LIFETIME_SECONDS = 120
TURN_SECONDS = 0.25
MAX_WAIT_SECONDS = 1.5
MAX_WAITING_GUESSES = 1024  # bounds the memory a flood of guesses can hold


class Pairing:
    """At most one live code at a time; it works once, for two minutes."""

    def __init__(self, token: str, clock: Callable[[], float] = time.monotonic):
        self._token = token
        self._clock = clock
        self._code: str | None = None
        self._expires = 0.0

    def new_code(self) -> str:
        self._code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        self._expires = self._clock() + CODE_LIFETIME_SECONDS
        return self._code

    def redeem(self, code: str) -> str | None:
        """The token for the right code while it is live, else None. A wrong guess leaves the
        code alive: ``GuessTurns`` is what makes guessing slow."""
        if self._code is None or self._clock() > self._expires:
            self._code = None
            return None
        if hmac.compare_digest(code.encode(), self._code.encode()):
            self._code = None
            return self._token
        return None


class GuessTurns:
    """Hands out the turns to judge a pairing guess: one per ``TURN_SECONDS``, for everyone."""

    def __init__(self) -> None:
        self._waiting: list[asyncio.Future] = []
        self._next_turn = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self._random = random.SystemRandom()  # a guesser must not predict who gets the turn

    async def take(self) -> bool:
        """True when this guess may be judged; False when no turn came in ``MAX_WAIT_SECONDS``."""
        loop = asyncio.get_running_loop()
        if not self._waiting and loop.time() >= self._next_turn:
            self._next_turn = loop.time() + TURN_SECONDS
            return True
        if len(self._waiting) >= MAX_WAITING_GUESSES:
            return False
        turn = loop.create_future()
        self._waiting.append(turn)
        if self._timer is None:
            self._timer = loop.call_at(self._next_turn, self._hand_out, loop)
        try:
            await asyncio.wait_for(turn, MAX_WAIT_SECONDS)
            return True
        except asyncio.TimeoutError:  # TimeoutError itself only from Python 3.11
            return False
        finally:
            if turn in self._waiting:
                self._waiting.remove(turn)

    def _hand_out(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        waiting = [turn for turn in self._waiting if not turn.done()]
        if not waiting:
            return
        winner = self._random.choice(waiting)
        self._waiting.remove(winner)
        winner.set_result(None)
        self._next_turn = loop.time() + TURN_SECONDS
        if len(waiting) > 1:
            self._timer = loop.call_at(self._next_turn, self._hand_out, loop)
