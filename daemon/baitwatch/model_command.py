"""``baitwatch model``: list the models, switch the active one, roll back, install one.

Switching goes through the running daemon, which loads the model and swaps it in at once;
with no daemon running it is done on the files, for the daemon's next start. Installing
only adds a folder to the store, so it never needs the daemon.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from baitwatch.client import DaemonClient, DaemonNotRunning
from baitwatch.config import Config
from baitwatch.models import ModelStore
from baitwatch.paths import models_dir
from baitwatch.service import VerdictService

ROUTES = {"list": ("GET", "/v1/models"), "use": ("PUT", "/v1/models/active"), "rollback": ("POST", "/v1/models/rollback")}
# The daemon answers a switch once the model is loaded: its checksum, its ONNX session and its
# tokenizer, which take seconds on a busy machine.
SWITCH_TIMEOUT_SECONDS = 60.0


def run_model_command(action: str, argument: str | None, config: Config) -> int:
    if action == "install":
        model_id = ModelStore(models_dir()).install(Path(argument))
        print(f"Installed the model {model_id}; 'baitwatch model use {model_id}' makes it the active one.")
        return 0
    method, path = ROUTES[action]
    try:
        body = {"id": argument} if action == "use" else {}
        answer = DaemonClient(config, timeout=SWITCH_TIMEOUT_SECONDS).request(method, path, None if method == "GET" else body)
    except DaemonNotRunning:
        answer = asyncio.run(_without_daemon(action, argument))
        print("(the daemon is not running: this is what it will serve when it starts)")
    if action == "list":
        _print_listing(answer)
    else:
        print(f"Now using the model {answer['active']}, exported {answer['exported'] or 'at an unknown time'}.")
    return 0


async def _without_daemon(action: str, argument: str | None) -> dict:
    """What the daemon's route would answer, worked out by the same service on the files."""
    service = VerdictService(ModelStore(models_dir()))
    try:
        if action == "list":
            service.start()
            return service.listing()
        loaded = await (service.use(argument) if action == "use" else service.rollback())
        return {"active": loaded.card.id, "exported": loaded.card.raw.get("exported")}
    finally:
        await service.close()


def _print_listing(answer: dict) -> None:
    for model in answer["models"]:
        mark = "*" if model["active"] else " "
        note = "  (shipped)" if model["shipped"] else ""
        if learnt := model.get("learnt_sites"):
            note += f"  (learnt from your reports: {learnt.get('phishing', 0)} phishing, {learnt.get('safe', 0)} not phishing)"
        when = model["problem"] if "problem" in model else f"exported {model['exported'] or 'at an unknown time'}"
        print(f"{mark} {model['id']:<32} {when}{note}")
    if answer["previous"]:
        print(f"rollback order: {', '.join(answer['previous'])}")
