"""The library API. The CLI is a thin layer over these functions; scripts and tests call them directly."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np

from tutor.bank import Bank, Problem, find_problem, load_bank, parse_flow_value
from tutor.engine.ops import Graph
from tutor.engine.step import Solution
from tutor.errors import TutorError, did_you_mean
from tutor.params import Params, coerce
from tutor.registry import Kind, all_kinds, get_kind

__all__ = ["Bank", "Problem", "Solution", "find_problem", "load_bank", "solve", "parse_settings", "kinds",
           "get_kind", "effective_params"]


def kinds() -> list[Kind]:
    return all_kinds()


def parse_settings(pairs: Iterable[str], problem: Problem) -> dict[str, Any]:
    """`NAME=VALUE` strings (from --set) → {name: value}, values read as YAML flow; unknown names rejected."""
    kind = _kind(problem)
    names = [p.name for p in kind.params]
    out: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise TutorError(f"--set {pair!r}: expected NAME=VALUE, such as --set x=[1,2,3]")
        name, _, text = pair.partition("=")
        name = name.strip()
        if kind.param(name) is None:
            raise TutorError(f"--set {name}: kind {kind.name} has no parameter {name!r}"
                             f"{did_you_mean(name, names)}; its parameters are {', '.join(names)}")
        if not text.strip():
            raise TutorError(f"--set {name}=: no value given; write it as YAML flow, such as --set {name}=[1, 2]")
        out[name] = parse_flow_value(text.strip(), name)
    return out


def effective_params(problem: Problem, settings: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The parameters as the solver sees them before coercion: the file's, then --set, then defaults."""
    kind = _kind(problem)
    raw = dict(problem.params)
    raw.update(settings or {})
    return {p.name: raw.get(p.name, None if p.required else p.default) for p in kind.params}


def solve(problem: Problem, settings: Mapping[str, Any] | None = None) -> Solution:
    """Solve a problem (with --set style overrides of its parameters). Errors name the field and its position."""
    settings = dict(settings or {})
    solution = run(problem, coerced_params(problem, settings), settings)
    if problem.notes_say:
        if settings:  # the notes worked the file's givens, not these
            n = len(problem.notes_say)
            solution.notes.append(f"The notes' own working ({n} difference{'s' if n > 1 else ''} recorded) is "
                                  "about the file's givens, so it is not compared after --set.")
        else:
            from tutor.notes_say import resolve

            solution.notes_say = resolve(problem.notes_say, solution, problem.where)
    return solution


def coerced_params(problem: Problem, settings: Mapping[str, Any] | None = None) -> Params:
    """The parameters as the solver receives them: the file's (then --set's) values checked against the kind's
    declarations, defaults filled in."""
    kind = _kind(problem)
    settings = dict(settings or {})
    raw = dict(problem.params)
    raw.update(settings)
    values: dict[str, Any] = {}
    given: set[str] = set()
    for p in kind.params:
        if p.name in raw and raw[p.name] is not None:
            try:
                values[p.name] = coerce(p, raw[p.name])
            except TutorError as e:
                raise _locate(e, problem, p.name, settings) from None
            given.add(p.name)
        elif p.required:
            if p.name in settings:
                raise TutorError(f"is required ({p.meaning}); null removes it", field=f"--set {p.name}")
            raise TutorError(f"missing required parameter {p.name!r} ({p.meaning})",
                             where=problem.where("params"), field="params")
        else:
            values[p.name] = p.default
    return Params(values, given)


def run(problem: Problem, params: Params, settings: Mapping[str, Any] | None = None) -> Solution:
    """Run the kind's solver on already-coerced parameters (the check's mistakes re-run it with changed ones)."""
    kind = _kind(problem)
    graph = Graph()
    try:
        # overflow in a runaway setting (a huge learning rate) shows as ∞ in the working, not as a Python warning
        with np.errstate(all="ignore"):
            kind.fn(params, graph)
    except TutorError as e:
        name = (e.field or "").split(".")[0].split("[")[0]
        raise _locate(e, problem, name, settings or {}) from None
    return graph.solution(problem.id, kind.name, problem.title, kind.answer)


def _kind(problem: Problem) -> Kind:
    kind = get_kind(problem.kind)
    if kind is None:
        raise TutorError(f"unknown kind {problem.kind!r}; 'tutor kinds' lists them", where=problem.where("kind"),
                         field="kind")
    return kind


def _locate(e: TutorError, problem: Problem, name: str, settings: Mapping[str, Any]) -> TutorError:
    """Point an error at the --set that caused it, or at the field's line and column in the problem file."""
    field = e.field or name
    if name and name in settings:
        return TutorError(e.message, field=f"--set {field}")
    if settings:  # the file's value may be fine on its own: say what changed it
        e.message += f" (after --set {', '.join(settings)})"
    if e.where is None:
        e.where = problem.where(f"params.{field}") if field else problem.where("params")
    e.field = f"params.{field}" if field and not field.startswith("params") else field
    return e
