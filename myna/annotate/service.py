"""What the annotation server does, without HTTP: serve the next task to a session, store an
answer (committed before the reply), undo, and report progress. Any recipe plugs in."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from myna.annotate.recipes import AnswerError, Recipe, whole_number
from myna.annotate.store import Dataset, Store, StoredExample

SESSION_NAME = re.compile(r"[A-Za-z0-9_.@-]{1,100}")
SESSION_RULE = "a session name is 1-100 letters, digits or _ . @ -"


def check_session(name: object) -> str:
    name = "default" if name is None or name == "" else name
    if not isinstance(name, str) or not SESSION_NAME.fullmatch(name):
        raise AnswerError(SESSION_RULE, where="session")
    return name


@dataclass
class AnnotationService:
    store: Store
    dataset: Dataset
    recipe: Recipe
    claim_ttl: timedelta | None = timedelta(minutes=30)  # without overlap; None: forever
    _model_lock: threading.Lock = field(default_factory=threading.Lock)

    def config(self) -> dict[str, Any]:
        return {"dataset": self.dataset.name, **self.recipe.config()}

    def _task(self, example: StoredExample) -> dict[str, Any]:
        with self._model_lock:  # spaCy pipelines are not safe to call from two threads
            return self.recipe.task(example)

    def next_task(self, session: str, resume: bool = False) -> dict[str, Any] | None:
        """A new example for the session; with ``resume`` (a page load), first the ones it was
        given and has not answered."""
        if resume:
            pending = self.store.pending(self.dataset, session)
            if pending:
                return self._task(pending[0])
        example = self.store.next_example(self.dataset, session, self.recipe.overlap,
                                          self.recipe.window, self.recipe.choose,
                                          self.claim_ttl)
        return None if example is None else self._task(example)

    def answer(self, session: str, payload: dict[str, Any]) -> dict[str, Any]:
        if "id" not in payload:
            raise AnswerError("field 'id' (the task's example id) is required")
        example = self.store.example(self.dataset, whole_number(payload["id"], "id"))
        checked = self.recipe.check(example, payload)
        answer_id, created = self.store.add_answer(
            self.dataset, example, session, checked.answer, checked.spans, checked.cats,
            checked.label)
        if created:
            with self._model_lock:
                self.recipe.learn(example, checked)
        return {"saved": answer_id, "duplicate": not created,
                "done": self.store.session_done(self.dataset, session)}

    def undo(self, session: str) -> dict[str, Any] | None:
        """The session's last answer is deleted and its task comes back, as answered."""
        last = self.store.undo(self.dataset, session)
        if last is None:
            return None
        task = self._task(self.store.example(self.dataset, last["example_id"]))
        if self.recipe.view == "ner":
            task["spans"] = last["spans"]
        elif self.recipe.view == "choice":
            task["accept"] = [lab for lab, v in last["cats"].items() if v >= 0.5]
        elif last["label"]:
            task["label"] = last["label"]
        task["undone"] = last["answer"]
        return task

    def progress(self, session: str) -> dict[str, Any]:
        counts = self.store.counts(self.dataset)
        mine = counts["sessions"].get(session, {})
        return {**counts, "session": session, "done": sum(mine.values())}
