"""The n-gram half of the shipped score: hashing, the vocabulary, TF-IDF and the stored model."""

import io
import zipfile

import numpy as np
import pytest

from baitwatch.classifier import SHIPPED_MODEL_DIR
from baitwatch.errors import BaitwatchError
from baitwatch.ngrams import NGRAM_FILE, SIZES, NgramModel, count_ngrams, count_views


def test_every_ngram_of_each_text_is_counted_once_and_none_crosses_into_the_next_text():
    texts = ["http://Example.com/a", "x", "", "héllo.test/ß"]
    rows, _, counts = count_ngrams(texts)
    for row, text in enumerate(texts):
        length = len(text.lower().encode("utf-8"))
        assert counts[rows == row].sum() == sum(max(0, length - n + 1) for n in SIZES)


def test_texts_too_short_for_any_ngram_are_scored_by_the_bias_alone():
    assert all(len(part) == 0 for part in count_ngrams([]))
    for texts in (["ab"], ["abc"], ["a", "b", "c"]):  # a whole batch shorter than the longest n-gram
        rows, _, counts = count_ngrams(texts)
        assert counts.sum() == sum(max(0, len(t) - n + 1) for t in texts for n in SIZES)
    model = small_model(["https://bank.test/"])
    assert list(model.logits(["", "a"])) == [model.bias, model.bias] and len(model.logits([])) == 0


def test_a_text_hashes_the_same_alone_in_a_batch_and_in_any_letter_case():
    text = "https://login.example-bank.test/verify?id=1"
    rows, hashes, counts = count_ngrams(["https://other.test/", text.upper(), "y"])
    alone_hashes, alone_counts = count_ngrams([text])[1:]
    assert np.array_equal(hashes[rows == 1], alone_hashes) and np.array_equal(counts[rows == 1], alone_counts)


def test_distinct_ngrams_get_distinct_hashes():
    text = "abcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%"
    ngrams = {text[i : i + n] for n in SIZES for i in range(len(text) - n + 1)}
    assert len(count_ngrams([text])[1]) == len(ngrams)


def small_model(vocabulary_texts: list[str], views: tuple[str, ...] = ("url",)) -> NgramModel:
    hashes = np.unique(count_views(vocabulary_texts, views)[1])
    rng = np.random.default_rng(0)
    return NgramModel(hashes, (1 + rng.random(len(hashes))).astype(np.float16), rng.normal(size=len(hashes)).astype(np.float16), -0.5, views)


def test_ngrams_outside_the_vocabulary_add_nothing():
    model = small_model(["https://bank.test/"])
    assert model.logits(["https://bank.test/"])[0] == model.logits(["https://bank.test/\u00e9\u00e9\u00e9zzqq"])[0] != model.bias
    assert model.logits(["zzqq"])[0] == model.bias  # no known n-gram: only the bias


def test_the_host_view_reads_the_host_alone_as_features_of_its_own():
    host_only = small_model(["https://login-bank.test/"], views=("host",))
    same_host = ["https://login-bank.test/", "https://user@login-bank.test/other/page?q=1"]
    assert host_only.logits(same_host)[0] == host_only.logits(same_host)[1] != host_only.bias
    # The same letters in a path or a userinfo are URL n-grams, not host ones.
    assert list(host_only.logits(["https://zz9.qq/login-bank.test/", "https://login-bank.test@zz9.qq/"])) == [-0.5, -0.5]
    both = NgramModel(host_only.vocabulary, host_only.idf, host_only.weights, host_only.bias, ("url", "host"))
    assert both.logits(same_host)[0] == host_only.logits(same_host)[0]  # no URL n-gram in this vocabulary
    assert not np.isin(count_ngrams(["^login-bank.test$"])[1], host_only.vocabulary).any()


def test_each_view_is_a_unit_vector_of_its_own():
    model = small_model(["https://bank.test/login"], views=("url", "host"))
    rows, _, values = model.features(["https://bank.test/login"])
    assert np.isclose((values * values).sum(), 2.0)


def test_the_shipped_ngram_model_scores_each_url_the_same_alone_and_in_a_batch():
    model = NgramModel.load(SHIPPED_MODEL_DIR / NGRAM_FILE)
    urls = ["https://paypal.com.secure-login.example/", "https://www.wikipedia.org/", "http://203.0.113.9/x.php?a=1"]
    together = model.logits(urls)
    assert np.allclose(together, [model.logits([url])[0] for url in urls], rtol=0, atol=1e-9)
    assert together[0] > together[1]  # a credential lure against an encyclopedia


def test_a_saved_model_loads_as_it_was(tmp_path):
    model = small_model(["https://a.test/b", "http://c.test/login"], views=("url", "host"))
    model.save(tmp_path / NGRAM_FILE)
    loaded = NgramModel.load(tmp_path / NGRAM_FILE)
    assert loaded.bias == -0.5 and np.array_equal(loaded.vocabulary, model.vocabulary) and loaded.views == ("url", "host")
    assert np.array_equal(loaded.logits(["https://a.test/b"]), model.logits(["https://a.test/b"]))


