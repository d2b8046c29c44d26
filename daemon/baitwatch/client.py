"""A small synchronous client of the running daemon, for the command line and the tray."""

from __future__ import annotations

import hmac
import http.client
import json
import secrets
import urllib.error
import urllib.request

from baitwatch.config import Config
from baitwatch.errors import BaitwatchError
from baitwatch.paths import config_dir
from baitwatch.security import TOKEN_FILE, daemon_proof


class DaemonNotRunning(BaitwatchError):
    """Nothing answers at the daemon's address."""


class DaemonClient:
    def __init__(self, config: Config, timeout: float = 5.0):
        host = f"[{config.host}]" if ":" in config.host else config.host
        self.base = f"http://{host}:{config.port}"
        self.timeout = timeout

    def request(self, method: str, path: str, body: dict | None = None) -> dict:
        headers = {"Content-Type": "application/json"}
        # Changes need the token; a GET gets more with it (the status counters), but works without.
        token = self._token(required=method != "GET")
        if token:
            self._check_it_is_the_daemon(token)
            headers["Authorization"] = f"Bearer {token}"
        return self._send(method, path, body, headers)

    def _check_it_is_the_daemon(self, token: str) -> None:
        """Before the token goes anywhere, whoever answers must prove it knows it (POST
        /v1/hello): a program that took the daemon's port gets neither the token nor the data."""
        nonce = secrets.token_hex(32)
        answer = self._send("POST", "/v1/hello", {"nonce": nonce}, {"Content-Type": "application/json"})
        if not hmac.compare_digest(str(answer.get("proof", "")), daemon_proof(token, nonce)):
            raise BaitwatchError(f"the program at {self.base} is not this install's baitwatch daemon; nothing was sent to it")

    def _send(self, method: str, path: str, body: dict | None, headers: dict) -> dict:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read())
        except urllib.error.HTTPError as error:
            try:
                message = json.loads(error.read())["error"]
            except (ValueError, KeyError, TypeError):
                message = f"HTTP {error.code}"
            raise BaitwatchError(f"the daemon refused {method} {path}: {message}") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            raise self._failure(getattr(error, "reason", error)) from None
        except ValueError:
            raise BaitwatchError(f"the program at {self.base} did not answer {method} {path} with JSON") from None
        if not isinstance(answer, dict):
            raise BaitwatchError(f"the program at {self.base} did not answer {method} {path} with a JSON object")
        return answer

    def _failure(self, cause: object) -> BaitwatchError:
        """Only a refused connection means no daemon: callers then act on the files, which a
        daemon that is running but slow, or a program that took its port, would not expect."""
        if isinstance(cause, ConnectionRefusedError):
            return DaemonNotRunning(f"the daemon is not running at {self.base} (start it with baitwatch serve)")
        if isinstance(cause, TimeoutError):
            return BaitwatchError(f"the daemon at {self.base} did not answer within {self.timeout:g} seconds")
        return BaitwatchError(f"cannot talk to the daemon at {self.base} ({cause})")

    def _token(self, required: bool) -> str | None:
        try:
            return (config_dir() / TOKEN_FILE).read_text(encoding="ascii").strip()
        except OSError:
            if not required:
                return None
            raise BaitwatchError(f"cannot read the daemon's token in {config_dir()}; has the daemon run as this user?") from None
