"""Fresh, hand-friendly variants of a bank problem, for `tutor quiz`.

A problem declares how its parameters vary, and optionally constraints on the result:

    vary:
      x: {low: -1, high: 1, step: 0.1}      # every entry of the parameter drawn from this grid
      W_xi: {low: -0.5, high: 0.5, step: 0.1, nonzero: true}
      gate: {choices: [AND, OR, NAND]}      # one of these whole values
    constraints:
      - "abs(z_i) >= 0.2"                   # over givens and steps; every entry of a vector must satisfy it

A draw is rejected, and another made, when it is degenerate: it does not solve, a value is not finite, a σ or
tanh is saturated (|z| > 4, where the gradient has all but vanished and the arithmetic says nothing), an answer
is not hand-friendly (above 10⁴, or nonzero below 10⁻³), a constraint fails, a kind's own check finds a tie at
a max or a threshold, or two ways of working (the right one and the catalogued mistakes) give numbers a
student could not tell apart at 2 significant figures (or 3 decimals). The same seed always gives the same variant.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from tutor.errors import TutorError

if TYPE_CHECKING:
    from tutor.bank import Problem
    from tutor.engine.step import Solution

MAX_TRIES = 300
SATURATED = 4.0  # |z| beyond which σ(z) > 0.982 and tanh(z) > 0.9993
GRID_TYPES = ("number", "integer", "vector", "matrix", "number|vector", "series", "structure")
_RELATION = re.compile(r"(<=|>=|!=|==|<|>)")


# -- the schema --------------------------------------------------------------------------------------------
def check_vary(data: Any, kind: Any, params: dict[str, Any], err: Callable[..., None]) -> dict[str, dict[str, Any]]:
    """Validate a problem's `vary` block (every problem reported through `err(field_path, message)`)."""
    if not isinstance(data, dict) or not data:
        err("vary", "expected a mapping of parameter names to {low, high, step} or {choices: [...]}")
        return {}
    from tutor.errors import did_you_mean
    from tutor.params import coerce

    out: dict[str, dict[str, Any]] = {}
    names = [p.name for p in kind.params] if kind else []
    for name, spec in data.items():
        here = f"vary.{name}"
        p = kind.param(str(name)) if kind else None
        if kind and p is None:
            err(here, f"kind {kind.name} has no parameter {name!r}{did_you_mean(str(name), names)}", key=True)
            continue
        if not isinstance(spec, dict):
            err(here, f"expected {{low, high, step}} or {{choices: [...]}}, got {spec!r}")
            continue
        unknown = set(spec) - {"low", "high", "step", "nonzero", "choices"}
        if unknown:
            err(here, f"unknown key {sorted(unknown)[0]!r}; a variation is {{low, high, step, nonzero}} or "
                      "{choices: [...]}")
            continue
        if "choices" in spec:
            choices = spec["choices"]
            if set(spec) != {"choices"} or not isinstance(choices, list) or not choices:
                err(f"{here}.choices", "expected a non-empty list of values (and nothing else beside it)")
                continue
            ok = True
            for i, c in enumerate(choices):
                try:
                    if p is not None:
                        coerce(p, c)
                except TutorError as e:
                    err(f"{here}.choices[{i}]", e.message)
                    ok = False
            if ok:
                out[str(name)] = {"choices": list(choices)}
            continue
        missing = [k for k in ("low", "high", "step") if k not in spec]
        if missing:
            err(here, f"missing {', '.join(missing)}; a grid is {{low, high, step}}")
            continue
        nums = {k: spec[k] for k in ("low", "high", "step")}
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in nums.values()):
            err(here, f"low, high and step must be numbers, got {nums}")
            continue
        low, high, step = (float(nums[k]) for k in ("low", "high", "step"))
        if not (step > 0 and high > low):
            err(here, f"expected low < high and step > 0, got low {low:g}, high {high:g}, step {step:g}")
            continue
        if (high - low) / step > 100_000:
            err(here, f"the grid has {(high - low) / step:.0f} points; at most 100000")
            continue
        if p is not None and p.type not in GRID_TYPES:
            err(here, f"parameter {name!r} is {p.type}; give it {{choices: [...]}} instead of a grid")
            continue
        if str(name) in params and not _numeric(params[str(name)]):
            err(here, f"the file's value of {name!r} is not numbers, so it cannot be drawn from a grid")
            continue
        if "nonzero" in spec and not isinstance(spec["nonzero"], bool):
            err(f"{here}.nonzero", f"expected true or false, got {spec['nonzero']!r}")
            continue
        out[str(name)] = {"low": low, "high": high, "step": step, "nonzero": bool(spec.get("nonzero", False))}
    return out


