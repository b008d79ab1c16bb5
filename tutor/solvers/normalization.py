"""Batch normalisation over a batch (mean, variance, normalised values, scale and shift) and inverted dropout with a
given mask (keep probability, scaling, training and test outputs)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tutor.engine import expr as E
from tutor.engine.expr import Expr, Num, Sym
from tutor.engine.ops import EXPAND_MAX_ELEMENTS, EXPAND_MAX_TERMS, Graph
from tutor.errors import TutorError
from tutor.mistakes import Mistake, degenerate, mistakes
from tutor.params import Param, Params
from tutor.registry import solver
from tutor.solvers import expect_vector

BN_PARAMS = [
    Param("x", "series", "the batch: one number per sample (a single feature), or one list of F features per "
                         "sample (an N×F batch); statistics are taken per feature, over the samples"),
    Param("gamma", "number|vector", "scale γ (a number, or one per feature)", default=1.0),
    Param("beta", "number|vector", "shift β (a number, or one per feature)", default=0.0),
    Param("eps", "number", "ε (≥ 0) added to σ² inside the root (PyTorch's default 1e-5)", default=1e-5),
    Param("variance", "choice", "'biased' (divide by N, what PyTorch normalises with in training) or 'unbiased' "
                                "(divide by N - 1, what PyTorch stores in running_var)", default="biased",
          choices=("biased", "unbiased")),
]

DROPOUT_PARAMS = [
    Param("x", "vector", "the activations the dropout layer receives"),
    Param("mask", "vector", "the sampled mask, one 0 (dropped) or 1 (kept) per activation"),
    Param("p", "number", "the probability in [0, 1]: of dropping a unit, or of keeping it (see p_is)"),
    Param("p_is", "choice", "what p is: 'drop' (nn.Dropout(p), the default) or 'keep' (the notes' usage)",
          default="drop", choices=("drop", "keep")),
    Param("scaling", "choice", "'inverted': scale the kept units by 1/q in training, nothing at test time "
                               "(PyTorch); 'at_test': no scaling in training, multiply by q at test time (the "
                               "original dropout)", default="inverted", choices=("inverted", "at_test")),
]


def _sci(x: float) -> str:
    """1e-5 rather than %g's 1e-05."""
    mantissa, _, exponent = f"{x:g}".partition("e")
    return f"{mantissa}e{int(exponent)}" if exponent else mantissa


def _arr(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=float)


def _out(x: Any) -> Any:
    a = _arr(x)
    return float(a) if a.ndim == 0 else a


def _small(a: np.ndarray) -> bool:
    """Element-by-element working is written out while it stays readable."""
    return a.size <= EXPAND_MAX_ELEMENTS * 2 and (a.ndim == 1 or a.shape[1] <= EXPAND_MAX_TERMS)


def _grid(a: np.ndarray, cell: Any) -> Expr:
    """A vector as a column, a matrix as a grid, each entry written by `cell(index)`."""
    if a.ndim == 1:
        return E.Matrix.column(cell((i,)) for i in range(a.shape[0]))
    return E.Matrix(tuple(tuple(cell((i, j)) for j in range(a.shape[1])) for i in range(a.shape[0])))


def _per_feature(stat: np.ndarray, cell: Any) -> Expr:
    """A per-feature statistic: one expression for a single feature, a column (one row per feature) otherwise."""
    if stat.ndim == 0:
        return cell(None)
    return E.Matrix.column(cell(j) for j in range(stat.shape[0]))


# -- batch norm -----------------------------------------------------------------------------------------------------
@solver("batch_norm", title="Batch normalisation of one batch", topic="normalization", params=BN_PARAMS,
        answer=["mu", "var", "x_hat", "y"])
