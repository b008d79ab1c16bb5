"""The logistic-regression and cross-entropy derivations (sigmoid-posterior, log-sigmoid-gradient, bce-gradient,
softmax-cross-entropy): every line proved by sympy, each final result against an independent numpy computation
(finite differences, Gaussian class-conditionals, gradient steps), deliberate slips caught, and the notes' own
false lines shown false."""

import copy
import functools
import math

import numpy as np
import pytest
import sympy

from tutor.derivations import check as check_mod
from tutor.derivations import derive, find
from tutor.derivations.check import check_part
from tutor.derivations.lang import parse

NAMES = ["sigmoid-posterior", "log-sigmoid-gradient", "bce-gradient", "softmax-cross-entropy"]
TOPICS = {"sigmoid-posterior": "regression", "log-sigmoid-gradient": "regression", "bce-gradient": "regression",
          "softmax-cross-entropy": "softmax"}
NOTES_SAY = {"sigmoid-posterior": 1, "log-sigmoid-gradient": 1, "bce-gradient": 2, "softmax-cross-entropy": 2}
RNG = np.random.default_rng(20240606)


def sigma(u):
    return 1.0 / (1.0 + np.exp(-u))


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def grad_fd(f, v, h=1e-6):
    """Central finite differences of a scalar function of a vector."""
    out = np.zeros_like(v, dtype=float)
    for k in range(len(v)):
        e = np.zeros_like(v, dtype=float)
        e[k] = h
        out[k] = (f(v + e) - f(v - e)) / (2 * h)
    return out


@functools.lru_cache(maxsize=None)
def _derivation(name):
    return find(name)  # read-only: find() reads every derivation file, so once per name


def fresh(name):
    """A copy of the derivation to break on purpose (find() once, then copies: it reads every file)."""
    return copy.deepcopy(_derivation(name))


@functools.lru_cache(maxsize=None)
def _derived(name):
    return derive(_derivation(name))


@functools.lru_cache(maxsize=None)
def _line_function(name, part, line, env):
    d = _derivation(name)
    p = d.parts[part]
    expr = check_mod.Converter(d, dict(env), p.signs)(p.lines[line].expr)
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    return [s.name for s in symbols], sympy.lambdify(symbols, expr, "math")


def line_value(name, part, line, env, values):
    """A line of a derivation (-1: the last), converted by the checker for one instance (`env`: sizes, indices) and
    evaluated at `values` (symbol name → number, e.g. 'theta[2]')."""
    names, f = _line_function(name, part, line, tuple(sorted(env.items())))
    missing = set(names) - set(values)
    assert not missing, missing
    return float(f(*(float(values[k]) for k in names)))


# -- 1. every line is proved by sympy ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_every_line_is_proved_by_sympy(name):
    out = _derived(name)
    assert out.verified
    statuses = [(p.title, ln.rule, ln.verdict.status) for p in out.parts for ln in p.lines]
    assert all(s == "sympy" for _, _, s in statuses), statuses
    assert all(ln.rule for ln in out.lines())
    assert out.derivation.topic == TOPICS[name]


# -- 4. the notes' false lines come out false ---------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_the_notes_lines_are_false(name):
    out = _derived(name)
    said = [ns for p in out.parts for ns in p.notes_say]
    assert len(said) == NOTES_SAY[name]
    for ns in said:
        assert ns.verdict.status == "false", (ns.source, ns.verdict)
        assert "Notes 002" in ns.says


# -- 2. the final results, computed independently ----------------------------------------------------------------
def test_sigmoid_posterior_inverts_the_log_odds():
    # If P(y=1|x) = σ(θᵀx), the log-odds log(p/(1 − p)) are exactly θᵀx, for any θ and x.
    for _ in range(20):
        theta, x = RNG.normal(size=3), RNG.normal(size=3)
        a = float(theta @ x)
        p = sigma(a)
        assert math.log(p / (1 - p)) == pytest.approx(a, abs=1e-12)
        assert p / (1 - p) == pytest.approx(math.exp(a), rel=1e-12)  # the odds (part 1)
        for part in (2, 3):  # the two routes end at the same σ(θᵀx)
            assert line_value("sigmoid-posterior", part, -1, {}, {"a": a}) == pytest.approx(p, abs=1e-14)
    # the notes' line 114, p = (1 − P(y=0|x))e^a = p·e^a, holds only where e^a = 1: it cannot give σ
    p, a = sigma(0.8), 0.8
    assert (1 - (1 - p)) * math.exp(a) != pytest.approx(p)
    assert (1 - p) * math.exp(a) == pytest.approx(p)


