"""A task's per-call options (``Param``): generation settings, candidate labels, answers to
return. Declared once on the task; REST bodies, MLflow's ``ParamSchema``, the ``--param``
options of the CLI and the app's controls come from the declaration. Values arrive as JSON
values or as strings (a command line) and are checked and converted here, one message per bad
value naming the parameter."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from myna.core.errors import InputError

KINDS = (str, int, float, bool, list)


@dataclass(frozen=True)
class Param:
    """``kind`` is str, int, float, bool or list (a list of strings); ``minimum`` and
    ``maximum`` bound numbers; None as ``default`` means "not set" (the task decides)."""

    name: str
    kind: type
    default: Any = None
    help: str = ""
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise TypeError(f"param {self.name}: kind must be one of {KINDS}")

    def convert(self, value: Any) -> Any:
        """``value`` as this parameter's kind, or `InputError` naming the parameter."""
        if value is None:
            return None
        try:
            converted = _convert(self.kind, value)
        except (TypeError, ValueError) as err:
            raise InputError(f"parameter {self.name!r}: {err}") from None
        if self.kind in (int, float):
            if self.minimum is not None and converted < self.minimum:
                raise InputError(f"parameter {self.name!r} is {converted}, below the minimum "
                                 f"{self.minimum:g}")
            if self.maximum is not None and converted > self.maximum:
                raise InputError(f"parameter {self.name!r} is {converted}, over the maximum "
                                 f"{self.maximum:g}")
        return converted


def _convert(kind: type, value: Any) -> Any:
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "1", "yes", "false", "0", "no"):
            return value.lower() in ("true", "1", "yes")
        raise ValueError(f"{value!r} is not true or false")
    if kind is int:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(f"{value!r} is not a whole number")
        return int(value)
    if kind is float:
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is not a number")
        return float(value)
    if kind is list:
        if isinstance(value, str):
            text = value.strip()
            items = json.loads(text) if text.startswith("[") else text.split(",")
        else:
            items = list(value)
        items = [str(v).strip() for v in items]
        if not all(items):
            raise ValueError("has an empty item")
        return items
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a string")
    return value


def check_params(declared: tuple[Param, ...], given: dict[str, Any] | None,
                 task: str) -> dict[str, Any]:
    """Every declared parameter with its value (given, converted, or the default)."""
    given = dict(given or {})
    given.pop("task", None)  # /invocations and the pyfunc carry the task among the params
    known = {p.name: p for p in declared}
    unknown = sorted(set(given) - set(known))
    if unknown:
        names = ", ".join(known) or "none"
        raise InputError(f"task {task!r} has no parameter {', '.join(map(repr, unknown))} "
                         f"(its parameters: {names})")
    out = {}
    for name, param in known.items():
        raw = given.get(name)
        value = None if raw == [] else param.convert(raw)  # MLflow's default for a list: []
        if value is None:
            if param.required:
                raise InputError(f"task {task!r} needs the parameter {name!r}"
                                 + (f" ({param.help})" if param.help else ""))
            value = param.default
        out[name] = value
    return out


def params_key(params: dict[str, Any]) -> str:
    """A hashable form: calls with equal parameters may share a model call."""
    return json.dumps(params, sort_keys=True, default=str)
