"""SGD, momentum, AdaGrad and RMSProp, iteration by iteration: gradient, accumulator, step size, update of θ.

The shape follows `tutor.solvers.adam` (whose gradient step and loss handling are reused): the gradients are given
as a series, or taken from a loss in theta at each iterate; every iteration t has its own steps (`v_t`, `r_t`,
`eta_t`, `theta_t`), and hidden series steps (`theta`, `delta`, ...) collect them for checking and export.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping

import numpy as np

from tutor.engine import expr as E
from tutor.engine.expr import Expr, Num, Sym
from tutor.engine.ops import Graph, Node
from tutor.errors import TutorError
from tutor.mistakes import Mistake, mistakes
from tutor.params import Param, Params
from tutor.registry import solver
from tutor.solvers import adam
from tutor.solvers.adam import (LOSS_VARIABLE, MAX_ITERATIONS, NumberedRules, _before, _gradient_step, _minus, _out,
                                _show, _variables, check_gradient_source, gradient_source)

METHODS = ("sgd", "momentum", "adagrad", "rmsprop")
DEFAULT_BETA = {"momentum": 0.9, "rmsprop": 0.99}  # PyTorch: SGD(momentum=0.9) is the usual; RMSprop alpha=0.99
DEFAULT_EPS = {"adagrad": 1e-10, "rmsprop": 1e-8}  # torch.optim.Adagrad and torch.optim.RMSprop defaults

PARAMS = [
    Param("method", "choice", "the optimiser: sgd, momentum, adagrad or rmsprop", choices=METHODS),
    Param("theta0", "number|vector", "initial parameter θ₀ (a number, or a list for several parameters)"),
    Param("grads", "series", "the gradient g_t at each iteration t = 1..T (numbers, or lists matching theta0); "
                             "give this or loss", default=None),
    Param("loss", "expression", f"loss L as text in {LOSS_VARIABLE!r}, e.g. (theta - 3)**2 (scalar θ only); "
                                "g_t = dL/dθ at θ_{t-1}; give this or grads", default=None),
    Param("iterations", "integer", f"number of iterations T (1 to {MAX_ITERATIONS}); required with loss, "
                                   "with grads it must equal their number", default=None),
    Param("lr", "number", "learning rate η (> 0)"),
    Param("beta", "number", "momentum: the momentum coefficient β (PyTorch's momentum, default 0.9); rmsprop: the "
                            "decay rate β of the average of g² (PyTorch's alpha, default 0.99); in [0, 1)",
          default=None),
    Param("eps", "number", "ε (≥ 0) in the denominator of adagrad and rmsprop (default: PyTorch's, 1e-10 for "
                           "Adagrad, 1e-8 for RMSprop)", default=None),
    Param("eps_placement", "choice", "adagrad, rmsprop: 'outside' the root, η/(√r + ε), as PyTorch; or 'inside', "
                                     "η/√(r + ε), as the notes' chapter", default="outside",
          choices=("outside", "inside")),
    Param("momentum_form", "choice", "momentum: 'velocity' v = βv + ηg, θ ← θ - v (the notes' worked example); "
                                     "'sutskever' v = βv - ηg, θ ← θ + v (the notes' chapter); 'pytorch' "
                                     "buf = β·buf + g, θ ← θ - η·buf", default="velocity",
          choices=("velocity", "sutskever", "pytorch")),
    Param("lr_decay", "choice", "sgd: 'none', or 'inverse_sqrt' for the decayed rate η_t = η/√t",
          default="none", choices=("none", "inverse_sqrt")),
]

ROOT = "√"


# -- symbols --------------------------------------------------------------------------------------------------------
_NAMES = {  # key → (text, LaTeX)
    "g": ("g", "g"), "v": ("v", "v"), "buf": ("buf", r"\mathrm{buf}"), "r": ("r", "r"), "eta": ("η", r"\eta"),
    "theta": ("θ", r"\theta"), "delta": ("Δθ", r"\Delta\theta"),
}


def _t_sym(name: str, t: int) -> Sym:
    return adam._t_sym(name, t, _NAMES)


def _series_sym(name: str, T: int) -> Sym:
    return adam._series_sym(name, T, _NAMES)


def _sci(x: float) -> str:
    """1e-8 rather than %g's 1e-08."""
    mantissa, _, exponent = f"{x:g}".partition("e")
    return f"{mantissa}e{int(exponent)}" if exponent else mantissa


