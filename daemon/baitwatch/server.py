"""The daemon's HTTP API (aiohttp). Routes and their contract: docs/API in the README.

Writes to the user's data wait on the disk (fsync), so they run on a worker thread: a slow
disk must not hold up the verdicts of pages loading meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import asdict
from datetime import datetime, timezone

from aiohttp import web

from baitwatch import __version__
from baitwatch.cache import ScoreCache
from baitwatch.config import Config
from baitwatch.errors import BaitwatchError
from baitwatch.familiar import FamiliarSites
from baitwatch.known_good import shipped_known_good
from baitwatch.lookalike import shipped_detector
from baitwatch.models import ModelStore, UnknownModel
from baitwatch.page.brands import shipped_brand_sites, shipped_brands
from baitwatch.page.page_model import shipped_page_model
from baitwatch.pairing import CODE_LIFETIME_SECONDS, GuessTurns, Pairing
from baitwatch.paths import config_dir, data_dir, models_dir
from baitwatch.platforms import UntrustableSite, shipped_platforms, trust_scope_or_none
from baitwatch.redact import redacted_url
from baitwatch.reports import site_of
from baitwatch.retraining import BackgroundRetrain, RetrainRunning
from baitwatch.security import (
    HELLO_NONCE,
    TOKEN_HOLDER,
    ApiError,
    daemon_proof,
    host_guard,
    json_errors,
    load_or_create_token,
    origin_guard,
    token_guard,
)
from baitwatch.service import LoadedModel, NoPreviousModel, PagesBusy, VerdictService
from baitwatch.store import Store
from baitwatch.urls import InvalidUrl, canonicalize, is_unicode_text, scheme_of
from baitwatch.visits import VisitRecorder

log = logging.getLogger(__name__)

# The one size limit on a request. A longer URL is not refused: canonicalize cuts its path
# and query to 2,048 characters (the model reads its first 64 tokens anyway).
MAX_BODY_BYTES = 1 << 20
MAX_BATCH_URLS = 256
MAX_NUMBER_DIGITS = 100
FEEDBACK_LABELS = ("safe", "phishing")
UNREMEMBERED_REASONS = ("disabled", "not-web", "private-address")  # no site, or not yours to count

TOKEN = web.AppKey("token", str)
STORE = web.AppKey("store", Store)
CONFIG = web.AppKey("config", Config)
PAIRING = web.AppKey("pairing", Pairing)
GUESS_TURNS = web.AppKey("guess_turns", GuessTurns)
FAMILIAR = web.AppKey("familiar", FamiliarSites)
VERDICTS = web.AppKey("verdicts", VerdictService)
STARTED = web.AppKey("started", float)
VISITS = web.AppKey("visits", VisitRecorder)
RETRAIN = web.AppKey("retrain", BackgroundRetrain)
# What a retrain started through the API may set: fewer rows for a quicker, coarser retrain.
RETRAIN_OPTIONS = ("held_out_rows",)


def create_app(config: Config, clock=time.time) -> web.Application:
    token = load_or_create_token(config_dir())
    extra_hosts = frozenset({config.host}) if config.unsafe_allow_remote else frozenset()
    app = web.Application(
        client_max_size=MAX_BODY_BYTES,
        middlewares=[json_errors, host_guard(extra_hosts), origin_guard, token_guard(token)],
    )
    app[TOKEN] = token
    app[CONFIG] = config
    app[STORE] = Store(data_dir())
    app[PAIRING] = Pairing(token)
    app[GUESS_TURNS] = GuessTurns()
    app[FAMILIAR] = FamiliarSites(app[STORE], clock, config.familiar_sites)
    app[VERDICTS] = VerdictService(
        ModelStore(models_dir()),
        known_good=shipped_known_good(), brand_sites=shipped_brand_sites(),
        store=app[STORE],
        familiar=app[FAMILIAR],
        cache=ScoreCache(config.cache_entries, config.cache_ttl_seconds),
        log_urls=config.log_urls,
    )
    app[STARTED] = time.time()
    app.cleanup_ctx.append(_model_context)
    app.cleanup_ctx.append(_visit_recorder_context)
    app.cleanup_ctx.append(_retrain_context)
    app.add_routes(
        [
            web.post("/v1/check", check),
            web.post("/v1/check-batch", check_batch),
            web.post("/v1/check-page", check_page),
            web.get("/v1/status", status),
            web.get("/v1/settings", get_settings),
            web.put("/v1/settings", put_settings),
            web.get("/v1/allowlist", get_allowlist),
            web.post("/v1/allowlist", add_to_allowlist),
            web.delete("/v1/allowlist", remove_from_allowlist),
            web.post("/v1/feedback", add_feedback),
            web.get("/v1/reports", list_reports),
            web.delete("/v1/reports", withdraw_report),
            web.delete("/v1/familiar", forget_familiar_sites),
            web.get("/v1/models", list_models),
            web.put("/v1/models/active", use_model),
            web.post("/v1/models/rollback", roll_back_model),
            web.get("/v1/retrain", retrain_status),
            web.post("/v1/retrain", start_retrain),
            web.post("/v1/pair", pair),
            web.post("/v1/pair/code", new_pairing_code),
            web.post("/v1/hello", hello),
        ]
    )
    return app


async def _model_context(app: web.Application):
    service = app[VERDICTS]
    service.start(app[CONFIG].model_dir)
    shipped_detector()  # build the lookalike index now, not on the first check
    shipped_page_model(), shipped_brands()  # and the page model and brands: a damaged file is an error at start
    log.info("model %s loaded; listening for checks", service.model.card.id)
    yield
    await service.close()


async def _retrain_context(app: web.Application):
    app[RETRAIN] = BackgroundRetrain(app[CONFIG].host, app[CONFIG].port, data_dir())
    yield
    await app[RETRAIN].close()  # a retrain still running is stopped; it installs nothing half-done


async def _visit_recorder_context(app: web.Application):
    app[VISITS] = VisitRecorder(app[FAMILIAR])
    yield
    await app[VISITS].close()  # the visits already counted are written first


# --- request parsing ---------------------------------------------------------------------
def _short_int(digits: str) -> int:
    # No field takes a long number, and Python 3.10 spends time growing with the square of
    # the digits on converting one: a body of a million would hold up every check for seconds.
    if len(digits) > MAX_NUMBER_DIGITS:
        raise ApiError(400, "bad-json", f"The request body holds a number longer than {MAX_NUMBER_DIGITS} digits.")
    return int(digits)


async def _json_object(request: web.Request, optional: bool = False) -> dict:
    """The request's JSON object; with ``optional``, an empty body is ``{}``."""
    if optional and not request.can_read_body:
        return {}
    body = await request.read()
    try:
        value = json.loads(body, parse_int=_short_int)
    except ValueError:
        raise ApiError(400, "bad-json", "The request body is not valid JSON.") from None
    except RecursionError:  # json refuses nesting deeper than Python's recursion limit
        raise ApiError(400, "bad-json", "The request body is nested too deeply.") from None
    if not isinstance(value, dict):
        raise ApiError(400, "bad-json", "The request body must be a JSON object.")
    return value


