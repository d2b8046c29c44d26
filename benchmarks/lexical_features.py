"""Hand-made lexical features of a URL, the kind the strongest offline peer feeds a
gradient-boosted tree: lengths, counts, character mix, the host's shape and a few words."""

from __future__ import annotations

import math
import re
from collections import Counter
from urllib.parse import urlsplit

import numpy as np

from baitwatch.urls import canonicalize

WORDS = ("login", "signin", "verify", "secure", "account", "update", "bank", "wallet", "confirm", "support",
         "password", "invoice", "delivery", "auth", "webscr", "billing", "recover", "unlock", "free", "gift")
SHORTENER_LIKE = re.compile(r"^[a-z0-9]{1,6}$")
NAMES = [
    "url_length", "host_length", "path_length", "query_length", "userinfo", "https", "port", "ip_host", "punycode",
    "host_labels", "host_digits", "host_hyphens", "host_entropy", "longest_host_label", "tld_length", "path_depth",
    "path_digits", "path_dots", "query_params", "percent_escapes", "at_signs", "double_slash_in_path", "file_extension",
    "homepage", "www", "vowel_share_host", "digit_share_url", "upper_share_path", "short_first_label",
    "tld_hash", "registrable_length", "subdomain_labels", *[f"word_{word}" for word in WORDS],
]


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values()) if text else 0.0


def features(url: str) -> list[float]:
    canonical = canonicalize(url)
    parts = urlsplit(canonical.text)
    host, path, query = canonical.host, parts.path, parts.query
    labels = host.split(".")
    site = canonical.registrable_domain or host
    lowered = canonical.text.lower()
    return [
        len(canonical.text), len(host), len(path), len(query), float("@" in parts.netloc), float(parts.scheme == "https"),
        float(parts.port is not None), float(host.replace(".", "").isdigit() or ":" in host), float("xn--" in host),
        len(labels), sum(c.isdigit() for c in host), host.count("-"), _entropy(host), max(map(len, labels)), len(labels[-1]),
        path.count("/"), sum(c.isdigit() for c in path), path.count("."), query.count("&") + bool(query), canonical.text.count("%"),
        canonical.text.count("@"), float("//" in path), float(bool(re.search(r"\.[a-z0-9]{2,4}$", path))),
        float(path in ("", "/") and not query), float(host.startswith("www.")),
        sum(c in "aeiou" for c in host) / max(1, len(host)), sum(c.isdigit() for c in canonical.text) / len(canonical.text),
        sum(c.isupper() for c in path) / max(1, len(path)), float(bool(SHORTENER_LIKE.match(labels[0]))),
        float(hash_bucket(labels[-1])), len(site), host.removesuffix(site).count("."),
        *[float(word in lowered) for word in WORDS],
    ]


def hash_bucket(text: str, buckets: int = 1 << 12) -> int:
    """A stable small integer for a TLD, for LightGBM's categorical splits (Python's hash() is salted)."""
    return int.from_bytes(text.encode("utf-8")[:8].ljust(8, b"\0"), "little") % buckets


def matrix(urls: list[str]) -> np.ndarray:
    return np.array([features(url) for url in urls], dtype=np.float32)
