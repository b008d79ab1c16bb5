"""computational_graph against values computed here: central finite differences of functions written in this file
with plain Python math, and CS231n's published numbers for its sigmoid example."""

import math
import os

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import solve_params
from tutor.answers import parse_answer
from tutor.api import find_problem, solve
from tutor.check import check
from tutor.cli import app
from tutor.engine import expr as E
from tutor.errors import TutorError
from tutor.mistakes import degeneracy_checks

KIND = "computational_graph"


def sigmoid(t):
    return 1 / (1 + math.exp(-t))


def central_diff(fn, point, h=1e-6):
    """∂fn/∂v for every variable v of `point` (a dict), by (fn(v + h) - fn(v - h)) / 2h."""
    out = {}
    for name in point:
        up, down = dict(point), dict(point)
        up[name] += h
        down[name] -= h
        out[name] = (fn(**up) - fn(**down)) / (2 * h)
    return out


def assert_grads(sol, fn, point, tol=1e-6):
    expected = central_diff(fn, point)
    got = sol.value("grads")
    assert list(got) == list(expected)  # order of first appearance, which is the order written here
    for name in expected:
        assert got[name] == pytest.approx(expected[name], rel=tol, abs=tol), name


# -- the bank ---------------------------------------------------------------------------------------------------
def test_sum_times_as_given():
    sol = solve(find_problem("graph-sum-times"))
    point = {"x": -2.0, "y": 5.0, "z": 4.0}  # the notes' givens; their ∂f/∂x = -4 is CS231n's for z = -4
    assert sol.value("q1") == 3 and sol.value("f") == 12
    assert_grads(sol, lambda x, y, z: (x + y) * z, point)
    assert sol.value("grads") == {"x": 4.0, "y": 4.0, "z": 3.0}


def test_sum_times_with_cs231n_z():
    # CS231n, Backpropagation, Intuitions: x = -2, y = 5, z = -4 gives f = -12, df/dx = df/dy = -4, df/dz = 3
    sol = solve(find_problem("graph-sum-times"), {"values": {"x": -2, "y": 5, "z": -4}})
    assert sol.value("f") == -12
    assert sol.value("grads") == {"x": -4.0, "y": -4.0, "z": 3.0}


def test_x_plus_yz():
    sol = solve(find_problem("graph-x-plus-yz"))
    assert sol.value("q1") == -20 and sol.value("f") == -22  # q = yz = -20, f = x + q = -22 (the notes)
    assert sol.value("grads") == {"x": 1.0, "y": -4.0, "z": 5.0}
    assert_grads(sol, lambda x, y, z: x + y * z, {"x": -2.0, "y": 5.0, "z": -4.0})


def test_sigmoid_neuron_cs231n():
    sol = solve(find_problem("graph-sigmoid-neuron"))
    # CS231n, Backpropagation, Intuitions: sigmoid example (w = [2, -3, -3], x = [-1, -2]):
    # f = 0.73, dx = [0.39, -0.59], dw = [-0.20, -0.39, 0.20]; to four places 0.7311, 0.3932, -0.5898, -0.1966,
    # -0.3932, 0.1966.
    assert sol.value("f") == pytest.approx(0.7311, abs=5e-5)
    published = {"w0": -0.1966, "x0": 0.3932, "w1": -0.3932, "x1": -0.5898, "w2": 0.1966}
    for name, value in published.items():
        assert sol.value("grads")[name] == pytest.approx(value, abs=5e-5), name
    assert_grads(sol, lambda w0, x0, w1, x1, w2: sigmoid(w0 * x0 + w1 * x1 + w2),
                 {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0})
    # the gates of CS231n's circuit: two products, two sums, -1·, exp, +1, 1/x
    assert [k for k in sol.steps if k.startswith("q")] == [f"q{i}" for i in range(1, 9)]
    assert sol.value("q5") == -1 and sol.value("q6") == pytest.approx(math.exp(-1))
    assert sol.value("grad_q7") == pytest.approx(-1 / (1 + math.exp(-1)) ** 2)  # -0.5344, the notes' -0.534


def test_max_gate_cs231n():
    sol = solve(find_problem("graph-max-gate"))
    # CS231n's values x = 3, y = -4, z = 2, w = -1: x*y = -12, max = 2, f = 2*(-10) = -20;
    # the max gate routes all the gradient to z (the notes wrote df2/dz = 0).
    assert sol.value("f") == -20
    assert sol.value("grads") == {"x": -8.0, "y": 6.0, "z": 2.0, "w": 0.0}
    assert_grads(sol, lambda x, y, z, w: 2 * (x * y + max(z, w)), {"x": 3.0, "y": -4.0, "z": 2.0, "w": -1.0})


