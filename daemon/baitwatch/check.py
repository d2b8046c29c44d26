"""``baitwatch check``: verdicts for URLs given on the command line or stdin, without a daemon,
from the daemon's own verdict service and active model (the user's switch and lists aside).

With ``--pages MANIFEST`` each input is a page: a JSON line ``{"url": ..., "html_path": ...}``
(a relative path is read from the manifest's folder). The answer is the verdict from the
address and the page together, with the page's own verdict in ``page``, which is filled even
where the address skips the model (a known-good site) and changes nothing there.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from baitwatch.errors import BaitwatchError
from baitwatch.known_good import shipped_known_good
from baitwatch.models import ModelStore
from baitwatch.page.brands import shipped_brand_sites
from baitwatch.paths import models_dir
from baitwatch.service import VerdictService
from baitwatch.urls import CanonicalUrl, InvalidUrl, canonicalize
from baitwatch.verdict import Verdict

EXIT_SOME_INVALID = 2


def read_inputs(arguments: list[str]) -> list[str]:
    """The URLs in order; ``-`` stands for every non-blank line of stdin."""
    inputs = []
    for argument in arguments:
        if argument == "-":
            inputs.extend(line.strip() for line in sys.stdin if line.strip())
        else:
            inputs.append(argument)
    return inputs


async def judge(urls: list[CanonicalUrl], model_dir: Path | None) -> list[Verdict]:
    """Verdicts from ``model_dir``, or else the active model."""
    service = VerdictService(ModelStore(models_dir()), known_good=shipped_known_good(), brand_sites=shipped_brand_sites())
    service.start(model_dir)
    for problem in service.problems:
        print(f"baitwatch: {problem}", file=sys.stderr)
    try:
        return await service.verdicts(urls, private=True)
    finally:
        await service.close()


def run_check(arguments: list[str], model_dir: Path | None, as_json: bool, pages: Path | None = None) -> int:
    if pages is not None:
        return run_page_check(pages, model_dir, as_json)
    inputs = read_inputs(arguments)
    parsed, errors = [], {}
    for position, raw in enumerate(inputs):
        try:
            parsed.append(canonicalize(raw))
        except InvalidUrl as error:
            errors[position] = str(error)
    verdicts = iter(asyncio.run(judge(parsed, model_dir)))
    for position, raw in enumerate(inputs):
        if position in errors:
            line = {"url": raw, "error": errors[position]}
            print(json.dumps(line) if as_json else f"error     -       {raw}: {errors[position]}")
            continue
        verdict = next(verdicts)
        if as_json:
            print(json.dumps(verdict.as_dict()))
        else:
            score = "-" if verdict.score is None else f"{verdict.score:.3f}"
            why = "" if verdict.reason == "model" else f"  ({verdict.reason}" + (f" of {verdict.imitates})" if verdict.imitates else ")")
            print(f"{verdict.verdict:<9} {score:<7} {verdict.url}{why}")
    return EXIT_SOME_INVALID if errors else 0


def run_page_check(manifest: Path, model_dir: Path | None, as_json: bool) -> int:
    from baitwatch.page.judgement import combine
    from baitwatch.page.reading import judge_html

    entries = read_manifest(manifest)
    pages = [entry for entry in entries if "error" not in entry]
    verdicts = iter(asyncio.run(judge([entry["canonical"] for entry in pages], model_dir)))
    for entry in entries:
        if "error" in entry:
            line = {"url": entry["url"], "error": entry["error"]}
            print(json.dumps(line) if as_json else f"error     -       {entry['url']}: {entry['error']}")
            continue
        page = judge_html(entry["html"], entry["canonical"])
        verdict = combine(next(verdicts), page)
        if as_json:
            print(json.dumps(verdict.as_dict()))
        else:
            why = "; ".join(page.reasons) or page.error or page.verdict
            print(f"{verdict.verdict:<9} {verdict.url}  (page {page.verdict}: {why})")
    return EXIT_SOME_INVALID if any("error" in entry for entry in entries) else 0


def read_manifest(manifest: Path) -> list[dict]:
    """Each line's URL, canonical URL and HTML, or its URL and the one-sentence error that stops it."""
    from baitwatch.page.parse import MAX_HTML_BYTES, decode_html

    try:
        lines = sys.stdin.read().splitlines() if str(manifest) == "-" else manifest.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise BaitwatchError(f"cannot read the manifest {manifest} ({getattr(error, 'strerror', None) or error})") from None
    folder = Path.cwd() if str(manifest) == "-" else manifest.parent
    entries = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            item = None
        if not isinstance(item, dict) or not isinstance(item.get("url"), str) or not isinstance(item.get("html_path"), str):
            entries.append({"url": line[:200], "error": f'line {number} is not a JSON object with "url" and "html_path" strings'})
            continue
        entry = {"url": item["url"]}
        entries.append(entry)
        try:
            entry["canonical"] = canonicalize(item["url"])
        except InvalidUrl as error:
            entry["error"] = str(error)
            continue
        path = folder / item["html_path"]
        try:
            size = path.stat().st_size
            if size > MAX_HTML_BYTES:
                entry["error"] = f"the page {path} is {size:,} bytes, more than the {MAX_HTML_BYTES >> 20} MiB read"
                continue
            entry["html"] = decode_html(path.read_bytes())
        except OSError as error:
            entry["error"] = f"cannot read the page {path} ({error.strerror or error})"
    return entries
