"""The lexical half of the shipped score: a linear model over a URL's character n-grams.

A URL's features are its lowercased n-grams (2 to 5 bytes of the canonical URL) that are in
the model's vocabulary, the n-grams most frequent in training: their counts damped
(1 + log count), weighted by inverse document frequency and scaled to unit length (TF-IDF).
The logit is their dot product with learned weights. A model may read more than one view of
the URL (``VIEWS``): the host alone as well, whose n-grams then weigh on their own, apart from
the same letters in a path; each view is its own TF-IDF vector. An n-gram is known by a
64-bit hash, so the vocabulary is one sorted array and a lookup is a binary search: numpy
and string work only, about a tenth of a millisecond a URL. It sees every URL of the
training split, where the transformer sees the sample a CPU can afford.
``model_export/ngrams.py`` fits it.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from baitwatch.errors import BaitwatchError
from baitwatch.urls import host_text

NGRAM_FILE = "ngrams.npz"
GAPS = "_gaps"  # the name suffix of a vocabulary stored as the gaps between its sorted hashes
SIZES = (2, 3, 4, 5)
# Multipliers of the rolling hash and of the final mix (Fibonacci hashing): odd 64-bit constants.
_ROLL = np.uint64(0x100000001B3)
_MIX = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class View:
    text: Callable[[str], str]  # what of a canonical URL this view reads
    namespace: int  # XORed into its hashes, so that its n-grams are features of their own


# The URL view's namespace is 0: models that read the URL alone keep their hashes.
VIEWS = {
    "url": View(lambda url: url, 0),
    "host": View(lambda url: f"^{host_text(url)}$", 0x5BD1E9955BD1E995),  # ^ and $ mark the host's edges
    # Not a URL: the words of a page (baitwatch/page/page_model.py writes them), for the page model.
    "page": View(lambda text: text, 0x2545F4914F6CDD1D),
}


def count_ngrams(texts: list[str], namespaces: np.ndarray | int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, n-gram hash, count) for every distinct n-gram of each text, sorted by row then hash;
    a text's hashes are XORed with its namespace (one for all, or one per text).

    All texts are hashed in one pass over their concatenated bytes; an n-gram that would run
    past the end of its text is dropped, so a text's n-grams do not depend on its neighbours.
    """
    encoded = [text.lower().encode("utf-8") for text in texts]
    lengths = np.fromiter((len(b) for b in encoded), dtype=np.int64, count=len(encoded))
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8).astype(np.uint64)
    row_of = np.repeat(np.arange(len(encoded), dtype=np.int64), lengths)
    end_of = np.repeat(np.cumsum(lengths), lengths)
    namespace_of = np.repeat(np.broadcast_to(np.asarray(namespaces, dtype=np.uint64), (len(encoded),)), lengths)
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
                hashes.append(((rolling[fits] ^ np.uint64(n)) * _MIX) ^ namespace_of[fits])
    rows, hashes = np.concatenate(rows), np.concatenate(hashes)
    if not len(rows):
        return rows, hashes, np.zeros(0, np.int64)
    order = np.lexsort((hashes, rows))
    rows, hashes = rows[order], hashes[order]
    starts = np.flatnonzero(np.r_[True, (rows[1:] != rows[:-1]) | (hashes[1:] != hashes[:-1])])
    return rows[starts], hashes[starts], np.diff(np.r_[starts, len(rows)])