def _arr(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=float)


# -- checks ---------------------------------------------------------------------------------------------------------
def _check(p: Params) -> None:
    method = p["method"]
    if not p["lr"] > 0:
        raise TutorError(f"the learning rate must be positive, got {p['lr']:g}", field="lr")
    if "beta" in p and method in DEFAULT_BETA and not 0 <= p["beta"] < 1:
        usual = "0.9" if method == "momentum" else "0.99"
        raise TutorError(f"must be in [0, 1) ({usual} is usual for {method}), got {p['beta']:g}", field="beta")
    if "eps" in p and not p["eps"] >= 0:
        raise TutorError(f"ε must be zero or positive, got {p['eps']:g}", field="eps")
    if p["lr_decay"] != "none" and method != "sgd":
        raise TutorError(f"the decayed rate η/√t is a schedule for plain sgd; {method} adapts its own step size "
                         "(set lr_decay: none, or method: sgd)", field="lr_decay")
    check_gradient_source(p)


def _unused(p: Params) -> list[str]:
    """Parameters the file gave that the chosen method does not read: said in a note, not an error, so that
    `--set method=...` on an existing problem works."""
    method = p["method"]
    used = {"sgd": {"lr_decay"}, "momentum": {"beta", "momentum_form"},
            "adagrad": {"eps", "eps_placement"}, "rmsprop": {"beta", "eps", "eps_placement"}}[method]
    return [n for n in ("beta", "eps", "eps_placement", "momentum_form", "lr_decay")
            if n in p.given and n not in used]


# -- numbers --------------------------------------------------------------------------------------------------------
def _rate(r: Any, lr: float, eps: float, inside: bool, t: int) -> Any:
    """η/(√r + ε) or η/√(r + ε), entry by entry, with the two ways it can fail said in words."""
    rv = _arr(r)
    if np.any(rv < 0):
        raise TutorError(f"r_{t} is negative ({np.min(rv):g}); a sum or average of squares cannot be", field="r")
    den = np.sqrt(rv + eps) if inside else np.sqrt(rv) + eps
    if np.any(den == 0):
        raise TutorError(f"r_{t} = 0 (every gradient so far is 0) and ε = 0: η/√r_{t} divides by zero; give ε > 0",
                         field="eps")
    return _out(lr / den)


# -- showing --------------------------------------------------------------------------------------------------------
def _times(a: Any, b: Any) -> Expr:
    return E.mul(a, b)


def _root_den(r: Expr, eps: Expr, inside: bool) -> Expr:
    return E.Call(ROOT, (E.Add((r, eps)),)) if inside else E.Add((E.Call(ROOT, (r,)), eps))


# -- the solver -----------------------------------------------------------------------------------------------------
@solver("optimizer", title="Gradient-descent optimisers (SGD, momentum, AdaGrad, RMSProp), iteration by iteration",
        topic="optimization", params=PARAMS, answer=["delta", "theta"])
