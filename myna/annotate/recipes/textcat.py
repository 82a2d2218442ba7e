"""Text-classification recipes: ``textcat.manual`` (pick the categories), ``textcat.correct``
(the same, with a model's guess already picked: any text classifier, ``zero-shot:A,B`` too) and
``textcat.teach`` (active learning: a yes/no question about the label the model is least sure
of, and the model updates from the answers every N of them)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from myna.annotate.recipes import AnswerError, CheckedAnswer, Recipe, answer_kind
from myna.annotate.store import StoredExample
from myna.core.errors import InputError

TEXTCAT_FACTORIES = ("textcat", "textcat_multilabel")


@dataclass
class ChoiceRecipe(Recipe):
    """One task per text; the options are the labels (single choice when exclusive)."""

    def task(self, example: StoredExample) -> dict[str, Any]:
        cats = example.extra.get("cats") or {}
        return {"id": example.id, "text": example.text,
                "options": [{"id": lab, "text": lab} for lab in self.labels],
                "accept": [lab for lab, v in cats.items() if v >= 0.5 and lab in self.labels],
                "meta": example.extra.get("meta", {}),
                "versions": example.extra.get("versions")}

    def check(self, example: StoredExample, payload: dict[str, Any]) -> CheckedAnswer:
        answer = answer_kind(payload)
        chosen = payload.get("accept") or []
        if not isinstance(chosen, list) or not all(isinstance(c, str) for c in chosen):
            raise AnswerError("field 'accept' must be a list of labels")
        unknown = [c for c in chosen if c not in self.labels]
        if unknown:
            raise AnswerError(f"unknown label(s) {', '.join(map(repr, unknown))}; labels: "
                              f"{', '.join(self.labels)}", where="accept")
        if answer == "accept" and self.exclusive and len(set(chosen)) != 1:
            raise AnswerError(f"pick exactly one label (got {len(set(chosen))}): the "
                              "categories are exclusive", where="accept")
        cats = {lab: float(lab in chosen) for lab in self.labels}
        return CheckedAnswer(answer=answer, cats=cats if answer == "accept" else {})


def textcat_manual(labels: list[str], exclusive: bool, overlap: bool = True) -> ChoiceRecipe:
    if len(labels) < (2 if exclusive else 1):
        raise InputError("textcat.manual needs --label with the categories "
                         "(two or more when --exclusive)")
    return ChoiceRecipe(name="textcat.manual", kind="textcat", view="choice", labels=labels,
                        exclusive=exclusive, overlap=overlap)


@dataclass
class CorrectRecipe(ChoiceRecipe):
    """A choice task whose options come picked as the model guesses (its score shown)."""

    predictor: Any = None

    def task(self, example: StoredExample) -> dict[str, Any]:
        out = super().task(example)
        if not out["accept"]:  # nothing stored yet: the model's guess
            cats = self.predictor.predict([example.text], "textcat")[0]["cats"]
            if self.exclusive:
                best = max(self.labels, key=lambda lab: cats.get(lab, 0.0))
                out["accept"] = [best]
            else:
                out["accept"] = [lab for lab in self.labels if cats.get(lab, 0.0) >= 0.5]
            ranked = sorted(self.labels, key=lambda lab: -cats.get(lab, 0.0))[:3]
            out["meta"] = {**out["meta"], "model": ", ".join(
                f"{lab} {cats.get(lab, 0.0):.2f}" for lab in ranked)}
        return out


def textcat_correct(model: str, labels: list[str], exclusive: bool,
                    overlap: bool = True) -> CorrectRecipe:
    """``model``: any text classifier reference (a trained pipeline, a Hugging Face
    classifier, ``zero-shot:World,Sports,…``); ``labels`` default to the model's."""
    from myna.models import load
    from myna.tasks import Predictor

    predictor = Predictor(load(model))
    predictor.check_task("textcat")
    known = predictor.labels.get("textcat", [])
    labels = labels or known
    missing = [lab for lab in labels if lab not in known]
    if missing:
        raise InputError(f"the model has no label(s) {', '.join(missing)} (it has "
                         f"{', '.join(known)})", where=model)
    if len(labels) < 2:
        raise InputError("textcat.correct needs two or more categories")
    return CorrectRecipe(name="textcat.correct", kind="textcat", view="choice", labels=labels,
                         exclusive=exclusive, overlap=overlap, predictor=predictor)


