"""Information measures and the losses built on them: entropy and cross-entropy of distributions (in bits, nats
or hartleys), and the binary and categorical cross-entropy losses of a classifier, example by example.

KL divergence term by term, both ways, is the `kl_divergence` kind (solvers/kl.py); here it appears only as the
notes' identity KL(p‖q) = H(p, q) − H(p).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from tutor.engine import expr as E
from tutor.engine.expr import Expr, Num, Sym
from tutor.engine.ops import EXPAND_MAX_ELEMENTS, EXPAND_MAX_TERMS, Graph, Node
from tutor.engine.step import Solution
from tutor.errors import TutorError
from tutor.mistakes import Mistake, degenerate, mistakes
from tutor.params import Param, Params, to_matrix, to_number_or_vector
from tutor.registry import solver
from tutor.solvers import shape_text
from tutor.solvers.kl import LOGS, base_mistakes

# Beyond this, e^z overflows or loses everything to rounding: shift each row by its max (softmax is unchanged).
SHIFT_ABOVE = 30.0
# A predicted row may be rounded (0.66, 0.24, 0.10): within this of 1 it is used as given, with a note.
ROW_SUM_SLACK = 0.01


def _entries(mask: Any) -> str:
    idx = [int(k) + 1 for k in np.flatnonzero(mask)]
    return ("entry " if len(idx) == 1 else "entries ") + ", ".join(map(str, idx))


def _info(x: Any, log: Callable[[Any], Any]) -> Any:
    """-log x entry by entry, +∞ where x = 0 (never a warning, never NaN)."""
    a = np.asarray(x, float)
    out = np.full_like(a, np.inf)
    pos = a > 0
    out[pos] = -log(a[pos])
    out = out + 0.0  # -log 1 is -0.0: write it 0
    return float(out) if out.ndim == 0 else out


def _weigh(w: Any, v: Any) -> Any:
    """w_i·v_i entry by entry with 0·∞ = 0 (an outcome of weight 0 adds nothing, whatever its log)."""
    a, b = np.broadcast_arrays(np.asarray(w, float), np.asarray(v, float))
    out = np.zeros(a.shape)
    nz = a != 0
    out[nz] = a[nz] * b[nz]
    return float(out) if out.ndim == 0 else out


def _col(items: list[Expr]) -> Expr:
    return items[0] if len(items) == 1 else E.Matrix.column(items)


# ==================================================================================================================
# entropy
# ==================================================================================================================
ENTROPY_PARAMS = [
    Param("p", "distribution", "the distribution p (the actual one), fractions such as \"1/3\" welcome"),
    Param("q", "distribution", "a second distribution q (the predicted one) over the same outcomes; adds the "
                               "cross-entropy H(p, q) and KL(p‖q) = H(p, q) − H(p)", default=None),
    Param("base", "choice", "base of the logarithm: 2 gives bits (the chapter, file 003), e nats, 10 hartleys",
          default="e", choices=("e", 2, 10)),
]


@solver("entropy", title="Entropy (and cross-entropy) of a distribution", topic="information",
        params=ENTROPY_PARAMS, answer=["entropy_p"])
def entropy(p: Params, g: Graph) -> None:
    """H(p) = Σ_i p_i log(1/p_i) = −Σ_i p_i log p_i; with q: H(p, q) = −Σ_i p_i log q_i and KL(p‖q) = H(p, q) − H(p).
    0·log 0 = 0."""
    P = p["p"]
    base = p["base"]
    fn, fn_tex, unit, log = LOGS[base]
    has_q = "q" in p
    if has_q and len(p["q"]) != len(P):
        raise TutorError(f"has {len(p['q'])} entries but p has {len(P)}: the cross-entropy weighs q's outcomes by "
                         "p's, so both need the same outcomes", field="q")
    n = len(P)

    pn = g.given("p", P, Sym("p"), "the distribution p")
    qn = g.given("q", p["q"], Sym("q"), "the distribution q") if has_q else None

    def info_step(dist: Node, name: str) -> Node:
        def show(v: Any) -> list[Expr]:
            v = np.asarray(v, float)
            return [_col([E.Neg(E.Call(fn, (Num(t),))) for t in v])] if v.size <= EXPAND_MAX_ELEMENTS else []

        def explain(v: Any, out: Any) -> str:
            v = np.asarray(v, float)
            text = (f"How surprising each outcome is under {name}, in {unit}: log(1/{name}_i) = −log {name}_i. "
                    f"The less likely the outcome, the more {unit} it carries; a certain one carries 0.")
            if np.any(v == 0):
                text += f" {_entries(v == 0).capitalize()}: {name}_i = 0, so −log 0 = ∞."
            return text

        return g.step(f"info_{name}", f"Information content of each outcome under {name}",
                      Sym(f"{fn}(1/{name}_i)", rf"{fn_tex}\frac{{1}}{{{name}_i}}"),
                      E.Neg(E.Call(fn, (Sym(f"{name}_i"),))), [dist], lambda v: _info(v, log), show, explain)

    def terms_step(key: str, title: str, info: Node, name: str) -> Node:
        def show(w: Any, v: Any) -> list[Expr]:
            w, v = np.asarray(w, float), np.asarray(v, float)
            return [_col([E.mul(a, b) for a, b in zip(w, v)])] if w.size <= EXPAND_MAX_ELEMENTS else []

        def explain(w: Any, v: Any, out: Any) -> str:
            w, v = np.asarray(w, float), np.asarray(v, float)
            text = f"Each outcome's information under {name}, weighted by how often p produces that outcome."
            if np.any(w == 0):
                text += (f" {_entries(w == 0).capitalize()}: p_i = 0, so the term is 0 (0·log 0 = 0 by convention: "
                         "x log x → 0 as x → 0).")
            if np.any((w > 0) & np.isinf(v)):
                text += (f" {_entries((w > 0) & np.isinf(v)).capitalize()}: {name}_i = 0 where p_i > 0, so the term "
                         "is ∞.")
            return text

        return g.step(key, title, Sym(f"p_i·{fn}(1/{name}_i)", rf"p_i {fn_tex}\frac{{1}}{{{name}_i}}"),
                      E.mul(Sym("p_i"), E.Call(fn, (Sym(f"1/{name}_i", rf"\frac{{1}}{{{name}_i}}"),))),
                      [pn, info], _weigh, show, explain)

    def show_sum(t: Any) -> list[Expr]:
        t = np.asarray(t, float)
        return [E.Add(tuple(Num(v) for v in t))] if 1 < t.size <= EXPAND_MAX_TERMS else []

    info_p = info_step(pn, "p")
    terms_p = terms_step("terms_p", "Terms of the entropy", info_p, "p")

    def explain_h(t: Any, h: float) -> str:
        most = float(log(n))
        text = (f"The entropy: the average information of one outcome drawn from p, {h:.6g} {unit}. It lies "
                f"between 0 (one outcome certain) and {fn} {n} = {most:.6g} (all {n} outcomes equally likely)")
        if n > 1 and most > 0:
            text += f"; this p reaches {100 * h / most:.3g}% of that maximum"
        return text + "."

    h_p = g.step("entropy_p", "Entropy of p: the sum", Sym("H(p)"),
                 E.Text(f"Σᵢ p_i {fn}(1/p_i) = −Σᵢ p_i {fn} p_i",
                        rf"\sum_i p_i {fn_tex}\frac{{1}}{{p_i}} = -\sum_i p_i {fn_tex} p_i"),
                 [terms_p], lambda t: float(np.sum(np.asarray(t, float))), show_sum, explain_h)

    if qn is not None:
        info_q = info_step(qn, "q")
        terms_pq = terms_step("terms_pq", "Terms of the cross-entropy", info_q, "q")

        def explain_ce(t: Any, ce: float) -> str:
            if math.isinf(ce):
                return ("Infinite: q gives probability 0 to an outcome that p produces, so coding p's outcomes with "
                        "q's code cannot encode it.")
            return (f"The cross-entropy: the average {unit} per outcome when outcomes of p are coded with a code "
                    f"built for q. It is never below H(p), and equals it only when q = p.")

        ce = g.step("cross_entropy_pq", "Cross-entropy of p and q: the sum", Sym("H(p, q)"),
                    E.Text(f"Σᵢ p_i {fn}(1/q_i) = −Σᵢ p_i {fn} q_i",
                           rf"\sum_i p_i {fn_tex}\frac{{1}}{{q_i}} = -\sum_i p_i {fn_tex} q_i"),
                    [terms_pq], lambda t: float(np.sum(np.asarray(t, float))), show_sum, explain_ce)

        def kl_rule(c: float, h: float) -> float:
            return math.inf if math.isinf(c) else float(c) - float(h)

        def explain_kl(c: float, h: float, kl: float) -> str:
            if math.isinf(kl):
                return "Infinite, because H(p, q) is: q rules out an outcome that p produces."
            return (f"The extra {unit} per outcome paid for coding p with q's code instead of p's own: the "
                    "cross-entropy minus the entropy. Never negative, and 0 only when q = p. (The kl_divergence kind "
                    "works it out term by term, in both directions.)")

        g.step("kl_pq", "KL divergence as cross-entropy minus entropy",
               Sym("KL(p‖q)", r"D_{\mathrm{KL}}(p \,\|\, q)"), E.Add((ce.sym, E.Neg(h_p.sym))), [ce, h_p],
               kl_rule, explain=explain_kl)
        g.extra_answers += ["cross_entropy_pq", "kl_pq"]

    base_text = {"e": "Natural log (nats); base 2 gives bits, as the chapter (file 003) works",
                 2: "Logarithms base 2 (bits), as the chapter (file 003); the natural log gives nats "
                    "(bits = nats/ln 2)",
                 10: "Logarithms base 10 (hartleys); the natural log gives nats, base 2 bits"}[base]
    scipy_base = "" if base == "e" else f", base={base}"
    g.conventions.append(f"{base_text}. scipy.stats.entropy(p{scipy_base}) gives H(p), but "
                         f"scipy.stats.entropy(p, q{scipy_base}) gives KL(p‖q), not the cross-entropy.")


# ==================================================================================================================
# cross-entropy loss
# ==================================================================================================================
LOSS_PARAMS = [
    Param("loss", "choice", "binary: ℓ = −(y ln ŷ + (1 − y) ln(1 − ŷ)) per example (a sigmoid output); "
                            "categorical: ℓ = −Σ_k y_k ln ŷ_k per example (a softmax output)",
          choices=("binary", "categorical")),
    Param("y", "structure", "the targets. binary: a label 0 or 1 (or a probability) per example, a number or a "
                            "list; categorical: a one-hot row such as [0, 1, 0] (or a distribution) for one "
                            "example, or a list of rows for a batch"),
    Param("y_hat", "structure", "the predicted probabilities ŷ, shaped as y (binary: σ outputs in [0, 1]; "
                                "categorical: rows that sum to 1); give this or z", default=None),
    Param("z", "structure", "the logits instead of ŷ, shaped as y: ŷ = σ(z) (binary) or softmax(z) row by row "
                            "(categorical), as torch's BCEWithLogitsLoss and CrossEntropyLoss take them; give this "
                            "or y_hat", default=None),
    Param("reduction", "choice", "how a batch's per-example losses are combined: mean (torch's default, the 1/N Σ "
                                 "of file 003) or sum (the −Σᵢ of file 002)", default="mean", choices=("mean", "sum")),
]


def _read_binary(raw: Any, name: str) -> Any:
    v = to_number_or_vector(raw, name)
    if np.ndim(v) == 1 and len(v) == 1:
        return float(v[0])
    return v


def _read_categorical(raw: Any, name: str) -> np.ndarray:
    m = to_matrix(raw, name)
    batch = isinstance(raw, (list, tuple)) and any(isinstance(r, (list, tuple)) for r in raw)
    return m if batch else m[0]


def _check_probabilities(name: str, a: Any, what: str) -> None:
    arr = np.asarray(a, float)
    bad = (arr < 0) | (arr > 1)
    if np.any(bad):
        k = np.argwhere(bad)[0]
        at = f" at {tuple(int(i) + 1 for i in k)}" if arr.ndim > 1 else (f" at entry {int(k[0]) + 1}" if arr.ndim
                                                                          else "")
        raise TutorError(f"has {float(arr[tuple(k)]):g}{at}, but {what} lies in [0, 1]", field=name)


def _row_sums(name: str, a: np.ndarray, slack: float, g: Graph | None, what: str) -> None:
    rows = np.atleast_2d(a)
    sums = rows.sum(axis=1)
    for i, s in enumerate(sums):
        where = f"row {i + 1}" if a.ndim == 2 else "it"
        if abs(s - 1) > slack:
            raise TutorError(f"{where} sums to {s:.12g}, not 1: {what} (write thirds and the like as fractions, "
                             "such as \"1/3\")", field=name)
        if g is not None and abs(s - 1) > 1e-9:
            g.notes.append(f"{name} {where} sums to {s:.6g}, not exactly 1 (rounded values?); used as given.")


@solver("cross_entropy_loss", title="Cross-entropy loss (binary or categorical)", topic="information",
        params=LOSS_PARAMS, answer=["loss"])
def cross_entropy_loss(p: Params, g: Graph) -> None:
    """binary: ŷ = σ(z) if logits are given; ℓ_i = −[y_i ln ŷ_i + (1 − y_i) ln(1 − ŷ_i)].
    categorical: ŷ = softmax(z) if logits are given; ℓ_i = −Σ_k y_ik ln ŷ_ik.
    Batch loss L = (1/N) Σ_i ℓ_i (reduction mean) or Σ_i ℓ_i (sum)."""
    binary = p["loss"] == "binary"
    read = _read_binary if binary else _read_categorical
    y = read(p["y"], "y")
    if ("y_hat" in p) == ("z" in p):
        raise TutorError("give the predictions either as probabilities (y_hat) or as logits (z), not "
                         + ("both" if "y_hat" in p else "neither"), field="y_hat" if "y_hat" in p else "params")
    pred_name = "y_hat" if "y_hat" in p else "z"
    pred = read(p[pred_name], pred_name)
    if np.shape(pred) != np.shape(y):
        raise TutorError(f"is {shape_text(pred)} but y is {shape_text(y)}: each target needs its prediction",
                         field=pred_name)
    _check_probabilities("y", y, "a target (a label 0/1 or a probability)")
    if not binary:
        _row_sums("y", y, 1e-9, None, "a target row is one-hot or a distribution over the classes")
    if pred_name == "y_hat":
        _check_probabilities("y_hat", pred, "a predicted probability")
        if not binary:
            _row_sums("y_hat", pred, ROW_SUM_SLACK, g, "a softmax output sums to 1")

    batch = np.ndim(y) == (1 if binary else 2)
    N = np.shape(y)[0] if batch else 1
    losses = (_binary if binary else _categorical)(g, y, pred, pred_name, batch)
    if batch:
        _reduce(g, losses, p["reduction"], N)

    g.conventions.append("Natural logarithms, as PyTorch; a loss in bits would be this divided by ln 2.")
    if batch:
        g.conventions.append(
            f"reduction = {p['reduction']}: " + ("the mean over the N examples, torch's default (reduction='mean'), "
                                                 "as file 003's L = −(1/N) Σ" if p["reduction"] == "mean" else
                                                 "the sum over the examples (torch's reduction='sum'), as file 002's "
                                                 "l(θ) = −Σᵢ; torch's default is the mean")
            + (" — for the categorical loss torch divides by N, not by N times the number of classes." if not binary
               else "."))
    if binary:
        g.conventions.append("torch.nn.BCELoss takes ŷ and clamps each log at −100, so it never returns ∞; "
                             "BCEWithLogitsLoss takes z and computes the same loss stably, without forming σ(z).")
    else:
        g.conventions.append("torch.nn.CrossEntropyLoss takes the logits z (softmax inside) and the targets as class "
                             "indices or probabilities; with probabilities ŷ already, it is NLLLoss on ln ŷ.")


def _ln(x: Any) -> Any:
    a = np.asarray(x, float)
    out = np.full_like(a, -np.inf)
    pos = a > 0
    out[pos] = np.log(a[pos])
    out = out + 0.0
    return float(out) if out.ndim == 0 else out


def _binary(g: Graph, y: Any, pred: Any, pred_name: str, batch: bool) -> Node:
    yn = g.given("y", y, Sym("y", "y"), "the targets (1 = positive class)" if batch else "the target")
    if pred_name == "z":
        zn = g.given("z", pred, Sym("z"), "the logits (pre-activations)")
        yh = g.sigmoid("y_hat", "Predicted probability: the sigmoid of the logit", zn, Sym("ŷ", r"\hat{y}"),
                       "ŷ = σ(z) = 1/(1 + e^(−z)): the model's probability that the example is positive.")
    else:
        yh = g.given("y_hat", pred, Sym("ŷ", r"\hat{y}"), "the predicted probabilities of the positive class")

    def show_ln(fn: Callable[[float], Expr]) -> Callable[[Any], list[Expr]]:
        def show(v: Any) -> list[Expr]:
            a = np.atleast_1d(np.asarray(v, float))
            return [_col([fn(t) for t in a])] if a.size <= EXPAND_MAX_ELEMENTS else []
        return show

    ln1 = g.step("ln_y_hat", "Log of the predicted probability", Sym("ln(ŷ)", r"\ln\hat{y}"),
                 E.Call("ln", (yh.sym,)), [yh], _ln, show_ln(lambda t: E.Call("ln", (Num(t),))),
                 "ln ŷ is what the loss charges when the target is 1: near 0 for a confident right answer, very "
                 "negative for a confident wrong one.")
    one_minus = E.Add((Num(1), E.Neg(Sym("ŷ", r"\hat{y}"))))
    ln0 = g.step("ln_1m_y_hat", "Log of the predicted probability of the other class",
                 Sym("ln(1 - ŷ)", r"\ln(1-\hat{y})"), E.Call("ln", (one_minus,)), [yh],
                 lambda v: _ln(1 - np.asarray(v, float)),
                 show_ln(lambda t: E.Call("ln", (E.Add((Num(1), E.Neg(Num(t)))),))),
                 "ln(1 − ŷ) is what the loss charges when the target is 0.")

    def rule(yv: Any, a: Any, b: Any) -> Any:
        yv = np.asarray(yv, float)
        return -(_weigh(yv, a) + _weigh(1 - yv, b))  # 0·ln 0 = 0: a certain, right prediction costs nothing

    def term(yv: float, a: float, b: float) -> Expr:
        return E.Neg(E.Paren(E.Add((E.mul(yv, a), E.mul(1 - yv, b)))))

    def show(yv: Any, a: Any, b: Any) -> list[Expr]:
        ys, As, Bs = (np.atleast_1d(np.asarray(v, float)) for v in (yv, a, b))
        if ys.size > EXPAND_MAX_ELEMENTS:
            return []
        return [_col([term(*t) for t in zip(ys, As, Bs)])]

    def explain(yv: Any, a: Any, b: Any, out: Any) -> str:
        ys, As, Bs, ls = (np.atleast_1d(np.asarray(v, float)) for v in (yv, a, b, out))
        text = ("Only one of the two logs counts for a 0/1 target: ln ŷ when y = 1, ln(1 − ŷ) when y = 0; the loss "
                "is its negative, so a confident right prediction costs almost nothing and a confident wrong one "
                "costs a lot.")
        inf = np.isinf(ls)
        if inf.any():
            where = f"at {_entries(inf)}" if batch else "here"
            text += (f" Infinite {where}: ŷ is exactly 0 or 1 and the target says the opposite, so ln 0 = −∞ "
                     "(torch's BCELoss would clamp the log at −100).")
        return text

    sym = Sym("ℓ_i", r"\ell_i") if batch else Sym("L")
    return g.step("losses" if batch else "loss", "Loss of each example" if batch else "The loss", sym,
           E.Neg(E.Paren(E.Add((E.mul(yn.sym, ln1.sym), E.mul(E.Paren(E.Add((Num(1), E.Neg(yn.sym)))), ln0.sym))))),
           [yn, ln1, ln0], rule, show, explain)


def _softmax_rows(g: Graph, zn: Node, z: np.ndarray, batch: bool) -> Node:
    big = float(np.max(np.abs(z))) > SHIFT_ABOVE
    if big:
        g.conventions.append("Each logit row is shifted by its largest entry before exponentiating "
                             "(softmax(z − m) = softmax(z)), as torch does internally: e^z itself would overflow.")

    def exps(v: Any) -> np.ndarray:
        a = np.asarray(v, float)
        if big:
            a = a - np.max(a, axis=-1, keepdims=True)
        return np.exp(a)

    def show_exp(v: Any) -> list[Expr]:
        a = np.asarray(v, float)
        if big or a.size > EXPAND_MAX_ELEMENTS or a.ndim > 1:
            return []
        return [E.Matrix.column(E.Pow(Sym("e"), Num(t)) for t in a)]

    e = g.step("exp_z", "Exponentials of the logits", Sym("e^z", "e^{z}"),
               E.Pow(Sym("e"), E.Add((zn.sym, E.Neg(Sym("max z")))) if big else zn.sym), [zn], exps, show_exp,
               "e raised to each logit" + (", after subtracting the row's largest logit." if big else "."))

    def show_sum(v: Any) -> list[Expr]:
        a = np.asarray(v, float)
        if a.ndim == 1 and a.size <= EXPAND_MAX_TERMS:
            return [E.Add(tuple(Num(t) for t in a))]
        if a.ndim == 2 and a.shape[0] <= EXPAND_MAX_ELEMENTS and a.shape[1] <= EXPAND_MAX_TERMS:
            return [E.Matrix.column(E.Add(tuple(Num(t) for t in row)) for row in a)]
        return []

    s = g.step("sum_exp", "Sum of the exponentials" + (" of each row" if batch else ""), Sym("S"),
               E.Text("Σ_k e^{z_k}", r"\sum_k e^{z_k}"), [e], lambda v: np.sum(np.asarray(v, float), axis=-1)
               if np.ndim(v) == 2 else float(np.sum(v)), show_sum, "The normaliser: each exponential is divided by "
               + ("its row's sum." if batch else "this."))

    def show_div(ev: Any, sv: Any) -> list[Expr]:
        a = np.asarray(ev, float)
        if a.ndim == 1 and a.size <= EXPAND_MAX_ELEMENTS:
            return [E.Matrix.column(E.Div(Num(t), Num(float(sv))) for t in a)]
        return []

    return g.step("y_hat", "Predicted probabilities: the softmax", Sym("ŷ", r"\hat{y}"),
                  E.Div(Sym("e^z_k", "e^{z_k}"), Sym("S")), [e, s],
                  lambda ev, sv: np.asarray(ev, float) / (np.asarray(sv, float)[..., None] if np.ndim(ev) == 2
                                                          else float(sv)),
                  show_div, lambda ev, sv, out: "Each exponential over its sum: the model's probability for each "
                                                "class; " + ("each row sums" if np.ndim(out) == 2 else "they sum")
                                                + " to 1.")


def _categorical(g: Graph, y: np.ndarray, pred: np.ndarray, pred_name: str, batch: bool) -> Node:
    yn = g.given("y", y, Sym("y"), "the targets, one row per example" if batch else "the target (one-hot)")
    if pred_name == "z":
        zn = g.given("z", pred, Sym("z"), "the logits, one row per example" if batch else "the logits")
        yh = _softmax_rows(g, zn, pred, batch)
    else:
        yh = g.given("y_hat", pred, Sym("ŷ", r"\hat{y}"), "the predicted probabilities" + (
            ", one row per example" if batch else ""))

    def show_ln(v: Any) -> list[Expr]:
        a = np.asarray(v, float)
        if a.ndim == 1 and a.size <= EXPAND_MAX_ELEMENTS:
            return [E.Matrix.column(E.Call("ln", (Num(t),)) for t in a)]
        return []

    ln = g.step("ln_y_hat", "Log of each predicted probability", Sym("ln(ŷ)", r"\ln\hat{y}"),
                E.Call("ln", (yh.sym,)), [yh], _ln, show_ln,
                "ln ŷ_k for every class k: near 0 for a class the model is sure of, very negative for one it "
                "thinks unlikely.")

    def rule(yv: Any, lv: Any) -> Any:
        out = -np.sum(np.atleast_1d(_weigh(yv, lv)), axis=-1)
        out = out + 0.0
        return float(out) if np.ndim(out) == 0 else out

    def row_expr(yr: Any, lr: Any) -> Expr:
        return E.Neg(E.Paren(E.Add(tuple(E.mul(a, E.Paren(Num(b)) if b < 0 else Num(b)) for a, b in zip(yr, lr)))))

    def show(yv: Any, lv: Any) -> list[Expr]:
        Y, L = np.atleast_2d(np.asarray(yv, float)), np.atleast_2d(np.asarray(lv, float))
        if Y.shape[1] > EXPAND_MAX_TERMS or Y.shape[0] > EXPAND_MAX_ELEMENTS:
            return []
        lines = [_col([row_expr(a, b) for a, b in zip(Y, L)])]
        if np.all((Y == 0) | (Y == 1)):  # one-hot: only the true class's term survives
            picked = [float(b[np.argmax(a)]) for a, b in zip(Y, L)]
            lines.append(_col([E.Neg(E.Paren(Num(v)) if v < 0 else Num(v)) for v in picked]))
        return lines

    def explain(yv: Any, lv: Any, out: Any) -> str:
        Y = np.atleast_2d(np.asarray(yv, float))
        ls = np.atleast_1d(np.asarray(out, float))
        if np.all((Y == 0) | (Y == 1)):
            cls = [int(np.argmax(r)) + 1 for r in Y]
            which = f"class {cls[0]}" if len(cls) == 1 else "the true class of each example (" + ", ".join(
                map(str, cls)) + ")"
            text = (f"With a one-hot target every term but one is 0, so the loss is −ln ŷ of {which}: the negative "
                    "log of the probability the model gave the right answer.")
        else:
            text = ("The targets are probabilities, so every class with y_k > 0 contributes: this is the "
                    "cross-entropy H(y, ŷ) in nats.")
        if np.any(np.isinf(ls)):
            text += " Infinite where the model gave probability 0 to a class the target puts weight on (ln 0 = −∞)."
        return text

    return g.step("losses" if batch else "loss", "Loss of each example" if batch else "The loss",
                  Sym("ℓ_i", r"\ell_i") if batch else Sym("L"),
                  E.Neg(E.Text("Σ_k y_k ln ŷ_k", r"\sum_k y_k \ln\hat{y}_k")), [yn, ln], rule, show, explain)


def _reduce(g: Graph, losses: Node, reduction: str, N: int) -> None:
    mean = reduction == "mean"

    def rule(v: Any) -> float:
        a = np.asarray(v, float)
        return float(np.sum(a) / (a.size if mean else 1))

    def show(v: Any) -> list[Expr]:
        a = np.asarray(v, float)
        if a.size > EXPAND_MAX_TERMS:
            return []
        total: Expr = E.Add(tuple(Num(t) for t in a))
        return [E.Div(total, Num(a.size)) if mean else total]

    g.step("loss", "The batch loss: " + ("the mean" if mean else "the sum") + " over the examples", Sym("L"),
           E.mul(E.Div(Num(1), Sym("N")), E.Text("Σᵢ ℓ_i", r"\sum_i \ell_i")) if mean
           else E.Text("Σᵢ ℓ_i", r"\sum_i \ell_i"), [losses], rule, show,
           lambda v, out: (f"The average of the {N} per-example losses" if mean else f"The total of the {N} "
                           "per-example losses") + (": the number a training step would minimise."
                                                    if not math.isinf(out) else "; one infinite loss makes it ∞."))


# ==================================================================================================================
# the catalogues of mistakes (tutor check / tutor quiz name them when a student's number matches)
# ==================================================================================================================
def _certain_or_impossible(sol: Solution) -> str | None:
    """A probability of 0 makes a term 0·log 0 (a convention, not arithmetic); a certain outcome makes H = 0."""
    p = np.asarray(sol.values["p"], float)
    if np.any(p == 0):
        return "a probability of 0 gives the term 0·log 0, a convention rather than a computation"
    if "q" in sol.values and np.any(np.asarray(sol.values["q"], float) == 0):
        return "q gives an outcome probability 0, so the cross-entropy is infinite"
    return None


mistakes(
    "entropy",
    Mistake("the minus sign dropped: Σ pᵢ log pᵢ",
            "H(p) = −Σ pᵢ log pᵢ = Σ pᵢ log(1/pᵢ): every log of a probability is ≤ 0, so without the minus sign the "
            "sum comes out negative, and an entropy never is.",
            rules={"terms_p": lambda v: -np.asarray(_weigh(v["p"], v["info_p"]), float),
                   "terms_pq": lambda v: -np.asarray(_weigh(v["p"], v["info_q"]), float)}),
    # the bank's entropy problems are in bits: "log₂ instead of ln" could never be named on them
    *(m for m in base_mistakes("entropy") if m.name != "log₂ (bits) instead of ln"),
)
degenerate("entropy", _certain_or_impossible)


def _batch(sol: Solution) -> bool:
    return "losses" in sol.steps


def _binary_loss(sol: Solution) -> bool:
    return "ln_1m_y_hat" in sol.steps


def _reduced_by_mean(sol: Solution) -> bool | None:
    """mean or sum, read back from the numbers (the reduction is a parameter, not a given); None if they agree."""
    losses = np.asarray(sol.values["losses"], float)
    total, loss = float(np.sum(losses)), float(sol.values["loss"])
    if not math.isfinite(total) or total == 0 or losses.size < 2:
        return None
    return math.isclose(loss, total / losses.size, rel_tol=1e-12)


def _log_likelihood(v: Any) -> Any:
    """Each example's y ln ŷ (+ (1 − y) ln(1 − ŷ)): the loss without its minus sign."""
    if "ln_1m_y_hat" in v:
        y = np.asarray(v["y"], float)
        out = np.asarray(_weigh(y, v["ln_y_hat"]), float) + np.asarray(_weigh(1 - y, v["ln_1m_y_hat"]), float)
    else:
        out = np.sum(np.atleast_1d(_weigh(v["y"], v["ln_y_hat"])), axis=-1)
    return float(out) if np.ndim(out) == 0 else out


