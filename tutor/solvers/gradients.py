"""Gradients through a chain of one-unit layers (vanishing and exploding) and gradient checking by centred
differences against the reverse-mode derivative of an expression."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from tutor import safe_expr
from tutor.engine import expr as E
from tutor.engine.expr import Expr, Num, Sym
from tutor.engine.ops import Graph, Node
from tutor.errors import TutorError
from tutor.mistakes import Mistake, degenerate, mistakes
from tutor.params import Param, Params
from tutor.registry import solver
from tutor.solvers.adam import NumberedRules
from tutor.solvers.activations import (AT_ZERO, DEFAULT_ALPHA, FUNCTIONS, NAMES, at_zero_convention,
                                       derivative_step, value_step)

MAX_LAYERS = 100


# -- gradient_chain ---------------------------------------------------------------------------------------------------
CHAIN_PARAMS = [
    Param("x", "number", "the input x (= a₀) of the first layer"),
    Param("weights", "number|vector", "the weights w₁..wₙ, one per layer (z_k = w_k·a_{k-1}); a single number is "
                                      "used in every layer, with layers saying how many"),
    Param("activation", "choice", "the activation f of every layer (a_k = f(z_k))", choices=FUNCTIONS),
    Param("layers", "integer", f"number of layers n (1 to {MAX_LAYERS}); needed when weights is a single number",
          default=None),
    Param("y", "number", "target y: when given, the loss L = ½(a_n - y)² is backpropagated; without it, the "
                         "output a_n itself", default=None),
    Param("alpha", "number", "leaky ReLU's slope α for z < 0 (leaky_relu only)", default=DEFAULT_ALPHA),
    Param("derivative_at_zero", "choice", "f′(0) for relu / leaky_relu: left (0, or α; PyTorch) or right (1)",
          default="left", choices=AT_ZERO),
]


def _w(W: Any, k: int) -> float:
    """The weight of layer k (1-based): entry k of a list, or the single shared number."""
    a = np.asarray(W, float)
    return float(a) if a.ndim == 0 else float(a[k - 1])


def _sym(text: str, k: int | str) -> Sym:
    return Sym(f"{text}_{k}", f"{text}_{{{k}}}")


def _grad_sym(out: Sym, wrt: Sym) -> Sym:
    return Sym(f"∂{out.text}/∂{wrt.text}", rf"\frac{{\partial {out.tex}}}{{\partial {wrt.tex}}}")


def _factor_words(v: float) -> str:
    if v == 0:
        return "The factor is 0: nothing of the gradient passes back through this layer (for ReLU, z ≤ 0: a dead unit)."
    if abs(v) < 1:
        return f"|w·f′(z)| = {abs(v):.4g} < 1: going back through this layer shrinks the gradient."
    if abs(v) > 1:
        return f"|w·f′(z)| = {abs(v):.4g} > 1: going back through this layer enlarges the gradient."
    return "|w·f′(z)| = 1: this layer passes the gradient back unchanged."


def _chain_words(fn: str) -> Callable[..., str]:
    def why(*vals: Any) -> str:
        factors, prod = [float(v) for v in vals[:-1]], float(vals[-1])
        n = len(factors)
        listing = " × ".join(f"{f:.4g}" for f in factors)
        size = abs(prod)
        if any(f == 0 for f in factors):
            return (f"{listing} = 0. A factor of 0 cuts the chain: no gradient reaches x or the earlier weights, "
                    "however the other layers behave.")
        if size < 1 and all(abs(f) < 1 for f in factors):
            bound = " σ′ is at most 0.25, so with |w| < 4 every sigmoid layer shrinks the gradient." \
                if fn == "sigmoid" else ""
            return (f"{listing} = {prod:.4g}: every factor is below 1 in size, so the product shrinks geometrically "
                    f"with depth (about ×{size ** (1 / n):.3g} per layer here). This is the vanishing gradient: the "
                    f"first layers receive almost no gradient and their weights barely change.{bound}")
        if size > 1 and all(abs(f) > 1 for f in factors):
            return (f"{listing} = {prod:.4g}: every factor is above 1 in size, so the product grows geometrically "
                    f"with depth (about ×{size ** (1 / n):.3g} per layer here). This is the exploding gradient: "
                    "updates of the first layers become huge and training diverges; gradient clipping (a threshold "
                    "on the gradient's size) and smaller initial weights are the usual remedies.")
        trend = "shrinks" if size < 1 else "grows" if size > 1 else "keeps its size"
        return (f"{listing} = {prod:.4g}: some factors shrink the gradient and some enlarge it; over the whole "
                f"chain it {trend}. Deep networks keep |w·f′(z)| near 1 to avoid vanishing or exploding gradients.")

    return why


@solver("gradient_chain", title="Vanishing and exploding gradients along a chain", topic="backprop",
        params=CHAIN_PARAMS, answer=["a", "local", "chain", "grad_x"])
def gradient_chain(p: Params, g: Graph) -> None:
    """z_k = w_k a_{k-1}, a_k = f(z_k), a_0 = x; local derivative ∂a_k/∂a_{k-1} = w_k f′(z_k); backward running
    product ∂o/∂a_{k-1} = ∂o/∂a_k · w_k f′(z_k), with o = L = ½(a_n - y)² (∂L/∂a_n = a_n - y) or o = a_n;
    ∂o/∂z_k = ∂o/∂a_k · f′(z_k); ∂o/∂w_k = ∂o/∂z_k · a_{k-1}; ∂a_n/∂x = Π_k w_k f′(z_k)."""
    fn, at_zero = p["activation"], p["derivative_at_zero"]
    W = p["weights"]
    if np.ndim(W) == 0:
        if "layers" not in p:
            raise TutorError("weights is a single number: say how many layers share it (layers: 3), or give one "
                             "weight per layer as a list", field="layers")
        n = p["layers"]
    else:
        n = len(W)
        if "layers" in p and p["layers"] != n:
            raise TutorError(f"is {p['layers']} but weights has {n} entries (one per layer)", field="layers")
    if not 1 <= n <= MAX_LAYERS:
        raise TutorError(f"must be from 1 to {MAX_LAYERS}, got {n}", field="layers")
    if fn == "leaky_relu" and p["alpha"] < 0:
        raise TutorError(f"α is the slope for z < 0 and must be zero or positive, got {p['alpha']:g}", field="alpha")
    name, _ = NAMES[fn]

    xn = g.given("x", p["x"], Sym("x", "x"), "the input (a₀)")
    wn = g.given("weights", W if np.ndim(W) else float(W), Sym("w"),
                 "one weight per layer" if np.ndim(W) else f"the weight of every one of the {n} layers")
    alpha = g.given("alpha", p["alpha"], Sym("α", r"\alpha"), "leaky ReLU's slope for z < 0") \
        if fn == "leaky_relu" else None
    yn = g.given("y", p["y"], Sym("y"), "the target") if "y" in p else None

    # -- forward ------------------------------------------------------------------------------------------------------
    a_nodes: list[Node] = [xn]
    z_nodes: list[Node] = []
    for k in range(1, n + 1):
        w_sym = _sym("w", k) if np.ndim(W) else Sym("w")
        prev = a_nodes[-1]

        def z_rule(Wv: Any, a: Any, _k: int = k) -> float:
            return _w(Wv, _k) * float(a)

        z = g.step(f"z_{k}", f"Layer {k}: pre-activation", _sym("z", k), E.Mul((w_sym, prev.sym)), [wn, prev],
                   z_rule, lambda Wv, a, _k=k: [E.mul(_w(Wv, _k), a)],
                   f"The layer's one weight times its input ({'x' if k == 1 else f'a_{k - 1}'}); there is no bias.")
        a = value_step(g, f"a_{k}", f"Layer {k}: activation {name}(z_{k})", fn, z, _sym("a", k), alpha,
                       f"{name} of the pre-activation: the output of layer {k}"
                       + (", and of the chain." if k == n else f", the input of layer {k + 1}."))
        z_nodes.append(z)
        a_nodes.append(a)
    out = a_nodes[-1]

    if yn is not None:
        def show_loss(a: float, y: float) -> list[Expr]:
            return [E.mul(0.5, E.Pow(E.Paren(E.Add((Num(a), E.Neg(Num(y) if y >= 0 else E.Paren(Num(y)))))),
                                     Num(2)))]

        g.step("L", "Loss", Sym("L"), E.Mul((E.Div(Num(1), Num(2)), E.Pow(E.Paren(E.Add((out.sym, E.Neg(yn.sym)))),
                                                                            Num(2)))),
               [out, yn], lambda a, y: 0.5 * (float(a) - float(y)) ** 2, show_loss,
               "Half the squared error of the output; the ½ cancels the 2 that differentiating the square brings.")

    # -- local derivatives --------------------------------------------------------------------------------------------
    locals_: list[Node] = []
    fprimes: list[Node] = []
    for k in range(1, n + 1):
        w_sym = _sym("w", k) if np.ndim(W) else Sym("w")
        fp = derivative_step(g, f"fprime_{k}", f"Layer {k}: slope of the activation", fn, z_nodes[k - 1],
                             a_nodes[k], Sym(f"{name}′(z_{k})", rf"{NAMES[fn][1]}'(z_{{{k}}})"), alpha, at_zero,
                             _fprime_words(fn, k))

        def local_rule(Wv: Any, d: Any, _k: int = k) -> float:
            return _w(Wv, _k) * float(d)

        loc = g.step(f"local_{k}", f"Layer {k}: local derivative", _grad_sym(_sym("a", k), a_nodes[k - 1].sym),
                     E.Mul((w_sym, fp.sym)), [wn, fp], local_rule,
                     lambda Wv, d, _k=k: [E.mul(_w(Wv, _k), d)],
                     lambda Wv, d, v, _k=k: f"How much a_{_k} moves per unit change of its input: w·f′(z). "
                     + _factor_words(v))
        fprimes.append(fp)
        locals_.append(loc)

    # -- backward: the running product ------------------------------------------------------------------------------
    o_sym = Sym("L") if yn is not None else out.sym
    top_sym = _grad_sym(o_sym, out.sym)
    if yn is not None:
        grad = g.step(f"grad_a{n}", "Backward pass: start at the loss", top_sym, E.Add((out.sym, E.Neg(yn.sym))),
                      [out, yn], lambda a, y: float(a) - float(y),
                      lambda a, y: [E.Add((Num(a), E.Neg(Num(y) if y >= 0 else E.Paren(Num(y)))))],
                      f"From L = ½(a_{n} - y)²: ∂L/∂a_{n} = a_{n} - y, the gradient the backward pass starts from.")
    else:
        grad = g.step(f"grad_a{n}", "Backward pass: start at the output", top_sym, Num(1), [], lambda: 1.0,
                      lambda: [], f"No target given: the gradient followed is that of the output a_{n} itself, "
                                  "and ∂a/∂a = 1.")
    grad_ws: list[Node] = []
    what = "loss" if yn is not None else "output"
    for k in range(n, 0, -1):
        prev = a_nodes[k - 1]
        gz = g.step(f"grad_z{k}", f"Layer {k}: back through the activation", _grad_sym(o_sym, z_nodes[k - 1].sym),
                    E.Mul((grad.sym, fprimes[k - 1].sym)), [grad, fprimes[k - 1]],
                    lambda up, d: float(up) * float(d), lambda up, d: [E.mul(up, d)],
                    f"The gradient arriving at a_{k} times the activation's slope at z_{k}: how the {what} "
                    f"changes with the pre-activation z_{k}.")
        gw = g.step(f"grad_w{k}", f"Layer {k}: gradient of its weight", _grad_sym(o_sym, _sym("w", k)),
                    E.Mul((gz.sym, prev.sym)), [gz, prev],
                    lambda d, a: float(d) * float(a), lambda d, a: [E.mul(d, a)],
                    f"z_{k} = w_{k}·{'x' if k == 1 else f'a_{k - 1}'}, so ∂z_{k}/∂w_{k} is the input "
                    f"{'x' if k == 1 else f'a_{k - 1}'}: how the {what} changes with w_{k}, the number that "
                    "gradient descent uses to update it.")
        grad_ws.append(gw)
        key = "grad_x" if k == 1 else f"grad_a{k - 1}"
        grad = g.step(key, f"Backward through layer {k}: the running product", _grad_sym(o_sym, prev.sym),
                      E.Mul((grad.sym, locals_[k - 1].sym)), [grad, locals_[k - 1]],
                      lambda up, loc: float(up) * float(loc), lambda up, loc: [E.mul(up, loc)],
                      _backward_words(k, n, o_sym.text))

    prod_sym = Sym(f"∂a_{n}/∂x", rf"\frac{{\partial a_{{{n}}}}}{{\partial x}}")
    g.step("chain", "Vanishing or exploding? The product of the local derivatives", prod_sym,
           E.Text(f"Π_k w_k·f′(z_k), k = 1..{n}", rf"\prod_{{k=1}}^{{{n}}} w_k f'(z_k)"), locals_,
           lambda *ls: float(np.prod([float(v) for v in ls])),
           lambda *ls: [E.Mul(tuple(Num(float(v)) for v in ls))] if len(ls) > 1 else [],
           _chain_words(fn))

    g.step("a", f"All activations a_1..a_{n}", Sym(f"a_1…a_{n}", rf"a_1,\dots,a_{{{n}}}"),
           E.Text("(a_1, …, a_n)", r"\left(a_1, \dots, a_n\right)"),
           a_nodes[1:], lambda *vals: np.array([float(v) for v in vals]), lambda *vals: [],
           "The output of every layer, first to last.", hidden=True)
    g.step("local", f"All local derivatives, layers 1..{n}", Sym("w_k·f′(z_k)", r"w_k f'(z_k)"),
           E.Text("(w_1 f′(z_1), …, w_n f′(z_n))"), locals_, lambda *vals: np.array([float(v) for v in vals]),
           lambda *vals: [], "The local derivative of every layer, first to last.", hidden=True)
    g.step("grad_w", f"All weight gradients, layers 1..{n}", Sym(f"∂{o_sym.text}/∂w_k"),
           E.Text("(∂/∂w_1, …, ∂/∂w_n)"), grad_ws[::-1], lambda *vals: np.array([float(v) for v in vals]),
           lambda *vals: [], "The gradient of every weight, first layer to last.", hidden=True)

    if yn is not None:
        g.conventions.append("L = ½(a_n - y)², as the notes write it (the ½ cancels in the derivative); PyTorch's "
                             "MSELoss is the mean of (a - y)² without the ½, which doubles every gradient.")
    g.conventions.append("Each layer has one unit, one weight and no bias. The backward pass multiplies the "
                         "gradient arriving from above by each layer's local derivative w·f′(z) (the chain rule).")
    if fn in ("relu", "leaky_relu"):
        g.conventions.append(at_zero_convention(fn, at_zero))


def _fprime_words(fn: str, k: int) -> Callable[..., str]:
    def why(*vals: Any) -> str:
        d = float(vals[-1])
        if fn == "sigmoid":
            return f"σ′(z) = σ(z)(1 - σ(z)) = a_{k}(1 - a_{k}), at most 0.25 (at z = 0)."
        if fn == "tanh":
            return f"tanh′(z) = 1 - tanh²(z) = 1 - a_{k}², at most 1 (at z = 0)."
        z = float(vals[0])
        if z > 0:
            return "z > 0: the slope of the linear piece, 1."
        if z < 0:
            return ("z < 0: ReLU is flat here, slope 0." if fn == "relu" else
                    f"z < 0: leaky ReLU's slope α = {d:g}.")
        return f"z = 0 is the corner; the slope taken there is {d:g} (see Conventions)."

    return why


def _backward_words(k: int, n: int, o: str) -> str:
    where = "x, the input" if k == 1 else f"a_{k - 1}, the input of layer {k}"
    return (f"Chain rule: the gradient arriving at a_{k} times layer {k}'s local derivative w_{k}·f′(z_{k}) "
            f"(equivalently ∂{o}/∂z_{k}·w_{k}) gives the gradient at {where}. The running product now holds "
            f"{n - k + 1} local derivative{'s' if n - k + 1 > 1 else ''}.")


# -- gradient_check --------------------------------------------------------------------------------------------------
CHECK_PARAMS = [
    Param("expression", "expression", "the function f as text in its variables, e.g. x^2 or x^y*log(x + y): "
                                      "numbers, + - * / ^ and exp, log (natural), sqrt, tanh, sigmoid, relu, abs, "
                                      "max, min"),
    Param("point", "mapping", "the point: a value for every variable, e.g. {x: 2} or {x: 2, y: 3}"),
    Param("h", "number", "the step h of the centred difference (the notes' ε)", default=1e-4),
]

KINKED = ("relu", "abs", "max", "min")


@lru_cache(maxsize=64)
def _parse(text: str, names: tuple[str, ...]) -> safe_expr.Node:
    try:
        return safe_expr.parse(text, names, what="expression")
    except TutorError as e:
        hint = "; give every variable of the expression a value in point" if "unknown name" in e.message else ""
        raise TutorError(e.message + hint, field="expression") from None


def _value(text: str, point: dict[str, float], field: str, what: str) -> float:
    node = _parse(text, tuple(point))
    try:
        v = safe_expr.evaluate(node, point)
    except TutorError as e:
        raise TutorError(f"{what} cannot be evaluated: {e.message}", field=field) from None
    except (OverflowError, ValueError, ZeroDivisionError) as e:
        raise TutorError(f"{what} cannot be evaluated ({e})", field=field) from None
    if not math.isfinite(v):
        raise TutorError(f"{what} is {v}: the function is not finite there", field=field)
    return v


def _moved(point: dict[str, float], var: str, by: float) -> dict[str, float]:
    return {**point, var: point[var] + by}


def _at(point: dict[str, float]) -> str:
    return ", ".join(f"{k} = {v:.6g}" for k, v in point.items())


def _show_rel(a: Any, n: Any) -> list[Expr]:
    a, n = float(a), float(n)
    return [E.Div(E.Call("abs", (E.Add((Num(a), E.Neg(Num(n) if n >= 0 else E.Paren(Num(n))))),)),
                  E.Call("max", (E.Call("abs", (Num(a),)), E.Call("abs", (Num(n),))))),
            E.Div(Num(abs(a - n)), E.Call("max", (Num(abs(a)), Num(abs(n)))))]


def _rel_error(a: float, n: float) -> float:
    den = max(abs(a), abs(n))
    return 0.0 if den == 0 else abs(a - n) / den


def _rel_words(text: str) -> Callable[..., str]:
    kinked = any(f"{k}(" in text.replace(" ", "") for k in KINKED)

    def why(a: Any, n: Any, r: Any) -> str:
        r = float(r)
        if float(a) == 0 and float(n) == 0:
            return "Both derivatives are 0, so the relative error is taken as 0: they agree."
        if r > 1e-2:
            verdict = "above 10⁻²: the analytic gradient is probably wrong."
        elif r > 1e-4:
            verdict = "between 10⁻⁴ and 10⁻²: worrying; look for a mistake."
        elif r > 1e-7:
            verdict = ("between 10⁻⁷ and 10⁻⁴: acceptable for a function with kinks (ReLU, max), too high for a "
                       "smooth one (tanh, softmax).")
        else:
            verdict = "below 10⁻⁷: the two agree; the analytic gradient is right."
        tail = (" The function has a kink (relu, abs, max or min): if x ± h falls on both sides of it, the centred "
                "difference averages two slopes." if kinked else "")
        return ("Relative, not absolute: the same difference means little for large gradients and much for small "
                f"ones. The usual thresholds (CS231n, gradient checks): {verdict}{tail}")

    return why


@solver("gradient_check", title="Gradient check: centred difference against the analytic derivative",
        topic="backprop", params=CHECK_PARAMS, answer=["num_grad", "grad", "rel_error"])
def gradient_check(p: Params, g: Graph) -> None:
    """Numerical: (f(x + h) - f(x - h)) / (2h) for each variable; analytic: ∂f/∂x by reverse mode (the chain rule
    through the expression); relative error |a - n| / max(|a|, |n|) (0 when both are 0)."""
    text = p["expression"].strip()
    point = dict(p["point"])
    h = p["h"]
    if not h > 0:
        raise TutorError(f"the step must be positive (1e-4 is usual), got {h:g}", field="h")
    node = _parse(text, tuple(point))
    used = safe_expr.variables_of(node)
    if not used:
        raise TutorError(f"{text!r} has no variables: there is nothing to differentiate", field="expression")
    extra = [v for v in point if v not in used]
    if extra:
        raise TutorError(f"gives {', '.join(extra)}, which the expression {text!r} does not use; its variables are "
                         f"{', '.join(used)}", field="point")
    names = used  # in order of first appearance
    point = {v: point[v] for v in names}

    args = ", ".join(names)
    f_sym = Sym(f"f({args})")
    en = g.given("expression", text, f_sym, "the function")
    pn = g.given("point", point, Sym("point"), "where the derivative is checked")
    hn = g.given("h", h, Sym("h"), "the step of the centred difference")

    def nums(pt: dict[str, float], var: str | None = None, shift: Expr | None = None) -> list[Expr]:
        return [shift if (v == var and shift is not None) else Num(pt[v]) for v in names]

    g.step("f", "The function at the point", f_sym, E.Call("f", tuple(Sym(v) for v in names)), [en, pn],
           lambda t, pt: _value(t, pt, "point", f"f at {_at(pt)}"),
           lambda t, pt: [E.Call("f", tuple(nums(pt)))],
           "The value itself: a check of the expression and the point before differentiating.")

    nums_nodes: dict[str, Node] = {}
    grad_nodes: dict[str, Node] = {}
    rel_nodes: dict[str, Node] = {}
    for v in names:
        vs = Sym(v)
        plus_sym = Sym(f"f({', '.join(f'{u} + h' if u == v else u for u in names)})")
        minus_sym = Sym(f"f({', '.join(f'{u} - h' if u == v else u for u in names)})")

        def plus_rule(t: str, pt: dict[str, float], hv: float, _v: str = v) -> float:
            return _value(t, _moved(pt, _v, float(hv)), "h", f"f({_v} + h) at {_v} + h = {pt[_v] + float(hv):.6g}")

        def minus_rule(t: str, pt: dict[str, float], hv: float, _v: str = v) -> float:
            return _value(t, _moved(pt, _v, -float(hv)), "h", f"f({_v} - h) at {_v} - h = {pt[_v] - float(hv):.6g}")

        def plus_show(t: str, pt: dict[str, float], hv: float, _v: str = v) -> list[Expr]:
            return [E.Call("f", tuple(nums(pt, _v, E.Add((Num(pt[_v]), Num(hv)))))),
                    E.Call("f", tuple(nums(pt, _v, Num(pt[_v] + hv))))]

        def minus_show(t: str, pt: dict[str, float], hv: float, _v: str = v) -> list[Expr]:
            return [E.Call("f", tuple(nums(pt, _v, E.Add((Num(pt[_v]), E.Neg(Num(hv))))))),
                    E.Call("f", tuple(nums(pt, _v, Num(pt[_v] - hv))))]

        fp = g.step(f"f_plus_{v}", f"f with {v} moved up by h", plus_sym,
                    E.Call("f", tuple(E.Add((vs, hn.sym)) if u == v else Sym(u) for u in names)), [en, pn, hn],
                    plus_rule, plus_show, f"The function one step h above the point in {v}"
                    + ("" if len(names) == 1 else ", the other variables held fixed") + ".")
        fm = g.step(f"f_minus_{v}", f"f with {v} moved down by h", minus_sym,
                    E.Call("f", tuple(E.Add((vs, E.Neg(hn.sym))) if u == v else Sym(u) for u in names)),
                    [en, pn, hn], minus_rule, minus_show, f"The function one step h below the point in {v}.")
        num = g.step(f"num_grad_{v}", f"Numerical derivative in {v}: centred difference",
                     Sym(f"(∂f/∂{v})_num", rf"\left(\frac{{\partial f}}{{\partial {v}}}\right)_{{\mathrm{{num}}}}"),
                     E.Div(E.Add((fp.sym, E.Neg(fm.sym))), E.Mul((Num(2), hn.sym))), [fp, fm, hn],
                     lambda a, b, hv: (float(a) - float(b)) / (2 * float(hv)),
                     lambda a, b, hv: [E.Div(E.Add((Num(a), E.Neg(Num(b)))), E.mul(2, hv)),
                                       E.Div(Num(float(a) - float(b)), Num(2 * float(hv)))],
                     "The slope of the chord from one side of the point to the other. Its error shrinks like h² "
                     "(the one-sided (f(x + h) - f(x))/h errs like h), until h is so small that rounding in "
                     "f(x + h) - f(x - h) takes over.")

        def grad_rule(t: str, pt: dict[str, float], _v: str = v) -> float:
            tree = _parse(t, tuple(pt))
            try:
                _, grads = safe_expr.gradient(tree, pt)
            except TutorError as e:
                raise TutorError(f"∂f/∂{_v} at {_at(pt)}: {e.message}", field="point") from None
            except (OverflowError, ValueError, ZeroDivisionError) as e:
                raise TutorError(f"∂f/∂{_v} at {_at(pt)} cannot be computed ({e})", field="point") from None
            d = float(grads.get(_v, 0.0))
            if not math.isfinite(d):
                raise TutorError(f"∂f/∂{_v} at {_at(pt)} is {d}: f is not differentiable there", field="point")
            return d

        an = g.step(f"grad_{v}", f"Analytic derivative in {v}",
                    Sym(f"∂f/∂{v}", rf"\frac{{\partial f}}{{\partial {v}}}"),
                    E.Call(f"∂f/∂{v}", tuple(Sym(u) for u in names)), [en, pn], grad_rule,
                    lambda t, pt, _v=v: [E.Call(f"∂f/∂{_v}", tuple(nums(pt)))],
                    "The exact derivative at the point, by the chain rule through the expression, gate by gate "
                    "from the output back (reverse mode, as backpropagation computes it).")
        rel = g.step(f"rel_error_{v}", f"Relative error in {v}", Sym(f"rel_error_{v}", rf"\mathrm{{rel}}_{{{v}}}"),
                     E.Text(f"|∂f/∂{v} - (∂f/∂{v})_num| / max(|∂f/∂{v}|, |(∂f/∂{v})_num|)",
                            rf"\frac{{|a_{v} - n_{v}|}}{{\max(|a_{v}|, |n_{v}|)}}"),
                     [an, num], lambda a, n: _rel_error(float(a), float(n)), _show_rel, _rel_words(text))
        nums_nodes[v], grad_nodes[v], rel_nodes[v] = num, an, rel

    def gather(nodes: dict[str, Node]) -> Callable[..., dict[str, float]]:
        keys = list(nodes)
        return lambda *vals: {k: float(x) for k, x in zip(keys, vals)}

    for key, nodes, meaning in (("num_grad", nums_nodes, "numerical derivatives"),
                                ("grad", grad_nodes, "analytic derivatives"),
                                ("rel_error", rel_nodes, "relative errors")):
        g.step(key, f"All {meaning}", Sym(key), E.Text(f"({meaning} by variable)"), list(nodes.values()),
               gather(nodes), lambda *vals: [], f"The {meaning}, one per variable.", hidden=True)

    g.conventions.append("Centred difference (f(x + h) - f(x - h))/(2h), and relative error |a - n| / max(|a|, |n|) "
                         "between the analytic a and the numerical n, as in CS231n's notes on gradient checks "
                         "(taken as 0 when both are 0); torch.autograd.gradcheck compares with absolute and relative "
                         "tolerances instead.")
    if "log(" in text.replace(" ", ""):
        g.conventions.append("log is the natural logarithm (ln), as in torch.log.")


# -- the catalogue of mistakes (tutor check / tutor quiz name them when a student's number matches) -------------
def _is_sigmoid_chain(solution: Any) -> bool:
    return solution.steps["a_1"].title.endswith(f"activation {NAMES['sigmoid'][0]}(z_1)")


mistakes(
    "gradient_chain",
    Mistake("the activation's value a_k used as its slope f′(z_k)",
            "The backward pass multiplies by the derivative of the activation at z_k, not by its value: "
            "σ′(z) = a(1 − a), tanh′(z) = 1 − a², ReLU′(z) = 1 for z > 0 (the notes' 25 × 124 puts a₂ = 25 where "
            "ReLU′(z₂) = 1 belongs).",
            rules=NumberedRules({"fprime": lambda v, k: float(v[f"a_{k}"])}, MAX_LAYERS)),
    Mistake("σ′ taken as 0.25 at every layer",
            "0.25 is σ′(0), the largest σ′ can be; at each layer σ′(z_k) = a_k(1 − a_k) at that layer's own z_k, "
            "which is smaller once z_k ≠ 0.",
            rules=NumberedRules({"fprime": lambda v, k: 0.25}, MAX_LAYERS), applies=_is_sigmoid_chain),
    Mistake("local derivative without the weight (f′(z_k) alone)",
            "Since z_k = w_k·a_{k−1}, ∂a_k/∂a_{k−1} = f′(z_k)·w_k: the chain rule goes through the weight as well as "
            "through the activation.",
            rules=NumberedRules({"local": lambda v, k: float(v[f"fprime_{k}"])}, MAX_LAYERS)),
)


def _chain_degenerate(solution: Any) -> str | None:
    if "ReLU" not in solution.steps["a_1"].title:  # relu and leaky_relu have a corner at 0
        return None
    k = 1
    while f"z_{k}" in solution.values:
        if float(solution.values[f"z_{k}"]) == 0:
            return f"z_{k} = 0 is ReLU's corner, where the slope is a convention"
        k += 1
    return None


degenerate("gradient_chain", _chain_degenerate)


class _EachVariable(Mapping[str, Callable[[Mapping[str, Any]], Any]]):
    """Wrong rules for the per-variable steps `<prefix><name>` of gradient_check, whatever the problem's variables
    are called: `rule(values, name)`. The names are open-ended, so the mapping answers `in` and `[]` (what
    `tutor.mistakes.recompute` asks) for every variable name and lists no keys of its own."""

    def __init__(self, prefix: str, rule: Callable[[Mapping[str, Any], str], Any]) -> None:
        self._prefix, self._rule = prefix, rule

    def __getitem__(self, key: str) -> Callable[[Mapping[str, Any]], Any]:
        name = key[len(self._prefix):] if isinstance(key, str) and key.startswith(self._prefix) else ""
        if not name.isidentifier():
            raise KeyError(key)
        return lambda values: self._rule(values, name)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __bool__(self) -> bool:  # a family of rules, never empty
        return True


def _derivative_at_moved_point(v: Mapping[str, Any], name: str) -> float:
    point = dict(v["point"])
    _, grads = safe_expr.gradient(_parse(v["expression"], tuple(point)), _moved(point, name, float(v["h"])))
    return float(grads.get(name, 0.0))


mistakes(
    "gradient_check",
    Mistake("one-sided difference (f(x + h) − f(x))/h",
            "The check uses the centred difference (f(x + h) − f(x − h))/(2h), whose error shrinks like h²; the "
            "one-sided quotient errs like h (for x² at 2 with h = 0.01 it gives 4.01 instead of 4).",
            rules=_EachVariable("num_grad_", lambda v, n: (float(v[f"f_plus_{n}"]) - float(v["f"])) / float(v["h"]))),
    Mistake("centred difference divided by h instead of 2h",
            "The points x + h and x − h are 2h apart, so the centred difference divides f(x + h) − f(x − h) by "
            "2h; dividing by h doubles the slope.",
            rules=_EachVariable("num_grad_", lambda v, n: (float(v[f"f_plus_{n}"]) - float(v[f"f_minus_{n}"]))
                                / float(v["h"]))),
    Mistake("the derivative at x + h taken as the numerical one",
            "The numerical derivative is a difference quotient of f at the point x; f′(x + h) is the exact "
            "derivative somewhere else (the notes' table gives 4.02 = g′(2.01) beside x = 2.01).",
            rules=_EachVariable("num_grad_", _derivative_at_moved_point)),
)
