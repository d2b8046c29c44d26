"""Read a labelled URL corpus and split it so that no site sits on both sides of a split."""

from __future__ import annotations

import csv
import gzip
import io
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from baitwatch.errors import BaitwatchError
from baitwatch.urls import InvalidUrl, canonicalize

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

    def __len__(self) -> int:
        return len(self.urls)

    def subset(self, index: np.ndarray) -> Dataset:
        return Dataset(
            urls=[self.urls[i] for i in index],
            labels=self.labels[index],
            sources=[self.sources[i] for i in index],
            domains=[self.domains[i] for i in index],
        )

    def write_csv(self, path: Path) -> None:
        with gzip.open(path, "wt", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["url", "label", "source"])
            writer.writerows(zip(self.urls, self.labels.tolist(), self.sources))


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

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "validation": len(self.validation), "test": len(self.test)}


def parse_label(value: str) -> int | None:
    text = value.strip().lower()
    if text in SAFE_LABELS:
        return 0
    if text in PHISHING_LABELS:
        return 1
    return None


def load_dataset(path: Path, require_both_labels: bool = True) -> tuple[Dataset, LoadReport]:
    """Read ``url,label[,source]`` (or ``text,labels``) from CSV or gzipped CSV.

    URLs are canonicalized; rows that are not web URLs, duplicates, and URLs seen under
    both labels are dropped and counted in the report. An unknown label is an error.
    """
    report = LoadReport()
    first_label: dict[str, int] = {}
    rows: dict[str, tuple[int, str]] = {}
    conflicting: set[str] = set()
    with _open_text(path) as stream:
        reader = csv.DictReader(stream)
        url_column, label_column = _required_columns(reader.fieldnames, path)
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
            if url.text in first_label:
                if first_label[url.text] != label:
                    conflicting.add(url.text)
                report.dropped["duplicates"] += 1
                continue
            first_label[url.text] = label
            rows[url.text] = (label, (row.get("source") or "").strip() or "unknown")
    for text in conflicting:
        del rows[text]
        report.dropped["with both labels"] += 1
    if not rows:
        raise BaitwatchError(f"{path}: no usable rows ({report.summary()})")
    urls = list(rows)
    dataset = Dataset(
        urls=urls,
        labels=np.array([rows[u][0] for u in urls], dtype=np.int64),
        sources=[rows[u][1] for u in urls],
        domains=[canonicalize(u).registrable_domain for u in urls],
    )
    if require_both_labels and len(set(dataset.labels.tolist())) < 2:
        raise BaitwatchError(f"{path}: every usable row has the same label; training needs both safe and phishing URLs")
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
    """Stratified split grouped by registrable domain: a site lands in exactly one split.

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
    split_of_row = split_of_group[group_of]
    return Splits(*(data.subset(np.flatnonzero(split_of_row == s)) for s in range(3)))


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
