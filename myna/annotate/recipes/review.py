"""``review``: the answers of several annotators (sessions of one dataset, or several
datasets) side by side; the reviewer picks or edits the final answer into an output dataset.
Texts where every annotator agreed go to the output as they are (session ``review-auto``)
unless ``--all`` asks to see them too."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from myna.annotate.recipes import Recipe
from myna.annotate.store import Answer, Dataset, ImportRow, Store
from myna.core.errors import InputError

AUTO_SESSION = "review-auto"


def _signature(a: Answer) -> str:
    spans = sorted((s["start"], s["end"], s["label"]) for s in a.spans)
    cats = sorted(lab for lab, v in a.cats.items() if v >= 0.5)
    return json.dumps([a.answer, a.label, spans, cats])


def collect_versions(store: Store, names: list[str]) -> tuple[Dataset, list[dict[str, Any]]]:
    """Per text: the distinct answers given, each with who gave it, most common first."""
    inputs = [store.dataset(n) for n in names]
    kinds = {d.kind for d in inputs}
    if len(kinds) > 1:
        raise InputError(f"the input datasets hold different kinds ({', '.join(kinds)})")
    texts: dict[str, str] = {}
    versions: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for ds in inputs:
        latest: dict[tuple[str, str], Answer] = {}
        for a in store.answers(ds):
            latest[(a.session, a.input_hash)] = a
        for (session, h), a in latest.items():
            if a.answer == "ignore":
                continue
            texts[h] = a.text
            who = session if len(inputs) == 1 else f"{ds.name}/{session}"
            v = versions[h].setdefault(_signature(a), {
                "answer": a.answer, "label": a.label, "spans": a.spans, "cats": a.cats,
                "sessions": []})
            v["sessions"].append(who)
    items = []
    for h, vs in versions.items():
        ordered = sorted(vs.values(), key=lambda v: -len(v["sessions"]))
        items.append({"text": texts[h], "versions": ordered})
    return inputs[0], items


def prepare_review(store: Store, output: str, names: list[str], show_all: bool,
                   ) -> tuple[Dataset, int, int]:
    """Fill the output dataset; returns it, the texts to review, and those auto-accepted."""
    if output in names:
        raise InputError("the review's output dataset must not be one of its inputs")
    first, items = collect_versions(store, names)
    labels = list(dict.fromkeys(lab for n in names for lab in store.dataset(n).labels))
    out = store.ensure_dataset(output, first.kind, labels, first.exclusive)
    rows, auto = [], 0
    for item in items:
        top = item["versions"][0]
        agreed = len(item["versions"]) == 1
        if agreed and not show_all:
            auto += 1
            rows.append(ImportRow(text=item["text"], answer=top["answer"],
                                  session=AUTO_SESSION, spans=top["spans"],
                                  cats=top["cats"], label=top["label"]))
        else:
            rows.append(ImportRow(text=item["text"], extra={
                "versions": item["versions"], "spans": top["spans"], "cats": top["cats"]}))
    store.import_rows(out, rows)
    return out, len(items) - auto, auto


def review_recipe(ds: Dataset, model: str | None) -> Recipe:
    """The editor for the final answer: the NER or choice view, pre-filled with the most
    common version; every version is listed beside it."""
    if ds.kind == "ner":
        from myna.annotate.recipes.ner import NerRecipe, load_tokenizer_pipeline

        return NerRecipe(name="review", kind="ner", view="ner", labels=ds.labels,
                         nlp=load_tokenizer_pipeline(model), overlap=False)
    from myna.annotate.recipes.textcat import ChoiceRecipe

    return ChoiceRecipe(name="review", kind="textcat", view="choice", labels=ds.labels,
                        exclusive=ds.exclusive, overlap=False)