def check_constraints(data: Any, err: Callable[..., None]) -> list[str]:
    if not isinstance(data, list) or not all(isinstance(c, str) for c in data):
        err("constraints", "expected a list of conditions as text, such as \"abs(z_i) >= 0.2\"")
        return []
    for i, c in enumerate(data):
        try:
            parse_constraint(c)
        except TutorError as e:
            err(f"constraints[{i}]", e.message)
    return list(data)


def parse_constraint(text: str) -> tuple[Any, str, Any]:
    from tutor.safe_expr import parse

    parts = _RELATION.split(text)
    if len(parts) != 3:
        raise TutorError(f"expected one comparison (< <= > >= != ==) between two expressions, got {text!r}")
    names = re.findall(r"[A-Za-z_]\w*", text)
    lhs = parse(parts[0].strip(), names, what="constraint")
    rhs = parse(parts[2].strip(), names, what="constraint")
    return lhs, parts[1], rhs


def _numeric(value: Any) -> bool:
    try:
        a = np.asarray(value, dtype=float)
        return bool(a.size) and bool(np.all(np.isfinite(a)))
    except (TypeError, ValueError):
        return False


# -- drawing -----------------------------------------------------------------------------------------------
@dataclass
class Variant:
    problem: "Problem"
    settings: dict[str, Any]  # the drawn parameters, as --set would give them
    solution: "Solution"
    seed: int
    tries: int


def item_seed(seed: int, *parts: object) -> int:
    """A stable 63-bit seed from the quiz seed and what is being drawn (not Python's salted hash)."""
    text = ":".join(str(p) for p in (seed, *parts))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1


def draw(problem: "Problem", seed: int, keys: list[str] | None = None, max_tries: int = MAX_TRIES) -> Variant:
    """A non-degenerate variant of `problem`; the same seed gives the same variant. A problem without `vary`
    is its own (only) variant."""
    from tutor.api import solve

    if not problem.vary:
        return Variant(problem, {}, solve(problem), seed, 1)
    rng = np.random.default_rng(item_seed(seed, problem.id))
    reasons: dict[str, int] = {}
    for attempt in range(1, max_tries + 1):
        settings = {name: _draw_one(rng, spec, problem.params.get(name)) for name, spec in problem.vary.items()}
        try:
            solution = solve(problem, settings)
            reason = degenerate_reason(problem, solution, settings, keys)
        except TutorError as e:
            reason = f"does not solve ({e.message})"
        if reason is None:
            solution.notes = [n for n in solution.notes if "not compared after --set" not in n]
            return Variant(problem, settings, solution, seed, attempt)
        reasons[reason] = reasons.get(reason, 0) + 1
    common = sorted(reasons.items(), key=lambda kv: -kv[1])[:2]
    raise TutorError(f"could not draw a usable variant of {problem.id} in {max_tries} tries (most often: "
                     f"{'; '.join(f'{r} ({n}×)' for r, n in common)}); widen its `vary` ranges or relax its "
                     "constraints", where=problem.where("vary"), field="vary")


def _draw_one(rng: np.random.Generator, spec: dict[str, Any], current: Any) -> Any:
    if "choices" in spec:
        return spec["choices"][int(rng.integers(len(spec["choices"])))]
    low, high, step = spec["low"], spec["high"], spec["step"]
    n = int(round((high - low) / step))
    decimals = max(0, -int(np.floor(np.log10(step) + 1e-9))) if step < 1 else 0
    grid = np.round(low + step * np.arange(n + 1), decimals)
    if spec["nonzero"]:
        grid = grid[grid != 0] if np.any(grid != 0) else grid
    shape = np.shape(np.asarray(current, dtype=float)) if current is not None else ()
    values = rng.choice(grid, size=shape) if shape else rng.choice(grid)
    values = np.asarray(values, dtype=float)
    if float(step).is_integer() and float(low).is_integer():
        return values.astype(int).tolist()
    return np.round(values, decimals).tolist()


