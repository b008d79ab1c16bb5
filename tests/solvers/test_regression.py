"""linear_regression_gd and logistic_regression against gradient descent written out here in plain Python, the
notes' hand-checked numbers, finite differences of the losses (so the gradient formulas are checked, not copied),
and bad input."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import solve_params
from tutor.cli import app
from tutor.errors import TutorError

DIVIDE = {"mean": lambda m: m, "half_mean": lambda m: 2 * m, "sum": lambda m: 1, "half_sum": lambda m: 2}


def mse(X, Y, w, b, conv):
    """The loss, written from its definition: Σ(y - ŷ)² divided as the convention says."""
    sq = sum((y - (sum(wj * xj for wj, xj in zip(w, x)) + b)) ** 2 for x, y in zip(X, Y))
    return sq / DIVIDE[conv](len(Y))


def numeric_grad(f, v, h=1e-6):
    v = list(map(float, v))
    out = []
    for j in range(len(v)):
        up, down = v.copy(), v.copy()
        up[j] += h
        down[j] -= h
        out.append((f(up) - f(down)) / (2 * h))
    return out


def gd(X, Y, w, b, eta, epochs, batches, conv, bias=True):
    """Gradient descent with the gradients taken by finite differences of `mse` on each batch."""
    w, b = list(map(float, w)), float(b)
    log = {"loss_e0": mse(X, Y, w, b, conv)}
    for k in range(1, epochs + 1):
        for j, idx in enumerate(batches, 1):
            Xb, Yb = [X[i] for i in idx], [Y[i] for i in idx]
            gw = numeric_grad(lambda v, Xb=Xb, Yb=Yb, b=b: mse(Xb, Yb, v, b, conv), w)
            gb = numeric_grad(lambda v, Xb=Xb, Yb=Yb, w=w: mse(Xb, Yb, w, v[0], conv), [b])[0]
            w = [wi - eta * gi for wi, gi in zip(w, gw)]
            if bias:
                b -= eta * gb
            log[f"dL_dw_e{k}_{j}"], log[f"w_e{k}_{j}"] = gw, list(w)
            if bias:
                log[f"dL_db_e{k}_{j}"], log[f"b_e{k}_{j}"] = gb, b
        log[f"loss_e{k}"] = mse(X, Y, w, b, conv)
    return log


def compare(sol, log, rel=1e-6):
    for key, want in log.items():
        got = np.atleast_1d(np.asarray(sol.value(key), float))
        np.testing.assert_allclose(got, np.atleast_1d(want), rtol=rel, atol=1e-7, err_msg=key)


def column(xs):
    return [[x] for x in xs]


# -- the notes' examples --------------------------------------------------------------------------------------------
def test_batch_no_bias_notes_example():
    sol = solve_params("linear_regression_gd", x=[1, 2, 3], y=[2, 4, 6], w0=0, bias=False, eta=0.1,
                       mode="batch", loss="half_mean")
    assert sol.value("dL_dw_e1_1") == pytest.approx(-28 / 3, rel=1e-14)  # the notes: -9.33
    assert sol.value("w_final") == pytest.approx(2.8 / 3, rel=1e-14)  # the notes: 0.933
    assert sol.value("b_final") == 0 and "dL_db_e1_1" not in sol.steps and "b_e1_1" not in sol.steps
    compare(sol, gd(column([1, 2, 3]), [2, 4, 6], [0], 0, 0.1, 1, [[0, 1, 2]], "half_mean", bias=False))
    assert any("No bias" in c for c in sol.conventions)


def test_stochastic_no_bias_notes_example():
    sol = solve_params("linear_regression_gd", x=[1, 2, 3], y=[2, 4, 6], w0=0, bias=False, eta=0.1,
                       mode="stochastic", loss="half_mean")
    # the notes: -2, 0.2; -7.2, 0.92; -9.72, 1.892
    for j, (g, w) in enumerate([(-2, 0.2), (-7.2, 0.92), (-9.72, 1.892)], 1):
        assert sol.value(f"dL_dw_e1_{j}") == pytest.approx(g, rel=1e-12)
        assert sol.value(f"w_e1_{j}") == pytest.approx(w, rel=1e-12)
    assert sol.value("yhat_e1_3") == pytest.approx(2.76)  # one example: a number, not a list


def test_mini_batch_notes_example():
    sol = solve_params("linear_regression_gd", x=[1, 2, 3, 4], y=[2, 4, 6, 8], eta=0.1, mode="mini-batch",
                       batch_size=2, loss="half_mean")
    assert sol.value("dL_dw_e1_1") == pytest.approx(-5) and sol.value("dL_db_e1_1") == pytest.approx(-3)
    assert sol.value("w_e1_1") == pytest.approx(0.5) and sol.value("b_e1_1") == pytest.approx(0.3)
    np.testing.assert_allclose(sol.value("yhat_e1_2"), [1.8, 2.3])
    assert sol.value("dL_dw_e1_2") == pytest.approx(-17.7) and sol.value("dL_db_e1_2") == pytest.approx(-4.95)
    assert sol.value("w_final") == pytest.approx(2.27) and sol.value("b_final") == pytest.approx(0.795)
    # (b): 120/8 = 15 before, (1.065² + 1.335² + 1.605² + 1.875²)/8 after
    assert sol.value("loss_e0") == pytest.approx(15)
    assert sol.value("loss_final") == pytest.approx((1.065**2 + 1.335**2 + 1.605**2 + 1.875**2) / 8, rel=1e-12)
    compare(sol, gd(column([1, 2, 3, 4]), [2, 4, 6, 8], [0], 0, 0.1, 1, [[0, 1], [2, 3]], "half_mean"))


@pytest.mark.parametrize("mode,batches", [("batch", [[0, 1, 2]]), ("stochastic", [[0], [1], [2]])])
def test_two_epochs_mean_convention(mode, batches):
    sol = solve_params("linear_regression_gd", x=[1, 2, 3], y=[3, 5, 7], eta=0.1, epochs=2, mode=mode,
                       loss="mean")
    compare(sol, gd(column([1, 2, 3]), [3, 5, 7], [0], 0, 0.1, 2, batches, "mean"))
    if mode == "batch":  # by hand: ∂L/∂w = -(2/3)(3 + 10 + 21), ∂L/∂b = -(2/3)·15
        assert sol.value("dL_dw_e1_1") == pytest.approx(-68 / 3) and sol.value("dL_db_e1_1") == pytest.approx(-10)
        assert sol.value("loss_e0") == pytest.approx(83 / 3)
    assert sol.value("loss_e2") < sol.value("loss_e1") < sol.value("loss_e0")
    assert "after epoch 2: down from" in sol.explanation("loss_e2")


# -- conventions, shapes --------------------------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(st.sampled_from(["mean", "half_mean", "sum", "half_sum"]), st.sampled_from(["batch", "stochastic", 1, 2, 3]),
       st.integers(1, 3), st.booleans(), st.integers(0, 2**31 - 1))
def test_random_problems_match_finite_differences(conv, mode, epochs, vector, seed):
    rng = np.random.default_rng(seed)
    n = 5
    X = np.round(rng.uniform(-2, 2, size=(n, 2 if vector else 1)), 2)
    Y = np.round(rng.uniform(-3, 3, size=n), 2).tolist()
    w0 = np.round(rng.uniform(-1, 1, size=X.shape[1]), 2).tolist()
    kwargs = dict(y=Y, b0=0.3, eta=0.05, epochs=epochs, loss=conv)
    if mode in ("batch", "stochastic"):
        kwargs["mode"] = mode
        batches = [list(range(n))] if mode == "batch" else [[i] for i in range(n)]
    else:
        kwargs.update(mode="mini-batch", batch_size=mode)
        batches = [list(range(s, min(s + mode, n))) for s in range(0, n, mode)]
    x = X.tolist() if vector else X[:, 0].tolist()
    sol = solve_params("linear_regression_gd", x=x, w0=w0 if vector else w0[0], **kwargs)
    compare(sol, gd(X.tolist(), Y, w0, 0.3, 0.05, epochs, batches, conv), rel=1e-5)


def test_mse_conventions_and_pytorch_are_named():
    texts = {}
    for conv in ("mean", "half_mean", "sum", "half_sum"):
        sol = solve_params("linear_regression_gd", x=[1, 2], y=[1, 3], eta=0.1, loss=conv)
        texts[conv] = " ".join(sol.conventions)
        assert "MSELoss" in texts[conv]
    assert "torch.nn.MSELoss() is exactly this (reduction='mean', no ½)" in texts["mean"]
    assert "twice these" in texts["half_mean"]
    from tutor.registry import get_kind

    assert get_kind("linear_regression_gd").param("loss").default == "mean"  # PyTorch's convention by default


def test_uneven_last_mini_batch_is_kept():
    sol = solve_params("linear_regression_gd", x=[1, 2, 3, 4, 5], y=[1, 2, 3, 4, 5], eta=0.01, mode="mini-batch",
                       batch_size=2)
    assert "w_e1_3" in sol.steps and "w_e1_4" not in sol.steps
    assert np.ndim(sol.value("yhat_e1_3")) == 0  # the last batch has one example
    assert any("sizes 2, 2, 1" in c for c in sol.conventions)


def test_vector_inputs():
    X = [[1, 0], [0, 1], [1, 1]]
    sol = solve_params("linear_regression_gd", x=X, y=[1, 2, 3], w0=[0, 0], eta=0.1, epochs=2)
    compare(sol, gd(X, [1, 2, 3], [0, 0], 0, 0.1, 2, [[0, 1, 2]], "mean"))
    assert np.shape(sol.value("w_final")) == (2,)


def test_rising_loss_is_explained():
    sol = solve_params("linear_regression_gd", x=[1, 2, 3], y=[3, 5, 7], eta=1, epochs=1)
    assert sol.value("loss_e1") > sol.value("loss_e0")
    assert "η is too large" in sol.explanation("loss_e1")


def test_replacing_a_gradient_carries_forward():
    sol = solve_params("linear_regression_gd", x=[1, 2, 3], y=[2, 4, 6], w0=0, bias=False, eta=0.1,
                       mode="stochastic", loss="half_mean")
    new = sol.replace({"dL_dw_e1_1": -3.0})
    assert new.value("w_e1_1") == pytest.approx(0.3)
    assert new.value("dL_dw_e1_2") == pytest.approx(-(4 - 0.6) * 2)


@pytest.mark.parametrize("change,field,fragment", [
    (dict(y=[1, 2]), "y", "2 targets but x has 3"),
    (dict(w0=[1, 2]), "w0", "single number"),
    (dict(eta=-0.1), "eta", "positive"),
    (dict(epochs=0), "epochs", "from 1 to 100"),
    (dict(mode="mini-batch"), "batch_size", "needs batch_size"),
    (dict(mode="mini-batch", batch_size=4), "batch_size", "from 1 to the number of examples, 3"),
    (dict(batch_size=2), "batch_size", "only used with mode mini-batch"),
    (dict(bias=False, b0=1), "b0", "bias is false"),
    (dict(loss="rmse"), "loss", "expected one of"),
    (dict(x="abc"), "x", "expected a list"),
    (dict(x=[[1, 2], [3]]), "x", "rows have different lengths"),
])
def test_linear_bad_input(change, field, fragment):
    with pytest.raises(TutorError) as e:
        solve_params("linear_regression_gd", **{**dict(x=[1, 2, 3], y=[2, 4, 6], eta=0.1), **change})
    assert e.value.field == f"params.{field}", e.value.field
    assert fragment in e.value.message, e.value.message


def test_vector_inputs_need_matching_w0():
    with pytest.raises(TutorError) as e:
        solve_params("linear_regression_gd", x=[[1, 0], [0, 1]], y=[1, 2], w0=[0, 0, 0], eta=0.1)
    assert e.value.field == "params.w0" and "3 entries but each x has 2" in e.value.message


# -- logistic regression --------------------------------------------------------------------------------------------
def sigma(z):
    return 1 / (1 + math.exp(-z))


def bce(X, Y, theta, reduction="mean"):
    total = 0.0
    for x, y in zip(X, Y):
        h = sigma(sum(t * v for t, v in zip(theta, x)))
        total -= y * math.log(h) + (1 - y) * math.log(1 - h)
    return total / len(Y) if reduction == "mean" else total


def test_sigmoid_neuron_from_the_notes():
    # 003: x = (0, 1, 1), w = (4, 2, -1), sigmoid: z = 1 and ŷ = σ(1) = 0.731059 (the notes: 0.7310)
    sol = solve_params("logistic_regression", X=[0, 1, 1], y=1, theta=[4, 2, -1], intercept=False, eta=0.1)
    assert sol.value("z")[0] == 1 and sol.value("h")[0] == pytest.approx(0.7310585786, rel=1e-9)
    assert sol.value("loss") == pytest.approx(-math.log(sigma(1)), rel=1e-12)
    np.testing.assert_allclose(sol.value("dL_dtheta"), (sigma(1) - 1) * np.array([0, 1, 1]), rtol=1e-12)
    np.testing.assert_allclose(sol.value("theta_new"), [4, 2 - 0.1 * (sigma(1) - 1), -1 - 0.1 * (sigma(1) - 1)])
    assert sol.value("loss_new") < sol.value("loss")


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("intercept", [True, False])
def test_gradient_is_the_derivative_of_the_cross_entropy(reduction, intercept):
    X = [[1, 1], [2, 0], [0, 3], [-1, 2]]
    Y = [1, 0, 1, 0]
    theta = [0.1, 0.2, 0.3] if intercept else [0.2, 0.3]
    rows = [[1, *x] for x in X] if intercept else X
    sol = solve_params("logistic_regression", X=X, y=Y, theta=theta, intercept=intercept, eta=0.5,
                       reduction=reduction)
    assert sol.value("loss") == pytest.approx(bce(rows, Y, theta, reduction), rel=1e-12)
    want = numeric_grad(lambda t: bce(rows, Y, t, reduction), theta)
    np.testing.assert_allclose(sol.value("dL_dtheta"), want, rtol=1e-6)
    np.testing.assert_allclose(sol.value("theta_new"), np.array(theta) - 0.5 * np.array(want), rtol=1e-6)
    assert sol.value("loss_new") == pytest.approx(bce(rows, Y, sol.value("theta_new"), reduction), rel=1e-12)
    if intercept:
        np.testing.assert_array_equal(sol.value("X1")[:, 0], 1)
    else:
        assert "X1" not in sol.steps


def test_sum_is_m_times_the_mean_and_said_so():
    args = dict(X=[[1, 2], [0, 1], [2, 2]], y=[1, 0, 1], theta=[0, 0.5, -0.5], eta=0.1)
    mean = solve_params("logistic_regression", **args)
    total = solve_params("logistic_regression", **args, reduction="sum")
    np.testing.assert_allclose(total.value("dL_dtheta"), 3 * mean.value("dL_dtheta"), rtol=1e-12)
    assert total.value("loss") == pytest.approx(3 * mean.value("loss"), rel=1e-12)
    assert any("BCELoss" in c and "reduction='mean'" in c for c in mean.conventions)


def test_saturated_sigmoid_gives_no_nan():
    sol = solve_params("logistic_regression", X=[[1000], [-1000]], y=[1, 0], theta=[0, 1], eta=0.1)
    assert sol.value("loss") == pytest.approx(0, abs=1e-12)
    sol = solve_params("logistic_regression", X=[[1000]], y=[0], theta=[0, 1], eta=0.1)
    assert sol.value("loss") == math.inf
    for v in sol.values.values():
        if isinstance(v, (float, np.ndarray)):
            assert not np.isnan(np.asarray(v, float)).any()


@pytest.mark.parametrize("change,field,fragment", [
    (dict(y=[1, 0]), "y", "2 labels but X has 3 examples"),
    (dict(y=[1, 0, 2]), "y", "entry 3 is 2"),
    (dict(theta=[0.1, 0.2]), "theta", "needs 3: each example has 2 inputs plus x₀ = 1"),
    (dict(intercept=False), "theta", "needs 2: each example has 2 inputs (intercept: false)"),
    (dict(eta=0), "eta", "positive"),
    (dict(reduction="avg"), "reduction", "expected one of"),
])
def test_logistic_bad_input(change, field, fragment):
    args = dict(X=[[1, 2], [0, 1], [2, 2]], y=[1, 0, 1], theta=[0, 0.5, -0.5], eta=0.1)
    with pytest.raises(TutorError) as e:
        solve_params("logistic_regression", **{**args, **change})
    assert e.value.field == f"params.{field}", e.value.field
    assert fragment in e.value.message, e.value.message


# -- the bank ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("pid,key,want", [
    ("linear-gd-batch", "w_final", 2.8 / 3),
    ("linear-gd-stochastic", "w_final", 1.892),
    ("linear-gd-mini-batch", "loss_final", 1.1260125),
    ("linear-gd-batch-two-epochs", "b_final", 1 - 0.1 * (2 / 3) * (0.8 / 3 + 1.6 / 3 + 2.4 / 3)),
    ("logistic-sigmoid-neuron", "loss", -math.log(sigma(1))),
])
def test_cli_json(pid, key, want):
    r = CliRunner().invoke(app, ["solve", pid, "--format", "json"])
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["answer"][key] == pytest.approx(want, rel=1e-9)


def test_cli_stochastic_two_epochs_and_notes():
    r = CliRunner().invoke(app, ["solve", "linear-gd-stochastic-two-epochs", "--format", "json"])
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    log = gd(column([1, 2, 3]), [3, 5, 7], [0], 0, 0.1, 2, [[0], [1], [2]], "mean")
    assert data["answer"]["w_final"] == pytest.approx(log["w_e2_3"][0], rel=1e-6)
    r = CliRunner().invoke(app, ["solve", "linear-gd-mini-batch"])
    assert r.exit_code == 0, r.stderr
    assert "The notes give -1 for ∂L/∂b" in r.stdout and "the correct value is -3" in r.stdout


# -- mistakes ---------------------------------------------------------------------------------------------------------
# Each wrong method is worked here (by hand, or by the test's own gd/mse above), independently of the solver.
from tutor.answers import parse_answer  # noqa: E402
from tutor.api import find_problem  # noqa: E402
from tutor.check import check  # noqa: E402
from tutor.mistakes import catalogue  # noqa: E402


from checking import as_text, bank_problems, mark_of, visible_changes  # noqa: E402,F401
FACTOR_2 = "a factor of 2 off: the ½ of the MSE mixed up"
SUMMED = "summed over the examples instead of averaged (the 1/m left out)"


def test_factor_of_two_is_named():
    # linear-gd-batch-two-epochs is (1/n)Σ(y - ŷ)²; without the 2 of the square, epoch 1 gives
    # ∂L/∂w = (1/3)Σ(ŷ - y)x = -(3 + 10 + 21)/3 = -34/3 (the right one is -68/3)
    X, Y = column([1, 2, 3]), [3, 5, 7]
    wrong = gd(X, Y, [0], 0, 0.1, 2, [[0, 1, 2]], "half_mean")
    assert wrong["dL_dw_e1_1"][0] == pytest.approx(-34 / 3, rel=1e-6)
    for key in ("dL_dw_e1_1", "dL_db_e2_1", "w_e2_1"):
        m = mark_of("linear-gd-batch-two-epochs", key, np.atleast_1d(wrong[key])[0])
        assert m.status == "wrong" and m.mistake.name == FACTOR_2, key
    # and the other way: linear-gd-batch is ½(y - ŷ)² averaged; keeping the 2 gives (2/3)Σ(ŷ - y)x = -56/3
    assert mark_of("linear-gd-batch", "dL_dw_e1_1", -56 / 3).mistake.name == FACTOR_2


def test_summed_instead_of_averaged_is_named():
    # linear-gd-mini-batch is 1/(2m)Σ(y - ŷ)²; summed, ½Σ: loss before = ½(4 + 16 + 36 + 64) = 60 (right: 15) and
    # batch 1's ∂L/∂w = Σ(ŷ - y)x = -(2·1 + 4·2) = -10 (right: -5)
    X, Y = column([1, 2, 3, 4]), [2, 4, 6, 8]
    wrong = gd(X, Y, [0], 0, 0.1, 1, [[0, 1], [2, 3]], "half_sum")
    assert wrong["loss_e0"] == pytest.approx(60) and wrong["dL_dw_e1_1"][0] == pytest.approx(-10, rel=1e-6)
    for key in ("loss_e0", "loss_e1"):  # over all 4 examples; for a batch of 2, Σ and (2/m)Σ are the same number
        m = mark_of("linear-gd-mini-batch", key, np.atleast_1d(wrong[key])[0])
        assert m.status == "wrong" and m.mistake.name == SUMMED, key
    # linear-gd-batch (m = 3): Σ(ŷ - y)x = -(2 + 8 + 18) = -28 (right: -28/3), so w = 2.8
    wrong = gd(column([1, 2, 3]), [2, 4, 6], [0], 0, 0.1, 1, [[0, 1, 2]], "half_sum", bias=False)
    assert wrong["dL_dw_e1_1"][0] == pytest.approx(-28, rel=1e-6)
    for key, value in (("dL_dw_e1_1", -28), ("w_final", 2.8), ("loss_final", wrong["loss_e1"])):
        m = mark_of("linear-gd-batch", key, value)
        assert m.status == "wrong" and m.mistake.name == SUMMED, key


def test_logistic_mistakes_are_named():
    # logistic-sigmoid-neuron: z = 1, h = σ(1), y = 1, x = (0, 1, 1), θ = (4, 2, -1), η = 0.1
    h = 1 / (1 + math.exp(-1))
    x, theta = np.array([0.0, 1.0, 1.0]), np.array([4.0, 2.0, -1.0])
    with_slope = (h - 1) * h * (1 - h) * x  # the squared error's chain rule: σ′ not cancelled
    assert with_slope[1] == pytest.approx(-0.0528770, abs=1e-7)
    flipped = (1 - h) * x
    cases = [("σ′(z) kept in the gradient: (h − y)·h(1 − h)·x", with_slope),
             ("error taken as y − h (the gradient's sign flipped)", flipped)]
    for name, grad in cases:
        for key, value in (("dL_dtheta", grad), ("theta_new", theta - 0.1 * grad)):
            m = mark_of("logistic-sigmoid-neuron", key, value)
            assert m.status == "wrong" and m.mistake.name == name, (name, key)


def test_right_values_to_2_and_4_decimals_are_correct_and_a_slip_is_carried():
    for text in ("0.73", "0.7311"):  # σ(1) = 0.731059
        assert mark_of("logistic-sigmoid-neuron", "h", text).status == "correct"
    for text in ("2.27", "2.2700"):  # mini-batch: w after the epoch, 0.5 + 0.1·17.7
        assert mark_of("linear-gd-mini-batch", "w_e1_2", text).status == "correct"
    # h - y written -0.3 (a slip), then the gradient (h - y)x from it: carried forward
    result = check(find_problem("logistic-sigmoid-neuron"),
                   {"h_minus_y": parse_answer("-0.3"), "dL_dtheta": parse_answer("[0, -0.3, -0.3]")})
    got = {m.key: m for m in result.marks}
    assert got["h_minus_y"].status == "wrong" and got["dL_dtheta"].status == "carried_forward"


@pytest.mark.parametrize("kind", ["linear_regression_gd", "logistic_regression"])
def test_every_mistake_changes_a_checkable_step_of_the_bank(kind):
    problems = bank_problems(kind)
    assert problems
    for mistake in catalogue(kind):
        changed = [p.id for p in problems if visible_changes(p, mistake)]
        assert changed, mistake.name
    # the 1/m matters wherever an average is over more than one example: every linear problem's loss on the data
    summed = next(m for m in catalogue(kind) if m.name == SUMMED) if kind == "linear_regression_gd" else None
    if summed:
        assert all("loss_e0" in visible_changes(p, summed) for p in problems)


@pytest.mark.parametrize("pid", ["linear-gd-batch", "linear-gd-mini-batch", "logistic-sigmoid-neuron"])
def test_quiz_variants_draw_readily(pid):
    """The vary ranges give usable variants at once, mostly: never near the 300 tries `tutor quiz` allows."""
    from tutor.variants import draw

    problem = find_problem(pid)
    variants = [draw(problem, seed) for seed in range(4)]
    assert max(v.tries for v in variants) <= 10
    assert len({repr(v.settings) for v in variants}) > 1
