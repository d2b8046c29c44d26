"""The lines a transformer must beat, trained and tested on exactly the rows a training run
used (the same files, split, training mix and threshold rule as ``baitwatch train``):

- character n-gram TF-IDF + logistic regression;
- LightGBM on hand-made lexical URL features (``lexical_features.py``), what the strongest
  offline peer ships.

    .venv/bin/python benchmarks/baselines.py --checkpoint runs/v2/checkpoint \\
        --data model_export/data/v2/phish_2022_2025.csv.gz --data model_export/data/v2/legit_links.csv.gz \\
        --data model_export/data/train_urls.csv.gz [--json benchmarks/baselines.json]

``--checkpoint`` is the folder ``baitwatch train`` wrote: the baselines set their thresholds
on its validation file and are tested on its test and future files, the transformer's very
rows; its training.json gives the seed and the sample sizes, from which the training rows
are drawn again out of ``--data``, the files it was trained on.
``--whole-training-split`` trains the baselines on every older row of the training sites
instead of the transformer's mix: what a model that fits in a minute can afford.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import lightgbm
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

import lexical_features

from model_export.data import Dataset, load_dataset, prepare_splits, require_unseen_sites
from model_export.evaluate import choose_threshold, format_table, report
from model_export.ngrams import MAX_ITERATIONS, REGULARIZATION_C, TOLERANCE
from model_export.train import FUTURE_FILE, TEST_FILE, TRAINING_FILE, VALIDATION_FILE


def tfidf_scorer(train: Dataset):
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(2, 5), min_df=3, sublinear_tf=True, max_features=1_000_000)
    # Fitted as the shipped n-gram model is, to convergence.
    model = LogisticRegression(C=REGULARIZATION_C, tol=TOLERANCE, max_iter=MAX_ITERATIONS).fit(vectorizer.fit_transform(train.urls), train.labels)
    return lambda data: model.predict_proba(vectorizer.transform(data.urls))[:, 1]


def gbm_scorer(train: Dataset):
    categorical = [lexical_features.NAMES.index("tld_hash")]
    model = lightgbm.LGBMClassifier(n_estimators=600, learning_rate=0.05, num_leaves=63, subsample=0.8, subsample_freq=1,
                                    colsample_bytree=0.8, random_state=42, verbose=-1)
    model.fit(lexical_features.matrix(train.urls), train.labels, categorical_feature=categorical)
    return lambda data: model.predict_proba(lexical_features.matrix(data.urls))[:, 1]


BASELINES = {"char n-gram TF-IDF + logistic regression": tfidf_scorer, "LightGBM on lexical features": gbm_scorer}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--data", type=Path, action="append", required=True)
    parser.add_argument("--whole-training-split", action="store_true", help="train on the whole split, not the transformer's mix")
    parser.add_argument("--json", type=Path, help="write the reports here")
    args = parser.parse_args()

    record = json.loads((args.checkpoint / TRAINING_FILE).read_text(encoding="utf-8"))
    settings = record["hyperparameters"]
    dataset, _ = load_dataset(args.data)
    train_rows = None if args.whole_training_split else settings["max_train_rows"]
    train = prepare_splits(
        dataset, settings["seed"], settings.get("future_from"), train_rows, settings.get("max_eval_rows"), settings.get("homepage_share")
    ).train
    validation, test = (load_dataset(args.checkpoint / name)[0] for name in (VALIDATION_FILE, TEST_FILE))
    for held_out in (validation, test):
        require_unseen_sites(train, held_out, args.checkpoint)
    future = load_dataset(args.checkpoint / FUTURE_FILE)[0] if (args.checkpoint / FUTURE_FILE).is_file() else None
    trained_domains = frozenset(train.domains)
    results = {}
    suffix = f" (whole training split, {len(train)} rows)" if args.whole_training_split else f" (the same {len(train)} rows)"
    for name, make_scorer in BASELINES.items():
        started = time.perf_counter()
        score = make_scorer(train)
        seconds = time.perf_counter() - started
        threshold = choose_threshold(validation.labels, score(validation), record["target_fpr"])
        results[name + suffix] = {
            "threshold": threshold,
            "fit_seconds": round(seconds, 1),
            "test": report(test, score(test), threshold, trained_domains),
        } | ({"future": report(future, score(future), threshold, trained_domains)} if future else {})
        print(f"{name}: fitted in {seconds:.0f} s on {len(train)} rows; threshold {threshold:.4f}")
    print(format_table({f"{name}, {part}": result[part]["overall"] for name, result in results.items() for part in ("test", "future") if part in result}))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