# -- gradients at random points ---------------------------------------------------------------------------------
CIRCUITS = [
    ("(x + y) * z", lambda x, y, z: (x + y) * z),
    ("x*x + x - 3", lambda x, y, z: x * x + x - 3 + 0 * (y + z)),
    ("1/(1 + exp(-(x*y + z)))", lambda x, y, z: sigmoid(x * y + z)),
    ("tanh(x*y) - x/(2 + y^2) + -z", lambda x, y, z: math.tanh(x * y) - x / (2 + y**2) - z),
    ("log(1 + x**2) * sigmoid(y) + z**3", lambda x, y, z: math.log(1 + x**2) * sigmoid(y) + z**3),
    ("(x - 2*z)^3 / (1 + exp(y)) + 2*e*z", lambda x, y, z: (x - 2 * z) ** 3 / (1 + math.exp(y)) + 2 * math.e * z),
    ("max(x, y) * min(y, z) + relu(x - z) + abs(y)",
     lambda x, y, z: max(x, y) * min(y, z) + max(x - z, 0.0) + abs(y)),
    ("sqrt(1 + x*x) - ln(2 + y*y) * z", lambda x, y, z: math.sqrt(1 + x * x) - math.log(2 + y * y) * z),
]
coord = st.floats(min_value=-3, max_value=3, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize("text,fn", CIRCUITS, ids=[c[0] for c in CIRCUITS])
@settings(max_examples=25, deadline=None)
@given(x=coord, y=coord, z=coord)
def test_grads_match_central_differences(text, fn, x, y, z):
    # away from the kinks of max, min, relu and abs, where a finite difference straddles two pieces
    assume(abs(x - y) > 1e-3 and abs(y - z) > 1e-3 and abs(x - z) > 1e-3 and abs(y) > 1e-3)
    used = [v for v in ("x", "y", "z") if v in text]
    point = {"x": x, "y": y, "z": z}
    sol = solve_params(KIND, expr=text, values={v: point[v] for v in used})
    assert sol.value("f") == pytest.approx(fn(x, y, z), rel=1e-12, abs=1e-12)
    expected = central_diff(lambda **p: fn(**{**point, **p}), {v: point[v] for v in used})
    for v in used:
        assert sol.value("grads")[v] == pytest.approx(expected[v], rel=1e-5, abs=1e-5), v


# -- conventions ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("tie,dz,dw", [("split", 0.5, 0.5), ("first", 1.0, 0.0), ("second", 0.0, 1.0)])
def test_max_tie_conventions(tie, dz, dw):
    sol = solve_params(KIND, expr="max(z, w)", values={"z": 1.5, "w": 1.5}, tie=tie)
    assert sol.value("grads") == {"z": dz, "w": dw}
    low = solve_params(KIND, expr="min(z, w)", values={"z": -1, "w": -1}, tie=tie)
    assert low.value("grads") == {"z": dz, "w": dw}
    # away from a tie the convention does not matter: the larger input takes it all
    apart = solve_params(KIND, expr="max(z, w)", values={"z": 1.5, "w": 1.0}, tie=tie)
    assert apart.value("grads") == {"z": 1.0, "w": 0.0}


def test_tie_inside_a_circuit_scales_with_the_upstream_gradient():
    sol = solve_params(KIND, expr="2*(x*y + max(z, w))", values={"x": 3, "y": -4, "z": 2, "w": 2})
    assert sol.value("grads")["z"] == 1.0 and sol.value("grads")["w"] == 1.0  # 0.5 · 2 each
    text = " ".join(sol.conventions)
    assert "torch.maximum" in text and "undefined or arbitrary" in text


def test_relu_at_zero_passes_no_gradient():
    sol = solve_params(KIND, expr="relu(x) * y", values={"x": 0, "y": 3})
    assert sol.value("grads") == {"x": 0.0, "y": 0.0}
    assert any("ReLU'(0) = 0" in c for c in sol.conventions)
    positive = solve_params(KIND, expr="relu(x) * y", values={"x": 0.5, "y": 3})
    assert positive.value("grads") == {"x": 3.0, "y": 0.5}


# -- structure --------------------------------------------------------------------------------------------------
def test_keys_constants_and_order():
    sol = solve_params(KIND, expr="2*(x - 1)/4 + -y", values={"y": 3, "x": 5})
    # gates: x - 1, 2·q1, q2/4, -y, q3 + q4; the constants 2, 1, 4 are numbers with no gradient step
    assert [k for k in sol.steps if not k.startswith("grad")] == ["q1", "q2", "q3", "q4", "q5", "f"]
    assert sol.value("f") == pytest.approx(2 * (5 - 1) / 4 - 3)
    assert list(sol.value("grads")) == ["x", "y"]  # order of first appearance, not of `values`
    assert sol.value("grads") == {"x": 0.5, "y": -1.0}
    assert {k for k in sol.steps if k.startswith("grad_")} == {f"grad_q{i}" for i in range(1, 6)} | {"grad_x",
                                                                                                   "grad_y"}
    assert sol.answer_keys == ("f", "grads")


def test_variable_used_twice_sums_its_contributions():
    sol = solve_params(KIND, expr="x*y + x", values={"x": 2, "y": 3})
    assert sol.value("grads") == {"x": 4.0, "y": 2.0}  # ∂/∂x (xy + x) = y + 1
    lines = sol.substitution("grad_x")
    assert isinstance(lines[-1], E.Add) and len(lines[-1].terms) == 2  # shown as a sum of two contributions
    squared = solve_params(KIND, expr="x*x", values={"x": -3})
    assert squared.value("grads") == {"x": -6.0}


def test_single_variable():
    sol = solve_params(KIND, expr="x", values={"x": 4})
    assert sol.value("f") == 4 and sol.value("grads") == {"x": 1.0}


# -- what-if ----------------------------------------------------------------------------------------------------
def test_replace_intermediate_recomputes_downstream():
    sol = solve(find_problem("graph-sum-times"))  # q1 = x + y, f = q1·z, z = 4
    student = sol.replace({"q1": 5})
    assert student.value("f") == 20  # 5 · 4
    assert student.value("grads") == {"x": 4.0, "y": 4.0, "z": 5.0}  # ∂f/∂z = q1 now 5
    assert sol.value("f") == 12  # the original is untouched
    seeded = sol.replace({"grad_q2": 2})  # a different upstream gradient at the output doubles everything
    assert seeded.value("grads") == {"x": 8.0, "y": 8.0, "z": 6.0}


def test_replace_in_the_sigmoid_circuit():
    sol = solve(find_problem("graph-sigmoid-neuron"))
    student = sol.replace({"q7": 2.0})  # 1 + e^-1 miscopied as 2
    assert student.value("f") == 0.5
    assert student.value("grad_q7") == -0.25  # -1/q7²
    assert student.value("grads")["w2"] == pytest.approx(-0.25 * math.exp(-1) * -1)


# -- bad input --------------------------------------------------------------------------------------------------
HOSTILE = ["__import__('os').system('x')", "x.__class__", "x * 9**9**9**9", "9**9**9**9", "(" * 500,
           "lambda: x", "x if x else x", "[x]", "x; import os", "exec('x')", "x" + "+x" * 3000]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_expressions_are_refused_not_run(text, monkeypatch):
    calls = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))
    with pytest.raises(TutorError) as e:
        solve_params(KIND, expr=text, values={"x": 1})
    assert "expr" in e.value.field and not calls