def _string_field(body: dict, name: str, max_chars: int | None = None) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, f"missing-{name}", f"The body needs a non-empty string field {name!r}.")
    if max_chars is not None and len(value) > max_chars:
        raise ApiError(400, f"{name}-too-long", f"The field {name!r} is longer than {max_chars} characters.")
    if not is_unicode_text(value):
        raise ApiError(400, f"bad-{name}", f"The field {name!r} holds a lone surrogate, which is not a Unicode character.")
    return value


def _parse_url(raw: str):
    try:
        return canonicalize(raw)
    except InvalidUrl as error:
        raise ApiError(400, "bad-url", f"The URL cannot be read: {error}.") from None


# --- verdicts ----------------------------------------------------------------------------
async def check(request: web.Request) -> web.Response:
    url = _parse_url(_string_field(await _json_object(request), "url"))
    (verdict,) = await request.app[VERDICTS].verdicts([url], private=request[TOKEN_HOLDER])
    # Only the paired extension's checks are this user's visits; another process's are not.
    # A site is what a user could trust: one user's site on a shared platform, never the platform.
    counted = request[TOKEN_HOLDER] and verdict.reason not in UNREMEMBERED_REASONS and verdict.verdict != "phishing"
    if counted and (site := trust_scope_or_none(url)):
        request.app[VISITS].note(site)
    return web.json_response(verdict.as_dict())