def batch_norm(p: Params, g: Graph) -> None:
    """μ = (1/N)Σ_i x_i; σ² = (1/N)Σ_i (x_i - μ)² (1/(N - 1) with variance: unbiased); x̂_i = (x_i - μ)/√(σ² + ε);
    y_i = γ·x̂_i + β. Per feature, over the N samples of the batch."""
    x = _arr(p["x"])
    N = x.shape[0]
    F = None if x.ndim == 1 else x.shape[1]
    for name in ("gamma", "beta"):
        v = p[name]
        if np.ndim(v) == 1:
            if F is None:
                raise TutorError(f"has {len(v)} entries but x has a single feature (one number per sample), so "
                                 f"{name} must be a number", field=name)
            expect_vector(name, v, F, f"one per feature (x has {F} features per sample)")
    if not p["eps"] >= 0:
        raise TutorError(f"ε must be zero or positive, got {p['eps']:g}", field="eps")
    unbiased = p["variance"] == "unbiased"
    if unbiased and N < 2:
        raise TutorError("a batch of one sample has no unbiased variance (it divides by N - 1 = 0); give at least "
                         "two samples, or variance: biased", field="x")

    xn = g.given("x", x, Sym("x", "x"), f"the batch: {N} samples" + ("" if F is None else f" × {F} features"))
    gn = g.given("gamma", _out(p["gamma"]), Sym("γ", r"\gamma"), "learned scale")
    bn = g.given("beta", _out(p["beta"]), Sym("β", r"\beta"), "learned shift")
    en = g.given("eps", p["eps"], Sym("ε", r"\varepsilon"), "keeps the denominator away from 0")

    def show_mu(xv: Any) -> list[Expr]:
        a = _arr(xv)
        n = a.shape[0]
        if not _small(a) or n > EXPAND_MAX_TERMS:
            return []
        col = (lambda j: a[:, j]) if a.ndim == 2 else (lambda j: a)
        return [_per_feature(a[0], lambda j: E.Div(E.Add(tuple(Num(v) for v in col(j))), Num(n)))]

    mu = g.step("mu", "Mean of the batch" + ("" if F is None else ", per feature"), Sym("μ", r"\mu"),
                E.Mul((E.Div(Num(1), Sym("N")), E.Text("Σᵢ xᵢ", r"\sum_i x_i")), ""), [xn],
                lambda xv: _out(np.mean(_arr(xv), axis=0)), show_mu,
                f"The average over the {N} samples" + ("." if F is None else ", one per feature (column)."))

    def show_centered(xv: Any, m: Any) -> list[Expr]:
        a, mv = _arr(xv), _arr(m)
        if not _small(a):
            return []
        return [_grid(a, lambda ix: E.Add((Num(a[ix]), E.Neg(Num(float(mv if mv.ndim == 0 else mv[ix[-1]]))))))]

    xc = g.step("x_centered", "Deviations from the mean", Sym("x - μ", r"x - \mu"),
                E.Add((xn.sym, E.Neg(mu.sym))), [xn, mu],
                lambda xv, m: _arr(xv) - _arr(m), show_centered,
                "Each sample minus its feature's mean; they sum to 0" + (" in each column." if F else "."))

    denom = "N - 1" if unbiased else "N"

    def var_rule(c: Any) -> Any:
        a = _arr(c)
        return _out(np.sum(a * a, axis=0) / (a.shape[0] - (1 if unbiased else 0)))

    def show_var(c: Any) -> list[Expr]:
        a = _arr(c)
        n = a.shape[0] - (1 if unbiased else 0)
        if not _small(a) or a.shape[0] > EXPAND_MAX_TERMS:
            return []
        col = (lambda j: a[:, j]) if a.ndim == 2 else (lambda j: a)
        squares = _per_feature(a[0], lambda j: E.Div(E.Add(tuple(E.Pow(Num(v), Num(2)) for v in col(j))), Num(n)))
        sums = _per_feature(a[0], lambda j: E.Div(E.Add(tuple(Num(v * v) for v in col(j))), Num(n)))
        return [squares, sums]

    var = g.step("var", "Variance of the batch" + (" (unbiased)" if unbiased else " (biased)")
                 + ("" if F is None else ", per feature"), Sym("σ²", r"\sigma^2"),
                 E.Mul((E.Div(Num(1), Sym(denom)), E.Text("Σᵢ (xᵢ - μ)²", r"\sum_i (x_i - \mu)^2")), ""), [xc],
                 var_rule, show_var,
                 (f"The mean squared deviation, dividing by N = {N}: the spread that batch norm divides out."
                  if not unbiased else
                  f"The squared deviations summed and divided by N - 1 = {N - 1}, the unbiased estimate."))

    def std_rule(v: Any, e: float) -> Any:
        s = _arr(v) + e
        if np.any(s < 0):
            raise TutorError(f"σ² + ε is negative ({float(np.min(s)):g}); a variance cannot be", field="var")
        return _out(np.sqrt(s))

    def show_std(v: Any, e: float) -> list[Expr]:
        vv = _arr(v)
        return [_per_feature(vv, lambda j: E.Call("√", (E.Add((Num(float(vv if j is None else vv[j])), Num(e))),)))]

    std = g.step("std", "Standard deviation used to normalise, with ε",
                 Sym("√(σ² + ε)", r"\sqrt{\sigma^2 + \varepsilon}"),
                 E.Call("√", (E.Add((var.sym, en.sym)),)), [var, en], std_rule, show_std,
                 "The root of the variance plus ε: what every deviation is divided by. ε only matters when σ² "
                 "is tiny.")

    def xhat_rule(c: Any, s: Any) -> Any:
        sv = _arr(s)
        if np.any(sv == 0):
            raise TutorError("√(σ² + ε) = 0: every sample is the same and ε = 0, so x̂ would divide 0 by 0; give "
                             "ε > 0 (PyTorch uses 1e-5)", field="eps")
        return _arr(c) / sv

    def show_xhat(c: Any, s: Any) -> list[Expr]:
        a, sv = _arr(c), _arr(s)
        if not _small(a):
            return []
        return [_grid(a, lambda ix: E.Div(Num(a[ix]), Num(float(sv if sv.ndim == 0 else sv[ix[-1]]))))]

    def explain_xhat(c: Any, s: Any, value: Any) -> str:
        v = np.atleast_1d(np.var(_arr(value), axis=0))
        spread = f"{float(v[0]):.6g}" if v.size == 1 else f"{float(np.min(v)):.6g} to {float(np.max(v)):.6g}"
        return ("Each deviation in units of its feature's standard deviation: the x̂ have mean 0 and, dividing by "
                f"N, variance {spread}" + (" (not 1: σ² divided by N - 1)." if unbiased else
                                           " (just under 1 because of ε)." if spread != "1" else "."))

    xh = g.step("x_hat", "Normalised values", Sym("x̂", r"\hat{x}"), E.Div(xc.sym, std.sym), [xc, std],
                xhat_rule, show_xhat, explain_xhat)

    def y_rule(xv: Any, gv: Any, bv: Any) -> Any:
        return _arr(gv) * _arr(xv) + _arr(bv)

    def show_y(xv: Any, gv: Any, bv: Any) -> list[Expr]:
        a, ga, ba = _arr(xv), _arr(gv), _arr(bv)
        if not _small(a):
            return []

        def at(v: np.ndarray, ix: tuple[int, ...]) -> float:
            return float(v if v.ndim == 0 else v[ix[-1]])

        return [_grid(a, lambda ix: E.Add((E.mul(at(ga, ix), a[ix]), Num(at(ba, ix)))))]

    def explain_y(xv: Any, gv: Any, bv: Any, value: Any) -> str:
        return ("Scale and shift with the learned γ and β, per feature: the output has mean β and |γ| times the "
                "spread of x̂, so the layer can undo the normalisation if that helps.")

    g.step("y", "Scale and shift", Sym("y", "y"), E.Add((E.Mul((gn.sym, xh.sym)), bn.sym)), [xh, gn, bn],
           y_rule, show_y, explain_y)

    if unbiased:
        g.conventions.append("σ² is the unbiased variance (divide by N - 1), what PyTorch keeps in running_var for "
                             "evaluation; in training nn.BatchNorm normalises with the biased one (divide by N).")
    else:
        g.conventions.append("σ² is the biased variance (divide by N), as nn.BatchNorm normalises in training; "
                             "PyTorch's running_var, used at evaluation, is updated with the unbiased one "
                             "(divide by N - 1).")
    g.conventions.append("ε inside the root, √(σ² + ε), as PyTorch (eps = 1e-5 by default)"
                         + ("." if p["eps"] == 1e-5 else f"; here ε = {_sci(p['eps'])}."))
    if F is not None:
        g.conventions.append("Each column is a feature: μ and σ² are taken down the columns, over the samples "
                             "(nn.BatchNorm1d on an N×F batch).")
    if N == 1:
        g.notes.append("A batch of one sample: every deviation is 0, so x̂ = 0 and y = β. PyTorch refuses "
                       "training-mode batch norm with one value per feature.")


