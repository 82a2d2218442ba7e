"""NER recipes: ``ner.manual`` (highlight spans; patterns pre-highlight) and ``ner.correct``
(the model's entities pre-filled). Tokens come from the pipeline's own tokenizer, and an
answer's spans must fall on those tokens, so every stored span aligns for training."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from myna.annotate.recipes import (
    AnswerError,
    CheckedAnswer,
    Recipe,
    answer_kind,
    whole_number,
)
from myna.annotate.store import StoredExample
from myna.core.errors import InputError


def load_tokenizer_pipeline(model: str | None):
    """The pipeline's tokenizer only (no trained components): the model name, or the
    default pipeline, whose tokenizer `myna train` uses."""
    import spacy

    from myna.models import spacy_location

    return spacy.load(spacy_location(model), exclude=["tok2vec", "tagger", "parser",
                                                     "attribute_ruler", "lemmatizer", "ner",
                                                     "senter", "textcat",
                                                     "textcat_multilabel", "transformer"])


def read_patterns(path: Path, labels: list[str]) -> list[dict[str, Any]]:
    """spaCy EntityRuler patterns (JSONL: ``{"label": ..., "pattern": "text" | [tokens]}``)."""
    from myna.data.formats import existing_file

    patterns = []
    with open(existing_file(path), encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                item = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(f"not valid JSON ({err.msg})", where=where) from None
            if not isinstance(item, dict) or "label" not in item or "pattern" not in item:
                raise InputError("a pattern needs 'label' and 'pattern'", where=where)
            if not isinstance(item["pattern"], str | list):
                raise InputError("'pattern' must be a string or a list of token patterns",
                                 where=where)
            if labels and item["label"] not in labels:
                raise InputError(f"label {item['label']!r} is not one of --label "
                                 f"({', '.join(labels)})", where=where)
            patterns.append({"label": item["label"], "pattern": item["pattern"]})
    return patterns


def doc_tokens(doc) -> list[dict[str, Any]]:
    return [{"i": t.i, "text": t.text, "start": t.idx, "end": t.idx + len(t.text),
             "ws": bool(t.whitespace_)} for t in doc]


@dataclass
class NerRecipe(Recipe):
    nlp: Any = None  # tokenizer pipeline (manual, plus an entity ruler) or a full one (correct)
    predict: bool = False  # run the pipeline's NER to pre-fill spans
    source_of_spans: str = ""  # what pre-filled spans came from: pattern | model

    def _doc(self, text: str):
        return self.nlp(text) if self.predict or "entity_ruler" in self.nlp.pipe_names \
            else self.nlp.make_doc(text)

    def task(self, example: StoredExample) -> dict[str, Any]:
        doc = self._doc(example.text)
        spans = example.extra.get("spans")
        if spans is None:
            spans = [{"start": e.start_char, "end": e.end_char, "label": e.label_,
                      "source": self.source_of_spans}
                     for e in doc.ents if e.label_ in self.labels]
        return {"id": example.id, "text": example.text, "tokens": doc_tokens(doc),
                "spans": spans, "meta": example.extra.get("meta", {}),
                "versions": example.extra.get("versions")}

    def check(self, example: StoredExample, payload: dict[str, Any]) -> CheckedAnswer:
        answer = answer_kind(payload)
        raw = payload.get("spans") or []
        if not isinstance(raw, list):
            raise AnswerError("field 'spans' must be a list")
        doc = self.nlp.make_doc(example.text)
        starts = {t.idx for t in doc}
        ends = {t.idx + len(t.text) for t in doc}
        spans: list[dict[str, Any]] = []
        for n, s in enumerate(raw):
            where = f"spans[{n}]"
            if not isinstance(s, dict) or not {"start", "end", "label"} <= s.keys() \
                    or not isinstance(s["label"], str):
                raise AnswerError("a span needs integer 'start', 'end' and a 'label'",
                                  where=where)
            start = whole_number(s["start"], f"{where}.start", len(example.text))
            end = whole_number(s["end"], f"{where}.end", len(example.text))
            label = s["label"]
            if label not in self.labels:
                raise AnswerError(f"unknown label {label!r}; labels: {', '.join(self.labels)}",
                                  where=where)
            if start not in starts or end not in ends or end <= start:
                raise AnswerError(f"span {start}-{end} does not fall on token boundaries",
                                  where=where)
            spans.append({"start": start, "end": end, "label": label})
        spans.sort(key=lambda s: s["start"])
        for prev, cur in zip(spans, spans[1:], strict=False):
            if cur["start"] < prev["end"]:
                raise AnswerError(f"spans {prev['start']}-{prev['end']} and "
                                  f"{cur['start']}-{cur['end']} overlap")
        return CheckedAnswer(answer=answer, spans=spans)


def ner_manual(labels: list[str], model: str | None = None, patterns: Path | None = None,
               overlap: bool = True) -> NerRecipe:
    if not labels:
        raise InputError("ner.manual needs --label (e.g. --label ORG,PERSON,GPE,TICKER)")
    nlp = load_tokenizer_pipeline(model)
    if patterns is not None:
        ruler = nlp.add_pipe("entity_ruler")
        ruler.add_patterns(read_patterns(patterns, labels))
    return NerRecipe(name="ner.manual", kind="ner", view="ner", labels=labels, nlp=nlp,
                     overlap=overlap, source_of_spans="pattern")


def ner_correct(model: str, labels: list[str], overlap: bool = True) -> NerRecipe:
    from myna.models import spacy_location
    from myna.text.pipelines import load_pipeline

    nlp = load_pipeline(spacy_location(model), frozenset({"ner"}))
    if "ner" not in nlp.pipe_names:
        raise InputError(f"model {model!r} has no entity recognizer (ner component)")
    known = list(nlp.get_pipe("ner").labels)  # type: ignore[attr-defined]
    return NerRecipe(name="ner.correct", kind="ner", view="ner", labels=labels or known,
                     nlp=nlp, predict=True, overlap=overlap, source_of_spans="model")
