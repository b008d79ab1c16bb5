"""The catalogue of mistakes: wrong methods, computed alongside the right one.

A `Mistake` is a named wrong method with an explanation a student can learn from. It is computed, never guessed:
either some steps get a wrong rule (`rules`: the LSTM candidate through σ instead of tanh), or the whole problem
is solved again with a wrong reading of its parameters (`params`: KL with p and q swapped, Adam's ε inside the
root). When a student's number for a step matches what a mistake gives there (from the true earlier values, or
from the student's own), the check names it.

Solver modules declare their kinds' catalogues next to the solvers:

    mistakes("lstm_step",
        Mistake("candidate through σ", "g is a tanh gate: ...", rules={"g": lambda v: sigmoid(v["z_g"])}),
    )

A rule receives every value computed so far (givens, and steps in graph order) and returns the step's wrong
value, of the right's shape. `params` receives the solver's parameter values (a dict, already checked) and
returns the ones to change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from tutor.engine.step import Solution

WrongRule = Callable[[Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Mistake:
    name: str  # short, student-facing: "candidate through σ instead of tanh"
    explanation: str  # why it is wrong, one or two sentences
    rules: Mapping[str, WrongRule] = field(default_factory=dict)
    params: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # a mistake that only makes sense for some problems of the kind (a 1-D softmax, a problem with a bias)
    applies: Callable[[Solution], bool] | None = None


CATALOGUE: dict[str, tuple[Mistake, ...]] = {}


def mistakes(kind: str, *items: Mistake) -> None:
    """Declare the catalogue of a kind (in the module that defines the kind's solver)."""
    names = [m.name for m in items]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate mistake names for {kind}: {names}")
    for m in items:
        if bool(m.rules) == (m.params is not None):
            raise ValueError(f"mistake {m.name!r} of {kind} needs exactly one of rules= or params=")
    CATALOGUE[kind] = CATALOGUE.get(kind, ()) + tuple(items)


def catalogue(kind: str) -> tuple[Mistake, ...]:
    from tutor.registry import get_kind

    get_kind(kind)  # importing the solver's module declares its catalogue
    return CATALOGUE.get(kind, ())


def recompute(solution: Solution, overrides: Mapping[str, Any], rules: Mapping[str, WrongRule] | None = None,
              upto: str | None = None) -> dict[str, Any]:
    """Every value again, in graph order: a student's own values where given (`overrides`), a mistake's wrong
    rule where it has one, the step's own rule elsewhere. Stops after step `upto` if given.

    A rule that fails on the values it gets (a student's negative number under a log) leaves its step, and
    everything after it that needs it, out of the result.
    """
    rules = rules or {}
    values: dict[str, Any] = {k: solution.values[k] for k in solution.givens}
    values.update({k: v for k, v in overrides.items() if k in solution.givens})
    for key, step in solution.steps.items():
        if key in overrides:
            values[key] = overrides[key]
        elif key in rules:
            try:
                values[key] = rules[key](values)
            except Exception:  # noqa: BLE001 - a wrong method may not apply to these numbers at all
                pass
        elif all(i in values for i in step.inputs):
            try:
                values[key] = step.rule(*[values[i] for i in step.inputs])
            except Exception:  # noqa: BLE001 - a student's value can make a later rule undefined
                pass
        if key == upto:
            break
    return values


# -- degenerate variants (for `tutor quiz`) ----------------------------------------------------------------
# A check returns why a drawn variant is no good for practice (a tie at a max or a threshold, a case where the
# method's interesting part does nothing), or None. Saturated σ/tanh, non-finite values, numbers that are not
# hand-friendly and catalogued mistakes that coincide are rejected for every kind by `tutor.quiz`.
Degenerate = Callable[[Solution], "str | None"]
DEGENERATE: dict[str, tuple[Degenerate, ...]] = {}


def degenerate(kind: str, *checks: Degenerate) -> None:
    """Declare kind-specific reasons to reject a quiz variant (in the module that defines the kind)."""
    DEGENERATE[kind] = DEGENERATE.get(kind, ()) + tuple(checks)


def degeneracy_checks(kind: str) -> tuple[Degenerate, ...]:
    from tutor.registry import get_kind

    get_kind(kind)
    return DEGENERATE.get(kind, ())
