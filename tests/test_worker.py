"""The embedding worker: batches what waits, never blocks a submitter, survives failures."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence

import pytest

from veche.moderation.embedding import AbuseClassifier, Embedder, Matrix, default_embedder
from veche.moderation.worker import EmbeddingWorker

ABUSIVE = [
    "You are a worthless idiot.",
    "Shut up, you pathetic moron.",
    "People like you are vermin.",
    "What a disgusting brainless pig.",
]
OK = [
    "Thank you for the article.",
    "I disagree with the minister's plan.",
    "The internet was down for two days.",
    "Prices rose again this month.",
]


class FlakyEmbedder(Embedder):
    """The real embedder, except that a batch containing "boom" fails."""

    def __init__(self, real: Embedder) -> None:
        self.real = real

    def __call__(self, texts: Sequence[str]) -> Matrix:
        if "boom" in texts:
            raise RuntimeError("engine failure")
        return self.real(texts)


@pytest.fixture(scope="module")
def classifier() -> AbuseClassifier:
    rows = [(t, 1) for t in ABUSIVE] + [(t, 0) for t in OK]
    return AbuseClassifier.train(rows, folds=2)


class Collector:
    """on_scored for tests: records batches, sets an event once `expect` results arrived."""

    def __init__(self, expect: int, fail_first: bool = False) -> None:
        self.batches: list[list[tuple[int, float]]] = []
        self.expect = expect
        self.fail_first = fail_first
        self.done = threading.Event()
        self.first = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, results: list[tuple[int, float]]) -> None:
        with self._lock:
            self.batches.append(results)
            self.first.set()
            if sum(map(len, self.batches)) >= self.expect:
                self.done.set()
            if self.fail_first and len(self.batches) == 1:
                raise RuntimeError("database is down")

    @property
    def scores(self) -> dict[int, float]:
        return {cid: s for batch in self.batches for cid, s in batch}


@pytest.fixture
def workers() -> Iterator[list[EmbeddingWorker]]:
    started: list[EmbeddingWorker] = []
    yield started
    for w in started:
        w.stop(timeout=10)


def test_jobs_that_waited_are_scored_in_batches(
    classifier: AbuseClassifier, workers: list[EmbeddingWorker]
) -> None:
    texts = (ABUSIVE + OK) * 5  # 40 jobs
    got = Collector(expect=len(texts))
    worker = EmbeddingWorker(classifier, got, batch_size=16)
    workers.append(worker)
    assert all(worker.submit(i, t) for i, t in enumerate(texts))
    worker.start()
    assert got.done.wait(30)
    assert [len(b) for b in got.batches] == [16, 16, 8]
    assert sorted(got.scores) == list(range(40))
    for i, text in enumerate(texts):
        assert (got.scores[i] > 0.5) == (text in ABUSIVE), (text, got.scores[i])
    assert got.scores == dict(zip(range(40), classifier.predict(texts), strict=True))


def test_submit_never_blocks_and_says_when_the_queue_is_full(
    classifier: AbuseClassifier,
) -> None:
    worker = EmbeddingWorker(classifier, Collector(expect=1), max_queue=2)
    assert [worker.submit(i, "text") for i in range(3)] == [True, True, False]
    assert worker.pending == 2
    assert worker.stop(drain=False) == 2  # never started: both dropped
    assert worker.submit(9, "late") is False


def test_a_failing_callback_is_logged_and_the_worker_goes_on(
    classifier: AbuseClassifier,
    workers: list[EmbeddingWorker],
    caplog: pytest.LogCaptureFixture,
) -> None:
    got = Collector(expect=2, fail_first=True)
    worker = EmbeddingWorker(classifier, got)
    workers.append(worker)
    worker.start()
    worker.submit(1, OK[0])
    assert got.first.wait(30)
    worker.submit(2, ABUSIVE[0])
    assert got.done.wait(30)
    assert set(got.scores) == {1, 2}
    assert worker.alive
    assert "storing abuse scores failed for comments [1]" in caplog.text


def test_a_failing_model_is_logged_and_the_worker_goes_on(
    classifier: AbuseClassifier,
    workers: list[EmbeddingWorker],
    caplog: pytest.LogCaptureFixture,
) -> None:
    flaky = AbuseClassifier(classifier.coef, classifier.intercept, classifier.meta)
    flaky.embedder = FlakyEmbedder(default_embedder())
    got = Collector(expect=1)
    worker = EmbeddingWorker(flaky, got, batch_size=1)
    workers.append(worker)
    with caplog.at_level(logging.ERROR, logger="veche.moderation.worker"):
        worker.submit(1, "boom")
        worker.submit(2, OK[1])
        worker.start()
        assert got.done.wait(30)
    assert [[cid for cid, _ in batch] for batch in got.batches] == [[2]]
    assert got.batches[0][0][1] == pytest.approx(classifier.predict([OK[1]])[0])
    assert "abuse scoring failed for comments [1]" in caplog.text


def test_stop_drains_what_is_queued(classifier: AbuseClassifier) -> None:
    got = Collector(expect=20)
    worker = EmbeddingWorker(classifier, got, batch_size=4)
    for i in range(20):
        worker.submit(i, OK[i % 4])
    worker.start()
    assert worker.stop(timeout=30) == 0
    assert not worker.alive
    assert sorted(got.scores) == list(range(20))


def test_bad_settings_are_refused(classifier: AbuseClassifier) -> None:
    with pytest.raises(ValueError, match="max_queue"):
        EmbeddingWorker(classifier, Collector(1), max_queue=0)
    with pytest.raises(ValueError, match="linger"):
        EmbeddingWorker(classifier, Collector(1), linger=-1)
