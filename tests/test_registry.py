"""The bank's self-test (as rustlings' `dev check`): every kind documented, every problem loads and solves."""

import importlib
import subprocess
import sys

import pytest

from tutor.api import load_bank, solve
from tutor.registry import KINDS, MODULES, all_kinds

HEADLINE = ["perceptron", "perceptron_network", "softmax_jacobian", "lstm_step", "attention", "kl_divergence",
            "adam", "computational_graph"]


def test_module_table_matches_the_modules():
    for kind, module in MODULES.items():
        importlib.import_module(module)
        assert kind in KINDS, f"{module} does not register {kind}"
    assert set(KINDS) == set(MODULES)


def test_every_kind_is_documented():
    for k in all_kinds():
        assert k.title and k.topic and k.doc, k.name
        assert k.answer, k.name
        names = [p.name for p in k.params]
        assert len(names) == len(set(names)), k.name
        for p in k.params:
            assert p.meaning, (k.name, p.name)
            if p.type == "choice":
                assert p.choices, (k.name, p.name)


def test_every_problem_loads_and_solves():
    bank = load_bank()
    assert not bank.errors, "\n".join(map(str, bank.errors))
    ids = [p.id for p in bank.problems]
    assert len(ids) == len(set(ids))
    for p in bank.problems:
        sol = solve(p)
        for key in KINDS[p.kind].answer:
            assert key in sol.steps, (p.id, key)
        assert p.source is None or p.source["file"].split("_")[0].isdigit(), p.id
        assert p.prompt, f"{p.id} has no prompt"


@pytest.mark.parametrize("kind", HEADLINE)
def test_every_headline_kind_has_a_problem_from_the_notes(kind):
    assert any(p.kind == kind and p.source for p in load_bank().problems), kind


def test_solving_lstm_imports_neither_sympy_nor_the_other_solvers():
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from tutor.cli import app\n"
        "r = CliRunner().invoke(app, ['solve', 'lstm-step'])\n"
        "assert r.exit_code == 0, r.output\n"
        "heavy = [m for m in ('sympy', 'tutor.solvers.adam', 'tutor.solvers.graph') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def _same(a, b):
    import numpy as np

    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return np.allclose(np.asarray(a, float), np.asarray(b, float), rtol=1e-9, atol=1e-12, equal_nan=True)


def test_replacing_a_given_matches_solving_again_with_it():
    """Every rule reads its inputs (no closure over a precomputed number): perturbing a given and recomputing
    downstream gives what a fresh solve with that parameter gives. Check-my-answer is built on this."""
    import numpy as np

    from tutor.registry import get_kind

    checked = 0
    for p in load_bank().problems:
        sol = solve(p)
        kind = get_kind(p.kind)
        for name in sol.givens:
            param = kind.param(name)
            if param is None or param.type not in ("number", "vector", "matrix", "number|vector") \
                    or name not in p.params or name in ("iterations",):
                continue
            value = np.asarray(sol.values[name], float)
            nudged = value + 0.01 * (1 + np.arange(value.size).reshape(value.shape) % 3)
            raw = nudged.tolist() if nudged.ndim else float(nudged)
            if param.type == "matrix" and np.ndim(p.params[name]) == 1:
                raw = raw[0]  # a flat list in the file is one row
            try:
                fresh = solve(type(p)(**{**p.__dict__, "params": {**p.params, name: raw}}))
            except Exception:  # the nudge made the problem invalid (e.g. no longer a distribution)
                continue
            replaced = sol.replace({name: nudged if nudged.ndim else float(nudged)})
            for key in fresh.steps:
                if key in replaced.steps:
                    assert _same(replaced.values[key], fresh.values[key]), (p.id, name, key)
            checked += 1
    assert checked >= 20
