"""The abuse classifier: trains on labelled sentences, scores in batches, and round-trips
through its JSON file without pickle."""

# ruff: noqa: RUF001  (the Russian sentences are meant)

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from veche.moderation.embedding import (
    DEFAULT_MODEL_PATH,
    DIM,
    MAX_PIECES,
    PIECE_CHARS,
    AbuseClassifier,
    Embedder,
    default_embedder,
    fit_embeddings,
    split_long,
)

# Short neutral replies the C=100 model scored as abusive (0.98 down to 0.47): reported in issue 6.
REPORTED_SHORT = [
    "While B was down.",
    "Nobody knows yet.",
    "Node B restarted.",
    "Before the restart.",
    "Who wrote this?",
    "Good point, Denis.",
    "Where is this?",
]
# Short neutral comments that are in no training file: the model must not learn them by heart.
UNSEEN_SHORT = [
    "The power came back at noon.",
    "Servers were down all morning.",
    "Who took the photo?",
    "Right after the blackout.",
    "Nobody called us back.",
    "Thanks, Aliya.",
    "Node A is offline again.",
    "When does the shop open?",
    "Not in our district.",
    "See you at the meeting.",
    "The game ended 1:0.",
    "Police arrested five people.",
    "They shut down the mine.",
    "Restarting did not help.",
    "Is the road still closed?",
    "Just got home, all quiet.",
    "Интернет включили в шесть.",
    "Кто это снимал?",
    "Спасибо, Ержан.",
    "После отключения света.",
    "Никто пока не знает.",
    "Сервер снова упал.",
    "А где это случилось?",
    "Счёт 2:1 в пользу гостей.",
    "Задержали двенадцать человек.",
    "Перезагрузите роутер.",
    "Хороший вопрос.",
    "Мы тоже без связи.",
    "Завтра будет ясно.",
    "А что с ценами на бензин?",
]
UNSEEN_SHORT_ABUSE = [
    "Get out of here, you moron.",
    "You are a pathetic liar.",
    "Hope you choke, traitor.",
    "Заткнись, дебил.",
    "Ты жалкий урод.",
    "Чтоб ты сдох, предатель.",
]

ABUSIVE = [
    "You are a worthless idiot and everybody here knows it.",
    "Shut up, you pathetic moron, nobody wants your stupid opinion.",
    "People like you are vermin and should be exterminated.",
    "I hope someone beats you to death, you filthy traitor.",
    "What a disgusting brainless pig you are.",
    "Ты тупой урод, заткнись уже.",
    "Эти твари не люди, их надо давить.",
    "Иди ты к черту, мразь продажная.",
]
OK = [
    "I disagree with the article: the election results look plausible to me.",
    "The internet was down in Astana for two days, which hurt small businesses.",
    "Thank you for the detailed report on the protests.",
    "The government should explain why mobile networks were jammed.",
    "Fuel prices rose sharply this year, no wonder people are angry.",
    "Спасибо за статью, очень подробно и по делу.",
    "Я не согласен с автором, но аргументы интересные.",
    "Интернет отключали на два дня, бизнес понес убытки.",
]


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return default_embedder()


@pytest.fixture(scope="module")
def tiny(embedder: Embedder) -> AbuseClassifier:
    rows = [(t, 1) for t in ABUSIVE] + [(t, 0) for t in OK]
    return AbuseClassifier.train(rows, embedder=embedder, folds=4)


def test_embeddings_are_unit_vectors_and_batching_changes_nothing(embedder: Embedder) -> None:
    texts = [f"comment number {i} about the protests" for i in range(20)]  # more than one batch
    together = embedder(texts)
    assert together.shape == (20, DIM)
    assert together.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-4)
    alone = np.vstack([embedder([t]) for t in texts[14:18]])
    np.testing.assert_allclose(together[14:18], alone, atol=1e-5)
    with pytest.raises(TypeError):
        embedder("one string")


def test_trained_model_separates_unseen_sentences(tiny: AbuseClassifier) -> None:
    scores = tiny.predict(
        [
            "You brainless idiot, shut your mouth.",
            "Заткнись, тупая мразь.",
            "I think the protests were mostly peaceful.",
            "Спасибо, хорошая статья про выборы.",
        ]
    )
    assert scores[0] > 0.5 and scores[1] > 0.5, scores
    assert scores[2] < 0.5 and scores[3] < 0.5, scores
    assert tiny.predict([]) == []


def test_training_records_what_produced_the_model(tiny: AbuseClassifier) -> None:
    assert tiny.meta["trained"]["rows"] == 16
    assert tiny.meta["trained"]["abusive"] == 8
    assert tiny.meta["embedding"]["prefix"] == "query: "
    assert tiny.meta["embedding"]["version"] == "0.3.0"
    assert tiny.meta["regression"]["C"] > 0
    assert tiny.meta["regression"]["calibration"]["slope"] > 0


def test_calibration_is_folded_into_one_linear_model() -> None:
    """The stored coefficients are the plain regression's, scaled by the Platt slope."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    labels = [0, 1] * 30
    x = rng.normal(size=(60, DIM)) + np.outer(np.array(labels) - 0.5, np.ones(DIM)) * 0.3
    clf = fit_embeddings(x, labels, folds=3)
    reg = clf.meta["regression"]
    raw = LogisticRegression(C=reg["C"], class_weight="balanced", max_iter=5000).fit(x, labels)
    slope, offset = reg["calibration"]["slope"], reg["calibration"]["offset"]
    np.testing.assert_allclose(clf.coef, slope * raw.coef_[0], rtol=1e-5)
    assert clf.intercept == pytest.approx(slope * raw.intercept_[0] + offset, abs=1e-5)


def test_training_on_noise_is_refused() -> None:
    """Random labels: out-of-fold scores rank the classes backwards, and no model is made."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, DIM))
    with pytest.raises(ValueError, match="calibration slope"):
        fit_embeddings(x / np.linalg.norm(x, axis=1, keepdims=True), [0, 1] * 20, folds=2)