# -- dropout --------------------------------------------------------------------------------------------------------
@solver("dropout", title="Dropout with a given mask, at training and at test time", topic="regularization",
        params=DROPOUT_PARAMS, answer=["keep", "scale", "y", "y_test"])
def dropout(p: Params, g: Graph) -> None:
    """q = 1 - p (the keep probability; q = p with p_is: keep); inverted: y = (x ⊙ m)/q in training and y_test = x
    at test time; at_test: y = x ⊙ m in training and y_test = q·x."""
    x, mask, prob = p["x"], p["mask"], p["p"]
    expect_vector("mask", mask, len(x), f"one 0 or 1 per activation (x has {len(x)} entries)")
    bad = [k for k, v in enumerate(mask) if v not in (0.0, 1.0)]
    if bad:
        raise TutorError(f"entry {bad[0] + 1} is {mask[bad[0]]:g}; a dropout mask holds 0 (dropped) or 1 (kept)",
                         field="mask")
    if not 0 <= prob <= 1:
        raise TutorError(f"must be a probability in [0, 1], got {prob:g}", field="p")
    keep_is_p = p["p_is"] == "keep"
    inverted = p["scaling"] == "inverted"
    q0 = prob if keep_is_p else 1 - prob
    if q0 == 0:
        raise TutorError(f"p = {prob:g} {'keeps' if keep_is_p else 'drops'} "
                         f"{'no' if keep_is_p else 'every'} unit: the keep probability is 0, so nothing passes and "
                         "1/q is undefined", field="p")

    xn = g.given("x", x, Sym("x", "x"), "the activations")
    mn = g.given("mask", mask, Sym("m", "m"), "1 keeps a unit, 0 drops it")
    pn = g.given("p", prob, Sym("p", "p"), "keep probability" if keep_is_p else "drop probability")

    def keep_rule(pv: float) -> float:
        q = float(pv) if keep_is_p else 1 - float(pv)
        if q <= 0:
            raise TutorError("the keep probability is 0: nothing passes and 1/q is undefined", field="p")
        return q

    keep = g.step("keep", "Keep probability", Sym("q", "q"), pn.sym if keep_is_p else E.Add((Num(1), E.Neg(pn.sym))),
                  [pn], keep_rule, (lambda pv: []) if keep_is_p else None,
                  explain=("p is the keep probability here, so q = p." if keep_is_p else
                           "p is the probability of dropping a unit, so each unit is kept with probability 1 - p."))

    if inverted:
        scale = g.step("scale", "Scaling applied to kept units in training", Sym("s", "s"),
                       E.Div(Num(1), keep.sym), [keep], lambda q: 1.0 / float(q),
                       explain="Kept units are scaled up by 1/q so that the expected output in training equals "
                               "the output at test time, when nothing is dropped.")
    else:
        scale = g.step("scale", "Scaling applied at test time", Sym("s", "s"), keep.sym, [keep],
                       lambda q: float(q),
                       explain="At test time every unit is present, 1/q times as many as survive on average in "
                               "training, so the outputs are multiplied by q to match.")

    masked = g.hadamard("x_masked", "Apply the mask", xn, mn, Sym("x⊙m", r"x \odot m"),
                        "Dropped units (m = 0) become 0; kept units pass unchanged.")

    def show_scaled(a: Any, s: float) -> list[Expr]:
        av = _arr(a)
        if av.size <= EXPAND_MAX_ELEMENTS:
            return [E.Matrix.column(E.mul(s, v) for v in av)]
        return [E.Mul((Num(s), Num(av)))]

    if inverted:
        y = g.step("y", "Training output", Sym("y", "y"), E.Mul((scale.sym, E.Paren(masked.sym))), [masked, scale],
                   lambda a, s: _arr(a) * float(s), show_scaled,
                   "The kept units, scaled by 1/q; the dropped ones stay 0.")
        y_test = g.step("y_test", "Output at test time", Sym("y_test", r"y_{\text{test}}"), xn.sym, [xn],
                        lambda a: _arr(a), lambda a: [],
                        "Inverted dropout does nothing at test time (eval mode, after model.eval): every unit "
                        "passes unscaled.")
    else:
        y = g.step("y", "Training output", Sym("y", "y"), masked.sym, [masked], lambda a: _arr(a), lambda a: [],
                   "In the original dropout the kept units pass unscaled during training.")
        y_test = g.step("y_test", "Output at test time", Sym("y_test", r"y_{\text{test}}"),
                        E.Mul((scale.sym, xn.sym)), [scale, xn], lambda s, a: float(s) * _arr(a),
                        lambda s, a: [E.Matrix.column(E.mul(s, v) for v in _arr(a))]
                        if len(a) <= EXPAND_MAX_ELEMENTS else [E.Mul((Num(s), Num(_arr(a))))],
                        "Every unit is present at test time, each scaled by q.")

    def mean_step(key: str, title: str, node: Any, sym: Sym, why: str) -> None:
        def show(a: Any) -> list[Expr]:
            av = _arr(a)
            if av.size > EXPAND_MAX_TERMS:
                return []
            return [E.Div(E.Add(tuple(Num(v) for v in av)), Num(av.size))]

        g.step(key, title, sym, E.Text(f"mean({node.sym.text})", rf"\operatorname{{mean}}({node.sym.tex})"), [node],
               lambda a: float(np.mean(_arr(a))), show, why)

    mean_step("mean_masked", "Average output after masking, before any scaling", masked,
              Sym("mean(x⊙m)", r"\overline{x \odot m}"),
              "What the masked layer passes on average: about q times the full average, since only a share q of "
              "the units survive.")
    mean_step("mean_y", "Average training output", y, Sym("mean(y)", r"\overline{y}"),
              "Compare with the average at test time: the scaling makes them equal on average over masks.")
    mean_step("mean_test", "Average output at test time", y_test, Sym("mean(y_test)", r"\overline{y_{\text{test}}}"),
              "The average when every unit is present.")

    q = q0
    torch_p = 1 - q
    if keep_is_p:
        g.conventions.append(f"p = {prob:g} is the keep probability here (as in the notes); nn.Dropout(p) takes the "
                             f"drop probability, so this layer is nn.Dropout({torch_p:g}).")
    else:
        g.conventions.append(f"p = {prob:g} is the drop probability, as in nn.Dropout(p); the keep probability is "
                             f"q = 1 - p = {q:g}.")
    if inverted:
        g.conventions.append("Inverted dropout, as PyTorch: kept units are divided by q during training "
                             "(train mode, after model.train) and nothing happens at test time (eval mode, after "
                             "model.eval).")
    else:
        g.conventions.append("The original dropout (Srivastava et al. 2014): no scaling in training, outputs "
                             "multiplied by q at test time. PyTorch uses inverted dropout instead (divide by q in "
                             "training, nothing at test time); the expected outputs are the same.")
    kept = int(np.sum(_arr(mask)))
    if not math.isclose(kept / len(mask), q, abs_tol=1e-12):
        g.notes.append(f"The mask keeps {kept} of {len(mask)} units ({kept / len(mask):.4g}), while each unit is kept "
                       f"with probability q = {q:.4g}: one mask need not keep exactly that share, so the averages "
                       "below agree only on average over many masks.")


