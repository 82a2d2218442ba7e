"""Request and response bodies; FastAPI turns them into the OpenAPI spec at /docs."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field


class TextsIn(BaseModel):
    """Either ``text`` (one) or ``texts`` (a list)."""

    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(None, min_length=1, description="One text.",
                             examples=["Apple hired Tim Cook."])
    texts: list[Annotated[str, Field(min_length=1)]] | None = Field(
        None, min_length=1, description="Several texts, answered in order.")


class Entity(BaseModel):
    text: str
    start_char: int
    end_char: int
    label: str
    kb_id: str | None = None


class EntitiesResult(BaseModel):
    entities: list[Entity]


class CategoriesResult(BaseModel):
    cats: dict[str, float]
    label: str | None
    score: float


class ModelInfo(BaseModel):
    model: str
    version: str | None


class EntitiesOut(ModelInfo):
    results: list[EntitiesResult]


class CategoriesOut(ModelInfo):
    results: list[CategoriesResult]


class AnalysisOut(ModelInfo):
    results: list[dict[str, Any]]


class DataframeSplit(BaseModel):
    columns: list[str] | None = None
    data: list[list[Any]]
    index: list[Any] | None = None


class InvocationsIn(BaseModel):
    """MLflow's scoring protocol: exactly one of the input keys, optional ``params``."""

    inputs: list[Any] | dict[str, list[Any]] | None = None
    instances: list[Any] | None = None
    dataframe_split: DataframeSplit | None = None
    dataframe_records: list[dict[str, Any]] | None = None
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
