"""gradient_chain against a plain-Python forward/backward pass and finite differences of the loss; gradient_check
against derivatives worked by hand and CS231n's relative error, all written in this test."""

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import solve_params
from tutor.cli import app
from tutor.errors import TutorError


# -- an independent chain ---------------------------------------------------------------------------------------------
def act(fn, z, alpha=0.01):
    return {"sigmoid": lambda: 1 / (1 + math.exp(-z)), "tanh": lambda: math.tanh(z),
            "relu": lambda: max(z, 0.0), "leaky_relu": lambda: z if z > 0 else alpha * z}[fn]()


def forward(fn, x, ws, y=None, alpha=0.01):
    a = x
    for w in ws:
        a = act(fn, w * a, alpha)
    return 0.5 * (a - y) ** 2 if y is not None else a


def fd(f, v, h=1e-6):
    return (f(v + h) - f(v - h)) / (2 * h)


def fd_weight(fn, x, ws, y, k, alpha=0.01):
    def f(wk):
        w2 = list(ws)
        w2[k] = wk
        return forward(fn, x, w2, y, alpha)
    return fd(f, ws[k])


SIGMOID_NOTES = dict(x=1, y=1, weights=[0.5, 0.5, 0.5], activation="sigmoid")
RELU_NOTES = dict(x=1, y=1, weights=[5, 5, 5], activation="relu")


def test_sigmoid_chain_against_plain_python():
    sol = solve_params("gradient_chain", **SIGMOID_NOTES)
    s = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    a1 = s(0.5)
    a2 = s(0.5 * a1)
    a3 = s(0.5 * a2)
    np.testing.assert_allclose(sol.value("a"), [a1, a2, a3], rtol=1e-14)
    assert sol.value("L") == pytest.approx(0.5 * (a3 - 1) ** 2, rel=1e-14)
    locals_ = [0.5 * a * (1 - a) for a in (a1, a2, a3)]
    np.testing.assert_allclose(sol.value("local"), locals_, rtol=1e-14)
    assert sol.value("chain") == pytest.approx(np.prod(locals_), rel=1e-14)
    # the backward pass against finite differences of the loss itself
    ws = [0.5, 0.5, 0.5]
    assert sol.value("grad_x") == pytest.approx(fd(lambda v: forward("sigmoid", v, ws, 1), 1.0), rel=1e-7)
    for k in range(3):
        assert sol.value(f"grad_w{k + 1}") == pytest.approx(fd_weight("sigmoid", 1.0, ws, 1, k), rel=1e-7)
    np.testing.assert_allclose(sol.value("grad_w"), [sol.value(f"grad_w{k}") for k in (1, 2, 3)])
    # hand-checked: a₃ − y = 0.571652 − 1 = −0.428348, ∂L/∂x = −0.000752
    assert sol.value("grad_a3") == pytest.approx(-0.428348, abs=1e-6)
    assert sol.value("grad_x") == pytest.approx(-0.000752, abs=5e-7)
    assert sol.answer_keys == ("a", "local", "chain", "grad_x")


def test_sigmoid_chain_says_vanishing():
    sol = solve_params("gradient_chain", **SIGMOID_NOTES)
    why = sol.explanation("chain")
    assert "vanishing" in why and "0.25" in why
    assert "shrinks" in sol.explanation("local_1")


def test_relu_chain_exact():
    sol = solve_params("gradient_chain", **RELU_NOTES)
    np.testing.assert_array_equal(sol.value("a"), [5, 25, 125])
    assert sol.value("L") == 7688
    assert [sol.value(k) for k in ("grad_a3", "grad_z3", "grad_a2", "grad_z2", "grad_a1", "grad_z1", "grad_x")] \
        == [124, 124, 620, 620, 3100, 3100, 15500]
    assert [sol.value(f"grad_w{k}") for k in (1, 2, 3)] == [3100, 3100, 3100]
    assert sol.value("chain") == 125
    assert "exploding" in sol.explanation("chain") and "clipping" in sol.explanation("chain")
    assert any("ReLU′(0)" in c for c in sol.conventions)


