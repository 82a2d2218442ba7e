"""Request and response bodies; FastAPI turns them into the OpenAPI spec at /docs."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _first_bad(check, what: str):
    """A validator that stops at the first bad item of a list: a body of 500,000 wrong
    values gets one error, not 500,000 (which would take seconds and megabytes to report)."""

    def validate(value: Any) -> Any:
        if isinstance(value, list):
            for i, item in enumerate(value):
                if not check(item):
                    shown = type(item).__name__ if not isinstance(item, str) else "empty string"
                    raise ValueError(f"item {i} is a {shown}, not {what}")
        return value

    return BeforeValidator(validate)


TextList = Annotated[list[Annotated[str, Field(min_length=1)]],
                     _first_bad(lambda v: isinstance(v, str) and v != "", "a non-empty string")]
Row = Annotated[list[list[Any]], _first_bad(lambda v: isinstance(v, list), "a list")]
Records = Annotated[list[dict[str, Any]], _first_bad(lambda v: isinstance(v, dict), "an object")]


class TextsIn(BaseModel):
    """Either ``text`` (one) or ``texts`` (a list)."""

    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(None, min_length=1, description="One text.",
                             examples=["Apple hired Tim Cook."])
    texts: TextList | None = Field(
        None, min_length=1, description="Several texts, answered in order.")


class ModelInfo(BaseModel):
    model: str
    version: str | None


class DataframeSplit(BaseModel):
    columns: list[str] | None = None
    data: Row
    index: list[Any] | None = None


class InvocationsIn(BaseModel):
    """MLflow's scoring protocol: exactly one of the input keys, optional ``params``."""

    inputs: list[Any] | dict[str, list[Any]] | None = None
    instances: list[Any] | None = None
    dataframe_split: DataframeSplit | None = None
    dataframe_records: Records | None = None
    params: dict[str, Any] | None = None


class InvocationsOut(BaseModel):
    predictions: list[dict[str, Any]]


class ErrorOut(BaseModel):
    error: str
    detail: Any | None = None


class HealthOut(BaseModel):
    status: str


class ReadyOut(BaseModel):
    ready: bool
    model: str
    version: str | None
    tasks: list[str]
    labels: dict[str, list[str]]
