"""optimizer against plain-Python SGD, momentum, AdaGrad and RMSProp written in this test, closed forms, hand
arithmetic on the notes' examples, and torch.optim when torch is installed."""

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import solve_params
from tutor.cli import app
from tutor.errors import TutorError

MOMENTUM = dict(method="momentum", theta0=0, grads=[0.5, 0.4, -0.2], lr=0.1, beta=0.9)  # file 003, example ①
EXERCISE2 = dict(theta0=0, grads=[0.2, 0.4, 0.1], lr=0.1)  # file 003, example ②


def reference(method, theta0, grads, lr, beta=None, eps=None, eps_placement="outside", momentum_form="velocity",
              lr_decay="none"):
    """Each optimiser from its textbook definition, in plain Python lists (scalar θ or list θ)."""
    scalar = not isinstance(theta0, (list, tuple))
    theta = [float(theta0)] if scalar else [float(x) for x in theta0]
    n = len(theta)
    beta = {"momentum": 0.9, "rmsprop": 0.99}.get(method) if beta is None else beta
    eps = {"adagrad": 1e-10, "rmsprop": 1e-8}.get(method) if eps is None else eps
    state = [0.0] * n
    out = {"theta": [], "delta": [], "state": [], "eta": []}
    for t, g in enumerate(grads, start=1):
        g = [float(g)] if scalar else [float(x) for x in g]
        if method == "sgd":
            rate = lr / math.sqrt(t) if lr_decay == "inverse_sqrt" else lr
            out["eta"].append(rate)  # one rate for every entry
            etas = None
            delta = [rate * g[i] for i in range(n)]
        elif method == "momentum":
            if momentum_form == "pytorch":
                state = [beta * state[i] + g[i] for i in range(n)]
                delta = [lr * state[i] for i in range(n)]
            elif momentum_form == "velocity":
                state = [beta * state[i] + lr * g[i] for i in range(n)]
                delta = list(state)
            else:  # sutskever: v = βv - ηg, θ ← θ + v
                state = [beta * state[i] - lr * g[i] for i in range(n)]
                delta = [-s for s in state]
            etas = None
        else:
            if method == "adagrad":
                state = [state[i] + g[i] ** 2 for i in range(n)]
            else:
                state = [beta * state[i] + (1 - beta) * g[i] ** 2 for i in range(n)]
            if eps_placement == "inside":
                etas = [lr / math.sqrt(state[i] + eps) for i in range(n)]
            else:
                etas = [lr / (math.sqrt(state[i]) + eps) for i in range(n)]
            delta = [etas[i] * g[i] for i in range(n)]
        theta = [theta[i] - delta[i] for i in range(n)]
        for k, val in (("theta", theta), ("delta", delta), ("state", state), ("eta", etas)):
            if val is not None:
                out[k].append(val[0] if scalar else list(val))
    return out


def assert_matches(sol, ref, params, rtol=1e-12, atol=1e-15):
    np.testing.assert_allclose(sol.value("theta"), ref["theta"], rtol=rtol, atol=atol, err_msg="theta")
    np.testing.assert_allclose(sol.value("delta"), ref["delta"], rtol=rtol, atol=atol, err_msg="delta")
    method = params["method"]
    if method == "momentum":
        key = "buf" if params.get("momentum_form") == "pytorch" else "v"
        np.testing.assert_allclose(sol.value(key), ref["state"], rtol=rtol, atol=atol, err_msg=key)
    if method in ("adagrad", "rmsprop"):
        np.testing.assert_allclose(sol.value("r"), ref["state"], rtol=rtol, atol=atol, err_msg="r")
    if ref["eta"] and "eta" in sol.steps:
        np.testing.assert_allclose(sol.value("eta"), ref["eta"], rtol=rtol, atol=atol, err_msg="eta")


# -- the notes' examples, by hand --------------------------------------------------------------------------------
def test_momentum_notes_example_by_hand():
    sol = solve_params("optimizer", **MOMENTUM)
    # v_1 = 0.1·0.5; v_2 = 0.9·0.05 + 0.1·0.4; v_3 = 0.9·0.085 - 0.1·0.2
    np.testing.assert_allclose(sol.value("v"), [0.05, 0.085, 0.0565], rtol=1e-12)
    np.testing.assert_allclose(sol.value("theta"), [-0.05, -0.135, -0.1915], rtol=1e-12)
    assert sol.answer_keys == ("delta", "theta")
    assert [s.key for s in sol.visible_steps()] == ["v_1", "theta_1", "v_2", "theta_2", "v_3", "theta_3"]
    assert sol.steps["v_2"].inputs == ("v_1", "g_2", "beta", "lr")


