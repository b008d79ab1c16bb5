"""Parameter specifications and their coercion: YAML values → checked numbers, vectors and matrices.

Each kind declares its parameters as `Param`s (name, type, default, meaning). `tutor kinds` prints them and the
loader checks problem files against them, so documentation and validation come from one declaration.
Every check failure is a TutorError naming the field and what was expected; the caller adds file:line:col.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from tutor.errors import TutorError


class _Required:
    def __repr__(self) -> str:
        return "required"


REQUIRED: Any = _Required()


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # a key of COERCE
    meaning: str
    default: Any = REQUIRED
    choices: tuple[Any, ...] = ()

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def describe_default(self) -> str:
        if self.required:
            return "required"
        if self.default is None:
            return "none"
        return str(self.default)


def describe(value: Any) -> str:
    """A short rendering of a user's value for an error message."""
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def to_number(value: Any, name: str) -> float:
    """A finite number: an int, a float, or text such as '9/25', '1e-8', 'sqrt(2)/2' (parsed, never evaluated)."""
    if isinstance(value, bool) or value is None:
        raise TutorError(f"expected a number, got {describe(value)}", field=name)
    if isinstance(value, (int, float, np.integer, np.floating)):
        x = float(value)
    elif isinstance(value, str):
        from tutor.safe_expr import evaluate, parse

        if value.strip().lstrip("+-").lower() in ("nan", "inf", "infinity", ".nan", ".inf"):
            raise TutorError(f"expected a finite number, got {value!r}", field=name)

        try:
            x = evaluate(parse(value, (), what="number"))
        except TutorError as e:
            raise TutorError(f"expected a number, got {value!r} ({e.message})", field=name) from None
    else:
        raise TutorError(f"expected a number, got {describe(value)}", field=name)
    if math.isnan(x):
        raise TutorError("expected a number, got NaN", field=name)
    if math.isinf(x):
        raise TutorError(f"expected a finite number, got {describe(value)}", field=name)
    return x


def to_vector(value: Any, name: str) -> np.ndarray:
    if not isinstance(value, (list, tuple)):
        raise TutorError(f"expected a list of numbers such as [1, 2, 3], got {describe(value)}", field=name)
    if not value:
        raise TutorError("expected a non-empty list of numbers, got []", field=name)
    return np.array([to_number(v, f"{name}[{k}]") for k, v in enumerate(value)], dtype=float)


def to_matrix(value: Any, name: str) -> np.ndarray:
    """A list of rows. A flat list of numbers is one row (so Q: [1, 0, 1] is a single query)."""
    if isinstance(value, (list, tuple)) and value and not any(isinstance(v, (list, tuple)) for v in value):
        return to_vector(value, name).reshape(1, -1)
    if not isinstance(value, (list, tuple)) or not value:
        raise TutorError(f"expected a matrix as a list of rows such as [[1, 2], [3, 4]], got {describe(value)}",
                         field=name)
    rows = []
    for k, row in enumerate(value):
        if not isinstance(row, (list, tuple)):
            raise TutorError(f"expected row {k + 1} to be a list of numbers, got {describe(row)}", field=name)
        rows.append(to_vector(row, f"{name}[{k}]"))
    lengths = {len(r) for r in rows}
    if len(lengths) > 1:
        detail = ", ".join(str(len(r)) for r in rows)
        raise TutorError(f"rows have different lengths ({detail}); every row of a matrix needs the same length",
                         field=name)
    return np.vstack(rows)


def to_number_or_vector(value: Any, name: str) -> Any:
    if isinstance(value, (list, tuple)):
        return to_vector(value, name)
    return to_number(value, name)


def to_series(value: Any, name: str) -> np.ndarray:
    """A sequence over time steps: numbers (T) or vectors (T × n)."""
    if not isinstance(value, (list, tuple)) or not value:
        raise TutorError(f"expected a list with one entry per step, got {describe(value)}", field=name)
    if any(isinstance(v, (list, tuple)) for v in value):
        return to_matrix(value, name)
    return to_vector(value, name)


def to_integer(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise TutorError(f"expected a whole number, got {describe(value)}", field=name)
    return int(value)


def to_text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TutorError(f"expected text, got {describe(value)}", field=name)
    return value


def to_mapping(value: Any, name: str) -> dict[str, float]:
    if not isinstance(value, dict) or not value:
        raise TutorError(f"expected a mapping of names to numbers such as {{x: -2, y: 5}}, got {describe(value)}",
                         field=name)
    out = {}
    for k, v in value.items():
        if not isinstance(k, str) or not k.isidentifier():
            raise TutorError(f"expected a variable name, got {describe(k)}", field=name)
        out[k] = to_number(v, f"{name}.{k}")
    return out


def to_distribution(value: Any, name: str) -> np.ndarray:
    """Probabilities: non-negative, summing to 1 within 1e-9. Fractions such as '9/25' welcome."""
    p = to_vector(value, name)
    negative = [k for k, x in enumerate(p) if x < 0]
    if negative:
        k = negative[0]
        raise TutorError(f"entry {k + 1} is {p[k]:g}; a probability cannot be negative", field=name)
    total = float(p.sum())
    if abs(total - 1.0) > 1e-9:
        raise TutorError(f"the entries sum to {total:.12g}, not 1; a probability distribution sums to 1 "
                         f"(within 1e-9: write thirds and the like as fractions, such as \"1/3\")", field=name)
    return p


def to_raw(value: Any, name: str) -> Any:
    return value


COERCE: dict[str, Callable[[Any, str], Any]] = {
    "number": to_number,
    "integer": to_integer,
    "vector": to_vector,
    "matrix": to_matrix,
    "number|vector": to_number_or_vector,
    "series": to_series,
    "text": to_text,
    "expression": to_text,
    "mapping": to_mapping,
    "distribution": to_distribution,
    "choice": to_raw,
    "structure": to_raw,
}

TYPE_HELP = {
    "number": "a number (0.5, -3, 1e-8, or text such as \"9/25\")",
    "integer": "a whole number",
    "vector": "a list of numbers",
    "matrix": "a list of rows (a flat list is one row)",
    "number|vector": "a number or a list of numbers",
    "series": "a list with one number (or vector) per time step",
    "text": "text",
    "expression": "an arithmetic expression as text",
    "mapping": "a mapping name → number",
    "distribution": "a list of probabilities summing to 1 (fractions welcome)",
    "choice": "one of the listed choices",
    "structure": "see the meaning",
}


def coerce(param: Param, value: Any) -> Any:
    if param.type == "choice":
        for c in param.choices:
            if value == c or str(value) == str(c):
                return c
        for c in param.choices:  # `gate: and` means AND; a unique case-insensitive match is accepted
            if isinstance(value, str) and isinstance(c, str) and value.lower() == c.lower():
                return c
        from tutor.errors import did_you_mean

        options = ", ".join(repr(c) if isinstance(c, str) else str(c) for c in param.choices)
        hint = did_you_mean(str(value), [str(c) for c in param.choices])
        raise TutorError(f"expected one of {options}, got {describe(value)}{hint}", field=param.name)
    return COERCE[param.type](value, param.name)


@dataclass
class Params:
    """Coerced parameter values, plus which of them the problem file gave (the rest are defaults)."""

    values: dict[str, Any]
    given: set[str] = field(default_factory=set)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def __contains__(self, key: str) -> bool:
        return self.values.get(key) is not None
