import os

import pyarrow.parquet as pq

from myna.annotate.database import open_store


def test_demo_runs_the_whole_workflow(myna):
    r = myna("demo")
    assert r.code == 0, r.err
    assert "Entities" in r.out
    apple = next(line for line in r.out.splitlines() if "Apple" in line)
    assert "ORG" in apple and "AAPL" in apple
    assert "linked to the KB" in r.out
    # 2. bootstrapped TICKER annotations live in the annotation store
    store = open_store()
    ds = store.dataset("demo_tickers")
    assert store.counts(ds)["answered"] == 22 and store.label_counts(ds)["TICKER"] >= 22
    # 3-5. both models trained, compared and registered
    assert "Base vs custom on held-out texts" in r.out
    ticker_row = next(line for line in r.out.splitlines() if line.startswith("│ TICKER   │"))
    assert "–" in ticker_row  # the base model has no TICKER label
    assert "models:/demo-ner@production" in r.out and "models:/demo-textcat@production" in r.out
    # 6. the registered custom model, served, tags the ticker
    assert "POST /v1/ner" in r.out and "ORCL (TICKER)" in r.out
    # 7. the batch run over the whole sample
    assert "36 rows, 0 failed" in r.out
    out = pq.read_table(os.path.join(os.environ["MYNA_HOME"], "demo",
                                     "sample_news.ner.parquet"))
    assert out.num_rows == 36 and {"id", "category", "entities", "error"} <= set(out.schema.names)
    assert "make app" in r.out
