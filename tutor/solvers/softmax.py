"""Softmax and its Jacobian: exponentials, their sum, each sᵢ, then sᵢ(1 − sᵢ) on the diagonal and −sᵢsⱼ off it."""

from __future__ import annotations

from typing import Any

import numpy as np

from tutor.engine import expr as E
from tutor.engine.expr import Num, Sym
from tutor.engine.ops import EXPAND_MAX_ELEMENTS, Graph
from tutor.engine.step import Solution
from tutor.mistakes import Mistake, degenerate, mistakes
from tutor.params import Param, Params
from tutor.registry import solver

# Beyond this, e^x overflows or loses everything to rounding: shift by max(x), which leaves softmax unchanged.
SHIFT_ABOVE = 30.0


@solver("softmax_jacobian", title="Softmax and its Jacobian", topic="activations",
        params=[Param("x", "vector", "the inputs (logits) x₁..xₙ")], answer=["s", "J"])
def softmax_jacobian(p: Params, g: Graph) -> None:
    """s_i = e^{x_i} / Σ_j e^{x_j}; J_ij = ∂s_i/∂x_j = s_i(1 − s_i) if i = j, −s_i s_j otherwise."""
    x = p["x"]
    n = len(x)
    xn = g.given("x", x, Sym("x"), "the inputs")
    shift = float(np.max(x)) if np.max(np.abs(x)) > SHIFT_ABOVE else 0.0
    if shift:
        m = g.given("m", shift, Sym("m", "m"), "max(x), subtracted for numerical stability")
        formula = E.Call("exp", (E.Add((Sym("x_i"), E.Neg(m.sym))),))
        exps = g.step("exp", "Exponentials, shifted by the largest input", Sym("e_i"), formula, [xn, m],
                      lambda v, mv: np.exp(np.asarray(v, float) - mv),
                      lambda v, mv: [E.Matrix.column(E.Call("exp", (E.Add((Num(t), E.Neg(Num(mv)))),)) for t in v)],
                      f"e^(x_i - m) with m = max(x) = {shift:g}: e^x itself would overflow, and softmax is unchanged "
                      "when every input is shifted by the same constant.")
        g.conventions.append(f"Inputs shifted by m = max(x) = {shift:g} before exponentiating (softmax(x - m) = "
                             "softmax(x)); this is what torch.softmax does internally.")
    else:
        exps = g.step("exp", "Exponentials", Sym("e_i", "e^{x_i}"), E.Pow(Sym("e"), Sym("x_i")), [xn],
                      lambda v: np.exp(np.asarray(v, float)),
                      lambda v: [E.Matrix.column(E.Pow(Sym("e"), Num(t)) for t in v)] if len(v) <= EXPAND_MAX_ELEMENTS
                      else [E.Call("exp", (Num(v),))],
                      "e raised to each input, entry by entry.")
    total = g.step("S", "Sum of the exponentials", Sym("S"), E.Text("Σⱼ e_j", r"\sum_j e^{x_j}"), [exps],
                   lambda e: float(np.sum(e)),
                   lambda e: [E.Add(tuple(Num(t) for t in e))] if len(e) <= EXPAND_MAX_ELEMENTS else [],
                   "The normaliser: every s_i is divided by this.")

    def show_s(e: Any, S: float) -> list[E.Expr]:
        if len(e) > EXPAND_MAX_ELEMENTS:
            return [E.Div(Num(e), Num(S))]
        return [E.Matrix.column(E.Div(Num(t), Num(S)) for t in e)]

    s = g.step("s", "Softmax outputs", Sym("s", "s"), E.Div(Sym("e_i", "e^{x_i}"), Sym("S")), [exps, total],
               lambda e, S: np.asarray(e, float) / S, show_s,
               lambda e, S, s: f"Each exponential over the sum; the outputs add up to {float(np.sum(s)):.6g}.")

    def jac(sv: Any) -> np.ndarray:
        sv = np.asarray(sv, float)
        return np.diag(sv) - np.outer(sv, sv)

    def show_j(sv: Any) -> list[E.Expr]:
        sv = np.asarray(sv, float)
        if n * n > EXPAND_MAX_ELEMENTS + 7:  # 4×4 still fits; beyond, the matrix alone
            return []
        rows = tuple(tuple(E.mul(sv[i], E.Add((Num(1), E.Neg(Num(sv[i]))))) if i == j
                           else E.Neg(E.mul(sv[i], sv[j])) for j in range(n)) for i in range(n))
        return [E.Matrix(rows)]

    jformula: E.Expr = E.Text("J_ij = s_i(1 - s_i) if i = j;  -s_i s_j if i ≠ j",
                     r"J_{ij} = \begin{cases} s_i(1 - s_i) & i = j \\ -s_i s_j & i \neq j \end{cases}")
    g.step("J", "Jacobian ∂s_i/∂x_j", Sym("J"), jformula, [s], jac, show_j,
           "Diagonal: s_i(1 - s_i), from the quotient rule with i = j. Off the diagonal: -s_i s_j. "
           "Each row sums to 0, because the outputs always sum to 1.")


