"""activation and softmax against plain-Python formulas, finite differences and published values written here."""

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import solve_params
from tutor.cli import app
from tutor.errors import TutorError

POINTS = [-6.0, -2.0, -0.5, 0.0, 0.3, 1.0, 4.0]


def sig(z):
    return 1.0 / (1.0 + math.exp(-z))


def centred(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


# -- activation: smooth functions -------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn,f", [("sigmoid", sig), ("tanh", math.tanh)])
def test_smooth_value_and_derivative_against_plain_math_and_finite_differences(fn, f):
    sol = solve_params("activation", function=fn, x=POINTS)
    np.testing.assert_allclose(sol.value("f"), [f(x) for x in POINTS], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(sol.value("df_dx"), [centred(f, x) for x in POINTS], rtol=1e-7, atol=1e-10)
    assert sol.answer_keys == ("f", "df_dx")


def test_published_values():
    # σ′(0) = 1/4 exactly (the sigmoid's largest slope); tanh(1) = 0.76159415595576488812 (OEIS A073744)
    sol = solve_params("activation", function="sigmoid", x=0)
    assert sol.value("f") == 0.5 and sol.value("df_dx") == 0.25
    sol = solve_params("activation", function="tanh", x=1)
    assert sol.value("f") == pytest.approx(0.76159415595576488812, rel=1e-15)
    assert sol.value("df_dx") == pytest.approx(1 - 0.76159415595576488812**2, rel=1e-14)


def test_sigmoid_derivative_is_written_from_the_computed_sigma():
    sol = solve_params("activation", function="sigmoid", x=0.6)
    assert sol.steps["df_dx"].inputs == ("f",)
    student = sol.replace({"f": 0.65})  # a rounded σ(0.6) carries into σ(1 − σ)
    assert student.value("df_dx") == pytest.approx(0.65 * 0.35)
    assert "σ(1 - σ)" in sol.explanation("df_dx")


def test_saturation_is_explained():
    sol = solve_params("activation", function="sigmoid", x=[0.0, 8.0])
    assert "entry 2" in sol.explanation("df_dx") and "saturated" in sol.explanation("df_dx")
    assert "saturated" not in solve_params("activation", function="sigmoid", x=0.5).explanation("df_dx")


def test_large_inputs_stay_finite():
    sol = solve_params("activation", function="sigmoid", x=[-800.0, 800.0])
    np.testing.assert_array_equal(sol.value("f"), [0.0, 1.0])
    np.testing.assert_array_equal(sol.value("df_dx"), [0.0, 0.0])
    sol.substitution("f")  # e^800 is not written out (it would overflow)


# -- activation: ReLU and leaky ReLU -----------------------------------------------------------------------------------
def test_relu_value_and_derivative_with_pytorch_convention_at_zero():
    sol = solve_params("activation", function="relu", x=[-2, 0, 3])
    np.testing.assert_array_equal(sol.value("f"), [0, 0, 3])
    np.testing.assert_array_equal(sol.value("df_dx"), [0, 0, 1])
    assert any("ReLU′(0)" in c and "PyTorch" in c and "0" in c for c in sol.conventions)
    assert "entry 2" in sol.explanation("df_dx") and "corner" in sol.explanation("df_dx")


def test_relu_right_convention():
    sol = solve_params("activation", function="relu", x=[-2, 0, 3], derivative_at_zero="right")
    np.testing.assert_array_equal(sol.value("df_dx"), [0, 1, 1])
    assert any("taken as 1" in c for c in sol.conventions)


@pytest.mark.parametrize("alpha", [0.01, 0.2])
def test_leaky_relu(alpha):
    xs = [-3.0, -0.5, 0.0, 0.5, 2.0]
    sol = solve_params("activation", function="leaky_relu", x=xs, alpha=alpha)
    np.testing.assert_allclose(sol.value("f"), [x if x > 0 else alpha * x for x in xs], rtol=1e-15)
    # PyTorch's leaky_relu backward: 1 where x > 0, negative_slope where x ≤ 0
    np.testing.assert_allclose(sol.value("df_dx"), [1.0 if x > 0 else alpha for x in xs], rtol=1e-15)
    right = solve_params("activation", function="leaky_relu", x=xs, alpha=alpha, derivative_at_zero="right")
    assert right.value("df_dx")[2] == 1.0


def test_leaky_default_alpha_is_pytorchs():
    sol = solve_params("activation", function="leaky_relu", x=-1)
    assert sol.value("f") == pytest.approx(-0.01) and sol.value("df_dx") == pytest.approx(0.01)
    assert any("negative_slope = 0.01" in c for c in sol.conventions)


def test_nudging_a_given_recomputes_the_branch():
    sol = solve_params("activation", function="relu", x=0)
    assert sol.replace({"x": 0.01}).value("df_dx") == 1.0
    assert sol.replace({"x": -0.01}).value("df_dx") == 0.0


def test_unused_parameters_are_noted():
    sol = solve_params("activation", function="tanh", x=1, alpha=0.3, derivative_at_zero="right")
    assert any("alpha" in n for n in sol.notes) and any("derivative_at_zero" in n for n in sol.notes)


@pytest.mark.parametrize("params,field,fragment", [
    (dict(function="swish", x=1), "params.function", "expected one of"),
    (dict(function="leaky_relu", x=1, alpha=-0.1), "params.alpha", "zero or positive"),
    (dict(function="relu", x=[[1, 2]]), "params.x[0]", "expected a number"),
    (dict(function="relu", x="abc"), "params.x", "expected a number"),
    (dict(function="relu", x=1, derivative_at_zero="middle"), "params.derivative_at_zero", "left"),
])
def test_bad_input(params, field, fragment):
    with pytest.raises(TutorError) as e:
        solve_params("activation", **params)
    assert e.value.field == field and fragment in e.value.message


# -- softmax ----------------------------------------------------------------------------------------------------------
def softmax_ref(x):
    m = max(x)
    e = [math.exp(v - m) for v in x]
    return [v / sum(e) for v in e]


def test_softmax_notes_example_by_hand():
    sol = solve_params("softmax", x=[2.0, 1.0, 0.1])
    np.testing.assert_allclose(sol.value("exp"), [math.e**2, math.e, math.exp(0.1)], rtol=1e-15)
    assert sol.value("S") == pytest.approx(math.e**2 + math.e + math.exp(0.1), rel=1e-15)
    # 7.389056 / 11.212160 = 0.659001 by hand
    np.testing.assert_allclose(sol.value("s"), [0.659001, 0.242433, 0.098566], atol=1e-6)
    assert sol.answer_keys == ("s",) and "m" not in sol.steps


def test_softmax_published_example():
    # Wikipedia, "Softmax function", Example: softmax([1, 2, 3, 4, 1, 2, 3]) =
    # [0.024, 0.064, 0.175, 0.475, 0.024, 0.064, 0.175]
    sol = solve_params("softmax", x=[1, 2, 3, 4, 1, 2, 3])
    np.testing.assert_allclose(sol.value("s"), [0.024, 0.064, 0.175, 0.475, 0.024, 0.064, 0.175], atol=5e-4)
    assert float(np.sum(sol.value("s"))) == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize("x", [[0.0], [3.0, -1.0], [0.5, 1.5, 0.1], [-5.0, 0.0, 5.0, 2.5, 1.0]])
def test_softmax_random_shapes(x):
    np.testing.assert_allclose(solve_params("softmax", x=x).value("s"), softmax_ref(x), rtol=1e-13)


def test_equal_inputs_give_one_over_n():
    sol = solve_params("softmax", x=[0, 0])
    np.testing.assert_array_equal(sol.value("s"), [0.5, 0.5])
    assert "1/2" in sol.explanation("s")


def test_large_inputs_are_shifted_and_explained():
    sol = solve_params("softmax", x=[1000, 999, 998])
    assert sol.value("m") == 1000
    np.testing.assert_allclose(sol.value("exp"), [1, math.exp(-1), math.exp(-2)], rtol=1e-15)
    np.testing.assert_allclose(sol.value("s"), softmax_ref([2, 1, 0]), rtol=1e-13)
    assert "cancels" in sol.explanation("m") and "overflow" in sol.explanation("exp")
    assert any("max(x)" in c and "torch.softmax" in c for c in sol.conventions)
    assert sol.steps["exp"].inputs == ("x", "m")


def test_shift_always_and_never():
    shifted = solve_params("softmax", x=[2.0, 1.0, 0.1], shift="max")
    np.testing.assert_allclose(shifted.value("s"), softmax_ref([2.0, 1.0, 0.1]), rtol=1e-14)
    assert shifted.value("m") == 2.0
    plain = solve_params("softmax", x=[40.0, 39.0], shift="none")
    assert "m" not in plain.steps
    np.testing.assert_allclose(plain.value("s"), softmax_ref([40.0, 39.0]), rtol=1e-13)


@pytest.mark.parametrize("x,fragment", [([1000, 1], "overflows"), ([-1000, -1001], "underflows")])
def test_shift_none_fails_plainly_when_it_cannot_work(x, fragment):
    with pytest.raises(TutorError) as e:
        solve_params("softmax", x=x, shift="none")
    assert e.value.field == "params.shift" and fragment in e.value.message
    s = solve_params("softmax", x=x).value("s")  # auto copes
    assert np.all(np.isfinite(s)) and float(np.sum(s)) == pytest.approx(1.0)


def test_replace_sum_recomputes_probabilities():
    sol = solve_params("softmax", x=[2.0, 1.0, 0.1])
    student = sol.replace({"S": 10.0})  # the lab's sum, with e^0 for e^0.1
    np.testing.assert_allclose(student.value("s"), np.array([math.e**2, math.e, math.exp(0.1)]) / 10.0)


def test_softmax_empty_input():
    with pytest.raises(TutorError) as e:
        solve_params("softmax", x=[])
    assert e.value.field == "params.x"


# -- problems through the CLI ------------------------------------------------------------------------------------------
def _json(problem_id):
    r = CliRunner().invoke(app, ["solve", problem_id, "--format", "json"])
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def test_cli_softmax_forward_with_notes_slips():
    data = _json("softmax-forward")
    np.testing.assert_allclose(data["answer"]["s"], softmax_ref([2.0, 1.0, 0.1]), rtol=1e-12)
    said = {(n["step"], tuple(n["entry"])): n["notes"] for n in data["notes_say"]}
    assert said == {("exp", (2,)): 2.71, ("exp", (3,)): 1.05}
    r = CliRunner().invoke(app, ["solve", "softmax-forward"])
    assert "The notes give 1.05" in r.stdout and "1.105" in r.stdout


@pytest.mark.parametrize("problem_id,f,df", [
    ("activation-tanh-derivative", [math.tanh(x) for x in (-2, -1, 0, 1, 2)],
     [1 - math.tanh(x) ** 2 for x in (-2, -1, 0, 1, 2)]),
    ("activation-tanh-lab", [math.tanh(x) for x in (-1.5, 0, 0.5, 3)],
     [1 - math.tanh(x) ** 2 for x in (-1.5, 0, 0.5, 3)]),
    ("activation-relu-derivative", [0, 0, 3], [0, 0, 1]),
    ("activation-relu-lab", [0, 0, 2], [0, 0, 1]),
    ("activation-leaky-relu-derivative", [-0.02, 0, 3], [0.01, 0.01, 1]),
    ("activation-leaky-relu-lab", [-0.015, 0, 2], [0.01, 0.01, 1]),
    ("sigmoid-derivative-at-zero", 0.5, 0.25),
    ("sigmoid-derivative-assignment", sig(0.6), sig(0.6) * (1 - sig(0.6))),
])
def test_cli_activation_problems(problem_id, f, df):
    data = _json(problem_id)
    np.testing.assert_allclose(data["answer"]["f"], f, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(data["answer"]["df_dx"], df, rtol=1e-13, atol=1e-15)


def test_cli_softmax_chapter():
    data = _json("softmax-chapter")
    e = [math.exp(0.5), math.exp(1.5), math.exp(0.1)]
    np.testing.assert_allclose(data["answer"]["s"], [v / sum(e) for v in e], rtol=1e-13)


def test_cli_text_shows_the_working():
    r = CliRunner().invoke(app, ["solve", "sigmoid-derivative-assignment"])
    assert r.exit_code == 0, r.stderr
    assert "1 + 0.5488" in r.stdout and "0.6457·(1 - 0.6457)" in r.stdout and "0.2288" in r.stdout


# -- mistakes --------------------------------------------------------------------------------------------------
# Each wrong method is re-derived here in plain numpy; the check must name it when a student types its numbers.

from tutor.api import find_problem  # noqa: E402
from tutor.check import CARRIED, CORRECT  # noqa: E402
from tutor.mistakes import catalogue, degeneracy_checks  # noqa: E402


from checking import assert_named, bank_problems, changed_steps, mark, text  # noqa: E402,F401


def test_sigmoid_derivative_from_x():
    # σ′(0.6) typed as 0.6·(1 − 0.6) = 0.24 instead of σ(0.6)(1 − σ(0.6)) = 0.2288
    assert_named(find_problem("sigmoid-derivative-assignment"), "df_dx", 0.6 * (1 - 0.6),
                 "σ′ from x instead of from σ(x): x(1 − x)")


def test_tanh_derivative_from_x():
    x = np.array([-2, -1, 0, 1, 2], float)
    assert_named(find_problem("activation-tanh-derivative"), "df_dx", 1 - x**2,
                 "tanh′ from x instead of from tanh(x): 1 − x²")


def test_relu_as_x_plus_abs_x():
    x = np.array([-1.5, 0, 2])
    assert_named(find_problem("activation-relu-lab"), "f", x + np.abs(x), "ReLU as x + |x|, twice max(0, x)")


def test_leaky_relu_without_alpha():
    problem = find_problem("activation-leaky-relu-derivative")  # x = −2, 0, 3
    x = np.array([-2.0, 0.0, 3.0])
    name = "leaky ReLU without α, as plain ReLU"
    assert_named(problem, "f", np.maximum(0, x), name)
    assert_named(problem, "df_dx", (x > 0).astype(float), name)


def test_leaky_relu_without_the_absolute_value():
    problem = find_problem("activation-leaky-relu-lab")  # x = −1.5, 0, 2
    x = np.array([-1.5, 0.0, 2.0])
    name = "leaky ReLU as ((1 + α)x + (1 − α)x)/2, without the |x|"
    assert_named(problem, "f", ((1 + 0.01) * x + (1 - 0.01) * x) / 2, name)
    assert_named(problem, "df_dx", np.ones(3), name)


def test_slope_at_the_corner_taken_as_one():
    # ReLU′ at −2, 0, 3 with 1 at the corner: [0, 1, 1]; the problem takes PyTorch's 0 there
    assert_named(find_problem("activation-relu-derivative"), "df_dx", [0.0, 1.0, 1.0],
                 "f′(0) taken as 1, the slope on the right")
    # not offered where the problem itself takes the right slope, nor where no x is 0
    names = [m.name for m in catalogue("activation")]
    right = solve_params("activation", function="relu", x=[-2, 0, 3], derivative_at_zero="right")
    no_zero = solve_params("activation", function="relu", x=[-2, 3])
    corner = next(m for m in catalogue("activation") if m.name == "f′(0) taken as 1, the slope on the right")
    assert corner.name in names and not corner.applies(right) and not corner.applies(no_zero)


def test_activation_right_values_rounded_are_correct_and_a_slip_is_carried_forward():
    problem = find_problem("activation-tanh-derivative")
    x = np.array([-2, -1, 0, 1, 2], float)
    t = np.array([math.tanh(v) for v in x])
    for digits in (4, "2sf"):  # tanh′(±2) = 0.0707 needs 3 decimals for 2 figures
        assert mark(problem, "f", t, digits).status == CORRECT
        assert mark(problem, "df_dx", 1 - t**2, digits).status == CORRECT
    s = sig(0.6)  # 0.6457, σ′ = 0.2288: 2 decimals are 2 figures
    assignment = find_problem("sigmoid-derivative-assignment")
    assert mark(assignment, "f", s, 2).status == CORRECT
    assert mark(assignment, "df_dx", s * (1 - s), 2).status == CORRECT
    slipped = np.array([-0.96, -0.8, 0.0, 0.8, 0.96])  # tanh(±1) misread as ±0.8
    assert mark(problem, "df_dx", 1 - slipped**2, f=slipped).status == CARRIED


def test_softmax_without_exponentials():
    x = np.array([0.5, 1.5, 0.1])
    assert_named(find_problem("softmax-chapter"), "s", x / x.sum(), "softmax as xᵢ/Σⱼxⱼ, without the exponentials")


def test_softmax_with_exponentials_of_minus_x():
    problem = find_problem("softmax-chapter")
    e = np.exp(-np.array([0.5, 1.5, 0.1]))
    name = "exponentials of −xᵢ, as in σ"
    assert_named(problem, "exp", e, name)
    assert_named(problem, "S", e.sum(), name)
    assert_named(problem, "s", e / e.sum(), name)


def test_softmax_right_values_rounded_are_correct_and_a_slip_is_carried_forward():
    problem = find_problem("softmax-forward")
    e = np.exp([2.0, 1.0, 0.1])
    for digits in (4, "2sf"):  # s₃ = 0.0986 needs 3 decimals for 2 figures
        assert mark(problem, "s", e / e.sum(), digits).status == CORRECT
    chapter = np.exp([0.5, 1.5, 0.1])
    assert mark(find_problem("softmax-chapter"), "s", chapter / chapter.sum(), 2).status == CORRECT
    slipped = np.array([7.389, 2.718, 1.0])  # e^0.1 taken as e^0 = 1, as the lab does
    assert mark(problem, "S", slipped.sum(), exp=slipped).status == CARRIED


@pytest.mark.parametrize("kind", ["activation", "softmax"])
def test_every_mistake_changes_a_checkable_step_of_a_bank_problem(kind):
    problems = bank_problems(kind)
    for m in catalogue(kind):
        assert any(changed_steps(p, m) for p in problems), m.name


def test_degenerate_variants():
    (corner,) = degeneracy_checks("activation")
    assert corner(solve_params("activation", function="relu", x=[-1, 0, 2])) is not None
    assert corner(solve_params("activation", function="leaky_relu", x=[0])) is not None
    assert corner(solve_params("activation", function="relu", x=[-1, 2])) is None
    assert corner(solve_params("activation", function="tanh", x=[0])) is None  # smooth at 0
    (equal,) = degeneracy_checks("softmax")
    assert equal(solve_params("softmax", x=[1, 1, 1])) is not None
    assert equal(solve_params("softmax", x=[1, 2, 1])) is None
