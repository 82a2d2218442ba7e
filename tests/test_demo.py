import os

import pyarrow.parquet as pq


def test_demo_prints_linked_entity_table(myna):
    r = myna("demo")
    assert r.code == 0, r.err
    assert "Entities" in r.out
    apple = next(line for line in r.out.splitlines() if "Apple" in line)
    assert "ORG" in apple and "AAPL" in apple
    assert "linked to the KB" in r.out
    assert "models:/demo-ner@production" in r.out and "POST /v1/ner" in r.out
    assert "36 rows, 0 failed" in r.out  # step 3: the batch run over the whole sample
    out = pq.read_table(os.path.join(os.environ["MYNA_HOME"], "demo",
                                     "sample_news.ner.parquet"))
    assert out.num_rows == 36 and {"id", "category", "entities", "error"} <= set(out.schema.names)