# -- the catalogue of mistakes (tutor check / tutor quiz name them when a student's number matches) -------------
mistakes(
    "batch_norm",
    Mistake("unbiased variance (divided by N − 1)",
            "Batch norm normalises with the batch's own spread, the biased variance Σ(x − μ)²/N (nn.BatchNorm in "
            "training); dividing by N − 1 is the unbiased estimate PyTorch keeps in running_var for evaluation.",
            params=lambda p: {"variance": "unbiased" if p["variance"] == "biased" else "biased"}),
    Mistake("divided by σ² instead of σ (the root left out)",
            "Normalising is x̂ = (x − μ)/√(σ² + ε): the deviations are divided by the standard deviation, the "
            "root of the variance, so that x̂ has variance 1.",
            rules={"std": lambda v: _out(_arr(v["var"]) + float(v["eps"]))}),
    Mistake("γ and β applied to the raw x instead of x̂",
            "The scale and shift act on the normalised values: y = γ·x̂ + β. γ·x + β skips the normalisation.",
            rules={"y": lambda v: _arr(v["gamma"]) * _arr(v["x"]) + _arr(v["beta"])}),
)


def _batch_norm_degenerate(solution: Any) -> str | None:
    if np.any(_arr(solution.values["var"]) == 0):
        return "every sample of a feature is the same: σ² = 0 and x̂ = 0"
    return None


