"""What a task is: a name, the columns it answers with (Arrow types, the one source for REST,
the MLflow signature and Spark), the model kinds it runs on, and its runner in the Hugging
Face pipeline shape, preprocess → forward → postprocess."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import pyarrow as pa

from myna.core.errors import InputError
from myna.data.cells import cell_to_text
from myna.models.base import LoadedModel
from myna.tasks.params import Param, check_params
from myna.tasks.schemas import is_optional

TEXT_COLUMN = "text"  # a text task's input: the column of a table, the key of a record
TEXT_INPUT = pa.schema([(TEXT_COLUMN, pa.string())])
PIPELINES = ("Pipelines", "myna.app.views.pipelines:render")  # the page any task can use


class Task:
    """Subclass, set the class attributes, implement `forward` (and `postprocess` when the
    model's output is not already one record per text), and register with `register_task`.

    Every surface comes from these: ``route`` (default ``/v1/<name>``) in `myna serve`,
    ``params={"task": name}`` in ``/invocations`` and the MLflow pyfunc, a ``--task`` choice
    and result columns in `myna batch run` (local and Spark), and a page in `myna app`."""

    name: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()  # other names, e.g. Hugging Face's task names
    summary: ClassVar[str] = ""
    # One input: a text (the default), or a record of these fields (question + context).
    input: ClassVar[pa.Schema] = TEXT_INPUT
    params: ClassVar[tuple[Param, ...]] = ()  # per-call options (`myna.tasks.params`)
    # An input to warm the model up with and to show in the app (None: no warm-up run)
    sample: ClassVar[Any] = "Warm-up text from Myna."
    sample_params: ClassVar[dict[str, Any]] = {}  # parameters that go with `sample`
    model_kinds: ClassVar[tuple[str, ...]] = ("spacy",)
    order: ClassVar[int] = 100  # place among a model's tasks; the first is its default task
    route: ClassVar[str | None] = None  # None: /v1/<name>
    output: ClassVar[pa.Schema | None] = None  # None: depends on the model (`output_schema`)
    # Columns as batch tables have them, when they differ from `output` (the book's schemas).
    table_output: ClassVar[pa.Schema | None] = None
    # Column names in MLflow's pyfunc and /invocations, where MLflow's convention differs.
    pyfunc_names: ClassVar[dict[str, str]] = {}
    counts_tokens: ClassVar[bool] = False  # REST bounds the tokens of a request
    needs_kb: ClassVar[bool] = False  # runs only with a knowledge base (--kb)
    app_page: ClassVar[tuple[str, str] | None] = None  # (title, "module:function")
    has_app_page: ClassVar[bool] = True  # False: no page (another page shows it)
    # How `myna evaluate` and `myna compare` score it on labelled data ("module:Class").
    evaluator: ClassVar[str | None] = None
    # How `myna train` prepares its data and fits it (`myna.train.task_training`, "module:Class").
    trainer: ClassVar[str | None] = None
    # Training a spaCy pipeline for it: whether updating a base pipeline trains the base's own
    # component further (else a new one is added beside the frozen base).
    trains_base_component: ClassVar[bool] = False
    # The annotation dataset kind (`myna.annotate`) its low-confidence answers are queued in
    # for review (`serve --review-below`); None: it has no single confidence to review by.
    review_kind: ClassVar[str | None] = None

    def outcome(self, row: dict[str, Any]) -> tuple[str, float] | None:
        """The predicted label of one answer and the model's confidence in it, which drift
        monitoring and the review queue watch (None: the task answers with no single label)."""
        return None

    def review_guess(self, row: dict[str, Any]) -> dict[str, Any]:
        """What an annotation task is pre-filled with: the model's guess, in the dataset's
        terms (``{"cats": …}`` or ``{"spans": …}``)."""
        return {}

    def accepts(self, model: LoadedModel) -> bool:
        return model.kind in self.model_kinds

    def spacy_component(self, exclusive: bool = True) -> str | None:
        """The spaCy component that holds this task's answers (None: no spaCy trainer)."""
        return None

    @property
    def path(self) -> str:
        return self.route or f"/v1/{self.name}"

    @property
    def takes_text(self) -> bool:
        """Whether one input is a plain text (else a record of `input`'s fields)."""
        return self.input.names == [TEXT_COLUMN]

    def check_params(self, given: dict[str, Any] | None) -> dict[str, Any]:
        return check_params(self.params, given, self.name)

    def check_input(self, value: Any, where: str, max_chars: int) -> Any:
        """One input as the task runs it, or `InputError` naming ``where``: a text (null
        cells are empty texts) or a dict with every field of `input` (required strings
        non-empty)."""
        if self.takes_text:
            return checked_text(value, where, max_chars)
        if hasattr(value, "asDict"):  # a Spark Row
            value = value.asDict()
        if not isinstance(value, Mapping):
            raise InputError(f"expected a record with {', '.join(self.input.names)}, got a "
                             f"{type(value).__name__}", where=where)
        record: dict[str, Any] = {}
        for f in self.input:
            cell = value.get(f.name)
            if cell is None or (isinstance(cell, float) and cell != cell):
                if not is_optional(f):
                    raise InputError(f"no {f.name!r}", where=where)
                record[f.name] = None
                continue
            if pa.types.is_string(f.type):
                text = checked_text(cell, f"{where}.{f.name}", max_chars)
                if not text.strip():
                    raise InputError(f"{f.name!r} is empty", where=where)
                record[f.name] = text
            else:
                record[f.name] = cell
        return record

    def shares_inputs(self, params: dict[str, Any]) -> bool:
        """Whether one input's answer depends on the other inputs of the same call (as with
        self-training): such calls are never merged with other requests'."""
        return False

    @staticmethod
    def input_chars(value: Any) -> int:
        """Characters of one input (the measure limits and batching use)."""
        if isinstance(value, str):
            return len(value)
        if isinstance(value, Mapping):
            return sum(len(v) for v in value.values() if isinstance(v, str))
        return 0

    def output_schema(self, model: LoadedModel | None = None) -> pa.Schema | None:
        """The record fields, without ``error``; None when only a model can say."""
        return self.output

    def table_schema(self, model: LoadedModel | None = None) -> pa.Schema | None:
        return self.table_output if self.table_output is not None else self.output_schema(model)

    def pyfunc_record(self, row: dict[str, Any]) -> dict[str, Any]:
        return {self.pyfunc_names.get(k, k): v for k, v in row.items()}

    def warm_up(self, model: LoadedModel) -> None:
        """Whatever must load before the first request (default: nothing)."""

    def preprocess(self, model: LoadedModel, texts: list[str]) -> Any:
        return texts

    def forward(self, model: LoadedModel, inputs: Any) -> Any:
        raise NotImplementedError

    def postprocess(self, model: LoadedModel, outputs: Any) -> list[dict[str, Any]]:
        return list(outputs)

    def run(self, model: LoadedModel, inputs: list[Any],
            params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """One record per input. ``params`` are checked (`check_params`); a task with
        parameters overrides this to pass them to its stages."""
        return self.postprocess(model, self.forward(model, self.preprocess(model, inputs)))


def checked_text(value: Any, where: str, max_chars: int) -> str:
    """A cell as text, or `InputError` when it is not text or is over ``max_chars``."""
    text = cell_to_text(value, where)
    if len(text) > max_chars:
        raise InputError(f"text of {len(text):,} characters is over the limit of "
                         f"{max_chars:,}", where=where)
    return text
