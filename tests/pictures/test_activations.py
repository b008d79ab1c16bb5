"""The activation picture against numpy: each marked point is (x, f(x)) and each tangent's slope f′(x), with σ, tanh,
ReLU and leaky ReLU and their derivatives written here from their definitions; the curve contains every point and
ReLU's corner at 0."""

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from conftest import solve_params
from tutor.api import find_problem, solve
from tutor.pictures import pictures
from tutor.pictures.activations import curve, nice_ticks
from tutor.pictures.scene import ORANGE, Circle, Label, Line, Polyline
from tutor.pictures.svg import to_svg


def sigma(x):
    return 1 / (1 + np.exp(-x))


# function -> (f, f′) from the definitions; f′(0) for the corners as PyTorch takes it (the slope on the left)
DEFINITIONS = {
    "sigmoid": (sigma, lambda x: sigma(x) * (1 - sigma(x))),
    "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "relu": (lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(float)),
    "leaky_relu": (lambda x, a=0.01: np.where(x > 0, x, a * x), lambda x, a=0.01: np.where(x > 0, 1.0, a)),
}
BANK = {"sigmoid-derivative-assignment": "sigmoid", "sigmoid-derivative-at-zero": "sigmoid",
        "activation-tanh-derivative": "tanh", "activation-tanh-lab": "tanh", "activation-relu-derivative": "relu",
        "activation-relu-lab": "relu", "activation-leaky-relu-derivative": "leaky_relu",
        "activation-leaky-relu-lab": "leaky_relu"}


def parts(scene):
    markers = [it for it in scene.items if isinstance(it, Circle)]
    tangents = [it for it in scene.items if isinstance(it, Line) and it.stroke == ORANGE]
    [curve_line] = [it for it in scene.items if isinstance(it, Polyline)]
    return markers, tangents, curve_line


@pytest.mark.parametrize("pid,fn", sorted(BANK.items()))
def test_points_and_tangent_slopes_equal_numpy(pid, fn):
    params = find_problem(pid).params
    x = np.atleast_1d(np.asarray(params["x"], float))
    alpha = float(params.get("alpha", 0.01))
    f, df = DEFINITIONS[fn]
    fx, dfx = (f(x), df(x)) if fn != "leaky_relu" else (f(x, alpha), df(x, alpha))
    [scene] = pictures(solve(find_problem(pid)))
    markers, tangents, curve_line = parts(scene)
    got = sorted((m.x, m.y) for m in markers)
    want = sorted(zip(x, fx))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    assert len(tangents) == len(x)
    for t, xi, fi, di in zip(tangents, x, fx, dfx):
        assert (t.y2 - t.y1) / (t.x2 - t.x1) == pytest.approx(di, rel=1e-9, abs=1e-12)
        assert ((t.x1 + t.x2) / 2, (t.y1 + t.y2) / 2) == pytest.approx((xi, fi), abs=1e-12)  # through the point
        assert t.dash
    # the curve: f itself over a range holding every point, inside the picture's limits
    px, py = np.array(curve_line.points).T
    np.testing.assert_allclose(py, f(px) if fn != "leaky_relu" else f(px, alpha), rtol=1e-12, atol=1e-12)
    assert px.min() < x.min() and px.max() > x.max()
    assert scene.xlim[0] <= px.min() and px.max() <= scene.xlim[1]
    assert scene.ylim[0] < fx.min() and fx.max() < scene.ylim[1]


@pytest.mark.parametrize("pid,fn", sorted(BANK.items()))
def test_each_point_is_labelled_with_its_value_and_slope(pid, fn):
    sol = solve(find_problem(pid))
    [scene] = curve(sol)
    labels = [it.text for it in scene.items if isinstance(it, Label)]
    params = find_problem(pid).params
    f, df = DEFINITIONS[fn]
    alpha = float(params.get("alpha", 0.01))
    for x in np.atleast_1d(np.asarray(params["x"], float)):
        fx = float(f(x)) if fn != "leaky_relu" else float(f(x, alpha))
        value = [t for t in labels if re.match(rf".*\({re.escape(f'{x:g}'.replace('-', '−'))}\) = ", t)]
        assert len(value) == 1, (x, labels)
        shown = float(value[0].split("= ")[1].replace("−", "-"))
        assert shown == pytest.approx(fx, rel=5e-4, abs=5e-5)  # four significant digits
    slopes = [float(t.split()[1].replace("−", "-")) for t in labels if t.startswith("slope ")]
    want = df(np.asarray(params["x"], float)) if fn != "leaky_relu" else df(np.asarray(params["x"], float), alpha)
    assert sorted(slopes) == pytest.approx(sorted(np.atleast_1d(want)), rel=5e-4, abs=5e-5)


def test_relu_corner_is_on_the_curve_with_both_slopes_beside_it():
    [scene] = curve(solve_params("activation", function="relu", x=[2.5]))
    _, _, line = parts(scene)
    pts = np.array(line.points)
    assert (0.0, 0.0) in [tuple(p) for p in pts]  # the corner is a vertex, not cut off between two samples
    left, right = pts[pts[:, 0] < 0], pts[pts[:, 0] > 0]
    assert np.all(left[:, 1] == 0) and np.allclose(right[:, 1], right[:, 0])
    assert "corner at 0" in scene.caption


def test_the_right_hand_convention_draws_the_slope_it_takes_at_zero():
    [scene] = curve(solve_params("activation", function="leaky_relu", x=[0.0], alpha=0.2, derivative_at_zero="right"))
    _, [tangent], _ = parts(scene)
    assert (tangent.y2 - tangent.y1) / (tangent.x2 - tangent.x1) == pytest.approx(1.0)
    [scene] = curve(solve_params("activation", function="leaky_relu", x=[0.0], alpha=0.2))
    _, [tangent], _ = parts(scene)
    assert (tangent.y2 - tangent.y1) / (tangent.x2 - tangent.x1) == pytest.approx(0.2)


def test_far_points_widen_the_range_and_saturated_tangents_are_flat():
    [scene] = curve(solve_params("activation", function="sigmoid", x=[-12.0, 9.0]))
    markers, tangents, line = parts(scene)
    assert scene.xlim[0] < -12 and scene.xlim[1] > 9
    # σ′(−12) ≈ 6e-6 and σ′(9) ≈ 1.2e-4: over a few units of x the tangents rise less than 0.1 % of the plot
    assert max(abs(t.y2 - t.y1) for t in tangents) < 2e-3 * (scene.ylim[1] - scene.ylim[0])


def test_the_picture_is_valid_svg_and_says_what_it_shows():
    [scene] = pictures(solve(find_problem("activation-tanh-derivative")))
    root = ET.fromstring(to_svg(scene))
    assert root.find("{http://www.w3.org/2000/svg}desc").text.startswith("The curve of tanh(x)")
    assert "tanh′(1) = 0.42" in scene.caption  # 1 − tanh²(1) = 0.41997 to four digits
    assert 1 - np.tanh(1) ** 2 == pytest.approx(0.42, abs=5e-5)


@pytest.mark.parametrize("lo,hi,want", [(-5, 5, (-4, -2, 0, 2, 4)), (0, 1, (0, 0.2, 0.4, 0.6, 0.8, 1.0)),
                                        (-1.13, 1.13, (-1, -0.5, 0, 0.5, 1)), (3, 3, ())])
def test_ticks_are_round_numbers(lo, hi, want):
    assert nice_ticks(lo, hi, 5) == pytest.approx(want)