def test_sigmoid_posterior_from_gaussian_classes_by_bayes():
    # Two Gaussian classes with a shared variance: Bayes' posterior p₁/(p₁ + p₀) is σ of log(p₁/p₀), and those
    # log-odds are linear (affine) in x, so the posterior is σ(θᵀx) with θ from the means (the Bayes part).
    mu1, mu0, s, pi1 = 1.3, -0.4, 0.9, 0.35

    def joint(x, mu, prior):
        return prior * math.exp(-((x - mu) ** 2) / (2 * s * s)) / math.sqrt(2 * math.pi * s * s)

    xs = np.linspace(-3, 3, 13)
    logits = []
    for x in xs:
        p1, p0 = joint(x, mu1, pi1), joint(x, mu0, 1 - pi1)
        post = p1 / (p1 + p0)
        logit = math.log(p1 / p0)
        logits.append(logit)
        assert post == pytest.approx(sigma(logit), abs=1e-14)
        assert line_value("sigmoid-posterior", 3, -1, {}, {"a": logit}) == pytest.approx(post, abs=1e-14)
    slope = (mu1 - mu0) / s**2
    intercept = (mu0**2 - mu1**2) / (2 * s**2) + math.log(pi1 / (1 - pi1))
    assert np.allclose(logits, slope * xs + intercept, atol=1e-12)
    assert np.allclose(np.diff(logits, 2), 0, atol=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_log_sigmoid_gradients_against_finite_differences(n):
    for _ in range(5):
        theta, x = RNG.normal(size=n) * 1.5, RNG.normal(size=n) * 1.5
        h = sigma(theta @ x)
        g1 = grad_fd(lambda t, x=x: math.log(sigma(t @ x)), theta)
        g0 = grad_fd(lambda t, x=x: math.log(1 - sigma(t @ x)), theta)
        assert np.allclose(g1, (1 - h) * x, atol=1e-8)
        assert np.allclose(g0, -h * x, atol=1e-8)
        values = {**{f"theta[{k + 1}]": theta[k] for k in range(n)}, **{f"x[{k + 1}]": x[k] for k in range(n)}}
        for j in range(1, n + 1):
            env = {"n": n, "j": j}
            assert line_value("log-sigmoid-gradient", 0, -1, env, values) == pytest.approx(g1[j - 1], abs=1e-8)
            assert line_value("log-sigmoid-gradient", 1, -1, env, values) == pytest.approx(g0[j - 1], abs=1e-8)


def bce(theta, X, y):
    h = sigma(X @ theta)
    return -np.sum(y * np.log(h) + (1 - y) * np.log(1 - h))


@pytest.mark.parametrize("m,n", [(1, 1), (3, 2), (6, 4)])
def test_bce_gradient_against_finite_differences(m, n):
    for _ in range(4):
        X, theta = RNG.normal(size=(m, n)), RNG.normal(size=n)
        y = RNG.integers(0, 2, size=m).astype(float)
        g = grad_fd(lambda t, X=X, y=y: bce(t, X, y), theta)
        assert np.allclose(g, X.T @ (sigma(X @ theta) - y), atol=1e-7)
        if m <= 3 and n <= 2:  # the sizes the derivation is checked for: its last line, evaluated
            values = {f"theta[{k + 1}]": theta[k] for k in range(n)}
            values |= {f"x[{i + 1},{k + 1}]": X[i, k] for i in range(m) for k in range(n)}
            values |= {f"y[{i + 1}]": y[i] for i in range(m)}
            for j in range(1, n + 1):
                env = {"m": m, "n": n, "j": j}
                assert line_value("bce-gradient", 0, -1, env, values) == pytest.approx(g[j - 1], abs=1e-7)
                # and d(−l)/dθⱼ is the opposite (the second part): the notes' line 253 has the sign of l's
                assert line_value("bce-gradient", 1, -1, env, values) == pytest.approx(-g[j - 1], abs=1e-7)


def test_bce_descent_step_with_the_derived_gradient_lowers_the_loss():
    X, theta = RNG.normal(size=(8, 3)), RNG.normal(size=3)
    y = (RNG.random(8) < 0.5).astype(float)
    g = X.T @ (sigma(X @ theta) - y)
    eta = 1e-3
    assert bce(theta - eta * g, X, y) < bce(theta, X, y)  # θ ← θ − ηΣ(h − y)x (notes line 259) descends on l
    assert bce(theta + eta * g, X, y) > bce(theta, X, y)  # the other sign climbs


def ce(z, y):
    return -np.sum(y * np.log(softmax(z)))


@pytest.mark.parametrize("n", [2, 3, 4, 7])
def test_softmax_cross_entropy_against_finite_differences(n):
    for _ in range(4):
        z = RNG.normal(size=n) * 2
        onehot = np.eye(n)[RNG.integers(n)]
        soft = RNG.dirichlet(np.ones(n))  # any distribution (label smoothing, soft targets)
        for y in (onehot, soft):
            g = grad_fd(lambda v, y=y: ce(v, y), z)
            assert np.allclose(g, softmax(z) - y, atol=1e-8)
            if n <= 4:
                values = {f"z[{k + 1}]": z[k] for k in range(n)} | {f"y[{k + 1}]": y[k] for k in range(n)}
                for j in range(1, n + 1):
                    for part in (2, 3):
                        v = line_value("softmax-cross-entropy", part, -1, {"n": n, "j": j}, values)
                        assert v == pytest.approx(g[j - 1], abs=1e-8)
        # the condition Σₖ yₖ = 1 matters: for targets that sum to c, the gradient is c·ŷ − y, not ŷ − y
        y = soft * 1.7
        g = grad_fd(lambda v, y=y: ce(v, y), z)
        assert np.allclose(g, 1.7 * softmax(z) - y, atol=1e-8)
        assert not np.allclose(g, softmax(z) - y, atol=1e-3)


def test_log_softmax_derivative_against_finite_differences():
    z = np.array([0.3, -1.2, 2.0, 0.5])
    n = len(z)
    values = {f"z[{k + 1}]": z[k] for k in range(n)}
    for i in range(n):
        g = grad_fd(lambda v, i=i: math.log(softmax(v)[i]), z)
        assert np.allclose(g, np.eye(n)[i] - softmax(z), atol=1e-8)
        for j in range(n):
            v = line_value("softmax-cross-entropy", 1, -1, {"n": n, "i": i + 1, "j": j + 1}, values)
            assert v == pytest.approx(g[j], abs=1e-8)


# -- 3. deliberate slips are caught --------------------------------------------------------------------------------
SLIPS = [
    # (derivation, part, line, the slip)
    ("sigmoid-posterior", 0, 1, "exp(-a)"),                                  # sign of the log-odds
    ("sigmoid-posterior", 1, 1, "p * exp(a)"),                               # P(y=0|x) replaced by P(y=1|x)
    ("sigmoid-posterior", 2, 0, "(p / (1 - p)) / (1 - p / (1 - p))"),        # r/(1 − r)
    ("sigmoid-posterior", 2, 2, "1 / (1 + exp(a))"),                         # lost minus in the exponent
    ("sigmoid-posterior", 3, 1, "1 / (1 + exp(log(p1 / p0)))"),              # lost minus
    ("log-sigmoid-gradient", 0, 1, "h * pd(g, theta[j]) / h"),               # σ′ = σ: lost factor (1 − h)
    ("log-sigmoid-gradient", 0, 2, "h * (1 - h) * theta[j] / h"),            # ∂(θᵀx)/∂θⱼ = θⱼ
    ("log-sigmoid-gradient", 0, 3, "1 - h"),                                 # lost factor xⱼ
    ("log-sigmoid-gradient", 1, 1, "pd(h, theta[j]) / (1 - h)"),             # lost sign of −h
    ("log-sigmoid-gradient", 1, 4, "h * x[j]"),                              # lost sign
    ("bce-gradient", 0, 2, "-Sum(y[i] * (1 - h[i]) * x[i, j] + (1 - y[i]) * h[i] * x[i, j], i, 1, m)"),
    ("bce-gradient", 0, 3, "-Sum((y[i] - y[i] * h[i] - h[i]) * x[i, j], i, 1, m)"),  # lost a term
    ("bce-gradient", 0, 4, "-Sum((y[i] - h[i]) * x[i, 1], i, 1, m)"),       # wrong index
    ("bce-gradient", 0, 5, "Sum((y[i] - h[i]) * x[i, j], i, 1, m)"),         # lost sign
    ("bce-gradient", 1, 0, "pd(l, theta[j])"),                               # lost the −
    ("softmax-cross-entropy", 1, 2, "1 - yhat[j]"),                          # the diagonal only
    ("softmax-cross-entropy", 2, 2, "-Sum(y[k] * (delta(k, j) - yhat[k]), k, 1, n)"),  # wrong index
    ("softmax-cross-entropy", 2, 4, "-y[j] + yhat[j] * Sum(y[k], k, 1, j)"),  # sum cut short
    ("softmax-cross-entropy", 2, 6, "y[j] - yhat[j]"),                       # target minus prediction
    ("softmax-cross-entropy", 3, 1, "pd(-Sum(y[k] * (z[k] + log(S)), k, 1, n), z[j])"),  # log of a quotient
    ("softmax-cross-entropy", 3, 4, "-y[j] + exp(z[j])"),                    # lost the 1/S
]


@pytest.mark.parametrize("name,part,line,slip", SLIPS)
def test_a_slip_is_caught(name, part, line, slip):
    d = fresh(name)
    p = d.parts[part]
    p.lines[line].expr = parse(slip, functions=d.functions)
    p.lines, p.notes_say = p.lines[: line + 1], []  # the lines after the slip are not needed here: keep it fast
    verdicts, _, _ = check_part(d, p)
    assert verdicts[line].status == "false", (slip, verdicts[line])
    assert all(v.verified for v in verdicts[:line])


@pytest.mark.parametrize("name,part,line,slip", [SLIPS[3], SLIPS[9], SLIPS[18]])
def test_a_slip_fails_the_whole_derivation(name, part, line, slip):
    d = fresh(name)
    d.parts[part].lines[line].expr = parse(slip, functions=d.functions)
    out = derive(d)
    assert out.parts[part].lines[line].verdict.status == "false"
    assert not out.verified


@pytest.mark.parametrize("name,part,line", [
    ("sigmoid-posterior", 0, 1),       # the modelling assumption log(p/(1 − p)) = θᵀx
    ("sigmoid-posterior", 2, 1),       # the odds are e^{θᵀx}
    ("sigmoid-posterior", 3, 2),       # the log-odds are θᵀx
    ("softmax-cross-entropy", 2, 5),   # Σₖ yₖ = 1
    ("softmax-cross-entropy", 3, 3),   # Σₖ yₖ = 1
])
def test_the_substitution_lines_need_their_assumption(name, part, line):
    # Without its `using`, a substitution line is not an identity: the assumption is what makes it true.
    d = fresh(name)
    assert d.parts[part].lines[line].using
    assert check_part(d, d.parts[part])[0][line].status == "sympy"
    d.parts[part].lines[line].using = {}
    assert check_part(d, d.parts[part])[0][line].status == "false"


def test_a_wrong_substitution_is_caught():
    d = fresh("softmax-cross-entropy")
    ln = d.parts[2].lines[5]
    ((key, _),) = ln.using.items()
    ln.using = {key: parse("2")}  # Σₖ yₖ = 2
    assert check_part(d, d.parts[2])[0][5].status == "false"