def test_single_weight_with_layers_is_the_same_chain():
    a = solve_params("gradient_chain", **dict(RELU_NOTES, weights=5, layers=3))
    b = solve_params("gradient_chain", **RELU_NOTES)
    for k in ("a", "local", "chain", "grad_x", "grad_w"):
        np.testing.assert_array_equal(a.value(k), b.value(k))


@pytest.mark.parametrize("fn,ws", [("tanh", [0.9, -1.3, 0.7, 2.0]), ("leaky_relu", [-2.0, 0.5, 3.0]),
                                   ("sigmoid", [3.0, -2.0]), ("relu", [1.5, 0.5])])
def test_other_chains_against_finite_differences(fn, ws):
    x, y = 0.8, -0.3
    sol = solve_params("gradient_chain", x=x, y=y, weights=ws, activation=fn)
    assert sol.value("L") == pytest.approx(forward(fn, x, ws, y), rel=1e-13)
    assert sol.value("grad_x") == pytest.approx(fd(lambda v: forward(fn, v, ws, y), x), rel=1e-6, abs=1e-10)
    for k in range(len(ws)):
        assert sol.value(f"grad_w{k + 1}") == pytest.approx(fd_weight(fn, x, ws, y, k), rel=1e-6, abs=1e-10)


def test_without_target_the_output_is_differentiated():
    ws = [0.9, -1.3, 0.7]
    sol = solve_params("gradient_chain", x=0.4, weights=ws, activation="tanh")
    assert "L" not in sol.steps and sol.value("grad_a3") == 1.0
    d = fd(lambda v: forward("tanh", v, ws), 0.4)
    assert sol.value("grad_x") == pytest.approx(d, rel=1e-8)
    assert sol.value("chain") == pytest.approx(d, rel=1e-8)
    assert "L = ½" not in " ".join(sol.conventions)


def test_dead_relu_cuts_the_chain():
    sol = solve_params("gradient_chain", x=1, y=0, weights=[2, -1, 3], activation="relu")
    assert sol.value("local_2") == 0 and sol.value("grad_x") == 0 and sol.value("grad_w1") == 0
    assert "cuts the chain" in sol.explanation("chain")
    assert "dead unit" in sol.explanation("local_2")


def test_derivative_at_zero_convention_reaches_the_chain():
    left = solve_params("gradient_chain", x=0, weights=[1, 1], activation="relu")
    right = solve_params("gradient_chain", x=0, weights=[1, 1], activation="relu", derivative_at_zero="right")
    assert left.value("grad_x") == 0 and right.value("grad_x") == 1


def test_student_value_carries_down_the_chain():
    sol = solve_params("gradient_chain", **RELU_NOTES)
    student = sol.replace({"grad_z2": 124})  # the notes' slip
    assert student.value("grad_w2") == 124 * 5
    assert student.value("grad_a1") == 620 * 5  # the running product does not pass through ∂L/∂z₂
    student = sol.replace({"grad_a2": 124})
    assert student.value("grad_x") == 124 * 5 * 5


@pytest.mark.parametrize("params,field,fragment", [
    (dict(RELU_NOTES, layers=4), "params.layers", "weights has 3 entries"),
    (dict(RELU_NOTES, weights=5), "params.layers", "single number"),
    (dict(RELU_NOTES, weights=5, layers=0), "params.layers", "from 1 to 100"),
    (dict(RELU_NOTES, weights=5, layers=101), "params.layers", "from 1 to 100"),
    (dict(RELU_NOTES, activation="softplus"), "params.activation", "expected one of"),
    (dict(RELU_NOTES, activation="leaky_relu", alpha=-1), "params.alpha", "zero or positive"),
    (dict(RELU_NOTES, weights=[]), "params.weights", "non-empty"),
])
def test_chain_bad_input(params, field, fragment):
    with pytest.raises(TutorError) as e:
        solve_params("gradient_chain", **params)
    assert e.value.field == field and fragment in e.value.message


def test_a_deep_chain_is_fine():
    sol = solve_params("gradient_chain", x=1, weights=1.0, layers=60, activation="sigmoid")
    assert 0 < abs(sol.value("grad_x")) < 0.25**60 * 1.0001


# -- gradient_check ---------------------------------------------------------------------------------------------------
def rel_error(a, n):
    return 0.0 if a == n == 0 else abs(a - n) / max(abs(a), abs(n))