def test_save_and_load_give_identical_predictions(tiny: AbuseClassifier, tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    tiny.save(path)
    doc = json.loads(path.read_text("utf-8"))
    assert len(doc["coef"]) == DIM
    assert isinstance(doc["intercept"], float)
    again = AbuseClassifier.load(path)
    assert again == tiny
    texts = ABUSIVE[:3] + OK[:3]
    assert again.predict(texts) == tiny.predict(texts)


def test_the_shipped_model_loads_and_scores() -> None:
    model = AbuseClassifier.load()
    doc = json.loads(DEFAULT_MODEL_PATH.read_text("utf-8"))
    assert model.meta["trained"]["rows"] == doc["trained"]["rows"] > 100
    low, high = model.predict(["Thank you for the article.", "You are a stupid worthless pig."])
    assert low < 0.5 < high


def test_the_shipped_model_leaves_short_neutral_replies_alone() -> None:
    model = AbuseClassifier.load()
    reported = model.predict(REPORTED_SHORT)
    assert max(reported) < 0.5, dict(zip(REPORTED_SHORT, reported, strict=True))
    unseen = model.predict(UNSEEN_SHORT)
    flagged = {t: round(p, 2) for t, p in zip(UNSEEN_SHORT, unseen, strict=True) if p >= 0.5}
    assert len(flagged) <= 1, flagged
    abuse = model.predict(UNSEEN_SHORT_ABUSE)
    assert min(abuse) >= 0.5, dict(zip(UNSEEN_SHORT_ABUSE, abuse, strict=True))


def test_no_probe_sentence_is_in_a_training_file() -> None:
    bench = Path(__file__).parent.parent / "bench" / "moderation"
    trained = {
        json.loads(line)["text"].casefold()
        for name in ("train.jsonl", "short.jsonl")
        for line in (bench / name).read_text("utf-8").splitlines()
        if line.strip()
    }
    probes = REPORTED_SHORT + UNSEEN_SHORT + UNSEEN_SHORT_ABUSE
    assert not [t for t in probes if t.casefold() in trained]


def test_scores_are_sigmoids_without_overflow() -> None:
    model = AbuseClassifier(np.full(DIM, 1000.0), 0.0)
    x = np.vstack([np.ones(DIM), -np.ones(DIM), np.zeros(DIM)])
    np.testing.assert_allclose(model.predict_embeddings(x), [1.0, 0.0, 0.5])
    with pytest.raises(ValueError, match="array"):
        model.predict_embeddings(np.ones(DIM))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not JSON"),
        ('{"format": "pickle"}', "not a veche-abuse-logreg/1"),
        (
            '{"format": "veche-abuse-logreg/1", "embedding": {"model": "bert", "prefix": ""}}',
            "other embeddings",
        ),
    ],
)
def test_bad_model_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, "utf-8")
    with pytest.raises(ValueError, match=message):
        AbuseClassifier.load(path)


def test_wrong_sizes_and_missing_files_are_refused(tiny: AbuseClassifier, tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    tiny.save(path)
    doc = json.loads(path.read_text("utf-8"))
    doc["coef"] = doc["coef"][:10]
    path.write_text(json.dumps(doc), "utf-8")
    with pytest.raises(ValueError, match="384 coefficients"):
        AbuseClassifier.load(path)
    with pytest.raises(FileNotFoundError, match="no abuse model"):
        AbuseClassifier.load(tmp_path / "absent.json")


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("text", 2)], "label must be 0 or 1"),
        ([("", 1)], "non-empty"),
        ([("only", 1)] * 10 + [("two", 0)], "at least 5 rows of each class"),
    ],
)
def test_bad_training_rows_are_refused(rows: list[tuple[str, int]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AbuseClassifier.train(rows)


def test_a_long_comment_is_scored_by_its_worst_piece(tiny: AbuseClassifier) -> None:
    calm = " ".join(OK[:5])
    long = f"{calm} {ABUSIVE[0]} {calm} {calm}"
    pieces = split_long(long)
    assert len(pieces) > 1
    scores = tiny.predict([long, OK[0], *pieces])
    assert scores[0] == max(scores[2:])
    assert scores[1] == tiny.predict([OK[0]])[0]


def test_split_long_keeps_short_texts_whole_and_cuts_long_ones_at_sentences() -> None:
    assert split_long("Short comment. Two sentences.") == ["Short comment. Two sentences."]
    sentence = "This sentence is about forty characters."
    pieces = split_long(" ".join([sentence] * 30))
    assert all(len(p) <= PIECE_CHARS for p in pieces)
    assert all(p.endswith(".") for p in pieces)
    assert " ".join(pieces) == " ".join([sentence] * 30)
    word_soup = "x" * 1000 + " " + "y " * 2000
    assert all(len(p) <= PIECE_CHARS for p in split_long(word_soup))
    assert len(split_long("word " * 100_000)) == MAX_PIECES
