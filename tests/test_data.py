import gzip

import numpy as np
import pytest

from baitwatch.errors import BaitwatchError
from model_export.data import (
    load_dataset,
    require_unseen_sites,
    shape_balanced_sample,
    split_by_domain,
    split_by_time_and_domain,
    stratified_sample,
)


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_url_label_source_and_canonicalizes(tmp_path):
    path = write(tmp_path, "url,label,source\nHTTPS://Example.com/a#x,0,s1\nhttp://evil.example/login,1,s2\n")
    data, report = load_dataset(path)
    assert data.urls == ["https://example.com/a", "http://evil.example/login"]
    assert data.labels.tolist() == [0, 1]
    assert data.sources == ["s1", "s2"]
    assert data.domains == ["example.com", "evil.example"]
    assert report.kept == 2 and not report.dropped


def test_reads_the_original_datasets_columns_and_labels(tmp_path):
    path = write(tmp_path, 'text,labels\nhttps://example.com/,Safe\nhttps://evil.example/,Not Safe\n"https://a.example/x,y",safe\n')
    data, _ = load_dataset(path)
    assert data.labels.tolist() == [0, 1, 0]
    assert data.urls[2] == "https://a.example/x,y"
    assert set(data.sources) == {"unknown"}


def test_reads_gzip_whatever_the_name(tmp_path):
    path = tmp_path / "data.bin"
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        stream.write("url,label\nhttps://example.com/,0\nhttps://evil.example/,phishing\n")
    data, _ = load_dataset(path)
    assert len(data) == 2


def test_bad_rows_are_counted_and_dropped(tmp_path):
    path = write(
        tmp_path,
        "url,label\n"
        "https://good.example/,0\n"
        "not a url at all,0\n"
        "mailto:x@y.example,1\n"
        "https://good.example/#frag,0\n"
        "https://both.example/,0\n"
        "https://both.example/,1\n"
        "https://evil.example/,1\n",
    )
    data, report = load_dataset(path)
    assert data.urls == ["https://good.example/", "https://evil.example/"]
    assert report.rows == 7
    assert report.dropped == {"not a URL": 1, "not a web URL": 1, "duplicates": 2, "with both labels": 1}
    assert "read 7 rows, kept 2" in report.summary()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("address,kind\nhttps://a.example/,0\n", "must name a URL column"),
        ("", "must name a URL column"),
        ("url,label\nhttps://a.example/,maybe\n", "unknown label 'maybe'"),
        ("url,label\n", "no usable rows"),
        ("url,label\nnot a url,0\n", "no usable rows"),
        ("url,label\nhttps://a.example/,0\nhttps://b.example/,0\n", "same label"),
    ],
)
def test_unusable_files_give_one_clear_sentence(tmp_path, text, message):
    with pytest.raises(BaitwatchError, match=message):
        load_dataset(write(tmp_path, text))


def test_missing_file(tmp_path):
    with pytest.raises(BaitwatchError, match="cannot read the data file"):
        load_dataset(tmp_path / "nope.csv")


def corpus(tmp_path, sites=400):
    rng = np.random.default_rng(0)
    lines = ["url,label"]
    for site in range(sites):
        label = int(rng.random() < 0.35)
        for page in range(int(rng.integers(1, 6))):
            lines.append(f"https://www{page}.site{site}.example/p{page},{label}")
    return load_dataset(write(tmp_path, "\n".join(lines) + "\n"))[0]


def test_split_never_puts_a_site_on_two_sides_and_keeps_label_shares(tmp_path):
    data = corpus(tmp_path)
    splits = split_by_domain(data, seed=1)
    parts = [splits.train, splits.validation, splits.test]
    assert sum(len(p) for p in parts) == len(data)
    domains = [set(p.domains) for p in parts]
    assert not (domains[0] & domains[1] or domains[0] & domains[2] or domains[1] & domains[2])
    for part, share in zip(parts, (0.8, 0.1, 0.1)):
        assert abs(len(part) / len(data) - share) < 0.03
        assert abs(part.labels.mean() - data.labels.mean()) < 0.05


def test_split_depends_on_the_seed_only(tmp_path):
    data = corpus(tmp_path)
    assert split_by_domain(data, seed=1).test.urls == split_by_domain(data, seed=1).test.urls
    assert split_by_domain(data, seed=1).test.urls != split_by_domain(data, seed=2).test.urls


