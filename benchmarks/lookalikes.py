"""How often the lookalike rule fires on the corpus, and on which legitimate URLs.

Every URL of the corpus goes through the daemon's rules in order: a URL the policy skips
(known-good, private address...) is never checked, as in the daemon; the others are checked
by ``baitwatch.lookalike``. Prints the counts by label and by source, with the legitimate
URLs it flags (each a false alarm). Run: ``.venv/bin/python benchmarks/lookalikes.py``
(v1), or with ``--data`` and several files to read them as one corpus.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from baitwatch.known_good import shipped_known_good
from baitwatch.lookalike import find_lookalike
from baitwatch.policy import skip_reason
from baitwatch.urls import canonicalize
from model_export.data import load_dataset
from model_export.known_good import CORPUS, POPULAR_SOURCE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, nargs="+", default=[CORPUS], help="corpus files, read as one")
    parser.add_argument("--show", type=int, default=40, help="legitimate URLs flagged to print")
    args = parser.parse_args()
    data, _ = load_dataset(args.data)
    known_good = shipped_known_good()
    urls, flagged, false_alarms = Counter(), Counter(), []
    for text, label, source in zip(data.urls, data.labels.tolist(), data.sources):
        url = canonicalize(text)
        group = "popular homepages" if source == POPULAR_SOURCE else ("phishing" if label else "legitimate")
        urls[group] += 1
        if skip_reason(url, known_good=known_good):
            continue
        found = find_lookalike(url)
        if found:
            flagged[group] += 1
            if not label:
                false_alarms.append(f"{text}  imitates {found.imitates} ({found.kind})")
    for group in ("phishing", "legitimate", "popular homepages"):
        print(f"{group:<18} {urls[group]:>7} URLs, flagged {flagged[group]:>5} ({flagged[group] / max(urls[group], 1):.2%})")
    print(f"legitimate URLs flagged (false alarms): {len(false_alarms)}")
    for line in false_alarms[: args.show]:
        print("  " + line)


if __name__ == "__main__":
    main()
