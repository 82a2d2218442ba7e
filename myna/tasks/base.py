"""What a task is: a name, the columns it answers with (Arrow types, the one source for REST,
the MLflow signature and Spark), the model kinds it runs on, and its runner in the Hugging
Face pipeline shape, preprocess → forward → postprocess."""

from __future__ import annotations

from typing import Any, ClassVar

import pyarrow as pa

from myna.models.base import LoadedModel

TEXT_COLUMN = "text"  # a text task's input: the column of a table, the key of a record


class Task:
    """Subclass, set the class attributes, implement `forward` (and `postprocess` when the
    model's output is not already one record per text), and register with `register_task`.

    Every surface comes from these: ``route`` (default ``/v1/<name>``) in `myna serve`,
    ``params={"task": name}`` in ``/invocations`` and the MLflow pyfunc, a ``--task`` choice
    and result columns in `myna batch run` (local and Spark), and a page in `myna app`."""

    name: ClassVar[str]
    summary: ClassVar[str] = ""
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

    def accepts(self, model: LoadedModel) -> bool:
        return model.kind in self.model_kinds

    @property
    def path(self) -> str:
        return self.route or f"/v1/{self.name}"

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

    def run(self, model: LoadedModel, texts: list[str]) -> list[dict[str, Any]]:
        return self.postprocess(model, self.forward(model, self.preprocess(model, texts)))
