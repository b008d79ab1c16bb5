"""The optimiser and regression pictures against plain numpy re-runs of each method from the problem's givens: the
iterates plotted, the step-size bars, the points on the loss curve, the fitted lines and the loss per epoch."""

import math

import numpy as np
import pytest

from conftest import solve_params
from tutor.api import find_problem, solve
from tutor.pictures import pictures
from tutor.pictures.optimizers import loss_values
from tutor.pictures.scene import BLUE, ORANGE, Circle, Label, Line, Polyline, Rect


# -- independent re-runs ------------------------------------------------------------------------------------------
def run_adam(theta, grads, lr, b1=0.9, b2=0.999, eps=1e-8, grad_of=None, T=None):
    theta = np.atleast_1d(np.asarray(theta, float))
    m = v = np.zeros_like(theta)
    out = [theta.copy()]
    for t in range(1, (T or len(grads)) + 1):
        g = grad_of(theta) if grad_of else np.asarray(grads[t - 1], float)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mh, vh = m / (1 - b1**t), v / (1 - b2**t)
        theta = theta - lr * mh / (np.sqrt(vh) + eps)
        out.append(theta.copy())
    return np.array(out)


def run_method(p):
    """SGD (η/√t), momentum (v = βv + ηg), AdaGrad and RMSProp as the problem files state them."""
    theta, lr, out, state = float(p["theta0"]), float(p["lr"]), [float(p["theta0"])], 0.0
    for t, g in enumerate(p["grads"], 1):
        if p["method"] == "sgd":
            step = lr / math.sqrt(t) * g
        elif p["method"] == "momentum":
            state = p["beta"] * state + lr * g
            step = state
        elif p["method"] == "adagrad":
            state += g * g
            step = lr * g / math.sqrt(state + p["eps"])  # eps_placement: inside
        else:
            state = p["beta"] * state + (1 - p["beta"]) * g * g
            step = lr * g / (math.sqrt(state) + p["eps"])
        theta -= step
        out.append(theta)
    return np.array(out)


def plotted_path(scene):
    [line] = [it for it in scene.items if isinstance(it, Polyline)]
    return np.array(line.points)


def bars(scene):
    return sorted((r.x + r.w / 2, r.h) for r in scene.items if isinstance(r, Rect))


# -- Adam -----------------------------------------------------------------------------------------------------------
def test_adam_iterates_and_steps_equal_numpy():
    p = find_problem("adam-three-steps").params
    theta = run_adam(p["theta0"], p["grads"], p["lr"], p["beta1"], p["beta2"], float(p["eps"]))[:, 0]
    path_scene, steps_scene = pictures(solve(find_problem("adam-three-steps")))
    np.testing.assert_allclose(plotted_path(path_scene), np.c_[np.arange(4), theta], rtol=1e-12, atol=1e-15)
    markers = sorted((c.x, c.y) for c in path_scene.items if isinstance(c, Circle))
    np.testing.assert_allclose(markers, np.c_[np.arange(4), theta], rtol=1e-12, atol=1e-15)
    got = bars(steps_scene)
    np.testing.assert_allclose([x for x, _ in got], [1, 2, 3])
    np.testing.assert_allclose([h for _, h in got], np.abs(np.diff(theta)), rtol=1e-10)
    [lr_line] = [it for it in steps_scene.items if isinstance(it, Line) and it.stroke == ORANGE]
    assert lr_line.y1 == lr_line.y2 == p["lr"]
    # the notes' worked example: Δw₃ = 0.01·0.1930/(√0.04664 + 10⁻⁸) = 0.008936 (problem file, notes_say)
    assert "0.008936" in steps_scene.caption and "shrinks" in steps_scene.caption


def test_adam_on_a_loss_puts_each_iterate_on_the_curve():
    p = find_problem("adam-quadratic").params  # L = (θ − 3)², so g = 2(θ − 3)
    theta = run_adam(p["theta0"], None, p["lr"], grad_of=lambda th: 2 * (th - 3), T=p["iterations"])[:, 0]
    curve_scene, steps_scene = pictures(solve(find_problem("adam-quadratic")))
    markers = sorted((c.x, c.y) for c in curve_scene.items if isinstance(c, Circle))
    np.testing.assert_allclose(markers, np.c_[theta, (theta - 3) ** 2], rtol=1e-9)
    [loss_curve] = [it for it in curve_scene.items if isinstance(it, Polyline) and it.stroke == BLUE]
    xs, ys = np.array(loss_curve.points).T
    np.testing.assert_allclose(ys, (xs - 3) ** 2, rtol=1e-12)
    assert xs.min() < theta.min() and xs.max() > theta.max()
    hops = [it for it in curve_scene.items if isinstance(it, Polyline) and it.arrow]
    assert len(hops) == 3
    for t, hop in enumerate(hops):  # each update an arrow from θ_t−1 to θ_t on the curve
        assert hop.points[0] == pytest.approx((theta[t], (theta[t] - 3) ** 2))
        assert hop.points[-1] == pytest.approx((theta[t + 1], (theta[t + 1] - 3) ** 2))
    np.testing.assert_allclose([h for _, h in bars(steps_scene)], np.abs(np.diff(theta)), rtol=1e-9)
    assert "falls at every step" in curve_scene.caption


