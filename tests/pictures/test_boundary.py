"""Pictures of decision boundaries, checked against geometry and arithmetic done here with numpy and fractions from
the problems' givens: the drawn line's endpoints satisfy w·x + b = threshold, the shaded region is where the neuron
(or the network) outputs 1, the ringed points are where the output differs from the gate, and the XOR caption
appears exactly when no line can work."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from conftest import solve_params
from tutor.api import find_problem, load_bank, solve
from tutor.pictures import boundary
from tutor.pictures.boundary import SHADE, clip_line, equation, step_threshold
from tutor.pictures.scene import BLUE, MUTED, RED, Circle, Line, Rect, Scene

GATES = {"AND": lambda a, b: a & b, "OR": lambda a, b: a | b, "NAND": lambda a, b: 1 - (a & b),
         "NOR": lambda a, b: 1 - (a | b), "XOR": lambda a, b: a ^ b}
XOR_WORDS = "no single straight line"


def only(scenes: list[Scene]) -> Scene:
    assert len(scenes) == 1
    return scenes[0]


def boundary_lines(scene: Scene, colour: str = BLUE) -> list[Line]:
    return [it for it in scene.items if isinstance(it, Line) and it.stroke == colour and not it.dash]


def shade_rects(scene: Scene) -> list[Rect]:
    return [it for it in scene.items if isinstance(it, Rect) and it.fill == SHADE]


def covered(rects: list[Rect], x: float, y: float) -> bool:
    return any(r.x <= x <= r.x + r.w and r.y <= y <= r.y + r.h for r in rects)


def assert_on_line(line: Line, w: np.ndarray, b: float, t: float) -> None:
    for x, y in ((line.x1, line.y1), (line.x2, line.y2)):
        assert w[0] * x + w[1] * y + b == pytest.approx(t, abs=1e-9)


def assert_shading_is(scene: Scene, fires) -> None:
    """Sample the plot: a point well inside the shading fires, a point well outside does not (`fires(x, y)` gives
    the margin: positive where the neuron outputs 1, 0 on a boundary)."""
    rects = shade_rects(scene)
    (x0, x1), (y0, y1) = scene.xlim, scene.ylim
    margin = 0.03 * (x1 - x0)
    checked = 0
    for x in np.linspace(x0 + 1e-6, x1 - 1e-6, 41):
        for y in np.linspace(y0 + 1e-6, y1 - 1e-6, 41):
            m = fires(x, y)
            if abs(m) < margin:
                continue
            assert covered(rects, x, y) == (m > 0), (x, y, m)
            checked += 1
    assert checked > 1000


def params_of(problem_id: str) -> dict:
    return dict(find_problem(problem_id).params)


# -- the geometry -------------------------------------------------------------------------------------------------
def test_clip_line_across_a_box():
    # x + y = 1 through the box [0, 2]²: from (0, 1) to (1, 0)
    (p, q) = clip_line(1, 1, -1, (0, 2, 0, 2))
    assert sorted([p, q]) == [pytest.approx((0, 1)), pytest.approx((1, 0))]


def test_clip_line_vertical_and_missing():
    (p, q) = clip_line(2, 0, -1, (-1, 1, -3, 3))  # 2x − 1 = 0: x = 0.5, the whole height
    assert p[0] == pytest.approx(0.5) and q[0] == pytest.approx(0.5)
    assert sorted([p[1], q[1]]) == [pytest.approx(-3), pytest.approx(3)]
    assert clip_line(1, 1, -10, (0, 1, 0, 1)) is None  # x + y = 10 misses the unit square
    assert clip_line(0, 0, 1, (0, 1, 0, 1)) is None  # no line at all


@pytest.mark.parametrize("t, strict", [(0.0, True), (0.0, False), (0.3, True), (0.3, False), (-2.5, True),
                                       (1e-7, False)])
def test_step_threshold_reads_the_switch_back(t, strict):
    def rule(z):
        z = np.asarray(z, float)
        return ((z > t) if strict else (z >= t)).astype(float)

    assert step_threshold(rule) == t


def test_step_threshold_of_a_rule_that_never_switches():
    assert step_threshold(lambda z: np.zeros(np.shape(z))) is None
    assert step_threshold(lambda z: np.ones(np.shape(z))) is None


def test_equation_text():
    assert equation([1, 1], -1) == "x₁ + x₂ - 1 = 0"
    assert equation([1.2, 0.6], -0.5, 1) == "1.2x₁ + 0.6x₂ - 0.5 = 1"
    assert equation([-1, 0], 2) == "-x₁ + 2 = 0"


# -- one perceptron -------------------------------------------------------------------------------------------------
PERCEPTRONS = [p.id for p in load_bank().problems if p.kind == "perceptron"
               and len(p.params["w"]) == 2]


@pytest.mark.parametrize("pid", PERCEPTRONS)
def test_truth_table_line_and_shading_follow_the_givens(pid):
    prm = params_of(pid)
    w, b = np.array(prm["w"], float), float(prm.get("b", 0))
    t = float(prm.get("threshold", 0))
    scene = only(boundary.truth_table(solve(find_problem(pid))))
    lines = boundary_lines(scene)
    assert len(lines) == 1
    assert_on_line(lines[0], w, b, t)
    assert_shading_is(scene, lambda x, y: (w[0] * x + w[1] * y + b - t) / np.hypot(*w))


@pytest.mark.parametrize("pid", [p for p in PERCEPTRONS if "gate" in params_of(p)])
def test_wrong_rows_are_ringed_and_the_xor_caption_only_when_no_line_can(pid):
    prm = params_of(pid)
    w, b, gate = np.array(prm["w"], float), float(prm.get("b", 0)), prm["gate"]
    X = np.array(prm["inputs"], int)
    fires_ge = prm.get("fires", ">") == ">="
    z = [Fraction(str(w[0])) * int(a) + Fraction(str(w[1])) * int(c) + Fraction(str(b)) for a, c in X]
    y = [int(v >= 0) if fires_ge else int(v > 0) for v in z]
    target = [GATES[gate](int(a), int(c)) for a, c in X]
    wrong = {(float(a), float(c)) for (a, c), yy, tt in zip(X, y, target) if yy != tt}
    scene = only(boundary.truth_table(solve(find_problem(pid))))
    rings = {(it.x, it.y) for it in scene.items if isinstance(it, Circle) and it.stroke == RED}
    assert rings == wrong
    assert (XOR_WORDS in scene.caption) == (gate == "XOR" and bool(wrong))


def test_xor_rows_that_one_line_can_separate_get_no_xor_caption():
    # rows 00, 01, 11 only: XOR is 0, 1, 0 there, and x₂ − x₁ > 0.5 separates them
    sol = solve_params("perceptron", w=[-1, 1], b=-0.5, inputs=[[0, 0], [0, 1], [1, 1]], gate="XOR")
    scene = only(boundary.truth_table(sol))
    assert XOR_WORDS not in scene.caption
    assert not [it for it in scene.items if isinstance(it, Circle) and it.stroke == RED]


def test_a_vertical_line_and_a_threshold():
    # w₂ = 0: x₁·1 + 0·x₂ − 0.25 = 0.5, the line x₁ = 0.75 from the bottom of the plot to the top
    sol = solve_params("perceptron", w=[1, 0], b=-0.25, threshold=0.5, gate="AND")
    scene = only(boundary.truth_table(sol))
    (line,) = boundary_lines(scene)
    assert line.x1 == pytest.approx(0.75) and line.x2 == pytest.approx(0.75)
    assert sorted([line.y1, line.y2]) == [pytest.approx(scene.ylim[0]), pytest.approx(scene.ylim[1])]
    assert_shading_is(scene, lambda x, y: x - 0.75)


def test_a_line_that_misses_the_plot():
    sol = solve_params("perceptron", w=[1, 1], b=-10, gate="AND")  # x₁ + x₂ = 10: far off the unit square
    scene = only(boundary.truth_table(sol))
    assert boundary_lines(scene) == []
    assert shade_rects(scene) == []  # nothing fires here
    assert "outside" in scene.caption
    rings = {(it.x, it.y) for it in scene.items if isinstance(it, Circle) and it.stroke == RED}
    assert rings == {(1.0, 1.0)}  # AND's 1 is the only row it gets wrong


def test_more_than_two_inputs_draw_nothing():
    assert boundary.truth_table(solve(find_problem("perceptron-three-inputs"))) == []
    sol = solve_params("perceptron_network", layers=[{"W": [[1, 1, 1]], "b": [0]}], gate="OR")
    assert boundary.network(sol) == []


# -- the XOR network ------------------------------------------------------------------------------------------------
def test_network_lines_and_region_from_the_givens():
    prm = params_of("perceptron-xor-network")
    W1, b1 = np.array(prm["layers"][0]["W"], float), np.array(prm["layers"][0]["b"], float)
    W2, b2 = np.array(prm["layers"][1]["W"], float), np.array(prm["layers"][1]["b"], float)
    scene = only(boundary.network(solve(find_problem("perceptron-xor-network"))))
    drawn = [it for it in scene.items if isinstance(it, Line) and it.width == 2.0]
    assert len(drawn) == 2
    for line, w, b in zip(drawn, W1, b1):
        assert_on_line(line, w, b, 0.0)

    def output(x, y):  # the network by hand: step(W2 · step(W1 x + b1) + b2), fires on z > 0
        z1 = W1 @ np.array([x, y]) + b1
        z2 = float((W2 @ (z1 > 0).astype(float) + b2)[0])
        near = min(abs(v) / np.hypot(*w) for v, w in zip(z1, W1))  # distance to the nearest hidden line
        return (1.0 if z2 > 0 else -1.0) * near

    assert_shading_is(scene, output)
    assert not [it for it in scene.items if isinstance(it, Circle) and it.stroke == RED]  # it realises XOR
    assert "XOR" in scene.caption and "two lines" in scene.caption


# -- training -------------------------------------------------------------------------------------------------------
def train_by_hand(w, b, eta, X, Y, t, fires_ge, epochs=10):
    """The perceptron rule on exact fractions: the boundary (w, b) after every epoch, and whether it converged."""
    F = lambda v: Fraction(str(v))  # noqa: E731
    w, b, eta, t = [F(v) for v in w], F(b), F(eta), F(t)
    history = [(list(w), b)]
    for _ in range(epochs):
        errors = 0
        for x, y in zip(X, Y):
            z = sum(wi * F(xi) for wi, xi in zip(w, x)) + b
            e = y - int(z >= t if fires_ge else z > t)
            if e:
                errors += 1
                w = [wi + eta * e * F(xi) for wi, xi in zip(w, x)]
                b = b + eta * e
        history.append((list(w), b))
        if errors == 0:
            return history, True
    return history, False


@pytest.mark.parametrize("pid", ["perceptron-training-and-chapter", "perceptron-training-or-chapter",
                                 "perceptron-training-and-exercise"])
def test_training_final_and_earlier_boundaries(pid):
    prm = params_of(pid)
    X = prm["inputs"]
    Y = prm.get("y") or [GATES[prm["gate"]](a, c) for a, c in X]
    t = float(prm.get("threshold", 0))
    history, converged = train_by_hand(prm["w0"], prm["b0"], prm["eta"], X, Y, t, prm.get("fires") == ">=")
    assert converged
    if pid == "perceptron-training-and-exercise":  # the problem file's own working: w = (0.2, 0.1), b = -0.3
        assert history[-1] == ([Fraction("0.2"), Fraction("0.1")], Fraction("-0.3"))
    scene = only(boundary.training(solve(find_problem(pid))))
    (final,) = boundary_lines(scene)
    wf, bf = history[-1]
    assert_on_line(final, np.array([float(v) for v in wf]), float(bf), t)
    dashed = [it for it in scene.items if isinstance(it, Line) and it.dash and it.stroke == MUTED]
    distinct = []
    for w, b in history[:-1]:
        if (w, b) != history[-1] and (not distinct or distinct[-1] != (w, b)):
            distinct.append((w, b))
    box = (scene.xlim[0], scene.xlim[1], scene.ylim[0], scene.ylim[1])
    visible = [(w, b) for w, b in distinct if clip_line(float(w[0]), float(w[1]), float(b) - t, box) is not None]
    assert len(dashed) == len(visible)
    for line, (w, b) in zip(dashed, visible):
        assert_on_line(line, np.array([float(v) for v in w]), float(b), t)


# -- the boundary of a linear unit ------------------------------------------------------------------------------------
def test_decision_boundary_line_normal_and_distance():
    prm = params_of("decision-boundary-assignment")
    w, b = np.array(prm["w"], float), float(prm["b"])
    scene = only(boundary.line(solve(find_problem("decision-boundary-assignment"))))
    (line,) = boundary_lines(scene)
    assert_on_line(line, w, b, 0.0)
    foot = -b * w / (w @ w)  # the nearest point of the line to the origin
    (d_seg,) = [it for it in scene.items if isinstance(it, Line) and it.dash]
    assert (d_seg.x1, d_seg.y1) == (0.0, 0.0)
    assert (d_seg.x2, d_seg.y2) == (pytest.approx(foot[0]), pytest.approx(foot[1]))
    assert f"d = {round(abs(b) / math.sqrt(13), 4)}" in [getattr(it, "text", "") for it in scene.items]
    (arrow,) = [it for it in scene.items if isinstance(it, Line) and it.arrow]
    direction = np.array([arrow.x2 - arrow.x1, arrow.y2 - arrow.y1])
    assert direction[0] * w[1] - direction[1] * w[0] == pytest.approx(0, abs=1e-9)  # parallel to w
    assert direction @ w > 0  # along w, not against it
    assert w @ [arrow.x1, arrow.y1] + b == pytest.approx(0, abs=1e-9)  # drawn from a point of the line
    assert_shading_is(scene, lambda x, y: (w @ [x, y] + b) / np.hypot(*w))


def test_decision_boundary_points_by_side_and_vertical_line():
    sol = solve_params("decision_boundary", w=[2, 0], b=-1, points=[[0, 0], [1, 2], [0.5, -1]])
    scene = only(boundary.line(sol))
    (line,) = boundary_lines(scene)
    assert line.x1 == pytest.approx(0.5) and line.x2 == pytest.approx(0.5)  # 2x₁ − 1 = 0
    markers = {(it.x, it.y): it.fill for it in scene.items if isinstance(it, Circle) and it.r == 5.0}
    # g = 2x₁ − 1: −1, 1, 0 → classes 0, 1, 1 (g ≥ 0 is class 1)
    assert markers[(0.0, 0.0)] != markers[(1.0, 2.0)] == markers[(0.5, -1.0)]
    assert boundary.line(solve_params("decision_boundary", w=[1, 2, 3], b=1)) == []


def test_every_drawing_kind_of_the_bank_builds():
    kinds = {"perceptron": boundary.truth_table, "perceptron_network": boundary.network,
             "perceptron_training": boundary.training, "decision_boundary": boundary.line}
    for p in load_bank().problems:
        if p.kind in kinds:
            for scene in kinds[p.kind](solve(p)):
                assert scene.caption and scene.alt and scene.items
                assert all(math.isfinite(v) for v in itertools.chain(scene.xlim, scene.ylim))