@pytest.mark.parametrize("form", ["velocity", "sutskever", "pytorch"])
def test_momentum_forms_give_the_same_iterates(form):
    sol = solve_params("optimizer", **MOMENTUM, momentum_form=form)
    np.testing.assert_allclose(sol.value("theta"), [-0.05, -0.135, -0.1915], rtol=1e-12)
    if form == "pytorch":  # buf = v/η
        np.testing.assert_allclose(sol.value("buf"), [0.5, 0.85, 0.565], rtol=1e-12)
        assert "buf_t = β·buf_{t-1} + g_t" in sol.conventions[0]
    elif form == "sutskever":  # the step itself, pointing downhill
        np.testing.assert_allclose(sol.value("v"), [-0.05, -0.085, -0.0565], rtol=1e-12)
    assert "torch.optim.SGD" in sol.conventions[0]


def test_adagrad_exercise_by_hand():
    sol = solve_params("optimizer", method="adagrad", **EXERCISE2, eps=1e-8, eps_placement="inside")
    np.testing.assert_allclose(sol.value("r"), [0.04, 0.2, 0.21], rtol=1e-12)
    # η/√r: 0.1/0.2 = 0.5, then 0.1/√0.2 and 0.1/√0.21 (ε = 1e-8 inside moves them by ~1e-7 relative)
    np.testing.assert_allclose(sol.value("eta"), [0.5, 0.1 / math.sqrt(0.2), 0.1 / math.sqrt(0.21)], rtol=1e-6)
    np.testing.assert_allclose(sol.value("theta"), [-0.1, -0.18944272, -0.21126455], rtol=1e-6)
    # AdaGrad's first step is η in size, whatever the gradient
    assert "η in size" in sol.explanation("eta_1")


def test_sgd_decayed_rate_as_the_notes_work_exercise_2():
    sol = solve_params("optimizer", method="sgd", lr_decay="inverse_sqrt", **EXERCISE2)
    np.testing.assert_allclose(sol.value("eta"), [0.1, 0.1 / math.sqrt(2), 0.1 / math.sqrt(3)], rtol=1e-12)
    assert sol.value("theta_3") == pytest.approx(-(0.02 + 0.04 / math.sqrt(2) + 0.01 / math.sqrt(3)), rel=1e-12)
    assert sol.value("theta_3") == pytest.approx(-0.05406, abs=5e-6)  # not the notes' -0.0591
    assert "not AdaGrad" in sol.conventions[0]


def test_rmsprop_first_step_is_lr_over_root_of_one_minus_beta():
    # r_1 = (1 - β)g², so the first step is η·g/(√(1 - β)|g|) = η/√(1 - β), whatever g (no bias correction)
    for g1 in (0.2, -3.0, 50.0):
        sol = solve_params("optimizer", method="rmsprop", theta0=0, grads=[g1], lr=0.01, beta=0.9)
        assert abs(sol.value("theta_1")) == pytest.approx(0.01 / math.sqrt(0.1), rel=1e-6)
        assert math.copysign(1, sol.value("theta_1")) == -math.copysign(1, g1)
    sol = solve_params("optimizer", method="rmsprop", theta0=0, grads=[0.2], lr=0.01)
    assert sol.value("beta") == 0.99 and sol.value("eps") == 1e-8
    assert any("0.99, PyTorch's default alpha" in c for c in sol.conventions)


def test_adagrad_defaults_are_pytorchs():
    sol = solve_params("optimizer", method="adagrad", **EXERCISE2)
    assert sol.value("eps") == 1e-10
    text = " ".join(sol.conventions)
    assert "ε outside the square root" in text and "torch.optim.Adagrad" in text and "1e-10" in text


