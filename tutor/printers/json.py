"""The JSON contract of `tutor solve --format json` (documented in the README; instructors' scripts rely on it).

    {"id", "kind", "title", "params", "steps": [{"key", "title", "formula", "value", "inputs", ...}], "answer"}

Values are full-precision numbers, lists, or row-major nested lists; an infinite value is the string "inf" or
"-inf"; NaN or a masked entry is null.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from typing import Any

import numpy as np

from tutor.engine.step import Solution
from tutor.printers.latex import LatexPrinter


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating, Fraction)):
        x = float(value)
        if math.isnan(x):
            return None
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return int(x) if x.is_integer() and abs(x) < 2**53 and isinstance(value, int) else x
    return str(value)


def solution_dict(solution: Solution, params: dict[str, Any]) -> dict[str, Any]:
    latex = LatexPrinter(digits=None)
    steps = []
    for step in solution.steps.values():
        lhs = latex.doprint(step.symbol)
        steps.append({
            "key": step.key,
            "title": step.title,
            "formula": f"{lhs} = {latex.doprint(step.formula)}",
            "substitution": [latex.doprint(e) for e in solution.substitution(step.key)],
            "value": jsonable(solution.values[step.key]),
            "inputs": list(step.inputs),
            "explanation": solution.explanation(step.key),
        })
    return {
        "id": solution.problem_id,
        "kind": solution.kind,
        "title": solution.title,
        "params": jsonable(params),
        "steps": steps,
        "answer": jsonable(solution.answer),
        "conventions": list(solution.conventions),
        "notes": list(solution.notes),
        "notes_say": [{"remark": ns.slip} if ns.step is None else {
            "step": ns.step, "entry": list(ns.entry) or None, "notes": _as_written(ns.notes),
            "correct": jsonable(_entry(solution.values[ns.step], ns.entry)), "slip": ns.slip,
        } for ns in solution.notes_say],
    }


def _as_written(v: Any) -> Any:
    """The notes' figure as a number when it is one ('0.10' → 0.1), else the text ('9/25', a word)."""
    if isinstance(v, list):
        return [_as_written(x) for x in v]
    if isinstance(v, str):
        try:
            return jsonable(float(v.replace("−", "-")))
        except ValueError:
            return v
    return jsonable(v)


def _entry(value: Any, entry: tuple[int, ...]) -> Any:
    return np.asarray(value, dtype=object)[tuple(k - 1 for k in entry)] if entry else value


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)


def check_dict(result: Any) -> dict[str, Any]:
    """A checked hand calculation: `{"id", "first_wrong", "steps": [{"key", "status", "expected", "given",
    "mistake": {"name", "explanation"} | null}]}` (README: JSON contract)."""
    first = result.first_wrong
    steps = []
    for m in result.marks:
        given = None
        if m.given is not None:
            given = ({n: jsonable(a.value) for n, a in m.given.entries.items()} if m.given.entries is not None
                     else jsonable(m.given.value))
        steps.append({"key": m.key, "status": m.status, "expected": jsonable(m.expected), "given": given,
                      "mistake": None if m.mistake is None else {"name": m.mistake.name,
                                                                 "explanation": m.mistake.explanation}})
    return {"id": result.problem.id, "first_wrong": first.key if first else None, "steps": steps}


def derivation_dict(derived: Any) -> dict[str, Any]:
    """`tutor derive --format json`:

        {"name", "title", "topic", "source", "verified",
         "steps": [{"part", "rule", "expr", "latex", "source", "verified", "method", "detail"}],
         "parts": [{"title", "when", "start", "checked_for"}], "notes_say": [...]}

    `expr` is the line on one line of text; `source` the line in the file's notation; `verified` is true only
    when sympy proved the line equal to the one before it (`method` "sympy") or they agreed at random points
    (`method` "numeric"); `detail` says why a line is not verified."""
    from tutor.printers.text import LinearTextPrinter

    text, latex = LinearTextPrinter(), LatexPrinter()
    d = derived.derivation
    steps, parts, notes = [], [], []
    for k, part in enumerate(derived.parts, 1):
        parts.append({"title": part.title, "when": text.text(part.when) if part.when is not None else None,
                      "start": text.text(part.start), "start_latex": latex.doprint(part.start),
                      "checked_for": part.coverage or None})
        for ln in part.lines:
            steps.append({"part": k, "rule": ln.rule, "expr": text.text(ln.expr), "latex": latex.doprint(ln.expr),
                          "source": ln.source, "verified": ln.verdict.verified,
                          "method": ln.verdict.status if ln.verdict.verified else None,
                          "detail": ln.verdict.detail or None, "why": ln.why or None})
        for ns in part.notes_say:
            notes.append({"part": k, "after": ns.after, "expr": text.text(ns.expr), "source": ns.source,
                          "false": ns.verdict.status == "false", "detail": ns.verdict.detail or None,
                          "says": ns.says})
    return {"name": d.name, "title": d.title, "topic": d.topic, "source": d.source or None,
            "verified": derived.verified, "steps": steps, "parts": parts, "notes_say": notes,
            "definitions": [{"lhs": text.text(a), "rhs": text.text(b)} for a, b in derived.definitions]}
