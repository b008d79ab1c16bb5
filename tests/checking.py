"""Shared helpers for the mistake-catalogue tests: type a value as a student would, mark it, and find the steps a
mistake changes on the bank's own problems."""

import re

import numpy as np

from tutor.answers import parse_answer
from tutor.bank import builtin_bank, load_file
from tutor.api import find_problem, solve
from tutor.check import WRONG, check, checkable, mistaken_solution
from tutor.mistakes import recompute


def text(value, digits=4):
    """A value as a student types it, rounded to `digits` decimals (or to 2 significant figures for "2sf")."""
    a = np.asarray(value, float)
    if a.ndim == 0:
        return f"{float(a):.2g}" if digits == "2sf" else f"{float(a):.{digits}f}"
    return "[" + ", ".join(text(r, digits) for r in a) + "]"


def mark(problem, key, value, digits=4, **earlier):
    answers = {k: parse_answer(text(v, digits)) for k, v in earlier.items()}
    answers[key] = parse_answer(text(value, digits))
    return next(m for m in check(problem, answers).marks if m.key == key)


def assert_named(problem, key, value, name, **earlier):
    m = mark(problem, key, value, **earlier)
    assert m.status == WRONG, (m.status, name)
    assert m.mistake is not None and m.mistake.name == name, (m.mistake, name)


def bank_problems(kind):
    """The built-in bank's problems of a kind (read file by file: faster than loading the whole bank)."""
    files = sorted(builtin_bank().rglob("*.yaml"))
    return [load_file(f) for f in files if re.search(rf"^kind: {kind}\s*$", f.read_text(encoding="utf-8"), re.M)]


def changed_steps(problem, mistake):
    """The checkable steps whose value the mistake changes (for a problem it applies to)."""
    sol = solve(problem)
    if mistake.applies is not None and not mistake.applies(sol):
        return []
    base = sol if mistake.params is None else mistaken_solution(problem, {}, mistake)
    values = recompute(base, {}, mistake.rules)
    return [k for k, _ in checkable(sol)
            if k in values and not np.allclose(np.asarray(values[k], float), np.asarray(sol.values[k], float))]


def typed(v):
    """A value as a student would type it, with enough digits to be held to it; named entries as `k = v, …`."""
    if isinstance(v, dict):
        return ", ".join(f"{k} = {typed(x)}" for k, x in v.items())
    a = np.asarray(v, float)
    if a.ndim == 0:
        return f"{float(a):.10g}"
    return "[" + ", ".join(typed(x) for x in a) + "]"


def as_text(value, digits=6):
    """A value to `digits` significant figures, flattened to a list; a mapping (a gradient per variable) as
    `x = 1, y = 2`."""
    if isinstance(value, dict):
        return ", ".join(f"{k} = {as_text(v, digits)}" for k, v in value.items())
    a = np.asarray(value, float)
    if a.ndim == 0:
        return f"{float(a):.{digits}g}"
    return "[" + ", ".join(f"{float(x):.{digits}g}" for x in a.ravel()) + "]"


def mark_of(problem, key, value, settings=None, digits=6):
    """The mark for one step typed alone (a problem or its id; a string is typed as it is)."""
    problem = find_problem(problem) if isinstance(problem, str) else problem
    text = value if isinstance(value, str) else as_text(value, digits)
    result = check(problem, {key: parse_answer(text)}, settings)
    return next(m for m in result.marks if m.key == key)


def visible_changes(problem, mistake, settings=None):
    """The checkable steps whose value the mistake changes beyond rounding noise."""
    sol = solve(problem, settings)
    base = mistaken_solution(problem, settings or {}, mistake) if mistake.params else sol
    wrong = recompute(base, {}, mistake.rules)

    def differs(a, b):
        if isinstance(b, dict):
            return any(differs(a[k], b[k]) for k in b)
        return not np.allclose(np.asarray(a, float), np.asarray(b, float), rtol=1e-4, atol=1e-7)

    return [k for k, _ in checkable(sol) if k in wrong and differs(wrong[k], sol.values[k])]