def test_plain_sgd_on_a_quadratic_has_a_closed_form():
    # L = (θ - 3)²: θ_t - 3 = (1 - 2η)(θ_{t-1} - 3), so θ_t = 3 - 3·0.8^t for θ_0 = 0, η = 0.1
    sol = solve_params("optimizer", method="sgd", theta0=0, loss="(theta - 3)**2", iterations=5, lr=0.1)
    np.testing.assert_allclose(sol.value("theta"), [3 - 3 * 0.8**t for t in range(1, 6)], rtol=1e-12)
    assert sol.value("g_1") == -6
    assert sol.steps["g_2"].inputs == ("loss", "theta_1")


def test_momentum_on_a_quadratic_matches_the_recurrence():
    sol = solve_params("optimizer", method="momentum", theta0=1, loss="theta**2", iterations=4, lr=0.1, beta=0.5)
    th, v, ths = 1.0, 0.0, []
    for _ in range(4):
        v = 0.5 * v + 0.1 * 2 * th
        th -= v
        ths.append(th)
    np.testing.assert_allclose(sol.value("theta"), ths, rtol=1e-12)


# -- random cases --------------------------------------------------------------------------------------------------
finite = st.floats(min_value=-10, max_value=10, allow_nan=False, allow_infinity=False)
config = st.sampled_from([
    dict(method="sgd"), dict(method="sgd", lr_decay="inverse_sqrt"),
    dict(method="momentum"), dict(method="momentum", momentum_form="pytorch"),
    dict(method="momentum", momentum_form="sutskever"),
    dict(method="adagrad"), dict(method="adagrad", eps_placement="inside"),
    dict(method="rmsprop"), dict(method="rmsprop", eps_placement="inside"),
])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=config, theta0=finite, grads=st.lists(finite, min_size=1, max_size=6),
       lr=st.floats(min_value=1e-4, max_value=1.0), beta=st.floats(min_value=0.0, max_value=0.99),
       eps=st.floats(min_value=1e-10, max_value=1e-3))
def test_random_scalar(cfg, theta0, grads, lr, beta, eps):
    params = dict(cfg, theta0=theta0, grads=grads, lr=lr)
    if cfg["method"] in ("momentum", "rmsprop"):
        params["beta"] = beta
    if cfg["method"] in ("adagrad", "rmsprop"):
        params["eps"] = eps
    assert_matches(solve_params("optimizer", **params), reference(**params), params, rtol=1e-9, atol=1e-12)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=config, data=st.data(), n=st.integers(1, 3), T=st.integers(1, 4))
def test_random_vector(cfg, data, n, T):
    theta0 = data.draw(st.lists(finite, min_size=n, max_size=n))
    grads = data.draw(st.lists(st.lists(finite, min_size=n, max_size=n), min_size=T, max_size=T))
    params = dict(cfg, theta0=theta0, grads=grads, lr=0.05)
    sol = solve_params("optimizer", **params)
    assert np.shape(sol.value("theta")) == (T, n)
    assert_matches(sol, reference(**params), params, rtol=1e-9, atol=1e-12)


def test_vector_adagrad_rates_are_per_entry():
    sol = solve_params("optimizer", method="adagrad", theta0=[0, 0], grads=[[1.0, 0.01], [1.0, 0.01]], lr=0.1)
    # the entry with small gradients gets a 100 times larger rate
    eta = sol.value("eta_2")
    assert eta[1] / eta[0] == pytest.approx(100, rel=1e-6)
    assert "entry by entry" in " ".join(sol.conventions)


# -- replace: a student's value carried forward --------------------------------------------------------------------
def test_replace_velocity_recomputes_what_follows():
    sol = solve_params("optimizer", **MOMENTUM)
    student = sol.replace({"v_2": 0.125})  # 0.9·0.05 + 0.1·0.4 added wrongly
    assert student.value("theta_2") == pytest.approx(-0.05 - 0.125)
    assert student.value("v_3") == pytest.approx(0.9 * 0.125 - 0.02)
    assert student.value("theta_3") == pytest.approx(-0.175 - (0.9 * 0.125 - 0.02))
    assert student.value("theta_1") == sol.value("theta_1")


def test_replace_given_lr_and_eps():
    params = dict(method="adagrad", **EXERCISE2, eps=1e-8)
    sol = solve_params("optimizer", **params)
    for name, value in (("lr", 0.3), ("eps", 0.01)):
        np.testing.assert_allclose(sol.replace({name: value}).value("theta"),
                                   reference(**dict(params, **{name: value}))["theta"], rtol=1e-12)