def test_parse_error_is_located_on_expr():
    with pytest.raises(TutorError) as e:
        solve_params(KIND, expr="(x + y", values={"x": 1, "y": 2})
    assert e.value.field == "params.expr" and "never closed" in e.value.message


def test_missing_value_names_the_variable():
    with pytest.raises(TutorError) as e:
        solve_params(KIND, expr="x + q", values={"x": 1})
    assert e.value.field.endswith("values") and "'q'" in e.value.message


def test_extra_value_is_a_likely_typo():
    with pytest.raises(TutorError) as e:
        solve_params(KIND, expr="x + y", values={"x": 1, "y": 2, "yy": 3})
    assert "values" in e.value.field and "'yy'" in e.value.message and 'did you mean "y"' in e.value.message


@pytest.mark.parametrize("text,values", [("x / y", {"x": 1, "y": 0}), ("log(x)", {"x": 0}), ("ln(x - 2)", {"x": 1}),
                                         ("exp(x)", {"x": 1000}), ("sqrt(x)", {"x": 0}), ("x ^ y", {"x": -2, "y": 2})])
def test_undefined_at_the_given_values(text, values):
    with pytest.raises(TutorError) as e:
        solve_params(KIND, expr=text, values=values)
    assert "values" in e.value.field


def test_reserved_names_and_constant_only_expressions():
    with pytest.raises(TutorError, match="taken"):
        solve_params(KIND, expr="q1 + x", values={"q1": 1, "x": 2})
    with pytest.raises(TutorError, match="no variables"):
        solve_params(KIND, expr="1 + 2", values={"x": 1})


# -- the command line -------------------------------------------------------------------------------------------
def test_cli_solves_the_sigmoid_neuron():
    result = CliRunner().invoke(app, ["solve", "graph-sigmoid-neuron"])
    assert result.exit_code == 0, result.output
    assert "0.7311" in result.stdout and "-0.5898" in result.stdout
    assert "∂f/∂q7" in result.stdout and "torch" not in result.stdout  # no max gate, no tie convention


