"""Search quality on real text: each `ag_news/dev.csv` description is a query against an index
of the `ag_news/train.csv` descriptions; precision@10 is the share of the 10 hits in the
query's own category. MiniLM (exact and the approximate engine) against TF-IDF
(scikit-learn, cosine), in the same run.

    .venv/bin/python bench/search_quality.py

The train embeddings are cached in bench/out/ag_train_minilm.npy (the 1M benchmark reuses them).
"""

from __future__ import annotations

import csv
import time

import numpy as np
from common import OUT, machine, require_shared, today, write_section


def read(name: str, column: str = "description") -> tuple[list[str], list[str]]:
    with open(require_shared("ag_news", name), newline="", encoding="utf-8") as f:
        rows = [(r[column], r["class_index"]) for r in csv.DictReader(f)]
    return [t for t, _ in rows], [c for _, c in rows]


def precision_at_10(top: np.ndarray, train_y: np.ndarray, dev_y: np.ndarray) -> float:
    return float((train_y[top] == dev_y[:, None]).mean())


def main() -> None:
    import myna
    from myna.search import ann
    from myna.search.store import normalised

    train, train_y = read("train.csv")
    dev, dev_y = read("dev.csv")
    ty, dy = np.array(train_y), np.array(dev_y)
    encoder = myna.load(None, kind="sentence-transformers")
    cache = OUT / "ag_train_minilm.npy"
    t0 = time.perf_counter()
    cached = cache.exists()
    if cached:
        train_v = np.load(cache)
    else:
        train_v = normalised(encoder.encode(train))
        OUT.mkdir(parents=True, exist_ok=True)
        np.save(cache, train_v)
    embed_s = time.perf_counter() - t0
    dev_v = normalised(encoder.encode(dev))
    exact = np.vstack([np.argsort(-(dev_v[i:i + 500] @ train_v.T), axis=1)[:, :10]
                       for i in range(0, len(dev), 500)])
    t0 = time.perf_counter()
    graph = ann.build(train_v)
    build_s = time.perf_counter() - t0
    approx = ann.search(graph, dev_v, 10, np.ones(len(train_v), dtype=bool))[1]
    from sklearn.feature_extraction.text import TfidfVectorizer

    tfidf = TfidfVectorizer(sublinear_tf=True, min_df=2)
    train_t = tfidf.fit_transform(train)
    dev_t = tfidf.transform(dev)
    lexical = np.vstack([np.argsort(-(dev_t[i:i + 500] @ train_t.T).toarray(), axis=1)[:, :10]
                         for i in range(0, len(dev), 500)])
    rows = [("MiniLM, exact", precision_at_10(exact, ty, dy)),
            ("MiniLM, approximate (FAISS HNSW, efSearch 64)", precision_at_10(approx, ty, dy)),
            ("TF-IDF (scikit-learn, sublinear tf, min_df 2), exact", precision_at_10(lexical, ty,
                                                                                    dy))]
    overlap = float(np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact,
                                                                       strict=True)]))
    table = "\n".join(f"| {name} | {p:.3f} |" for name, p in rows)
    body = f"""### Search quality: AG News dev queries against train, precision@10

Command: `.venv/bin/python bench/search_quality.py`
Date: {today()} · Machine: {machine()} · one run

Index: the {len(train):,} `ag_news/train.csv` descriptions; queries: the {len(dev):,}
`dev.csv` descriptions; a hit is relevant when it has the query's category.

| search | precision@10 |
|---|---:|
{table}

The approximate engine finds {overlap:.3f} of the exact top 10 (recall@10) on these queries.
Embedding the train texts took {embed_s:.0f} s ({"read from the cache" if cached else "MiniLM, uncached"}); building the HNSW graph
{build_s:.1f} s.
"""
    write_section("search-quality-ag-news", body)
    print(body)


if __name__ == "__main__":
    main()
