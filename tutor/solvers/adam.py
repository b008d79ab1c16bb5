"""Adam, iteration by iteration: gradient, both moments, their bias corrections, then the update of θ."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from tutor.engine import expr as E
from tutor.engine.expr import Expr, Num, Sym
from tutor.engine.ops import EXPAND_MAX_ELEMENTS, Graph, Node
from tutor.errors import TutorError
from tutor.mistakes import Mistake, mistakes
from tutor.params import Param, Params
from tutor.registry import solver
from tutor.safe_expr import gradient, parse
from tutor.solvers import shape_text

MAX_ITERATIONS = 1000
LOSS_VARIABLE = "theta"

PARAMS = [
    Param("theta0", "number|vector", "initial parameter θ₀ (a number, or a list for several parameters)"),
    Param("grads", "series", "the gradient g_t at each iteration t = 1..T (numbers, or lists matching theta0); "
                             "give this or loss", default=None),
    Param("loss", "expression", f"loss L as text in {LOSS_VARIABLE!r}, e.g. (theta - 3)**2 (scalar θ only); "
                                "g_t = dL/dθ at θ_{t-1}; give this or grads", default=None),
    Param("iterations", "integer", f"number of iterations T (1 to {MAX_ITERATIONS}); required with loss, "
                                   "with grads it must equal their number", default=None),
    Param("lr", "number", "learning rate η (> 0)", default=0.001),
    Param("beta1", "number", "decay rate β₁ of the first moment, in [0, 1)", default=0.9),
    Param("beta2", "number", "decay rate β₂ of the second moment, in [0, 1)", default=0.999),
    Param("eps", "number", "ε (≥ 0), added to √v̂ in the denominator", default=1e-8),
]

CONVENTION = ("ε outside the square root, lr·m̂/(√v̂ + ε), as torch.optim.Adam; the notes' chapter formula puts "
              "ε inside √(v̂ + ε) and prints β where β₁ is meant.")


# -- symbols --------------------------------------------------------------------------------------------------------
NAMES = {"g": ("g", "g"), "m": ("m", "m"), "v": ("v", "v"), "m_hat": ("m̂", r"\hat{m}"),
         "v_hat": ("v̂", r"\hat{v}"), "theta": ("θ", r"\theta"), "delta": ("Δθ", r"\Delta\theta")}


def _t_sym(name: str, t: int, names: dict[str, tuple[str, str]] = NAMES) -> Sym:
    """x_t in text and LaTeX; the other optimizers pass their own table of names."""
    text, tex = names[name]
    return Sym(f"{text}_{t}", f"{tex}_{{{t}}}")


def _series_sym(name: str, T: int, names: dict[str, tuple[str, str]] = NAMES) -> Sym:
    first, last = _t_sym(name, 1, names), _t_sym(name, T, names)
    if T == 1:
        return first
    return Sym(f"{first.text}…{last.text}", f"{first.tex},\\dots,{last.tex}")


# -- numbers --------------------------------------------------------------------------------------------------------
def _out(x: Any) -> Any:
    """A float for a scalar, a float array otherwise (replace() may hand us lists)."""
    a = np.asarray(x, dtype=float)
    return float(a) if a.ndim == 0 else a


def _bias_factor(beta: float, t: int, field: str) -> float:
    denom = 1.0 - float(beta) ** t
    if denom == 0.0:
        raise TutorError(f"1 - β^{t} = 0 (β = {beta:g}): the bias correction divides by zero; β must be below 1",
                         field=field)
    return denom


def _update(m_hat: Any, v_hat: Any, lr: float, eps: float, t: int) -> Any:
    """lr·m̂/(√v̂ + ε), entry by entry, with the two ways it can fail said in words."""
    mh, vh = np.asarray(m_hat, float), np.asarray(v_hat, float)
    if np.any(vh < 0):
        raise TutorError(f"v̂_{t} is negative ({np.min(vh):g}); a moving average of squares cannot be", field="v_hat")
    den = np.sqrt(vh) + eps
    if np.any(den == 0):
        raise TutorError(f"√v̂_{t} + ε = 0 at iteration {t} (the gradients so far are 0 and ε = 0): the update is "
                         "0/0; give ε > 0", field="eps")
    return _out(lr * mh / den)


# -- showing --------------------------------------------------------------------------------------------------------
def _show(builder: Callable[..., list[Expr]], elementwise: bool) -> Callable[..., list[Expr]]:
    """Lines of substituted numbers. Scalars: the builder's lines. Vectors (entry-wise formulas, up to
    EXPAND_MAX_ELEMENTS entries): each line as a column, one row per entry. Otherwise the whole arrays."""

    def show(*vals: Any) -> list[Expr]:
        with np.errstate(all="ignore"):
            arrays = [np.asarray(v, float) for v in vals]
            sizes = {a.size for a in arrays if a.ndim == 1}
            if not sizes:
                return builder(*[float(a) for a in arrays])
            if not elementwise or len(sizes) > 1 or max(sizes) > EXPAND_MAX_ELEMENTS:
                return builder(*[a if a.ndim else float(a) for a in arrays])[:1]
            n = sizes.pop()
            rows = [builder(*[float(a[i]) if a.ndim else float(a) for a in arrays]) for i in range(n)]
            return [E.Matrix.column(r[k] for r in rows) for k in range(len(rows[0]))]

    return show


def _minus(a: Any, b: Any) -> Expr:
    """a − b, written a − (−0.01) when b is negative, so the sign of the step is visible."""
    b_expr: Expr = E.Paren(Num(b)) if np.ndim(b) == 0 and float(b) < 0 else as_num(b)
    return E.Add((as_num(a), E.Neg(b_expr)))


def as_num(x: Any) -> Expr:
    return x if isinstance(x, Expr) else Num(x)


def _moment_lines(beta: float, prev: Any, g: Any, squared: bool) -> list[Expr]:
    new: Expr = E.Pow(Num(g), Num(2)) if squared else Num(g)
    lines: list[Expr] = [E.Add((E.mul(beta, prev), E.Mul((Num(1 - beta), new))))]
    if beta * prev != 0:  # at the zero start "0 + 0.03" says nothing the value doesn't
        lines.append(E.Add((Num(beta * prev), Num((1 - beta) * (g * g if squared else g)))))
    return lines


def _power(base: Expr, t: int) -> Expr:
    """β^t, written plain β when t = 1."""
    return base if t == 1 else E.Pow(base, Num(t))


def _bias_lines(t: int) -> Callable[[Any, float], list[Expr]]:
    def lines(x: Any, beta: float) -> list[Expr]:
        return [E.Div(Num(x), E.Add((Num(1), E.Neg(_power(Num(beta), t))))),
                E.Div(Num(x), Num(1 - beta**t))]

    return lines


def _theta_lines(prev: Any, m_hat: Any, v_hat: Any, lr: float, eps: float) -> list[Expr]:
    root = E.Call("√", (Num(v_hat),))
    step = E.Mul((Num(lr), E.Div(Num(m_hat), E.Add((root, Num(eps))))))
    delta = lr * np.asarray(m_hat, float) / (np.sqrt(np.asarray(v_hat, float)) + eps)
    return [E.Add((Num(prev), E.Neg(step))), _minus(prev, _out(delta))]


# -- the solver -----------------------------------------------------------------------------------------------------
@lru_cache(maxsize=64)
def _parse_loss(text: str) -> Any:
    try:
        return parse(text, (LOSS_VARIABLE,), what="loss")
    except TutorError as e:
        raise TutorError(e.message, field="loss") from None


def _loss_gradient(text: str, theta: Any, t: int) -> float:
    node = _parse_loss(text)
    at = float(np.asarray(theta, float))
    try:
        _, grads = gradient(node, {LOSS_VARIABLE: at})
    except TutorError as e:
        raise TutorError(f"at θ_{t - 1} = {at:g}: {e.message}", field="loss") from None
    except (OverflowError, ZeroDivisionError, ValueError) as e:
        raise TutorError(f"at θ_{t - 1} = {at:g}: cannot differentiate the loss ({e})", field="loss") from None
    d = float(grads.get(LOSS_VARIABLE, 0.0))
    if not math.isfinite(d):
        raise TutorError(f"dL/dθ at θ_{t - 1} = {at:g} is {d}: the loss is not differentiable there", field="loss")
    return d


def _check(p: Params) -> None:
    for name in ("beta1", "beta2"):
        b = p[name]
        if not 0 <= b < 1:
            raise TutorError(f"must be in [0, 1) (0.9 and 0.999 are usual), got {b:g}", field=name)
    if not p["lr"] > 0:
        raise TutorError(f"the learning rate must be positive, got {p['lr']:g}", field="lr")
    if not p["eps"] >= 0:
        raise TutorError(f"ε must be zero or positive, got {p['eps']:g}", field="eps")
    check_gradient_source(p)


def check_gradient_source(p: Params) -> None:
    """Exactly one of grads and loss, and a sane number of iterations (shared with the other optimizers)."""
    if ("grads" in p) == ("loss" in p):
        both = "grads" in p
        raise TutorError(("give either grads or loss, not both" if both else "give grads (the gradient at each "
                          "iteration) or loss (an expression in theta, with iterations)"),
                         field="loss" if both else "grads")
    T = p.get("iterations")
    if T is not None and not 1 <= T <= MAX_ITERATIONS:
        raise TutorError(f"must be from 1 to {MAX_ITERATIONS}, got {T}", field="iterations")


def _gradients(p: Params) -> tuple[np.ndarray, int]:
    """The gradient series as a T (scalar θ) or T×n (vector θ) array, checked against theta0."""
    theta0, G = p["theta0"], np.asarray(p["grads"], float)
    T = G.shape[0]
    if T > MAX_ITERATIONS:
        raise TutorError(f"{T} gradients: at most {MAX_ITERATIONS} iterations are shown", field="grads")
    if "iterations" in p and p["iterations"] != T:
        raise TutorError(f"is {p['iterations']} but grads has {T} entries (one per iteration)", field="iterations")
    if np.ndim(theta0) == 0 and G.ndim != 1:
        raise TutorError(f"theta0 is a number, so each gradient must be a number; got rows of {G.shape[1]}",
                         field="grads")
    if np.ndim(theta0) == 1:
        n = len(theta0)
        if G.ndim != 2:
            raise TutorError(f"theta0 has {n} entries, so each gradient must be a list of {n} numbers, "
                             f"such as [[0.1, ...], [0.2, ...]] (one list per iteration)", field="grads")
        if G.shape[1] != n:
            raise TutorError(f"each gradient has {G.shape[1]} entries but theta0 has {n}", field="grads")
    return G, T


def gradient_source(p: Params) -> tuple[bool, Any, str | None, Any, int]:
    """Where an iterative optimizer's gradients come from: (θ is a vector?, a zero like θ, the loss text or
    None, the given gradients or None, the number of iterations). Shared with the other optimizers."""
    theta0 = p["theta0"]
    vector = np.ndim(theta0) == 1
    zero: Any = np.zeros(len(theta0)) if vector else 0.0
    if "loss" not in p:
        G, T = _gradients(p)
        return vector, zero, None, G, T
    if vector:
        raise TutorError(f"a loss takes a single number θ, but theta0 is {shape_text(theta0)} entries; give "
                         "theta0 as a number, or give grads (one list per iteration) instead of loss",
                         field="theta0")
    if "iterations" not in p:
        raise TutorError(f"with a loss, say how many iterations to run (1 to {MAX_ITERATIONS})", field="iterations")
    loss_text = p["loss"].strip()
    _parse_loss(loss_text)
    return vector, zero, loss_text, None, p["iterations"]


@solver("adam", title="Adam optimiser, iteration by iteration", topic="optimization", params=PARAMS,
        answer=["m", "v", "m_hat", "v_hat", "theta"])
def adam(p: Params, g: Graph) -> None:
    """m_t = β₁m_{t-1} + (1 - β₁)g_t; v_t = β₂v_{t-1} + (1 - β₂)g_t²; m̂_t = m_t/(1 - β₁^t); v̂_t = v_t/(1 - β₂^t);
    θ_t = θ_{t-1} - lr·m̂_t/(√v̂_t + ε), with m_0 = v_0 = 0. The gradients are given, or taken from a loss in theta."""
    _check(p)
    theta0 = p["theta0"]
    vector, zero, loss_text, G, T = gradient_source(p)

    th = g.given("theta0", _out(theta0), Sym("θ_0", r"\theta_0"), "initial parameter")
    lr = g.given("lr", p["lr"], Sym("η", r"\eta"), "learning rate (lr)")
    b1 = g.given("beta1", p["beta1"], Sym("β₁", r"\beta_1"), "decay rate of the first moment")
    b2 = g.given("beta2", p["beta2"], Sym("β₂", r"\beta_2"), "decay rate of the second moment")
    eps = g.given("eps", p["eps"], Sym("ε", r"\varepsilon"), "added to √v̂ so the step never divides by 0")
    m = g.given("m_0", zero, Sym("m_0", "m_0"), "first moment starts at zero")
    v = g.given("v_0", zero, Sym("v_0", "v_0"), "second moment starts at zero")
    if loss_text is not None:
        loss = g.given("loss", loss_text, Sym("L(θ)", r"L(\theta)"), f"the loss, as a function of {LOSS_VARIABLE}")
        g.given("iterations", T, Sym("T"), "number of iterations")
    else:
        grads = g.given("grads", G, _series_sym("g", T), "the gradient at each iteration")

    cols: dict[str, list[Node]] = {k: [] for k in ("m", "v", "m_hat", "v_hat", "delta", "theta")}
    for t in range(1, T + 1):
        gt = _gradient_step(g, t, th, loss if loss_text is not None else grads, loss_text is not None)
        m = _moment_step(g, t, "m", m, gt, b1, squared=False)
        v = _moment_step(g, t, "v", v, gt, b2, squared=True)
        mh = _bias_step(g, t, "m_hat", m, b1)
        vh = _bias_step(g, t, "v_hat", v, b2)
        cols["delta"].append(_delta_step(g, t, mh, vh, lr, eps))
        th = _theta_step(g, t, th, mh, vh, lr, eps)
        for k, node in (("m", m), ("v", v), ("m_hat", mh), ("v_hat", vh), ("theta", th)):
            cols[k].append(node)

    for key, meaning in (("m", "first moments"), ("v", "second moments"), ("m_hat", "bias-corrected first moments"),
                         ("v_hat", "bias-corrected second moments"), ("delta", "updates lr·m̂_t/(√v̂_t + ε)"),
                         ("theta", "parameters after each update")):
        nodes = cols[key]
        first, last = _t_sym(key, 1), _t_sym(key, T)
        listing = E.Text(f"({first.text}, …, {last.text})", rf"\left({first.tex}, \dots, {last.tex}\right)")
        g.step(key, f"All {meaning}, t = 1..{T}", _series_sym(key, T), listing, nodes,
               lambda *vals: np.array([np.asarray(x, float) for x in vals]), lambda *vals: [],
               f"The {meaning} of the {T} iterations, one row per iteration.", hidden=True)

    g.conventions.append(CONVENTION)
    g.conventions.append("m_0 = v_0 = 0 and the bias corrections divide by 1 - β^t with t counted from 1, as in "
                         "Kingma & Ba and PyTorch.")
    if loss_text is not None:
        g.conventions.append("g_t is dL/dθ at θ_{t-1}, the parameter before the update (loss.backward() before "
                             "optimizer.step()), computed exactly by the chain rule through the expression.")
        if LOSS_VARIABLE not in _variables(loss_text):
            g.notes.append(f"The loss does not contain {LOSS_VARIABLE}: every gradient is 0 and θ never moves.")
    if vector:
        g.conventions.append("θ has several entries: every operation, the square root and the division included, "
                             "is done entry by entry.")


def _variables(text: str) -> list[str]:
    from tutor.safe_expr import variables_of

    return variables_of(_parse_loss(text))


# -- the steps of one iteration -------------------------------------------------------------------------------------
def _gradient_step(g: Graph, t: int, theta_prev: Node, source: Node, from_loss: bool) -> Node:
    sym = _t_sym("g", t)
    if not from_loss:
        return g.step(f"g_{t}", f"Iteration {t}: the gradient g_{t}", sym, E.Text(f"entry {t} of the gradients"),
                      [source], lambda G, _t=t: _out(np.asarray(G, float)[_t - 1]), lambda G: [],
                      f"The gradient given for iteration {t}.", hidden=True)

    def rule(text: str, theta: Any, _t: int = t) -> float:
        return _loss_gradient(text, theta, _t)

    def show(text: str, theta: Any) -> list[Expr]:
        return [E.Call("L'", (Num(theta),))]

    def explain(text: str, theta: Any, value: float, _t: int = t) -> str:
        return (f"L(θ) = {text} differentiated with respect to θ and evaluated at θ_{_t - 1} = {float(theta):.6g}, "
                "the parameter before this update.")

    return g.step(f"g_{t}", f"Iteration {t}: gradient of the loss at θ_{t - 1}", sym,
                  E.Call("L'", (theta_prev.sym,)), [source, theta_prev], rule, show, explain)


def _moment_step(g: Graph, t: int, key: str, prev: Node, gt: Node, beta: Node, squared: bool) -> Node:
    new: Expr = E.Pow(gt.sym, Num(2)) if squared else gt.sym
    formula = E.Add((E.Mul((beta.sym, prev.sym)), E.Mul((E.Add((Num(1), E.Neg(beta.sym))), new))))

    def rule(pv: Any, gv: Any, b: float) -> Any:
        pv, gv = np.asarray(pv, float), np.asarray(gv, float)
        return _out(b * pv + (1 - b) * (gv * gv if squared else gv))

    def lines(pv: float, gv: float, b: float) -> list[Expr]:
        return _moment_lines(b, pv, gv, squared)

    if squared:
        title = f"Iteration {t}: second moment v_{t} (moving average of g²)"
        why = ("Moving average of the squared gradients, the scale of the steps: "
               + ("v_0 = 0, so v_1 is only (1 - β₂)·g_1²; the bias correction will undo that." if t == 1
                  else f"β₂ of v_{t - 1} plus 1 - β₂ of g_{t}²."))
    else:
        title = f"Iteration {t}: first moment m_{t} (moving average of g)"
        why = ("Moving average of the gradients, the direction of the steps: "
               + ("m_0 = 0, so m_1 is only (1 - β₁)·g_1; the bias correction will undo that." if t == 1
                  else f"β₁ of m_{t - 1} plus 1 - β₁ of g_{t}."))
    return g.step(f"{key}_{t}", title, _t_sym(key, t), formula, [prev, gt, beta], rule,
                  _show(lines, elementwise=True), why + (" Entry by entry." if np.ndim(g.values[gt.key]) else ""))


def _bias_step(g: Graph, t: int, key: str, x: Node, beta: Node) -> Node:
    formula = E.Div(x.sym, E.Add((Num(1), E.Neg(_power(beta.sym, t)))))
    field = "beta1" if key == "m_hat" else "beta2"

    def rule(xv: Any, b: float) -> Any:
        return _out(np.asarray(xv, float) / _bias_factor(b, t, field))

    first = key == "m_hat"
    name = "first" if first else "second"
    beta_text = "β₁" if first else "β₂"

    def explain(xv: Any, b: float, value: Any) -> str:
        factor = 1 - float(b) ** t
        if t == 1:
            gives = "g_1" if first else "g_1²"
            return (f"Undo the pull towards the zero start: 1 - {beta_text} = {factor:.4g}, and dividing by it "
                    f"gives back {gives} exactly.")
        return (f"Bias correction: 1 - {beta_text}^{t} = {factor:.4g}; it tends to 1 as t grows and the correction "
                "fades away.")

    return g.step(f"{key}_{t}", f"Iteration {t}: bias-corrected {name} moment",
                  _t_sym(key, t), formula, [x, beta], rule, _show(_bias_lines(t), elementwise=False), explain)


def _delta_step(g: Graph, t: int, mh: Node, vh: Node, lr: Node, eps: Node) -> Node:
    formula = E.Mul((lr.sym, E.Div(mh.sym, E.Add((E.Call("√", (vh.sym,)), eps.sym)))))

    def rule(m_hat: Any, v_hat: Any, lrv: float, e: float) -> Any:
        return _update(m_hat, v_hat, lrv, e, t)

    def lines(m_hat: float, v_hat: float, lrv: float, e: float) -> list[Expr]:
        return [E.Mul((Num(lrv), E.Div(Num(m_hat), E.Add((E.Call("√", (Num(v_hat),)), Num(e))))))]

    return g.step(f"delta_{t}", f"Iteration {t}: size of the update (the notes' Δw_{t})", _t_sym("delta", t),
                  formula, [mh, vh, lr, eps], rule, _show(lines, elementwise=True),
                  "What is subtracted from θ at this iteration.", hidden=True)


def _theta_step(g: Graph, t: int, prev: Node, mh: Node, vh: Node, lr: Node, eps: Node) -> Node:
    root = E.Call("√", (vh.sym,))
    formula = E.Add((prev.sym, E.Neg(E.Mul((lr.sym, E.Div(mh.sym, E.Add((root, eps.sym))))))))

    def rule(th: Any, m_hat: Any, v_hat: Any, lrv: float, e: float) -> Any:
        return _out(np.asarray(th, float) - np.asarray(_update(m_hat, v_hat, lrv, e, t), float))

    def explain(th: Any, m_hat: Any, v_hat: Any, lrv: float, e: float, value: Any) -> str:
        with np.errstate(all="ignore"):
            ratio = np.abs(np.asarray(m_hat, float)) / (np.sqrt(np.asarray(v_hat, float)) + e)
        if t == 1 and np.all(np.abs(ratio - 1) < 0.01):
            return ("Step against m̂, scaled by 1/(√v̂ + ε). At t = 1, m̂_1 = g_1 and √v̂_1 = |g_1|, so while "
                    "|g_1| is much larger than ε the first step is lr in size, whatever the size of the gradient.")
        if t == 1:
            return ("Step against m̂, scaled by 1/(√v̂ + ε). At t = 1, m̂_1 = g_1 and √v̂_1 = |g_1|; here |g_1| is "
                    "not much larger than ε, so ε shrinks the step below lr.")
        with np.errstate(all="ignore"):
            delta = np.abs(np.asarray(th, float) - np.asarray(value, float))
        size = f"{float(delta):.4g}" if delta.ndim == 0 else f"up to {float(np.max(delta)):.4g}"
        return (f"Step against m̂, scaled by 1/(√v̂ + ε): lr sets the size of the step, not the size of g "
                f"(this step moves θ by {size}, with lr = {lrv:g}).")

    return g.step(f"theta_{t}", f"Iteration {t}: update θ_{t}", _t_sym("theta", t), formula,
                  [prev, mh, vh, lr, eps], rule, _show(_theta_lines, elementwise=True), explain)



# -- the catalogue of mistakes (tutor check / tutor quiz name them when a student's number matches) -------------
WrongRule = Callable[[Mapping[str, Any]], Any]


class NumberedRules(Mapping[str, WrongRule]):
    """Wrong rules for numbered steps `<name>_<k>`, k = 1..last (one per iteration, or per layer): `rules` maps a
    name to rule(values, k). The rule of a key is made when asked for, so a catalogue holds one function per
    name rather than one closure per possible step. Shared with the other optimizers and the gradient chain."""

    def __init__(self, rules: Mapping[str, Callable[[Mapping[str, Any], int], Any]], last: int = MAX_ITERATIONS):
        self._rules, self._last = dict(rules), last

    def __getitem__(self, key: str) -> WrongRule:
        name, _, k = key.rpartition("_") if isinstance(key, str) else ("", "", "")
        if name in self._rules and k.isdigit() and k == str(int(k)) and 1 <= int(k) <= self._last:
            rule, number = self._rules[name], int(k)
            return lambda values: rule(values, number)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (f"{name}_{k}" for k in range(1, self._last + 1) for name in self._rules)

    def __len__(self) -> int:
        return len(self._rules) * self._last


def _before(t: int) -> str:
    """The key of θ before iteration t."""
    return "theta0" if t == 1 else f"theta_{t - 1}"


def _eps_inside_delta(v: Mapping[str, Any], t: int) -> Any:
    mh, vh = np.asarray(v[f"m_hat_{t}"], float), np.asarray(v[f"v_hat_{t}"], float)
    return _out(float(v["lr"]) * mh / np.sqrt(vh + float(v["eps"])))


def _over_one_minus(v: Mapping[str, Any], key: str, beta: str) -> Any:
    return _out(np.asarray(v[key], float) / (1 - float(v[beta])))


def _eps_matters(solution: Any) -> bool:
    """ε inside or outside the root is a visible difference only when ε is not tiny beside √v̂ (the notes' ε = 10⁻⁸
    never is): the two denominators must differ in the 3rd significant figure somewhere."""
    eps = float(solution.values["eps"])
    t = 1
    while f"v_hat_{t}" in solution.values:
        vh = np.asarray(solution.values[f"v_hat_{t}"], float)
        outside, inside = np.sqrt(vh) + eps, np.sqrt(vh + eps)
        if np.any(np.abs(outside - inside) > 1e-3 * np.abs(outside)):
            return True
        t += 1
    return False


mistakes(
    "adam",
    Mistake("no bias correction (m̂ = m, v̂ = v)",
            "The moments m and v start at 0, so early on they are pulled towards 0; dividing by 1 − β₁ᵗ and "
            "1 − β₂ᵗ undoes that. Without it the first steps have the wrong size (at t = 1, lr·(1 − β₁)/√(1 − β₂) "
            "instead of lr).",
            rules=NumberedRules({"m_hat": lambda v, t: v[f"m_{t}"], "v_hat": lambda v, t: v[f"v_{t}"]})),
    Mistake("bias correction 1 − β instead of 1 − βᵗ",
            "The correction divides by 1 − β₁ᵗ and 1 − β₂ᵗ, with t the iteration number: it fades as t grows. "
            "Dividing by 1 − β every time is right only at t = 1.",
            rules=NumberedRules({"m_hat": lambda v, t: _over_one_minus(v, f"m_{t}", "beta1"),
                                 "v_hat": lambda v, t: _over_one_minus(v, f"v_{t}", "beta2")})),
    Mistake("ε inside the root, √(v̂ + ε)",
            "Adam (Kingma & Ba, torch.optim.Adam) divides by √v̂ + ε, with ε outside the root; √(v̂ + ε) is the "
            "notes' chapter formula, and it differs visibly once ε is not tiny beside √v̂.",
            rules=NumberedRules({"delta": _eps_inside_delta,
                                 "theta": lambda v, t: _out(np.asarray(v[_before(t)], float)
                                                            - np.asarray(_eps_inside_delta(v, t), float))}),
            applies=_eps_matters),
    Mistake("β₁ and 1 − β₁ swapped in m",
            "The first moment is m_t = β₁·m_{t−1} + (1 − β₁)·g_t: the large weight β₁ (0.9) stays on the old "
            "average and only 1 − β₁ (0.1) goes to the new gradient. The notes' chapter prints \"generally "
            "β₁ = 0.1\" for 0.9.",
            params=lambda p: {"beta1": 1 - p["beta1"]}),
)