def optimizer(p: Params, g: Graph) -> None:
    """sgd: θ_t = θ_{t-1} - η_t·g_t (η_t = η, or η/√t with lr_decay); momentum: v_t = βv_{t-1} + ηg_t,
    θ_t = θ_{t-1} - v_t (or PyTorch's buf_t = βbuf_{t-1} + g_t, θ_t = θ_{t-1} - η·buf_t); adagrad:
    r_t = r_{t-1} + g_t², η_t = η/(√r_t + ε), θ_t = θ_{t-1} - η_t·g_t; rmsprop: r_t = βr_{t-1} + (1 - β)g_t²,
    η_t and θ_t as adagrad. v_0 = r_0 = 0; Δθ_t = θ_{t-1} - θ_t. The gradients are given, or taken from a loss
    in theta."""
    _check(p)
    method = p["method"]
    theta0 = p["theta0"]
    vector, zero, loss_text, G, T = gradient_source(p)

    th = g.given("theta0", _out(theta0), Sym("θ_0", r"\theta_0"), "initial parameter")
    lr = g.given("lr", p["lr"], Sym("η", r"\eta"), "learning rate (lr)")
    beta = eps = None
    if method in DEFAULT_BETA:
        b = p["beta"] if "beta" in p else DEFAULT_BETA[method]
        meaning = ("momentum coefficient: the share of the previous step carried over" if method == "momentum"
                   else "decay rate of the moving average of g²")
        beta = g.given("beta", b, Sym("β", r"\beta"), meaning)
    if method in DEFAULT_EPS:
        e = p["eps"] if "eps" in p else DEFAULT_EPS[method]
        eps = g.given("eps", e, Sym("ε", r"\varepsilon"), "keeps the denominator away from 0")
    form = p["momentum_form"]
    state: Node | None = None
    if method == "momentum":
        key = "buf" if form == "pytorch" else "v"
        state = g.given(f"{key}_0", zero, _t_sym(key, 0),
                        "momentum buffer starts at zero" if key == "buf" else "velocity starts at zero")
    elif method in ("adagrad", "rmsprop"):
        state = g.given("r_0", zero, _t_sym("r", 0), "accumulated squared gradients start at zero")
    if loss_text is not None:
        source = g.given("loss", loss_text, Sym("L(θ)", r"L(\theta)"), f"the loss, as a function of {LOSS_VARIABLE}")
        g.given("iterations", T, Sym("T"), "number of iterations")
    else:
        source = g.given("grads", G, _series_sym("g", T), "the gradient at each iteration")

    inside = p["eps_placement"] == "inside"
    cols: dict[str, list[Node]] = {"delta": [], "theta": []}
    for t in range(1, T + 1):
        gt = _gradient_step(g, t, th, source, loss_text is not None)
        if method == "sgd":
            if p["lr_decay"] == "inverse_sqrt":
                rate = _decayed_rate_step(g, t, lr)
                cols.setdefault("eta", []).append(rate)
                delta = _rate_delta_step(g, t, rate, gt)
                new = _rate_theta_step(g, t, th, rate, gt, "decayed")
            else:
                delta = _sgd_delta_step(g, t, lr, gt)
                new = _sgd_theta_step(g, t, th, lr, gt)
        elif method == "momentum":
            assert state is not None and beta is not None
            state = _momentum_state_step(g, t, form, state, gt, beta, lr)
            cols.setdefault("buf" if form == "pytorch" else "v", []).append(state)
            delta = _momentum_delta_step(g, t, form, state, lr)
            new = _momentum_theta_step(g, t, form, th, state, lr)
        else:
            assert state is not None and eps is not None
            state = _accumulator_step(g, t, method, state, gt, beta)
            rate = _adaptive_rate_step(g, t, method, state, lr, eps, inside)
            cols.setdefault("r", []).append(state)
            cols.setdefault("eta", []).append(rate)
            delta = _rate_delta_step(g, t, rate, gt)
            new = _rate_theta_step(g, t, th, rate, gt, method)
        cols["delta"].append(delta)
        cols["theta"].append(new)
        th = new

    meanings = {"v": "velocities", "buf": "momentum buffers", "r": "accumulators r_t",
                "eta": "step sizes η_t", "delta": "updates Δθ_t = θ_{t-1} - θ_t",
                "theta": "parameters after each update"}
    for key, nodes in cols.items():
        first, last = _t_sym(key, 1), _t_sym(key, T)
        listing = E.Text(f"({first.text}, …, {last.text})", rf"\left({first.tex}, \dots, {last.tex}\right)")
        g.step(key, f"All {meanings[key]}, t = 1..{T}", _series_sym(key, T), listing, nodes,
               lambda *vals: np.array([_arr(x) for x in vals]), lambda *vals: [],
               f"The {meanings[key]} of the {T} iterations, one row per iteration.", hidden=True)

    _conventions(p, g, loss_text, vector)


