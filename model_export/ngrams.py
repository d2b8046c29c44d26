"""Fit the n-gram half of the shipped score (``baitwatch.ngrams``) on a training split.

It trains on every row of the training sites, not the transformer's sample: a linear model
over n-grams fits 460k URLs in minutes on 2 cores, and the number of URLs it sees is
what makes it strong on next month's phishing (benchmarks/baselines.py, whole split).

    python -m model_export.ngrams runs/v3/checkpoint --data model_export/data/v2/phish_2022_2025.csv.gz \\
        --data model_export/data/v2/legit_links.csv.gz --data model_export/data/train_urls.csv.gz

adds to a checkpoint that ``baitwatch train`` made before it fitted n-grams what it now
writes after the transformer: ``ngrams.npz``, the trained-domain list and the replay sample,
from the training split of the files it was trained on (its training.json gives the seed
and split).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from baitwatch.ngrams import NGRAM_FILE, SIZES, NgramModel, count_views
from model_export.data import Dataset, load_dataset, prepare_splits, require_unseen_sites, shape_balanced_sample

MIN_DOCUMENT_FREQUENCY = 3  # rarer n-grams are one site's random tokens: noise, not signal
# The views a fitted model reads (baitwatch.ngrams.VIEWS) and how many of each view's most
# frequent n-grams it keeps; the rest would let the model memorize sites. A host has fewer
# distinct n-grams than a whole URL.
VOCABULARY_SIZES = {"url": 1_000_000, "host": 300_000}
REGULARIZATION_C = 10.0  # inverse L2 strength, as in the TF-IDF lines of peers
# scikit-learn's default (1e-4) stopped L-BFGS after 86 iterations on the 460k-row split,
# far from the optimum: its loss is a mean over rows, so the gradient it tests is tiny early.
# At 1e-6 it converges (about 300 iterations), and what it learns no longer depends on
# details such as the order of the columns.
TOLERANCE = 1e-6
MAX_ITERATIONS = 5000
CHUNK_TEXTS = 50_000  # bounds the hashing's memory


def fit(train: Dataset) -> NgramModel:
    return fit_texts(train.urls, train.labels, VOCABULARY_SIZES, REGULARIZATION_C)


def fit_texts(texts: list[str], labels: np.ndarray, vocabulary_sizes: dict[str, int], c: float) -> NgramModel:
    """A logistic regression over the TF-IDF n-grams of ``texts`` in each view of ``vocabulary_sizes``
    (view -> how many of its most frequent n-grams to keep), with inverse L2 strength ``c``."""
    from scipy.sparse import vstack
    from sklearn.linear_model import LogisticRegression

    chunks = [texts[start : start + CHUNK_TEXTS] for start in range(0, len(texts), CHUNK_TEXTS)]
    vocabularies = [_vocabulary(chunks, view, size, len(texts)) for view, size in vocabulary_sizes.items()]
    # The views' namespaces keep their hashes apart; should two ever collide, the first view keeps it.
    hashes, first = np.unique(np.concatenate([hashes for hashes, _ in vocabularies]), return_index=True)
    idf = np.concatenate([idf for _, idf in vocabularies])[first]
    # Weighed with the idf as it will be stored, so training sees what the daemon computes.
    unweighted = NgramModel(hashes, idf.astype(np.float16), np.zeros(len(hashes), np.float16), 0.0, tuple(vocabulary_sizes))
    # Counted again rather than kept from the vocabulary pass: the counts of 460k URLs take more memory than the matrix.
    matrix = vstack([feature_matrix(unweighted, chunk) for chunk in chunks]).tocsr()
    regression = LogisticRegression(C=c, tol=TOLERANCE, max_iter=MAX_ITERATIONS).fit(matrix, labels)
    return unweighted.with_weights(regression.coef_[0], float(regression.intercept_[0]))


def _vocabulary(chunks: list[list[str]], view: str, size: int, texts: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``size`` most frequent hashes of a view's n-grams among those in at least
    MIN_DOCUMENT_FREQUENCY texts, sorted, and their idf."""
    hashes, document_frequency = np.unique(np.concatenate([count_views(chunk, (view,))[1] for chunk in chunks]), return_counts=True)
    frequent = np.flatnonzero(document_frequency >= MIN_DOCUMENT_FREQUENCY)
    kept = np.sort(frequent[np.argsort(-document_frequency[frequent], kind="stable")[:size]])
    return hashes[kept], np.log((1 + texts) / (1 + document_frequency[kept])) + 1.0


def feature_matrix(model: NgramModel, texts: list[str]):
    """The model's TF-IDF matrix of ``texts``."""
    from scipy.sparse import csr_matrix

    rows, columns, values = model.features(texts)
    return csr_matrix((values, (rows, columns)), shape=(len(texts), len(model.vocabulary)))


def fit_into(checkpoint: Path, train: Dataset) -> dict:
    """Fit on ``train``, write ngrams.npz into the checkpoint, and return what training.json records."""
    started = time.perf_counter()
    fit(train).save(checkpoint / NGRAM_FILE)
    seconds = round(time.perf_counter() - started, 1)
    print(f"n-gram model: fitted on {len(train)} rows in {seconds:.0f} s; wrote {checkpoint / NGRAM_FILE}", flush=True)
    return {
        "rows": len(train),
        "seconds": seconds,
        "features": f"character {min(SIZES)}-{max(SIZES)}-grams of each view of the URL, TF-IDF in each: "
                    + ", ".join(f"the {size:,} most frequent of the {view} view" for view, size in VOCABULARY_SIZES.items()),
        "vocabulary": VOCABULARY_SIZES,
        "min_document_frequency": MIN_DOCUMENT_FREQUENCY,
        "regularization_c": REGULARIZATION_C,
        "tolerance": TOLERANCE,
    }


def main() -> None:
    from model_export.train import TEST_FILE, TRAINING_FILE, VALIDATION_FILE, write_replay, write_trained_domains

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", type=Path, help="a folder written by baitwatch train")
    parser.add_argument("--data", type=Path, action="append", required=True, help="the files it was trained on")
    args = parser.parse_args()
    record_path = args.checkpoint / TRAINING_FILE
    record = json.loads(record_path.read_text(encoding="utf-8"))
    settings = record["hyperparameters"]
    dataset, _ = load_dataset(args.data)
    splits = prepare_splits(dataset, settings["seed"], settings.get("future_from"), None, None)
    held_out, _ = load_dataset([args.checkpoint / VALIDATION_FILE, args.checkpoint / TEST_FILE])
    require_unseen_sites(splits.whole_train, held_out, args.checkpoint)
    record["ngrams"] = fit_into(args.checkpoint, splits.whole_train) | {"command": "python -m model_export.ngrams " + shlex.join(sys.argv[1:])}
    write_trained_domains(args.checkpoint, splits.whole_train)
    if max_rows := settings.get("max_train_rows"):  # the transformer's own mix, for the replay sample
        splits.train = shape_balanced_sample(splits.train, max_rows, settings["seed"], settings.get("homepage_share"))
    write_replay(args.checkpoint, splits.train, settings["seed"])
    record_path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
