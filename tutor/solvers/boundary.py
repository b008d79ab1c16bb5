"""The decision boundary of a linear unit, g(x) = w·x + b = 0: its normal, its distance from the origin, where it
crosses the axes, and which side given points fall on."""

from __future__ import annotations

from typing import Any

import numpy as np

from tutor.engine import expr as E
from tutor.engine.expr import Num, Sym
from tutor.engine.ops import Graph
from tutor.engine.step import Solution
from tutor.errors import TutorError
from tutor.mistakes import Mistake, degenerate, mistakes
from tutor.params import Param, Params
from tutor.registry import solver
from tutor.solvers import expect_matrix

PARAMS = [
    Param("w", "vector", "the weights θ₁ … θₙ: the coefficients of x₁ … xₙ in g(x) = θ₀ + θ₁x₁ + … + θₙxₙ"),
    Param("b", "number", "the bias θ₀ (the constant term of g)", default=0),
    Param("points", "matrix", "points to classify, one row each (class 1 where g(x) ≥ 0)", default=None),
]


@solver("decision_boundary", title="Decision boundary of a linear unit", topic="perceptrons", params=PARAMS,
        answer=["normal", "distance"])
def decision_boundary(p: Params, g: Graph) -> None:
    """g(x) = w·x + b; the boundary g(x) = 0 has normal w, unit normal w/‖w‖, distance |b|/‖w‖ from the origin and
    axis intercepts xᵢ = −b/wᵢ; a point x is on the positive side when g(x) ≥ 0."""
    w = np.asarray(p["w"], float)
    if not np.any(w):
        raise TutorError("is all zeros: then g(x) = b everywhere and there is no boundary; give at least one "
                         "nonzero weight", field="w")
    n = w.size
    wn = g.given("w", w, Sym("w", r"\mathbf{w}"), "the weights (the normal to the boundary)")
    bn = g.given("b", float(p["b"]), Sym("b"), "the bias θ₀")

    norm = g.step("norm", "Length of the normal", Sym("‖w‖", r"\lVert \mathbf{w} \rVert"),
                  E.Call("√", (E.Text("Σᵢ wᵢ²", r"\sum_i w_i^2"),)), [wn],
                  lambda v: float(np.linalg.norm(np.asarray(v, float))),
                  lambda v: [E.Call("√", (E.Add(tuple(E.Pow(Num(x), Num(2)) for x in np.asarray(v, float))),)),
                             E.Call("√", (Num(float(np.sum(np.asarray(v, float) ** 2))),))],
                  "The length of w; the boundary's geometry is w and b measured in units of ‖w‖.")

    g.step("normal", "Unit normal to the boundary", Sym("n̂", r"\hat{\mathbf{n}}"),
           E.Div(wn.sym, norm.sym), [wn, norm], lambda v, m: np.asarray(v, float) / m,
           lambda v, m: [E.Matrix.column(E.Div(Num(x), Num(m)) for x in np.asarray(v, float))],
           lambda v, m, u: ("The boundary is perpendicular to w: moving along w changes g fastest, and g grows in "
                            "this direction (the side where the unit says 1)."))

    g.step("distance", "Distance of the boundary from the origin", Sym("d"),
           E.Div(E.Call("abs", (bn.sym,)), norm.sym), [bn, norm], lambda b, m: abs(b) / m,
           lambda b, m: [E.Div(E.Call("abs", (Num(b),)), Num(m))],
           lambda b, m, d: ("The origin's value g(0) = b, divided by ‖w‖ (how fast g changes per unit of distance "
                            "across the boundary). θ₀ alone is the distance only when ‖w‖ = 1."
                            + (" b = 0: the boundary passes through the origin." if b == 0 else "")))

    if np.all(w != 0):
        g.step("intercepts", "Where the boundary crosses the axes", Sym("xᵢ*", r"x_i^{*}"),
               E.Neg(E.Div(bn.sym, Sym("wᵢ", "w_i"))), [wn, bn],
               lambda v, b: -b / np.asarray(v, float),
               lambda v, b: [E.Matrix.column(E.Neg(E.Div(Num(b), Num(x))) for x in np.asarray(v, float))],
               "On axis i every other coordinate is 0, so g = wᵢxᵢ + b = 0 gives xᵢ = −b/wᵢ"
               + (": with two inputs, the line through these two points." if n == 2 else "."))
    else:
        g.notes.append("Some weight is 0, so the boundary runs parallel to that axis and never crosses it; no "
                       "intercepts are listed.")

    if p["points"] is not None:
        pts = np.asarray(p["points"], float)
        expect_matrix("points", pts, None, n, f"w has {n} entries, so each point needs {n} coordinates")
        pn = g.given("points", pts, Sym("X"), "points to classify (rows)")

        def show_g(X: Any, v: Any, b: float) -> list[E.Expr]:
            X, v = np.atleast_2d(np.asarray(X, float)), np.asarray(v, float)
            return [E.Matrix.column(E.Add(tuple(E.mul(wi, xi) for wi, xi in zip(v, row)) + (Num(b),)) for row in X)]

        gx = g.step("g", "g at each point", Sym("g(x)"), E.Add((E.Mul((wn.sym, Sym("x")), "·"), bn.sym)),
                    [pn, wn, bn], lambda X, v, b: np.atleast_2d(np.asarray(X, float)) @ np.asarray(v, float) + b,
                    show_g, "Positive on the side the normal points to, negative on the other, 0 on the boundary.")
        g.step("side", "Class of each point", Sym("ŷ", r"\hat{y}"),
               E.Text("1 if g(x) ≥ 0, else 0", r"1 \text{ if } g(x) \ge 0 \text{, else } 0"), [gx],
               lambda v: (np.asarray(v, float) >= 0).astype(float),
               lambda v: [E.Matrix.column(Num(float(t >= 0)) for t in np.asarray(v, float))],
               lambda v, y: ("Points with g(x) = 0 lie on the boundary itself; the step function here calls them 1."
                             if np.any(np.asarray(v, float) == 0) else
                             "Each point's side of the boundary: the sign of g."))
    g.conventions.append("g(x) = θ₀ + θ·x with the bias θ₀ = b; some texts write w·x − θ with a threshold θ = −b. "
                         "PyTorch's nn.Linear computes the same x·wᵀ + b.")


