"""The circuit picture against forward and backward passes written here in plain Python (and CS231n's published
numbers for its sigmoid neuron): every wire carries its forward value above it and its gradient below it."""

from __future__ import annotations

import math

import pytest

from conftest import solve_params
from tutor.api import find_problem, solve
from tutor.pictures import graph
from tutor.pictures.scene import GREEN, RED, Circle, Label, Line, Polyline, Scene


def only(scenes: list[Scene]) -> Scene:
    assert len(scenes) == 1
    return scenes[0]


def number(text: str) -> float:
    return float(text.replace("−", "-"))


def wire_pairs(scene: Scene) -> list[tuple[float, float, float, float | None]]:
    """(x, y, forward, gradient) for every green label, with the red label right below it (same x) if any."""
    greens = [it for it in scene.items if isinstance(it, Label) and it.color == GREEN]
    reds = [it for it in scene.items if isinstance(it, Label) and it.color == RED]
    out = []
    for g in greens:
        below = [r for r in reds if r.x == g.x and 0 < g.y - r.y < 10]
        assert len(below) <= 1
        out.append((g.x, g.y, number(g.text), number(below[0].text) if below else None))
    assert len(reds) == sum(1 for p in out if p[3] is not None)  # no red label without its green one
    return out


def assert_same_pairs(scene: Scene, expected: dict[str, tuple[float, float]]) -> None:
    """The wires' (forward, gradient) pairs are the expected ones, each once, to the 4 significant digits shown."""
    got = sorted((f, g) for _, _, f, g in wire_pairs(scene))
    want = sorted(expected.values())
    assert len(got) == len(want)
    for (f, g), (ef, eg) in zip(got, want):
        assert f == pytest.approx(ef, rel=1e-3, abs=1e-9)
        assert g == pytest.approx(eg, rel=1e-3, abs=1e-9)


def sigmoid(t: float) -> float:
    return 1 / (1 + math.exp(-t))


def test_sigmoid_neuron_wires_match_a_pass_by_hand():
    # forward, as CS231n breaks the neuron into gates
    w0, x0, w1, x1, w2 = 2.0, -1.0, -3.0, -2.0, -3.0
    q1, q2 = w0 * x0, w1 * x1
    q3 = q1 + q2
    q4 = q3 + w2
    q5 = -q4
    q6 = math.exp(q5)
    q7 = 1 + q6
    q8 = 1 / q7
    # backward: local gradient × upstream
    d8 = 1.0
    d7 = -1 / q7 ** 2 * d8
    d6 = 1.0 * d7
    d5 = math.exp(q5) * d6
    d4 = -1.0 * d5
    d3 = d4
    dw2 = d4
    d1 = d2 = d3
    dw0, dx0 = x0 * d1, w0 * d1
    dw1, dx1 = x1 * d2, w1 * d2
    # CS231n (Backpropagation, Intuitions, the sigmoid example): f = 0.73, dw = [-0.2, -0.39, 0.2], dx = [0.39, -0.59]
    assert (round(q8, 2), round(dw0, 2), round(dw1, 2), round(dw2, 2), round(dx0, 2), round(dx1, 2)) == \
        (0.73, -0.2, -0.39, 0.2, 0.39, -0.59)
    scene = only(graph.circuit(solve(find_problem("graph-sigmoid-neuron"))))
    assert_same_pairs(scene, {"w0": (w0, dw0), "x0": (x0, dx0), "w1": (w1, dw1), "x1": (x1, dx1), "w2": (w2, dw2),
                              "q1": (q1, d1), "q2": (q2, d2), "q3": (q3, d3), "q4": (q4, d4), "q5": (q5, d5),
                              "q6": (q6, d6), "q7": (q7, d7), "f": (q8, d8)})
    # the chain q4 → q5 → … → f runs left to right on one row, and its wires' values in that order
    chain = [q4, q5, q6, q7, q8]
    row = sorted((x, f) for x, y, f, _ in wire_pairs(scene) if any(f == pytest.approx(c, rel=1e-3) for c in chain)
                 and y == max(yy for _, yy, ff, _ in wire_pairs(scene) if ff == pytest.approx(q8, rel=1e-3)))
    assert [f for _, f in row] == pytest.approx(chain, rel=1e-3)