def test_square_at_two():
    sol = solve_params("gradient_check", expression="x^2", point={"x": 2}, h=0.01)
    assert sol.value("f_plus_x") == pytest.approx(2.01**2, rel=1e-15)
    assert sol.value("f_minus_x") == pytest.approx(1.99**2, rel=1e-15)
    assert sol.value("num_grad_x") == pytest.approx(4.0, rel=1e-12)  # exact for a quadratic: 4xh / 2h
    assert sol.value("grad_x") == 4.0
    assert sol.value("rel_error_x") < 1e-12
    assert sol.answer == {"num_grad": {"x": sol.value("num_grad_x")}, "grad": {"x": 4.0},
                          "rel_error": {"x": sol.value("rel_error_x")}}
    assert "below 10⁻⁷" in sol.explanation("rel_error_x")


def test_default_step_is_1e_minus_4():
    sol = solve_params("gradient_check", expression="exp(x)", point={"x": 1})
    assert sol.value("h") == 1e-4
    # centred difference of e^x: e·sinh(h)/h; relative error sinh(h)/h − 1 ≈ h²/6
    assert sol.value("num_grad_x") == pytest.approx(math.e * math.sinh(1e-4) / 1e-4, rel=1e-9)
    assert sol.value("rel_error_x") == pytest.approx(1e-8 / 6, rel=1e-3)


def test_class_test_partials_against_the_notes_formulas():
    x, y = 2.0, 3.0
    fx = y * x ** (y - 1) * math.log(x + y) + x**y / (x + y)  # the notes' f′_x
    fy = x**y * math.log(x) * math.log(x + y) + x**y / (x + y)  # the notes' f′_y
    sol = solve_params("gradient_check", expression="x^y * log(x + y)", point={"x": x, "y": y})
    assert sol.value("grad_x") == pytest.approx(fx, rel=1e-14)
    assert sol.value("grad_y") == pytest.approx(fy, rel=1e-14)
    assert sol.value("num_grad_x") == pytest.approx(fx, rel=1e-8)
    assert sol.value("num_grad_y") == pytest.approx(fy, rel=1e-8)
    for v in "xy":
        a, n = sol.value(f"grad_{v}"), sol.value(f"num_grad_{v}")
        assert sol.value(f"rel_error_{v}") == pytest.approx(rel_error(a, n), rel=1e-12)
    assert any("natural logarithm" in c for c in sol.conventions)


def test_a_wrong_analytic_gradient_is_flagged():
    sol = solve_params("gradient_check", expression="x^2", point={"x": 2}, h=0.01)
    student = sol.replace({"grad_x": 2.0})  # the notes' d(x·x)/dx = x
    assert student.value("rel_error_x") == pytest.approx(0.5, rel=1e-12)
    assert "probably wrong" in student.explanation("rel_error_x")
    assert student.value("rel_error") == {"x": pytest.approx(0.5)}


def test_both_zero_is_no_error():
    sol = solve_params("gradient_check", expression="x^2", point={"x": 0})
    assert sol.value("grad_x") == 0 and sol.value("num_grad_x") == 0 and sol.value("rel_error_x") == 0
    assert "Both derivatives are 0" in sol.explanation("rel_error_x")


def test_a_kink_is_explained():
    sol = solve_params("gradient_check", expression="relu(x)", point={"x": 0})
    assert sol.value("grad_x") == 0 and sol.value("num_grad_x") == pytest.approx(0.5)
    assert sol.value("rel_error_x") == pytest.approx(1.0)
    assert "kink" in sol.explanation("rel_error_x")


def test_replacing_h_recomputes():
    sol = solve_params("gradient_check", expression="x^3", point={"x": 1}, h=0.1)
    # centred difference of x³ at 1: ((1.1)³ − (0.9)³)/0.2 = 3 + h² = 3.01
    assert sol.value("num_grad_x") == pytest.approx(3.01, rel=1e-12)
    assert sol.replace({"h": 0.2}).value("num_grad_x") == pytest.approx(3.04, rel=1e-12)