# -- the catalogue of mistakes (tutor check / tutor quiz name them when a student's number matches) -------------
def _s(v: Any) -> np.ndarray:
    return np.asarray(v["s"], float)


def _diagonal_as_s(v: Any) -> np.ndarray:
    """J with sᵢ on the diagonal (the lab's slip), −sᵢsⱼ off it."""
    s = _s(v)
    J = -np.outer(s, s)
    np.fill_diagonal(J, s)
    return J


def _off_diagonal_positive(v: Any) -> np.ndarray:
    """J with +sᵢsⱼ off the diagonal: the minus sign of the quotient rule lost."""
    s = _s(v)
    J = np.outer(s, s)
    np.fill_diagonal(J, s * (1 - s))
    return J


def _diagonal_only(v: Any) -> np.ndarray:
    """softmax treated entry by entry like σ: sᵢ(1 − sᵢ) on the diagonal and nothing off it."""
    s = _s(v)
    return np.diag(s * (1 - s))


def without_exponentials(v: Any) -> np.ndarray:
    """xᵢ/Σⱼxⱼ: the inputs normalised as they are, no e^x."""
    x = np.asarray(v["x"], float)
    total = float(np.sum(x))
    if total == 0:
        raise ValueError("the inputs sum to 0")  # the wrong method cannot even be carried out: it names nothing
    return x / total


def equal_inputs(sol: Solution) -> str | None:
    """All inputs equal: every output is 1/n and the Jacobian is the same for any such x, nothing to practise."""
    x = np.asarray(sol.values["x"], float)
    return "every input is the same, so every output is 1/n" if x.size > 1 and np.all(x == x[0]) else None


mistakes(
    "softmax_jacobian",
    Mistake("Jacobian diagonal as sᵢ instead of sᵢ(1 − sᵢ)",
            "∂sᵢ/∂xᵢ comes from the quotient rule: (eᵢS − eᵢeᵢ)/S² = sᵢ − sᵢ² = sᵢ(1 − sᵢ). sᵢ alone forgets that xᵢ "
            "is also in the sum S.",
            rules={"J": _diagonal_as_s}),
    Mistake("Jacobian off the diagonal as +sᵢsⱼ, without the minus sign",
            "For i ≠ j, xⱼ is only in the sum S, so ∂sᵢ/∂xⱼ = −eᵢeⱼ/S² = −sᵢsⱼ: raising xⱼ takes probability away "
            "from sᵢ. Each row of J then sums to 0.",
            rules={"J": _off_diagonal_positive}),
    Mistake("Jacobian with zeros off the diagonal (softmax treated entry by entry, like σ)",
            "Each sᵢ depends on every input through the sum S, so ∂sᵢ/∂xⱼ = −sᵢsⱼ ≠ 0 for i ≠ j; only an entry-by-"
            "entry function such as σ has a diagonal Jacobian.",
            rules={"J": _diagonal_only}),
    Mistake("softmax as xᵢ/Σⱼxⱼ, without the exponentials",
            "softmax exponentiates first, sᵢ = e^(xᵢ)/Σⱼ e^(xⱼ): that makes every output positive and lets a larger "
            "input take a disproportionately larger share. Dividing the inputs by their sum is not softmax.",
            rules={"s": without_exponentials}),
)
degenerate("softmax_jacobian", equal_inputs)
