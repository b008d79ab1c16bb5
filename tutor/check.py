"""Check a student's hand calculation, step by step, as a human examiner marks it.

Each checkable step (every numbered step, and every answer) is marked

- `correct`: it agrees with the true value to the precision the student typed (see `agreement`), or with the
  value recomputed from the student's own rounded earlier numbers when those were all right;
- `carried_forward`: wrong against the true solution, but right given the student's own earlier values, which
  the step graph recomputes from (`Solution.replace`), so one slip costs one step;
- `wrong`: neither; the catalogue of mistakes (`tutor.mistakes`) and the notes' own slips (`notes_say`) are
  then tried, and a match is named;
- `missing`: not given.

Rounding is never a mistake: `0.73` is right for 0.7311 (half a unit of the last typed digit, or truncation to
it). But an answer must be typed to at least 2 significant figures or 2 decimal places: `1` for 0.7311 is
"rounded too far". Whole-number answers (counts, sizes, indices) must be exact. A problem's `tolerance` field
replaces all of this with one absolute tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from tutor.errors import ErrorList, TutorError, did_you_mean
from tutor.mistakes import Mistake, catalogue, recompute

if TYPE_CHECKING:
    from tutor.answers import Answer
    from tutor.bank import Problem
    from tutor.engine.step import Solution

CORRECT, WRONG, CARRIED, MISSING = "correct", "wrong", "carried_forward", "missing"
STATUSES = (CORRECT, CARRIED, WRONG, MISSING)

# An answer must carry at least 2 significant figures or 2 decimal places (a student who works to 2 decimals, as
# the notes do, is never marked wrong for rounding): the coarsest precision accepted is half a unit of the true
# value's second significant digit, or of the second decimal, whichever is coarser.
MIN_FIGURES = 2
MIN_ABSOLUTE = 0.005

ROUNDED_TOO_FAR = Mistake(
    "rounded too far",
    "The number agrees with the correct value only when rounded to fewer than 2 significant figures (or 2 "
    "decimal places). Keep at least 2 significant figures (4 is safer) while working by hand.",
    params=lambda p: {},
)


@dataclass
class Mark:
    key: str
    title: str
    number: int | None  # the step's number in `tutor solve`; None for an answer that is not a numbered step
    status: str
    expected: Any  # the true value
    given: "Answer | None" = None
    carried: Any = None  # the value recomputed from the student's own earlier numbers, where it differs
    mistake: Mistake | None = None
    detail: str = ""  # how the mistake shows here ("from your own f and i", "the notes' figure")


@dataclass
class CheckResult:
    problem: "Problem"
    solution: "Solution"
    marks: list[Mark]
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def first_wrong(self) -> Mark | None:
        return next((m for m in self.marks if m.status == WRONG), None)

    def count(self, status: str) -> int:
        return sum(1 for m in self.marks if m.status == status)

    @property
    def solved(self) -> bool:
        """Every answer key given and right (carried-forward answers are not a solve)."""
        by_key = {m.key: m for m in self.marks}
        return all(by_key[k].status == CORRECT for k in self.solution.answer_keys if k in by_key)


# -- which steps ------------------------------------------------------------------------------------------
def checkable(solution: "Solution") -> list[tuple[str, int | None]]:
    """(key, step number) for every numbered step and every answer, in the order of the working."""
    numbers = {s.key: n for n, s in enumerate(solution.visible_steps(), 1)}
    answers = set(solution.answer_keys)
    return [(k, numbers.get(k)) for k, s in solution.steps.items() if k in numbers or k in answers]


def expected_shape(value: Any) -> tuple[int, ...]:
    return tuple(np.shape(value))


def describe_expected(value: Any) -> str:
    """What a step's value looks like, for prompts and errors: 'a number', 'a vector of 3 entries', …"""
    if isinstance(value, dict):
        return "one value for each of " + ", ".join(map(str, value))
    from tutor.answers import shape_text

    return shape_text(expected_shape(value))


