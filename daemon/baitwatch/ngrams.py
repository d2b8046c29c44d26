"""The lexical half of the shipped score: a linear model over a URL's character n-grams.

A URL's features are its lowercased n-grams (2 to 5 bytes of the canonical URL) that are in
the model's vocabulary, the n-grams most frequent in training: their counts damped
(1 + log count), weighted by inverse document frequency and scaled to unit length (TF-IDF).
The logit is their dot product with learned weights. An n-gram is known by a 64-bit hash,
so the vocabulary is one sorted array and a lookup is a binary search: it needs numpy only
and scores a URL in tens of microseconds. It sees every URL of the training split, where
the transformer sees the sample a CPU can afford. ``model_export/ngrams.py`` fits it.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from baitwatch.errors import BaitwatchError

NGRAM_FILE = "ngrams.npz"
SIZES = (2, 3, 4, 5)
# Multipliers of the rolling hash and of the final mix (Fibonacci hashing): odd 64-bit constants.
_ROLL = np.uint64(0x100000001B3)
_MIX = np.uint64(0x9E3779B97F4A7C15)


def count_ngrams(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, n-gram hash, count) for every distinct n-gram of each text, sorted by row then hash.

    All texts are hashed in one pass over their concatenated bytes; an n-gram that would run
    past the end of its text is dropped, so a text's n-grams do not depend on its neighbours.
    """
    encoded = [text.lower().encode("utf-8") for text in texts]
    lengths = np.fromiter((len(b) for b in encoded), dtype=np.int64, count=len(encoded))
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8).astype(np.uint64)
    row_of = np.repeat(np.arange(len(encoded), dtype=np.int64), lengths)
    end_of = np.repeat(np.cumsum(lengths), lengths)
    position = np.arange(len(data), dtype=np.int64)
    rows, hashes = [np.zeros(0, np.int64)], [np.zeros(0, np.uint64)]
    with np.errstate(over="ignore"):  # the hash wraps around 2**64 on purpose
        rolling = np.zeros(len(data), dtype=np.uint64)
        for n in range(1, max(SIZES) + 1):
            # rolling[i] hashes data[i : i + n]; positions near the array's end have no n-gram.
            starts = max(0, len(data) - n + 1)
            rolling[:starts] = rolling[:starts] * _ROLL + data[n - 1 : n - 1 + starts]
            if n in SIZES:
                fits = position + n <= end_of
                rows.append(row_of[fits])
                hashes.append((rolling[fits] ^ np.uint64(n)) * _MIX)
    rows, hashes = np.concatenate(rows), np.concatenate(hashes)
    if not len(rows):
        return rows, hashes, np.zeros(0, np.int64)
    order = np.lexsort((hashes, rows))
    rows, hashes = rows[order], hashes[order]
    starts = np.flatnonzero(np.r_[True, (rows[1:] != rows[:-1]) | (hashes[1:] != hashes[:-1])])
    return rows[starts], hashes[starts], np.diff(np.r_[starts, len(rows)])


@dataclass(frozen=True)
class NgramModel:
    vocabulary: np.ndarray  # sorted n-gram hashes (uint64)
    idf: np.ndarray  # per vocabulary entry
    weights: np.ndarray  # per vocabulary entry
    bias: float

    def columns(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(column, known): each hash's place in the vocabulary, and whether it is there at all."""
        column = np.minimum(np.searchsorted(self.vocabulary, hashes), len(self.vocabulary) - 1)
        return column, self.vocabulary[column] == hashes

    def features(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, value): each text's TF-IDF vector over the vocabulary, of unit length."""
        return self.counted_features(*count_ngrams(texts), len(texts))

    def counted_features(self, rows: np.ndarray, hashes: np.ndarray, counts: np.ndarray, texts: int) -> tuple[np.ndarray, ...]:
        """``features`` of texts whose n-grams ``count_ngrams`` has counted already."""
        column, known = self.columns(hashes)
        rows, column, counts = rows[known], column[known], counts[known]
        values = (1.0 + np.log(counts)) * self.idf[column].astype(np.float64)
        norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=texts))
        return rows, column, values / np.where(norms > 0, norms, 1.0)[rows]

    def logits(self, texts: list[str]) -> np.ndarray:
        rows, column, values = self.features(texts)
        return np.bincount(rows, weights=values * self.weights[column], minlength=len(texts)) + self.bias

    def save(self, path: Path) -> None:
        with open(path, "wb") as stream:
            np.savez_compressed(stream, vocabulary=self.vocabulary, idf=self.idf.astype(np.float16),
                                weights=self.weights.astype(np.float16), bias=np.array([self.bias]))

    @classmethod
    def load(cls, path: Path) -> NgramModel:
        try:
            with np.load(path, allow_pickle=False) as stored:
                model = cls(stored["vocabulary"], stored["idf"], stored["weights"], float(stored["bias"][0]))
        except (OSError, ValueError, KeyError, IndexError, TypeError, EOFError, zipfile.BadZipFile) as error:
            # TypeError: a lone .npy array, which is not an archive of named tables
            raise BaitwatchError(f"the n-gram model {path} is missing or unreadable ({error})") from None
        if not _well_formed(model):
            raise BaitwatchError(
                f"the n-gram model {path} is malformed: its vocabulary must be sorted 64-bit hashes, and its tables "
                "finite numbers of the same length"
            )
        return model


def _well_formed(model: NgramModel) -> bool:
    vocabulary, tables = model.vocabulary, (model.idf, model.weights)
    return (
        vocabulary.dtype == np.uint64 and vocabulary.ndim == 1 and len(vocabulary) > 0
        and bool(np.all(vocabulary[1:] > vocabulary[:-1]))
        and all(table.shape == vocabulary.shape and np.issubdtype(table.dtype, np.floating) and np.isfinite(table).all() for table in tables)
        and np.isfinite(model.bias)
    )