@pytest.mark.parametrize("params,field,fragment", [
    (dict(expression="x*y", point={"x": 1}), "params.expression", "unknown name 'y'"),
    (dict(expression="x^2", point={"x": 1, "z": 2}), "params.point", "gives z"),
    (dict(expression="x^2", point={"x": 1}, h=0), "params.h", "positive"),
    (dict(expression="x^2", point={"x": 1}, h=-0.1), "params.h", "positive"),
    (dict(expression="log(x)", point={"x": 0.00001}, h=0.01), "params.h", "logarithm"),
    (dict(expression="log(x)", point={"x": -1}), "params.point", "logarithm"),
    (dict(expression="2 + 3", point={"x": 1}), "params.expression", "no variables"),
    (dict(expression="__import__('os')", point={"x": 1}), "params.expression", "unknown function"),
    (dict(expression="x^2", point=[1, 2]), "params.point", "mapping"),
])
def test_check_bad_input(params, field, fragment):
    with pytest.raises(TutorError) as e:
        solve_params("gradient_check", **params)
    assert e.value.field == field and fragment in e.value.message, e.value.message


# -- problems through the CLI ------------------------------------------------------------------------------------------
def _json(problem_id):
    r = CliRunner().invoke(app, ["solve", problem_id, "--format", "json"])
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def test_cli_vanishing_chain():
    data = _json("vanishing-gradient-sigmoid-chain")
    ws = [0.5, 0.5, 0.5]
    assert data["answer"]["grad_x"] == pytest.approx(fd(lambda v: forward("sigmoid", v, ws, 1), 1.0), rel=1e-7)
    assert len(data["notes_say"]) == 9
    r = CliRunner().invoke(app, ["solve", "vanishing-gradient-sigmoid-chain"])
    assert "vanishing gradient" in r.stdout and "The notes give 0.045" in r.stdout


def test_cli_exploding_chain():
    data = _json("exploding-gradient-relu-chain")
    assert data["answer"]["grad_x"] == 15500 and data["answer"]["chain"] == 125
    finals = [n for n in data["notes_say"] if n.get("step") == "grad_x"]
    assert finals and finals[0]["notes"] == 155.0 and finals[0]["correct"] == 15500


@pytest.mark.parametrize("problem_id,grads", [
    ("gradient-check-square", {"x": 4.0}),
    ("gradient-check-square-small-step", {"x": 4.0}),
    ("gradient-check-class-test", {"x": 12 * math.log(5) + 8 / 5, "y": 8 * math.log(2) * math.log(5) + 8 / 5}),
])
def test_cli_gradient_checks(problem_id, grads):
    data = _json(problem_id)
    for v, d in grads.items():
        assert data["answer"]["grad"][v] == pytest.approx(d, rel=1e-14)
        assert data["answer"]["num_grad"][v] == pytest.approx(d, rel=1e-8)
        assert data["answer"]["rel_error"][v] < 1e-7


# -- mistakes ---------------------------------------------------------------------------------------------------------
# Each wrong method is worked here in plain Python, independently of the solver and of the catalogue's rules.
from tutor.answers import parse_answer  # noqa: E402
from tutor.api import find_problem, solve  # noqa: E402
from tutor.check import check  # noqa: E402
from tutor.mistakes import catalogue, degeneracy_checks  # noqa: E402

VANISHING, EXPLODING = "vanishing-gradient-sigmoid-chain", "exploding-gradient-relu-chain"


import checking  # noqa: E402
from checking import bank_problems, visible_changes  # noqa: E402,F401


def as_text(value, digits=7):
    """Seven digits here: the graph gradients are compared more finely than checking's default six."""
    return checking.as_text(value, digits)


def mark_of(problem, key, value, settings=None):
    return checking.mark_of(problem, key, value, settings, digits=7)


def chain_with_slope(fn, x, ws, slope, with_weight=True):
    """The forward pass, then each layer's local derivative from `slope(z, a)`: (a's, f′'s, locals, product)."""
    a, acts, slopes, locs = x, [], [], []
    for w in ws:
        z = w * a
        a = act(fn, z)
        acts.append(a)
        slopes.append(slope(z, a))
        locs.append((w if with_weight else 1) * slopes[-1])
    return acts, slopes, locs, math.prod(locs)