@dataclass
class TeachRecipe(Recipe):
    """Asks "is this text LABEL?"; prefers the texts whose scores are closest to a tie."""

    nlp: Any = None
    pipe: str = "textcat"
    trainable: list[str] = field(default_factory=list)
    update_every: int = 10
    updates: int = 0  # model updates so far
    _batch: list[Any] = field(default_factory=list)
    _scores: dict[int, tuple[int, str, float, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _optimizer: Any = None

    def _score(self, examples: list[StoredExample]) -> None:
        todo = [ex for ex in examples
                if ex.id not in self._scores or self._scores[ex.id][0] != self.updates]
        docs = self.nlp.pipe([ex.text for ex in todo])
        for ex, doc in zip(todo, docs, strict=True):
            cats = {lab: float(doc.cats.get(lab, 0.0)) for lab in self.labels}
            self._scores[ex.id] = (self.updates, *_question(cats, self.exclusive))

    def choose(self, candidates: list[StoredExample]) -> StoredExample:
        with self._lock:
            self._score(candidates)
            return max(candidates, key=lambda ex: self._scores[ex.id][3])

    def task(self, example: StoredExample) -> dict[str, Any]:
        with self._lock:
            self._score([example])
            _, label, score, _ = self._scores.pop(example.id)
        return {"id": example.id, "text": example.text, "label": label,
                "score": round(score, 4), "meta": example.extra.get("meta", {})}

    def check(self, example: StoredExample, payload: dict[str, Any]) -> CheckedAnswer:
        answer = answer_kind(payload)
        label = payload.get("label")
        if label not in self.labels:
            raise AnswerError(f"field 'label' must be one of {', '.join(self.labels)}",
                              where="label")
        if answer == "accept" and self.exclusive:
            cats = {lab: float(lab == label) for lab in self.labels}
        else:
            cats = {label: float(answer == "accept")}
        return CheckedAnswer(answer=answer, cats=cats if answer != "ignore" else {},
                             label=label)

    def learn(self, example: StoredExample, answer: CheckedAnswer) -> None:
        if answer.answer == "ignore":
            return
        from spacy.training import Example as SpacyExample

        with self._lock:
            doc = self.nlp.make_doc(example.text)
            self._batch.append(SpacyExample.from_dict(doc, {"cats": answer.cats}))
            if len(self._batch) < self.update_every:
                return
            if self._optimizer is None:
                self._optimizer = self.nlp.create_optimizer()
            with self.nlp.select_pipes(enable=self.trainable):
                self.nlp.update(self._batch, sgd=self._optimizer)
            self._batch = []
            self.updates += 1
            self._scores.clear()  # every cached score is from the old model

    def config(self) -> dict[str, Any]:
        return {**super().config(), "update_every": self.update_every}


def _question(cats: dict[str, float], exclusive: bool) -> tuple[str, float, float]:
    """The label to ask about, its score, and how uncertain the model is (higher: less sure).
    Exclusive: the top label, uncertainty 1 - (top - runner-up). Multi-label: the label whose
    score is nearest 0.5."""
    if exclusive:
        ranked = sorted(cats.items(), key=lambda kv: -kv[1])
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        return ranked[0][0], ranked[0][1], 1.0 - (ranked[0][1] - second)
    label = min(cats, key=lambda lab: abs(cats[lab] - 0.5))
    return label, cats[label], 1.0 - abs(2 * cats[label] - 1)


def load_teach_model(model: str, labels: list[str], exclusive: bool):
    """The model's classifier (and what it listens to) only; a classifier with the labels is
    added when the pipeline has none, e.g. ``en_core_web_sm``."""
    import spacy
    from spacy.training import Example as SpacyExample

    from myna.models import spacy_location
    from myna.text.pipelines import with_embedding_layers

    nlp = spacy.load(spacy_location(model))
    names = [n for n in nlp.pipe_names if nlp.get_pipe_meta(n).factory in TEXTCAT_FACTORIES]
    keep = with_embedding_layers(nlp, names[:1]) if names else []
    for name in reversed(nlp.pipe_names):
        if name not in keep:
            nlp.remove_pipe(name)
    if names:
        pipe_name = names[0]
        known = list(nlp.get_pipe(pipe_name).labels)  # type: ignore[attr-defined]
        missing = [lab for lab in labels if lab not in known]
        if missing:
            raise InputError(f"the model's classifier has no label(s) {', '.join(missing)} "
                             f"(it has {', '.join(known)})", where=model)
        exclusive = nlp.get_pipe_meta(pipe_name).factory == "textcat"
        return nlp, pipe_name, keep, labels or known, exclusive
    if len(labels) < 2:
        raise InputError(f"model {model!r} has no text classifier; pass --label with two or "
                         "more categories and one is added")
    pipe_name = "textcat" if exclusive else "textcat_multilabel"
    pipe = nlp.add_pipe(pipe_name)
    sample = [SpacyExample.from_dict(nlp.make_doc("example"),
                                     {"cats": {lab: float(i == 0) for i, lab in
                                               enumerate(labels)}})]
    pipe.initialize(lambda: sample, nlp=nlp, labels=labels)  # type: ignore[attr-defined]
    return nlp, pipe_name, [pipe_name], labels, exclusive


def textcat_teach(model: str, labels: list[str], exclusive: bool, update_every: int = 10,
                  window: int = 32, overlap: bool = True) -> TeachRecipe:
    if update_every < 1 or window < 1:
        raise InputError("--update-every and --window must be at least 1")
    nlp, pipe, trainable, labels, exclusive = load_teach_model(model, labels, exclusive)
    return TeachRecipe(name="textcat.teach", kind="textcat", view="classification",
                       labels=labels, exclusive=exclusive, overlap=overlap, window=window,
                       nlp=nlp, pipe=pipe, trainable=trainable, update_every=update_every)
