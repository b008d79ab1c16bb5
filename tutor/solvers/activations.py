"""Activation functions at given points: the value and the derivative the way students write them (σ(1 − σ) from
the computed σ, 1 − tanh², the piecewise step of ReLU and leaky ReLU), and the softmax forward pass.

The value and derivative builders here are shared with `tutor.solvers.gradients`, whose gradient chains apply
the same functions layer by layer.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from tutor.engine import expr as E
from tutor.engine.expr import Expr, Num, Sym
from tutor.engine.ops import EXPAND_MAX_ELEMENTS, Graph, Node, sigmoid
from tutor.engine.step import Solution
from tutor.errors import TutorError
from tutor.mistakes import Mistake, degenerate, mistakes
from tutor.params import Param, Params
from tutor.registry import solver

FUNCTIONS = ("sigmoid", "tanh", "relu", "leaky_relu")
AT_ZERO = ("left", "right")
DEFAULT_ALPHA = 0.01  # torch.nn.LeakyReLU(negative_slope=0.01)
# e^x is written out only while it stays a readable number (e^30 ≈ 1.07×10¹³); beyond, σ(x) or tanh(x) alone.
SHOW_EXP_UP_TO = 30.0

NAMES = {  # function → (text, LaTeX) of its name
    "sigmoid": ("σ", r"\sigma"),
    "tanh": ("tanh", r"\tanh"),
    "relu": ("ReLU", r"\operatorname{ReLU}"),
    "leaky_relu": ("LeakyReLU", r"\operatorname{LeakyReLU}"),
}


# -- numbers ------------------------------------------------------------------------------------------------------
def _out(x: Any) -> Any:
    """A float for a scalar, a float array otherwise (replace() may hand us lists)."""
    a = np.asarray(x, dtype=float)
    return float(a) if a.ndim == 0 else a


def value_of(fn: str, z: Any, alpha: float = DEFAULT_ALPHA) -> Any:
    """f(z) entry by entry."""
    z = np.asarray(z, float)
    if fn == "sigmoid":
        return _out(sigmoid(z))
    if fn == "tanh":
        return _out(np.tanh(z))
    if fn == "relu":
        return _out(np.where(z > 0, z, 0.0))
    return _out(np.where(z > 0, z, alpha * z))


def slope_at_zero(fn: str, at_zero: str, alpha: float) -> float:
    """The value taken for f′(0) where f has a corner: the slope on the left (PyTorch) or on the right."""
    if at_zero == "right":
        return 1.0
    return alpha if fn == "leaky_relu" else 0.0


def step_derivative(fn: str, z: Any, alpha: float, at_zero: str) -> Any:
    """ReLU′ or LeakyReLU′: 1 for z > 0, 0 (or α) for z < 0, the convention at z = 0."""
    z = np.asarray(z, float)
    left = alpha if fn == "leaky_relu" else 0.0
    return _out(np.where(z > 0, 1.0, np.where(z < 0, left, slope_at_zero(fn, at_zero, alpha))))


# -- showing --------------------------------------------------------------------------------------------------------
def columns(builder: Callable[..., list[Expr]]) -> Callable[..., list[Expr]]:
    """Lines of substituted numbers: the builder's lines for scalars; for vectors (up to EXPAND_MAX_ELEMENTS
    entries) each line as a column, one row per entry; longer vectors get no written-out lines."""

    def show(*vals: Any) -> list[Expr]:
        with np.errstate(all="ignore"):
            arrays = [np.asarray(v, float) for v in vals]
            sizes = {a.size for a in arrays if a.ndim == 1}
            if not sizes:
                return builder(*[float(a) for a in arrays])
            if len(sizes) > 1 or max(sizes) > EXPAND_MAX_ELEMENTS:
                return []
            n = sizes.pop()
            rows = [builder(*[float(a[i]) if a.ndim else float(a) for a in arrays]) for i in range(n)]
            depth = min(len(r) for r in rows)
            return [E.Matrix.column(r[k] for r in rows) for k in range(depth)]

    return show


def _exp_of(t: float) -> Expr:
    return E.Pow(Sym("e"), Num(t))


def _value_lines(fn: str) -> Callable[..., list[Expr]]:
    """How f(z) is worked out for one number z (and α for leaky ReLU)."""
    if fn == "sigmoid":
        def lines(z: float) -> list[Expr]:
            if abs(z) > SHOW_EXP_UP_TO:
                return [E.Call("σ", (Num(z),))]
            return [E.Div(Num(1), E.Add((Num(1), _exp_of(-z)))),
                    E.Div(Num(1), E.Add((Num(1), Num(math.exp(-z)))))]
    elif fn == "tanh":
        def lines(z: float) -> list[Expr]:
            if abs(z) > SHOW_EXP_UP_TO:
                return [E.Call("tanh", (Num(z),))]
            ep, em = math.exp(z), math.exp(-z)
            return [E.Div(E.Add((_exp_of(z), E.Neg(_exp_of(-z)))), E.Add((_exp_of(z), _exp_of(-z)))),
                    E.Div(E.Add((Num(ep), E.Neg(Num(em)))), E.Add((Num(ep), Num(em))))]
    elif fn == "relu":
        def lines(z: float) -> list[Expr]:
            return [E.Call("max", (Num(0), Num(z)))]
    else:
        def lines(z: float, alpha: float) -> list[Expr]:  # type: ignore[misc]
            return [Num(z) if z > 0 else E.mul(alpha, z)]
    return lines


def _value_formula(fn: str, z: Sym, alpha: Sym | None) -> Expr:
    if fn == "sigmoid":
        return E.Div(Num(1), E.Add((Num(1), E.Pow(Sym("e"), E.Neg(z)))))
    if fn == "tanh":
        ez, emz = E.Pow(Sym("e"), z), E.Pow(Sym("e"), E.Neg(z))
        return E.Div(E.Add((ez, E.Neg(emz))), E.Add((ez, emz)))
    if fn == "relu":
        return E.Call("max", (Num(0), z))
    a = alpha.text if alpha is not None else "α"
    return E.Text(f"{z.text} if {z.text} > 0;  {a}·{z.text} if {z.text} ≤ 0",
                  rf"\begin{{cases}} {z.tex} & {z.tex} > 0 \\ \alpha {z.tex} & {z.tex} \le 0 \end{{cases}}")


def value_step(g: Graph, key: str, title: str, fn: str, z: Node, sym: Sym, alpha: Node | None,
               explain: str | Callable[..., str]) -> Node:
    """f(z) as its own step, worked out entry by entry."""
    formula = _value_formula(fn, z.sym, alpha.sym if alpha is not None else None)
    if fn == "leaky_relu":
        assert alpha is not None
        return g.step(key, title, sym, formula, [z, alpha], lambda v, a: value_of(fn, v, a),
                      columns(_value_lines(fn)), explain)
    return g.step(key, title, sym, formula, [z], lambda v: value_of(fn, v), columns(_value_lines(fn)), explain)


def derivative_step(g: Graph, key: str, title: str, fn: str, z: Node, a: Node, sym: Sym, alpha: Node | None,
                    at_zero: str, explain: str | Callable[..., str]) -> Node:
    """f′(z) as students write it: σ(z)(1 − σ(z)) and 1 − tanh²(z) from the computed value `a`, the
    piecewise step from z itself for ReLU and leaky ReLU."""
    formula: Expr
    if fn == "sigmoid":
        formula = E.Mul((a.sym, E.Add((Num(1), E.Neg(a.sym)))))
        return g.step(key, title, sym, formula, [a], lambda s: _out(np.asarray(s, float) * (1 - np.asarray(s, float))),
                      columns(lambda s: [E.mul(s, E.Add((Num(1), E.Neg(Num(s)))))]), explain)
    if fn == "tanh":
        formula = E.Add((Num(1), E.Neg(E.Pow(a.sym, Num(2)))))
        return g.step(key, title, sym, formula, [a], lambda t: _out(1 - np.asarray(t, float) ** 2),
                      columns(lambda t: [E.Add((Num(1), E.Neg(E.Pow(Num(t), Num(2)))))]), explain)
    name, name_tex = NAMES[fn]
    zt, zx = z.sym.text, z.sym.tex
    if fn == "relu":
        at0 = "1" if at_zero == "right" else "0"
        formula = E.Text(f"1 if {zt} > 0;  0 if {zt} < 0;  {at0} at {zt} = 0",
                               rf"\begin{{cases}} 1 & {zx} > 0 \\ 0 & {zx} < 0 \\ {at0} & {zx} = 0 \end{{cases}}")
        return g.step(key, title, sym, formula, [z], lambda v: step_derivative(fn, v, 0.0, at_zero),
                      columns(lambda v: [E.Call(f"{name}′", (Num(v),))]), explain)
    assert alpha is not None
    at0 = "1" if at_zero == "right" else alpha.sym.text
    at0_tex = "1" if at_zero == "right" else alpha.sym.tex
    formula = E.Text(f"1 if {zt} > 0;  {alpha.sym.text} if {zt} < 0;  {at0} at {zt} = 0",
                     rf"\begin{{cases}} 1 & {zx} > 0 \\ {alpha.sym.tex} & {zx} < 0 \\ {at0_tex} & {zx} = 0 "
                     r"\end{cases}")
    return g.step(key, title, sym, formula, [z, alpha], lambda v, al: step_derivative(fn, v, al, at_zero),
                  columns(lambda v, al: [E.Call(f"{name}′", (Num(v),))]), explain)


def at_zero_convention(fn: str, at_zero: str) -> str:
    """The sentence naming the choice in force for f′(0) and what PyTorch does."""
    if fn == "relu":
        taken = "1 (the slope on the right)" if at_zero == "right" else "0 (the slope on the left)"
        return (f"ReLU has a corner at 0, where any slope in [0, 1] is a subgradient; ReLU′(0) is taken as {taken}. "
                "PyTorch's relu backward gives 0 there (only inputs > 0 pass the gradient).")
    taken = "1 (the slope on the right)" if at_zero == "right" else "α (the slope on the left)"
    return (f"Leaky ReLU has a corner at 0; LeakyReLU′(0) is taken as {taken}. PyTorch's leaky_relu backward "
            "gives negative_slope there (inputs ≤ 0 get α).")


def _where(mask: Any) -> str:
    idx = [int(k) + 1 for k in np.flatnonzero(np.atleast_1d(mask))]
    return ("entry " if len(idx) == 1 else "entries ") + ", ".join(map(str, idx))


# -- activation -------------------------------------------------------------------------------------------------------
ACTIVATION_PARAMS = [
    Param("function", "choice", "the activation function", choices=FUNCTIONS),
    Param("x", "number|vector", "the point(s) x where f and f′ are evaluated (a number or a list)"),
    Param("alpha", "number", "leaky ReLU's slope α for x < 0 (PyTorch's negative_slope); leaky_relu only",
          default=DEFAULT_ALPHA),
    Param("derivative_at_zero", "choice", "ReLU′(0) and LeakyReLU′(0), where the function has a corner: left takes "
                                          "the slope for x < 0 (0, or α), as PyTorch does; right takes 1",
          default="left", choices=AT_ZERO),
]

_VALUE_WHY = {
    "sigmoid": "σ squashes any x into (0, 1): σ(0) = 0.5, large positive x gives nearly 1, large negative nearly 0.",
    "tanh": "tanh squashes any x into (-1, 1) and is zero-centred: tanh(0) = 0 and tanh(-x) = -tanh(x) "
            "(tanh(x) = 2σ(2x) - 1).",
    "relu": "ReLU keeps a positive input as it is and turns everything else into 0.",
    "leaky_relu": "Leaky ReLU keeps a positive input as it is and scales the rest by α, so negative inputs "
                  "keep a small slope instead of a flat 0.",
}


def _derivative_why(fn: str, at_zero: str) -> Callable[..., str]:
    def why(*vals: Any) -> str:
        inputs, d = vals[:-1], np.asarray(vals[-1], float)
        each = " Entry by entry." if d.ndim else ""
        if fn == "sigmoid":
            s = np.asarray(inputs[0], float)
            saturated = np.abs(s - 0.5) > 0.482  # |x| > 4: σ′ < 0.018
            tail = (f" At {_where(saturated)} σ is close to 0 or 1 and the slope is almost 0: the unit is "
                    "saturated." if d.ndim and saturated.any() else
                    " Here σ is close to 0 or 1, so the slope is almost 0: the unit is saturated."
                    if saturated.any() else "")
            return ("The slope of σ at x, from σ′ = σ(1 - σ) with the σ just computed: it is at most 0.25 (at x = 0) "
                    "and shrinks towards 0 as |x| grows." + tail + each)
        if fn == "tanh":
            return ("The slope of tanh at x, from tanh′ = 1 - tanh² with the tanh just computed: at most 1 (at x = 0), "
                    "near 0 once |x| is large (saturation)." + each)
        z = np.asarray(inputs[0], float)
        zero = z == 0
        left = "0" if fn == "relu" else "α"
        name = NAMES[fn][0]
        text = f"The slope of the piece of {name} that x lies on: 1 where x > 0, {left} where x < 0."
        if zero.any():
            where = f" at {_where(zero)}" if d.ndim else ""
            chosen = "1, the slope on the right" if at_zero == "right" else f"{left}, the slope on the left, " \
                                                                             "as PyTorch does"
            text += f" x = 0{where} is the corner, where the derivative is not defined; it is taken as {chosen}."
        return text + each

    return why


@solver("activation", title="Activation function: value and derivative", topic="activations",
        params=ACTIVATION_PARAMS, answer=["f", "df_dx"])
def activation(p: Params, g: Graph) -> None:
    """sigmoid: σ(x) = 1/(1 + e^(-x)), σ′(x) = σ(x)(1 - σ(x)); tanh: tanh′(x) = 1 - tanh²(x); relu: max(0, x),
    derivative 1 if x > 0 else 0; leaky_relu: x if x > 0 else αx, derivative 1 or α. Entry by entry for a list."""
    fn, at_zero = p["function"], p["derivative_at_zero"]
    name, name_tex = NAMES[fn]
    x = p["x"]
    xn = g.given("x", x, Sym("x"), "the point(s) where f is evaluated")
    alpha = None
    if fn == "leaky_relu":
        al = p["alpha"]
        if al < 0:
            raise TutorError(f"α is the slope for x < 0 and must be zero or positive (0.01 is usual), got {al:g}",
                             field="alpha")
        alpha = g.given("alpha", al, Sym("α", r"\alpha"), "slope for x < 0 (PyTorch's negative_slope)")
    elif "alpha" in p.given:
        g.notes.append(f"alpha is leaky ReLU's slope; {fn} does not use it.")
    if "derivative_at_zero" in p.given and fn in ("sigmoid", "tanh"):
        g.notes.append(f"derivative_at_zero is for ReLU and leaky ReLU; {fn} is smooth at 0 and does not use it.")

    f_sym = Sym(f"{name}(x)", rf"{name_tex}(x)")
    f = value_step(g, "f", f"Value {name}(x)", fn, xn, f_sym, alpha,
                   _VALUE_WHY[fn] + (" Entry by entry." if np.ndim(x) else ""))
    derivative_step(g, "df_dx", f"Derivative {name}′(x)", fn, xn, f, Sym(f"{name}′(x)", rf"{name_tex}'(x)"),
                    alpha, at_zero, _derivative_why(fn, at_zero))

    if fn in ("relu", "leaky_relu"):
        g.conventions.append(at_zero_convention(fn, at_zero))
    if fn == "leaky_relu":
        g.conventions.append(f"α = {p['alpha']:g}; PyTorch's LeakyReLU uses negative_slope = 0.01 by default.")


# -- softmax ---------------------------------------------------------------------------------------------------------
# Beyond this the exponentials overflow or lose everything to rounding: shift by max(x) (the same threshold as the
# softmax_jacobian kind).
SHIFT_ABOVE = 30.0
SHIFTS = ("auto", "max", "none")
SOFTMAX_PARAMS = [
    Param("x", "vector", "the inputs (logits) x₁..xₙ"),
    Param("shift", "choice", f"subtract m = max(x) before exponentiating: auto does it when some |x_i| > "
                             f"{SHIFT_ABOVE:g}, max always, none never", default="auto", choices=SHIFTS),
]


def _show_sum(e: Any) -> list[Expr]:
    e = np.asarray(e, float)
    return [E.Add(tuple(Num(t) for t in e))] if 1 < e.size <= EXPAND_MAX_ELEMENTS else []


@solver("softmax", title="Softmax, forward", topic="activations", params=SOFTMAX_PARAMS, answer=["s"])
def softmax(p: Params, g: Graph) -> None:
    """s_i = e^{x_i} / Σ_j e^{x_j}; shifted by m = max(x) when the inputs are large: s_i = e^{x_i - m} / Σ_j e^{x_j - m}
    (the same s). The Jacobian is the kind softmax_jacobian."""
    x = p["x"]
    mode = p["shift"]
    shift = mode == "max" or (mode == "auto" and float(np.max(np.abs(x))) > SHIFT_ABOVE)
    if mode == "none":
        with np.errstate(all="ignore"):
            ex = np.exp(x)
        if not np.all(np.isfinite(ex)):
            raise TutorError(f"e^{float(np.max(x)):g} overflows (e^x is above 10³⁰⁸ once x > 709.78); with shift: "
                             "none the exponentials cannot be computed: use shift: max (or auto)", field="shift")
        if float(np.sum(ex)) == 0.0:
            raise TutorError("every e^x_i underflows to 0 (all inputs below -745), so the sum is 0 and the "
                             "division is 0/0: use shift: max (or auto)", field="shift")

    xn = g.given("x", x, Sym("x"), "the inputs (logits)")
    n = len(x)
    if shift:
        m = g.step("m", "The largest input", Sym("m"), E.Call("max", (Sym("x_i"),)), [xn],
                   lambda v: float(np.max(np.asarray(v, float))),
                   lambda v: [E.Call("max", tuple(Num(t) for t in v))] if len(v) <= EXPAND_MAX_ELEMENTS else [],
                   "Softmax does not change when the same number is subtracted from every input: the factor e^(-m) "
                   "appears in every numerator and in the sum, and cancels. Subtracting the largest input makes "
                   "every exponent ≤ 0, so no e^x overflows and the largest term is exactly e^0 = 1.")

        def explain_exp(v: Any, mv: float, e: Any) -> str:
            return (f"e^(x_i - m) with m = {mv:g}, entry by entry: every exponent is ≤ 0, so every term lies in "
                    "(0, 1]" + (f"; e^x itself would overflow (e^{float(np.max(v)):g})" if np.max(v) > 709.78 else
                                "") + ".")

        exps = g.step("exp", "Exponentials of the shifted inputs", Sym("e_i", "e^{x_i - m}"),
                      E.Pow(Sym("e"), E.Add((Sym("x_i"), E.Neg(m.sym)))), [xn, m],
                      lambda v, mv: np.exp(np.asarray(v, float) - mv),
                      columns(lambda t, mv: [E.Pow(Sym("e"), E.Add((Num(t), E.Neg(Num(mv))))),
                                             E.Pow(Sym("e"), Num(t - mv))]),
                      explain_exp)
        g.conventions.append(f"Inputs shifted by m = max(x) before exponentiating (shift: {mode}); softmax(x - m) = "
                             "softmax(x), and torch.softmax does the same internally.")
    else:
        exps = g.step("exp", "Exponentials", Sym("e_i", "e^{x_i}"), E.Pow(Sym("e"), Sym("x_i")), [xn],
                      lambda v: np.exp(np.asarray(v, float)), columns(lambda t: [_exp_of(t)]),
                      "e raised to each input, entry by entry: every term is positive.")
    total = g.step("S", "Sum of the exponentials", Sym("S"),
                   E.Text("Σⱼ e_j", r"\sum_j e^{x_j - m}" if shift else r"\sum_j e^{x_j}"), [exps],
                   lambda e: float(np.sum(np.asarray(e, float))), _show_sum,
                   "The normaliser: every s_i is its exponential divided by this sum.")

    def explain_s(e: Any, S: float, s: Any) -> str:
        s = np.asarray(s, float)
        if np.allclose(s, s[0], rtol=0, atol=1e-15):
            return (f"Each exponential over the sum. All inputs are equal, so every output is 1/{n} = {1 / n:.6g}: "
                    "softmax only sees the differences between inputs.")
        k = int(np.argmax(s)) + 1
        return (f"Each exponential over the sum: every s_i lies in (0, 1) and together they add up to "
                f"{float(np.sum(s)):.6g}. The largest input (entry {k}) gets the largest probability, "
                f"{float(s[k - 1]):.4g}.")

    g.step("s", "Softmax outputs (probabilities)", Sym("s"), E.Div(Sym("e_i"), Sym("S")), [exps, total],
           lambda e, S: np.asarray(e, float) / S, columns(lambda t, S: [E.Div(Num(t), Num(S))]), explain_s)


# -- the catalogue of mistakes (tutor check / tutor quiz name them when a student's number matches) -------------
def function_of(sol: Solution) -> str | None:
    """Which activation a solved `activation` problem used (the function is a parameter, not a given)."""
    symbol = sol.steps["f"].symbol if "f" in sol.steps else None
    text = symbol.text if isinstance(symbol, Sym) else ""
    return next((fn for fn, (name, _) in NAMES.items() if text == f"{name}(x)"), None)


def _x(v: Any) -> np.ndarray:
    return np.asarray(v["x"], float)


def _corner_taken_on_the_left(sol: Solution) -> bool:
    """Some x is exactly 0 and f′(0) there is the slope on the left (0, or α), so taking 1 changes a number."""
    x = np.atleast_1d(np.asarray(sol.values["x"], float))
    d = np.atleast_1d(np.asarray(sol.values["df_dx"], float))
    return function_of(sol) in ("relu", "leaky_relu") and bool(np.any(x == 0)) and bool(np.all(d[x == 0] != 1))


def corner_at_zero(sol: Solution) -> str | None:
    """ReLU and leaky ReLU at exactly 0: the derivative there is a convention, not arithmetic."""
    if function_of(sol) in ("relu", "leaky_relu") and np.any(np.asarray(sol.values["x"], float) == 0):
        return "x = 0 is the corner of ReLU, where the derivative is a convention rather than a computation"
    return None


mistakes(
    "activation",
    Mistake("σ′ from x instead of from σ(x): x(1 − x)",
            "σ′(x) = σ(x)(1 − σ(x)): the formula takes the value of σ just computed, not x itself; x(1 − x) is the "
            "same pattern with the wrong number put in.",
            rules={"df_dx": lambda v: _out(_x(v) * (1 - _x(v)))},
            applies=lambda sol: function_of(sol) == "sigmoid"),
    Mistake("tanh′ from x instead of from tanh(x): 1 − x²",
            "tanh′(x) = 1 − tanh²(x): square the value of tanh just computed, not x; 1 − x² is even negative "
            "for |x| > 1, and a slope of tanh never is.",
            rules={"df_dx": lambda v: _out(1 - _x(v) ** 2)},
            applies=lambda sol: function_of(sol) == "tanh"),
    Mistake("ReLU as x + |x|, twice max(0, x)",
            "x + |x| is 2x for x > 0: the identity is max(0, x) = (x + |x|)/2, with the halving.",
            rules={"f": lambda v: _out(_x(v) + np.abs(_x(v)))},
            applies=lambda sol: function_of(sol) == "relu"),
    Mistake("leaky ReLU without α, as plain ReLU",
            "Leaky ReLU keeps a slope α for x < 0: its value there is αx, not 0, and its derivative α, not 0; that "
            "small slope is the point of it (no dead units).",
            rules={"f": lambda v: _out(np.where(_x(v) > 0, _x(v), 0.0)),
                   "df_dx": lambda v: _out(np.where(_x(v) > 0, 1.0, 0.0))},
            applies=lambda sol: function_of(sol) == "leaky_relu"),
    Mistake("leaky ReLU as ((1 + α)x + (1 − α)x)/2, without the |x|",
            "((1 + α)x + (1 − α)x)/2 simplifies to x for every x; the second term needs |x|: ((1 + α)x + (1 − α)|x|)/2 "
            "gives x for x > 0 and αx for x < 0.",
            rules={"f": lambda v: _out(_x(v)), "df_dx": lambda v: _out(np.ones_like(_x(v)))},
            applies=lambda sol: function_of(sol) == "leaky_relu"),
    Mistake("f′(0) taken as 1, the slope on the right",
            "At the corner x = 0 the problem takes the slope on the left (0 for ReLU, α for leaky ReLU), as PyTorch "
            "does; 1 is the other convention.",
            params=lambda p: {"derivative_at_zero": "right"},
            applies=_corner_taken_on_the_left),
)
degenerate("activation", corner_at_zero)


def without_exponentials(v: Any) -> np.ndarray:
    """xᵢ/Σⱼxⱼ: the inputs normalised as they are, no e^x."""
    x = np.asarray(v["x"], float)
    total = float(np.sum(x))
    if total == 0:
        raise ValueError("the inputs sum to 0")  # the wrong method cannot even be carried out: it names nothing
    return x / total


def _exps_negated(v: Any) -> np.ndarray:
    """e^(−xᵢ) (shifted by m where the solution shifts): the sign of σ's e^(−x) carried into softmax."""
    x = np.asarray(v["x"], float)
    m = float(v["m"]) if "m" in v else 0.0
    with np.errstate(over="ignore"):
        return np.exp(-(x - m))


def _softmax_equal_inputs(sol: Solution) -> str | None:
    x = np.asarray(sol.values["x"], float)
    return "every input is the same, so every output is 1/n" if x.size > 1 and np.all(x == x[0]) else None


mistakes(
    "softmax",
    Mistake("softmax as xᵢ/Σⱼxⱼ, without the exponentials",
            "softmax exponentiates first, sᵢ = e^(xᵢ)/Σⱼ e^(xⱼ): that makes every output positive and lets a larger "
            "input take a disproportionately larger share. Dividing the inputs by their sum is not softmax.",
            rules={"s": without_exponentials}),
    Mistake("exponentials of −xᵢ, as in σ",
            "σ has e^(−x), softmax has e^(+xᵢ): with e^(−xᵢ) the smallest input gets the largest probability, the "
            "opposite of what the layer means.",
            rules={"exp": _exps_negated}),
)
degenerate("softmax", _softmax_equal_inputs)
