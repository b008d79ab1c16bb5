"""Sinusoidal positional encoding (Vaswani et al. 2017): denominators, angles, then the sines and cosines."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tutor.engine import expr as E
from tutor.engine.expr import Expr, Num, Sym
from tutor.engine.ops import Graph
from tutor.engine.step import Solution
from tutor.errors import TutorError
from tutor.mistakes import Mistake, degenerate, mistakes
from tutor.params import Param, Params
from tutor.registry import solver

MAX_POSITIONS = 1000
MAX_D_MODEL = 4096
# Entry-by-entry working is written out while the table stays readable.
EXPAND_MAX_ROWS = 8
EXPAND_MAX_COLS = 8

PARAMS = [
    Param("positions", "vector", "the positions to encode, whole numbers counted from 0 (e.g. [0, 1, 2, 3])"),
    Param("d_model", "integer", "the embedding dimension d (even: sines and cosines come in pairs)"),
    Param("base", "number", "the base of the denominators base^(2i/d); Vaswani et al. use 10000, the notes also "
                            "use 100", default=10000),
]


def _denominators(base: Any, d: Any) -> np.ndarray:
    d = int(d)
    return float(base) ** (2 * np.arange(d // 2) / d)


def _angles(pos: Any, den: Any) -> np.ndarray:
    return np.asarray(pos, float).reshape(-1)[:, None] / np.asarray(den, float).reshape(-1)[None, :]


def _encode(ang: Any) -> np.ndarray:
    a = np.asarray(ang, float)
    out = np.empty((a.shape[0], 2 * a.shape[1]))
    out[:, 0::2] = np.sin(a)
    out[:, 1::2] = np.cos(a)
    return out


def _small(rows: int, cols: int) -> bool:
    return rows <= EXPAND_MAX_ROWS and cols <= EXPAND_MAX_COLS


@solver("positional_encoding", title="Sinusoidal positional encoding", topic="attention", params=PARAMS,
        answer=["PE"])
def positional_encoding(p: Params, g: Graph) -> None:
    """PE(pos, 2i) = sin(pos / base^(2i/d)), PE(pos, 2i+1) = cos(pos / base^(2i/d)) for i = 0..d/2 - 1, angles in
    radians; base 10000 by default (Vaswani et al.)."""
    pos = np.asarray(p["positions"], float)
    bad = [v for v in pos if v < 0 or not float(v).is_integer()]
    if bad:
        raise TutorError(f"positions are whole numbers counted from 0 (the first token is at 0), got {bad[0]:g}",
                         field="positions")
    if pos.size > MAX_POSITIONS:
        raise TutorError(f"{pos.size} positions: at most {MAX_POSITIONS} are worked out", field="positions")
    d = p["d_model"]
    if d < 2 or d % 2:
        raise TutorError(f"must be an even whole number ≥ 2 (each i gives a sine and a cosine), got {d}",
                         field="d_model")
    if d > MAX_D_MODEL:
        raise TutorError(f"is {d}: at most {MAX_D_MODEL} dimensions are worked out", field="d_model")
    base = p["base"]
    if base <= 0:
        raise TutorError(f"must be positive (it is raised to the power 2i/d), got {base:g}", field="base")

    pn = g.given("positions", pos, Sym("pos"), "the positions, counted from 0")
    dn = g.given("d_model", d, Sym("d", "d_{\\text{model}}"), "the embedding dimension")
    bn = g.given("base", float(base), Sym("base", "\\text{base}"), "base of the denominators")

    # -- denominators ----------------------------------------------------------------------------------------------
    def show_den(b: float, dv: int) -> list[Expr]:
        dv = int(dv)
        if dv // 2 > EXPAND_MAX_COLS:
            return []
        first = E.Matrix.column(E.Pow(Num(float(b)), E.Div(Num(2 * i), Num(dv))) for i in range(dv // 2))
        second = E.Matrix.column(E.Pow(Num(float(b)), Num(2 * i / dv)) for i in range(dv // 2))
        return [first, second]

    def explain_den(b: float, dv: int, den: Any) -> str:
        dv = int(dv)
        return (f"One denominator per pair of dimensions (2i, 2i+1), i = 0..{dv // 2 - 1}: from 1 at i = 0 up to "
                f"{float(b):g}^({dv - 2}/{dv}) = {float(np.asarray(den)[-1]):.6g}. The frequency of pair i is "
                "1/denominator: early dimensions turn fast, late ones slowly.")

    den = g.step("denom", "Denominators base^(2i/d), one per sin/cos pair", Sym("base^(2i/d)", r"\text{base}^{2i/d}"),
                 E.Pow(bn.sym, E.Div(E.Mul((Num(2), Sym("i")), ""), dn.sym)), [bn, dn],
                 lambda b, dv: _denominators(b, dv), show_den, explain_den)

    # -- angles ------------------------------------------------------------------------------------------------------
    def show_angle(ps: Any, dv: Any) -> list[Expr]:
        ps, dv = np.asarray(ps, float), np.asarray(dv, float)
        if not _small(ps.size, dv.size):
            return []
        return [E.Matrix(tuple(tuple(E.Div(Num(float(q)), Num(float(v))) for v in dv) for q in ps))]

    def explain_angle(ps: Any, dv: Any, ang: Any) -> str:
        return ("Row: position; column: pair i. Each angle is the position divided by the pair's denominator, in "
                "radians: position 0 gives angle 0 in every column.")

    ang = g.step("angle", "Angles pos / base^(2i/d), in radians", Sym("θ", r"\theta"),
                 E.Div(pn.sym, den.sym), [pn, den], _angles, show_angle, explain_angle)

    # -- the encoding --------------------------------------------------------------------------------------------------
    def show_pe(a: Any) -> list[Expr]:
        a = np.asarray(a, float)
        if not _small(a.shape[0], 2 * a.shape[1]):
            return []
        return [E.Matrix(tuple(tuple(E.Call(fn, (Num(float(v)),)) for v in row for fn in ("sin", "cos"))
                               for row in a))]

    def explain_pe(a: Any, pe: Any) -> str:
        a = np.asarray(a, float)
        parts = ["Even columns 2i take the sine of angle i, odd columns 2i+1 its cosine, so every row has "
                 "entries in [-1, 1] and each sin/cos pair satisfies sin² + cos² = 1."]
        nonzero = a[a != 0]
        if nonzero.size:
            x = float(nonzero.flat[0])
            parts.append(f"The angles are radians: sin({x:g}) = {math.sin(x):.4f}, whereas a calculator in degree "
                         f"mode gives sin({x:g}°) = {math.sin(math.radians(x)):.4f}, a classic slip.")
        return " ".join(parts)

    g.step("PE", "Positional encodings: sin at even, cos at odd dimensions", Sym("PE"),
           E.Text("sin θ at dimension 2i, cos θ at 2i+1",
                  r"\sin\theta \text{ at dimension } 2i,\ \cos\theta \text{ at } 2i+1"),
           [ang], _encode, show_pe, explain_pe)

    g.conventions.append(f"base = {float(base):g}" + (" (Vaswani et al. 2017; the notes also use 100)"
                                                       if base == 10000 else
                                                       " (Vaswani et al. 2017 use 10000)")
                         + ". Angles are in radians. Sine and cosine are interleaved (sin at dimension 2i, cos at "
                           "2i+1), as in the paper and the usual PyTorch recipe pe[:, 0::2] = sin, pe[:, 1::2] = cos "
                           "(PyTorch has no built-in); some code puts all sines first, then all cosines.")
    g.conventions.append("Rows of PE follow the positions as given; positions count from 0.")


# -- the catalogue of mistakes (tutor check / tutor quiz name them when a student's number matches) -------------
def _swapped(ang: Any) -> np.ndarray:
    """cos at the even dimensions, sin at the odd ones."""
    a = np.asarray(ang, float)
    out = np.empty((a.shape[0], 2 * a.shape[1]))
    out[:, 0::2] = np.cos(a)
    out[:, 1::2] = np.sin(a)
    return out


def all_at_zero(sol: Solution) -> str | None:
    """Every position 0: every angle is 0 and PE is [0, 1, 0, 1, …] whatever the base."""
    return "every position is 0, so every angle is 0" if np.all(np.asarray(sol.values["positions"]) == 0) else None


mistakes(
    "positional_encoding",
    Mistake("angles in degrees instead of radians (calculator in degree mode)",
            "pos/base^(2i/d) is an angle in radians, as in the paper and in code (torch.sin takes radians); a "
            "calculator in degree mode gives sin(1°) = 0.0175 where sin(1) = 0.8415.",
            rules={"PE": lambda v: _encode(np.radians(np.asarray(v["angle"], float)))}),
    Mistake("denominator base^(2i) instead of base^(2i/d)",
            "The exponent is 2i/d, a fraction between 0 and 1, so the denominators run from 1 up to just below the "
            "base; base^(2i) is already the base itself at i = 1 (and 10000² for the next pair).",
            rules={"denom": lambda v: float(v["base"]) ** (2 * np.arange(int(v["d_model"]) // 2, dtype=float))}),
    Mistake("sine and cosine swapped (cos at the even dimensions)",
            "PE(pos, 2i) = sin, PE(pos, 2i+1) = cos: the even dimensions (counting from 0) take the sine, so "
            "position 0 encodes as [0, 1, 0, 1, …].",
            rules={"PE": lambda v: _swapped(v["angle"])}),
)
degenerate("positional_encoding", all_at_zero)