def test_a_training_split_drawn_again_must_not_hold_the_checkpoints_held_out_sites(tmp_path):
    data = corpus(tmp_path)
    kept = split_by_domain(data, seed=1)  # what a checkpoint was trained and judged on
    require_unseen_sites(split_by_domain(data, seed=1).train, kept.test, tmp_path)  # drawn again alike: fine
    with pytest.raises(BaitwatchError, match="not the one .* was trained on"):
        require_unseen_sites(split_by_domain(data, seed=2).train, kept.test, tmp_path)  # the split moved


def test_stratified_sample_keeps_label_shares(tmp_path):
    data = corpus(tmp_path)
    sample = stratified_sample(data, 300, seed=0)
    assert abs(len(sample) - 300) <= 1
    assert abs(sample.labels.mean() - data.labels.mean()) < 0.01


def test_reads_several_files_and_keeps_the_date_a_later_copy_knows(tmp_path):
    undated = write(tmp_path, "url,label,source\nhttps://evil.example/,1,v1\nhttps://example.com/,0,v1\n", "v1.csv")
    dated = write(tmp_path, "url,label,source,date\nhttps://evil.example/,1,feed,2025-05-01\nhttps://blog.example/,0,news,\n", "v2.csv")
    data, report = load_dataset([undated, dated])
    assert data.urls == ["https://evil.example/", "https://example.com/", "https://blog.example/"]
    assert data.sources == ["v1", "v1", "news"]
    assert data.dates == ["2025-05-01", None, ""]  # None: its file has no dates; "": a timeless row of a dated file
    assert report.dropped == {"duplicates": 1}


def dated_corpus(tmp_path, sites=600):
    """Phishing sites reported over 2024-2025, legitimate sites from an undated and a dated file."""
    rng = np.random.default_rng(1)
    v1, v2 = ["url,label"], ["url,label,date"]
    for site in range(sites):
        label = int(rng.random() < 0.5)
        if label or rng.random() < 0.5:
            month = int(rng.integers(1, 19))
            date = f"{2024 + (month - 1) // 12}-{(month - 1) % 12 + 1:02d}-15" if label else ""
            v2 += [f"https://site{site}.example/{'' if page == 0 else f'p{page}'},{label},{date}" for page in range(3)]
        else:
            v1 += [f"https://old{site}.example/p{page},{label}" for page in range(3)]
    return load_dataset([write(tmp_path, "\n".join(v1) + "\n", "v1.csv"), write(tmp_path, "\n".join(v2) + "\n", "v2.csv")])[0]


def test_future_split_holds_out_the_newest_phishing_and_unseen_legitimate_sites(tmp_path):
    data = dated_corpus(tmp_path)
    splits = split_by_time_and_domain(data, seed=3, future_from="2025-04-01")
    newest = {url for url, label, date in zip(data.urls, data.labels, data.dates) if label == 1 and date and date >= "2025-04-01"}
    future = splits.future
    assert newest and {u for u, label in zip(future.urls, future.labels) if label == 1} == newest
    for part in (splits.train, splits.validation, splits.test):
        assert not newest & set(part.urls)
    legit_future_domains = {d for d, label in zip(future.domains, future.labels) if label == 0}
    assert legit_future_domains and legit_future_domains <= set(splits.test.domains)
    assert not legit_future_domains & (set(splits.train.domains) | set(splits.validation.domains))
    assert all(date == "" for date, label in zip(future.dates, future.labels) if label == 0)  # never v1's undated rows


def test_shape_balanced_sample_gives_homepages_the_same_share_under_both_labels(tmp_path):
    data = dated_corpus(tmp_path)
    assert data.homepages()[data.labels == 1].mean() > 0.3  # the corpus is unbalanced in shape
    sample = shape_balanced_sample(data, 400, seed=0)
    homepage = sample.homepages()
    assert (sample.labels == 0).sum() == 200 and abs((sample.labels == 1).sum() - 200) <= 1
    assert abs(homepage[sample.labels == 1].mean() - homepage[sample.labels == 0].mean()) < 0.01


def test_shape_balanced_sample_takes_the_homepage_share_it_is_given(tmp_path):
    data = dated_corpus(tmp_path)
    sample = shape_balanced_sample(data, 300, seed=0, homepage_share=0.3)
    homepage = sample.homepages()
    for label in (0, 1):
        assert abs(homepage[sample.labels == label].mean() - 0.3) < 0.02
