"""Read a labelled URL corpus and split it so that no site sits on both sides of a split."""

from __future__ import annotations

import csv
import gzip
import io
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from baitwatch.errors import BaitwatchError
from baitwatch.urls import InvalidUrl, canonicalize, is_homepage

URL_COLUMNS = ("url", "text")
LABEL_COLUMNS = ("label", "labels")
SAFE_LABELS = frozenset({"0", "safe", "legitimate", "benign"})
PHISHING_LABELS = frozenset({"1", "not safe", "phishing", "malicious"})

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass
class Dataset:
    urls: list[str]
    labels: np.ndarray
    sources: list[str]
    domains: list[str]
    # ISO day the URL was first reported or published; "" where its file has dates but not
    # for this row (timeless curated links), None where its file has no dates at all.
    dates: list[str | None]

    def __len__(self) -> int:
        return len(self.urls)

    def subset(self, index: np.ndarray) -> Dataset:
        return Dataset(
            urls=[self.urls[i] for i in index],
            labels=self.labels[index],
            sources=[self.sources[i] for i in index],
            domains=[self.domains[i] for i in index],
            dates=[self.dates[i] for i in index],
        )

    def homepages(self) -> np.ndarray:
        """Which rows are a bare site address (``baitwatch.urls.is_homepage``)."""
        return np.array([is_homepage(url) for url in self.urls], dtype=bool)

    def write_csv(self, path: Path) -> None:
        with gzip.open(path, "wt", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["url", "label", "source", "date"])
            writer.writerows(zip(self.urls, self.labels.tolist(), self.sources, (d or "" for d in self.dates)))


@dataclass
class LoadReport:
    rows: int = 0
    dropped: Counter = field(default_factory=Counter)

    @property
    def kept(self) -> int:
        return self.rows - sum(self.dropped.values())

    def summary(self) -> str:
        text = f"read {self.rows} rows, kept {self.kept}"
        if self.dropped:
            text += "; dropped " + ", ".join(f"{n} {why}" for why, n in self.dropped.most_common())
        return text


@dataclass
class Splits:
    train: Dataset
    validation: Dataset
    test: Dataset
    future: Dataset | None = None  # the newest phishing and unseen legitimate sites: "next month"
    # Every training row before the transformer's sample: the n-gram model trains on all of them.
    whole_train: Dataset | None = None

    def sizes(self) -> dict[str, int]:
        named = {"train": self.train, "validation": self.validation, "test": self.test, "future": self.future}
        return {name: len(data) for name, data in named.items() if data is not None}


def parse_label(value: str) -> int | None:
    text = value.strip().lower()
    if text in SAFE_LABELS:
        return 0
    if text in PHISHING_LABELS:
        return 1
    return None


def load_dataset(paths: Path | Sequence[Path], require_both_labels: bool = True) -> tuple[Dataset, LoadReport]:
    """Read ``url,label[,source][,date]`` (or ``text,labels``) from one or more CSV or gzipped CSV files.

    URLs are canonicalized; rows that are not web URLs, duplicates (within and across files:
    the first wins, but keeps a date that only a later copy has), and URLs seen under both
    labels are dropped and counted in the report. An unknown label is an error.
    """
    report = LoadReport()
    rows: dict[str, list] = {}  # canonical URL -> [label, source, date]
    conflicting: set[str] = set()
    for path in [paths] if isinstance(paths, Path) else paths:
        with _open_text(path) as stream:
            reader = csv.DictReader(stream)
            url_column, label_column = _required_columns(reader.fieldnames, path)
            dated_file = "date" in (reader.fieldnames or [])
            for line, row in enumerate(reader, start=2):
                report.rows += 1
                label = parse_label(row.get(label_column) or "")
                if label is None:
                    raise BaitwatchError(
                        f"{path}: line {line} has the unknown label {row.get(label_column)!r}; "
                        "labels must be 0/1, Safe/Not Safe or safe/phishing"
                    )
                try:
                    url = canonicalize(row.get(url_column) or "")
                except InvalidUrl:
                    report.dropped["not a URL"] += 1
                    continue
                if not url.is_web:
                    report.dropped["not a web URL"] += 1
                    continue
                date = (row.get("date") or "").strip() if dated_file else None
                kept = rows.get(url.text)
                if kept is not None:
                    if kept[0] != label:
                        conflicting.add(url.text)
                    kept[2] = kept[2] or date  # a file with dates knows more about this URL
                    report.dropped["duplicates"] += 1
                    continue
                rows[url.text] = [label, (row.get("source") or "").strip() or "unknown", date]
    for text in conflicting:
        del rows[text]
        report.dropped["with both labels"] += 1
    if not rows:
        raise BaitwatchError(f"{', '.join(map(str, [paths] if isinstance(paths, Path) else paths))}: no usable rows ({report.summary()})")
    urls = list(rows)
    dataset = Dataset(
        urls=urls,
        labels=np.array([rows[u][0] for u in urls], dtype=np.int64),
        sources=[rows[u][1] for u in urls],
        domains=[canonicalize(u).registrable_domain for u in urls],
        dates=[rows[u][2] for u in urls],
    )
    if require_both_labels and len(set(dataset.labels.tolist())) < 2:
        raise BaitwatchError("every usable row has the same label; training needs both safe and phishing URLs")
    return dataset, report