def unknown_keys(solution: "Solution", keys: list[str]) -> list[TutorError]:
    """One error per key that is not a checkable step of this solution (with the closest keys suggested)."""
    allowed = [k for k, _ in checkable(solution)]
    errors = []
    for key in keys:
        if key not in allowed:
            errors.append(TutorError(f"no step {key!r} to check{did_you_mean(key, allowed)}; the steps are "
                                     f"{', '.join(allowed)}", field=key))
    return errors


# -- agreement --------------------------------------------------------------------------------------------
def fit(answer: "Answer", expected: Any, key: str) -> "Answer":
    """The answer in the step's shape (a 3-vector for a 3×1 column is fine), or a TutorError saying what was
    expected."""
    from tutor.answers import Answer

    if isinstance(expected, dict):
        if answer.entries is None:
            raise TutorError(f"expected {describe_expected(expected)} (write them as "
                             f"{', '.join(f'{n} = …' for n in list(expected)[:3])}), got {_got(answer)}",
                             field=key)
        bad = [n for n in answer.entries if n not in expected]
        if bad:
            raise TutorError(f"no entry {bad[0]!r}{did_you_mean(bad[0], list(expected))}; the entries are "
                             f"{', '.join(expected)}", field=key)
        return Answer(answer.text, answer.value, answer.half,
                      {n: fit(a, expected[n], f"{key}.{n}") for n, a in answer.entries.items()})
    if answer.entries is not None:
        raise TutorError(f"expected {describe_expected(expected)}, got named entries", field=key)
    want = expected_shape(expected)
    if answer.value.shape == want:
        return answer
    if answer.value.size == int(np.prod(want)) and [n for n in want if n != 1] == \
            [n for n in answer.value.shape if n != 1]:
        return Answer(answer.text, answer.value.reshape(want), answer.half.reshape(want))
    raise TutorError(f"expected {describe_expected(expected)}, got {_got(answer)}", field=key)


def _got(answer: "Answer") -> str:
    if answer.entries is not None:
        return "named entries"
    from tutor.answers import shape_text

    return shape_text(answer.value.shape)


def _is_integer(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (int, np.integer)):
        return True
    return isinstance(value, np.ndarray) and value.dtype.kind in "iu"


def agreement(answer: "Answer", low: Any, high: Any = None, *, integer: bool = False,
              tolerance: float | None = None) -> str:
    """'yes' when every entry of the answer agrees with the interval [low, high] (a single value when high is
    None) to the precision typed; 'coarse' when it does only at a precision below the minimum; else 'no'."""
    if answer.entries is not None:
        results = [agreement(a, low[n], None if high is None else high[n], integer=integer or _is_integer(low[n]),
                             tolerance=tolerance) for n, a in answer.entries.items()]
        return "no" if "no" in results else "coarse" if "coarse" in results else "yes"
    lo = np.asarray(low, dtype=float)
    hi = lo if high is None else np.asarray(high, dtype=float)
    if lo.shape != answer.value.shape or hi.shape != lo.shape:
        return "no"
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
        return "no"
    x, half = answer.value, answer.half
    a, b = np.minimum(lo, hi), np.maximum(lo, hi)
    dist = np.where(x < a, a - x, np.where(x > b, x - b, 0.0))
    ref = np.maximum(np.abs(a), np.abs(b))
    floor = 1e-9 * np.maximum(1.0, ref)
    if tolerance is not None:
        return "yes" if np.all(dist <= tolerance + floor) else "no"
    if integer:
        return "yes" if np.all(dist <= floor) else "no"
    cap = coarsest(ref)
    tol = np.minimum(half, cap)
    rounded = dist <= tol * (1 + 1e-9) + floor
    # truncated rather than rounded (0.7310 for 0.73106): exactly the true value cut after the typed decimals
    ok = rounded | _truncated(x, half, a, b, cap, floor)
    if np.all(ok):
        return "yes"
    if np.all(ok | (dist <= half * (1 + 1e-9) + floor)):
        return "coarse"
    return "no"


