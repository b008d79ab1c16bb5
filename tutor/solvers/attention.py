"""Scaled dot-product attention: scores QKᵀ, scaled (and masked), softmax row by row, then the weighted sum of V."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tutor.engine import expr as E
from tutor.engine.expr import Num, Sym
from tutor.engine.ops import EXPAND_MAX_TERMS, Graph
from tutor.engine.step import Solution
from tutor.errors import TutorError
from tutor.mistakes import Mistake, degenerate, mistakes
from tutor.params import Param, Params
from tutor.registry import solver
from tutor.solvers import shape_text

# Beyond this, e^x overflows or loses everything to rounding: shift each row by its max (softmax is unchanged).
SHIFT_ABOVE = 30.0
# Score, exponential and weight matrices are written out entry by entry up to 4×4; wider lines are dropped by
# the printer anyway.
EXPAND_MAX_CELLS = 16
# Up to this many query-key pairs, each dot product gets a line of its own.
EXPAND_MAX_LIST = 9

PARAMS = [
    Param("Q", "matrix", "queries, one per row (n_q × d_k); a flat list is a single query"),
    Param("K", "matrix", "keys, one per row (n_k × d_k)"),
    Param("V", "matrix", "values, one per row (n_k × d_v): row j belongs to key j"),
    Param("scale", "number", "multiplies QKᵀ; none means 1/√d_k, 1 gives plain dot-product scores", default=None),
    Param("mask", "choice", "causal: query i sees only keys j ≤ i", default="none", choices=("none", "causal")),
]


def _row_max(S: np.ndarray) -> np.ndarray:
    """Largest finite-or-+inf entry of each row; 0 for a row that is entirely -inf (nothing to shift)."""
    m = np.max(np.where(np.isneginf(S), -np.inf, S), axis=1)
    return np.where(np.isneginf(m), 0.0, m)


def _normalise(e: Any, z: Any) -> np.ndarray:
    """e_ij / z_i, with a row whose sum is 0 (every key masked) giving weights 0 rather than 0/0."""
    e = np.atleast_2d(np.asarray(e, float))
    z = np.asarray(z, float).reshape(-1)
    out = np.zeros_like(e)
    ok = z > 0
    out[ok] = e[ok] / z[ok, None]
    return out


@solver("attention", title="Scaled dot-product attention", topic="attention", params=PARAMS,
        answer=["scores", "weights", "output"])
def attention(p: Params, g: Graph) -> None:
    """S = c·QKᵀ with c = 1/√d_k unless given (then masked if causal); A = softmax(S) row by row; output = A V."""
    Q, K, V = p["Q"], p["K"], p["V"]
    n_q, d_k = Q.shape
    n_k = K.shape[0]
    if K.shape[1] != d_k:
        raise TutorError(f"K is {shape_text(K)} but Q is {shape_text(Q)}: each key needs d_k = {d_k} entries, "
                         f"as many as each query, since score (i, j) is query i · key j", field="K")
    if V.shape[0] != n_k:
        raise TutorError(f"V is {shape_text(V)} but K is {shape_text(K)}: V needs one row per key ({n_k} rows), "
                         "since each query's weights are spread over the keys' values", field="V")
    causal = p["mask"] == "causal"
    if causal and n_q > n_k:
        raise TutorError(f"causal needs no more queries than keys, but Q is {shape_text(Q)} ({n_q} queries) and K "
                         f"is {shape_text(K)} ({n_k} keys): query i sees keys 0..i, so queries past the last key "
                         "have no position in the sequence", field="mask")
    default_scale = p["scale"] is None
    scale = 1.0 / math.sqrt(d_k) if default_scale else float(p["scale"])
    if scale <= 0:
        raise TutorError(f"expected a positive number, got {scale:g}: 0 makes every weight equal and a negative "
                         "scale reverses which keys match best", field="scale")

    qn = g.given("Q", Q, Sym("Q"), f"queries ({n_q}×{d_k}), one per row")
    kn = g.given("K", K, Sym("K"), f"keys ({n_k}×{d_k}), one per row")
    vn = g.given("V", V, Sym("V"), f"values ({V.shape[0]}×{V.shape[1]}), row j belongs to key j")
    if default_scale:
        cn = g.given("scale", scale, Sym("1/√d_k", r"1/\sqrt{d_k}"), f"the scale, 1/√{d_k}")
    else:
        cn = g.given("scale", scale, Sym("scale", r"\text{scale}"), "the scale (given)")

    kt = Sym("Kᵀ", r"K^\top")

    def show_raw(A: Any, B: Any) -> list[E.Expr]:
        A, B = np.atleast_2d(np.asarray(A, float)), np.atleast_2d(np.asarray(B, float))
        lines: list[E.Expr] = [E.Mul((Num(A), Num(B.T)), "")]
        if A.shape[1] > EXPAND_MAX_TERMS:
            return lines

        def dot(a: np.ndarray, b: np.ndarray) -> E.Expr:
            return E.Add(tuple(E.mul(a[c], b[c]) for c in range(A.shape[1]))) if A.shape[1] > 1 else E.mul(a[0], b[0])

        if A.shape[0] * B.shape[0] <= EXPAND_MAX_LIST:  # one line per pair, as the notes write q_1·k_1 = ...
            lines.append(E.Matrix.column(E.Rel(Sym(f"q_{i + 1}·k_{j + 1}", f"q_{{{i + 1}}} \\cdot k_{{{j + 1}}}"),
                                               "=", dot(a, b)) for i, a in enumerate(A) for j, b in enumerate(B)))
        elif A.shape[0] * B.shape[0] <= EXPAND_MAX_CELLS:
            lines.append(E.Matrix(tuple(tuple(dot(a, b) for b in B) for a in A)))
        return lines

    raw = g.step("raw", "Raw scores: every query dotted with every key", Sym("QKᵀ", r"QK^\top"),
                 E.Mul((qn.sym, kt), ""), [qn, kn],
                 lambda A, B: np.atleast_2d(np.asarray(A, float)) @ np.atleast_2d(np.asarray(B, float)).T,
                 show_raw,
                 "Entry (i, j) is query i · key j (row i of Q times row j of K): the larger it is, the better "
                 "key j matches query i.")

    # -- scaling -----------------------------------------------------------------------------------------------
    if default_scale:
        scaled_formula: E.Expr = E.Div(E.Mul((qn.sym, kt), ""), Sym("√d_k", r"\sqrt{d_k}"))
    elif scale == 1:
        scaled_formula = E.Mul((qn.sym, kt), "")
    else:
        scaled_formula = E.Mul((cn.sym, E.Mul((qn.sym, kt), "")), "·")

    def show_scaled(R: Any, c: float) -> list[E.Expr]:
        R = np.atleast_2d(np.asarray(R, float))
        if c == 1 and not default_scale:
            return []
        if R.size <= EXPAND_MAX_CELLS:
            return [E.Matrix(tuple(tuple(E.mul(c, x) for x in row) for row in R))]
        return [E.mul(c, Num(R))]

    def explain_scaled(R: Any, c: float, S: Any) -> str:
        if default_scale:
            return (f"1/√d_k = 1/√{d_k} = {c:.6g} (d_k = {d_k}, the length of each query and key). Dividing by "
                    "√d_k keeps the scores' spread from growing with d_k, so the softmax does not saturate.")
        if c == 1:
            return "scale 1: plain dot-product scores, not divided by √d_k (Luong's 'dot' score)."
        return f"scale c = {c:.6g} as given (the default would be 1/√d_k = 1/√{d_k} = {1 / math.sqrt(d_k):.6g})."

    masked_key = "scaled" if causal else "scores"
    scaled = g.step(masked_key, "Scaled scores" if causal or scale != 1 or default_scale else "Scores (no scaling)",
                    Sym("S"), scaled_formula, [raw, cn],
                    lambda R, c: np.atleast_2d(np.asarray(R, float)) * c, show_scaled, explain_scaled)

    # -- causal mask --------------------------------------------------------------------------------------------
    scores = scaled
    if causal:
        def apply_mask(S: Any) -> np.ndarray:
            out = np.atleast_2d(np.array(S, dtype=float))
            out[np.triu_indices(out.shape[0], k=1, m=out.shape[1])] = -np.inf
            return out

        n_masked = int(np.triu_indices(n_q, k=1, m=n_k)[0].size)
        scores = g.step("scores", "Causal mask: hide the keys after each query", Sym("S_masked", r"S^{\text{mask}}"),
                        E.Text("S_ij if j ≤ i, -∞ if j > i",
                               r"\begin{cases} S_{ij} & j \leq i \\ -\infty & j > i \end{cases}"),
                        [scaled], apply_mask, lambda S: [],
                        f"Query i may look only at keys j ≤ i (itself and earlier positions); the {n_masked} "
                        "entries above the diagonal become -∞, so e^(-∞) = 0 and they get weight 0.")

    # -- softmax, row by row --------------------------------------------------------------------------------------
    S0 = np.asarray(g.values[scores.key], float)
    finite = S0[np.isfinite(S0)]
    shift = bool(finite.size) and float(np.max(np.abs(finite))) > SHIFT_ABOVE
    e_ij = Sym("E_ij", "E_{ij}")
    if shift:
        mn = g.step("m", "Largest score in each row", Sym("m_i"), E.Text("max_j S_ij", r"\max_j S_{ij}"),
                    [scores], lambda S: _row_max(np.atleast_2d(np.asarray(S, float))),
                    lambda S: [E.Matrix.column(E.Call("max", tuple(Num(x) for x in row if not np.isneginf(x))
                                                      or (Num(-np.inf),))
                                               for row in np.atleast_2d(np.asarray(S, float)))]
                    if np.size(S) <= EXPAND_MAX_CELLS else [],
                    "Subtracting each row's largest score leaves its softmax unchanged (the common factor e^(-m) "
                    "cancels) and keeps e^x from overflowing: e^1000 is inf in floating point.")

        def exp_rule(S: Any, m: Any) -> np.ndarray:
            S = np.atleast_2d(np.asarray(S, float))
            with np.errstate(invalid="ignore", over="ignore"):
                e = np.exp(S - np.asarray(m, float).reshape(-1, 1))
            e[np.isneginf(S)] = 0.0
            return e

        def show_exp(S: Any, m: Any) -> list[E.Expr]:
            S = np.atleast_2d(np.asarray(S, float))
            m = np.asarray(m, float).reshape(-1)
            if S.size > EXPAND_MAX_CELLS:
                return []
            return [E.Matrix(tuple(tuple(E.Pow(Sym("e"), E.Add((Num(x), E.Neg(Num(m[i])))))
                                         for x in row) for i, row in enumerate(S)))]

        exps = g.step("exp", "Exponentials, each row shifted by its largest score", e_ij,
                      E.Pow(Sym("e"), E.Add((Sym("S_ij", "S_{ij}"), E.Neg(Sym("m_i"))))), [scores, mn],
                      exp_rule, show_exp,
                      "e^(S_ij - m_i), entry by entry" + ("; masked entries give e^(-∞) = 0." if causal else "."))
        g.conventions.append("Softmax computed stably: each row of scores is shifted by its largest entry before "
                             "exponentiating (softmax(x - m) = softmax(x)), as torch.softmax does internally.")
    else:
        def exp_rule1(S: Any) -> np.ndarray:
            S = np.atleast_2d(np.asarray(S, float))
            with np.errstate(over="ignore"):
                return np.exp(S)

        def show_exp1(S: Any) -> list[E.Expr]:
            S = np.atleast_2d(np.asarray(S, float))
            if S.size > EXPAND_MAX_CELLS:
                return []
            return [E.Matrix(tuple(tuple(E.Pow(Sym("e"), Num(x)) for x in row) for row in S))]

        exps = g.step("exp", "Exponentials", e_ij, E.Pow(Sym("e"), Sym("S_ij", "S_{ij}")), [scores],
                      exp_rule1, show_exp1,
                      "e raised to each score, entry by entry" + ("; masked entries give e^(-∞) = 0." if causal
                                                                   else "."))

    def show_sums(e: Any) -> list[E.Expr]:
        e = np.atleast_2d(np.asarray(e, float))
        if e.shape[1] > EXPAND_MAX_TERMS:
            return []
        sums = [E.Add(tuple(Num(x) for x in row)) if row.size > 1 else Num(row[0]) for row in e]
        return [sums[0]] if len(sums) == 1 else [E.Matrix.column(sums)]

    sums = g.step("Z", "Sum of each row's exponentials", Sym("Z_i", "Z_i"),
                  E.Text("Σⱼ E_ij", r"\sum_j E_{ij}"), [exps],
                  lambda e: np.atleast_2d(np.asarray(e, float)).sum(axis=1), show_sums,
                  "Row i's normaliser: every exponential in row i is divided by Z_i.")

    def show_weights(e: Any, z: Any) -> list[E.Expr]:
        e = np.atleast_2d(np.asarray(e, float))
        z = np.asarray(z, float).reshape(-1)
        if e.size > EXPAND_MAX_CELLS:
            return []
        return [E.Matrix(tuple(tuple(E.Div(Num(x), Num(z[i])) for x in row) for i, row in enumerate(e)))]

    def explain_weights(e: Any, z: Any, A: Any) -> str:
        A = np.atleast_2d(np.asarray(A, float))
        if A.shape[0] == 1:
            total = " + ".join(f"{w:.4g}" for w in A[0]) + f" = {A[0].sum():.6g}"
            text = ("Softmax of the row: each exponential over their sum, so every weight lies in [0, 1] and "
                    f"they add up to 1 ({total}).")
        else:
            rows = ", ".join(f"{s:.6g}" for s in A.sum(axis=1))
            text = ("Softmax along each row: each exponential over its row's sum, so every weight lies in [0, 1] "
                    f"and each row sums to 1 (row sums {rows}).")
        if causal:
            text += " Masked entries have weight 0."
        if np.any(np.asarray(z, float) == 0):
            text += " A row whose keys are all masked has nothing to attend to: its weights are set to 0."
        return text

    weights = g.step("weights", "Attention weights: softmax of each row", Sym("A"),
                     E.Div(e_ij, Sym("Z_i")), [exps, sums], _normalise, show_weights, explain_weights)

    # -- output ---------------------------------------------------------------------------------------------------
    def show_output(A: Any, Vv: Any) -> list[E.Expr]:
        A = np.atleast_2d(np.asarray(A, float))
        Vv = np.atleast_2d(np.asarray(Vv, float))
        if A.shape[1] > EXPAND_MAX_TERMS or Vv.shape[1] > EXPAND_MAX_TERMS or A.shape[0] > 8:
            return []
        rows = []
        for w in A:
            terms = [E.mul(w[j], Num(Vv[j:j + 1])) for j in range(A.shape[1]) if w[j] != 0] \
                or [E.mul(0.0, Num(Vv[0:1]))]
            rows.append(E.Add(tuple(terms)) if len(terms) > 1 else terms[0])
        return [rows[0]] if len(rows) == 1 else [E.Matrix.column(rows)]

    def explain_output(A: Any, Vv: Any, O: Any) -> str:
        one = np.atleast_2d(np.asarray(A, float)).shape[0] == 1
        text = ("The output (the context vector) is the weighted average Σ_j A_j v_j of the value rows, with the "
                "attention weights as coefficients." if one else
                "Row i of the output is Σ_j A_ij v_j: the average of the value rows weighted by row i of A.")
        if causal:
            text += " Masked keys (weight 0) are left out."
        return text

    g.step("output", "Output: the weighted sum of the values", Sym("O"),
           E.Mul((weights.sym, vn.sym), ""), [weights, vn],
           lambda A, Vv: np.atleast_2d(np.asarray(A, float)) @ np.atleast_2d(np.asarray(Vv, float)),
           show_output, explain_output)

    if default_scale:
        g.conventions.append(f"Scores scaled by 1/√d_k = 1/√{d_k} as in 'Attention Is All You Need' and "
                             "torch.nn.functional.scaled_dot_product_attention's default (scale=None).")
    else:
        g.conventions.append(f"Scale {scale:g} as given, instead of the default 1/√d_k of 'Attention Is All You "
                             "Need' and torch.nn.functional.scaled_dot_product_attention (scale=None)"
                             + ("; scale 1 gives plain dot-product scores." if scale == 1 else "."))
    g.conventions.append("One query, key and value per row; softmax along each row (over the keys); output = A V. "
                         "torch.nn.functional.scaled_dot_product_attention(Q, K, V) computes the same output.")
    if causal:
        g.conventions.append("Causal mask: query i sees keys j ≤ i, counting both from the first position, as "
                             "is_causal=True in torch (aligned top-left). With a key/value cache, where the queries "
                             "are the last n_q positions, torch offers causal_lower_right instead.")


# -- the catalogue of mistakes (tutor check / tutor quiz name them when a student's number matches) -------------
def _d_k(sol: Solution) -> int:
    return int(np.atleast_2d(np.asarray(sol.values["Q"], float)).shape[1])


def _scale(sol: Solution) -> float:
    return float(sol.values["scale"])


def _default_scale(sol: Solution) -> bool:
    """The problem scales by 1/√d_k (and d_k > 1, so that dividing by d_k instead is a different number)."""
    return _d_k(sol) > 1 and math.isclose(_scale(sol), 1 / math.sqrt(_d_k(sol)), rel_tol=1e-12)


def _softmax_down_columns(v: Any) -> np.ndarray:
    """Softmax of each column of the scores (over the queries), masked entries staying 0."""
    S = np.atleast_2d(np.asarray(v["scores"], float))
    finite = np.where(np.isneginf(S), -np.inf, S)
    top = np.max(finite, axis=0)
    top = np.where(np.isneginf(top), 0.0, top)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(S - top[None, :])
    e[np.isneginf(S)] = 0.0
    z = e.sum(axis=0)
    out = np.zeros_like(e)
    ok = z > 0
    out[:, ok] = e[:, ok] / z[None, ok]
    return out


def _scores_as_weights(v: Any) -> np.ndarray:
    S = np.atleast_2d(np.array(v["scores"], dtype=float))
    S[np.isneginf(S)] = 0.0
    return S


def uniform_row(sol: Solution) -> str | None:
    """A query whose scores are all equal gets uniform weights whatever the scaling: nothing to practise there."""
    S = np.atleast_2d(np.asarray(sol.values["scores"], float))
    for i, row in enumerate(S):
        seen = row[np.isfinite(row)]
        if seen.size > 1 and np.all(seen == seen[0]):
            return f"every score of query {i + 1} is the same, so its weights are uniform"
    return None


mistakes(
    "attention",
    Mistake("scores without the 1/√d_k scaling",
            "Scaled dot-product attention divides QKᵀ by √d_k before the softmax: dot products of longer vectors "
            "are larger, and unscaled they push the softmax towards one-hot weights.",
            params=lambda p: {"scale": 1.0},
            applies=lambda sol: _scale(sol) != 1),
    Mistake("scores divided by d_k instead of √d_k",
            "The scale is 1/√d_k: the spread of a dot product of d_k terms grows like √d_k, not like d_k.",
            params=lambda p: {"scale": 1.0 / np.atleast_2d(p["Q"]).shape[1]},
            applies=_default_scale),
    Mistake("scores divided by √d_k where plain dot products were asked",
            "This problem uses plain dot-product scores (scale 1, Luong's 'dot' score), as the notes do; the 1/√d_k "
            "of scaled dot-product attention is not part of it.",
            params=lambda p: {"scale": None},
            applies=lambda sol: _scale(sol) == 1 and _d_k(sol) > 1),
    Mistake("softmax down each column (over the queries) instead of along each row",
            "Each query spreads its attention over the keys: softmax along row i (over j), so every row of weights "
            "sums to 1. Normalising each column mixes different queries' scores.",
            rules={"weights": _softmax_down_columns},
            applies=lambda sol: np.atleast_2d(np.asarray(sol.values["Q"])).shape[0] > 1),
    Mistake("scores used as the weights, without the softmax",
            "The weights are softmax(scores), row by row: positive and summing to 1 for each query. The raw scores "
            "are neither, and a score of 0 still gets weight e⁰/Z > 0.",
            rules={"weights": _scores_as_weights}),
)
degenerate("attention", uniform_row)