def degenerate_reason(problem: "Problem", solution: "Solution", settings: dict[str, Any],
                      keys: list[str] | None = None) -> str | None:
    """Why this variant is no good for practice, or None."""
    from tutor.engine import expr as E
    from tutor.mistakes import degeneracy_checks

    for key, value in solution.values.items():
        arr = _floats(value)
        if arr is not None and not np.all(np.isfinite(arr)):
            return f"{key} is not finite"
    for key, step in solution.steps.items():
        f = step.formula
        if isinstance(f, E.Call) and f.fn in ("σ", "tanh") and len(step.inputs) == 1:
            z = _floats(solution.values[step.inputs[0]])
            if z is not None and np.any(np.abs(z) > SATURATED):
                return f"{f.fn} saturated at {key}"
    keys = keys or list(solution.answer_keys)
    for key in keys:
        arr = _floats(solution.values[key])
        if arr is None or _is_int(solution.values[key]):
            continue
        big = np.abs(arr)
        if np.any(big > 1e4) or np.any((big > 0) & (big < 1e-3)):
            return f"{key} is not hand-friendly"
    for text in problem.constraints:
        if not _holds(text, solution):
            return f"constraint {text!r} fails"
    for check in degeneracy_checks(solution.kind):
        reason = check(solution)
        if reason:
            return reason
    return _coinciding_mistakes(problem, solution, settings, keys)


def _coinciding_mistakes(problem: "Problem", solution: "Solution", settings: dict[str, Any],
                         keys: list[str]) -> str | None:
    """Two ways of working (the right one, the catalogued mistakes) that differ but agree to 2 decimals at a
    key step: a student could not be told which they did, or would be marked right for a wrong method."""
    from tutor.check import _Matcher, agreement_differs
    from tutor.mistakes import recompute

    matcher = _Matcher(problem, solution, settings)
    for key in keys:
        outcomes: list[tuple[str, Any]] = [("the right method", solution.values[key])]
        for m in matcher.mistakes():
            base = matcher.base(m)
            if base is None or key not in base.steps:
                continue
            value = recompute(base, {}, m.rules, upto=key).get(key)
            if value is None or not agreement_differs(value, solution.values[key]):
                continue
            outcomes.append((m.name, value))
        integer = _is_int(solution.values[key])  # whole numbers are marked exactly, so never "close"
        for i in range(len(outcomes)):
            for j in range(i + 1, len(outcomes)):
                a, b = outcomes[i][1], outcomes[j][1]
                if agreement_differs(a, b) and not integer and _close(a, b):
                    return f"{outcomes[i][0]} and {outcomes[j][0]} agree at {key}"
    return None


def _close(a: Any, b: Any) -> bool:
    """Could one answer typed at the coarsest precision `tutor check` accepts (2 significant figures or 3
    decimals) be read as either? Then a student's method cannot be told from it."""
    from tutor.check import coarsest

    try:
        if isinstance(a, dict):
            return all(_close(a[k], b[k]) for k in a)
        x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        return x.shape == y.shape and bool(np.all(np.abs(x - y) < 2 * coarsest(np.maximum(np.abs(x), np.abs(y)))))
    except (TypeError, ValueError, KeyError):
        return False


def _floats(value: Any) -> np.ndarray | None:
    if isinstance(value, dict):
        found = [_floats(v) for v in value.values()]
        parts = [p.ravel() for p in found if p is not None]
        return np.concatenate(parts) if parts else None
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return arr


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) or (isinstance(value, np.ndarray) and value.dtype.kind in "iu")


def _holds(text: str, solution: "Solution") -> bool:
    """A constraint, for every entry of the vectors it mentions (an unknown name is an instructor's error)."""
    from tutor.safe_expr import evaluate, variables_of

    lhs, op, rhs = parse_constraint(text)
    names = list(dict.fromkeys(variables_of(lhs) + variables_of(rhs)))
    unknown = [n for n in names if n not in solution.values]
    if unknown:
        from tutor.errors import did_you_mean

        raise TutorError(f"constraint {text!r}: no given or step {unknown[0]!r}"
                         f"{did_you_mean(unknown[0], list(solution.values))}", field="constraints")
    arrays = {n: np.asarray(solution.values[n], dtype=float) for n in names}
    try:
        shape = np.broadcast_shapes(*[a.shape for a in arrays.values()]) if arrays else ()
    except ValueError:
        raise TutorError(f"constraint {text!r}: its values have shapes that do not match", field="constraints") \
            from None
    flat = {n: np.broadcast_to(a, shape).ravel() for n, a in arrays.items()}
    size = int(np.prod(shape)) if shape else 1
    for i in range(size):
        env = {n: float(v[i]) for n, v in flat.items()}
        x, y = evaluate(lhs, env), evaluate(rhs, env)
        ok = {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y, "!=": x != y, "==": x == y}[op]
        if not ok:
            return False
    return True
