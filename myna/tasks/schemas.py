"""A task's Arrow schema, derived three ways: pydantic models (REST bodies and OpenAPI), the
MLflow model signature, and Spark DDL (a pandas UDF's return type)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

ERROR_COLUMN = "error"
_SCALARS: dict[pa.DataType, tuple[type, str, str]] = {  # python, MLflow DataType, Spark DDL
    pa.string(): (str, "string", "string"),
    pa.int32(): (int, "long", "int"),  # JSON numbers: MLflow's long reads any of them
    pa.int64(): (int, "long", "bigint"),
    pa.float32(): (float, "float", "float"),
    pa.float64(): (float, "double", "double"),
    pa.bool_(): (bool, "boolean", "boolean"),
}


OPTIONAL = {b"myna.optional": b"1"}


def optional(name: str, kind: pa.DataType) -> pa.Field:
    """A field that may be null in an answer. Every Arrow field is nullable (Parquet and Spark
    columns are); this metadata tells REST and MLflow which ones a client must expect null."""
    return pa.field(name, kind, metadata=OPTIONAL)


def is_optional(f: pa.Field) -> bool:
    return bool(f.metadata) and f.metadata.get(b"myna.optional") == b"1"


def with_error(schema: pa.Schema) -> pa.Schema:
    """Every row says why it failed, or null: one bad cell never fails a whole job."""
    return pa.schema([*schema, optional(ERROR_COLUMN, pa.string())])


def _scalar(t: pa.DataType) -> tuple[type, str, str]:
    if t not in _SCALARS:
        raise TypeError(f"no mapping for Arrow type {t}")
    return _SCALARS[t]


# pydantic ------------------------------------------------------------------------------------

def python_type(t: pa.DataType, name: str) -> Any:
    from pydantic import create_model

    if pa.types.is_struct(t):
        fields_ = {f.name: _pydantic_field(f, name) for f in t}
        return create_model(name, **fields_)  # type: ignore[call-overload]
    if pa.types.is_map(t):
        return dict[python_type(t.key_type, name), python_type(t.item_type, name)]  # type: ignore[misc]
    if pa.types.is_list(t):
        return list[python_type(t.value_type, name)]  # type: ignore[misc]
    return _scalar(t)[0]


def _pydantic_field(f: pa.Field, parent: str) -> tuple[Any, Any]:
    kind = python_type(f.type, _model_name(parent, f.name))
    if is_optional(f):
        return kind | None, None
    return kind, ...


def _model_name(parent: str, field: str) -> str:
    return parent + "".join(p.capitalize() for p in field.split("_"))


def pydantic_model(schema: pa.Schema, name: str) -> type:
    """A pydantic model with one field per column; nullable columns may be null."""
    from pydantic import create_model

    fields_ = {f.name: _pydantic_field(f, name) for f in schema}
    return create_model(name, **fields_)  # type: ignore[call-overload]


# MLflow --------------------------------------------------------------------------------------

def _mlflow_type(t: pa.DataType) -> Any:
    from mlflow.types.schema import Array, DataType, Map, Object, Property

    if pa.types.is_struct(t):
        return Object([Property(f.name, _mlflow_type(f.type), required=not is_optional(f))
                       for f in t])
    if pa.types.is_map(t):
        return Map(_mlflow_type(t.item_type))
    if pa.types.is_list(t):
        return Array(_mlflow_type(t.value_type))
    return getattr(DataType, _scalar(t)[1])


def mlflow_schema(schema: pa.Schema) -> Any:
    """Columns as MLflow's ``Schema``."""
    from mlflow.types.schema import ColSpec, Schema

    return Schema([ColSpec(_mlflow_type(f.type), f.name, required=not is_optional(f))
                   for f in schema])


# Spark ---------------------------------------------------------------------------------------

def spark_ddl(schema: pa.Schema) -> str:
    """``a array<struct<...>>, b map<string,double>`` for a pandas UDF's return type."""
    return ", ".join(f"`{f.name}` {_ddl(f.type)}" for f in schema)


def _ddl(t: pa.DataType) -> str:
    if pa.types.is_struct(t):
        return "struct<" + ",".join(f"{f.name}:{_ddl(f.type)}" for f in t) + ">"
    if pa.types.is_map(t):
        return f"map<{_ddl(t.key_type)},{_ddl(t.item_type)}>"
    if pa.types.is_list(t):
        return f"array<{_ddl(t.value_type)}>"
    return _scalar(t)[2]