def test_replace_theta_on_the_loss_path_recomputes_the_gradient():
    sol = solve_params("optimizer", method="rmsprop", theta0=0, loss="(theta - 3)**2", iterations=3, lr=0.1)
    student = sol.replace({"theta_1": 1.0})
    assert student.value("g_2") == pytest.approx(-4.0)
    assert student.value("r_2") == pytest.approx(0.99 * sol.value("r_1") + 0.01 * 16)


# -- notes and errors ----------------------------------------------------------------------------------------------
def test_parameters_the_method_ignores_are_noted():
    sol = solve_params("optimizer", method="sgd", **EXERCISE2, beta=0.9, eps=1e-8)
    assert sol.notes == ["beta, eps are not used by sgd."]
    assert "beta" not in sol.givens


def error_of(**params):
    with pytest.raises(TutorError) as e:
        solve_params("optimizer", **params)
    return e.value


@pytest.mark.parametrize("params, field, words", [
    (dict(MOMENTUM, method="nesterov"), "method", "expected one of"),
    (dict(MOMENTUM, lr=0), "lr", "positive"),
    (dict(MOMENTUM, beta=1.0), "beta", "[0, 1)"),
    (dict(MOMENTUM, method="rmsprop", beta=-0.1), "beta", "0.99"),
    (dict(EXERCISE2, method="adagrad", eps=-1), "eps", "ε"),
    (dict(EXERCISE2, method="adagrad", lr_decay="inverse_sqrt"), "lr_decay", "plain sgd"),
    (dict(EXERCISE2, method="adagrad", momentum_form="keras"), "momentum_form", "expected one of"),
    (dict(method="sgd", theta0=0, lr=0.1), "grads", "grads"),
    (dict(method="sgd", theta0=0, lr=0.1, grads=[1], loss="theta**2", iterations=1), "loss", "not both"),
    (dict(method="sgd", theta0=0, lr=0.1, loss="theta**2"), "iterations", "iterations"),
    (dict(method="sgd", theta0=0, lr=0.1, loss="theta**2", iterations=0), "iterations", "1 to 1000"),
    (dict(method="sgd", theta0=[0, 1], lr=0.1, loss="theta**2", iterations=2), "theta0", "single number"),
    (dict(method="sgd", theta0=0, lr=0.1, loss="__import__('os')", iterations=1), "loss", "loss"),
    (dict(method="sgd", theta0=0, lr=0.1, loss="(theta - 3", iterations=1), "loss", "never closed"),
    (dict(method="sgd", theta0=[0, 0], lr=0.1, grads=[[1, 2, 3]]), "grads", "3 entries"),
    (dict(method="sgd", theta0=0, lr=0.1, grads=[1, 2], iterations=3), "iterations", "2 entries"),
    (dict(method="adagrad", theta0=0, lr=0.1, grads=[0.0], eps=0), "eps", "divides by zero"),
    (dict(method="sgd", theta0="abc", lr=0.1, grads=[1]), "theta0", "number"),
])
def test_errors_name_the_field(params, field, words):
    e = error_of(**params)
    assert e.field is not None and e.field.split(".")[-1].split("[")[0] == field, (e.field, str(e))
    assert words in str(e)
    assert "\n" not in str(e)


# -- the command line ----------------------------------------------------------------------------------------------
runner = CliRunner()


