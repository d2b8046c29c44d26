"""What keeps web pages and other machines away from the daemon, as aiohttp middlewares.

* Host: only a loopback name with the port we listen on (defeats DNS rebinding).
* Origin: a request from a web page is refused, whatever its method or content type;
  only browser-extension origins, and clients that send no Origin (the CLI, the tray), pass.
* Token: every state-changing route but checking, pairing and the hello challenge needs the
  per-install token, and so does the list of installed models. Every request is marked as
  from a token holder or not: only token holders may see what this user browsed (the score
  cache, the status counters).
* Authenticity: ``daemon_proof`` answers the extension's challenge, so that a process that
  took the daemon's port first, lacking the token, cannot pass for the daemon.
* Errors: every failure is JSON ``{"error", "code"}``, never a traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
from contextlib import nullcontext
from pathlib import Path

from aiohttp import web

from baitwatch.host_memo import remembering

log = logging.getLogger(__name__)

TOKEN_FILE = "token"
EXTENSION_ORIGIN_SCHEMES = ("chrome-extension://", "moz-extension://", "safari-web-extension://")
LOOPBACK_HOST_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
# Routes that change nothing the user owns and show nothing of their browsing, so a
# paired-or-not extension may call them.
TOKENLESS_ROUTES = frozenset({("POST", "/v1/check"), ("POST", "/v1/check-batch"), ("POST", "/v1/pair"), ("POST", "/v1/hello")})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Reads that need the token all the same: a retrained model is made of this user's reports,
# and the reports say which sites they visited.
TOKEN_READS = frozenset({("GET", "/v1/models"), ("GET", "/v1/reports"), ("GET", "/v1/retrain")})
TOKEN_HOLDER = web.RequestKey("token_holder", bool)
HELLO_NONCE = re.compile(r"[0-9a-f]{64}")
# Domain separation: a proof is good for this one question and nothing else signed with the token.
HELLO_CONTEXT = b"baitwatch-daemon-v1:"


class ApiError(Exception):
    """An answer with a status, a machine-readable code and one human sentence."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def load_or_create_token(folder: Path) -> str:
    """The per-install secret, created on first start with mode 0600."""
    path = folder / TOKEN_FILE
    try:
        token = path.read_text(encoding="ascii").strip()
        if len(token) >= 32:
            return token
    except FileNotFoundError:
        pass
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    temp = path.with_name(f".{TOKEN_FILE}.{os.getpid()}")
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as stream:
        stream.write(token + "\n")
    os.replace(temp, path)
    return token


def daemon_proof(token: str, nonce: str) -> str:
    """The answer to ``POST /v1/hello``: HMAC-SHA256 of the nonce under the token, which
    shows the token is known here without giving it away."""
    return hmac.new(token.encode("utf-8"), HELLO_CONTEXT + nonce.encode("ascii"), hashlib.sha256).hexdigest()


def error_body(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": message, "code": code}, status=status)


_HTTP_CODES = {
    400: ("bad-request", "The request is malformed."),
    404: ("not-found", "There is no such API route."),
    405: ("method-not-allowed", "This route does not take that method."),
    413: ("too-large", "The request body is too large."),
}


@web.middleware
async def json_errors(request: web.Request, handler):
    try:
        return await handler(request)
    except ApiError as error:
        return error_body(error.status, error.code, error.message)
    except web.HTTPException as error:
        if error.status_code < 400:
            raise
        code, message = _HTTP_CODES.get(error.status_code, ("http-error", error.reason))
        return error_body(error.status_code, code, message)
    except Exception:
        log.exception("internal error on %s %s", request.method, request.path)
        return error_body(500, "internal-error", "The daemon hit an internal error; see its log.")


def host_guard(extra_names: frozenset[str] = frozenset()):
    allowed = LOOPBACK_HOST_NAMES | extra_names

    @web.middleware
    async def middleware(request: web.Request, handler):
        name, _, port = request.headers.get("Host", "").rpartition(":")
        socket_name = request.transport.get_extra_info("sockname") if request.transport else None
        listening_port = str(socket_name[1]) if socket_name else ""
        if name.lower() not in allowed or port != listening_port:
            raise ApiError(403, "bad-host", "The Host header must name this machine's loopback address and the daemon's port.")
        return await handler(request)

    return middleware


@web.middleware
async def origin_guard(request: web.Request, handler):
    origin = request.headers.get("Origin")
    if origin is not None and not origin.startswith(EXTENSION_ORIGIN_SCHEMES):
        raise ApiError(403, "forbidden-origin", "Web pages may not talk to the baitwatch daemon.")
    # A page's no-cors request (an <img> or <script> tag) carries no Origin but says where it came from.
    if origin is None and request.headers.get("Sec-Fetch-Site", "none") not in ("none", "same-origin"):
        raise ApiError(403, "forbidden-origin", "Web pages may not talk to the baitwatch daemon.")
    return await handler(request)


def token_guard(token: str):
    expected = f"Bearer {token}".encode()

    @web.middleware
    async def middleware(request: web.Request, handler):
        # aiohttp keeps a header's undecodable bytes as surrogates; they must not crash the compare.
        given = request.headers.get("Authorization", "").encode("utf-8", "surrogateescape")
        request[TOKEN_HOLDER] = hmac.compare_digest(given, expected)
        unknown_route = request.match_info.http_exception is not None  # answered 404 or 405
        route = (request.method, request.path)
        changes = request.method not in SAFE_METHODS and route not in TOKENLESS_ROUTES
        # aiohttp answers HEAD for every GET route, and its length would tell what the GET holds.
        reads = ("GET" if request.method == "HEAD" else request.method, request.path) in TOKEN_READS
        if not unknown_route and (changes or reads):
            if not request[TOKEN_HOLDER]:
                raise ApiError(401, "token-required", "This route needs the daemon's token; pair the extension first.")
        with remembering() if request[TOKEN_HOLDER] else nullcontext():  # host answers, for the person alone
            return await handler(request)

    return middleware
