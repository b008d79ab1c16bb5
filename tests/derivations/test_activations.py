"""The activation derivations (sigmoid, tanh, tanh = 2σ(2x) − 1, ReLU, leaky ReLU): every line proved by sympy,
each final result against an independent numeric computation (finite differences, one-sided difference
quotients, numpy identities), deliberate slips caught, and the notes' own false lines shown false."""

import copy
import functools
import math

import numpy as np
import pytest

from tutor.derivations import check as check_mod
from tutor.derivations import derive, find
from tutor.derivations.lang import parse

NAMES = ["sigmoid-derivative", "tanh-derivative", "tanh-sigmoid", "relu-derivative", "leaky-relu-derivative"]
POINTS = [-4.0, -1.3, -0.2, 0.0, 0.45, 1.0, 3.7]
ALPHAS = [0.01, 0.2, 0.7]


def sigma(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def central(f, x: float, h: float = 1e-6) -> float:
    return (f(x + h) - f(x - h)) / (2 * h)


@functools.cache
def _loaded(name: str):
    return find(name)


def load(name: str):
    """A fresh copy of the derivation (a test may change its lines)."""
    return copy.deepcopy(_loaded(name))


@functools.cache
def derived(name: str):
    """The derivation checked as it stands (read-only)."""
    return derive(load(name))


def final_value(name: str, part: int, **values: float) -> float:
    """The last line of a part, converted by the checker (as it was checked) and evaluated at `values`."""
    d = _loaded(name)
    p = d.parts[part]
    expr = check_mod.Converter(d, {}, p.signs)(p.lines[-1].expr)
    subs = {s: values[s.name] for s in expr.free_symbols}
    return float(expr.subs(subs))


# -- 1. every line is proved by sympy ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_every_line_is_proved_by_sympy(name):
    out = derived(name)
    assert out.verified
    statuses = [(p.title, ln.rule, ln.verdict.status) for p in out.parts for ln in p.lines]
    assert all(s == "sympy" for _, _, s in statuses), statuses
    assert out.derivation.topic == "activations"
    assert all(ln.rule for ln in out.lines())


# -- 2. the final results, computed independently ----------------------------------------------------------------
def test_sigmoid_derivative_against_central_differences():
    for x in POINTS:
        s = sigma(x)
        assert central(sigma, x) == pytest.approx(s * (1 - s), abs=1e-9)
        assert final_value("sigmoid-derivative", 1, x=x) == pytest.approx(central(sigma, x), abs=1e-9)
        # the fact of part 1: 1 − σ(x) = e^{−x}/(1 + e^{−x})
        assert final_value("sigmoid-derivative", 0, x=x) == pytest.approx(1 - s, abs=1e-12)
    assert final_value("sigmoid-derivative", 1, x=0.0) == pytest.approx(0.25)  # notes 004: σ′(0) = 0.25


def test_tanh_derivative_against_central_differences():
    for x in POINTS:
        assert central(math.tanh, x) == pytest.approx(1 - math.tanh(x) ** 2, abs=1e-9)
        assert final_value("tanh-derivative", 0, x=x) == pytest.approx(central(math.tanh, x), abs=1e-9)
    assert final_value("tanh-derivative", 0, x=0.0) == pytest.approx(1.0)


def test_tanh_is_a_rescaled_sigmoid_numerically():
    xs = np.linspace(-6, 6, 241)
    assert np.allclose(2 / (1 + np.exp(-2 * xs)) - 1, np.tanh(xs), atol=1e-13)
    for x in POINTS:
        d = _loaded("tanh-sigmoid")
        start = check_mod.Converter(d, {}, {})(d.goal)
        assert float(start.subs({s: x for s in start.free_symbols})) == pytest.approx(math.tanh(x), abs=1e-12)
        assert final_value("tanh-sigmoid", 0, x=x) == pytest.approx(math.tanh(x), abs=1e-12)
    # and the derivatives agree: tanh′(x) = 4σ′(2x)
    for x in POINTS:
        assert central(math.tanh, x) == pytest.approx(4 * sigma(2 * x) * (1 - sigma(2 * x)), abs=1e-9)


def relu(x: float) -> float:
    return max(0.0, x)


def leaky(x: float, a: float) -> float:
    return x if x > 0 else a * x


def test_relu_derivative_against_difference_quotients():
    for x in [0.3, 1.0, 5.0]:
        assert central(relu, x) == pytest.approx(1.0) == final_value("relu-derivative", 0, x=x)
    for x in [-0.3, -1.0, -5.0]:
        assert central(relu, x) == pytest.approx(0.0) == final_value("relu-derivative", 1, x=x)
    # at 0: the right quotient is 1 for every h > 0, the left one 0 for every h < 0; the parts end there
    for h in [1e-1, 1e-4, 1e-8]:
        assert (relu(0 + h) - relu(0)) / h == 1.0 == final_value("relu-derivative", 2)
        assert (relu(0 - h) - relu(0)) / -h == 0.0 == final_value("relu-derivative", 3)
    # the symmetric quotient at 0 is 1/2 for every h: not the value of either side, so there is no derivative
    assert central(relu, 0.0) == pytest.approx(0.5)
    # ReLU(x) = (x + |x|)/2 everywhere, and x + |x| (the notes) is twice that
    xs = np.linspace(-3, 3, 121)
    assert np.array_equal(np.maximum(0, xs), (xs + np.abs(xs)) / 2)
    assert final_value("relu-derivative", 4, x=2.5) == 2.5 and final_value("relu-derivative", 5, x=-2.5) == 0.0


def test_leaky_relu_derivative_against_difference_quotients():
    for a in ALPHAS:
        f = functools.partial(leaky, a=a)
        for x in [0.3, 1.0, 5.0]:
            assert central(f, x) == pytest.approx(1.0)
            assert final_value("leaky-relu-derivative", 0, x=x, alpha=a) == 1.0
        for x in [-0.3, -1.0, -5.0]:
            assert central(f, x) == pytest.approx(a)
            assert final_value("leaky-relu-derivative", 1, x=x, alpha=a) == pytest.approx(a)
        for h in [1e-1, 1e-4, 1e-8]:
            assert (leaky(h, a) - leaky(0, a)) / h == pytest.approx(1.0)
            assert (leaky(-h, a) - leaky(0, a)) / -h == pytest.approx(a)
        assert final_value("leaky-relu-derivative", 2, alpha=a) == 1.0
        assert final_value("leaky-relu-derivative", 3, alpha=a) == pytest.approx(a)
        xs = np.linspace(-3, 3, 121)
        closed = ((1 + a) * xs + (1 - a) * np.abs(xs)) / 2
        assert np.allclose(np.where(xs > 0, xs, a * xs), closed, atol=1e-15)
        assert not np.allclose(np.where(xs > 0, xs, a * xs), ((1 + a) * xs + (1 - a) * xs) / 2)  # the notes'
        assert final_value("leaky-relu-derivative", 4, x=1.5, alpha=a) == pytest.approx(1.5)
        assert final_value("leaky-relu-derivative", 5, x=-1.5, alpha=a) == pytest.approx(-1.5 * a)


# -- 3. deliberate slips are caught ------------------------------------------------------------------------------
SLIPS = [
    # (derivation, part, line, a plausible wrong line)
    ("sigmoid-derivative", 0, 1, "(1 - 1)/(1 + exp(-x))"),  # 1 written over the denominator as 1/1
    ("sigmoid-derivative", 1, 2, "(1 + exp(-x))^(-2) * d(1 + exp(-x), x)"),  # lost sign of the power rule
    ("sigmoid-derivative", 1, 3, "-(1 + exp(-x))^(-2) * exp(-x)"),  # lost the inner −1 of e^{−x}
    ("sigmoid-derivative", 1, 4, "exp(-x)/(1 + exp(-x))"),  # lost square
    ("sigmoid-derivative", 1, 6, "1/(1 + exp(-x)) * sigma(x)"),  # took e^{−x}/(1 + e^{−x}) for σ
    ("sigmoid-derivative", 1, 7, "sigma(x) * (1 + sigma(x))"),  # lost sign
    ("tanh-derivative", 0, 1, "((exp(x) - exp(-x))*d(exp(x) + exp(-x), x) - (exp(x) + exp(-x))*d(exp(x) - exp(-x), x))"
                              " / (exp(x) + exp(-x))^2"),  # quotient rule the wrong way round
    ("tanh-derivative", 0, 1, "((exp(x) + exp(-x))*d(exp(x) - exp(-x), x) - (exp(x) - exp(-x))*d(exp(x) + exp(-x), x))"
                              " / (exp(x) + exp(-x))"),  # denominator not squared
    ("tanh-derivative", 0, 2, "((exp(x) + exp(-x))*(exp(x) - exp(-x)) - (exp(x) - exp(-x))*(exp(x) + exp(-x)))"
                              " / (exp(x) + exp(-x))^2"),  # (e^{−x})′ taken as e^{−x}
    ("tanh-derivative", 0, 4, "1 - (exp(x) - exp(-x))^2"),  # lost denominator
    ("tanh-derivative", 0, 5, "1 - ((exp(x) + exp(-x))/(exp(x) - exp(-x)))^2"),  # upside down (notes 001 reject it)
    ("tanh-derivative", 0, 6, "1 - tanh(x)"),  # lost square
    ("tanh-sigmoid", 0, 0, "1/(1 + exp(-2*x)) - 1"),  # lost factor 2
    ("tanh-sigmoid", 0, 0, "2/(1 + exp(-x)) - 1"),  # σ(x) instead of σ(2x)
    ("tanh-sigmoid", 0, 1, "(2 - 1 + exp(-2*x))/(1 + exp(-2*x))"),  # lost bracket
    ("tanh-sigmoid", 0, 4, "(exp(x) - exp(-2*x))/(exp(x) + exp(-2*x))"),  # exponents not added
    ("relu-derivative", 0, 2, "0"),
    ("relu-derivative", 1, 2, "1"),
    ("relu-derivative", 2, 1, "limit_right((0 - 0)/h, h, 0)"),  # the wrong piece on the right
    ("relu-derivative", 2, 3, "0"),
    ("relu-derivative", 3, 1, "limit_left((h - 0)/h, h, 0)"),  # the wrong piece on the left
    ("relu-derivative", 3, 3, "1"),
    ("relu-derivative", 4, 3, "(x - abs(x))/2"),  # lost sign
    ("relu-derivative", 5, 3, "(x - abs(x))/2"),
    ("leaky-relu-derivative", 0, 1, "0"),
    ("leaky-relu-derivative", 1, 0, "d(x, x)"),  # lost α
    ("leaky-relu-derivative", 1, 3, "1"),
    ("leaky-relu-derivative", 2, 0, "limit_right((alpha*h - 0)/h, h, 0)"),  # the left piece on the right
    ("leaky-relu-derivative", 2, 2, "alpha"),
    ("leaky-relu-derivative", 3, 0, "limit_left((h - 0)/h, h, 0)"),
    ("leaky-relu-derivative", 3, 2, "1"),
    ("leaky-relu-derivative", 5, 1, "((1 + alpha)*x + (1 - alpha)*x)/2"),  # the notes' formula, as a line
    ("leaky-relu-derivative", 5, 2, "((1 + alpha)*x - (1 - alpha)*abs(x))/2"),  # lost sign
]


@pytest.mark.parametrize("name, part, line, wrong", SLIPS)
def test_a_slip_is_caught(name, part, line, wrong):
    """The slipped line against the line before it (only that pair is checked, to keep the test fast)."""
    d = load(name)
    p = d.parts[part]
    p.lines[line].expr = parse(wrong)
    p.start = p.start if line == 0 else p.lines[line - 1].expr
    p.lines, p.notes_say = [p.lines[line]], []
    verdicts, _, _ = check_mod.check_part(d, p)
    assert verdicts[0].status == "false", verdicts[0]


@pytest.mark.parametrize("name, part, line, wrong", [SLIPS[k] for k in (3, 9, 12, 21, 31)])
def test_a_slip_makes_the_whole_derivation_unverified(name, part, line, wrong):
    d = load(name)
    d.parts[part].lines[line].expr = parse(wrong)
    out = derive(d)
    assert out.parts[part].lines[line].verdict.status == "false"
    assert not out.verified
    others = [ln.verdict.status for k, ln in enumerate(out.parts[part].lines) if k not in (line, line + 1)]
    assert all(s == "sympy" for s in others)


def test_a_one_sided_limit_of_a_piecewise_takes_its_side():
    """sympy's limit(Piecewise((h, h > 0), (αh, True))/h, h, 0, '+') gives α; the checker must give 1, or the
    slip 'the right limit of leaky ReLU is α' would pass."""
    d = load("leaky-relu-derivative")
    conv = check_mod.Converter(d, {}, {})
    right = conv(parse("limit_right((leaky_relu(0 + h, alpha) - leaky_relu(0, alpha))/h, h, 0)"))
    left = conv(parse("limit_left((leaky_relu(0 + h, alpha) - leaky_relu(0, alpha))/h, h, 0)"))
    assert right == 1 and str(left) == "alpha"
    d.parts[2].lines[-1].expr = parse("alpha")
    assert derive(d).parts[2].lines[-1].verdict.status == "false"


# -- 4. the notes' false lines ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, count", [("sigmoid-derivative", 1), ("tanh-derivative", 1), ("tanh-sigmoid", 0),
                                         ("relu-derivative", 1), ("leaky-relu-derivative", 1)])
