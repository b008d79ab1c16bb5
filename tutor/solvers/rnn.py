"""Recurrent cells worked by hand: a vanilla (Elman) RNN unrolled over T time steps, and one GRU step.

States may be numbers (a scalar RNN, one unit) or vectors; weights are then numbers or matrices. A quantity with
one unit is shown as a number, never as a 1-vector, so a scalar RNN reads as school arithmetic.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from tutor.engine import expr as E
from tutor.engine.expr import Expr, Num, Sym
from tutor.engine.ops import EXPAND_MAX_ELEMENTS, EXPAND_MAX_TERMS, Graph, Node
from tutor.engine.step import substitute
from tutor.errors import TutorError
from tutor.mistakes import Mistake, mistakes
from tutor.params import Param, Params, to_matrix, to_number
from tutor.registry import solver
from tutor.solvers import expect_matrix, expect_vector, shape_text

MAX_TIME_STEPS = 100


# -- numbers ------------------------------------------------------------------------------------------------------
def _unit(a: Any) -> Any:
    """One entry → a float; otherwise a float array (replace() may hand us lists)."""
    arr = np.asarray(a, dtype=float)
    return float(arr.reshape(-1)[0]) if arr.size == 1 and arr.ndim <= 1 else arr


def _mv(W: Any, v: Any) -> Any:
    """W v for a number or a matrix W and a number or a vector v (a number is a vector of one)."""
    Wa, va = np.asarray(W, float), np.asarray(v, float)
    if Wa.ndim == 0:
        return Wa * va
    return Wa @ np.atleast_1d(va)


def _weight(value: Any, name: str) -> Any:
    """A weight: a number (one unit on each side) or a matrix given as a list of rows."""
    if isinstance(value, (list, tuple)):
        return to_matrix(value, name)
    try:
        return to_number(value, name)
    except TutorError as e:
        raise TutorError(f"expected a matrix as a list of rows such as [[0.5, -0.3], [0.2, 0.2]], or a number "
                         f"for a single unit; {e.message}", field=name) from None


def _size(v: Any) -> int:
    return int(np.asarray(v).size)


def _check_weight(name: str, W: Any, rows: int, cols: int, why: str) -> None:
    """W must be rows × cols; a number stands for 1×1."""
    if np.ndim(W) == 0:
        if rows != 1 or cols != 1:
            raise TutorError(f"is a number but must be a {rows}×{cols} matrix: {why}", field=name)
        return
    expect_matrix(name, W, rows, cols, why)


def _check_state(name: str, v: Any, n: int, why: str) -> None:
    if np.ndim(v) == 0:
        if n != 1:
            raise TutorError(f"is a number but {why} needs {n} entries", field=name)
        return
    expect_vector(name, v, n, why)


# -- steps that work with numbers and with vectors ---------------------------------------------------------------
def _row_terms(W: Any, v: Any, r: int) -> list[Expr]:
    W2 = np.asarray(W, float).reshape(1, 1) if np.ndim(W) == 0 else np.asarray(W, float)
    v1 = np.atleast_1d(np.asarray(v, float))
    return [E.mul(float(W2[r, c]), float(v1[c])) for c in range(W2.shape[1])]


def _affine(g: Graph, key: str, title: str, terms: Sequence[tuple[Node, Node]], bias: Node | None,
            sym: Sym | str, explain: Any = "", hidden: bool = False) -> Node:
    """Σ_k W_k v_k (+ b), for numbers or matrices: written out row by row while it stays readable."""
    scalar = all(np.ndim(g.values[w.key]) == 0 and np.ndim(g.values[v.key]) == 0 for w, v in terms)
    op = "·" if scalar else ""
    parts: list[Expr] = [E.Mul((w.sym, v.sym), op) for w, v in terms]
    inputs: list[Node] = [n for pair in terms for n in pair]
    if bias is not None:
        parts.append(bias.sym)
        inputs.append(bias)
    formula = E.Add(tuple(parts)) if len(parts) > 1 else parts[0]
    nterms, has_bias = len(terms), bias is not None
    syms = [n.sym for n in inputs]

    def rule(*vals: Any) -> Any:
        total: Any = 0.0
        for k in range(nterms):
            total = total + _mv(vals[2 * k], vals[2 * k + 1])
        if has_bias:
            total = total + np.asarray(vals[-1], float)
        return _unit(total)

    def show(*vals: Any) -> list[Expr]:
        lines = [substitute(formula, {id(s): v for s, v in zip(syms, vals)})]
        if all(np.ndim(v) == 0 for v in vals):
            return lines  # numbers only: the substitution is already the whole working
        rows = 1 if np.ndim(vals[0]) == 0 else np.asarray(vals[0]).shape[0]
        width = sum(1 if np.ndim(vals[2 * k]) == 0 else np.asarray(vals[2 * k]).shape[1] for k in range(nterms))
        if rows <= EXPAND_MAX_ELEMENTS and width + has_bias <= EXPAND_MAX_TERMS:
            b = np.broadcast_to(np.asarray(vals[-1], float).reshape(-1), (rows,)) if has_bias else None
            entries = []
            for r in range(rows):
                ts: list[Expr] = [t for k in range(nterms) for t in _row_terms(vals[2 * k], vals[2 * k + 1], r)]
                if b is not None:
                    ts.append(Num(float(b[r])))
                entries.append(E.Add(tuple(ts)) if len(ts) > 1 else ts[0])
            lines.append(entries[0] if rows == 1 else E.Matrix.column(entries))
        return lines

    return g.step(key, title, sym, formula, inputs, rule, show, explain, hidden)


def _sum(g: Graph, key: str, title: str, terms: Sequence[Node], sym: Sym | str, explain: Any = "") -> Node:
    """a + b (+ c), entry by entry."""
    formula = E.Add(tuple(t.sym for t in terms))
    syms = [t.sym for t in terms]

    def rule(*vals: Any) -> Any:
        return _unit(sum(np.asarray(v, float) for v in vals))

    def show(*vals: Any) -> list[Expr]:
        lines = [substitute(formula, {id(s): v for s, v in zip(syms, vals)})]
        arrs = [np.asarray(v, float) for v in vals]
        if all(a.ndim == 1 and a.shape == arrs[0].shape for a in arrs) and arrs[0].size <= EXPAND_MAX_ELEMENTS:
            lines.append(E.Matrix.column(E.Add(tuple(Num(float(a[r])) for a in arrs)) for r in range(arrs[0].size)))
        return lines

    return g.step(key, title, sym, formula, terms, rule, show, explain)


def _product(g: Graph, key: str, title: str, a: Node, b: Node, sym: Sym | str, explain: Any,
             one_minus: bool = False) -> Node:
    """a ⊙ b, or (1 - a) ⊙ b: entry by entry (a plain product for numbers)."""
    first: Expr = E.Paren(E.Add((Num(1), E.Neg(a.sym)))) if one_minus else a.sym
    scalar = np.ndim(g.values[a.key]) == 0 and np.ndim(g.values[b.key]) == 0
    op = "·" if scalar else "⊙"
    formula = E.Mul((first, b.sym), op)

    def rule(u: Any, v: Any) -> Any:
        u = np.asarray(u, float)
        return _unit((1 - u if one_minus else u) * np.asarray(v, float))

    def factor(x: float) -> Expr:
        return E.Paren(E.Add((Num(1), E.Neg(Num(x))))) if one_minus else Num(x)

    def show(u: Any, v: Any) -> list[Expr]:
        ua, va = np.asarray(u, float), np.asarray(v, float)
        if ua.ndim == 0 and va.ndim == 0:
            lines: list[Expr] = [E.Mul((factor(float(ua)), Num(float(va))), "·")]
            if one_minus:
                lines.append(E.mul(1 - float(ua), float(va)))
            return lines
        first_num: Expr = E.Paren(E.Add((Num(1), E.Neg(Num(ua))))) if one_minus else Num(ua)
        lines = [E.Mul((first_num, Num(va)), "⊙")]
        if ua.ndim == 1 and ua.shape == va.shape and ua.size <= EXPAND_MAX_ELEMENTS:
            lines.append(E.Matrix.column(E.Mul((factor(float(p)), Num(float(q))), "·") for p, q in zip(ua, va)))
        return lines

    return g.step(key, title, sym, formula, [a, b], rule, show, explain)


# -- vanilla RNN -----------------------------------------------------------------------------------------------------
RNN_PARAMS = [
    Param("x", "series", "the inputs x_1..x_T, one per time step: numbers (one input unit) or lists of D numbers"),
    Param("W_xh", "structure", "input-to-hidden weights: an H×D matrix (list of rows), or a number when H = D = 1"),
    Param("W_hh", "structure", "hidden-to-hidden (recurrent) weights: an H×H matrix, or a number for one unit"),
    Param("W_hy", "structure", "hidden-to-output weights: a K×H matrix, or a number when K = H = 1"),
    Param("h0", "number|vector", "initial hidden state h_0 (H entries, a number for one unit); zeros if not given",
          default=None),
    Param("b_h", "number|vector", "hidden bias b (H entries); zero (left out) if not given", default=None),
    Param("b_y", "number|vector", "output bias b_y (K entries); zero (left out) if not given", default=None),
]


def _t(name: str, t: int, tex: str | None = None) -> Sym:
    return Sym(f"{name}_{t}", f"{tex or name}_{{{t}}}")


def _series_sym(name: str, T: int) -> Sym:
    return _t(name, 1) if T == 1 else Sym(f"{name}_1…{name}_{T}", f"{name}_1,\\dots,{name}_{{{T}}}")


@solver("rnn_forward", title="Vanilla RNN, forward over T time steps", topic="recurrent", params=RNN_PARAMS,
        answer=["h", "y"])
def rnn_forward(p: Params, g: Graph) -> None:
    """z_t = W_hh h_{t-1} + W_xh x_t + b; h_t = tanh(z_t); y_t = W_hy h_t (+ b_y), for t = 1..T from h_0
    (zeros unless given). States and weights may be numbers (one unit) or vectors and matrices."""
    W_xh, W_hh, W_hy = _weight(p["W_xh"], "W_xh"), _weight(p["W_hh"], "W_hh"), _weight(p["W_hy"], "W_hy")
    X = np.asarray(p["x"], float)
    T = X.shape[0]
    if T > MAX_TIME_STEPS:
        raise TutorError(f"{T} time steps: at most {MAX_TIME_STEPS} are worked out", field="x")
    D = 1 if X.ndim == 1 else X.shape[1]
    if np.ndim(W_hh) == 2 and W_hh.shape[0] != W_hh.shape[1]:
        raise TutorError(f"has shape {shape_text(W_hh)} but must be square (H×H): it maps h_(t-1) to the next "
                         "hidden state, which has the same size", field="W_hh")
    H = 1 if np.ndim(W_hh) == 0 else W_hh.shape[0]
    _check_weight("W_xh", W_xh, H, D, f"H×D with H = {H} (W_hh) and D = {D} (each x_t)")
    K = 1 if np.ndim(W_hy) == 0 else W_hy.shape[0]
    _check_weight("W_hy", W_hy, K, H, f"K×H with H = {H} (W_hh); K is the number of outputs")
    h0 = _unit(p["h0"]) if "h0" in p else (0.0 if H == 1 else np.zeros(H))
    _check_state("h0", h0, H, f"the hidden state (W_hh is {H}×{H})")
    b_h = _unit(p["b_h"]) if "b_h" in p else None
    if b_h is not None:
        _check_state("b_h", b_h, H, f"the hidden state (W_hh is {H}×{H})")
    b_y = _unit(p["b_y"]) if "b_y" in p else None
    if b_y is not None:
        _check_state("b_y", b_y, K, f"the output (W_hy has {K} row{'s' if K > 1 else ''})")

    xs = g.given("x", X, _series_sym("x", T), "the inputs, one " + ("number" if D == 1 else "row") + " per time step")
    wxh = g.given("W_xh", W_xh, Sym("W_xh", "W_{xh}"), "input-to-hidden weights")
    whh = g.given("W_hh", W_hh, Sym("W_hh", "W_{hh}"), "hidden-to-hidden (recurrent) weights, shared by all steps")
    why = g.given("W_hy", W_hy, Sym("W_hy", "W_{hy}"), "hidden-to-output weights")
    h = g.given("h0", h0, Sym("h_0"), "initial hidden state" + ("" if "h0" in p else " (zeros: not given)"))
    bh = g.given("b_h", b_h, Sym("b_h", "b_h"), "hidden bias") if b_h is not None else None
    by = g.given("b_y", b_y, Sym("b_y", "b_y"), "output bias") if b_y is not None else None

    hs, ys = [], []
    for t in range(1, T + 1):
        xt = g.step(f"x_{t}", f"Input at time step {t}", _t("x", t), E.Text(f"entry {t} of x"), [xs],
                    lambda Xv, _t=t: _unit(np.asarray(Xv, float)[_t - 1]), lambda Xv: [],
                    f"The input given for time step {t}.", hidden=True)
        sep, sep_tex = _juxtapose(W_hh, g.values[h.key])
        rec = _affine(g, f"Whh_h_{t}", f"Time step {t}: recurrent term W_hh h_{t - 1}", [(whh, h)], None,
                      Sym(f"W_hh{sep}h_{t - 1}", f"W_{{hh}}{sep_tex}h_{{{t - 1}}}"),
                      _rec_explain(t))
        sep, sep_tex = _juxtapose(W_xh, g.values[xt.key])
        inp = _affine(g, f"Wxh_x_{t}", f"Time step {t}: input term W_xh x_{t}", [(wxh, xt)], None,
                      Sym(f"W_xh{sep}x_{t}", f"W_{{xh}}{sep_tex}x_{{{t}}}"),
                      f"What the new input x_{t} contributes" + (", row by row." if H > 1 else "."))
        z = _sum(g, f"z_{t}", f"Time step {t}: pre-activation z_{t}", [rec, inp] + ([bh] if bh else []),
                 _t("z", t), f"The past (through h_{t - 1}) plus the present (through x_{t})"
                 + (" plus the bias b_h" if bh else "") + (", entry by entry" if H > 1 else "")
                 + ": this is what goes into tanh.")
        h = g.tanh(f"h_{t}", f"Time step {t}: hidden state h_{t}", z, _t("h", t),
                   f"h_{t} = tanh(z_{t})" + (", entry by entry; every entry lies" if H > 1 else f"; h_{t} lies")
                   + " in (-1, 1). It is the memory carried to the next step.")
        y = _affine(g, f"y_{t}", f"Time step {t}: output y_{t}", [(why, h)], by, _t("y", t),
                    f"The output read from h_{t} with W_hy" + (" plus b_y" if by else "")
                    + "; no activation is applied to y here (a softmax would come after, for classes).")
        hs.append(h)
        ys.append(y)

    for key, nodes, meaning in (("h", hs, "hidden states"), ("y", ys, "outputs")):
        listing = E.Text(f"({key}_1, …, {key}_{T})", rf"\left({key}_1, \dots, {key}_{{{T}}}\right)")
        g.step(key, f"All {meaning}, t = 1..{T}", _series_sym(key, T), listing, nodes,
               lambda *vals: np.array([np.asarray(v, float) for v in vals]), lambda *vals: [],
               f"The {meaning} of the {T} time steps, one {'row' if (H if key == 'h' else K) > 1 else 'entry'} "
               "per step.", hidden=True)

    g.conventions.append("h_t = tanh(W_hh h_{t-1} + W_xh x_t + b) and y_t = W_hy h_t + b_y, with the same weights "
                         "at every time step; PyTorch's nn.RNN computes tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) "
                         "(two hidden biases, which add up to this b) and has no output layer: y_t is a separate "
                         "nn.Linear.")
    missing = [n for n, v in (("h0", "h0" in p), ("b_h", b_h is not None), ("b_y", b_y is not None)) if not v]
    if missing:
        said = {"h0": "h_0 is taken as zeros", "b_h": "no hidden bias", "b_y": "no output bias"}
        g.conventions.append("Not given: " + "; ".join(said[m] for m in missing) + ".")


def _juxtapose(W: Any, v: Any) -> tuple[str, str]:
    """How W v is written: W·v for two numbers, W v for a matrix and a vector."""
    return ("·", r" \cdot ") if np.ndim(W) == 0 and np.ndim(v) == 0 else (" ", " ")


def _rec_explain(t: int) -> Any:
    def explain(W: Any, hprev: Any, value: Any) -> str:
        if not np.any(np.asarray(hprev, float)):
            return f"h_{t - 1} is all zeros, so the past contributes nothing at this step."
        return f"What the previous hidden state h_{t - 1} contributes, through the recurrent weights W_hh."

    return explain


# -- GRU -------------------------------------------------------------------------------------------------------------
GRU_GATES = (("z", "update gate"), ("r", "reset gate"))  # key (also the suffix of its weights), name
GRU_PARTS = GRU_GATES + (("h", "candidate"),)

GRU_PARAMS = [
    Param("x", "number|vector", "input x_t (D entries, a number for one input)"),
    Param("h_prev", "number|vector", "previous hidden state h_{t-1} (H entries, a number for one unit)"),
]
for _s, _name in GRU_PARTS:
    GRU_PARAMS += [
        Param(f"W_x{_s}", "structure", f"{_name}: input weights, H×D (a number when H = D = 1)"),
        Param(f"W_h{_s}", "structure", f"{_name}: recurrent weights, H×H (a number when H = 1)"),
        Param(f"b_{_s}", "number|vector", f"{_name}: bias (H entries); zero if not given", default=None),
    ]
GRU_PARAMS.append(Param("update", "choice", "which way z mixes: 'pytorch' h = (1 - z) ⊙ h̃ + z ⊙ h_prev (z keeps the "
                                            "old state), 'cho' h = (1 - z) ⊙ h_prev + z ⊙ h̃ (Cho et al. 2014: z "
                                            "writes the new)", default="pytorch", choices=("pytorch", "cho")))


@solver("gru_step", title="GRU cell, one time step", topic="recurrent", params=GRU_PARAMS,
        answer=["z", "r", "h_tilde", "h"])
def gru_step(p: Params, g: Graph) -> None:
    """z = σ(W_xz x + W_hz h_prev + b_z); r = σ(W_xr x + W_hr h_prev + b_r); h̃ = tanh(W_xh x + W_hh (r ⊙ h_prev)
    + b_h); h = (1 - z) ⊙ h̃ + z ⊙ h_prev (update: pytorch, the default) or h = (1 - z) ⊙ h_prev + z ⊙ h̃
    (update: cho). Biases default to zero."""
    x, h_prev = _unit(p["x"]), _unit(p["h_prev"])
    D, H = _size(x), _size(h_prev)
    W: dict[str, Any] = {}
    for s, _ in GRU_PARTS:
        W[f"W_x{s}"] = _weight(p[f"W_x{s}"], f"W_x{s}")
        W[f"W_h{s}"] = _weight(p[f"W_h{s}"], f"W_h{s}")
        _check_weight(f"W_x{s}", W[f"W_x{s}"], H, D, f"H×D with H = {H} (h_prev) and D = {D} (x)")
        _check_weight(f"W_h{s}", W[f"W_h{s}"], H, H, f"H×H with H = {H} (h_prev)")
        if f"b_{s}" in p:
            W[f"b_{s}"] = _unit(p[f"b_{s}"])
            _check_state(f"b_{s}", W[f"b_{s}"], H, f"the gate (h_prev has {H} entr{'ies' if H > 1 else 'y'})")
    cho = p["update"] == "cho"

    xn = g.given("x", x, Sym("x", "x_t"), "input at time t")
    hn = g.given("h_prev", h_prev, Sym("h_prev", "h_{t-1}"), "previous hidden state")
    nodes: dict[str, Node] = {}
    missing_bias = []
    for s, name in GRU_PARTS:
        nodes[f"W_x{s}"] = g.given(f"W_x{s}", W[f"W_x{s}"], Sym(f"W_x{s}", f"W_{{x{s}}}"), f"{name}, input weights")
        nodes[f"W_h{s}"] = g.given(f"W_h{s}", W[f"W_h{s}"], Sym(f"W_h{s}", f"W_{{h{s}}}"),
                                   f"{name}, recurrent weights")
        if f"b_{s}" in W:
            nodes[f"b_{s}"] = g.given(f"b_{s}", W[f"b_{s}"], Sym(f"b_{s}", f"b_{{{s}}}"), f"{name}, bias")
        else:
            missing_bias.append(f"b_{s}")

    vec = H > 1
    ew = ", entry by entry" if vec else ""
    dot, dot_tex = ("⊙", r"\odot") if vec else ("·", r"\cdot")
    gates: dict[str, Node] = {}
    for key, name in GRU_GATES:
        s = key
        a = _affine(g, f"a_{key}", f"{name.capitalize()} pre-activation", [(nodes[f"W_x{s}"], xn),
                    (nodes[f"W_h{s}"], hn)], nodes.get(f"b_{s}"), Sym(f"a_{key}", f"a_{{{key}}}"),
                    f"The {name}'s input: the weighted input plus the weighted previous state"
                    + (" plus the bias" if f"b_{s}" in nodes else "") + (", row by row." if vec else "."))
        what = ("the share of the old state kept" if not cho else "the share of the new candidate written") \
            if key == "z" else "how much of h_prev the candidate may look at"
        lies = "every entry lies in (0, 1)" if vec else f"{key} lies in (0, 1)"
        gates[key] = g.sigmoid(key, f"{name.capitalize()}: {what}", a, Sym(key, f"{key}_t"),
                               f"σ{ew}: {lies}. " + (
                                   "Near 0 the candidate ignores that part of h_prev (a reset); near 1 it sees it all."
                                   if key == "r" else
                                   ("Near 1 the unit keeps its old state, near 0 it takes the candidate."
                                    if not cho else
                                    "Near 1 the unit takes the candidate, near 0 it keeps its old state.")))

    rh = _product(g, "r_h_prev", "Reset applied to the previous state", gates["r"], hn,
                  Sym(f"r{dot}h_prev", rf"r_t {dot_tex} h_{{t-1}}"),
                  f"r {dot} h_prev{ew}: the part of the previous state the candidate gets to see.")
    rh_in = Node(rh.key, Sym(f"(r{dot}h_prev)", rf"(r_t {dot_tex} h_{{t-1}})"))  # W_hh multiplies the product
    a_h = _affine(g, "a_h", "Candidate pre-activation", [(nodes["W_xh"], xn), (nodes["W_hh"], rh_in)],
                  nodes.get("b_h"), Sym("a_h", "a_{h}"),
                  f"Like a vanilla RNN's pre-activation, but the recurrent weights see the reset state r {dot} h_prev.")
    ht = g.tanh("h_tilde", "Candidate state h̃", a_h, Sym("h̃", r"\tilde{h}_t"),
                f"tanh{ew}: the new content proposed for the state, in (-1, 1).")
    each = "each entry of " if vec else ""
    if cho:
        keep = _product(g, "keep", "What is kept of the previous state", gates["z"], hn,
                        Sym(f"(1 - z){dot}h_prev", rf"(1 - z_t) {dot_tex} h_{{t-1}}"),
                        f"1 - z of {each}h_prev survives.", one_minus=True)
        write = _product(g, "write", "What is written of the candidate", gates["z"], ht,
                         Sym(f"z{dot}h̃", rf"z_t {dot_tex} \tilde{{h}}_t"), f"z of {each}the candidate is written.")
    else:
        keep = _product(g, "keep", "What is kept of the previous state", gates["z"], hn,
                        Sym(f"z{dot}h_prev", rf"z_t {dot_tex} h_{{t-1}}"), f"z of {each}h_prev survives.")
        write = _product(g, "write", "What is written of the candidate", gates["z"], ht,
                         Sym(f"(1 - z){dot}h̃", rf"(1 - z_t) {dot_tex} \tilde{{h}}_t"),
                         f"1 - z of {each}the candidate is written.", one_minus=True)
    _sum(g, "h", "New hidden state", [keep, write], Sym("h", "h_t"),
         (f"h = (1 - z) {dot} h_prev + z {dot} h̃" if cho else f"h = z {dot} h_prev + (1 - z) {dot} h̃")
         + (": each entry lies" if vec else ": h lies") + " between the old value and the candidate's, mixed by z.")

    if cho:
        g.conventions.append("update: cho, h = (1 - z) ⊙ h_prev + z ⊙ h̃, as in Cho et al. (2014) and many "
                             "textbooks (z is the share of the new candidate). PyTorch's GRUCell uses the other "
                             "way round, h = (1 - z) ⊙ n + z ⊙ h_prev (update: pytorch, the default here).")
    else:
        g.conventions.append("update: pytorch (the default), h = (1 - z) ⊙ h̃ + z ⊙ h_prev, as PyTorch's GRUCell "
                             "computes it (z is the share of the old state kept). Cho et al. (2014) and many "
                             "textbooks write h = (1 - z) ⊙ h_prev + z ⊙ h̃ instead (update: cho); the two are the "
                             "same cell with z read as 1 - z.")
    g.conventions.append("The reset gate multiplies h_prev before the recurrent weights, W_hh (r ⊙ h_prev), as in "
                         "Cho et al. (2014). PyTorch's GRUCell applies it after the product, n = tanh(W_in x + b_in "
                         "+ r ⊙ (W_hn h_prev + b_hn)), which gives other numbers unless r is the same in every "
                         "entry.")
    if missing_bias:
        g.conventions.append(f"No bias given for {', '.join(missing_bias)}: taken as zero and left out of the working.")


# -- the catalogue of mistakes (tutor check / tutor quiz name them when a student's number matches) -------------
def _bias(v: Any, key: str) -> Any:
    return np.asarray(v[key], float) if key in v else 0.0


def _h_without_tanh(t: int) -> Any:
    return lambda v: _unit(v[f"z_{t}"])


def _h_tanh_on_recurrent_term(t: int) -> Any:
    return lambda v: _unit(np.tanh(np.asarray(v[f"Whh_h_{t}"], float)) + np.asarray(v[f"Wxh_x_{t}"], float)
                           + _bias(v, "b_h"))


mistakes(
    "rnn_forward",
    Mistake("h_t without the tanh",
            "h_t = tanh(W_hh h_{t−1} + W_xh x_t + b): the pre-activation is squashed by tanh, which keeps the "
            "state in (−1, 1) however long the sequence.",
            rules={f"h_{t}": _h_without_tanh(t) for t in range(1, MAX_TIME_STEPS + 1)}),
    Mistake("tanh around the recurrent term only",
            "tanh applies to the whole sum, h_t = tanh(W_hh h_{t−1} + W_xh x_t + b), not tanh(W_hh h_{t−1}) "
            "+ W_xh x_t.",
            rules={f"h_{t}": _h_tanh_on_recurrent_term(t) for t in range(1, MAX_TIME_STEPS + 1)}),
)


def _sigmoid(z: Any) -> Any:
    from tutor.engine.ops import sigmoid

    return sigmoid(z)


mistakes(
    "gru_step",
    Mistake("update gate mixed the other way round",
            "Here h = z ⊙ h_prev + (1 − z) ⊙ h̃ (PyTorch: z is the share of the old state kept) or, with update: "
            "cho, h = (1 − z) ⊙ h_prev + z ⊙ h̃ (z is the share of the new candidate). The two are the same cell "
            "with z read as 1 − z: use the problem's.",
            params=lambda p: {"update": "cho" if p["update"] == "pytorch" else "pytorch"}),
    Mistake("reset gate applied after W_hh",
            "This cell resets the state before the recurrent weights, W_hh (r ⊙ h_prev), as Cho et al. (2014); "
            "r ⊙ (W_hh h_prev) is PyTorch's GRUCell, a different cell whenever the entries of r differ.",
            rules={"a_h": lambda v: _unit(_mv(v["W_xh"], v["x"]) + np.asarray(v["r"], float)
                                          * np.asarray(_mv(v["W_hh"], v["h_prev"]), float) + _bias(v, "b_h"))}),
    Mistake("candidate through σ instead of tanh",
            "The candidate h̃ is the new content proposed for the state and must be able to be negative, so it "
            "goes through tanh, into (−1, 1); σ squeezes it into (0, 1) like the two gates.",
            rules={"h_tilde": lambda v: _sigmoid(v["a_h"])}),
)