degenerate("batch_norm", _batch_norm_degenerate)


def _inverted(solution: Any) -> bool:
    """Inverted dropout (scaled in training); the original dropout scales at test time."""
    return solution.steps["y_test"].inputs == ("x",)


mistakes(
    "dropout",
    Mistake("kept units multiplied by q instead of divided",
            "Inverted dropout scales the kept units up by 1/q in training, so that their expected output matches "
            "test time, when every unit is present; multiplying by q shrinks them twice over.",
            rules={"scale": lambda v: float(v["keep"])}, applies=_inverted),
    Mistake("inverted dropout scaled again at test time",
            "Inverted dropout does its scaling in training (÷ q), so at test time the layer does nothing: "
            "y_test = x. Multiplying by q at test time belongs to the original dropout, which does not scale in "
            "training.",
            rules={"y_test": lambda v: float(v["keep"]) * _arr(v["x"])}, applies=_inverted),
    Mistake("p taken as the other probability (keep ↔ drop)",
            "Check what p is: nn.Dropout(p) drops each unit with probability p, so the keep probability is "
            "q = 1 − p; where p is called the keep probability, q = p.",
            params=lambda p: {"p_is": "keep" if p["p_is"] == "drop" else "drop"}),
)


def _dropout_degenerate(solution: Any) -> str | None:
    mask = _arr(solution.values["mask"])
    if np.all(mask == 1) or np.all(mask == 0):
        return "the mask keeps every unit or drops every unit"
    return None


degenerate("dropout", _dropout_degenerate)