def test_a_vector_theta_gets_one_line_per_entry_and_step_lengths():
    grads = [[0.3, -1.0], [0.2, -0.5]]
    theta = run_adam([1.0, 2.0], grads, 0.1)
    path_scene, steps_scene = pictures(solve_params("adam", theta0=[1.0, 2.0], grads=grads, lr=0.1))
    lines = [it for it in path_scene.items if isinstance(it, Polyline)]
    assert len(lines) == 2
    for c, line in enumerate(lines):
        np.testing.assert_allclose(np.array(line.points)[:, 1], theta[:, c], rtol=1e-12)
    np.testing.assert_allclose([h for _, h in bars(steps_scene)], np.linalg.norm(np.diff(theta, axis=0), axis=1))


# -- the other optimisers -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("pid,name", [("momentum-three-steps", "Momentum"), ("adagrad-three-steps", "AdaGrad"),
                                      ("rmsprop-three-steps", "RMSProp"), ("sgd-decayed-rate-three-steps", "SGD")])
def test_each_method_iterates_and_steps_equal_numpy(pid, name):
    p = dict(find_problem(pid).params)
    p["eps"] = float(p.get("eps", 0))
    theta = run_method(p)
    path_scene, steps_scene = pictures(solve(find_problem(pid)))
    assert name in path_scene.title and name in steps_scene.title
    np.testing.assert_allclose(plotted_path(path_scene)[:, 1], theta, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose([h for _, h in bars(steps_scene)], np.abs(np.diff(theta)), rtol=1e-9)
    labels = [it.text for it in path_scene.items if isinstance(it, Label)]
    assert len(labels) == len(theta)
    for t, text in enumerate(labels):
        assert float(text.split("= ")[1].replace("−", "-")) == pytest.approx(theta[t], rel=5e-4, abs=5e-6)


def test_momentum_steps_grow_while_the_gradients_agree():
    [_, steps] = pictures(solve(find_problem("momentum-three-steps")))
    assert [round(h, 6) for _, h in bars(steps)] == [0.05, 0.085, 0.0565]  # v₁ = 0.05, v₂ = 0.9·0.05 + 0.04, …
    assert "shrinks" not in steps.caption and "grows" not in steps.caption


def test_loss_values_never_evaluate_text():
    assert np.isnan(loss_values("__import__('os').system('true')", np.array([1.0]))).all()
    np.testing.assert_allclose(loss_values("log(theta)", np.array([-1.0, 1.0]))[1:], [0.0])
    assert np.isnan(loss_values("log(theta)", np.array([-1.0])))[0]


# -- linear regression ----------------------------------------------------------------------------------------------
def run_linear(x, y, w, b, eta, epochs, batches, conv, has_b=True):
    """(w, b) after every update and the whole-data loss after every epoch."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    factor = {"mean": 2.0, "half_mean": 1.0}[conv]
    div = {"mean": 1.0, "half_mean": 2.0}[conv]
    lines, losses = [(w, b)], [np.mean((y - w * x - b) ** 2) / div]
    for _ in range(epochs):
        for idx in batches:
            r = w * x[idx] + b - y[idx]
            w, b = w - eta * factor * np.mean(r * x[idx]), (b - eta * factor * np.mean(r)) if has_b else 0.0
            lines.append((w, b))
        losses.append(np.mean((y - w * x - b) ** 2) / div)
    return lines, losses


@pytest.mark.parametrize("pid,batches,has_b", [("linear-gd-batch-two-epochs", [[0, 1, 2]], True),
                                               ("linear-gd-stochastic-two-epochs", [[0], [1], [2]], True),
                                               ("linear-gd-mini-batch", [[0, 1], [2, 3]], True),
                                               ("linear-gd-batch", [[0, 1, 2]], False)])
def test_fitted_lines_and_losses_equal_numpy_gradient_descent(pid, batches, has_b):
    p = find_problem(pid).params
    lines, losses = run_linear(p["x"], p["y"], float(p["w0"]), float(p.get("b0", 0)), p["eta"], p["epochs"],
                               batches, p["loss"], has_b)
    fit, loss = pictures(solve(find_problem(pid)))
    drawn = [it for it in fit.items if isinstance(it, Line)]
    assert len(drawn) == len(lines)
    for line, (w, b) in zip(drawn, lines):  # both ends on ŷ = w x + b
        assert line.y1 == pytest.approx(w * line.x1 + b, rel=1e-9, abs=1e-12)
        assert line.y2 == pytest.approx(w * line.x2 + b, rel=1e-9, abs=1e-12)
    assert drawn[-1].stroke == ORANGE and drawn[-1].width > drawn[0].width and drawn[0].dash
    data = sorted((c.x, c.y) for c in fit.items if isinstance(c, Circle))
    assert data == sorted(zip(map(float, p["x"]), map(float, p["y"])))
    [curve] = [it for it in loss.items if isinstance(it, Polyline)]
    np.testing.assert_allclose(np.array(curve.points), np.c_[np.arange(len(losses)), losses], rtol=1e-9)
    assert ("+" in fit.legend[-1][1] or "−" in fit.legend[-1][1]) == has_b
    assert "falls every epoch" in loss.caption


def test_vector_inputs_get_only_the_loss_picture():
    sol = solve_params("linear_regression_gd", x=[[1, 2], [2, 1], [3, 3]], y=[1, 2, 3], w0=[0, 0], eta=0.05,
                       epochs=2)
    [loss] = pictures(sol)
    assert loss.title == "Loss after each epoch"