def _conventions(p: Params, g: Graph, loss_text: str | None, vector: bool) -> None:
    method = p["method"]
    if method == "sgd":
        if p["lr_decay"] == "inverse_sqrt":
            g.conventions.append(
                "Plain gradient descent with the rate decayed by the iteration count, η_t = η/√t. This is a "
                "schedule, not AdaGrad (which divides η by the root of the summed squared gradients). PyTorch has "
                "no built-in for it: torch.optim.SGD with a LambdaLR(lambda k: 1/sqrt(k + 1)) stepped after each "
                "update gives it.")
        else:
            g.conventions.append("Plain gradient descent θ_t = θ_{t-1} - η·g_t, as torch.optim.SGD without momentum.")
    elif method == "momentum":
        form = p["momentum_form"]
        text = {
            "velocity": "Momentum as v_t = β·v_{t-1} + η·g_t, θ_t = θ_{t-1} - v_t (the notes' worked example). "
                        "torch.optim.SGD(momentum=β) keeps buf_t = β·buf_{t-1} + g_t and subtracts lr·buf_t: "
                        "v_t = η·buf_t, so the iterates are the same while η is constant.",
            "sutskever": "Momentum as v_t = β·v_{t-1} - η·g_t, θ_t = θ_{t-1} + v_t (the notes' chapter, Sutskever "
                         "et al. 2013): v_t is the step itself, the negative of the worked example's v_t. "
                         "torch.optim.SGD(momentum=β) keeps buf_t = β·buf_{t-1} + g_t and subtracts lr·buf_t; "
                         "the iterates are the same while η is constant.",
            "pytorch": "Momentum as torch.optim.SGD(momentum=β) does it: buf_t = β·buf_{t-1} + g_t, "
                       "θ_t = θ_{t-1} - η·buf_t (dampening 0, no Nesterov). The notes' worked example keeps "
                       "v_t = β·v_{t-1} + η·g_t = η·buf_t instead; the iterates are the same while η is constant.",
        }[form]
        g.conventions.append(text)
        if "beta" not in p:
            g.conventions.append("β not given: 0.9, the usual momentum coefficient (PyTorch has no default).")
    else:
        name = "torch.optim.Adagrad" if method == "adagrad" else "torch.optim.RMSprop"
        default_eps = DEFAULT_EPS[method]
        if p["eps_placement"] == "outside":
            text = (f"ε outside the square root, η/(√r_t + ε), as {name} (eps = {_sci(default_eps)} by default); the "
                    "notes' chapter puts it inside, η/√(r_t + ε).")
        else:
            text = (f"ε inside the square root, η/√(r_t + ε), as the notes' chapter; {name} puts it outside, "
                    f"η/(√r_t + ε), with eps = {_sci(default_eps)} by default.")
        g.conventions.append(text + " The two agree closely unless r_t is comparable to ε or smaller (tiny "
                                    "gradients).")
        if "eps" not in p:
            g.conventions.append(f"ε not given: {_sci(default_eps)}, {name}'s default.")
        if method == "adagrad":
            g.conventions.append("r_0 = 0 (PyTorch's initial_accumulator_value = 0) and no lr_decay.")
        else:
            g.conventions.append("β is PyTorch's alpha; r_0 = 0 and there is no bias correction and no centring "
                                 "(centered=False), as in torch.optim.RMSprop.")
            if "beta" not in p:
                g.conventions.append("β not given: 0.99, PyTorch's default alpha (many texts use 0.9).")
    if loss_text is not None:
        g.conventions.append("g_t is dL/dθ at θ_{t-1}, the parameter before the update (loss.backward() before "
                             "optimizer.step()), computed exactly by the chain rule through the expression.")
        if LOSS_VARIABLE not in _variables(loss_text):
            g.notes.append(f"The loss does not contain {LOSS_VARIABLE}: every gradient is 0 and θ never moves.")
    if vector:
        g.conventions.append("θ has several entries: every operation, the square root and the division included, "
                             "is done entry by entry.")
    unused = _unused(p)
    if unused:
        g.notes.append(f"{', '.join(unused)} {'is' if len(unused) == 1 else 'are'} not used by {method}.")