# -- the catalogue of mistakes (tutor check / tutor quiz name them when a student's number matches) -------------
def _norm_with_bias(v: Any) -> float:
    w = np.asarray(v["w"], float)
    return float(np.sqrt(float(v["b"]) ** 2 + np.sum(w * w)))


mistakes(
    "decision_boundary",
    Mistake("distance taken as |θ₀|, not divided by ‖w‖",
            "θ₀ = b is g's value at the origin, not a distance: g changes by ‖w‖ per unit of distance across the "
            "boundary, so the distance is |b|/‖w‖ (θ₀ alone only when ‖w‖ = 1).",
            rules={"distance": lambda v: abs(float(v["b"]))}),
    Mistake("‖w‖ without the square root",
            "‖w‖ = √(Σ wᵢ²): Σ wᵢ² alone is the squared length, and dividing by it shrinks the normal and the "
            "distance too much.",
            rules={"norm": lambda v: float(np.sum(np.asarray(v["w"], float) ** 2))}),
    Mistake("‖w‖ with the bias θ₀ included",
            "The normal is (θ₁, …, θₙ), the coefficients of the xᵢ; the bias θ₀ moves the boundary but does not "
            "tilt it, so it is not part of ‖w‖.",
            rules={"norm": _norm_with_bias}),
    Mistake("intercepts as b/wᵢ, the minus sign lost",
            "On axis i, wᵢxᵢ + b = 0 gives xᵢ = −b/wᵢ: the bias moves to the other side with its sign changed.",
            rules={"intercepts": lambda v: float(v["b"]) / np.asarray(v["w"], float)}),
)


def _point_on_boundary(solution: Solution) -> str | None:
    if "g" not in solution.values:
        return None
    on = np.flatnonzero(np.asarray(solution.values["g"], float) == 0)
    return f"point {int(on[0]) + 1} lies exactly on the boundary (g = 0)" if on.size else None


degenerate("decision_boundary", _point_on_boundary)
