"""`myna serve --monitor` and `--review-below`: the drift window's figures reach /metrics and
/monitor, and exactly the answers under the threshold reach the annotation queue, with the
model's guess pre-filled, and stay there across a restart."""

from __future__ import annotations

import httpx
import pytest
from conftest import serving
from news_stream import news

from myna.cli.serve import drift_watch, review_writer
from myna.serve.app import build_app
from myna.serve.holder import ModelHolder, load_predictor
from myna.serve.settings import ServeSettings

pytestmark = pytest.mark.slow  # trains the session's classifier, runs MiniLM


@pytest.fixture(scope="module")
def profiled_model(textcat_pipeline, tmp_path_factory):
    """A copy of the session's classifier with a reference profile inside, as training
    leaves one."""
    import shutil

    from myna.models import load
    from myna.monitor.profile import build_profile

    model = tmp_path_factory.mktemp("watched") / "model"
    shutil.copytree(textcat_pipeline, model)
    build_profile(load(str(model)), news(1000, seed=1), "news").save(
        model / "reference_profile")
    return model


def test_the_drift_window_flags_a_sports_only_stream_on_metrics(profiled_model):
    loaded = load_predictor(str(profiled_model))
    # alpha 0.01: one check on i.i.d. text raises a false alarm with probability alpha
    make = drift_watch(str(profiled_model), None, loaded.predictor.tasks, 200, 3600, 0.01)
    made = []
    app = build_app(ModelHolder(loaded), ServeSettings(),
                    observers=[lambda metrics: made.append(make(metrics)) or made[-1]])
    with serving(app) as url, httpx.Client(base_url=url, timeout=60) as http:
        assert http.get("/monitor").json()["last"] is None
        for text in news(150, seed=11):
            assert http.post("/v1/classify", json={"text": text}).status_code == 200
        watcher = made[0]  # checks now rather than on its hourly timer
        assert watcher.check_now()["drift"] is False
        metrics = http.get("/metrics").text
        assert "myna_drift 0.0" in metrics and "myna_drift_window_texts 150.0" in metrics
        http.post("/v1/classify", json={"texts": news(200, seed=12, topics=("Sports",))})
        summary = watcher.check_now()
        assert summary["drift"] is True and summary["window"] == 200
        assert "myna_drift 1.0" in http.get("/metrics").text
        assert 'myna_drift_p_value{check="embeddings (MMD)"}' in http.get("/metrics").text
        assert http.get("/monitor").json()["last"]["drift"] is True


def test_unsure_answers_are_queued_for_review_and_survive_a_restart(profiled_model):
    from myna.annotate.database import open_store
    from myna.annotate.recipes.textcat import textcat_manual

    texts = news(40, seed=21) + ["Quarterly goal", "The weather was mild"]
    loaded = load_predictor(str(profiled_model))
    answers = loaded.predictor.predict(texts, "textcat")
    unsure = {t: a for t, a in zip(texts, answers, strict=True) if a["score"] < 0.8}
    assert 0 < len(unsure) < len(texts)  # the threshold splits them

    def serve_once(batch: list[str]) -> None:
        writer = review_writer("to-review", 0.8, None, loaded)
        app = build_app(ModelHolder(loaded), ServeSettings(), observers=[writer])
        with serving(app) as url, httpx.Client(base_url=url, timeout=60) as http:
            for text in batch:
                assert http.post("/v1/classify", json={"text": text}).status_code == 200

    serve_once(texts[:20])
    serve_once(texts[20:] + texts[:5])  # a restarted server; a repeated text is queued once
    store = open_store()
    dataset = store.dataset("to-review")
    assert dataset.kind == "textcat" and set(dataset.labels) == {"Business", "Sports"}
    recipe = textcat_manual(dataset.labels, exclusive=True)
    queued = store.unserved(dataset, "alice", overlap=True, limit=100)
    assert sorted(e.text for e in queued) == sorted(unsure)
    for example in queued:
        task = recipe.task(example)
        assert task["accept"] == [unsure[example.text]["label"]]  # the guess, pre-filled
        assert task["meta"]["confidence"] == pytest.approx(unsure[example.text]["score"],
                                                           abs=1e-4)


def test_review_refuses_a_task_without_confidences_and_a_bad_threshold():
    from myna.annotate.review_queue import ReviewQueue
    from myna.core.errors import InputError
    from myna.tasks import get_task

    with pytest.raises(InputError, match="no single confidence"):
        ReviewQueue("d", 0.5, get_task("ner"), [], "m")
    with pytest.raises(InputError, match="--review-below"):
        ReviewQueue("d", 1.5, get_task("textcat"), [], "m")