def sig_slope(z, a):
    return a * (1 - a)


def test_activation_value_for_its_slope_is_named():
    name = "the activation's value a_k used as its slope f′(z_k)"
    acts, slopes, locs, prod = chain_with_slope("sigmoid", 1, [0.5] * 3, lambda z, a: a)
    assert slopes[0] == pytest.approx(0.6224593)  # σ(0.5) where σ′(0.5) = 0.2350 belongs
    for key, value in (("fprime_1", slopes[0]), ("local_2", locs[1]), ("local", locs), ("chain", prod)):
        m = mark_of(VANISHING, key, value)
        assert m.status == "wrong" and m.mistake.name == name, key
    # ReLU: a₂ = 25 where ReLU′(z₂) = 1 belongs (the notes' 25 × 124)
    acts, slopes, locs, prod = chain_with_slope("relu", 1, [5] * 3, lambda z, a: a)
    assert slopes == [5, 25, 125]
    for key, value in (("fprime_2", 25), ("local", locs)):
        m = mark_of(EXPLODING, key, value)
        assert m.status == "wrong" and m.mistake.name == name, key


def test_sigmoid_slope_a_quarter_everywhere_is_named():
    acts, slopes, locs, prod = chain_with_slope("sigmoid", 1, [0.5] * 3, lambda z, a: 0.25)
    grad_x = (acts[-1] - 1) * prod  # ∂L/∂a₃ = a₃ - y, times the product of the (wrong) local derivatives
    for key, value in (("fprime_3", 0.25), ("local", locs), ("chain", prod), ("grad_x", grad_x)):
        m = mark_of(VANISHING, key, value)
        assert m.status == "wrong" and m.mistake.name == "σ′ taken as 0.25 at every layer", key
    assert all(m.name != "σ′ taken as 0.25 at every layer" or not m.applies(solve(find_problem(EXPLODING)))
               for m in catalogue("gradient_chain"))


def test_local_derivative_without_the_weight_is_named():
    name = "local derivative without the weight (f′(z_k) alone)"
    acts, slopes, locs, prod = chain_with_slope("sigmoid", 1, [0.5] * 3, sig_slope, with_weight=False)
    for key, value in (("local_1", locs[0]), ("chain", prod), ("grad_x", (acts[-1] - 1) * prod)):
        m = mark_of(VANISHING, key, value)
        assert m.status == "wrong" and m.mistake.name == name, key
    # ReLU with weights 5: every slope is 1, so the chain is 1 (right: 125) and ∂L/∂x = 124 (right: 15500)
    for key, value in (("chain", 1), ("grad_x", 124)):
        m = mark_of(EXPLODING, key, value)
        assert m.status == "wrong" and m.mistake.name == name, key


def test_chain_right_values_to_2_and_4_decimals_and_a_carried_slip():
    a1 = 1 / (1 + math.exp(-0.5))  # 0.622459
    for text in ("0.62", "0.6225"):
        assert mark_of(VANISHING, "a_1", text).status == "correct"
    # σ′(z₁) slipped to 0.3; the local derivative 0.5·0.3 from it is carried forward
    result = check(find_problem(VANISHING), {"fprime_1": parse_answer("0.3"), "local_1": parse_answer("0.15")})
    got = {m.key: m.status for m in result.marks}
    assert got["fprime_1"] == "wrong" and got["local_1"] == "carried_forward"
    assert a1 * (1 - a1) == pytest.approx(0.2350037)


def test_relu_corner_is_a_degenerate_variant():
    at_corner = solve_params("gradient_chain", x=0, y=1, weights=[2, 2], activation="relu")
    assert any(why(at_corner) for why in degeneracy_checks("gradient_chain"))
    for pid in (VANISHING, EXPLODING):
        assert not any(why(solve(find_problem(pid))) for why in degeneracy_checks("gradient_chain"))


# gradient_check: g(x) = x² at 2 (h = 0.01 and 0.001) and the class test's x^y·ln(x + y) at (2, 3), h = 10⁻⁴
def f_class(x, y):
    return x**y * math.log(x + y)


def df_class(x, y):
    return (y * x ** (y - 1) * math.log(x + y) + x**y / (x + y), x**y * math.log(x) * math.log(x + y) + x**y / (x + y))