def _open_text(path: Path) -> io.TextIOBase:
    try:
        with open(path, "rb") as probe:
            gzipped = probe.read(2) == b"\x1f\x8b"
    except OSError as error:
        raise BaitwatchError(f"cannot read the data file {path}: {error.strerror or error}") from None
    if gzipped:
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace", newline="")
    return open(path, encoding="utf-8", errors="replace", newline="")


def _required_columns(fieldnames: list[str] | None, path: Path) -> tuple[str, str]:
    names = [name.strip().lower() for name in fieldnames or []]
    url_column = next((c for c in URL_COLUMNS if c in names), None)
    label_column = next((c for c in LABEL_COLUMNS if c in names), None)
    if url_column is None or label_column is None:
        raise BaitwatchError(
            f"{path}: the header must name a URL column (url or text) and a label column "
            f"(label or labels); found {', '.join(names) or 'no header'}"
        )
    original = dict(zip(names, fieldnames or []))
    return original[url_column], original[label_column]


def split_by_domain(data: Dataset, seed: int, validation: float = 0.1, test: float = 0.1) -> Splits:
    """Stratified split grouped by registrable domain: a site lands in exactly one split."""
    group = _domain_groups(data, seed, validation, test)
    return Splits(*(data.subset(np.flatnonzero(group == s)) for s in range(3)))


def split_by_time_and_domain(data: Dataset, seed: int, future_from: str) -> Splits:
    """The domain-grouped split, plus a *future* test of what the model will meet next month.

    future: every phishing URL first reported on or after ``future_from`` (whatever its site:
    next month's phishing includes old campaigns), and the test group's legitimate URLs from
    dated files that are dated in that window or timeless, so of sites never trained on.
    Legitimate rows of undated files (corpus v1) stay out of it: an earlier model, which a
    retrain may warm-start from, trained on most of their sites. Nothing dated on or after
    ``future_from`` trains or sets a threshold; train, validation and test are the
    domain-grouped split of the older rows.
    """
    group = _domain_groups(data, seed)
    newer = np.array([bool(date) and date >= future_from for date in data.dates])
    timeless = np.array([date == "" for date in data.dates])
    legit_of_unseen_sites = (data.labels == 0) & (group == 2) & (newer | timeless)
    future = (newer & (data.labels == 1)) | legit_of_unseen_sites
    older = ~newer
    return Splits(
        *(data.subset(np.flatnonzero(older & (group == s))) for s in range(3)),
        future=data.subset(np.flatnonzero(future)),
    )


def prepare_splits(
    data: Dataset,
    seed: int,
    future_from: str | None,
    max_train_rows: int | None,
    max_eval_rows: int | None,
    homepage_share: float | None = None,
) -> Splits:
    """The splits a training run uses: by domain (and time), the training mix, and evaluation samples.

    Deterministic for a seed, so the baselines in benchmarks/ train and test on exactly the
    rows the transformer did.
    """
    splits = split_by_time_and_domain(data, seed, future_from) if future_from else split_by_domain(data, seed)
    splits.whole_train = splits.train
    if max_train_rows:
        splits.train = shape_balanced_sample(splits.train, max_train_rows, seed, homepage_share)
    if max_eval_rows:
        # Scoring is the slow part of an epoch on a CPU; a sample keeps the threshold's precision.
        splits.validation = stratified_sample(splits.validation, max_eval_rows, seed)
        splits.test = stratified_sample(splits.test, max_eval_rows, seed)
    return splits