def _truncated(x: Any, half: Any, a: Any, b: Any, cap: Any, floor: Any) -> Any:
    """Entries where x is a value of [a, b] cut (not rounded) after the decimals the student typed."""
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.round(-np.log10(np.where(half > 0, 2 * half, 1.0)))
        decimal = (half > 0) & (half <= cap) & np.isclose(2 * half * 10.0**k, 1.0)
        scale = 10.0**k
        out = np.zeros(np.shape(x), dtype=bool)
        for v in (a, b):
            cut = np.trunc(np.round(v * scale, 6)) / scale
            out |= decimal & (np.abs(x - cut) <= floor + 1e-12 * np.abs(v))
    return out


def coarsest(ref: Any) -> Any:
    """The coarsest precision (a half-unit) accepted for a true value of magnitude `ref`, entry by entry."""
    ref = np.abs(np.asarray(ref, dtype=float))
    magnitude = np.floor(np.log10(np.where(ref > 0, ref, 1.0)))
    return np.maximum(0.5 * 10.0 ** (magnitude - (MIN_FIGURES - 1)), MIN_ABSOLUTE)


def as_value(answer: "Answer", expected: Any) -> Any:
    """The student's answer as a value of the step's own type, to recompute later steps from."""
    if isinstance(expected, dict):
        out = dict(expected)
        for n, a in (answer.entries or {}).items():
            out[n] = as_value(a, expected[n])
        return out
    v = answer.value
    if _is_integer(expected) and np.all(np.round(v) == v):
        v = v.astype(int)
        return int(v) if v.ndim == 0 else v
    if v.ndim == 0:
        return float(v)
    return v.astype(float)


# -- marking ----------------------------------------------------------------------------------------------
def check(problem: "Problem", answers: Mapping[str, "Answer"], settings: Mapping[str, Any] | None = None,
          solution: "Solution | None" = None) -> CheckResult:
    """Mark the student's `answers` (step key → Answer) for `problem` (with --set style `settings`)."""
    from tutor.api import solve

    settings = dict(settings or {})
    solution = solution or solve(problem, settings)
    errors = unknown_keys(solution, list(answers))
    if errors:
        raise ErrorList(errors) if len(errors) > 1 else errors[0]
    fitted: dict[str, Answer] = {}
    for k, a in answers.items():
        try:
            fitted[k] = fit(a, solution.values[k], k)
        except TutorError as e:
            errors.append(e)
    if errors:
        raise ErrorList(errors) if len(errors) > 1 else errors[0]
    answers = fitted
    matcher = _Matcher(problem, solution, settings)
    ancestors = _ancestors(solution)
    marks: list[Mark] = []
    student: dict[str, Any] = {}  # the student's values so far, as the steps' own types
    halves: dict[str, Any] = {}  # and the precision each was typed to
    status_of: dict[str, str] = {}
    for key, number in checkable(solution):
        expected = solution.values[key]
        title = solution.steps[key].title
        answer = answers.get(key)
        if answer is None:
            marks.append(_assembled(key, title, number, expected, solution, status_of))
            status_of[key] = marks[-1].status
            continue
        carried = recompute(solution, student, upto=key).get(key) if student else expected
        upstream_ok = all(status_of.get(k, CORRECT) in (CORRECT, MISSING) for k in ancestors[key])
        integer = _is_integer(expected)
        tol = problem.tolerance

        def agrees(low: Any, high: Any = None) -> str:
            try:
                return agreement(answer, low, high, integer=integer, tolerance=tol)  # noqa: B023
            except (TypeError, ValueError, KeyError):
                return "no"

        differs = carried is not None and agreement_differs(expected, carried)
        mark = Mark(key, title, number, WRONG, expected, answer, carried if differs else None)
        spread = _spread(solution, student, halves, ancestors[key], key, carried) if differs else None
        if upstream_ok and carried is not None:
            verdict = agrees(*_interval(expected, carried, spread))
        else:
            verdict = agrees(expected)
        if verdict == "yes":
            mark.status = CORRECT
        elif differs and agrees(*_interval(carried, carried, spread)) == "yes":
            mark.status = CARRIED
        else:
            mark.mistake, mark.detail = matcher.match(key, answer, student, agrees)
            if mark.mistake is None and verdict == "coarse":
                mark.mistake = ROUNDED_TOO_FAR
        marks.append(mark)
        status_of[key] = mark.status
        student[key] = as_value(answer, expected)
        halves[key] = answer.half if answer.entries is None else None
    return CheckResult(problem, solution, marks, settings)


