"""adam against a plain-Python Adam written in this test (and torch.optim.Adam when torch is installed)."""

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import solve_params
from tutor.errors import TutorError

NOTES = dict(theta0=0, grads=[0.3, 0.2, 0.1], lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8)  # file 003


def reference(theta0, grads, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam by the textbook, in plain Python lists; works for a scalar θ (numbers) or a list θ (lists)."""
    scalar = not isinstance(theta0, (list, tuple))
    theta = [float(theta0)] if scalar else [float(x) for x in theta0]
    n = len(theta)
    m, v = [0.0] * n, [0.0] * n
    out = {k: [] for k in ("m", "v", "m_hat", "v_hat", "delta", "theta")}
    for t, g in enumerate(grads, start=1):
        g = [float(g)] if scalar else [float(x) for x in g]
        m = [beta1 * m[i] + (1 - beta1) * g[i] for i in range(n)]
        v = [beta2 * v[i] + (1 - beta2) * g[i] ** 2 for i in range(n)]
        m_hat = [m[i] / (1 - beta1**t) for i in range(n)]
        v_hat = [v[i] / (1 - beta2**t) for i in range(n)]
        delta = [lr * m_hat[i] / (math.sqrt(v_hat[i]) + eps) for i in range(n)]
        theta = [theta[i] - delta[i] for i in range(n)]
        for k, val in (("m", m), ("v", v), ("m_hat", m_hat), ("v_hat", v_hat), ("delta", delta),
                       ("theta", theta)):
            out[k].append(val[0] if scalar else list(val))
    return out


def assert_matches(sol, ref, rtol=1e-12, atol=1e-15):
    for k in ("m", "v", "m_hat", "v_hat", "theta"):
        np.testing.assert_allclose(sol.value(k), ref[k], rtol=rtol, atol=atol, err_msg=k)
    np.testing.assert_allclose(sol.value("delta"), ref["delta"], rtol=rtol, atol=atol, err_msg="delta")


# -- the notes' worked example --------------------------------------------------------------------------------------
def test_notes_example_against_reference():
    sol = solve_params("adam", **NOTES)
    assert_matches(sol, reference(**NOTES))
    assert sol.answer_keys == ("m", "v", "m_hat", "v_hat", "theta")
    assert np.shape(sol.value("theta")) == (3,)


def test_notes_example_by_hand():
    """The numbers worked by hand here, independently of both implementations."""
    sol = solve_params("adam", **NOTES)
    # m_t and v_t: the notes have these right
    np.testing.assert_allclose(sol.value("m"), [0.03, 0.047, 0.0523], rtol=1e-12)
    np.testing.assert_allclose(sol.value("v"), [0.00009, 0.00012991, 0.00013978009], rtol=1e-12)
    # iteration 1: m̂ = 0.03/0.1 = 0.3, v̂ = 0.00009/0.001 = 0.09, Δw = 0.01·0.3/0.3 = 0.01
    assert sol.value("m_hat_1") == pytest.approx(0.3, rel=1e-12)
    assert sol.value("v_hat_1") == pytest.approx(0.09, rel=1e-12)
    assert sol.value("delta_1") == pytest.approx(0.01, rel=1e-7)
    # iteration 2: m̂ = 0.047/0.19 = 0.24737 (notes 0.247), v̂ = 0.00012991/0.001999 = 0.06499 (notes 0.065)
    assert sol.value("m_hat_2") == pytest.approx(0.047 / 0.19, rel=1e-12)
    assert sol.value("v_hat_2") == pytest.approx(0.06498749, rel=1e-6)
    assert sol.value("delta_2") == pytest.approx(0.0097035, rel=1e-4)  # notes 0.0097: right
    # iteration 3: m̂ = 0.0523/0.271 = 0.19299, not the notes' 0.191; v̂ = 0.00013978/0.002997 = 0.04664 (notes 0.0467)
    assert sol.value("m_hat_3") == pytest.approx(0.0523 / 0.271, rel=1e-12)
    assert sol.value("m_hat_3") == pytest.approx(0.19299, abs=1e-5)
    assert abs(sol.value("m_hat_3") - 0.191) > 1e-3
    assert sol.value("v_hat_3") == pytest.approx(0.04664, abs=1e-5)
    # Δw_3 = 0.01·0.19299/√0.04664 = 0.008936, not the notes' 0.0088
    assert sol.value("delta_3") == pytest.approx(0.008936, abs=1e-6)
    assert round(sol.value("delta_3"), 4) == 0.0089
    # θ₀ = 0 (the notes give none): θ_t = -(Δw_1 + ... + Δw_t)
    np.testing.assert_allclose(sol.value("theta"), -np.cumsum(sol.value("delta")), rtol=1e-12)
    assert sol.value("theta_3") == pytest.approx(-0.0286397, abs=1e-7)


def test_each_step_shows_its_numbers():
    from tutor.printers.text import TextPrinter

    sol = solve_params("adam", **NOTES)
    tp = TextPrinter(digits=4)
    text = " | ".join(tp.text(e) for e in sol.substitution("m_2"))
    assert "0.9·0.03 + 0.1·0.2" in text
    assert sol.value("m_2") == pytest.approx(0.047)
    assert "0.999·" in " ".join(tp.text(e) for e in sol.substitution("v_2"))
    theta_lines = [tp.text(e) for e in sol.substitution("theta_2")]
    assert any("-0.01 - 0.009704" in line for line in theta_lines)
    assert [s.key for s in sol.visible_steps()][:5] == ["m_1", "v_1", "m_hat_1", "v_hat_1", "theta_1"]
    assert sol.steps["theta_2"].inputs == ("theta_1", "m_hat_2", "v_hat_2", "lr", "eps")


def test_convention_is_stated():
    sol = solve_params("adam", **NOTES)
    text = " ".join(sol.conventions)
    assert "ε outside the square root" in text and "torch.optim.Adam" in text and "√(v̂ + ε)" in text


# -- random cases ---------------------------------------------------------------------------------------------------
finite = st.floats(min_value=-10, max_value=10, allow_nan=False, allow_infinity=False)
hyper = dict(
    lr=st.floats(min_value=1e-4, max_value=1.0),
    beta1=st.floats(min_value=0.0, max_value=0.99),
    beta2=st.floats(min_value=0.0, max_value=0.9999),
    eps=st.floats(min_value=1e-10, max_value=1e-3),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(theta0=finite, grads=st.lists(finite, min_size=1, max_size=8), **hyper)
def test_random_scalar(theta0, grads, lr, beta1, beta2, eps):
    params = dict(theta0=theta0, grads=grads, lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    assert_matches(solve_params("adam", **params), reference(**params), rtol=1e-9, atol=1e-12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(1, 4), T=st.integers(1, 5), **hyper)
def test_random_vector(data, n, T, lr, beta1, beta2, eps):
    theta0 = data.draw(st.lists(finite, min_size=n, max_size=n))
    grads = data.draw(st.lists(st.lists(finite, min_size=n, max_size=n), min_size=T, max_size=T))
    params = dict(theta0=theta0, grads=grads, lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    sol = solve_params("adam", **params)
    assert np.shape(sol.value("theta")) == (T, n)
    assert_matches(sol, reference(**params), rtol=1e-9, atol=1e-12)


def test_vector_theta():
    params = dict(theta0=[1.0, -2.0], grads=[[0.5, -0.1], [0.3, 0.2], [-0.4, 0.0]], lr=0.1)
    sol = solve_params("adam", **params)
    assert_matches(sol, reference(**params))
    assert np.shape(sol.value("m")) == (3, 2)
    # first step: each entry moves by lr against the sign of its gradient
    np.testing.assert_allclose(sol.value("theta_1"), [0.9, -1.9], rtol=1e-7)
    # a zero gradient entry still moves, by momentum: m_3[1] = 0.9·m_2[1] ≠ 0
    assert sol.value("m_3")[1] == pytest.approx(0.9 * (0.9 * 0.1 * -0.1 + 0.1 * 0.2))


def test_iterations_may_repeat_the_count():
    sol = solve_params("adam", **dict(NOTES, iterations=3))
    assert len(sol.value("theta")) == 3


# -- the loss path --------------------------------------------------------------------------------------------------
def run_on_loss(theta0, dloss, T, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam with g_t = dL/dθ at θ_{t-1}, the derivative given as a Python function written in the test."""
    theta, m, v, gs, thetas = float(theta0), 0.0, 0.0, [], []
    for t in range(1, T + 1):
        g = dloss(theta)
        gs.append(g)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        theta -= lr * (m / (1 - beta1**t)) / (math.sqrt(v / (1 - beta2**t)) + eps)
        thetas.append(theta)
    return gs, thetas


def test_loss_quadratic():
    sol = solve_params("adam", theta0=0, loss="(theta - 3)**2", iterations=3, lr=0.1)
    gs, thetas = run_on_loss(0, lambda th: 2 * (th - 3), 3, lr=0.1)
    for t in (1, 2, 3):
        # d/dθ (θ - 3)² = 2(θ - 3), at the parameter before the update
        assert sol.value(f"g_{t}") == pytest.approx(2 * (sol.value(f"theta_{t - 1}" if t > 1 else "theta0") - 3))
        assert sol.value(f"g_{t}") == pytest.approx(gs[t - 1], rel=1e-12)
        assert sol.steps[f"g_{t}"].inputs[-1] == ("theta0" if t == 1 else f"theta_{t - 1}")
    np.testing.assert_allclose(sol.value("theta"), thetas, rtol=1e-12)
    assert sol.value("g_1") == -6
    assert sol.value("theta_1") == pytest.approx(0.1, rel=1e-6)  # the first step is lr in size
    assert sol.value("theta_3") == pytest.approx(0.1 + 0.0999 + 0.09972, abs=2e-5)  # steps as printed
    assert any("θ_{t-1}" in c for c in sol.conventions)
    assert "θ_0" in sol.explanation("g_1")


def test_loss_with_functions():
    sol = solve_params("adam", theta0=0.5, loss="exp(theta) + sigmoid(theta)*theta", iterations=4, lr=0.05,
                       beta1=0.8, beta2=0.99, eps=1e-6)

    def d(th):
        s = 1 / (1 + math.exp(-th))
        return math.exp(th) + s * (1 - s) * th + s

    gs, thetas = run_on_loss(0.5, d, 4, lr=0.05, beta1=0.8, beta2=0.99, eps=1e-6)
    np.testing.assert_allclose([sol.value(f"g_{t}") for t in range(1, 5)], gs, rtol=1e-12)
    np.testing.assert_allclose(sol.value("theta"), thetas, rtol=1e-12)


def test_loss_without_theta_is_flat():
    sol = solve_params("adam", theta0=2, loss="5", iterations=2)
    np.testing.assert_allclose(sol.value("theta"), [2, 2])
    assert sol.notes and "does not contain theta" in sol.notes[0]


def test_long_run_is_bounded_and_fine():
    sol = solve_params("adam", theta0=0, loss="(theta - 3)**2", iterations=200, lr=0.1)
    _, thetas = run_on_loss(0, lambda th: 2 * (th - 3), 200, lr=0.1)
    np.testing.assert_allclose(sol.value("theta"), thetas, rtol=1e-10)


# -- replace: a student's own value carried forward -----------------------------------------------------------------
def test_replace_m1_recomputes_everything_after():
    sol = solve_params("adam", **NOTES)
    student = sol.replace({"m_1": 0.3})  # forgot the (1 - β₁)
    # redo by hand from m_1 = 0.3
    m2 = 0.9 * 0.3 + 0.1 * 0.2
    m3 = 0.9 * m2 + 0.1 * 0.1
    v = reference(**NOTES)["v_hat"]
    th1 = 0 - 0.01 * (0.3 / 0.1) / (math.sqrt(v[0]) + 1e-8)
    th2 = th1 - 0.01 * (m2 / 0.19) / (math.sqrt(v[1]) + 1e-8)
    th3 = th2 - 0.01 * (m3 / 0.271) / (math.sqrt(v[2]) + 1e-8)
    assert student.value("m_1") == 0.3
    np.testing.assert_allclose(student.value("m"), [0.3, m2, m3], rtol=1e-12)
    np.testing.assert_allclose(student.value("theta"), [th1, th2, th3], rtol=1e-12)
    np.testing.assert_allclose(student.value("v"), sol.value("v"))  # v does not depend on m
    assert student.value("theta_1") != pytest.approx(sol.value("theta_1"))


def test_replace_theta_on_loss_path_recomputes_gradient():
    sol = solve_params("adam", theta0=0, loss="(theta - 3)**2", iterations=3, lr=0.1)
    student = sol.replace({"theta_1": 1.0})
    assert student.value("g_2") == pytest.approx(2 * (1.0 - 3))
    assert student.value("g_1") == sol.value("g_1")
    assert student.value("theta_3") != pytest.approx(sol.value("theta_3"))


def test_replace_a_gradient():
    sol = solve_params("adam", **NOTES)
    student = sol.replace({"g_2": 0.5})
    assert student.value("m_2") == pytest.approx(0.9 * 0.03 + 0.1 * 0.5)
    assert student.value("v_2") == pytest.approx(0.999 * 0.00009 + 0.001 * 0.25)
    np.testing.assert_allclose(student.value("theta"), reference(**dict(NOTES, grads=[0.3, 0.5, 0.1]))["theta"],
                               rtol=1e-12)


def test_replace_lr_given():
    sol = solve_params("adam", **NOTES)
    student = sol.replace({"lr": 0.1})
    np.testing.assert_allclose(student.value("theta"), reference(**dict(NOTES, lr=0.1))["theta"], rtol=1e-12)


# -- errors ---------------------------------------------------------------------------------------------------------
def error_of(**params):
    with pytest.raises(TutorError) as e:
        solve_params("adam", **params)
    return e.value


@pytest.mark.parametrize("params, field, words", [
    (dict(theta0=0, grads=[0.1], loss="theta**2", iterations=1), "loss", "not both"),
    (dict(theta0=0), "grads", "grads"),
    (dict(NOTES, beta1=1.0), "beta1", "[0, 1)"),
    (dict(NOTES, beta1=1.5), "beta1", "1.5"),
    (dict(NOTES, beta2=-0.1), "beta2", "[0, 1)"),
    (dict(NOTES, lr=0), "lr", "positive"),
    (dict(NOTES, eps=-1e-8), "eps", "ε"),
    (dict(NOTES, iterations=4), "iterations", "3"),
    (dict(theta0=[0, 0], grads=[[0.1, 0.2], [0.1]]), "grads", "different lengths"),
    (dict(theta0=[0, 0], grads=[[0.1, 0.2, 0.3]]), "grads", "3 entries"),
    (dict(theta0=[0, 0], grads=[0.1, 0.2]), "grads", "list of 2"),
    (dict(theta0=0, grads=[[0.1, 0.2]]), "grads", "number"),
    (dict(theta0=0, loss="(theta - 3)**2"), "iterations", "iterations"),
    (dict(theta0=0, loss="(theta - 3)**2", iterations=0), "iterations", "1 to 1000"),
    (dict(theta0=0, loss="(theta - 3)**2", iterations=1001), "iterations", "1 to 1000"),
    (dict(theta0=0, grads=[0.1] * 1001), "grads", "1000"),
    (dict(theta0=[1, 2], loss="(theta - 3)**2", iterations=2), "theta0", "single number"),
    (dict(theta0=0, loss="(x - 3)**2", iterations=2), "loss", "unknown name 'x'"),
    (dict(theta0=0, loss="__import__('os').system('true')", iterations=1), "loss", "loss"),
    (dict(theta0=0, loss="(theta - 3", iterations=1), "loss", "never closed"),
    (dict(theta0=0, loss="log(theta)", iterations=1), "loss", "θ_0 = 0"),
    (dict(theta0=0, grads=[0.0, 0.1], eps=0), "eps", "0/0"),
    (dict(theta0="abc", grads=[0.1]), "theta0", "number"),
])
def test_errors_name_the_field(params, field, words):
    e = error_of(**params)
    assert e.field is not None and e.field.split(".")[-1].split("[")[0] == field, (e.field, str(e))
    assert words in str(e)
    assert "\n" not in str(e)


# -- the command line -----------------------------------------------------------------------------------------------
@pytest.fixture
def runner():
    from typer.testing import CliRunner

    return CliRunner()


def test_cli_solve_text(runner):
    from tutor.cli import app

    result = runner.invoke(app, ["solve", "adam-three-steps"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "m_2 = β₁·m_1 + (1 - β₁)·g_2" in out
    assert "0.9·0.03 + 0.1·0.2" in out
    assert "-0.02864" in out
    assert "ε outside the square root" in out


def test_cli_solve_json(runner):
    from tutor.cli import app

    result = runner.invoke(app, ["solve", "adam-three-steps", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    ref = reference(**NOTES)
    assert data["kind"] == "adam"
    np.testing.assert_allclose(data["answer"]["theta"], ref["theta"], rtol=1e-12)
    np.testing.assert_allclose(data["answer"]["v_hat"], ref["v_hat"], rtol=1e-12)
    keys = [s["key"] for s in data["steps"]]
    assert {"m_1", "v_3", "m_hat_2", "v_hat_3", "theta_3"} <= set(keys)


def test_cli_loss_problem(runner):
    from tutor.cli import app

    result = runner.invoke(app, ["solve", "adam-quadratic", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    _, thetas = run_on_loss(0, lambda th: 2 * (th - 3), 3, lr=0.1)
    np.testing.assert_allclose(data["answer"]["theta"], thetas, rtol=1e-12)


def test_cli_bad_beta(runner):
    from tutor.cli import app

    result = runner.invoke(app, ["solve", "adam-three-steps", "--set", "beta1=1.5"])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "beta1" in lines[0] and "1.5" in lines[0]
    assert "Traceback" not in result.output


def test_cli_validate(runner):
    from pathlib import Path

    from tutor.cli import app

    bank = Path(__file__).resolve().parents[2] / "problems" / "optimization"
    result = runner.invoke(app, ["validate", str(bank)])
    assert result.exit_code == 0, result.output


# -- torch, when it is installed ------------------------------------------------------------------------------------
def test_against_torch():
    torch = pytest.importorskip("torch")
    grads = [[0.3, -1.0], [0.2, 0.5], [0.1, 2.0], [-0.7, 0.0]]
    params = dict(theta0=[0.0, 1.0], grads=grads, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8)
    sol = solve_params("adam", **params)
    w = torch.tensor(params["theta0"], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([w], lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    for t, g in enumerate(grads, start=1):
        w.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        np.testing.assert_allclose(sol.value(f"theta_{t}"), w.detach().numpy(), rtol=1e-12)


def test_first_step_explanation_is_true_for_tiny_gradients():
    # found by a new-user trial: the text claimed a step of lr while the number above it was lr/11
    from conftest import solve_params

    sol = solve_params("adam", theta0=0, grads=[1e-9], lr=0.01)
    step = 0.01 * 1e-9 / (1e-9 + 1e-8)  # m̂ = g, √v̂ = |g|: lr·g/(|g| + ε), by hand
    assert float(sol.value("theta_1")) == pytest.approx(-step, rel=1e-9)
    assert "ε shrinks the step below lr" in sol.explanation("theta_1")
    big = solve_params("adam", theta0=0, grads=[0.3], lr=0.01)
    assert "the first step is lr in size" in big.explanation("theta_1")


# -- mistakes ---------------------------------------------------------------------------------------------------------
# Each wrong method is worked here in plain Python, independently of the solver and of the catalogue's rules.
from conftest import make_problem  # noqa: E402
from tutor.answers import parse_answer  # noqa: E402
from tutor.api import find_problem, solve  # noqa: E402
from tutor.check import check  # noqa: E402
from tutor.mistakes import catalogue  # noqa: E402

THREE_STEPS = find_problem("adam-three-steps")


from checking import bank_problems, visible_changes  # noqa: E402,F401
def wrong_adam(grads, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, bias="power", eps_inside=False):
    """Adam as a student might do it: bias correction by 1 - β^t ("power"), by 1 - β ("flat") or none."""
    m = v = theta = 0.0
    out = {}
    for t, g in enumerate(grads, start=1):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        c1, c2 = {"power": (1 - beta1**t, 1 - beta2**t), "flat": (1 - beta1, 1 - beta2), "none": (1, 1)}[bias]
        mh, vh = m / c1, v / c2
        theta -= lr * mh / (math.sqrt(vh + eps) if eps_inside else math.sqrt(vh) + eps)
        out.update({f"m_{t}": m, f"v_{t}": v, f"m_hat_{t}": mh, f"v_hat_{t}": vh, f"theta_{t}": theta})
    return out


def mark_of(problem, key, value, settings=None, digits=6):
    text = value if isinstance(value, str) else f"{value:.{digits}g}"
    result = check(problem, {key: parse_answer(text)}, settings)
    return next(m for m in result.marks if m.key == key)


@pytest.mark.parametrize("mistake, key, bias, extra", [
    ("no bias correction (m̂ = m, v̂ = v)", "m_hat_1", "none", {}),
    ("no bias correction (m̂ = m, v̂ = v)", "theta_1", "none", {}),
    ("bias correction 1 − β instead of 1 − βᵗ", "m_hat_2", "flat", {}),
    ("bias correction 1 − β instead of 1 − βᵗ", "v_hat_3", "flat", {}),
    ("bias correction 1 − β instead of 1 − βᵗ", "theta_3", "flat", {}),
    ("β₁ and 1 − β₁ swapped in m", "m_1", "power", {"beta1": 0.1}),
    ("β₁ and 1 − β₁ swapped in m", "m_hat_2", "power", {"beta1": 0.1}),
])
def test_mistakes_are_named_on_the_notes_example(mistake, key, bias, extra):
    wrong = wrong_adam([0.3, 0.2, 0.1], bias=bias, **extra)[key]
    right = wrong_adam([0.3, 0.2, 0.1])[key]
    assert abs(wrong - right) > 1e-3 * abs(right)  # a visible difference
    m = mark_of(THREE_STEPS, key, wrong)
    assert m.status == "wrong" and m.mistake is not None and m.mistake.name == mistake, (m.status, m.mistake)


def test_named_values_by_hand():
    # m̂_1 without correction is m_1 = 0.1·0.3 = 0.03; with 1 - β₁ for 1 - β₁² at t = 2, 0.047/0.1 = 0.47; with
    # β₁ = 0.1, m_1 = 0.9·0.3 = 0.27 (the notes' chapter: "generally β₁ = 0.1")
    assert mark_of(THREE_STEPS, "m_hat_1", "0.03").mistake.name == "no bias correction (m̂ = m, v̂ = v)"
    assert mark_of(THREE_STEPS, "m_hat_2", "0.47").mistake.name == "bias correction 1 − β instead of 1 − βᵗ"
    assert mark_of(THREE_STEPS, "m_1", "0.27").mistake.name == "β₁ and 1 − β₁ swapped in m"


def test_eps_inside_the_root_is_named_where_it_shows():
    # ε = 0.1 beside √v̂_1 = 0.3: lr·m̂/(√v̂ + ε) = 0.01·0.3/0.4 = 0.0075, but 0.01·0.3/√0.19 = 0.006882
    problem = make_problem("adam", dict(NOTES, eps=0.1))
    wrong = wrong_adam([0.3, 0.2, 0.1], eps=0.1, eps_inside=True)
    assert wrong["theta_1"] == pytest.approx(-0.01 * 0.3 / math.sqrt(0.19))
    for key in ("theta_1", "theta_3"):
        m = mark_of(problem, key, wrong[key])
        assert m.status == "wrong" and m.mistake.name == "ε inside the root, √(v̂ + ε)"


def test_eps_inside_the_root_is_invisible_at_the_notes_eps():
    """At ε = 10⁻⁸ the two placements agree to 8 significant figures: the same working is right, and the
    mistake does not apply (it would otherwise make every quiz variant look ambiguous)."""
    wrong = wrong_adam([0.3, 0.2, 0.1], eps_inside=True)
    assert mark_of(THREE_STEPS, "theta_3", wrong["theta_3"]).status == "correct"
    sol = solve(THREE_STEPS)
    eps_inside = next(m for m in catalogue("adam") if m.name.startswith("ε inside"))
    assert not eps_inside.applies(sol)
    assert eps_inside.applies(solve(make_problem("adam", dict(NOTES, eps=0.1))))


def test_right_values_to_2_and_4_decimals_are_correct_and_a_slip_is_carried():
    right = wrong_adam([0.3, 0.2, 0.1])
    for key, decimals in (("m_hat_2", 2), ("m_hat_3", 2), ("m_hat_2", 4), ("v_hat_2", 4), ("theta_3", 4)):
        assert mark_of(THREE_STEPS, key, f"{right[key]:.{decimals}f}").status == "correct", (key, decimals)
    # m_1 = 0.3 (the (1 - β₁) forgotten once), then m_2 from it by the right rule: 0.9·0.3 + 0.1·0.2 = 0.29
    result = check(THREE_STEPS, {"m_1": parse_answer("0.3"), "m_2": parse_answer("0.29")})
    got = {m.key: m for m in result.marks}
    assert got["m_1"].status == "wrong" and got["m_2"].status == "carried_forward"


def test_every_mistake_changes_a_checkable_step_of_the_bank():
    problems = bank_problems("adam")
    assert len(problems) >= 2
    for mistake in catalogue("adam"):
        shown = False
        for problem in problems:
            if mistake.applies is None or mistake.applies(solve(problem)):
                assert visible_changes(problem, mistake), (mistake.name, problem.id)
                shown = True
        if mistake.name.startswith("ε inside"):  # only once ε is not tiny beside √v̂: shown with --set eps=0.1
            assert visible_changes(THREE_STEPS, mistake, {"eps": 0.1})
        else:
            assert shown, mistake.name
    assert len(catalogue("adam")) >= 3


def test_numbered_rules_is_a_mapping_of_every_iteration():
    from tutor.solvers.adam import MAX_ITERATIONS, NumberedRules

    rules = NumberedRules({"m_hat": lambda v, t: t, "v_hat": lambda v, t: -t})
    assert "m_hat_1" in rules and f"v_hat_{MAX_ITERATIONS}" in rules
    for key in ("m_hat_0", "m_hat_01", f"m_hat_{MAX_ITERATIONS + 1}", "m_hat", "theta_1", "m_hat_x", 3):
        assert key not in rules
    assert rules["m_hat_7"]({}) == 7 and rules["v_hat_2"]({}) == -2
    assert len(rules) == len(list(rules)) == 2 * MAX_ITERATIONS


def test_a_quiz_variant_of_the_notes_example_draws():
    from tutor.variants import draw

    variants = [draw(THREE_STEPS, seed) for seed in range(5)]
    assert all(np.all(np.abs(v.settings["grads"]) >= 1) for v in variants)
    assert len({tuple(v.settings["grads"]) for v in variants}) > 1
