"""``baitwatch check``: verdicts for URLs given on the command line or stdin, without a daemon,
from the daemon's own verdict service and active model (the user's switch and lists aside)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from baitwatch.known_good import shipped_known_good
from baitwatch.models import ModelStore
from baitwatch.paths import models_dir
from baitwatch.service import VerdictService
from baitwatch.urls import CanonicalUrl, InvalidUrl, canonicalize
from baitwatch.verdict import Verdict

EXIT_SOME_INVALID = 2


def read_inputs(arguments: list[str]) -> list[str]:
    """The URLs in order; ``-`` stands for every non-blank line of stdin."""
    inputs = []
    for argument in arguments:
        if argument == "-":
            inputs.extend(line.strip() for line in sys.stdin if line.strip())
        else:
            inputs.append(argument)
    return inputs


async def judge(urls: list[CanonicalUrl], model_dir: Path | None) -> list[Verdict]:
    """Verdicts from ``model_dir``, or else the active model."""
    service = VerdictService(ModelStore(models_dir()), known_good=shipped_known_good())
    service.start(model_dir)
    for problem in service.problems:
        print(f"baitwatch: {problem}", file=sys.stderr)
    try:
        return await service.verdicts(urls, private=True)
    finally:
        await service.close()


def run_check(arguments: list[str], model_dir: Path | None, as_json: bool) -> int:
    inputs = read_inputs(arguments)
    parsed, errors = [], {}
    for position, raw in enumerate(inputs):
        try:
            parsed.append(canonicalize(raw))
        except InvalidUrl as error:
            errors[position] = str(error)
    verdicts = iter(asyncio.run(judge(parsed, model_dir)))
    for position, raw in enumerate(inputs):
        if position in errors:
            line = {"url": raw, "error": errors[position]}
            print(json.dumps(line) if as_json else f"error     -       {raw}: {errors[position]}")
            continue
        verdict = next(verdicts)
        if as_json:
            print(json.dumps(verdict.as_dict()))
        else:
            score = "-" if verdict.score is None else f"{verdict.score:.3f}"
            why = "" if verdict.reason == "model" else f"  ({verdict.reason}" + (f" of {verdict.imitates})" if verdict.imitates else ")")
            print(f"{verdict.verdict:<9} {score:<7} {verdict.url}{why}")
    return EXIT_SOME_INVALID if errors else 0