async def check_page(request: web.Request) -> web.Response:
    """The verdict of a page the extension read: its address and a bounded copy of its DOM.
    Only the token holder may send one (security.py): a page is as private as its address,
    and its words are never logged or kept."""
    body = await _json_object(request)
    url = _parse_url(_string_field(body, "url"))
    html = body.get("html")
    if not isinstance(html, str):
        raise ApiError(400, "missing-html", "The body needs a string field 'html' holding the page.")
    if not is_unicode_text(html):
        raise ApiError(400, "bad-html", "The field 'html' holds a lone surrogate, which is not a Unicode character.")
    truncated = body.get("truncated", False)
    if not isinstance(truncated, bool):
        raise ApiError(400, "bad-truncated", "The field 'truncated' must be true or false.")
    try:
        verdict = await request.app[VERDICTS].page_verdict(url, html, private=request[TOKEN_HOLDER], truncated=truncated)
    except PagesBusy:
        raise ApiError(503, "pages-busy", "Too many pages are waiting to be read; the address's verdict stands.") from None
    return web.json_response(verdict.as_dict())


async def check_batch(request: web.Request) -> web.Response:
    raw_urls = (await _json_object(request)).get("urls")
    if not isinstance(raw_urls, list) or not all(isinstance(u, str) for u in raw_urls):
        raise ApiError(400, "missing-urls", "The body needs a field 'urls' holding a list of strings.")
    if len(raw_urls) > MAX_BATCH_URLS:
        raise ApiError(413, "batch-too-large", f"A batch holds at most {MAX_BATCH_URLS} URLs.")
    parsed, errors = [], {}
    for position, raw in enumerate(raw_urls):
        try:
            parsed.append(_parse_url(raw))
        except ApiError as error:
            errors[position] = {"url": raw[:200], "error": error.message, "code": error.code}
    verdicts = iter(await request.app[VERDICTS].verdicts(parsed, private=request[TOKEN_HOLDER]))
    results = [errors[i] if i in errors else next(verdicts).as_dict() for i in range(len(raw_urls))]
    return web.json_response({"results": results})


# --- state -------------------------------------------------------------------------------
async def status(request: web.Request) -> web.Response:
    app = request.app
    store, service = app[STORE], app[VERDICTS]
    card = service.model.card
    homepage_threshold, homepage_suspicious_threshold = card.levels(homepage=True)
    answer = {
        "version": __version__,
        "enabled": store.settings["enabled"],
        "model": {
            "id": card.id,
            "exported": card.raw.get("exported"),
            "threshold": card.threshold,
            "suspicious_threshold": card.suspicious_threshold,
            "homepage_threshold": homepage_threshold,
            "homepage_suspicious_threshold": homepage_suspicious_threshold,
            "metrics": card.raw.get("metrics", {}).get("int8", {}).get("overall"),
        },
        "allowlist_size": len(store.allowlist),
        "problems": store.problems + service.problems,
        "uptime_seconds": round(time.time() - app[STARTED], 1),
    }
    if request[TOKEN_HOLDER]:  # these follow the user's browsing, so only the token holder sees them
        answer |= {
            "cache": service.cache.stats(),
            "counters": dict(service.counters) | {"model_calls": service.model_calls},
            "feedback_entries": store.feedback_count,
        }
    return web.json_response(answer)


async def get_settings(request: web.Request) -> web.Response:
    return web.json_response(request.app[STORE].settings)


