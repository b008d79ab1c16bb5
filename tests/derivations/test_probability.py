"""Derivations of the probability / recurrence / curvature group: variance, kl-cross-entropy, recurrence-unrolling,
hessian-condition.

For each: every line is proved by sympy; the final result is checked independently with numpy (random
distributions, a loop over the recurrence, finite-difference Hessians); plausible student slips put in place of a
line are caught; and the lines the notes get wrong come out false.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from tutor.derivations import derive, find
from tutor.derivations.lang import parse
from tutor.derivations.model import from_data

NAMES = ["variance", "kl-cross-entropy", "recurrence-unrolling", "hessian-condition"]
RNG = np.random.default_rng(20261121)


@pytest.fixture(scope="module")
def loaded():
    return {name: find(name) for name in NAMES}


@pytest.fixture(scope="module")
def derived(loaded):
    return {name: derive(d) for name, d in loaded.items()}


# -- 1. every line proved by sympy ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_every_line_is_proved_by_sympy(derived, name):
    r = derived[name]
    assert r.verified
    bad = [(p.title, ln.rule, ln.verdict.status, ln.verdict.detail)
           for p in r.parts for ln in p.lines if ln.verdict.status != "sympy"]
    assert bad == []


def test_metadata(loaded):
    topics = {name: d.topic for name, d in loaded.items()}
    assert topics == {"variance": "probability", "kl-cross-entropy": "information",
                      "recurrence-unrolling": "recurrent", "hessian-condition": "optimization"}
    for d in loaded.values():
        assert d.summary and d.source
        assert all(ln.rule for p in d.parts for ln in p.lines)


# -- 2. independent checks of the results ------------------------------------------------------------------------
def _distribution(n):
    return RNG.dirichlet(np.ones(n))


def test_variance_shortcut_numerically():
    for n in (2, 3, 5, 10):
        for _ in range(20):
            p, x = _distribution(n), RNG.normal(0, 3, n)
            mu = np.sum(p * x)
            by_definition = np.sum(p * (x - mu) ** 2)
            shortcut = np.sum(p * x**2) - np.sum(p * x) ** 2
            assert by_definition == pytest.approx(shortcut, rel=1e-9, abs=1e-12)
            assert by_definition >= 0
    # equally likely values: numpy's population variance (ddof=0), as the conventions note says
    x = RNG.normal(0, 1, 7)
    assert np.var(x) == pytest.approx(np.mean(x**2) - np.mean(x) ** 2)
    assert np.var(x, ddof=1) != pytest.approx(np.var(x))


def _kl(p, q):
    return float(np.sum(p * np.log(p / q)))


def _ce(p, q):
    return float(np.sum(p * np.log(1 / q)))


def _h(p):
    return float(np.sum(p * np.log(1 / p)))


def test_kl_is_cross_entropy_minus_entropy_numerically():
    for n in (2, 3, 4, 8):
        for _ in range(20):
            p, q = _distribution(n), _distribution(n)
            assert _kl(p, q) == pytest.approx(_ce(p, q) - _h(p), rel=1e-9, abs=1e-12)
            assert _kl(p, q) >= -1e-12  # Gibbs' inequality, for distributions
            # any base: in bits every term is divided by ln 2
            bits = float(np.sum(p * np.log2(p / q)))
            assert bits == pytest.approx(_kl(p, q) / math.log(2))
    # the identity itself needs no normalisation (the notes say so)
    u, v = RNG.uniform(0.1, 3, 5), RNG.uniform(0.1, 3, 5)
    assert _kl(u, v) == pytest.approx(_ce(u, v) - _h(u))


def test_kl_example_numbers_in_bits():
    p, q = np.array([0.7, 0.2, 0.1]), np.array([0.6, 0.3, 0.1])
    ce, h = -np.sum(p * np.log2(q)), -np.sum(p * np.log2(p))
    kl = 0.7 * math.log2(7 / 6) + 0.2 * math.log2(2 / 3)
    assert ce == pytest.approx(1.195, abs=5e-4)
    assert h == pytest.approx(1.157, abs=5e-4)
    assert kl == pytest.approx(ce - h) and kl == pytest.approx(0.0387, abs=5e-5)
    assert np.sum(q * np.log2(q / p)) == pytest.approx(0.0421, abs=5e-5)  # not symmetric


def test_kl_library_conventions():
    scipy_stats = pytest.importorskip("scipy.stats")
    p, q = _distribution(4), _distribution(4)
    assert scipy_stats.entropy(p, q) == pytest.approx(_kl(p, q))
    assert scipy_stats.entropy(p) == pytest.approx(_h(p))


def test_kl_torch_convention():
    torch = pytest.importorskip("torch")
    p, q = _distribution(5), _distribution(5)
    out = torch.nn.functional.kl_div(torch.tensor(np.log(q)), torch.tensor(p), reduction="sum")
    assert float(out) == pytest.approx(_kl(p, q))


def _iterate(a, b, start, n):
    f = start
    for _ in range(n):
        f = a * f + b
    return f


def test_recurrence_closed_form_against_a_loop():
    for _ in range(50):
        a, b, start = RNG.uniform(-1.8, 1.8, 3)
        for n in range(1, 12):
            pattern = a**n * start + b * sum(a**k for k in range(n))
            assert _iterate(a, b, start, n) == pytest.approx(pattern, rel=1e-9, abs=1e-9)
            if abs(1 - a) > 1e-3:
                assert pattern == pytest.approx(a**n * start + b * (1 - a**n) / (1 - a), rel=1e-9, abs=1e-9)


def test_recurrence_gradient_by_finite_differences():
    h = 1e-6
    for a in (0.5, -0.9, 1.0, 1.5):
        for n in (1, 3, 7):
            b, start = 0.3, -0.4
            slope = (_iterate(a, b, start + h, n) - _iterate(a, b, start - h, n)) / (2 * h)
            assert slope == pytest.approx(a**n, rel=1e-6)
    # the notes' numbers for vanishing and exploding gradients
    assert 0.5**20 == pytest.approx(9.5e-7, rel=0.01)
    assert 1.5**20 == pytest.approx(3325, rel=0.001)


def test_notes_n_times_b_only_for_a_equal_1():
    start, b = 0.7, 1.3
    for n in (2, 3, 5):
        assert _iterate(1.0, b, start, n) == pytest.approx(start + n * b)
        assert _iterate(2.0, b, start, n) != pytest.approx(2.0**n * start + n * b)


def _quadratic(a, b, c):
    return lambda w1, w2: (a * w1**2 + 2 * b * w1 * w2 + c * w2**2) / 2


def _numeric_hessian(f, w, h=1e-4):
    out = np.zeros((2, 2))
    e = np.eye(2) * h
    for i in range(2):
        for j in range(2):
            out[i, j] = (f(*(w + e[i] + e[j])) - f(*(w + e[i] - e[j])) - f(*(w - e[i] + e[j]))
                         + f(*(w - e[i] - e[j]))) / (4 * h * h)
    return out


def test_hessian_and_eigenvalues_numerically():
    for _ in range(30):
        a, b, c = RNG.uniform(-5, 5, 3)
        w = RNG.uniform(-2, 2, 2)
        H = _numeric_hessian(_quadratic(a, b, c), w)
        assert H == pytest.approx(np.array([[a, b], [b, c]]), abs=1e-5)
        s = math.sqrt((a - c) ** 2 + 4 * b**2)
        lam = sorted([((a + c) - s) / 2, ((a + c) + s) / 2])
        assert list(np.linalg.eigvalsh(np.array([[a, b], [b, c]]))) == pytest.approx(lam, abs=1e-9)


def test_notes_example_condition_number_and_gradient_descent():
    H = _numeric_hessian(lambda w1, w2: 100 * w1**2 + w2**2, np.array([0.3, -1.2]))
    assert H == pytest.approx(np.array([[200, 0], [0, 2]]), abs=1e-4)
    lam = np.linalg.eigvalsh(np.array([[200.0, 0], [0, 2]]))
    assert list(lam) == pytest.approx([2, 200])
    assert lam.max() / lam.min() == pytest.approx(100) and np.linalg.cond(np.diag([200.0, 2])) == pytest.approx(100)

    def descend(eta, steps):
        w = np.array([1.0, 1.0])
        history = [w]
        for _ in range(steps):
            w = w - eta * np.array([200 * w[0], 2 * w[1]])
            history.append(w)
        return np.array(history)

    assert abs(descend(0.0101, 200)[-1, 0]) > 1  # above 2/λmax the steep direction diverges
    path = descend(0.009, 400)
    assert np.all(np.sign(path[1:12, 0]) == np.array([(-1) ** k for k in range(1, 12)]))  # zig-zag
    assert path[100, 1] > 0.1  # the flat direction: still far from 0 after 100 steps
    assert path[400, 1] < 1e-3  # ... and within 1e-3 only after hundreds


# -- 3. slips are caught -------------------------------------------------------------------------------------------
SLIPS = [
    # (derivation, part, line, a student's wrong line)
    ("variance", 0, 0, "E(X - mu)^2"),  # the square outside the expectation
    ("variance", 0, 1, "E(X^2 - 2*mu*X - mu^2)"),  # lost sign
    ("variance", 0, 3, "E(X^2) - mu*E(X) + mu^2"),  # missing factor 2
    ("variance", 0, 4, "E(X^2) - 2*mu + mu^2"),  # lost square
    ("variance", 0, 6, "E(X^2) - E(X)"),  # lost square
    ("kl-cross-entropy", 0, 0, "Sum(q[k] * log(q[k] / p[k]), k, 1, n)"),  # KL(q‖p), the wrong direction
    ("kl-cross-entropy", 0, 1, "Sum(p[k] * (log(1 / p[k]) - log(1 / q[k])), k, 1, n)"),  # sign
    ("kl-cross-entropy", 0, 4, "CE(q, p) - H(p)"),  # cross-entropy's arguments swapped
    ("kl-cross-entropy", 0, 4, "H(p) - CE(p, q)"),  # reversed
    ("kl-cross-entropy", 2, 0, "0.7 * log2(6 / 7) + 0.2 * log2(2 / 3) + 0.1 * log2(1)"),  # ratio upside down
    ("recurrence-unrolling", 0, 1, "a*(a*f(t - 2)) + b"),  # lost the inner b
    ("recurrence-unrolling", 0, 4, "a^3*f(t - 3) + b*(a^2 + a)"),  # lost the last b
    ("recurrence-unrolling", 2, 1, "a^(n + 1)*f(t - n) + a^n*b + b*Sum(a^k, k, 0, n - 1)"),  # wrong index
    ("recurrence-unrolling", 2, 3, "a^(n + 1)*f(t - (n + 1)) + b*Sum(a^k, k, 0, n + 1)"),  # wrong bound
    ("recurrence-unrolling", 3, 2, "b*(1 - a^(n + 1)) / (1 - a)"),  # off by one
    ("recurrence-unrolling", 4, 3, "a^(n - 1)"),  # one factor short
    ("hessian-condition", 0, 2, "[[a*w1 + 2*b*w2], [b*w1 + c*w2]]"),  # the ½ not cancelled in one term
    ("hessian-condition", 1, 2, "[[a, 2*b], [2*b, c]]"),  # missing factor ½
    ("hessian-condition", 2, 1, "(a - lam)*(c - lam) + b^2"),  # sign of the determinant
    ("hessian-condition", 3, 0, "((a + c + s) / 2)^2 - (a + c)*(a + c + s) + a*c - b^2"),  # lost /2
    ("hessian-condition", 5, 2, "[[200, 0], [0, 1]]"),  # lost the 2 of the power rule
    ("hessian-condition", 6, 1, "((202 + 198) / 2) / (202 - 198)"),  # missing factor
]


@pytest.mark.parametrize("name, part, line, text", SLIPS)
def test_slips_are_caught(loaded, name, part, line, text):
    d = copy.deepcopy(loaded[name])
    d.parts[part].lines[line].expr = parse(text, functions=d.functions)
    r = derive(d)
    assert r.parts[part].lines[line].verdict.status == "false"
    assert not r.verified
    # only the changed line and the one after it can be affected
    others = [ln.verdict.status for k, p in enumerate(r.parts) for j, ln in enumerate(p.lines)
              if (k, j) not in ((part, line), (part, line + 1))]
    assert all(s == "sympy" for s in others)


# -- 4. the notes' false lines --------------------------------------------------------------------------------------
def test_notes_say_lines_are_false(derived):
    found = [(name, ns) for name, r in derived.items() for p in r.parts for ns in p.notes_say]
    assert [name for name, _ in found] == ["recurrence-unrolling"]
    for _, ns in found:
        assert ns.verdict.status == "false"
        assert "n·b" in ns.says


# -- the engine: E of a constant, functions of distributions ------------------------------------------------------
def _tiny(lines, define=None):
    data = {"format_version": 1, "name": "tiny", "title": "t", "topic": "probability", "sizes": {"n": [2, 3]},
            "random": {"X": {"values": "x", "probs": "p", "size": "n"}}, "define": define or {},
            "parts": [{"title": "p", "from": lines[0], "lines": [{"rule": "r", "expr": e} for e in lines[1:]]}]}
    return derive(from_data(data, {}, "tiny.yaml"))


def test_expectation_of_a_constant():
    assert _tiny(["E(c^2)", "c^2"]).verified
    assert _tiny(["E(E(X)*X)", "E(X)^2"]).verified
    assert _tiny(["Var(c)", "0"]).verified
    assert _tiny(["E(c)", "2*c"]).lines()[0].verdict.status == "false"
    # a random variable hidden in a definition is not taken for a constant
    r = _tiny(["E(Z)", "E(X^2)"], define={"Z": "X^2"})
    assert r.lines()[0].verdict.status == "unverified"