# -- plain SGD ------------------------------------------------------------------------------------------------------
def _sgd_delta_step(g: Graph, t: int, lr: Node, gt: Node) -> Node:
    def rule(lrv: float, gv: Any) -> Any:
        return _out(lrv * _arr(gv))

    return g.step(f"delta_{t}", f"Iteration {t}: size of the update", _t_sym("delta", t),
                  E.Mul((lr.sym, gt.sym)), [lr, gt], rule,
                  _show(lambda lrv, gv: [_times(lrv, gv)], elementwise=True),
                  "What is subtracted from θ at this iteration.", hidden=True)


def _sgd_theta_step(g: Graph, t: int, prev: Node, lr: Node, gt: Node) -> Node:
    def rule(th: Any, lrv: float, gv: Any) -> Any:
        return _out(_arr(th) - lrv * _arr(gv))

    def lines(th: float, lrv: float, gv: float) -> list[Expr]:
        return [E.Add((Num(th), E.Neg(_times(lrv, gv)))), _minus(th, lrv * gv)]

    return g.step(f"theta_{t}", f"Iteration {t}: update θ_{t}", _t_sym("theta", t),
                  E.Add((prev.sym, E.Neg(E.Mul((lr.sym, gt.sym))))), [prev, lr, gt], rule,
                  _show(lines, elementwise=True),
                  "A step of η times the gradient, downhill: against the sign of g.")


# -- decayed rate (sgd) and adaptive rates (adagrad, rmsprop) -------------------------------------------------------
def _decayed_rate_step(g: Graph, t: int, lr: Node) -> Node:
    def rule(lrv: float) -> float:
        return float(lrv) / math.sqrt(t)

    def show(lrv: float) -> list[Expr]:
        lines: list[Expr] = [E.Div(Num(lrv), E.Call(ROOT, (Num(t),)))]
        if t > 1:
            lines.append(E.Div(Num(lrv), Num(math.sqrt(t))))
        return lines

    return g.step(f"eta_{t}", f"Iteration {t}: decayed learning rate η_{t}", _t_sym("eta", t),
                  E.Div(lr.sym, E.Call(ROOT, (Num(t),))), [lr], rule, show,
                  "The rate shrinks with the iteration count alone, whatever the gradients were"
                  + (": at t = 1 it is η itself." if t == 1 else "."))


def _accumulator_step(g: Graph, t: int, method: str, prev: Node, gt: Node, beta: Node | None) -> Node:
    sq: Expr = E.Pow(gt.sym, Num(2))
    if method == "adagrad":
        formula: Expr = E.Add((prev.sym, sq))
        inputs = [prev, gt]

        def rule(rv: Any, gv: Any) -> Any:
            return _out(_arr(rv) + _arr(gv) ** 2)

        def lines(rv: float, gv: float) -> list[Expr]:
            out: list[Expr] = [E.Add((Num(rv), E.Pow(Num(gv), Num(2))))]
            if rv != 0:
                out.append(E.Add((Num(rv), Num(gv * gv))))
            return out

        title = f"Iteration {t}: accumulated squared gradients r_{t}"
        why = ("The running sum of every squared gradient so far: it only grows, so the step size only shrinks."
               if t > 1 else "r_0 = 0, so r_1 is g_1² alone.")
    else:
        assert beta is not None
        formula = E.Add((E.Mul((beta.sym, prev.sym)), E.Mul((E.Add((Num(1), E.Neg(beta.sym))), sq))))
        inputs = [prev, gt, beta]

        def rule(rv: Any, gv: Any, b: float) -> Any:  # type: ignore[misc]
            return _out(b * _arr(rv) + (1 - b) * _arr(gv) ** 2)

        def lines(rv: float, gv: float, b: float) -> list[Expr]:  # type: ignore[misc]
            out: list[Expr] = [E.Add((_times(b, rv), E.Mul((Num(1 - b), E.Pow(Num(gv), Num(2))))))]
            if b * rv != 0:
                out.append(E.Add((Num(b * rv), Num((1 - b) * gv * gv))))
            return out

        title = f"Iteration {t}: moving average of squared gradients r_{t}"
        why = ("A moving average of g²: β of the old average plus 1 - β of the new square, so old gradients "
               "fade and the step size does not decay to zero as in AdaGrad." if t > 1 else
               "r_0 = 0, so r_1 is only (1 - β)·g_1²: √r_1 = √(1 - β)·|g_1|, and without a bias correction "
               "the first step is η/√(1 - β) in size, larger than η.")
    vec = np.ndim(g.values[gt.key]) > 0
    return g.step(f"r_{t}", title, _t_sym("r", t), formula, inputs, rule, _show(lines, elementwise=True),
                  why + (" Entry by entry." if vec else ""))


