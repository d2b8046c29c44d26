"""Micro-batching: requests that arrive while the model is busy share its next call.

No timer: a lone request runs at once, so batching never adds latency at low load, and
under load every model call takes all the URLs that queued up while the last one ran.
Inference runs on one worker thread, off the event loop. Each text comes with the scorer
(the model) its request started with, so a request queued before a model swap is still
scored by the model whose card will judge it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

Scorer = Callable[[list[str]], np.ndarray]


class MicroBatcher:
    def __init__(self, max_batch: int = 64):
        self._max_batch = max_batch
        self._queue: asyncio.Queue[tuple[Scorer, str, asyncio.Future]] = asyncio.Queue()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="baitwatch-model")
        self._worker: asyncio.Task | None = None
        self.model_calls = 0

    async def score(self, scorer: Scorer, texts: list[str]) -> list[float]:
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._run())
        loop = asyncio.get_running_loop()
        futures = []
        for text in texts:
            future = loop.create_future()
            self._queue.put_nowait((scorer, text, future))
            futures.append(future)
        return list(await asyncio.gather(*futures))

    async def _run(self) -> None:
        while True:
            queued = [await self._queue.get()]
            while len(queued) < self._max_batch and not self._queue.empty():
                queued.append(self._queue.get_nowait())
            by_scorer: dict[Scorer, list[tuple[str, asyncio.Future]]] = {}
            for scorer, text, future in queued:
                if not future.cancelled():
                    by_scorer.setdefault(scorer, []).append((text, future))
            for scorer, batch in by_scorer.items():
                await self._answer(scorer, batch)

    async def _answer(self, scorer: Scorer, batch: list[tuple[str, asyncio.Future]]) -> None:
        loop = asyncio.get_running_loop()
        try:
            scores = await loop.run_in_executor(self._executor, scorer, [text for text, _ in batch])
            self.model_calls += 1
        except Exception as error:
            if len(batch) > 1:
                # One text the model cannot take must not fail its companions: each is tried
                # alone, so only the culprit's request gets the error.
                for item in batch:
                    await self._answer(scorer, [item])
                return
            [(_, future)] = batch
            if not future.done():
                future.set_exception(error)
            return
        for (_, future), score in zip(batch, scores.tolist()):
            if not future.done():
                future.set_result(score)

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
        self._executor.shutdown(wait=True)