def solve_json(problem_id):
    result = runner.invoke(app, ["solve", problem_id, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("problem_id, params", [
    ("momentum-three-steps", dict(MOMENTUM)),
    ("adagrad-three-steps", dict(method="adagrad", **EXERCISE2, eps=1e-8, eps_placement="inside")),
    ("sgd-decayed-rate-three-steps", dict(method="sgd", lr_decay="inverse_sqrt", **EXERCISE2)),
    ("rmsprop-three-steps", dict(method="rmsprop", **EXERCISE2, beta=0.9, eps=1e-8)),
])
def test_cli_problems_against_reference(problem_id, params):
    data = solve_json(problem_id)
    ref = reference(**params)
    assert data["kind"] == "optimizer"
    np.testing.assert_allclose(data["answer"]["theta"], ref["theta"], rtol=1e-12)
    np.testing.assert_allclose(data["answer"]["delta"], ref["delta"], rtol=1e-12)


def test_cli_text_shows_the_working_and_the_notes_slip():
    result = runner.invoke(app, ["solve", "momentum-three-steps"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "v_2 = β·v_1 + η·g_2" in out
    assert "0.9·0.085 + 0.1·(-0.2)" in out
    assert "-0.1915" in out
    assert "The notes give 0.135" in out
    result = runner.invoke(app, ["solve", "adagrad-three-steps"])
    assert result.exit_code == 0, result.output
    assert "not AdaGrad" in result.stdout and "The notes give 0.1 for η_1" in result.stdout


def test_cli_bad_setting_is_one_line():
    result = runner.invoke(app, ["solve", "momentum-three-steps", "--set", "beta=1.5"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "beta" in lines[0] and "1.5" in lines[0]


def test_cli_set_method_on_an_existing_problem():
    result = runner.invoke(app, ["solve", "momentum-three-steps", "--set", "method=sgd", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    np.testing.assert_allclose(data["answer"]["theta"], [-0.05, -0.09, -0.07], rtol=1e-12)


# -- torch, when it is installed -----------------------------------------------------------------------------------
@pytest.mark.parametrize("method, make", [
    ("momentum", lambda torch, w: torch.optim.SGD([w], lr=0.1, momentum=0.9)),
    ("adagrad", lambda torch, w: torch.optim.Adagrad([w], lr=0.1)),
    ("rmsprop", lambda torch, w: torch.optim.RMSprop([w], lr=0.01)),
])
def test_against_torch(method, make):
    torch = pytest.importorskip("torch")
    grads = [[0.3, -1.0], [0.2, 0.5], [0.1, 2.0], [-0.7, 0.0]]
    lr = 0.01 if method == "rmsprop" else 0.1
    sol = solve_params("optimizer", method=method, theta0=[0.0, 1.0], grads=grads, lr=lr,
                       **({"momentum_form": "pytorch"} if method == "momentum" else {}))
    w = torch.tensor([0.0, 1.0], dtype=torch.float64, requires_grad=True)
    opt = make(torch, w)
    for t, g in enumerate(grads, start=1):
        w.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        np.testing.assert_allclose(sol.value(f"theta_{t}"), w.detach().numpy(), rtol=1e-12)


# -- mistakes ---------------------------------------------------------------------------------------------------------
# Each wrong method is worked here in plain Python, independently of the solver and of the catalogue's rules.
from conftest import make_problem  # noqa: E402
from tutor.answers import parse_answer  # noqa: E402
from tutor.api import find_problem, solve  # noqa: E402
from tutor.check import check  # noqa: E402
from tutor.mistakes import catalogue  # noqa: E402

GRADS2 = [0.2, 0.4, 0.1]  # exercise ②'s gradients, also the RMSProp problem's


from checking import bank_problems, visible_changes  # noqa: E402,F401
def mark_of(problem, key, value, settings=None, digits=6):
    problem = find_problem(problem) if isinstance(problem, str) else problem
    text = value if isinstance(value, str) else f"{value:.{digits}g}"
    result = check(problem, {key: parse_answer(text)}, settings)
    return next(m for m in result.marks if m.key == key)


def descend(grads, rates):
    """θ_t = θ_{t-1} - η_t·g_t from θ_0 = 0."""
    theta, out = 0.0, []
    for g, r in zip(grads, rates):
        theta -= r * g
        out.append(theta)
    return out


def test_adagrad_as_inverse_sqrt_t_is_named():
    # the notes' working: η_t = 0.1/√t = 0.1, 0.07071, 0.05774; θ_3 = -(0.02 + 0.028284 + 0.005774)
    rates = [0.1 / math.sqrt(t) for t in (1, 2, 3)]
    thetas = descend(GRADS2, rates)
    assert thetas[2] == pytest.approx(-0.0540578, abs=1e-7)
    for key, value in (("eta_2", rates[1]), ("theta_3", thetas[2])):
        m = mark_of("adagrad-three-steps", key, value)
        assert m.status == "wrong" and m.mistake.name == "η/√t instead of AdaGrad's η/√(g₁² + … + g_t²)"


def test_rmsprop_without_the_share_is_named():
    r, rates = 0.0, []
    for g in GRADS2:
        r = 0.9 * r + g * g  # the (1 - β) left out
        rates.append(0.1 / (math.sqrt(r) + 1e-8))
    assert r == pytest.approx(0.9 * (0.9 * 0.04 + 0.16) + 0.01)
    thetas = descend(GRADS2, rates)
    for key, value in (("r_2", 0.196), ("eta_3", rates[2]), ("theta_3", thetas[2])):
        m = mark_of("rmsprop-three-steps", key, value)
        assert m.status == "wrong" and m.mistake.name == "RMSProp without the (1 − β) on g²", key


def test_momentum_uphill_is_named():
    v, theta, thetas = 0.0, 0.0, []
    for g in MOMENTUM["grads"]:
        v = 0.9 * v + 0.1 * g
        theta += v  # the chapter's θ + v with the worked example's v
        thetas.append(theta)
    assert thetas == pytest.approx([0.05, 0.135, 0.1915])
    for key, value in zip(("theta_1", "theta_3"), (thetas[0], thetas[2])):
        m = mark_of("momentum-three-steps", key, value)
        assert m.status == "wrong" and m.mistake.name == "momentum step taken uphill (the sign of v mixed up)"
    # the same slip in the other written forms: chapter's v = βv - ηg with θ - v, PyTorch's buffer with θ + η·buf
    for form in ("sutskever", "pytorch"):
        problem = make_problem("optimizer", dict(MOMENTUM, momentum_form=form))
        m = mark_of(problem, "theta_3", thetas[2])
        assert m.status == "wrong" and m.mistake.name.startswith("momentum step taken uphill"), form


def test_decayed_rate_over_t_is_named():
    rates = [0.1 / t for t in (1, 2, 3)]
    thetas = descend(GRADS2, rates)
    for key, value in (("eta_2", 0.05), ("theta_3", thetas[2])):
        m = mark_of("sgd-decayed-rate-three-steps", key, value)
        assert m.status == "wrong" and m.mistake.name == "decayed rate η/t instead of η/√t"


def test_right_values_to_2_and_4_decimals_are_correct_and_a_slip_is_carried():
    # momentum: θ_3 = -0.1915 and v_2 = 0.085 (the notes' worked example)
    for text in ("-0.19", "-0.1915"):
        assert mark_of("momentum-three-steps", "theta_3", text).status == "correct"
    for text in ("0.085", "0.0850"):
        assert mark_of("momentum-three-steps", "v_2", text).status == "correct"
    # v_1 = 0.5 (η forgotten) is wrong; θ_1 = 0 - 0.5 from it is carried forward
    result = check(find_problem("momentum-three-steps"), {"v_1": parse_answer("0.5"), "theta_1": parse_answer("-0.5")})
    got = {m.key: m for m in result.marks}
    assert got["v_1"].status == "wrong" and got["theta_1"].status == "carried_forward"


def test_every_mistake_changes_a_checkable_step_of_the_bank():
    problems = bank_problems("optimizer")
    for mistake in catalogue("optimizer"):
        applied = [p for p in problems if mistake.applies is None or mistake.applies(solve(p))]
        assert applied, mistake.name
        for problem in applied:
            assert visible_changes(problem, mistake), (mistake.name, problem.id)


def test_mistakes_apply_to_their_own_method_only():
    names = {}
    for pid in ("adagrad-three-steps", "rmsprop-three-steps", "momentum-three-steps", "sgd-decayed-rate-three-steps"):
        sol = solve(find_problem(pid))
        names[pid] = [m.name for m in catalogue("optimizer") if m.applies(sol)]
    assert all(len(v) == 1 for v in names.values()), names
    plain = solve_params("optimizer", method="sgd", theta0=0, grads=GRADS2, lr=0.1)
    assert not [m.name for m in catalogue("optimizer") if m.applies(plain)]


@pytest.mark.parametrize("pid", ["momentum-three-steps", "rmsprop-three-steps", "adagrad-three-steps"])
def test_quiz_variants_draw_readily(pid):
    """The vary ranges give usable variants at once, mostly: never near the 300 tries `tutor quiz` allows."""
    from tutor.variants import draw

    problem = find_problem(pid)
    variants = [draw(problem, seed) for seed in range(4)]
    assert max(v.tries for v in variants) <= 10
    assert len({repr(v.settings) for v in variants}) > 1