def _assembled(key: str, title: str, number: int | None, expected: Any, solution: "Solution",
               status_of: dict[str, str]) -> Mark:
    """An answer that only gathers steps (Adam's θ from θ₁, θ₂, θ₃) and was not typed itself is marked from
    those steps: right when they all are. Anything else not given is missing."""
    inputs = [i for i in solution.steps[key].inputs if i in solution.steps]
    if number is None and inputs and all(i in status_of for i in inputs):
        statuses = {status_of[i] for i in inputs}
        if MISSING not in statuses:
            status = WRONG if WRONG in statuses else CARRIED if CARRIED in statuses else CORRECT
            return Mark(key, title, number, status, expected, detail="from your steps")
    return Mark(key, title, number, MISSING, expected)


def _spread(solution: "Solution", student: dict[str, Any], halves: dict[str, Any], ancestors: set[str], key: str,
            carried: Any) -> Any:
    """How far the value recomputed from the student's rounded earlier numbers could move if each of them were
    anywhere within its own typed precision (to first order: the sum of the moves one at a time). This is the
    'effect of their own rounded earlier values' that must never cost a mark."""
    if isinstance(carried, dict) or _is_integer(carried):
        return None
    base = np.asarray(carried, dtype=float)
    total = np.zeros_like(base)
    for j in ancestors:
        half = halves.get(j)
        if j not in student or half is None or _is_integer(student[j]) or not np.any(half):
            continue
        # the student's own working value lies within their typed precision, and no further from the true value
        # than what they typed (a right -0.01 for -0.0099999997 was worked with as -0.01, not anywhere in ±0.005)
        typed = np.asarray(student[j], dtype=float)
        true = np.asarray(solution.values[j], dtype=float)
        move = np.minimum(half, np.abs(typed - true)) if true.shape == typed.shape else half
        if not np.any(move):
            continue
        moved = dict(student)
        moved[j] = typed + move
        if np.ndim(moved[j]) == 0:
            moved[j] = float(moved[j])
        value = recompute(solution, moved, upto=key).get(key)
        try:
            total = total + np.abs(np.asarray(value, dtype=float) - base)
        except (TypeError, ValueError):
            continue
    return total


def _interval(a: Any, b: Any, spread: Any) -> tuple[Any, Any]:
    """[min(a, b) − spread, max(a, b) + spread], entry by entry (named entries: unchanged)."""
    if spread is None or isinstance(a, dict):
        return a, b
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.minimum(x, y) - spread, np.maximum(x, y) + spread


def agreement_differs(a: Any, b: Any) -> bool:
    """True when two values of a step differ beyond floating-point noise."""
    try:
        if isinstance(a, dict):
            return any(agreement_differs(a[k], b[k]) for k in a)
        x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        return x.shape != y.shape or not np.allclose(x, y, rtol=1e-9, atol=1e-12)
    except (TypeError, ValueError, KeyError):
        return True