def test_max_gate_routes_the_gradient_to_the_winner():
    x, y, z, w = 3.0, -4.0, 2.0, -1.0
    q1, q2 = x * y, max(z, w)
    q3 = q1 + q2
    f = 2 * q3
    d3 = 2.0
    d1 = d2 = d3
    dz, dw = (d2, 0.0) if z > w else (0.0, d2)
    scene = only(graph.circuit(solve(find_problem("graph-max-gate"))))
    assert_same_pairs(scene, {"x": (x, y * d1), "y": (y, x * d1), "z": (z, dz), "w": (w, dw), "q1": (q1, d1),
                              "q2": (q2, d2), "q3": (q3, d3), "f": (f, 1.0)})
    gate_labels = {it.text for it in scene.items if isinstance(it, Label) and it.bold}
    assert gate_labels == {"×", "max", "+", "×2"}


@pytest.mark.parametrize("pid, values", [("graph-x-plus-yz", (-2.0, 5.0, -4.0)), ("graph-sum-times", (-2.0, 5.0, 4.0))])
def test_small_circuits(pid, values):
    x, y, z = values
    if pid == "graph-x-plus-yz":  # f = x + y·z
        q1 = y * z
        expected = {"x": (x, 1.0), "y": (y, z), "z": (z, y), "q1": (q1, 1.0), "f": (x + q1, 1.0)}
    else:  # f = (x + y)·z
        q1 = x + y
        expected = {"x": (x, z), "y": (y, z), "z": (z, q1), "q1": (q1, z), "f": (q1 * z, 1.0)}
    assert_same_pairs(only(graph.circuit(solve(find_problem(pid)))), expected)


def test_an_input_used_twice_branches_with_the_summed_gradient():
    # f = x·y + x at x = 2, y = 3: f = 8, ∂f/∂x = y + 1 = 4, ∂f/∂y = x = 2
    scene = only(graph.circuit(solve_params("computational_graph", expr="x*y + x", values={"x": 2, "y": 3})))
    pairs = wire_pairs(scene)
    assert sorted((f, g) for _, _, f, g in pairs) == [(2.0, 4.0), (3.0, 2.0), (6.0, 1.0), (8.0, 1.0)]
    dots = [it for it in scene.items if isinstance(it, Circle) and it.r == 2.0]
    assert len(dots) == 1  # the branch point
    branches = [it for it in scene.items if isinstance(it, Polyline) and it.points[0] == (dots[0].x, dots[0].y)]
    assert len(branches) == 2


def test_wires_run_left_to_right_from_the_inputs_to_f():
    scene = only(graph.circuit(solve(find_problem("graph-sigmoid-neuron"))))
    gates = [it for it in scene.items if isinstance(it, Label) and it.bold]
    assert len(gates) == 8
    for it in scene.items:
        if isinstance(it, Polyline) and it.points[0] != it.points[-1]:  # a wire (a gate's ring is closed)
            xs = [p[0] for p in it.points]
            assert xs == sorted(xs)
        if isinstance(it, Line):
            assert it.x1 <= it.x2
    rings = [it for it in scene.items if isinstance(it, Polyline) and it.points[0] == it.points[-1]]
    assert sorted((round(sum(p[0] for p in r.points[:-1]) / (len(r.points) - 1), 6),
                   round(sum(p[1] for p in r.points[:-1]) / (len(r.points) - 1), 6)) for r in rings) == \
        sorted((round(g.x, 6), round(g.y, 6)) for g in gates)  # one ring round each gate's label
    names = {it.text: it for it in scene.items if isinstance(it, Label) and it.italic}
    assert set(names) == {"w0", "x0", "w1", "x1", "w2", "f"}
    assert all(names[k].x < min(g.x for g in gates) for k in names if k != "f")
    assert names["f"].x > max(g.x for g in gates)
    assert "0.7311" in scene.alt and "multiply gate swaps" in scene.caption


def test_gate_labels_with_constants():
    gates = graph.read_circuit(solve_params("computational_graph", expr="(x - 3) / 2 + x**2 + exp(-x)",
                                            values={"x": 1}))
    assert [graph.gate_text(g) for g in gates] == ["−3", "÷2", "x²", "+", "×−1", "exp", "+"]