def test_a_model_saved_before_views_reads_the_url_alone(tmp_path):
    model = small_model(["https://a.test/b"])
    np.savez(tmp_path / NGRAM_FILE, vocabulary=model.vocabulary, idf=model.idf, weights=model.weights, bias=np.array([model.bias]))
    assert NgramModel.load(tmp_path / NGRAM_FILE).views == ("url",)


@pytest.mark.parametrize("views", [["path"], [], ["url", "url"], [1], [b"host"], [["url", "host"]], ["url", "x" * 100_000]])
def test_a_model_with_views_it_cannot_read_is_refused(tmp_path, views):
    model = small_model(["https://a.test/b"])
    np.savez(tmp_path / NGRAM_FILE, vocabulary=model.vocabulary, view_vocabulary=model.vocabulary, idf=model.idf,
             weights=model.weights, bias=np.array([model.bias]), views=np.array(views))
    with pytest.raises(BaitwatchError, match="n-gram model .* is (malformed|missing or unreadable)"):
        NgramModel.load(tmp_path / NGRAM_FILE)


@pytest.mark.parametrize("views", [np.array("url"), np.array([{"url": 1}], dtype=object)])
def test_views_that_are_no_list_of_names_are_refused(tmp_path, views):
    model = small_model(["https://a.test/b"])
    np.savez(tmp_path / NGRAM_FILE, vocabulary=model.vocabulary, idf=model.idf, weights=model.weights, bias=np.array([model.bias]),
             views=views)
    with pytest.raises(BaitwatchError, match="n-gram model .* is (malformed|missing or unreadable)"):
        NgramModel.load(tmp_path / NGRAM_FILE)


def test_a_saved_vocabulary_is_its_gaps_and_files_of_the_hashes_themselves_still_load(tmp_path):
    model = small_model(["https://a.test/b", "http://c.test/login"], views=("url", "host"))
    model.save(tmp_path / NGRAM_FILE)
    with np.load(tmp_path / NGRAM_FILE) as stored:
        # A loader from before views (or before gaps) finds no table it knows: it refuses the file.
        assert "vocabulary" not in stored.files and "view_vocabulary" not in stored.files
        assert np.array_equal(np.cumsum(stored["view_vocabulary_gaps"], dtype=np.uint64), model.vocabulary)
    np.savez(tmp_path / NGRAM_FILE, view_vocabulary=model.vocabulary, idf=model.idf, weights=model.weights,
             bias=np.array([model.bias]), views=np.array(model.views))
    assert np.array_equal(NgramModel.load(tmp_path / NGRAM_FILE).vocabulary, model.vocabulary)


@pytest.mark.parametrize("content", [b"", b"not a numpy archive", b"PK\x03\x04broken zip", "npy", "damaged deflate", "huge table"])
def test_an_unreadable_ngram_file_is_one_clear_error(tmp_path, content):
    if content == "npy":  # one bare array, not an archive of named tables
        with open(tmp_path / NGRAM_FILE, "wb") as stream:
            np.save(stream, np.ones(4))
    elif content == "huge table":  # a header that claims 1 PiB, more than any address space: numpy allocates before it reads
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (2**47,)})
        with zipfile.ZipFile(tmp_path / NGRAM_FILE, "w") as archive:
            archive.writestr("vocabulary.npy", header.getvalue() + bytes(64))
    elif content == "damaged deflate":  # a compressed table whose bytes were overwritten: zlib's own error
        small_model(["https://a.test/b"]).save(tmp_path / NGRAM_FILE)
        damaged = bytearray((tmp_path / NGRAM_FILE).read_bytes())
        damaged[60:80] = bytes(byte ^ 0xFF for byte in damaged[60:80])
        (tmp_path / NGRAM_FILE).write_bytes(bytes(damaged))
    else:
        (tmp_path / NGRAM_FILE).write_bytes(content)
    with pytest.raises(BaitwatchError, match="n-gram model .* is missing or unreadable"):
        NgramModel.load(tmp_path / NGRAM_FILE)


@pytest.mark.parametrize("vocabulary, idf, weights, bias", [
    (np.arange(8, dtype=np.uint64), np.ones(16), np.ones(8), 0.0),  # tables of different lengths
    (np.arange(8, 0, -1, dtype=np.uint64), np.ones(8), np.ones(8), 0.0),  # not sorted
    (np.arange(8, dtype=np.int32), np.ones(8), np.ones(8), 0.0),  # not 64-bit hashes
    (np.arange(8, dtype=np.uint64).reshape(2, 4), np.ones((2, 4)), np.ones((2, 4)), 0.0),  # not one row
    (np.arange(8, dtype=np.uint64), np.array(["x"] * 8), np.ones(8), 0.0),  # text for numbers
    (np.arange(8, dtype=np.uint64), np.ones(8), np.full(8, np.nan), 0.0),  # a weight that is no number
    (np.arange(8, dtype=np.uint64), np.ones(8), np.ones(8), np.inf),  # a bias that is no number
])
def test_a_malformed_model_is_refused(tmp_path, vocabulary, idf, weights, bias):
    np.savez(tmp_path / NGRAM_FILE, vocabulary=vocabulary, idf=idf, weights=weights, bias=np.array([bias]))
    with pytest.raises(BaitwatchError, match="malformed"):
        NgramModel.load(tmp_path / NGRAM_FILE)