def _adaptive_rate_step(g: Graph, t: int, method: str, r: Node, lr: Node, eps: Node, inside: bool) -> Node:
    def rule(rv: Any, lrv: float, e: float) -> Any:
        return _rate(rv, lrv, e, inside, t)

    def lines(rv: float, lrv: float, e: float) -> list[Expr]:
        first = E.Div(Num(lrv), _root_den(Num(rv), Num(e), inside))
        den = math.sqrt(rv + e) if inside else math.sqrt(rv) + e
        return [first, E.Div(Num(lrv), Num(den))]

    def explain(rv: Any, lrv: float, e: float, value: Any) -> str:
        base = ("η divided by the root of " + ("all the squared gradients so far" if method == "adagrad"
                                                 else "the moving average of g²")
                + ": where gradients have been large the step size is small, and the other way round.")
        if t == 1 and method == "adagrad":
            with np.errstate(all="ignore"):
                size = _arr(value) * np.sqrt(_arr(rv))  # |η_1·g_1|, since √r_1 = |g_1|
            if np.all(np.abs(size - lrv) <= 0.01 * lrv):
                base += (" At t = 1, √r_1 = |g_1|, so the first step η_1·g_1 is η in size, whatever the size of "
                         "the gradient.")
            else:
                base += (" At t = 1, √r_1 = |g_1|; here |g_1| is not much larger than ε, so ε makes the first "
                         "step smaller than η.")
        return base

    return g.step(f"eta_{t}", f"Iteration {t}: effective learning rate η_{t}", _t_sym("eta", t),
                  E.Div(lr.sym, _root_den(r.sym, eps.sym, inside)), [r, lr, eps], rule,
                  _show(lines, elementwise=True), explain)


def _rate_delta_step(g: Graph, t: int, rate: Node, gt: Node) -> Node:
    def rule(rv: Any, gv: Any) -> Any:
        return _out(_arr(rv) * _arr(gv))

    return g.step(f"delta_{t}", f"Iteration {t}: size of the update (the notes' Δw_{t})", _t_sym("delta", t),
                  E.Mul((rate.sym, gt.sym)), [rate, gt], rule,
                  _show(lambda rv, gv: [_times(rv, gv)], elementwise=True),
                  "What is subtracted from θ at this iteration.", hidden=True)


def _rate_theta_step(g: Graph, t: int, prev: Node, rate: Node, gt: Node, method: str) -> Node:
    def rule(th: Any, rv: Any, gv: Any) -> Any:
        return _out(_arr(th) - _arr(rv) * _arr(gv))

    def lines(th: float, rv: float, gv: float) -> list[Expr]:
        return [E.Add((Num(th), E.Neg(_times(rv, gv)))), _minus(th, rv * gv)]

    why = ("A gradient step with this iteration's decayed rate." if method == "decayed" else
           "A gradient step with this iteration's effective rate η_t, which the gradient history has set.")
    return g.step(f"theta_{t}", f"Iteration {t}: update θ_{t}", _t_sym("theta", t),
                  E.Add((prev.sym, E.Neg(E.Mul((rate.sym, gt.sym))))), [prev, rate, gt], rule,
                  _show(lines, elementwise=True), why)


