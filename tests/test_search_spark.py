"""`myna index build --engine spark`: the batch engine's `embed` task on Spark (local mode)
gives the index the local build gives (same ids in input order, same vectors, same hits), and a
bad column or a row without text stops it with a clear error and no index."""

from __future__ import annotations

import numpy as np
import pytest
from test_search import CORPUS, MORE, hits, write

from myna.search.store import IndexStore

pytestmark = pytest.mark.slow  # starts Spark


def _vectors(store: IndexStore) -> np.ndarray:
    return np.vstack([np.asarray(s.vectors) for s in store.segments])


def test_a_spark_build_is_the_local_build(myna, tmp_path):
    corpus = write(tmp_path / "corpus.csv", CORPUS + MORE)
    local, spark = tmp_path / "local", tmp_path / "spark"
    r = myna("index", "build", corpus, "--meta-columns", "category", "--out", local)
    assert r.code == 0, r.err
    r = myna("index", "build", corpus, "--meta-columns", "category", "--out", spark,
             "--engine", "spark", "--master", "local[2]", "--partitions", "3")
    assert r.code == 0, r.err
    a, b = IndexStore.open(local), IndexStore.open(spark)
    rows = [s.rows.to_pylist() for s in (a.segments[0], b.segments[0])]
    assert rows[0] == rows[1]  # ids are row numbers in input order, despite 3 partitions
    assert [r["id"] for r in rows[1]] == [str(n) for n in range(1, 8)]
    assert np.allclose(_vectors(a), _vectors(b), atol=1e-5)
    assert b.build["embedded_on"] == "spark (local[2])"
    assert b.encoder["checksum"] == a.encoder["checksum"]
    for query in ("football match result", "interest rates"):
        assert ([h["id"] for h in hits(myna, spark, query, "-k", "3")]
                == [h["id"] for h in hits(myna, local, query, "-k", "3")])
    assert not list(tmp_path.glob(".myna-embed-*"))  # the embeddings' folder is gone


def test_spark_build_errors_name_the_column_or_row(myna, tmp_path):
    corpus = write(tmp_path / "corpus.csv", CORPUS)
    out = tmp_path / "idx"
    r = myna("index", "build", corpus, "--meta-columns", "colour", "--out", out,
             "--engine", "spark", "--master", "local[1]")
    assert r.code == 1 and "no column 'colour'" in r.err
    gap = write(tmp_path / "gap.csv", [*CORPUS[:2], ("x", " ", "Sports")])
    r = myna("index", "build", gap, "--out", out, "--engine", "spark", "--master", "local[1]")
    assert r.code == 1 and "row 3" in r.err and "no text in column 'text'" in r.err
    assert not out.exists() and not list(tmp_path.glob(".myna-embed-*"))
    r = myna("index", "build", corpus, "--out", out, "--master", "local[1]")
    assert r.code == 1 and "--master and --partitions are for --engine spark" in r.err