def _log10(x: Any) -> Any:
    """log₁₀ entry by entry, −∞ at 0 (like the solver's ln)."""
    a = np.asarray(x, float)
    out = np.full_like(a, -np.inf)
    out[a > 0] = np.log10(a[a > 0])
    return float(out) if out.ndim == 0 else out


def _certain_prediction(sol: Solution) -> str | None:
    """ŷ of exactly 0 or 1: a log of 0 (an infinite loss) or a term that is exactly 0."""
    y_hat = np.asarray(sol.values["y_hat"], float)
    if np.any((y_hat == 0) | (y_hat == 1)):
        return "a predicted probability of exactly 0 or 1 makes a log of 0 or a term of exactly 0"
    return None


mistakes(
    "cross_entropy_loss",
    Mistake("log₁₀ (a calculator's log key) instead of ln",
            "Cross-entropy losses use the natural log, as PyTorch does; a calculator's 'log' key is base 10 and "
            "gives the loss times 1/ln 10 = 0.4343.",
            rules={"ln_y_hat": lambda v: _log10(v["y_hat"]),
                   "ln_1m_y_hat": lambda v: _log10(1 - np.asarray(v["y_hat"], float))}),
    Mistake("binary cross-entropy without the (1 − y) ln(1 − ŷ) term",
            "ℓ = −[y ln ŷ + (1 − y) ln(1 − ŷ)]: for a target 0 only the second term counts, and it charges the "
            "probability given to the wrong class; without it every y = 0 example costs nothing.",
            rules={"ln_1m_y_hat": lambda v: 0.0 * np.asarray(v["y_hat"], float)},
            applies=lambda sol: _binary_loss(sol) and bool(np.any(np.asarray(sol.values["y"], float) != 1))),
    Mistake("the loss without its minus sign (the log-likelihood)",
            "y ln ŷ + (1 − y) ln(1 − ŷ) (or Σ y_k ln ŷ_k) is the log-likelihood, which training maximises; it is "
            "never positive. The loss is its negative, ≥ 0, and training minimises that.",
            rules={"loss": _log_likelihood},
            applies=lambda sol: not _batch(sol)),
    Mistake("each example's loss without its minus sign (the log-likelihood)",
            "y ln ŷ + (1 − y) ln(1 − ŷ) (or Σ y_k ln ŷ_k) is an example's log-likelihood, never positive; its loss is "
            "the negative, ≥ 0, and so is the batch loss.",
            rules={"losses": _log_likelihood},
            applies=_batch),
    Mistake("the sum of the losses instead of their mean",
            "This problem's batch loss is the mean, (1/N) Σᵢ ℓᵢ (torch's default reduction='mean'); the sum is N "
            "times larger.",
            params=lambda p: {"reduction": "sum"},
            applies=lambda sol: _batch(sol) and _reduced_by_mean(sol) is True),
)
degenerate("cross_entropy_loss", _certain_prediction)