def test_the_notes_false_lines_come_out_false(name, count):
    out = derived(name)
    said = [ns for p in out.parts for ns in p.notes_say]
    assert len(said) == count
    for ns in said:
        assert ns.verdict.status == "false", (ns.source, ns.verdict)
        assert ns.says


def test_the_notes_lines_are_false_numerically_too():
    """Independently of sympy: each recorded line of the notes differs from the correct value at some point."""
    x, a = -1.2, 0.1
    # notes 004: σ′(x) = −e^{−x}/(1 + e^{−x})²
    assert -math.exp(-x) / (1 + math.exp(-x)) ** 2 != pytest.approx(central(sigma, x))
    # notes 000: the tanh numerator (e^x + e^{−x})² − (e^x − e^{−x})(e^x + e^{−x}) over (e^x + e^{−x})²
    p, m = math.exp(x) + math.exp(-x), math.exp(x) - math.exp(-x)
    assert (p * p - m * p) / p**2 != pytest.approx(central(math.tanh, x))
    # notes 001: ReLU(x) = x + |x|, LeakyReLU(x) = ((1 + α)x + (1 − α)x)/2
    assert 2.0 + abs(2.0) != relu(2.0)
    assert ((1 + a) * x + (1 - a) * x) / 2 != pytest.approx(leaky(x, a))
