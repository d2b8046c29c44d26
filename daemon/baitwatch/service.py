"""The verdict service: the one path from canonical URLs to verdicts, for the daemon's routes
and for ``baitwatch check`` alike.

It holds the served model (classifier and card in one immutable ``LoadedModel``), the score
cache, the micro-batcher, the policy inputs and the counters. Switching models loads the new
one in full first, then replaces that one reference: a request reads the model once and
keeps it to its answer, and the batcher scores each text with the model its request read,
so no answer mixes two models and none is dropped by a switch.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from baitwatch.batcher import MicroBatcher
from baitwatch.cache import ScoreCache
from baitwatch.classifier import SHIPPED_MODEL_DIR, Classifier, ModelCard
from baitwatch.errors import BaitwatchError
from baitwatch.familiar import FamiliarSites
from baitwatch.memory import IdleRelease
from baitwatch.models import SHIPPED, ModelRecord, ModelStore
from baitwatch.platforms import trust_scope_or_none
from baitwatch.reports import Report, latest_reports
from baitwatch.store import Store
from baitwatch.urls import CanonicalUrl
from baitwatch.verdict import Verdict, rule_verdict

log = logging.getLogger(__name__)


class NoPreviousModel(BaitwatchError):
    """Rollback was asked for with no earlier model on record."""


class PagesBusy(BaitwatchError):
    """More pages wait to be read than the reader takes: the extension keeps the address's verdict."""


# Pages waiting for the one reader, at most: each holds up to 1 MiB, and one that waits longer
# than the extension's timeout is of no use to it.
MAX_WAITING_PAGES = 8


@dataclass(frozen=True)
class LoadedModel:
    choice: str | None  # SHIPPED, an installed id, or None for a folder named on the command line
    classifier: Classifier
    card: ModelCard

    @classmethod
    def load(cls, choice: str | None, folder: Path) -> LoadedModel:
        classifier, card = Classifier.from_model_dir(folder)
        return cls(choice, classifier, card)