# -- momentum -------------------------------------------------------------------------------------------------------
def _momentum_state_step(g: Graph, t: int, form: str, prev: Node, gt: Node, beta: Node, lr: Node) -> Node:
    if form == "pytorch":
        formula: Expr = E.Add((E.Mul((beta.sym, prev.sym)), gt.sym))
        inputs = [prev, gt, beta]

        def rule(pv: Any, gv: Any, b: float) -> Any:
            return _out(b * _arr(pv) + _arr(gv))

        def lines(pv: float, gv: float, b: float) -> list[Expr]:
            out: list[Expr] = [E.Add((_times(b, pv), Num(gv)))]
            if b * pv != 0:
                out.append(E.Add((Num(b * pv), Num(gv))))
            return out

        key, title = "buf", f"Iteration {t}: momentum buffer buf_{t}"
        why = ("β times the old buffer plus the raw gradient; the learning rate is applied in the update."
               if t > 1 else "buf_0 = 0, so buf_1 is g_1 itself (PyTorch sets buf_1 = g_1 directly).")
    else:
        sign = 1.0 if form == "velocity" else -1.0
        step: Expr = E.Mul((lr.sym, gt.sym))
        formula = E.Add((E.Mul((beta.sym, prev.sym)), step if sign > 0 else E.Neg(step)))
        inputs = [prev, gt, beta, lr]

        def rule(pv: Any, gv: Any, b: float, lrv: float) -> Any:  # type: ignore[misc]
            return _out(b * _arr(pv) + sign * lrv * _arr(gv))

        def lines(pv: float, gv: float, b: float, lrv: float) -> list[Expr]:  # type: ignore[misc]
            s = _times(lrv, gv)
            out: list[Expr] = [E.Add((_times(b, pv), s if sign > 0 else E.Neg(s)))]
            if b * pv != 0:
                out.append(E.Add((Num(b * pv), Num(sign * lrv * gv))))
            return out

        key, title = "v", f"Iteration {t}: velocity v_{t}"
        if t == 1:
            why = ("v_0 = 0, so the first velocity is " + ("η·g_1" if sign > 0 else "-η·g_1")
                   + ", a plain gradient step.")
        else:
            why = ("β of the previous velocity carried over, plus this iteration's gradient step: steps build up "
                   "where successive gradients agree and cancel where they flip sign.")
    vec = np.ndim(g.values[gt.key]) > 0
    return g.step(f"{key}_{t}", title, _t_sym(key, t), formula, inputs, rule, _show(lines, elementwise=True),
                  why + (" Entry by entry." if vec else ""))


def _momentum_delta_step(g: Graph, t: int, form: str, state: Node, lr: Node) -> Node:
    if form == "pytorch":
        formula: Expr = E.Mul((lr.sym, state.sym))
        inputs = [lr, state]

        def rule(lrv: float, bv: Any) -> Any:
            return _out(lrv * _arr(bv))
    else:
        sign = 1.0 if form == "velocity" else -1.0
        formula = state.sym if sign > 0 else E.Neg(state.sym)
        inputs = [state]

        def rule(vv: Any) -> Any:  # type: ignore[misc]
            return _out(sign * _arr(vv))

    return g.step(f"delta_{t}", f"Iteration {t}: size of the update", _t_sym("delta", t), formula, inputs, rule,
                  explain="What is subtracted from θ at this iteration.", hidden=True)


