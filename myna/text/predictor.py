"""One loaded pipeline answering entity, category and analysis requests, in the Hugging Face
pipeline shape: preprocess (check the texts) → forward (``nlp.pipe`` with only the components
the task needs) → postprocess (plain records). The REST service, the MLflow flavor and batch
jobs all predict through it, so their outputs agree."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from spacy.language import Language
from spacy.tokens import Doc

from myna.data.cells import cell_to_text
from myna.errors import InputError
from myna.text.analyze import doc_to_example
from myna.text.features import FEATURES
from myna.text.models import needed_components, with_embedding_layers
from myna.text.records import analysis_row

if TYPE_CHECKING:
    from myna.text.linker import EntityLinker

TASKS = ("ner", "textcat", "analyze", "link")
TEXTCAT_PIPES = ("textcat", "textcat_multilabel")


def pipeline_tasks(nlp: Language) -> list[str]:
    """The tasks a pipeline can answer: ``ner`` needs entities, ``textcat`` a classifier,
    ``analyze`` works on any pipeline."""
    tasks = []
    if needed_components(nlp, frozenset({"ner"})):
        tasks.append("ner")
    if set(TEXTCAT_PIPES) & set(nlp.pipe_names):
        tasks.append("textcat")
    return [*tasks, "analyze"]


class Predictor:
    """``linker`` (a knowledge base) adds the ``link`` task: entities with ``kb_id``."""

    def __init__(self, nlp: Language, name: str = "model", batch_size: int = 64,
                 linker: EntityLinker | None = None):
        self.nlp = nlp
        self.name = name
        self.batch_size = batch_size
        self.linker = linker
        self.tasks = pipeline_tasks(nlp)
        if linker is not None and "ner" in self.tasks:
            self.tasks.insert(self.tasks.index("analyze"), "link")
        self.features = frozenset(f for f in FEATURES
                                  if f == "tokens" or needed_components(nlp, frozenset({f})))
        self._disabled = {
            "ner": self._not_needed(needed_components(nlp, frozenset({"ner"}))),
            "textcat": self._not_needed(with_embedding_layers(
                nlp, [p for p in nlp.pipe_names if p in TEXTCAT_PIPES])),
            "analyze": [],
        }
        self._disabled["link"] = self._disabled["ner"]

    def warm_up(self) -> None:
        """Run every task once, so lazy loading (encoders, KB vectors) happens before the
        first request."""
        if self.linker is not None:
            self.linker.prepare()
        for task in self.tasks:
            self.predict(["Warm-up text from Myna."], task)

    def _not_needed(self, keep: list[str]) -> list[str]:
        return [p for p in self.nlp.pipe_names if p not in keep]

    @property
    def default_task(self) -> str:
        return self.tasks[0]

    @property
    def max_length(self) -> int:
        """The longest text the pipeline runs (spaCy's ``nlp.max_length``)."""
        return self.nlp.max_length

    @property
    def labels(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        if "ner" in self.tasks and "ner" in self.nlp.pipe_names:
            out["ner"] = sorted(self.nlp.get_pipe("ner").labels)
        for name in TEXTCAT_PIPES:
            if name in self.nlp.pipe_names:
                out["textcat"] = sorted(self.nlp.get_pipe(name).labels)
        return out

    def check_task(self, task: str | None) -> str:
        task = task or self.default_task
        if task not in TASKS:
            raise InputError(f"unknown task {task!r}; one of {', '.join(TASKS)}")
        if task not in self.tasks:
            raise InputError(f"model {self.name!r} cannot do {task!r} (it can do "
                             f"{', '.join(self.tasks)})")
        return task

    def preprocess(self, texts: Sequence[Any]) -> tuple[list[str], list[str | None]]:
        """The texts to run and, per text, why it cannot be run (or None). Null cells become
        empty texts; other non-text values and texts over the pipeline's ``max_length`` are
        errors naming their position; their slot is run as an empty text."""
        out: list[str] = []
        errors: list[str | None] = []
        for i, value in enumerate(texts):
            try:
                text = checked_text(value, f"text #{i}", self.nlp.max_length)
            except InputError as err:
                out.append("")
                errors.append(str(err))
            else:
                out.append(text)
                errors.append(None)
        return out, errors

    def forward(self, texts: list[str], task: str) -> list[Doc]:
        return list(self.nlp.pipe(texts, batch_size=self.batch_size,
                                  disable=self._disabled[task]))

    def postprocess(self, docs: list[Doc], task: str) -> list[dict[str, Any]]:
        if task == "ner":
            return [{"entities": [_entity(e) for e in doc.ents]} for doc in docs]
        if task == "link":
            examples = [doc_to_example(doc, frozenset({"ner"})) for doc in docs]
            return [{"entities": [{**e, "kb_id": e.get("kb_id")} for e in ex.entities()]}
                    for ex in self.linker.link(examples)]
        if task == "textcat":
            return [_categories(doc.cats) for doc in docs]
        return [analysis_row(doc_to_example(doc, self.features), self.features)
                for doc in docs]

    def predict(self, texts: Sequence[Any], task: str | None = None,
                errors: str = "raise") -> list[dict[str, Any]]:
        """``errors="raise"``: the first bad text raises `InputError`; ``"row"``: every record
        gets an ``error`` field (None, or why that text was not run) and the rest go on."""
        task = self.check_task(task)
        ready, problems = self.preprocess(texts)
        first = next((p for p in problems if p), None)
        if errors == "raise" and first:
            raise InputError(first)
        rows = self.postprocess(self.forward(ready, task), task)
        if errors == "row":
            for row, problem in zip(rows, problems, strict=True):
                row["error"] = problem
        return rows


def checked_text(value: Any, where: str, max_chars: int) -> str:
    """A cell as text, or `InputError` when it is not text or is over ``max_chars``."""
    text = cell_to_text(value, where)
    if len(text) > max_chars:
        raise InputError(f"text of {len(text):,} characters is over the limit of "
                         f"{max_chars:,}", where=where)
    return text


def _entity(ent) -> dict[str, Any]:
    return {"text": ent.text, "start_char": ent.start_char, "end_char": ent.end_char,
            "label": ent.label_, "kb_id": ent.kb_id_ or None}


def _categories(cats: dict[str, float]) -> dict[str, Any]:
    cats = {k: float(v) for k, v in cats.items()}
    label = max(cats, key=cats.get) if cats else None
    return {"cats": cats, "label": label, "score": cats.get(label, 0.0) if label else 0.0}
