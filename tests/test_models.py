"""The model store (installed models, the record of the active one), the verdict service's
choice of model at start, and the batcher's per-model scoring."""

import asyncio
import json
import os
import stat

import numpy as np
import pytest

from baitwatch.batcher import MicroBatcher
from baitwatch.classifier import CARD_FILE, MODEL_FILE, SHIPPED_MODEL_DIR, ModelCard
from baitwatch.errors import BaitwatchError
from baitwatch.models import RECORD_FILE, SHIPPED, ModelRecord, ModelStore, UnknownModel
from baitwatch.service import VerdictService
from tests.test_verdicts_daemon import model_copy_with_card

SHIPPED_ID = ModelCard.read(SHIPPED_MODEL_DIR).id


@pytest.fixture
def store(tmp_path):
    return ModelStore(tmp_path / "data" / "models")


def test_a_record_keeps_the_choices_before_it_newest_first_and_rolls_back_through_them():
    record = ModelRecord().used("a").used("b").used("a")
    assert record == ModelRecord("a", ("b", SHIPPED))
    assert record.rolled_back() == ModelRecord("b", (SHIPPED,))
    assert ModelRecord.from_json(record.as_json()) == record
    many = ModelRecord()
    for name in "abcdefgh":
        many = many.used(name)
    assert many.previous == tuple("gfedc")  # the oldest are forgotten, never the models


@pytest.mark.parametrize(
    "value",
    [[], {"active": "a"}, {"active": 1, "previous": []}, {"active": "a", "previous": "b"}, {"active": "../a", "previous": []},
     {"active": "a", "previous": ["b/c"]}, {"active": "a", "previous": [], "more": 1}],
)
def test_a_record_in_another_form_is_not_read(value):
    assert ModelRecord.from_json(value) is None


def test_install_copies_a_model_folder_whole_and_for_this_user_only(store, tmp_path):
    source = model_copy_with_card(tmp_path, id="baitwatch-url-other")
    (source / "extra.bin").write_bytes(b"files the model folder may gain")
    assert store.installed() == []
    assert store.install(source) == "baitwatch-url-other"
    installed = store.folder / "baitwatch-url-other"
    assert sorted(p.name for p in installed.iterdir()) == sorted(p.name for p in source.iterdir())
    assert store.installed() == ["baitwatch-url-other"]
    if os.name == "posix":
        for path in [store.folder, *installed.rglob("*")]:
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
    assert [e["id"] for e in store.describe()] == [SHIPPED_ID, "baitwatch-url-other"]
    assert store.describe()[1] == {"id": "baitwatch-url-other", "shipped": False, "exported": ModelCard.read(source).raw["exported"]}


@pytest.mark.parametrize(
    ("card_id", "message"),
    [(SHIPPED_ID, "is the shipped model"), ("../escape", "is not a plain name"), ("a/b", "is not a plain name"), ("", "is not a plain name")],
)
def test_install_refuses_an_id_that_is_not_a_plain_new_name(store, tmp_path, card_id, message):
    with pytest.raises(BaitwatchError, match=message):
        store.install(model_copy_with_card(tmp_path, id=card_id))
    assert store.installed() == []


def test_install_refuses_a_second_model_with_the_same_id_and_keeps_the_first(store, tmp_path):
    store.install(model_copy_with_card(tmp_path / "one", id="baitwatch-url-other", threshold=0.5, suspicious_threshold=None))
    with pytest.raises(BaitwatchError, match="already installed"):
        store.install(model_copy_with_card(tmp_path / "two", id="baitwatch-url-other", threshold=0.6, suspicious_threshold=None))
    assert ModelCard.read(store.folder / "baitwatch-url-other").threshold == 0.5


def test_a_model_that_does_not_load_is_not_installed_and_leaves_nothing_behind(store, tmp_path):
    source = model_copy_with_card(tmp_path, id="baitwatch-url-broken")
    with open(source / MODEL_FILE, "ab") as stream:
        stream.write(b"tampered")
    with pytest.raises(BaitwatchError, match="does not match the hash"):
        store.install(source)
    assert not store.folder.exists() or list(store.folder.iterdir()) == []


def test_only_a_listed_id_names_a_model(store, tmp_path):
    store.install(model_copy_with_card(tmp_path, id="baitwatch-url-other"))
    assert store.resolve("shipped") == store.resolve(SHIPPED_ID) == SHIPPED
    assert store.resolve("baitwatch-url-other") == "baitwatch-url-other"
    (store.folder / ".install-leftover").mkdir()
    for name in ("../models/baitwatch-url-other", str(store.folder / "baitwatch-url-other"), ".install-leftover", RECORD_FILE, "", "."):
        with pytest.raises(UnknownModel, match="no installed model has the id"):
            store.resolve(name)


def test_a_corrupt_record_is_set_aside_with_one_clear_problem_and_no_model_is_lost(store, tmp_path):
    store.install(model_copy_with_card(tmp_path, id="baitwatch-url-other"))
    store.write_record(ModelRecord().used("baitwatch-url-other"))
    assert stat.S_IMODE((store.folder / RECORD_FILE).stat().st_mode) == 0o600 or os.name != "posix"
    assert ModelStore(store.folder).record().active == "baitwatch-url-other"
    (store.folder / RECORD_FILE).write_text('{"active": "baitwatch-url-oth')
    reopened = ModelStore(store.folder)
    assert reopened.record() == ModelRecord()
    [problem] = reopened.problems
    assert problem.startswith("the record of the active model was unreadable; it was moved to active.json.corrupt-")
    assert reopened.installed() == ["baitwatch-url-other"]
    assert [p.name for p in store.folder.glob("active.json.corrupt-*")]


def test_the_service_serves_the_active_model_and_falls_back_to_the_shipped_one(store, tmp_path):
    store.install(model_copy_with_card(tmp_path, id="baitwatch-url-other", threshold=0.5, suspicious_threshold=None))
    store.write_record(ModelRecord().used("baitwatch-url-other"))
    service = VerdictService(ModelStore(store.folder))
    service.start()
    assert (service.model.choice, service.model.card.threshold, service.problems) == ("baitwatch-url-other", 0.5, [])

    (store.folder / "baitwatch-url-other" / CARD_FILE).write_text("{}")
    service = VerdictService(ModelStore(store.folder))
    service.start()
    assert service.model.choice == SHIPPED
    [problem] = service.problems
    assert problem.startswith("the active model baitwatch-url-other cannot be loaded (the model card") and problem.endswith("the shipped model is in use")
    assert json.loads((store.folder / RECORD_FILE).read_text())["active"] == "baitwatch-url-other"  # the choice is kept


async def test_texts_queued_for_two_models_are_each_scored_by_their_own():
    # Two stand-in scorers, as a request before a switch and one after it queue up together.
    batcher = MicroBatcher()
    before, after = (lambda texts: np.full(len(texts), 0.25)), (lambda texts: np.full(len(texts), 0.75))
    try:
        scores = await asyncio.gather(batcher.score(before, ["a", "b"]), batcher.score(after, ["c"]), batcher.score(before, ["d"]))
    finally:
        await batcher.close()
    assert scores == [[0.25, 0.25], [0.75], [0.25]]
    assert batcher.model_calls == 2  # one call per model, not per request