def _ancestors(solution: "Solution") -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for key, step in solution.steps.items():
        acc: set[str] = set()
        for i in step.inputs:
            if i in solution.steps:
                acc.add(i)
                acc |= out.get(i, set())
        out[key] = acc
    return out


class _Matcher:
    """Finds the catalogued mistake (or the notes' slip) that gives a student's wrong number."""

    def __init__(self, problem: "Problem", solution: "Solution", settings: Mapping[str, Any]) -> None:
        self.problem, self.solution, self.settings = problem, solution, settings
        self._bases: dict[str, "Solution | None"] = {}

    def mistakes(self) -> list[Mistake]:
        return [m for m in catalogue(self.solution.kind) if m.applies is None or _applies(m, self.solution)]

    def base(self, m: Mistake) -> "Solution | None":
        """The solution a mistake starts from: the true one for wrong rules, a re-solve for wrong parameters."""
        if m.params is None:
            return self.solution
        if m.name not in self._bases:
            self._bases[m.name] = mistaken_solution(self.problem, self.settings, m)
        return self._bases[m.name]

    def values_at(self, m: Mistake, key: str, student: Mapping[str, Any]) -> list[tuple[Any, str]]:
        """What mistake `m` gives at step `key`: from the true earlier values, then from the student's."""
        base = self.base(m)
        if base is None or key not in base.steps:
            return []
        out = []
        pure = recompute(base, {}, m.rules, upto=key).get(key)
        if pure is not None:
            out.append((pure, ""))
        own = {k: v for k, v in student.items() if k in base.steps or k in base.givens}
        if own:
            mine = recompute(base, own, m.rules, upto=key).get(key)
            if mine is not None and (pure is None or agreement_differs(mine, pure)):
                out.append((mine, "from your own earlier values"))
        return out

    def match(self, key: str, answer: "Answer", student: Mapping[str, Any],
              agrees: Any) -> tuple[Mistake | None, str]:
        expected = self.solution.values[key]
        # the student's own earlier values first: what they did with their numbers is the likeliest story
        found = [(m, value, detail) for m in self.mistakes() for value, detail in self.values_at(m, key, student)]
        for m, value, detail in sorted(found, key=lambda t: t[2] == ""):
            if agreement_differs(value, expected) and agrees(value) == "yes":
                return m, detail
        return self.notes_slip(key, answer, agrees)

    def notes_slip(self, key: str, answer: "Answer", agrees: Any) -> tuple[Mistake | None, str]:
        """The student's number is the notes' own (wrong) figure for this step: say so, and what slipped."""
        from tutor.answers import parse_value

        for ns in self.solution.notes_say:
            if ns.step != key or ns.entry:
                continue
            try:
                notes = parse_value(ns.notes, what="notes value")
                if notes.value.shape != answer.value.shape:
                    continue
                same = np.allclose(notes.value, answer.value, rtol=0, atol=float(np.max(notes.half)) + 1e-12) \
                    if notes.value.size else False
            except (TutorError, ValueError, TypeError):
                continue
            if same:
                return Mistake("the notes' own figure", "Their slip: " + ns.slip, params=lambda p: {}), \
                    f"the notes give {ns.notes_text}"
        return None, ""


def _applies(m: Mistake, solution: "Solution") -> bool:
    try:
        return bool(m.applies(solution)) if m.applies else True
    except Exception:  # noqa: BLE001 - a predicate that cannot tell means "no"
        return False


def mistaken_solution(problem: "Problem", settings: Mapping[str, Any], m: Mistake) -> "Solution | None":
    """The problem solved again with a mistake's wrong reading of the parameters (None if that cannot run)."""
    from tutor.api import coerced_params, run
    from tutor.params import Params

    params = coerced_params(problem, settings)
    try:
        changes = m.params(dict(params.values)) if m.params else {}
        return run(problem, Params({**params.values, **changes}, params.given | set(changes)), settings)
    except Exception:  # noqa: BLE001 - a wrong method that does not apply to these numbers names nothing
        return None