def require_unseen_sites(train: Dataset, held_out: Dataset, checkpoint: Path) -> None:
    """Refuse training rows drawn again from the data files for ``checkpoint`` when they share
    sites with its held-out rows: the split drawn today is then not the one it was trained on
    (the files or the split code changed since), and a model fitted on it would be judged on
    sites it has seen."""
    shared = set(train.domains) & set(held_out.domains)
    if shared:
        raise BaitwatchError(
            f"the training split drawn again from the data is not the one {checkpoint} was trained on: "
            f"{len(shared)} of its held-out sites (for example {min(shared)}) are training sites; train a new checkpoint instead"
        )


def _domain_groups(data: Dataset, seed: int, validation: float = 0.1, test: float = 0.1) -> np.ndarray:
    """0 (train), 1 (validation) or 2 (test) for each row, the same for every row of a registrable domain.

    Domains are visited largest first (ties in a seeded random order), and each goes to the
    split that is furthest below its target share of the labels the domain carries.
    """
    domain_ids, group_of = np.unique(np.array(data.domains, dtype=object), return_inverse=True)
    counts = np.zeros((len(domain_ids), 2))
    np.add.at(counts, (group_of, data.labels), 1)
    shares = np.array([1 - validation - test, validation, test])
    targets = shares[:, None] * counts.sum(axis=0)[None, :]
    filled = np.zeros_like(targets)
    order = np.random.default_rng(seed).permutation(len(domain_ids))
    order = order[np.argsort(-counts[order].sum(axis=1), kind="stable")]
    split_of_group = np.empty(len(domain_ids), dtype=np.int64)
    for group in order:
        need = ((targets - filled) / np.maximum(targets, 1)) @ counts[group]
        chosen = int(np.argmax(need))
        split_of_group[group] = chosen
        filled[chosen] += counts[group]
    return split_of_group[group_of]


def shape_balanced_sample(data: Dataset, rows: int, seed: int, homepage_share: float | None = None) -> Dataset:
    """At most ``rows`` rows: half of each label where the data allows, and homepages at the
    same share under both labels: ``homepage_share``, or else the legitimate rows' own share.

    Why: most recent phishing rows are bare hosts (SMS phishing) while most legitimate rows
    are deep links, so "a bare address is phishing" would be learned from the collections'
    shapes, not from the URLs, and every typed-in homepage would score high. With equal
    shares, being a homepage says nothing about the label, so the model must read the name;
    a higher share shows it more of the names that matter most, bare phishing domains and
    the real homepages they are mistaken for.
    """
    rng = np.random.default_rng(seed)
    homepage = data.homepages()
    if homepage_share is None:
        homepage_share = float(homepage[data.labels == 0].mean()) if (data.labels == 0).any() else 0.5
    chosen = []
    per_label = {0: min(int((data.labels == 0).sum()), rows // 2)}
    per_label[1] = rows - per_label[0]
    for label, wanted in per_label.items():
        for bare, share in ((True, homepage_share), (False, 1 - homepage_share)):
            members = np.flatnonzero((data.labels == label) & (homepage == bare))
            chosen.append(rng.choice(members, size=min(len(members), round(wanted * share)), replace=False))
    return data.subset(np.sort(np.concatenate(chosen)))


def stratified_sample(data: Dataset, rows: int, seed: int) -> Dataset:
    """At most ``rows`` rows of ``data``, keeping the share of each label."""
    if rows >= len(data):
        return data
    rng = np.random.default_rng(seed)
    chosen = []
    for label in (0, 1):
        members = np.flatnonzero(data.labels == label)
        take = round(rows * len(members) / len(data))
        chosen.append(rng.choice(members, size=take, replace=False))
    return data.subset(np.sort(np.concatenate(chosen)))