def _momentum_theta_step(g: Graph, t: int, form: str, prev: Node, state: Node, lr: Node) -> Node:
    lines: Callable[..., list[Expr]]
    if form == "pytorch":
        formula: Expr = E.Add((prev.sym, E.Neg(E.Mul((lr.sym, state.sym)))))
        inputs = [prev, lr, state]

        def rule(th: Any, lrv: float, bv: Any) -> Any:
            return _out(_arr(th) - lrv * _arr(bv))

        def lines(th: float, lrv: float, bv: float) -> list[Expr]:
            return [E.Add((Num(th), E.Neg(_times(lrv, bv)))), _minus(th, lrv * bv)]

        why = "θ moves against the buffer, scaled by η."
    else:
        sign = 1.0 if form == "velocity" else -1.0
        formula = E.Add((prev.sym, E.Neg(state.sym) if sign > 0 else state.sym))
        inputs = [prev, state]

        def rule(th: Any, vv: Any) -> Any:  # type: ignore[misc]
            return _out(_arr(th) - sign * _arr(vv))

        def lines(th: float, vv: float) -> list[Expr]:  # type: ignore[misc]
            return [_minus(th, vv) if sign > 0 else E.Add((Num(th), Num(vv)))]

        why = ("The velocity is the whole step: " + ("θ_t = θ_{t-1} - v_t." if sign > 0 else
                                                    "θ_t = θ_{t-1} + v_t, v_t already pointing downhill."))
    return g.step(f"theta_{t}", f"Iteration {t}: update θ_{t}", _t_sym("theta", t), formula, inputs, rule,
                  _show(lines, elementwise=True), why)


# -- the catalogue of mistakes (tutor check / tutor quiz name them when a student's number matches) -------------
def _method(solution: Any) -> str:
    """Which optimiser a solution worked, read from its steps (a mistake's `applies` sees only the solution)."""
    steps = solution.steps
    if "r_1" in steps:
        return "rmsprop" if "beta" in solution.givens else "adagrad"
    if "v_1" in steps or "buf_1" in steps:
        return "momentum"
    return "sgd_decayed" if "eta_1" in steps else "sgd"


def _rmsprop_without_share(v: Mapping[str, Any], t: int) -> Any:
    prev = v["r_0" if t == 1 else f"r_{t - 1}"]
    return _out(float(v["beta"]) * _arr(prev) + _arr(v[f"g_{t}"]) ** 2)


mistakes(
    "optimizer",
    Mistake("η/√t instead of AdaGrad's η/√(g₁² + … + g_t²)",
            "AdaGrad divides η by the root of the sum of every squared gradient so far, r_t = r_{t−1} + g_t²; "
            "η/√t shrinks with the iteration count alone, whatever the gradients (a schedule for plain gradient "
            "descent, which is what the notes' working of the AdaGrad exercise does).",
            params=lambda p: {"method": "sgd", "lr_decay": "inverse_sqrt"},
            applies=lambda s: _method(s) == "adagrad"),
    Mistake("RMSProp without the (1 − β) on g²",
            "RMSProp keeps a moving average, r_t = β·r_{t−1} + (1 − β)·g_t²: the new square gets the share 1 − β. "
            "Adding all of g_t² makes r a decayed sum, larger than the average, and the steps too small.",
            rules=NumberedRules({"r": _rmsprop_without_share}),
            applies=lambda s: _method(s) == "rmsprop"),
    Mistake("momentum step taken uphill (the sign of v mixed up)",
            "With v_t = β·v_{t−1} + η·g_t (the notes' worked example) the update is θ_t = θ_{t−1} − v_t; the "
            "chapter's θ_t = θ_{t−1} + v_t belongs with v_t = β·v_{t−1} − η·g_t, whose sign is the opposite. "
            "Mixing the two moves θ with the gradient, uphill.",
            rules=NumberedRules({"theta": lambda v, t: _out(_arr(v[_before(t)]) + _arr(v[f"delta_{t}"]))}),
            applies=lambda s: _method(s) == "momentum"),
    Mistake("decayed rate η/t instead of η/√t",
            "The schedule divides η by the square root of the iteration number, η_t = η/√t (0.1, 0.0707, 0.0577 "
            "for η = 0.1); η/t decays much faster.",
            rules=NumberedRules({"eta": lambda v, t: float(v["lr"]) / t}),
            applies=lambda s: _method(s) == "sgd_decayed"),
)