def test_cli_bad_expression_is_one_line_on_stderr():
    # typer 0.28's CliRunner keeps stdout and stderr apart (result.stdout / result.stderr; output mixes both)
    result = CliRunner().invoke(app, ["solve", "graph-x-plus-yz", "--set", "expr=x+q"])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "'q'" in lines[0] and "values" in lines[0]
    result = CliRunner().invoke(app, ["solve", "graph-x-plus-yz", "--set", "expr=x.__class__"])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


# -- mistakes --------------------------------------------------------------------------------------------------
from checking import typed  # noqa: E402,F401


def mark(problem, key, value, **earlier):
    answers = {k: parse_answer(v if isinstance(v, str) else typed(v)) for k, v in {**earlier, key: value}.items()}
    return next(m for m in check(problem, answers).marks if m.key == key)


def named(problem, key, value, **earlier):
    m = mark(problem, key, value, **earlier)
    assert m.status == "wrong", (key, m.status)
    return m.mistake.name if m.mistake else None


NO_SWAP = "multiply gate: local gradient the input itself, not the other input"
LOCAL_ONLY = "local gradient alone, upstream gradient not multiplied in"


def test_mistake_multiply_gate_not_swapped():
    # f = (x + y)·z at x = -2, y = 5, z = 4: q = 3; the right ∂f/∂z is q = 3, ∂f/∂x = ∂f/∂y = z = 4
    x, y, z = -2, 5, 4
    q = x + y
    wrong = {"x": q * 1, "y": q * 1, "z": z * 1}  # each input of q·z given its own value as local gradient
    problem = find_problem("graph-sum-times")
    assert named(problem, "grad_z", wrong["z"]) == NO_SWAP
    assert named(problem, "grads", wrong) == NO_SWAP


def test_mistake_max_gate_to_the_smaller_input():
    # f = 2·(x·y + max(z, w)) with z = 2 > w = -1: the notes' ∂f₂/∂z = 0 sends the gradient 2 to w instead
    problem = find_problem("graph-max-gate")
    name = "max gate: gradient sent to the smaller input"
    assert named(problem, "grad_w", 2) == name
    assert named(problem, "grad_z", 0) == name


def test_mistake_upstream_gradient_left_out():
    # ∂q/∂x = 1 for q = x + y, written as ∂f/∂x (the upstream ∂f/∂q = z = 4 not multiplied in)
    problem = find_problem("graph-sum-times")
    assert named(problem, "grad_x", 1) == LOCAL_ONLY
    # sigmoid neuron: q7 = q6 + 1, so ∂q7/∂q6 = 1, and ∂f/∂q6 = 1 × ∂f/∂q7 = -1/q7²; without the upstream, 1
    assert named(find_problem("graph-sigmoid-neuron"), "grad_q6", 1) == LOCAL_ONLY


def test_mistake_divide_gate_sign_lost():
    # f = 1/q7 with q7 = 1 + e^-1: ∂f/∂q7 = -1/q7², and +1/q7² without the minus
    q7 = 1 + math.exp(-1)
    problem = find_problem("graph-sigmoid-neuron")
    assert named(problem, "grad_q7", 1 / q7 ** 2) == "divide gate: −a/b² without the minus sign"
    # carried down the circuit: ∂f/∂w2 = σ(1 − σ) with the sign flipped
    s = 1 / q7
    assert named(problem, "grad_w2", -s * (1 - s)) == "divide gate: −a/b² without the minus sign"


def test_rounded_right_values_and_carried_forward():
    problem = find_problem("graph-sigmoid-neuron")
    f = sigmoid(2 * -1 + -3 * -2 + -3)  # CS231n: 0.7311
    assert mark(problem, "f", f"{f:.2f}").status == "correct"
    assert mark(problem, "f", f"{f:.4f}").status == "correct"
    assert mark(problem, "f", "0.7411").status == "wrong"
    # a wrong q1 (x + y = 4 for 3) and then q2 = q1·z from it: carried forward
    assert mark(find_problem("graph-sum-times"), "q2", 16, q1=4).status == "carried_forward"


def test_degenerate_kinks():
    (degenerate,) = degeneracy_checks(KIND)
    tie = solve_params(KIND, expr="2*(x*y + max(z, w))", values={"x": 3, "y": -4, "z": 2, "w": 2})
    assert "tie" in degenerate(tie)
    assert "kink" in degenerate(solve_params(KIND, expr="relu(x)*y", values={"x": 0, "y": 2}))
    assert degenerate(solve_params(KIND, expr="relu(x)*y", values={"x": 0.5, "y": 2})) is None
    assert degenerate(solve(find_problem("graph-max-gate"))) is None
