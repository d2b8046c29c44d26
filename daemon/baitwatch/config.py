"""Daemon configuration: defaults, then config.toml, then BAITWATCH_* variables, then flags."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, fields, replace
from pathlib import Path

from baitwatch.errors import BaitwatchError
from baitwatch.paths import config_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DEFAULT_PORT = 47821
LOG_LEVELS = ("debug", "info", "warning", "error")


@dataclass(frozen=True)
class Config:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    log_level: str = "info"
    log_urls: bool = False  # full URLs in the log; off by default, hostnames only
    model_dir: Path | None = None  # None: the shipped model
    cache_entries: int = 100_000
    cache_ttl_seconds: float = 6 * 3600
    unsafe_allow_remote: bool = False  # listen on a non-loopback address
    familiar_sites: bool = True  # remember visit days of sites, as salted digests (familiar.py)


def config_file() -> Path:
    return config_dir() / "config.toml"


def load_config(flags: dict | None = None, environ: dict | None = None, path: Path | None = None) -> Config:
    """The effective configuration; a bad value anywhere is one clear BaitwatchError."""
    config = Config()
    path = path or config_file()
    config = _apply(config, _read_file(path), f"config file {path}")
    environ = os.environ if environ is None else environ
    from_env = {f.name: environ[f"BAITWATCH_{f.name.upper()}"] for f in fields(Config) if f"BAITWATCH_{f.name.upper()}" in environ}
    config = _apply(config, from_env, "environment")
    return _apply(config, {k: v for k, v in (flags or {}).items() if v is not None}, "command line")


def _read_file(path: Path) -> dict:
    try:
        with open(path, "rb") as stream:
            return tomllib.load(stream)
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise BaitwatchError(f"cannot read the config file {path}: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise BaitwatchError(f"the config file {path} is not valid TOML: {error}") from None


def _apply(config: Config, values: dict, origin: str) -> Config:
    known = {f.name: f for f in fields(Config)}
    changes = {}
    for key, value in values.items():
        name = key.replace("-", "_")
        if name not in known:
            raise BaitwatchError(f"{origin}: unknown setting {key!r}")
        changes[name] = _convert(name, value, origin)
    return replace(config, **changes)


def _convert(name: str, value, origin: str):
    def fail(expected: str):
        raise BaitwatchError(f"{origin}: {name} must be {expected}, not {value!r}")

    if name in ("log_urls", "unsafe_allow_remote", "familiar_sites"):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return value.lower() in ("1", "true", "yes", "on")
        fail("true or false")
    if name in ("port", "cache_entries"):
        try:
            number = int(value)
        except (TypeError, ValueError):
            fail("a whole number")
        low, high = (1, 65535) if name == "port" else (1, 10_000_000)
        if not low <= number <= high or isinstance(value, bool):
            fail(f"a whole number from {low} to {high}")
        return number
    if name == "cache_ttl_seconds":
        try:
            number = float(value)
        except (TypeError, ValueError):
            fail("a number of seconds")
        if not 0 < number <= 30 * 86400:
            fail("a number of seconds from 0 to 30 days")
        return number
    if name == "log_level":
        if str(value).lower() not in LOG_LEVELS:
            fail("one of " + ", ".join(LOG_LEVELS))
        return str(value).lower()
    if name == "model_dir":
        return Path(value).expanduser()
    if not isinstance(value, str) or not value:
        fail("a non-empty string")
    return value