def count_views(urls: list[str], views: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``count_ngrams`` of what each view reads of each canonical URL, in the view's namespace,
    in one pass: row ``v * len(urls) + i`` is view ``v`` of URL ``i``."""
    readings = [VIEWS[view] for view in views]
    texts = [reading.text(url) for reading in readings for url in urls]
    return count_ngrams(texts, np.repeat(np.array([reading.namespace for reading in readings], dtype=np.uint64), len(urls)))


@dataclass(frozen=True)
class NgramModel:
    vocabulary: np.ndarray  # sorted n-gram hashes (uint64)
    idf: np.ndarray  # per vocabulary entry
    weights: np.ndarray  # per vocabulary entry
    bias: float
    views: tuple[str, ...] = ("url",)  # names in VIEWS

    def columns(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(column, known): each hash's place in the vocabulary, and whether it is there at all."""
        column = np.minimum(np.searchsorted(self.vocabulary, hashes), len(self.vocabulary) - 1)
        return column, self.vocabulary[column] == hashes

    def features(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, value): each text's TF-IDF vector over the vocabulary, of unit length in each view."""
        rows, hashes, counts = count_views(texts, self.views)
        column, known = self.columns(hashes)
        rows, column, counts = rows[known], column[known], counts[known]
        values = (1.0 + np.log(counts)) * self.idf[column].astype(np.float64)
        norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=len(self.views) * len(texts)))
        return rows % max(1, len(texts)), column, values / np.where(norms > 0, norms, 1.0)[rows]

    def logits(self, texts: list[str]) -> np.ndarray:
        rows, column, values = self.features(texts)
        return np.bincount(rows, weights=values * self.weights[column], minlength=len(texts)) + self.bias

    def save(self, path: Path) -> None:
        # The sorted vocabulary is stored as the gaps between its hashes: the same numbers, in a
        # quarter less space once compressed (each shipped model's file is in every clone).
        gaps = np.diff(self.vocabulary, prepend=np.uint64(0))
        with open(path, "wb") as stream:
            np.savez_compressed(stream, **{_vocabulary_key(self.views) + GAPS: gaps}, idf=self.idf.astype(np.float16),
                                weights=self.weights.astype(np.float16), bias=np.array([self.bias]), views=np.array(self.views))

    def with_weights(self, weights: np.ndarray, bias: float) -> NgramModel:
        return replace(self, weights=weights.astype(np.float16), bias=bias)

    @classmethod
    def load(cls, path: Path) -> NgramModel:
        try:
            with np.load(path, allow_pickle=False) as stored:
                # A model saved before views read the URL alone.
                views = tuple(str(view) for view in stored["views"]) if "views" in stored.files else ("url",)
                key = _vocabulary_key(views)
                # Files saved before the gaps hold the hashes themselves.
                vocabulary = np.cumsum(stored[key + GAPS], dtype=np.uint64) if key + GAPS in stored.files else stored[key]
                model = cls(vocabulary, stored["idf"], stored["weights"], float(stored["bias"][0]), views)
        except (OSError, ValueError, KeyError, IndexError, TypeError, EOFError, zipfile.BadZipFile, zlib.error, MemoryError) as error:
            # TypeError: a lone .npy array, which is not an archive of named tables; MemoryError: a
            # table whose header claims more memory than there is (numpy allocates before reading)
            raise BaitwatchError(f"the n-gram model {path} is missing or unreadable ({error})") from None
        if not _well_formed(model):
            raise BaitwatchError(
                f"the n-gram model {path} is malformed: its vocabulary must be sorted 64-bit hashes, its tables "
                f"finite numbers of the same length, and its views distinct names among {', '.join(VIEWS)}"
            )
        return model


def _well_formed(model: NgramModel) -> bool:
    vocabulary, tables = model.vocabulary, (model.idf, model.weights)
    return (
        vocabulary.dtype == np.uint64 and vocabulary.ndim == 1 and len(vocabulary) > 0
        and bool(np.all(vocabulary[1:] > vocabulary[:-1]))
        and all(table.shape == vocabulary.shape and np.issubdtype(table.dtype, np.floating) and np.isfinite(table).all() for table in tables)
        and np.isfinite(model.bias)
        and 0 < len(model.views) == len(set(model.views)) and set(model.views) <= VIEWS.keys()
    )


def _vocabulary_key(views: tuple[str, ...]) -> str:
    """Where the file keeps the vocabulary: a model that reads more than the URL keeps it under a
    name of its own, so that a daemon from before views refuses it rather than score half its features."""
    return "vocabulary" if views == ("url",) else "view_vocabulary"
