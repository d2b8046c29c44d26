"""The score cache: a score comes back for its model and URL only, and no URL text is kept."""

import gc
import types

from baitwatch.cache import ScoreCache

URL = "https://login.example-bank.test/account/verify?step=2"


def test_a_score_comes_back_for_its_model_and_url_only():
    cache = ScoreCache(max_entries=10, ttl_seconds=60)
    cache.put("model-a", URL, 0.93)
    assert cache.get("model-a", URL) == 0.93
    assert cache.get("model-b", URL) is None
    assert cache.get("model-a", URL + "3") is None
    assert cache.stats() == {"entries": 1, "max_entries": 10, "hits": 1, "misses": 2}


def test_the_cache_holds_no_url_text():
    cache = ScoreCache(max_entries=10, ttl_seconds=60)
    cache.put("model-a", "".join([URL, "&unique=7319"]), 0.5)  # built at run time: no constant shares it
    seen, texts, todo = set(), [], [cache]
    while todo:  # everything the cache refers to, directly or not
        item = todo.pop()
        if id(item) in seen or isinstance(item, (type, types.ModuleType)):
            continue
        seen.add(id(item))
        if isinstance(item, (str, bytes)):
            texts.append(item if isinstance(item, str) else item.decode("latin-1"))
        todo.extend(gc.get_referents(item))
    assert texts and not any("example-bank" in text or "unique=7319" in text for text in texts)