class VerdictService:
    """``store`` (the user's switch and allowlist), ``familiar`` and ``cache`` are optional:
    ``baitwatch check`` judges with the model and the shipped lists alone."""

    def __init__(
        self,
        models: ModelStore,
        *,
        known_good: frozenset[str] = frozenset(),
        brand_sites: frozenset[str] = frozenset(),
        store: Store | None = None,
        familiar: FamiliarSites | None = None,
        cache: ScoreCache | None = None,
        log_urls: bool = False,
    ):
        self.models = models
        self.cache = cache
        self.counters: Counter = Counter()
        self._known_good = known_good
        self._brand_sites = brand_sites
        self._store = store
        self._familiar = familiar
        self._log_urls = log_urls
        self._batcher = MicroBatcher()
        self._idle_release = IdleRelease()
        # Pages are read one at a time, on a thread of their own: a large page costs its own
        # wait, never the verdicts of addresses or a second core.
        self._page_reader = ThreadPoolExecutor(1, thread_name_prefix="baitwatch-pages")
        self._waiting_pages = 0
        self._switching = asyncio.Lock()  # one switch at a time, so the record follows the model
        self._fallback_problems: list[str] = []
        self._model: LoadedModel | None = None
        self.reports: dict[str, Report] = {}  # the latest report about each site (reports.py)
        self._refreshing = threading.Lock()

    # --- the served model -------------------------------------------------------------
    @property
    def model(self) -> LoadedModel:
        if self._model is None:
            raise RuntimeError("the verdict service has not loaded a model yet")
        return self._model

    def refresh_reports(self) -> None:
        """Read the reports again, after one was added or withdrawn (on a worker thread: it reads a
        file). One refresh at a time, so the last to finish read the file last."""
        with self._refreshing:
            self.reports = latest_reports(self._store.readable_feedback()) if self._store else {}

    def start(self, model_dir: Path | None = None) -> None:
        """Load ``model_dir`` if given, else the active model; an active model that cannot be
        loaded gives way to the shipped one, and says so in ``problems``."""
        self.refresh_reports()
        if model_dir is not None:
            self._model = LoadedModel.load(None, model_dir)
            return
        choice = self.models.record().active
        if choice != SHIPPED:
            try:
                self._model = LoadedModel.load(choice, self.models.folder_of(choice))
                return
            except BaitwatchError as error:
                message = f"the active model {choice} cannot be loaded ({error}); the shipped model is in use"
                log.warning(message)
                self._fallback_problems.append(message)
        self._model = LoadedModel.load(SHIPPED, SHIPPED_MODEL_DIR)

    @property
    def problems(self) -> list[str]:
        return self.models.problems + self._fallback_problems

    @property
    def model_calls(self) -> int:
        return self._batcher.model_calls

    async def use(self, name: str) -> LoadedModel:
        async with self._switching:
            choice = self.models.resolve(name)
            return await self._switch(choice, self.models.record().used(choice))

    async def rollback(self) -> LoadedModel:
        async with self._switching:
            record = self.models.record()
            if not record.previous:
                raise NoPreviousModel("there is no previous model to roll back to")
            return await self._switch(record.previous[0], record.rolled_back())

    async def _switch(self, choice: str, record: ModelRecord) -> LoadedModel:
        folder = self.models.folder_of(choice)
        loaded = await asyncio.to_thread(LoadedModel.load, choice, folder)  # a failure leaves all as it was
        await asyncio.to_thread(self.models.write_record, record)
        self._model = loaded  # the swap: requests already running keep the model they read
        log.info("now serving the model %s", loaded.card.id)
        return loaded

    def listing(self) -> dict:
        """The models to choose from, the served one marked active, and the rollback order."""
        served = self.model.choice
        models = [entry | {"active": (SHIPPED if entry["shipped"] else entry["id"]) == served} for entry in self.models.describe()]
        return {"models": models, "previous": list(self.models.record().previous)}

    async def close(self) -> None:
        self._idle_release.close()
        await self._batcher.close()
        await asyncio.to_thread(self._page_reader.shutdown)

    # --- verdicts -----------------------------------------------------------------------
    async def verdicts(self, urls: list[CanonicalUrl], *, private: bool) -> list[Verdict]:
        """Verdicts for ``urls`` in order. ``private``: the asker is this user (the token
        holder), who alone may read or fill the cache and have familiar sites applied:
        whether a URL is cached, or a suspicious site is familiar, tells what they browsed."""
        model = self.model  # read once: this request's model, whatever switch comes meanwhile
        card = model.card
        cache = self.cache if private else None
        familiar = self._familiar if private and self._familiar and self._familiar.enabled else None
        settings = self._store.settings if self._store else {"enabled": True}
        allowlist = self._store.allowed_domains if self._store else frozenset()
        reports = self.reports if private and settings["enabled"] else {}
        learnt = model.classifier.learnt_sites if private else None  # as the reports: the token holder's alone
        verdicts: list[Verdict | None] = []
        misses = []
        for url in urls:
            site = trust_scope_or_none(url) if reports or learnt else None
            report = reports.get(site) if reports else None
            if report:
                verdicts.append(Verdict.reported(url, report.label, card))
                continue
            ruled = rule_verdict(
                url, card, familiar=familiar.names if familiar else frozenset(),
                enabled=settings["enabled"], user_allowlist=allowlist, known_good=self._known_good,
                brand_sites=self._brand_sites,
            )
            if ruled:
                verdicts.append(ruled)
                continue
            remembered = learnt.verdict(site) if learnt else None
            if remembered:
                verdicts.append(Verdict.learnt(url, remembered, card))
                continue
            score = None if cache is None else cache.get(card.id, url.text)
            verdicts.append(None if score is None else Verdict.scored(url, score, card, cached=True))
            if score is None:
                misses.append(len(verdicts) - 1)
        if misses:
            scores = await self._batcher.score(model.classifier.score, [urls[i].text for i in misses])
            for index, score in zip(misses, scores):
                if cache is not None:
                    cache.put(card.id, urls[index].text, score)
                verdicts[index] = Verdict.scored(urls[index], score, card)
            self._idle_release.work_done()
        for index, verdict in enumerate(verdicts):
            if not familiar or verdict.verdict != "suspicious":
                continue  # only a suspicious score asks whether the site is familiar
            site = trust_scope_or_none(urls[index])
            if site and await asyncio.to_thread(familiar.is_familiar, site):
                verdicts[index] = replace(verdict, verdict="safe", reason="familiar")
        for url, verdict in zip(urls, verdicts):
            self.counters["checked"] += 1
            self.counters[verdict.verdict] += 1
            log.debug("check %s -> %s (%s)", url.text if self._log_urls else url.host, verdict.verdict, verdict.reason)
        return verdicts

    async def page_verdict(self, url: CanonicalUrl, html: str, *, private: bool, truncated: bool = False) -> Verdict:
        """The verdict from the address and the page together. A page whose address is skipped
        (protection off, your trusted sites, known-good sites) is not read at all."""
        from baitwatch.page.judgement import combine
        from baitwatch.page.reading import judge_html

        (address,) = await self.verdicts([url], private=private)
        if address.verdict == "skipped":
            return address
        if self._waiting_pages >= MAX_WAITING_PAGES:
            raise PagesBusy(f"{MAX_WAITING_PAGES} pages are waiting to be read already")
        self._waiting_pages += 1
        try:
            page = await asyncio.get_running_loop().run_in_executor(self._page_reader, judge_html, html, url, truncated)
        finally:
            self._waiting_pages -= 1
            self._idle_release.work_done()
        verdict = combine(address, page)
        self.counters[f"page {page.verdict}"] += 1
        if verdict.verdict != address.verdict:
            self.counters[f"page made it {verdict.verdict}"] += 1
        return verdict
