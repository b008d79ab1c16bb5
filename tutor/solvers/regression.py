"""Regression by gradient descent: linear regression (batch, stochastic or mini-batch, epoch by epoch) and one
step of logistic regression (sigmoid output, binary cross-entropy, its gradient and the update).

Step keys of `linear_regression_gd`, for epoch k and update j within it (j = 1 for batch gradient descent; the
example's number for stochastic; the batch's number for mini-batch):

    loss_e0           the loss on the whole dataset before training
    yhat_e{k}_{j}     predictions ŷ = w·x + b for the examples of the update's batch
    dL_dw_e{k}_{j}    ∂L/∂w over that batch        dL_db_e{k}_{j}   ∂L/∂b (with a bias)
    w_e{k}_{j}        w − η ∂L/∂w                  b_e{k}_{j}       b − η ∂L/∂b
    loss_e{k}         the loss on the whole dataset after epoch k
    w_final, b_final, loss_final   the last of these (b_final is 0 for a model without a bias)
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from tutor.engine import expr as E
from tutor.engine.expr import Expr, Num, Sym
from tutor.engine.ops import EXPAND_MAX_ELEMENTS, EXPAND_MAX_TERMS, Graph, Node
from tutor.errors import TutorError
from tutor.mistakes import Mistake, mistakes
from tutor.params import Param, Params, to_series
from tutor.registry import solver
from tutor.solvers import shape_text

MAX_EPOCHS = 100
MAX_UPDATES = 500
MODES = ("batch", "stochastic", "mini-batch")
MSE_CONVENTIONS = ("mean", "half_mean", "sum", "half_sum")

# convention → the loss over the whole dataset of n examples, as text and as LaTeX
_MSE_N = {
    "mean": ("(1/n) Σᵢ (yᵢ - ŷᵢ)²", r"\frac{1}{n}\sum_i (y_i - \hat{y}_i)^2"),
    "half_mean": ("1/(2n) Σᵢ (yᵢ - ŷᵢ)²", r"\frac{1}{2n}\sum_i (y_i - \hat{y}_i)^2"),
    "sum": ("Σᵢ (yᵢ - ŷᵢ)²", r"\sum_i (y_i - \hat{y}_i)^2"),
    "half_sum": ("½ Σᵢ (yᵢ - ŷᵢ)²", r"\frac{1}{2}\sum_i (y_i - \hat{y}_i)^2"),
}


def _grad_lead(conv: str, m: int) -> tuple[str, str]:
    """The factor in front of Σ(ŷᵢ - yᵢ)·(...) in the gradient formula, as text and LaTeX: (2/m), (1/m), 2 or
    nothing; for one example (stochastic) the 1/m is 1 and is not written."""
    two = conv in ("mean", "sum")
    if conv in ("mean", "half_mean") and m > 1:
        return (f"({2 if two else 1}/m) ", rf"\frac{{{2 if two else 1}}}{{m}}")
    return ("2", "2") if two else ("", "")


def _loss_denominator(conv: str, m: int) -> int:
    """L = Σ(y - ŷ)² / this."""
    return {"mean": m, "half_mean": 2 * m, "sum": 1, "half_sum": 2}[conv]


def _grad_factor(conv: str, m: int) -> tuple[int, int]:
    """∂L/∂ŷᵢ = (num/den)(ŷᵢ - yᵢ): the 2 of the square, over m for a mean, halved by a ½."""
    return {"mean": (2, m), "half_mean": (1, m), "sum": (2, 1), "half_sum": (1, 1)}[conv]


def _fraction(num: int, den: int) -> Expr | None:
    """2/3, 1/2, 2 or nothing at all for 1: how the factor in front of a sum is written."""
    g = math.gcd(num, den)
    num, den = num // g, den // g
    if den == 1:
        return None if num == 1 else Num(num)
    return E.Div(Num(num), Num(den))


def _times(factor: Expr | None, body: Expr) -> Expr:
    """factor·(a + b + …); a sum of one term is not bracketed twice, a product is extended."""
    if isinstance(body, E.Add) and len(body.terms) == 1:
        body = body.terms[0]
    if factor is None:
        return body
    if isinstance(body, E.Mul) and body.op == "·":
        return E.Mul((factor, *body.factors), "·")
    return E.Mul((factor, body if isinstance(body, E.Paren) else E.Paren(body)), "·")


def _n(v: Any) -> str:
    f = float(v)
    return f"{f:.6g}" if math.isfinite(f) else str(f)


def _sub(i: int) -> str:
    return str(i).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


# -- linear regression ----------------------------------------------------------------------------------------------
LINEAR_PARAMS = [
    Param("x", "structure", "the inputs: one number per example (ŷ = w x + b), or one list per example for a "
                            "weight vector (ŷ = w·x + b), e.g. [1, 2, 3] or [[1, 0], [2, 1]]"),
    Param("y", "vector", "the targets, one per example"),
    Param("w0", "number|vector", "initial weight (a list, one per input, for vector inputs; default 0)",
          default=None),
    Param("b0", "number", "initial bias", default=0.0),
    Param("bias", "choice", "whether the model has a bias b (false: ŷ = w x, and b0 is not used)", default=True,
          choices=(True, False)),
    Param("eta", "number", "learning rate η"),
    Param("epochs", "integer", f"number of epochs, passes over the data (1 to {MAX_EPOCHS})", default=1),
    Param("mode", "choice", "batch: one update per epoch from all examples; stochastic: one update per example; "
                            "mini-batch: one per batch of batch_size examples", default="batch", choices=MODES),
    Param("batch_size", "integer", "examples per mini-batch, taken in order (mode mini-batch only)", default=None),
    Param("loss", "choice", "the MSE convention over the m examples of a batch: mean (1/m)Σ(y - ŷ)², half_mean "
                            "1/(2m)Σ, sum Σ, half_sum ½Σ; PyTorch's MSELoss is mean", default="mean",
          choices=MSE_CONVENTIONS),
]


def _linear_inputs(p: Params) -> tuple[np.ndarray, bool, np.ndarray, Any]:
    """X (n × d), whether x is one number per example, y, and w0 (a number, or a vector of d)."""
    raw = p["x"]
    X = to_series(raw, "x")
    scalar = X.ndim == 1
    X2 = X.reshape(-1, 1) if scalar else X
    n, d = X2.shape
    Y = p["y"]
    if len(Y) != n:
        raise TutorError(f"has {len(Y)} targets but x has {n} examples: one target per example", field="y")
    w0 = p.get("w0")
    if w0 is None:
        w0 = 0.0 if scalar else np.zeros(d)
    elif scalar:
        if np.ndim(w0) == 1:
            if len(w0) != 1:
                raise TutorError(f"has {shape_text(w0)} entries, but each x is a single number, so there is one "
                                 "weight", field="w0")
            w0 = float(w0[0])
        w0 = float(w0)
    else:
        if np.ndim(w0) == 0:
            if d != 1:
                raise TutorError(f"is a single number, but each x has {d} entries: give one weight per entry, "
                                 "as a list", field="w0")
            w0 = np.array([float(w0)])
        if len(w0) != d:
            raise TutorError(f"has {len(w0)} entries but each x has {d}: one weight per input", field="w0")
        w0 = np.asarray(w0, float)
    return X2, scalar, np.asarray(Y, float), w0


def _batches(p: Params, n: int) -> list[list[int]]:
    mode, size = p["mode"], p.get("batch_size")
    if mode == "mini-batch":
        if size is None:
            raise TutorError(f"mode mini-batch needs batch_size (1 to {n}): how many examples per update",
                             field="batch_size")
        if not 1 <= size <= n:
            raise TutorError(f"must be from 1 to the number of examples, {n}; got {size}", field="batch_size")
        return [list(range(s, min(s + size, n))) for s in range(0, n, size)]
    if size is not None:
        raise TutorError(f"is only used with mode mini-batch (mode is {mode})", field="batch_size")
    if mode == "stochastic":
        return [[i] for i in range(n)]
    return [list(range(n))]


def _rows(Xv: Any) -> np.ndarray:
    """The inputs as n × d: a list of numbers is n examples of one input each."""
    X = np.asarray(Xv, float)
    return X.reshape(-1, 1) if X.ndim <= 1 else X


def _predict(Xv: Any, w: Any, b: Any, idx: Sequence[int] | None = None) -> np.ndarray:
    X = _rows(Xv)
    if idx is not None:
        X = X[list(idx)]
    return X @ np.atleast_1d(np.asarray(w, float)) + float(b)


def _mse(Xv: Any, Yv: Any, w: Any, b: Any, conv: str) -> float:
    Y = np.asarray(Yv, float).reshape(-1)
    r = Y - _predict(Xv, w, b)
    return float(np.sum(r * r) / _loss_denominator(conv, Y.size))


def _out(v: np.ndarray, scalar: bool) -> Any:
    return float(v.reshape(-1)[0]) if scalar else v


@solver("linear_regression_gd", title="Linear regression by gradient descent (batch, stochastic, mini-batch)",
        topic="regression", params=LINEAR_PARAMS, answer=["w_final", "b_final", "loss_final"])
def linear_regression_gd(p: Params, g: Graph) -> None:
    """ŷ = w·x + b; L = (1/m)Σ(y - ŷ)² (or 1/(2m)Σ, Σ, ½Σ: parameter loss) over a batch of m examples;
    ∂L/∂w = (2/m)Σ(ŷ - y)x and ∂L/∂b = (2/m)Σ(ŷ - y) (no 2 with a ½); w ← w - η∂L/∂w, b ← b - η∂L/∂b, once per
    epoch (batch), per example (stochastic) or per batch (mini-batch). Steps yhat_e{k}_{j}, dL_dw_e{k}_{j},
    dL_db_e{k}_{j}, w_e{k}_{j}, b_e{k}_{j} for update j of epoch k; loss_e0 and loss_e{k}, the loss on the whole
    dataset before training and after each epoch."""
    X, scalar, Y, w0 = _linear_inputs(p)
    n = X.shape[0]
    has_b, conv, eta, epochs, mode = p["bias"], p["loss"], float(p["eta"]), p["epochs"], p["mode"]
    if not eta > 0:
        raise TutorError(f"the learning rate must be positive, got {eta:g}", field="eta")
    if not 1 <= epochs <= MAX_EPOCHS:
        raise TutorError(f"must be from 1 to {MAX_EPOCHS}, got {epochs}", field="epochs")
    if not has_b and "b0" in p.given and float(p["b0"]) != 0:
        raise TutorError("is given, but bias is false (the model ŷ = w x has no bias); leave b0 out or set bias "
                         "true", field="b0")
    batches = _batches(p, n)
    if epochs * len(batches) > MAX_UPDATES:
        raise TutorError(f"{epochs} epochs of {len(batches)} updates is {epochs * len(batches)} updates; at most "
                         f"{MAX_UPDATES} are worked out", field="epochs")

    xn = g.given("x", X[:, 0] if scalar else X, Sym("x") if scalar else Sym("X"),
                 "the inputs, one per example" if scalar else "the inputs, one row per example")
    yn = g.given("y", Y, Sym("y"), "the targets")
    wn = g.given("w0", w0, Sym("w₀", "w_0"), "initial weight" + ("" if scalar else "s"))
    bn = g.given("b0", float(p["b0"]), Sym("b₀", "b_0"), "initial bias") if has_b else None
    en = g.given("eta", eta, Sym("η", r"\eta"), "learning rate")
    lin = _Linear(g, conv, scalar, n, xn, yn, en)

    loss = lin.loss("loss_e0", "Loss on the whole dataset before training", wn, bn, None, 0)
    w, b = wn, bn
    unit = {"batch": None, "stochastic": "example", "mini-batch": "batch"}[mode]
    t = 0
    for k in range(1, epochs + 1):
        for j, idx in enumerate(batches, 1):
            t += 1
            where = f"Epoch {k}"
            if unit == "example":
                where += f", example {j}"
            elif unit == "batch":
                where += f", batch {j} " + (f"(examples {idx[0] + 1}–{idx[-1] + 1})" if len(idx) > 1
                                             else f"(example {idx[0] + 1})")
            w, b = lin.update(f"e{k}_{j}", where, t, idx, w, b)
        loss = lin.loss(f"loss_e{k}", f"Loss on the whole dataset after epoch {k}", w, b, loss, k)

    g.step("w_final", "Final weight" + ("" if scalar else "s"), Sym("w"), w.sym, [w],
           lambda v: float(v) if np.ndim(v) == 0 else np.asarray(v, float).copy(),
           explain=f"w after {epochs} epoch{'s' if epochs > 1 else ''}.", hidden=True)
    if b is not None:
        g.step("b_final", "Final bias", Sym("b"), b.sym, [b], lambda v: float(v),
               explain=f"b after {epochs} epoch{'s' if epochs > 1 else ''}.", hidden=True)
    else:
        g.step("b_final", "Final bias (the model has none)", Sym("b"), Num(0), [], lambda: 0.0,
               explain=f"The model ŷ = {lin.wdot} has no bias.", hidden=True)
    g.step("loss_final", "Final loss", Sym("L"), loss.sym, [loss], lambda v: float(v),
           explain="The loss on the whole dataset after the last epoch.", hidden=True)
    _linear_conventions(g, conv, mode, batches, n, has_b, lin.wdot)


class _Linear:
    """The steps of linear regression by gradient descent: the loss on the whole dataset, and one update."""

    def __init__(self, g: Graph, conv: str, scalar: bool, n: int, xn: Node, yn: Node, en: Node) -> None:
        self.g, self.conv, self.scalar, self.n = g, conv, scalar, n
        self.xn, self.yn, self.en = xn, yn, en
        self.wdot = "w x" if scalar else "w·x"

    def loss(self, key: str, title: str, w: Node, b: Node | None, prev: Node | None, k: int) -> Node:
        """L on all n examples with this w (and b); `prev`, the loss before, only for the explanation."""
        conv, n, has_b = self.conv, self.n, b is not None
        ins = [self.xn, self.yn, w] + ([b] if b is not None else []) + ([prev] if prev is not None else [])

        def parts(vals: Sequence[Any]) -> tuple[Any, Any, Any, float]:
            return vals[0], vals[1], vals[2], float(vals[3]) if has_b else 0.0

        def rule(*vals: Any) -> float:
            return _mse(*parts(vals), conv)

        def show(*vals: Any) -> list[Expr]:
            Xv, Yv, wv, bv = parts(vals)
            Ya = np.asarray(Yv, float).reshape(-1)
            pred = _predict(Xv, wv, bv)
            if Ya.size > EXPAND_MAX_TERMS:
                return []
            factor = _fraction(1, _loss_denominator(conv, Ya.size))
            sq = E.Add(tuple(E.Pow(E.Paren(E.Add((Num(yv), E.Neg(Num(pv))))), Num(2)) for yv, pv in zip(Ya, pred)))
            sq2 = E.Add(tuple(E.Pow(_paren_num(yv - pv), Num(2)) for yv, pv in zip(Ya, pred)))
            return [_times(factor, sq), _times(factor, sq2)]

        def explain(*vals: Any) -> str:
            value = vals[-1]
            if prev is None:
                return (f"The loss on all {n} examples with the starting weights: the number training should "
                        "bring down.")
            before = float(vals[-2])
            trend = "down" if value < before else "up" if value > before else "unchanged"
            extra = " A rising loss means the steps overshoot: η is too large for this data." if value > before \
                else ""
            return f"The loss on all {n} examples after epoch {k}: {trend} from {_n(before)} to {_n(value)}.{extra}"

        args = f"{w.sym.text}, {b.sym.text}" if b is not None else w.sym.text
        targs = f"{w.sym.tex}, {b.sym.tex}" if b is not None else w.sym.tex
        return self.g.step(key, title, Sym(f"L({args})", f"L({targs})"), E.Text(*_MSE_N[conv]), ins, rule, show,
                           explain)

    def update(self, key: str, where: str, t: int, idx: list[int], w: Node, b: Node | None
               ) -> tuple[Node, Node | None]:
        """Predictions on the batch `idx`, the gradients, and w (and b) after the update: w_t from w_{t-1}."""
        g, conv, scalar, xn, yn, en = self.g, self.conv, self.scalar, self.xn, self.yn, self.en
        m = len(idx)
        single = m == 1
        gnum, gden = _grad_factor(conv, m)
        factor, f = _fraction(gnum, gden), gnum / gden
        lead, lead_tex = _grad_lead(conv, m)
        sigma, sigma_tex = ("Σᵢ ", r"\sum_i ") if m > 1 else ("", "")

        def yhat_rule(Xv: Any, wv: Any, *bv: Any) -> Any:
            return _out(_predict(Xv, wv, bv[0] if bv else 0.0, idx), single)

        def yhat_show(Xv: Any, wv: Any, *bv: Any) -> list[Expr]:
            Xa, wa = _rows(Xv)[idx], np.atleast_1d(np.asarray(wv, float))
            if Xa.shape[0] > EXPAND_MAX_ELEMENTS or wa.size > EXPAND_MAX_TERMS:
                return []
            rows = [E.Add(tuple(E.mul(wa[c], x[c]) for c in range(wa.size)) + ((Num(float(bv[0])),) if bv else ()))
                    for x in Xa]
            return [rows[0] if single else E.Matrix.column(rows)]

        which = f"example {idx[0] + 1}" if single else f"the {m} examples of this update"
        yh = g.step(f"yhat_{key}", f"{where}: prediction{'' if single else 's'}", Sym("ŷ", r"\hat{y}"),
                    E.Add((E.Mul((w.sym, Sym("x")), "" if scalar else "·"),) + ((b.sym,) if b is not None else ())),
                    [xn, w] + ([b] if b is not None else []), yhat_rule, yhat_show,
                    f"The model's prediction{'' if single else 's'} for {which}, with the weights as they stand.")

        def dw_rule(Xv: Any, Yv: Any, yhat: Any) -> Any:
            r = np.atleast_1d(np.asarray(yhat, float)) - np.asarray(Yv, float).reshape(-1)[idx]
            return _out(f * (r @ _rows(Xv)[idx]), scalar)

        def dw_show(Xv: Any, Yv: Any, yhat: Any) -> list[Expr]:
            Xa, ya = _rows(Xv)[idx], np.asarray(Yv, float).reshape(-1)[idx]
            pa = np.atleast_1d(np.asarray(yhat, float))
            if m > EXPAND_MAX_TERMS or Xa.shape[1] > EXPAND_MAX_ELEMENTS:
                return []

            def comp(c: int) -> Expr:
                return _times(factor, E.Add(tuple(E.Mul((E.Paren(E.Add((Num(pv), E.Neg(Num(yv))))), Num(x[c])), "·")
                                                  for pv, yv, x in zip(pa, ya, Xa))))

            return [comp(0)] if scalar else [E.Matrix.column(comp(c) for c in range(Xa.shape[1]))]

        dw = g.step(f"dL_dw_{key}", f"{where}: gradient with respect to w",
                    Sym("∂L/∂w", r"\frac{\partial L}{\partial w}"),
                    E.Text(f"{lead}{sigma}(ŷᵢ - yᵢ) xᵢ", rf"{lead_tex}{sigma_tex}(\hat{{y}}_i - y_i)\, x_i"),
                    [xn, yn, yh], dw_rule, dw_show, _dw_explain(m))

        db: Node | None = None
        if b is not None:
            def db_rule(Yv: Any, yhat: Any) -> float:
                r = np.atleast_1d(np.asarray(yhat, float)) - np.asarray(Yv, float).reshape(-1)[idx]
                return float(f * np.sum(r))

            def db_show(Yv: Any, yhat: Any) -> list[Expr]:
                ya, pa = np.asarray(Yv, float).reshape(-1)[idx], np.atleast_1d(np.asarray(yhat, float))
                if m > EXPAND_MAX_TERMS:
                    return []
                errs = tuple(E.Paren(E.Add((Num(pv), E.Neg(Num(yv))))) for pv, yv in zip(pa, ya))
                return [_times(factor, E.Add(errs))]

            db = g.step(f"dL_db_{key}", f"{where}: gradient with respect to b",
                        Sym("∂L/∂b", r"\frac{\partial L}{\partial b}"),
                        E.Text(f"{lead}{sigma}(ŷᵢ - yᵢ)", rf"{lead_tex}{sigma_tex}(\hat{{y}}_i - y_i)"),
                        [yn, yh], db_rule, db_show, "The same sum without the x's: b is the weight of a constant "
                                                    "input 1.")

        def upd(v: Any, lr: Any, grad: Any) -> Any:
            out = np.asarray(v, float) - float(lr) * np.asarray(grad, float)
            return float(out) if out.ndim == 0 else out

        def upd_show(v: Any, lr: Any, grad: Any) -> list[Expr]:
            return [E.Add((Num(v), E.Neg(E.Mul((Num(float(lr)), _paren_num(grad)), "·"))))]

        w2 = g.step(f"w_{key}", f"{where}: update w", Sym(f"w{_sub(t)}", f"w_{{{t}}}"),
                    E.Add((w.sym, E.Neg(E.Mul((en.sym, dw.sym), "·")))), [w, en, dw], upd, upd_show,
                    "A step against the gradient, η times its size: downhill on the loss.")
        b2: Node | None = None
        if b is not None and db is not None:
            b2 = g.step(f"b_{key}", f"{where}: update b", Sym(f"b{_sub(t)}", f"b_{{{t}}}"),
                        E.Add((b.sym, E.Neg(E.Mul((en.sym, db.sym), "·")))), [b, en, db], upd, upd_show,
                        "The same step for the bias.")
        return w2, b2


def _paren_num(v: Any) -> Expr:
    a = np.asarray(v, float)
    if a.ndim == 0 and float(a) < 0:
        return E.Paren(Num(float(a)))
    return Num(float(a) if a.ndim == 0 else a)


def _dw_explain(m: int) -> Callable[..., str]:
    def explain(Xv: Any, Yv: Any, yhat: Any, grad: Any) -> str:
        over = "this one example" if m == 1 else f"the {m} examples of this update"
        gv = np.asarray(grad, float)
        if gv.ndim == 0:
            direction = ("negative: the loss falls as w grows, so the update raises w" if gv < 0 else
                         "positive: the loss grows with w, so the update lowers w" if gv > 0 else
                         "zero: w stays where it is")
            return f"Each error ŷ - y times its input, over {over}; the gradient is {direction}."
        return f"Each error ŷ - y times its input vector, over {over}: one entry per weight."
    return explain


def _linear_conventions(g: Graph, conv: str, mode: str, batches: list[list[int]], n: int, has_b: bool,
                        wdot: str) -> None:
    written = {"mean": "L = (1/m) Σ (y - ŷ)², the mean without ½",
               "half_mean": "L = 1/(2m) Σ (y - ŷ)², the mean with a ½",
               "sum": "L = Σ (y - ŷ)², the sum without ½",
               "half_sum": "L = ½ Σ (y - ŷ)², the sum with a ½"}[conv]
    factor = {"mean": "∂L/∂ŷᵢ = (2/m)(ŷᵢ - yᵢ)", "half_mean": "the ½ cancels the 2 of the square: ∂L/∂ŷᵢ = "
              "(1/m)(ŷᵢ - yᵢ)", "sum": "∂L/∂ŷᵢ = 2(ŷᵢ - yᵢ)", "half_sum": "the ½ cancels the 2: ∂L/∂ŷᵢ = ŷᵢ - yᵢ"}[conv]
    torch = {"mean": "torch.nn.MSELoss() is exactly this (reduction='mean', no ½).",
             "half_mean": "torch.nn.MSELoss() is the mean without ½, so its loss and gradients are twice these.",
             "sum": "torch.nn.MSELoss(reduction='sum') is exactly this; the default MSELoss() is the mean "
                    "without ½.",
             "half_sum": "torch.nn.MSELoss(reduction='sum') is the sum without ½, twice this; the default "
                         "MSELoss() is the mean without ½."}[conv]
    g.conventions.append(f"MSE convention: {written}, over the m examples of a batch ({factor}). The notes use "
                         f"(1/n)Σ, ½(y - ŷ)² and 1/(2m)Σ in different places; {torch}")
    if mode == "batch":
        how = f"Batch gradient descent: one update per epoch, from the gradient over all {n} examples (m = {n})."
    elif mode == "stochastic":
        how = ("Stochastic gradient descent: one update per example, in the order given (no shuffling); each "
               "update's loss is the convention's loss of that one example (m = 1).")
    else:
        sizes = ", ".join(str(len(b)) for b in batches)
        how = (f"Mini-batch gradient descent: consecutive batches in the order given (sizes {sizes}); each batch's "
               "loss averages (or sums) over its own m examples. In PyTorch: DataLoader(shuffle=False, "
               "drop_last=False).")
    g.conventions.append(how + " The loss before and after each epoch is the same convention over the whole "
                               f"dataset (m = {n}).")
    if not has_b:
        g.conventions.append(f"No bias: the model is ŷ = {wdot} and only w is trained.")


# -- logistic regression --------------------------------------------------------------------------------------------
LOGISTIC_PARAMS = [
    Param("X", "matrix", "the examples, one row each (a flat list is a single example)"),
    Param("y", "number|vector", "the labels, one per example: 0 or 1 (any value in [0, 1], as BCELoss allows)"),
    Param("theta", "vector", "the parameters θ; with intercept true, θ₀ (the bias) comes first"),
    Param("intercept", "choice", "true: put x₀ = 1 in front of every example, so θ₀ is the bias and θ has one "
                                 "more entry than a row of X (the notes' x = [1, x₁, …, xₙ]); false: use X as "
                                 "given", default=True, choices=(True, False)),
    Param("eta", "number", "learning rate η"),
    Param("reduction", "choice", "mean: the loss and its gradient averaged over the m examples (PyTorch's "
                                 "default, the chapter's 1/N); sum: summed (the derivation in file 002)",
          default="mean", choices=("mean", "sum")),
]


def _bce(Yv: Any, h: Any, reduction: str) -> float:
    """-Σ[y ln h + (1 - y) ln(1 - h)], or its mean; a term whose weight is 0 contributes 0 (never 0·∞)."""
    y = np.asarray(Yv, float).reshape(-1)
    ha = np.atleast_1d(np.asarray(h, float))
    total = 0.0
    with np.errstate(divide="ignore"):
        for yi, hi in zip(y, ha):
            if yi != 0:
                total += yi * float(np.log(hi))
            if yi != 1:
                total += (1 - yi) * float(np.log1p(-hi))
    loss = -total
    return loss / y.size if reduction == "mean" else loss


def _sigmoid(z: Any) -> np.ndarray:
    from tutor.engine.ops import sigmoid

    return np.atleast_1d(np.asarray(sigmoid(np.asarray(z, float)), float))


@solver("logistic_regression", title="Logistic regression: sigmoid output, cross-entropy, gradient, one update",
        topic="regression", params=LOGISTIC_PARAMS, answer=["h", "loss", "dL_dtheta", "theta_new"])
def logistic_regression(p: Params, g: Graph) -> None:
    """z = θᵀx (x₀ = 1 for the bias); h = σ(z) = 1/(1 + e^(-z)) = P(y = 1 | x); binary cross-entropy
    L = -(1/m)Σ[y ln h + (1 - y) ln(1 - h)] (or the sum); ∇θ L = (1/m)Σ(h - y)x (or the sum), since σ′ cancels
    against the log; θ ← θ - η∇θ L; and the loss again at the new θ."""
    X, Y, theta = p["X"], np.atleast_1d(np.asarray(p["y"], float)), p["theta"]
    m, d = X.shape
    intercept, reduction, eta = p["intercept"], p["reduction"], float(p["eta"])
    if len(Y) != m:
        raise TutorError(f"has {len(Y)} label{'s' if len(Y) != 1 else ''} but X has {m} example"
                         f"{'s' if m != 1 else ''} (rows): one label per example", field="y")
    bad = [k for k, v in enumerate(Y) if not 0 <= v <= 1]
    if bad:
        raise TutorError(f"entry {bad[0] + 1} is {Y[bad[0]]:g}; a label is 0 or 1 (a probability in [0, 1] at "
                         "most)", field="y")
    want = d + 1 if intercept else d
    if len(theta) != want:
        why = (f"each example has {d} input{'s' if d != 1 else ''} plus x₀ = 1 for the bias (intercept: true)"
               if intercept else f"each example has {d} input{'s' if d != 1 else ''} (intercept: false)")
        raise TutorError(f"has {len(theta)} entries but needs {want}: {why}", field="theta")
    if not eta > 0:
        raise TutorError(f"the learning rate must be positive, got {eta:g}", field="eta")

    xn = g.given("X", X, Sym("X"), "the examples, one row each")
    yn = g.given("y", Y, Sym("y"), "the labels")
    tn = g.given("theta", np.asarray(theta, float), Sym("θ", r"\theta"), "the parameters")
    en = g.given("eta", eta, Sym("η", r"\eta"), "learning rate")

    if intercept:
        xa = g.step("X1", "Put x₀ = 1 in front of every example", Sym("X̃", r"\tilde{X}"),
                    E.Matrix(((Num(1), xn.sym),)), [xn],
                    lambda Xv: np.hstack([np.ones((np.atleast_2d(Xv).shape[0], 1)), np.atleast_2d(Xv)]),
                    lambda Xv: [],
                    "With x₀ = 1, θ₀ multiplies 1 and acts as the bias: θᵀx = θ₀ + θ₁x₁ + … + θₙxₙ.")
    else:
        xa = xn
    zn = g.matmul("z", "Weighted sums z = θᵀx, one per example", xa, tn, Sym("z"),
                  "Each example's inputs times θ, summed: the log-odds ln(P(y = 1)/P(y = 0)) the model assigns.")
    hn = g.sigmoid("h", "Sigmoid: the predicted probability h = P(y = 1 | x)", zn, Sym("h"),
                   "h = σ(z) = 1/(1 + e^(-z)), the probability of class 1; above 0.5 exactly when z > 0.")

    mean = reduction == "mean"
    front = E.Div(Num(1), Sym("m")) if mean else None

    def loss_show(Yv: Any, h: Any) -> list[Expr]:
        ya, ha = np.asarray(Yv, float).reshape(-1), np.atleast_1d(np.asarray(h, float))
        if ya.size > EXPAND_MAX_TERMS:
            return []
        terms: list[Expr] = []
        values: list[Expr] = []
        for yi, hi in zip(ya, ha):
            parts: list[Expr] = []
            if yi != 0:
                parts.append(E.Mul((Num(yi), E.Call("ln", (Num(hi),))), "·") if yi != 1 else E.Call("ln", (Num(hi),)))
            if yi != 1:
                one_minus = E.Call("ln", (E.Add((Num(1), E.Neg(Num(hi)))),))
                parts.append(E.Mul((Num(1 - yi), one_minus), "·") if yi != 0 else one_minus)
            terms.append(parts[0] if len(parts) == 1 else E.Add(tuple(parts)))
            values.append(Num(_bce([yi], [hi], "sum") * -1))
        lead = E.Div(Num(1), Num(ya.size)) if mean and ya.size > 1 else None

        def wrap(body: list[Expr]) -> Expr:
            if len(body) == 1 and lead is None:
                return E.Neg(body[0])
            s = body[0] if len(body) == 1 else E.Add(tuple(body))
            return E.Neg(E.Paren(s)) if lead is None else E.Neg(E.Mul((lead, E.Paren(s)), "·"))

        return [wrap(terms), wrap(values)]

    ce_text = "Σᵢ [yᵢ ln hᵢ + (1 - yᵢ) ln(1 - hᵢ)]"
    ce_tex = r"\sum_i \left[y_i \ln h_i + (1 - y_i)\ln(1 - h_i)\right]"
    loss_formula = E.Neg(E.Mul((front, E.Text(ce_text, ce_tex)), "·")) if front is not None \
        else E.Neg(E.Text(ce_text, ce_tex))
    ln_ = g.step("loss", "Binary cross-entropy", Sym("L"), loss_formula, [yn, hn],
           lambda Yv, h: _bce(Yv, h, reduction), loss_show,
           ("-ln of the probability the model gives to the true label: 0 for a certain right answer, large for a "
            "confident wrong one." if m == 1 else
            f"-ln of the probability the model gives to each true label, {'averaged' if mean else 'summed'} over "
            f"the {m} examples: 0 for certain right answers, large for confident wrong ones."))

    rn = g.step("h_minus_y", "Error of each prediction h - y", Sym("h - y"), E.Add((hn.sym, E.Neg(yn.sym))),
                [hn, yn], lambda h, Yv: np.atleast_1d(np.asarray(h, float)) - np.asarray(Yv, float).reshape(-1),
                None, "∂L/∂z for each example (before the 1/m): with the sigmoid and the cross-entropy together, "
                      "σ′(z) cancels and only h - y is left.")

    def grad_rule(A: Any, r: Any) -> np.ndarray:
        Aa = np.atleast_2d(np.asarray(A, float))
        g_ = np.asarray(r, float).reshape(-1) @ Aa
        return g_ / Aa.shape[0] if mean else g_

    def grad_show(A: Any, r: Any) -> list[Expr]:
        Aa = np.atleast_2d(np.asarray(A, float))
        ra = np.asarray(r, float).reshape(-1)
        if Aa.shape[0] > EXPAND_MAX_TERMS or Aa.shape[1] > EXPAND_MAX_ELEMENTS:
            return []
        lead = E.Div(Num(1), Num(Aa.shape[0])) if mean and Aa.shape[0] > 1 else None
        comps = [_times(lead, E.Add(tuple(E.Mul((_paren_num(ri), Num(x[c])), "·") for ri, x in zip(ra, Aa))))
                 for c in range(Aa.shape[1])]
        return [E.Matrix.column(comps)]

    grad_formula = E.Text("(1/m) Σᵢ (hᵢ - yᵢ) xᵢ" if mean else "Σᵢ (hᵢ - yᵢ) xᵢ",
                          (r"\frac{1}{m}" if mean else "") + r"\sum_i (h_i - y_i)\, x_i")
    grad_why = (f"Each example's error h - y times its input vector, {'averaged' if mean else 'summed'}: one entry "
                "per parameter" + ("; θ₀'s entry uses x₀ = 1, so it is just the (mean) error." if intercept else "."))
    gn = g.step("dL_dtheta", "Gradient of the loss with respect to θ", Sym("∇θ L", r"\nabla_\theta L"), grad_formula,
                [xa, rn], grad_rule, grad_show, grad_why)

    def upd(th: Any, lr: Any, grad: Any) -> np.ndarray:
        return np.asarray(th, float) - float(lr) * np.asarray(grad, float)

    def upd_show(th: Any, lr: Any, grad: Any) -> list[Expr]:
        return [E.Add((Num(np.asarray(th, float)), E.Neg(E.Mul((Num(float(lr)), Num(np.asarray(grad, float))),
                                                               "·"))))]

    t2 = g.step("theta_new", "Update θ (one step of gradient descent)", Sym("θ′", r"\theta'"),
                E.Add((tn.sym, E.Neg(E.Mul((en.sym, gn.sym), "·")))), [tn, en, gn], upd, upd_show,
                "A step against the gradient: each parameter moves η times its entry of the gradient, the other way.")

    def new_loss(A: Any, Yv: Any, th: Any, old: Any) -> float:
        z = np.atleast_2d(np.asarray(A, float)) @ np.asarray(th, float)
        return _bce(Yv, _sigmoid(z), reduction)

    def new_loss_explain(A: Any, Yv: Any, th: Any, old: Any, new: Any) -> str:
        trend = ("lower than before the update: the step went downhill" if new < old else
                 "not lower than before: η is too large for this step" if new > old else "unchanged")
        return f"h recomputed with θ′ and the same cross-entropy: {_n(old)} → {_n(new)}, {trend}."

    g.step("loss_new", "Loss again, at the new θ", Sym("L′", "L'"),
           E.Text("the same cross-entropy with θ′", r"L(\theta')"), [xa, yn, t2, ln_], new_loss, lambda *v: [],
           new_loss_explain)

    g.conventions.append(
        "Binary cross-entropy with the natural log, "
        + ("averaged over the m examples, as torch.nn.BCELoss() and BCEWithLogitsLoss() do by default "
           "(reduction='mean'); the derivation in file 002 sums, which makes the loss and gradient m times "
           "larger." if mean else
           "summed over the examples, as in the derivation of file 002 (torch's BCELoss(reduction='sum')); "
           "PyTorch's default averages, which makes them m times smaller."))
    if intercept:
        g.conventions.append("x₀ = 1 is put in front of every example, so θ = (θ₀, θ₁, …) with θ₀ the bias "
                             "(the notes' convention); nn.Linear keeps the bias as a separate parameter.")


# -- the catalogue of mistakes (tutor check / tutor quiz name them when a student's number matches) -------------
_OTHER_HALF = {"mean": "half_mean", "half_mean": "mean", "sum": "half_sum", "half_sum": "sum"}
_SUMMED = {"mean": "sum", "half_mean": "half_sum"}

mistakes(
    "linear_regression_gd",
    Mistake("a factor of 2 off: the ½ of the MSE mixed up",
            "The derivative d/dŷ (y − ŷ)² is −2(y − ŷ): without a ½ in the loss the gradient keeps the 2, "
            "(2/m)Σ(ŷ − y)x; the ½ of ½(y − ŷ)² is there only to cancel it, (1/m)Σ(ŷ − y)x. Use the loss the "
            "problem states.",
            params=lambda p: {"loss": _OTHER_HALF[p["loss"]]}),
    Mistake("summed over the examples instead of averaged (the 1/m left out)",
            "A mean loss divides by the number of examples m it is taken over (the whole dataset for the loss, "
            "the batch for an update), and so does its gradient; leaving out the 1/m makes them m times larger.",
            params=lambda p: {"loss": _SUMMED.get(p["loss"], p["loss"])}),
)


def _error_with_slope(v: Mapping[str, Any]) -> np.ndarray:
    h = np.atleast_1d(np.asarray(v["h"], float))
    return (h - np.asarray(v["y"], float).reshape(-1)) * h * (1 - h)


mistakes(
    "logistic_regression",
    Mistake("σ′(z) kept in the gradient: (h − y)·h(1 − h)·x",
            "With the cross-entropy, ∂L/∂h = (h − y)/(h(1 − h)) and σ′(z) = h(1 − h) cancel: ∂L/∂z = h − y. "
            "Multiplying by h(1 − h) again is the chain rule of the squared error, not of the cross-entropy.",
            rules={"h_minus_y": _error_with_slope}),
    Mistake("error taken as y − h (the gradient's sign flipped)",
            "The loss −Σ[y ln h + (1 − y) ln(1 − h)] has ∂L/∂z = h − y; y − h is the gradient of the "
            "log-likelihood, which is maximised, so stepping against it moves θ uphill on the loss.",
            rules={"h_minus_y": lambda v: np.asarray(v["y"], float).reshape(-1)
                   - np.atleast_1d(np.asarray(v["h"], float))}),
)