async def put_settings(request: web.Request) -> web.Response:
    body = await _json_object(request)
    if not body or set(body) - {"enabled", "familiar_sites"} or not all(isinstance(value, bool) for value in body.values()):
        raise ApiError(400, "bad-settings", "Settings take the fields 'enabled' and 'familiar_sites', each true or false.")
    settings = await asyncio.to_thread(request.app[STORE].update_settings, body)
    if body.get("familiar_sites") is False:
        # Off means nothing is remembered: what was, is forgotten too.
        request.app[VISITS].discard()
        await asyncio.to_thread(request.app[FAMILIAR].forget)
    log.info("protection %s, familiar sites %s", *("on" if settings[name] else "off" for name in ("enabled", "familiar_sites")))
    return web.json_response(settings)


def _allowlist_entry(body: dict) -> str:
    """The trust scope (platforms.py) of a host name, a host and path, or a whole URL."""
    raw = _string_field(body, "domain", 1024).strip()
    try:
        url = canonicalize(raw)
    except InvalidUrl:
        url = None
    bare_host_not_alone = scheme_of(raw) is None and url is not None and (url.userinfo or url.port is not None)
    if url is None or not url.is_web or bare_host_not_alone:
        raise ApiError(400, "bad-domain", "The domain must be a host name such as example.com, or a web URL.")
    try:
        return shipped_platforms().trust_scope(url)
    except UntrustableSite as error:
        raise ApiError(400, "untrustable-site", f"{error}.") from None


async def get_allowlist(request: web.Request) -> web.Response:
    return web.json_response({"domains": request.app[STORE].allowlist})


async def add_to_allowlist(request: web.Request) -> web.Response:
    entry = _allowlist_entry(await _json_object(request))
    log.info("allowlisted %s", entry)
    domains = await asyncio.to_thread(request.app[STORE].allow, entry)
    if entry in request.app[VERDICTS].reports:  # the latest word wins: trusting a reported site withdraws the report
        await asyncio.to_thread(request.app[STORE].remove_feedback, lambda feedback: site_of(feedback) == entry)
        await asyncio.to_thread(request.app[VERDICTS].refresh_reports)
    return web.json_response({"domains": domains, "trusted": entry})


async def remove_from_allowlist(request: web.Request) -> web.Response:
    body = await _json_object(request)
    store = request.app[STORE]
    listed = body.get("domain")  # an entry as GET lists it, whatever scope rules it predates
    entry = listed if isinstance(listed, str) and listed in store.allowed_domains else _allowlist_entry(body)
    return web.json_response({"domains": await asyncio.to_thread(store.disallow, entry)})


