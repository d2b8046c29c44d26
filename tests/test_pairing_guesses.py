"""Guessing pairing codes against a real daemon: slow for everyone, never a lock-out."""

import asyncio
import time

import aiohttp

from baitwatch.pairing import MAX_WAIT_SECONDS, TURN_SECONDS


def new_code(daemon) -> str:
    status, answer = daemon.request("POST", "/v1/pair/code", {}, daemon.token)
    assert status == 200
    return answer["code"]


def wrong_for(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def guess_forever(session: aiohttp.ClientSession, base: str, code: str, statuses: list[int]) -> None:
    """One guessing loop: a wrong code, again and again, as fast as the daemon answers."""
    while True:
        async with session.post(base + "/v1/pair", json={"code": code}) as response:
            statuses.append(response.status)
            await response.read()


async def hammered(daemon, guessers: int, code: str, while_hammering):
    """Runs ``while_hammering()`` while ``guessers`` loops send wrong guesses; returns its
    result and the statuses the guessers got."""
    statuses: list[int] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        loops = [asyncio.ensure_future(guess_forever(session, daemon.base, code, statuses)) for _ in range(guessers)]
        try:
            result = await while_hammering(session)
        finally:
            for loop in loops:
                loop.cancel()
            await asyncio.gather(*loops, return_exceptions=True)
    return result, statuses


def test_wrong_guesses_leave_the_code_alive(daemon):
    code = new_code(daemon)
    for _ in range(8):  # the old limit was five
        status, answer = daemon.request("POST", "/v1/pair", {"code": wrong_for(code)})
        assert (status, answer["code"]) == (401, "bad-code")
    assert daemon.request("POST", "/v1/pair", {"code": code}) == (200, {"token": daemon.token})


def test_the_user_pairs_while_another_process_hammers_wrong_guesses(daemon):
    code = new_code(daemon)

    async def user_types_the_code(session):
        await asyncio.sleep(1)  # the guessers are in full swing
        for attempt in range(5):  # "type the code again" after a busy answer, as the popup says
            async with session.post(daemon.base + "/v1/pair", json={"code": code}) as response:
                answer = await response.json()
            if response.status != 429:
                return attempt, response.status, answer
        return attempt, response.status, answer

    (attempt, status, answer), statuses = asyncio.run(hammered(daemon, 2, wrong_for(code), user_types_the_code))
    assert (status, answer) == (200, {"token": daemon.token}), f"after {attempt + 1} attempts"
    assert 401 in statuses  # the guessers were judged meanwhile (and told they were wrong)


def test_parallel_brute_force_gets_one_guess_judged_per_turn(daemon):
    code = new_code(daemon)
    seconds = 3.0

    async def wait(session):
        started = time.monotonic()
        await asyncio.sleep(seconds)
        return time.monotonic() - started

    elapsed, statuses = asyncio.run(hammered(daemon, 32, wrong_for(code), wait))
    judged = statuses.count(401)
    # Guesses still waiting when the loops stop are never answered, so add the wait window.
    assert judged <= 1 + (elapsed + MAX_WAIT_SECONDS) / TURN_SECONDS, judged
    assert judged >= 2  # and turns keep being handed out (how many a loaded machine manages varies)
    assert set(statuses) <= {401, 429}
    time.sleep(MAX_WAIT_SECONDS)  # guesses the loops left waiting give up
    for _ in range(5):  # a guess the daemon still held may take a turn: after a busy answer, type the code again
        status, answer = daemon.request("POST", "/v1/pair", {"code": code})
        if status != 429:
            break
    assert (status, answer) == (200, {"token": daemon.token})