def test_one_sided_difference_is_named():
    name = "one-sided difference (f(x + h) − f(x))/h"
    one_sided = (2.01**2 - 4) / 0.01  # 4.01
    for key, value in (("num_grad_x", one_sided), ("rel_error_x", abs(4 - one_sided) / one_sided)):
        m = mark_of("gradient-check-square", key, value)
        assert m.status == "wrong" and m.mistake.name == name, key
    h = 1e-4
    wrong = {"x": (f_class(2 + h, 3) - f_class(2, 3)) / h, "y": (f_class(2, 3 + h) - f_class(2, 3)) / h}
    m = mark_of("gradient-check-class-test", "num_grad", wrong)
    assert m.status == "wrong" and m.mistake.name == name


def test_centred_difference_over_h_is_named():
    name = "centred difference divided by h instead of 2h"
    over_h = (2.01**2 - 1.99**2) / 0.01  # 8
    for key, value in (("num_grad_x", over_h), ("rel_error_x", 0.5)):
        m = mark_of("gradient-check-square", key, value)
        assert m.status == "wrong" and m.mistake.name == name, key
    h = 1e-4
    m = mark_of("gradient-check-class-test", "num_grad_y", (f_class(2, 3 + h) - f_class(2, 3 - h)) / h)
    assert m.status == "wrong" and m.mistake.name == name


def test_derivative_at_the_moved_point_is_named():
    name = "the derivative at x + h taken as the numerical one"
    # the notes' table: 4.02 = g′(2.01) beside x = 2.01, 4.002 = g′(2.001) beside x = 2.001
    assert mark_of("gradient-check-square", "num_grad_x", "4.02").mistake.name == name
    assert mark_of("gradient-check-square-small-step", "num_grad_x", "4.002").mistake.name == name
    m = mark_of("gradient-check-class-test", "num_grad_x", df_class(2 + 1e-4, 3)[0])
    assert m.status == "wrong" and m.mistake.name == name


def test_check_right_values_to_2_and_4_decimals_and_a_carried_slip():
    gx, gy = df_class(2, 3)  # 20.913255, 10.524619
    for d in (2, 4):
        assert mark_of("gradient-check-class-test", "grad", f"x = {gx:.{d}f}, y = {gy:.{d}f}").status == "correct"
    # g(2.01) slipped to 4.0501: the centred difference (4.0501 - 3.9601)/0.02 = 4.5 is carried forward
    result = check(find_problem("gradient-check-square"),
                   {"f_plus_x": parse_answer("4.0501"), "num_grad_x": parse_answer("4.5")})
    got = {m.key: m.status for m in result.marks}
    assert got["f_plus_x"] == "wrong" and got["num_grad_x"] == "carried_forward"


def test_variable_rules_answer_for_any_variable_name():
    from tutor.solvers.gradients import _EachVariable

    rules = _EachVariable("num_grad_", lambda v, name: name)
    assert "num_grad_x" in rules and "num_grad_theta_1" in rules and rules["num_grad_w2"]({}) == "w2"
    for key in ("num_grad", "num_grad_", "grad_x", "num_grad_1x", 5):
        assert key not in rules
    assert rules and len(rules) == 0 and list(rules) == []


@pytest.mark.parametrize("kind", ["gradient_chain", "gradient_check"])
def test_every_mistake_changes_a_checkable_step_of_the_bank(kind):
    problems = bank_problems(kind)
    assert problems
    for mistake in catalogue(kind):
        changed = [p.id for p in problems if (mistake.applies is None or mistake.applies(solve(p)))
                   and visible_changes(p, mistake)]
        assert changed, mistake.name


@pytest.mark.parametrize("pid", ["exploding-gradient-relu-chain", "gradient-check-square"])
def test_quiz_variants_draw_readily(pid):
    """The vary ranges give usable variants at once, mostly: never near the 300 tries `tutor quiz` allows."""
    from tutor.variants import draw

    problem = find_problem(pid)
    variants = [draw(problem, seed) for seed in range(4)]
    assert max(v.tries for v in variants) <= 10
    assert len({repr(v.settings) for v in variants}) > 1