async def add_feedback(request: web.Request) -> web.Response:
    body = await _json_object(request)
    url = _parse_url(_string_field(body, "url"))
    if not url.is_web:
        raise ApiError(400, "bad-url", "Feedback is about web pages: the URL must be http or https.")
    label = body.get("label")
    if label not in FEEDBACK_LABELS:
        raise ApiError(400, "bad-label", "The label must be 'safe' or 'phishing'.")
    entry = {
        "url": redacted_url(url),  # no credentials or query values on disk
        "label": label,
        "model": request.app[VERDICTS].model.card.id,
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    if not await asyncio.to_thread(request.app[STORE].add_feedback, entry):
        raise ApiError(507, "feedback-full", "The feedback file is full; retrain with it and clear it first.")
    await asyncio.to_thread(request.app[VERDICTS].refresh_reports)  # it protects from the next check on
    return web.json_response({"stored": entry, "site": site_of(entry)}, status=201)


def _report_listing(service: VerdictService) -> dict:
    return {"reports": [asdict(report) for report in service.reports.values()]}


async def list_reports(request: web.Request) -> web.Response:
    return web.json_response(_report_listing(request.app[VERDICTS]))


async def withdraw_report(request: web.Request) -> web.Response:
    """Every report about one site goes, so the site is judged as if never reported."""
    site = _string_field(await _json_object(request), "site", 1024)
    service = request.app[VERDICTS]
    if site not in service.reports:
        raise ApiError(404, "unknown-report", f"There is no report about {site[:200]}.")
    removed = await asyncio.to_thread(request.app[STORE].remove_feedback, lambda entry: site_of(entry) == site)
    await asyncio.to_thread(service.refresh_reports)
    log.info("withdrew %d reports", removed)
    return web.json_response(_report_listing(service) | {"withdrawn": removed})


async def forget_familiar_sites(request: web.Request) -> web.Response:
    request.app[VISITS].discard()
    await asyncio.to_thread(request.app[FAMILIAR].forget)
    log.info("familiar sites forgotten")
    return web.json_response({"forgotten": True})


# --- models ------------------------------------------------------------------------------
async def list_models(request: web.Request) -> web.Response:
    return web.json_response(await asyncio.to_thread(request.app[VERDICTS].listing))


async def use_model(request: web.Request) -> web.Response:
    name = _string_field(await _json_object(request), "id", 200)
    return await _switched(request, lambda service: service.use(name))


async def roll_back_model(request: web.Request) -> web.Response:
    body = await _json_object(request, optional=True)
    expected = body.get("from")  # an Undo names the model it undoes: a second click must not roll back further
    if expected is not None and expected != request.app[VERDICTS].model.card.id:
        raise ApiError(409, "model-changed", "The model in use is no longer the one to undo; nothing was rolled back.")
    return await _switched(request, lambda service: service.rollback())


async def _switched(request: web.Request, switch) -> web.Response:
    """Carry out a switch of the served model; one that fails leaves the old model served."""
    service = request.app[VERDICTS]
    try:
        loaded: LoadedModel = await switch(service)
    except UnknownModel as error:
        raise ApiError(404, "unknown-model", _sentence(str(error))) from None
    except NoPreviousModel as error:
        raise ApiError(409, "no-previous-model", _sentence(str(error))) from None
    except BaitwatchError as error:
        raise ApiError(422, "model-unloadable", _sentence(f"{error}; the model {service.model.card.id} is still in use")) from None
    return web.json_response({"active": loaded.card.id, "exported": loaded.card.raw.get("exported")})


async def retrain_status(request: web.Request) -> web.Response:
    return web.json_response(request.app[RETRAIN].as_dict())


async def start_retrain(request: web.Request) -> web.Response:
    body = await _json_object(request, optional=True)
    if set(body) - set(RETRAIN_OPTIONS) or not all(_is_count(value) for value in body.values()):
        raise ApiError(400, "bad-retrain-options", "A retrain takes only 'held_out_rows', a positive whole number.")
    # With every report withdrawn, a retrain still forgets what the model in use learnt of them.
    if not request.app[STORE].feedback_count and not request.app[VERDICTS].model.classifier.learnt_sites:
        raise ApiError(409, "no-reports", "There are no reports to learn from: report a page first.")
    try:
        await request.app[RETRAIN].start(body)
    except RetrainRunning:
        raise ApiError(409, "retrain-running", "A retrain is running already; its progress is at GET /v1/retrain.") from None
    return web.json_response(request.app[RETRAIN].as_dict(), status=202)


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _sentence(text: str) -> str:
    """A command-line error (lower case, no full stop) as one of the API's sentences."""
    return f"{text[:1].upper()}{text[1:]}."


async def pair(request: web.Request) -> web.Response:
    code = _string_field(await _json_object(request), "code", 16).strip()
    if not await request.app[GUESS_TURNS].take():
        raise ApiError(429, "pairing-busy", "Too many pairing attempts right now; type the code again in a moment.")
    token = request.app[PAIRING].redeem(code)
    if token is None:
        raise ApiError(401, "bad-code", "That pairing code is wrong or has expired; ask for a new one.")
    log.info("a browser extension was paired")
    return web.json_response({"token": token})


async def new_pairing_code(request: web.Request) -> web.Response:
    return web.json_response({"code": request.app[PAIRING].new_code(), "expires_in_seconds": CODE_LIFETIME_SECONDS})


async def hello(request: web.Request) -> web.Response:
    body = await _json_object(request)
    nonce = body.get("nonce")
    if set(body) != {"nonce"} or not isinstance(nonce, str) or not HELLO_NONCE.fullmatch(nonce):
        raise ApiError(400, "bad-nonce", "The body must be {\"nonce\": N} where N is exactly 64 lowercase hex characters.")
    return web.json_response({"proof": daemon_proof(request.app[TOKEN], nonce)})
