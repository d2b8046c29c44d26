"""Learn from my reports: ``baitwatch retrain``, started by the popup or the tray, run by the daemon.

It runs as a child process at a lower CPU priority, so verdicts keep the cores they need and
the daemon never imports the retrain's code (model_export). The child installs the new model
and switches the daemon to it through the daemon's own API, as the command does from a
terminal; checks go on meanwhile and move to the new model at once. ``GET /v1/retrain``
tells the stage it is at, then the result in words; one retrain runs at a time.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from baitwatch.background import NICER_BY
from baitwatch.errors import BaitwatchError

log = logging.getLogger(__name__)

STAGE_PREFIX = "stage: "  # model_export/retrain.py's progress lines
ERROR_PREFIX = "baitwatch: error: "  # the command's one-sentence errors (cli.py)
MAX_ERROR_CHARS = 2000
MAX_STAGE_CHARS = 200
MAX_LINE_BYTES = 1 << 20  # a longer line from the child is an error, not a hang
STOP_SECONDS = 5.0  # a stopping daemon gives the child this long to end by itself


class RetrainRunning(BaitwatchError):
    """A retrain was asked for while one runs."""


@dataclass
class RetrainState:
    state: str = "idle"  # "idle", "running", "installed", "kept" (the gate refused) or "failed"
    stage: str | None = None  # while running: what it does now
    message: str | None = None  # once done: the result in words
    model: str | None = None  # the model it installed
    reports: int | None = None
    learnt: int | None = None  # reports the new model gives the reported verdict
    started: str | None = None
    finished: str | None = None


class BackgroundRetrain:
    def __init__(self, host: str, port: int, folder: Path):
        self._address = ["--host", host, "--port", str(port)]
        self._folder = folder  # the child's working folder: its own, not wherever the daemon was started
        self.status = RetrainState()
        self._task: asyncio.Task | None = None
        self._process: asyncio.subprocess.Process | None = None

    async def start(self, options: dict[str, int]) -> RetrainState:
        """Start a retrain; ``options`` are the command's row counts (``held_out_rows``)."""
        if self.status.state == "running":
            raise RetrainRunning("a retrain is running already")
        command = [sys.executable, "-m", "baitwatch", "retrain", "--json", *self._address]
        for name, value in options.items():
            command += [f"--{name.replace('_', '-')}", str(value)]
        self.status = RetrainState(state="running", stage="starting", started=_now())
        try:
            # Started before this returns, so that a daemon stopping now stops it too (close).
            self._folder.mkdir(parents=True, exist_ok=True)
            self._process = await asyncio.create_subprocess_exec(
                *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=self._folder, limit=MAX_LINE_BYTES,
            )
        except OSError as error:
            self.status = self._failed(f"The retrain could not start ({error}).")
            return self.status
        _lower_priority(self._process.pid)
        self._task = asyncio.get_running_loop().create_task(self._follow(self._process))
        return self.status

    async def close(self) -> None:
        """Stop a running retrain: asked first (it cleans up its temporary folder), then made to."""
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
            try:
                await asyncio.wait_for(asyncio.shield(self._process.wait()), STOP_SECONDS)
            except asyncio.TimeoutError:
                self._process.kill()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def _follow(self, process: asyncio.subprocess.Process) -> None:
        try:
            result, errors = await asyncio.gather(self._read_progress(process.stdout), process.stderr.read())
            await process.wait()
            self.status = self._finished(result, errors.decode("utf-8", "replace"))
        except Exception as error:  # whatever the child wrote, the retrain ends and may be started again
            if process.returncode is None:
                process.kill()
            self.status = self._failed(f"The retrain failed: its output could not be read ({type(error).__name__}).")
        log.info("retrain %s: %s", self.status.state, self.status.message)

    async def _read_progress(self, stream: asyncio.StreamReader) -> dict | None:
        """Follow the child's stages; returns its result line (``--json``), if it wrote one."""
        result = None
        while raw := await stream.readline():  # to the end of the output: a blank line does not end it
            line = raw.decode("utf-8", "replace").strip()
            if line.startswith(STAGE_PREFIX):
                self.status.stage = line[len(STAGE_PREFIX):][:MAX_STAGE_CHARS]
            elif line.startswith("{"):
                try:
                    result = _result_fields(json.loads(line))
                except (ValueError, KeyError, TypeError):
                    continue
        return result

    def _failed(self, message: str) -> RetrainState:
        return RetrainState(state="failed", message=message, started=self.status.started, finished=_now())

    def _finished(self, result: dict | None, errors: str) -> RetrainState:
        if result is None:
            said = [line[len(ERROR_PREFIX):] for line in errors.splitlines() if line.startswith(ERROR_PREFIX)]
            reason = said[-1] if said else f"it stopped with exit status {self._process.returncode}"
            return self._failed(f"The retrain failed: {reason[:MAX_ERROR_CHARS]}")
        done = {"started": self.status.started, "finished": _now()}
        learnt = {"reports": result["feedback_rows"], "learnt": result["corrected"]}
        said = f"The new model learnt {result['corrected']} of your {result['feedback_rows']} reports"
        reason = result["reason"].removeprefix("not installed: ").removeprefix("installed: ")
        if result["installed"] is None:
            why = f": {reason}" if not result["corrected"] else f". {said}, but {reason}"  # the reason says it learnt none
            return RetrainState(state="kept", message=f"Kept the model you had{why}.", **learnt, **done)
        if self._process.returncode != 0:
            return RetrainState(state="failed", message=f"{said} and was installed as {result['installed']}, but the daemon "
                                f"could not switch to it; 'baitwatch model use {result['installed']}' does.", **learnt, **done)
        # With every report withdrawn, the retrain only forgot them.
        message = f"{said} and is in use ({reason})." if result["feedback_rows"] else f"Your withdrawn reports are forgotten: {reason}."
        return RetrainState(state="installed", model=result["installed"], message=message, **learnt, **done)

    def as_dict(self) -> dict:
        return asdict(self.status)


def _result_fields(result: dict) -> dict:
    """The fields of ``baitwatch retrain --json`` this reads, checked: a malformed line raises."""
    fields = {"installed": result["installed"], "reason": result["reason"],
              "feedback_rows": result["feedback_rows"], "corrected": result["corrected"]}
    if not (fields["installed"] is None or isinstance(fields["installed"], str)) or not isinstance(fields["reason"], str):
        raise TypeError("the result line has the wrong types")
    if not all(isinstance(fields[name], int) for name in ("feedback_rows", "corrected")):
        raise TypeError("the result line has the wrong types")
    return fields


def retrain_in_words(status: dict) -> str:
    """What the tray shows: the stage while it runs, then the result."""
    if status.get("state") == "running":
        return f"Learning from your reports: {status.get('stage')}…"
    return status.get("message") or ""


def _lower_priority(pid: int) -> None:
    """Set after the start (a preexec_fn is not safe in a process with threads, as the daemon is)."""
    if not hasattr(os, "setpriority"):  # Windows: the retrain runs at the daemon's priority
        return
    try:
        os.setpriority(os.PRIO_PROCESS, pid, min(19, os.getpriority(os.PRIO_PROCESS, pid) + NICER_BY))
    except OSError:  # it may have ended already, or a sandbox refuses
        pass


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
