"""The line a transformer must beat: character n-gram TF-IDF + logistic regression, on the
same corpus, the same split grouped by registrable domain, and the same threshold rule as
``baitwatch train``.

    .venv/bin/python benchmarks/tfidf_baseline.py [--data model_export/data/train_urls.csv.gz]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from model_export.data import load_dataset, split_by_domain
from model_export.evaluate import DEFAULT_TARGET_FPR, choose_threshold, format_table, report

DEFAULT_DATA = Path(__file__).resolve().parents[1] / "model_export" / "data" / "train_urls.csv.gz"
SEED = 42  # baitwatch train's default, so the split is the shipped model's


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", type=Path, help="also write the test report here")
    args = parser.parse_args()

    dataset, _ = load_dataset(args.data)
    splits = split_by_domain(dataset, SEED)
    started = time.perf_counter()
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(2, 5), min_df=3, sublinear_tf=True, max_features=1_000_000)
    features = vectorizer.fit_transform(splits.train.urls)
    model = LogisticRegression(C=10.0, max_iter=2000).fit(features, splits.train.labels)
    seconds = time.perf_counter() - started

    def scores(split):
        return model.predict_proba(vectorizer.transform(split.urls))[:, 1]

    threshold = choose_threshold(splits.validation.labels, scores(splits.validation), DEFAULT_TARGET_FPR)
    test_report = report(splits.test, scores(splits.test), threshold)
    print(f"split {splits.sizes()}; fitted in {seconds:.0f} s; threshold {threshold:.4f}")
    print(format_table({"tf-idf + logistic regression": test_report["overall"]}))
    if args.json:
        args.json.write_text(json.dumps({"threshold": threshold, "fit_seconds": seconds, "test": test_report}, indent=2) + "\n")


if __name__ == "__main__":
    main()
