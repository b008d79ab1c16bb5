"""The perceptron training rule over a truth table, epoch by epoch, example by example.

For every example i of epoch k (examples in the order given, weights updated after each one):

    z_e{k}_{i}     z = w·x⁽ⁱ⁾ + b with the w and b left by the previous example
    yhat_e{k}_{i}  ŷ = step(z): 1 when z > θ (or z ≥ θ, with fires '>='), else 0
    err_e{k}_{i}   y⁽ⁱ⁾ − ŷ, which is 0, 1 or −1
    w_e{k}_{i}     w ← w + η(y − ŷ)x⁽ⁱ⁾
    b_e{k}_{i}     b ← b + η(y − ŷ)   (the bias is a weight on a constant input x₀ = 1)

These are hidden (checkable, not printed one by one); each epoch is printed as one table, step `errors_e{k}`
(its value: how many examples the epoch got wrong). Training stops after the first epoch with no error, or after
`epochs` epochs. The summary steps are `epochs_run`, `converged` (1 or 0), `w_final`, `b_final`, `yhat_final`
(the trained neuron's outputs) and `boundary` (the coefficients of w·x + (b − θ) = 0).

Arithmetic is exact on the decimals as written (0.1 + 0.1 − 0.2 is 0, as by hand): every value is stored as a
float, read back as the shortest decimal that gives that float, and combined as fractions. A training run reaches
the threshold exactly far more often than a single neuron does, and float64 can then flip a decision and change
the whole run (see the note the solver adds when that happens).
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from tutor.engine import expr as E
from tutor.engine.expr import Expr, Num, Sym
from tutor.engine.ops import Graph, Node
from tutor.engine.step import Solution
from tutor.errors import TutorError
from tutor.mistakes import Mistake, degenerate, mistakes
from tutor.params import Param, Params
from tutor.registry import solver

GATES = ("AND", "OR", "NAND", "NOR", "XOR")
FIRES = (">", ">=")
MAX_EPOCHS = 100
MAX_TABLE_INPUTS = 6  # the default truth table has 2^n rows
MAX_EXAMPLE_STEPS = 4000  # examples × epochs: each is five steps
TABLE_MAX_INPUTS = 4  # an epoch's table shows x and w column by column up to this many inputs
TABLE_MAX_ROWS = 16
# Not a parameter: a catalogued mistake (below) re-solves the problem with this key naming a wrong method, where
# the method is a whole training run that the per-step wrong rules of tutor.mistakes cannot follow.
WRONG_METHOD = "_wrong_method"
NO_X = "update without x"

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_TEX = {">": ">", "≥": r"\ge", "≤": r"\le", "<": "<"}  # a relation sign, as text → as LaTeX

PARAMS = [
    Param("w0", "vector", "initial weights w₁..wₙ, one per input"),
    Param("b0", "number", "initial bias b", default=0.0),
    Param("eta", "number", "learning rate η (the notes take 0 < η < 1)"),
    Param("inputs", "matrix", "the training examples, one row each, taken in this order every epoch (default: "
                              "every binary row 00, 01, 10, 11, ...)", default=None),
    Param("y", "vector", "the targets, 0 or 1, one per example; give this or gate", default=None),
    Param("gate", "choice", "take the targets from this gate of the (0/1) inputs; give this or y", default=None,
          choices=GATES),
    Param("threshold", "number", "θ: the neuron fires (ŷ = 1) when z is above it (or reaches it, with fires "
                                 "'>=')", default=0.0),
    Param("fires", "choice", "'>': ŷ = 1 when z > θ; '>=': ŷ = 1 when z ≥ θ", default=">", choices=FIRES),
    Param("epochs", "integer", f"the most epochs to run (1 to {MAX_EPOCHS}); training stops sooner, after the "
                               "first epoch with no error", default=10),
]


# -- exact decimal arithmetic on stored floats ----------------------------------------------------------------------
def _dec(v: Any) -> Fraction | float:
    """The decimal a stored float was written as (0.1 → 1/10); a NaN or ∞ stays a float and poisons the sums."""
    f = float(v)
    return Fraction(repr(f)) if math.isfinite(f) else f


def _z(w: Any, b: Any, x: Any) -> float:
    total: Fraction | float = _dec(b)
    for wi, xi in zip(np.asarray(w, float).reshape(-1), np.asarray(x, float).reshape(-1)):
        total = total + _dec(wi) * _dec(xi)
    return float(total)


def _fires(z: Any, t: Any, fires: str) -> bool:
    zq, tq = _dec(z), _dec(t)
    return bool(zq > tq) if fires == ">" else bool(zq >= tq)


def _yhat(z: Any, t: Any, fires: str) -> float:
    return 1.0 if _fires(z, t, fires) else 0.0


def _new_w(w: Any, eta: Any, err: Any, x: Any, method: str | None = None) -> np.ndarray:
    if method == NO_X:  # a catalogued mistake: every weight moved by η(y − ŷ), whatever its input
        x = np.ones(np.asarray(w, float).size)
    step = _dec(eta) * _dec(err)
    return np.array([float(_dec(wi) + step * _dec(xi)) for wi, xi in
                     zip(np.asarray(w, float).reshape(-1), np.asarray(x, float).reshape(-1))])


def _new_b(b: Any, eta: Any, err: Any) -> float:
    return float(_dec(b) + _dec(eta) * _dec(err))


def _epoch(X: Any, Y: Any, w: Any, b: Any, eta: Any, t: Any, fires: str,
           method: str | None = None) -> tuple[np.ndarray, float, int]:
    """One epoch with the same rounding as the steps: (w, b, number of errors)."""
    errors = 0
    for x, y in zip(np.atleast_2d(np.asarray(X, float)), np.asarray(Y, float).reshape(-1)):
        e = float(y) - _yhat(_z(w, b, x), t, fires)
        if e != 0:
            errors += 1
        w, b = _new_w(w, eta, e, x, method), _new_b(b, eta, e)
    return np.asarray(w, float), float(b), errors


def _finish(errors: Sequence[Any], w: Any, b: Any, X: Any, Y: Any, eta: Any, t: Any, fires: str,
            max_epochs: Any, method: str | None = None) -> tuple[np.ndarray, float, int, bool]:
    """(w, b, epochs run, converged) given the epochs already worked out.

    The epochs that are steps normally end the run (an epoch without error, or the last allowed). When a
    student's own value changes an earlier step, the run can need more epochs than were worked out: they are
    continued here, so the summary always answers for the whole run."""
    for k, n in enumerate(errors, 1):
        if float(n) == 0:
            return np.asarray(w, float), float(b), k, True
    k, limit = len(errors), int(max_epochs)
    while k < limit:
        w, b, n = _epoch(X, Y, w, b, eta, t, fires, method)
        k += 1
        if n == 0:
            return w, b, k, True
    return np.asarray(w, float), float(b), k, False


# -- checks --------------------------------------------------------------------------------------------------------
def _gate_column(gate: str, X: np.ndarray) -> np.ndarray:
    ones = (X != 0).sum(axis=1)
    n = X.shape[1]
    out = {"AND": ones == n, "OR": ones > 0, "NAND": ones < n, "NOR": ones == 0, "XOR": ones % 2 == 1}[gate]
    return out.astype(float)


def _examples(p: Params) -> tuple[np.ndarray, np.ndarray, str]:
    """Inputs X, targets Y and where the targets come from."""
    w0 = p["w0"]
    n = len(w0)
    if "inputs" in p:
        X = p["inputs"]
        if X.shape[1] != n:
            raise TutorError(f"has {n} weights but the rows of inputs have {X.shape[1]} entries: one weight per "
                             "input column", field="w0")
    else:
        if n > MAX_TABLE_INPUTS:
            raise TutorError(f"has {n} weights, so every binary row would be {2 ** n} examples; give the rows you "
                             f"want as inputs (at most {MAX_TABLE_INPUTS} inputs for the default truth table)",
                             field="w0")
        X = np.array(list(itertools.product((0.0, 1.0), repeat=n)), dtype=float)
    gate = p.get("gate")
    if ("y" in p) == (gate is not None):
        raise TutorError("give the targets either as y (a list of 0s and 1s, one per example) or as gate "
                         "(AND, OR, ...), not both" if gate is not None else
                         "give the targets, as y (a list of 0s and 1s, one per example) or as gate (AND, OR, ...)",
                         field="gate" if gate is not None else "y")
    if gate is not None:
        if not np.all((X == 0) | (X == 1)):
            r, c = next((r, c) for r in range(X.shape[0]) for c in range(X.shape[1]) if X[r, c] not in (0, 1))
            raise TutorError(f"{gate} is a truth table over inputs of 0 and 1, but row {r + 1} of inputs has "
                             f"{X[r, c]:g} in column {c + 1}; give the targets as y instead", field="gate")
        return X, _gate_column(gate, X), f"the {gate} column of the truth table"
    Y = p["y"]
    if len(Y) != X.shape[0]:
        raise TutorError(f"has {len(Y)} targets but there are {X.shape[0]} examples (rows of inputs): one target "
                         "per example", field="y")
    bad = [k for k, v in enumerate(Y) if v not in (0, 1)]
    if bad:
        raise TutorError(f"entry {bad[0] + 1} is {Y[bad[0]]:g}; a perceptron's targets are 0 or 1 (the step "
                         "function's two outputs)", field="y")
    return X, np.asarray(Y, float), "the targets given"


def _check(p: Params, rows: int) -> None:
    if not p["eta"] > 0:
        raise TutorError(f"the learning rate must be positive, got {p['eta']:g}", field="eta")
    E_ = p["epochs"]
    if not 1 <= E_ <= MAX_EPOCHS:
        raise TutorError(f"must be from 1 to {MAX_EPOCHS}, got {E_}", field="epochs")
    if rows * E_ > MAX_EXAMPLE_STEPS:
        raise TutorError(f"{E_} epochs of {rows} examples is {rows * E_} example steps; at most "
                         f"{MAX_EXAMPLE_STEPS} are worked out (fewer epochs, or fewer examples)", field="epochs")


# -- text helpers ----------------------------------------------------------------------------------------------------
def _sub(i: int) -> str:
    return str(i).translate(_SUB)


def _n(v: Any) -> str:
    f = float(v)
    return f"{f:.6g}" if math.isfinite(f) else str(f)


def _vec(v: Any) -> str:
    a = np.asarray(v, float).reshape(-1)
    return "(" + ", ".join(_n(x) for x in a) + ")" if a.size > 1 else _n(a[0])


def _on(fires: str) -> str:
    return ">" if fires == ">" else "≥"


def _off(fires: str) -> str:
    return "≤" if fires == ">" else "<"


def _tagged(name: str, tex: str, k: int, i: int | None = None) -> Sym:
    """w (epoch 2, example 3) in the terminal, w^{(2,3)} in LaTeX."""
    if i is None:
        return Sym(f"{name} (after epoch {k})", rf"{tex}^{{({k})}}")
    return Sym(f"{name} (epoch {k}, example {i})", rf"{tex}^{{({k},{i})}}")


# -- the solver ---------------------------------------------------------------------------------------------------
@solver("perceptron_training", title="Perceptron training rule, epoch by epoch", topic="perceptrons",
        params=PARAMS, answer=["w_final", "b_final", "epochs_run", "yhat_final"])
def perceptron_training(p: Params, g: Graph) -> None:
    """For each example in turn: z = w·x + b, ŷ = step(z) (1 if z > θ, or z ≥ θ), error y − ŷ, then
    w ← w + η(y − ŷ)x and b ← b + η(y − ŷ). Steps z_e{k}_{i}, yhat_e{k}_{i}, err_e{k}_{i}, w_e{k}_{i},
    b_e{k}_{i} for epoch k, example i; errors_e{k} (a table per epoch) counts the mistakes. Stops after the
    first epoch with no error (converged) or after `epochs` epochs; w_final, b_final, epochs_run, converged,
    yhat_final, and boundary: the coefficients (w, b − θ) of the decision boundary w·x + b − θ = 0."""
    X, Y, target_text = _examples(p)
    rows, n = X.shape
    _check(p, rows)
    fires, method = p["fires"], p.get(WRONG_METHOD)
    w0, b0, eta, t, max_epochs = p["w0"], float(p["b0"]), float(p["eta"]), float(p["threshold"]), p["epochs"]

    xn = g.given("inputs", X, Sym("X"), "the training examples, one row each")
    yn = g.given("y", Y, Sym("y"), f"targets: {target_text}")
    wn = g.given("w0", np.asarray(w0, float), Sym("w_0", "w_0"), "initial weights")
    bn = g.given("b0", b0, Sym("b_0", "b_0"), "initial bias")
    en = g.given("eta", eta, Sym("η", r"\eta"), "learning rate")
    tn = g.given("threshold", t, Sym("θ", r"\theta"), "threshold of the step function")
    mn = g.given("epochs", max_epochs, Sym("E_max", r"E_{\max}"), "the most epochs to run")

    # how many epochs the run takes decides which steps exist; the steps then recompute every value
    w_run, b_run = np.asarray(w0, float), b0
    built = 0
    for _ in range(max_epochs):
        w_run, b_run, errs = _epoch(X, Y, w_run, b_run, eta, t, fires, method)
        built += 1
        if errs == 0:
            break

    w_prev, b_prev = wn, bn
    epoch_errors: list[Node] = []
    for k in range(1, built + 1):
        w_start, b_start = w_prev, b_prev
        per_example: list[Node] = []
        for i in range(1, rows + 1):
            w_prev, b_prev, nodes = _example_steps(g, k, i, n, w_prev, b_prev, xn, yn, en, tn, fires,
                                                      method)
            per_example.extend(nodes)
        epoch_errors.append(_epoch_table(g, k, n, rows, fires, t, xn, yn, en, w_start, b_start, per_example))

    _summary(g, epoch_errors, w_prev, b_prev, xn, yn, en, tn, mn, fires, n, p.get("gate"), method)
    _conventions(g, t, fires, "inputs" not in p, X)
    _float_note(g, X, Y, np.asarray(w0, float), b0, eta, t, fires, max_epochs)


def _example_steps(g: Graph, k: int, i: int, n: int, w_prev: Node, b_prev: Node, xn: Node, yn: Node, en: Node,
                   tn: Node, fires: str, method: str | None = None) -> tuple[Node, Node, list[Node]]:
    r = i - 1
    x_sym = Sym(f"x⁽{i}⁾".translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")), rf"x^{{({i})}}")
    y_sym = Sym(f"y⁽{i}⁾".translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")), rf"y^{{({i})}}")
    where = f"Epoch {k}, example {i}"

    def z_rule(w: Any, b: Any, Xv: Any) -> float:
        return _z(w, b, np.atleast_2d(np.asarray(Xv, float))[r])

    def z_show(w: Any, b: Any, Xv: Any) -> list[Expr]:
        x = np.atleast_2d(np.asarray(Xv, float))[r]
        wa = np.asarray(w, float).reshape(-1)
        return [E.Add(tuple(E.mul(wa[c], x[c]) for c in range(min(wa.size, x.size))) + (Num(float(b)),))]

    zn = g.step(f"z_e{k}_{i}", f"{where}: weighted sum", _tagged("z", "z", k, i),
                E.Add((E.Mul((w_prev.sym, x_sym), "·"), b_prev.sym)), [w_prev, b_prev, xn], z_rule, z_show,
                f"w·x + b for example {i}, with the weights and bias as they stand before it (worked exactly).",
                hidden=True)

    def y_rule(z: Any, th: Any) -> float:
        return _yhat(z, th, fires)

    def y_show(z: Any, th: Any) -> list[Expr]:
        on = _fires(z, th, fires)
        op = _on(fires) if on else _off(fires)
        return [E.Text(f"{_n(z)} {op} {_n(th)} → {1 if on else 0}",
                       rf"{_n(z)} {_TEX[op]} {_n(th)} \to {1 if on else 0}")]

    yh = g.step(f"yhat_e{k}_{i}", f"{where}: output", _tagged("ŷ", r"\hat{y}", k, i),
                E.Text(f"1 if z {_on(fires)} θ, else 0", rf"1 \text{{ if }} z {_TEX[_on(fires)]} \theta"),
                [zn, tn], y_rule, y_show, "The step function of z.", hidden=True)

    def e_rule(Yv: Any, yhat: Any) -> float:
        return float(np.asarray(Yv, float).reshape(-1)[r]) - float(yhat)

    er = g.step(f"err_e{k}_{i}", f"{where}: error", _tagged("y − ŷ", r"(y - \hat{y})", k, i),
                E.Add((y_sym, E.Neg(yh.sym))), [yn, yh], e_rule,
                lambda Yv, yhat: [E.Add((Num(float(np.asarray(Yv, float).reshape(-1)[r])), E.Neg(Num(float(yhat)))))],
                "0 when the output is right; 1 when the neuron should have fired and did not; -1 when it fired "
                "and should not have.", hidden=True)

    def w_rule(w: Any, eta: Any, err: Any, Xv: Any) -> np.ndarray:
        return _new_w(w, eta, err, np.atleast_2d(np.asarray(Xv, float))[r], method)

    def w_show(w: Any, eta: Any, err: Any, Xv: Any) -> list[Expr]:
        x = np.atleast_2d(np.asarray(Xv, float))[r]
        return [E.Add((Num(np.asarray(w, float)), E.Mul((Num(float(eta)), Num(float(err)), Num(x)), "·")))]

    wn = g.step(f"w_e{k}_{i}", f"{where}: update the weights", _tagged("w", "w", k, i),
                E.Add((w_prev.sym, E.Mul((en.sym, E.Paren(er.sym), x_sym), "·"))), [w_prev, en, er, xn], w_rule, w_show,
                "Each weight moves by η(y − ŷ) times its own input: not at all when the output was right, nor "
                "for an input that was 0.", hidden=True)

    bn = g.step(f"b_e{k}_{i}", f"{where}: update the bias", _tagged("b", "b", k, i),
                E.Add((b_prev.sym, E.Mul((en.sym, E.Paren(er.sym)), "·"))), [b_prev, en, er],
                lambda b, eta, err: _new_b(b, eta, err), None,
                "The bias is the weight of a constant input x₀ = 1, so it moves by η(y − ŷ).", hidden=True)
    return wn, bn, [zn, yh, er, wn, bn]


def _epoch_table(g: Graph, k: int, n: int, rows: int, fires: str, t: float, xn: Node, yn: Node, en: Node,
                 w_start: Node, b_start: Node, per_example: list[Node]) -> Node:
    """Step errors_e{k}: the epoch as a table (one row per example), its value the number of mistakes."""

    def unpack(vals: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, float, Any, float, list[tuple[Any, ...]]]:
        Xv, Yv, eta, ws, bs = vals[:5]
        rest = vals[5:]
        ex = [tuple(rest[5 * j:5 * j + 5]) for j in range(rows)]
        return (np.atleast_2d(np.asarray(Xv, float)), np.asarray(Yv, float).reshape(-1), float(eta), ws,
                float(bs), ex)

    def rule(*vals: Any) -> int:
        return sum(1 for (_, _, e, _, _) in unpack(vals)[5] if float(e) != 0)

    def show(*vals: Any) -> list[Expr]:
        Xv, Yv, _, _, _, ex = unpack(vals)
        if n > TABLE_MAX_INPUTS or rows > TABLE_MAX_ROWS:
            return []
        xs = [E.Text(f"x{_sub(c)}", f"x_{{{c}}}") for c in range(1, n + 1)]
        ws = [E.Text(f"w{_sub(c)}", f"w_{{{c}}}") for c in range(1, n + 1)]
        head = (E.Text("#", r"\#"), *xs, E.Text("y", "y"), E.Text("z", "z"), E.Text("ŷ", r"\hat{y}"),
                E.Text("y − ŷ", r"y - \hat{y}"), *ws, E.Text("b", "b"))
        body = []
        for j, (z, yh, e, w, b) in enumerate(ex):
            wa = np.asarray(w, float).reshape(-1)
            body.append((Num(j + 1), *(Num(Xv[j, c]) for c in range(n)), Num(Yv[j]), Num(float(z)),
                         Num(float(yh)), Num(float(e)), *(Num(wa[c]) for c in range(min(n, wa.size))),
                         Num(float(b))))
        return [E.Matrix((head, *body))]

    def explain(*vals: Any) -> str:
        Xv, _, eta, ws, bs, ex = unpack(vals[:-1])
        w_before, b_before = ws, bs
        parts = [f"Each row uses w and b as the row above left them (the epoch starts from w = {_vec(ws)}, "
                 f"b = {_n(bs)}); ŷ = 1 when z {_on(fires)} {_n(t)}."]
        wrong = 0
        for j, (_, _, e, w, b) in enumerate(ex):
            if float(e) != 0:
                wrong += 1
                parts.append(f"Example {j + 1} is wrong (y − ŷ = {_n(e)}): w ← {_vec(w_before)} + "
                             f"{_n(eta)}·({_n(e)})·{_vec(Xv[j])} = {_vec(w)}, b ← {_n(b_before)} + "
                             f"{_n(eta)}·({_n(e)}) = {_n(b)}.")
            w_before, b_before = w, b
        if not wrong:
            parts.append("No example is wrong, so nothing changed: training has converged.")
        return " ".join(parts)

    inputs = [xn, yn, en, w_start, b_start, *per_example]
    return g.step(f"errors_e{k}", f"Epoch {k}: the examples in turn (w and b after each update)",
                  Sym(f"errors{_sub(k)}", rf"\mathrm{{errors}}_{{{k}}}"),
                  E.Text("number of examples with ŷ ≠ y", r"\#\{i : \hat{y}^{(i)} \ne y^{(i)}\}"),
                  inputs, rule, show, explain)


def _summary(g: Graph, epoch_errors: list[Node], w_last: Node, b_last: Node, xn: Node, yn: Node, en: Node,
             tn: Node, mn: Node, fires: str, n: int, gate: str | None, method: str | None = None) -> None:
    K = len(epoch_errors)
    tail = [w_last, b_last, xn, yn, en, tn, mn]

    def finish(vals: Sequence[Any]) -> tuple[np.ndarray, float, int, bool]:
        errs, (w, b, Xv, Yv, eta, th, mx) = vals[:K], vals[K:]
        return _finish(errs, w, b, Xv, Yv, eta, th, fires, mx, method)

    inputs = [*epoch_errors, *tail]

    def run_show(*vals: Any) -> list[Expr]:
        counts = ", ".join(_n(v) for v in vals[:K])
        return [E.Text(f"errors per epoch: {counts}")]

    def run_explain(*vals: Any) -> str:
        _, _, k, ok = finish(vals[:-1])
        if ok:
            return (f"Epoch {k} made no mistake, so the weights no longer change and training stops: converged "
                    f"after {k} epoch{'s' if k > 1 else ''}.")
        why = (" XOR is not linearly separable: no w and b get every row right, so the perceptron never "
               "converges on it." if gate == "XOR" else "")
        return (f"Stopped after the limit of {k} epochs with mistakes still being made: not converged.{why}")

    g.step("epochs_run", "Training stops", Sym("epochs"),
           E.Text("the first epoch with no error, or E_max", r"\text{first epoch with no error, or } E_{\max}"),
           inputs, lambda *v: finish(v)[2], run_show, run_explain)
    g.step("converged", "Converged?", Sym("converged", r"\text{converged}"),
           E.Text("1 if an epoch had no error, else 0", r"1 \text{ if an epoch had no error, else } 0"),
           inputs, lambda *v: 1 if finish(v)[3] else 0, lambda *v: [],
           "1: the last epoch got every example right; 0: stopped at the epoch limit.", hidden=True)
    wf = g.step("w_final", "Final weights", Sym("w"), E.Text("w after the last epoch", r"w^{(\text{last})}"),
                inputs, lambda *v: finish(v)[0], lambda *v: [],
                "The weights the training ends with.")
    bf = g.step("b_final", "Final bias", Sym("b"), E.Text("b after the last epoch", r"b^{(\text{last})}"),
                inputs, lambda *v: finish(v)[1], lambda *v: [],
                "The bias the training ends with.")

    def yf_rule(w: Any, b: Any, Xv: Any, th: Any) -> np.ndarray:
        return np.array([_yhat(_z(w, b, x), th, fires) for x in np.atleast_2d(np.asarray(Xv, float))])

    def yf_show(w: Any, b: Any, Xv: Any, th: Any) -> list[Expr]:
        Xa = np.atleast_2d(np.asarray(Xv, float))
        wa = np.asarray(w, float).reshape(-1)
        if Xa.shape[0] > TABLE_MAX_ROWS or wa.size > TABLE_MAX_INPUTS + 2:
            return []
        rows = []
        for x in Xa:
            z = _z(w, b, x)
            on = _fires(z, th, fires)
            rows.append((E.Add(tuple(E.mul(wa[c], x[c]) for c in range(wa.size)) + (Num(float(b)),)),
                         E.Text("="), Num(z), E.Text(_on(fires) if on else _off(fires)), Num(float(th)),
                         E.Text("→"), Num(1.0 if on else 0.0)))
        return [E.Matrix(tuple(rows))]

    def yf_explain(w: Any, b: Any, Xv: Any, th: Any, yhat: Any) -> str:
        return "The trained neuron on every example, as a check: where training converged, ŷ equals y."

    g.step("yhat_final", "The trained neuron's outputs", Sym("ŷ", r"\hat{y}"),
           E.Text(f"1 if w·x + b {_on(fires)} θ, else 0", rf"1 \text{{ if }} w \cdot x + b {_TEX[_on(fires)]} \theta"),
           [wf, bf, xn, tn], yf_rule, yf_show, yf_explain)

    def bd_rule(w: Any, b: Any, th: Any) -> np.ndarray:
        return np.append(np.asarray(w, float).reshape(-1), float(_dec(b) - _dec(th)))

    w_syms = [Sym(f"w{_sub(j)}", f"w_{{{j}}}") for j in range(1, n + 1)]
    bd_formula = E.Matrix.column([*w_syms, E.Add((Sym("b"), E.Neg(Sym("θ", r"\theta"))))])

    def bd_show(w: Any, b: Any, th: Any) -> list[Expr]:
        wa = np.asarray(w, float).reshape(-1)
        return [E.Matrix.column([*(Num(v) for v in wa), E.Add((Num(float(b)), E.Neg(Num(float(th)))))])]

    def bd_explain(w: Any, b: Any, th: Any, coef: Any) -> str:
        c = np.asarray(coef, float)
        line = _n(c[0]) + "·x₁"
        for j in range(1, c.size):
            v = float(c[j])
            term = f"{_n(abs(v))}·x{_sub(j + 1)}" if j < c.size - 1 else _n(abs(v))
            line += (" - " if v < 0 else " + ") + term
        where = "line" if c.size == 3 else "plane" if c.size == 4 else "hyperplane"
        return (f"The neuron switches on the {where} {line} = 0, which is w·x + b = θ: examples on one side "
                "give ŷ = 1, on the other ŷ = 0.")

    g.step("boundary", "Decision boundary w·x + b − θ = 0: its coefficients", Sym("boundary", r"\text{boundary}"),
           bd_formula, [wf, bf, tn], bd_rule, bd_show, bd_explain)


def _conventions(g: Graph, t: float, fires: str, default_inputs: bool, X: np.ndarray) -> None:
    ts = f"{t:g}"
    shift = "z" if t == 0 else f"z - {ts}"
    g.conventions.append(
        f"Step activation: ŷ = 1 when z {_on(fires)} {ts}, ŷ = 0 when z {_off(fires)} {ts}. The notes use both > "
        "and ≥ (they differ only when z lands exactly on the threshold, which training makes common); "
        f"torch.heaviside({shift}, v) makes the value at the threshold explicit, and v = {0 if fires == '>' else 1} "
        "gives this rule.")
    g.conventions.append(
        "Online training, as in the notes: the examples in the order given, w and b updated after each one (the "
        "bias as the weight of a constant input x₀ = 1); an epoch is one pass over all of them. "
        "scikit-learn's Perceptron makes the same ±η·x correction on a mistake (η is its eta0), but shuffles the "
        "examples every epoch unless shuffle=False.")
    g.conventions.append(
        "Worked exactly on the decimals as written (0.1 + 0.1 - 0.2 is exactly 0, as by hand): a z that lands "
        "exactly on the threshold is decided as by hand, where float64 could give ±5.6×10⁻¹⁷ and flip it.")
    if default_inputs:
        g.conventions.append(f"No inputs given: every binary row for {X.shape[1]} inputs, in the order 00, 01, "
                             "10, 11, ... .")


def _float_note(g: Graph, X: np.ndarray, Y: np.ndarray, w: np.ndarray, b: float, eta: float, t: float, fires: str,
                max_epochs: int) -> None:
    """When float64 arithmetic would train differently (a z within rounding of the threshold), say where and how
    the float run ends."""
    wx, bx, wf, bf = w.copy(), b, w.copy(), b
    diverged: tuple[int, int, float, float, float, float] | None = None
    k_end = fl_err = 0
    for k_end in range(1, max_epochs + 1):
        k = k_end
        ex_err = fl_err = 0
        for i, (x, y) in enumerate(zip(X, Y), 1):
            zf = float(np.dot(wf, x) + bf)
            yf = 1.0 if (zf > t if fires == ">" else zf >= t) else 0.0
            if diverged is None:
                zx = _z(wx, bx, x)
                yx = _yhat(zx, t, fires)
                if yx != yf:
                    diverged = (k, i, zx, zf, yx, yf)
                ex = y - yx
                ex_err += ex != 0
                wx, bx = _new_w(wx, eta, ex, x), _new_b(bx, eta, ex)
            ef = y - yf
            fl_err += ef != 0
            wf, bf = wf + eta * ef * x, bf + eta * ef
        if diverged is None and ex_err == 0:
            return
        if diverged is not None and fl_err == 0:
            break
    if diverged is None:
        return
    k, i, zx, zf, yx, yf = diverged
    ends = f"converges in epoch {k_end}" if fl_err == 0 else f"stops after {k_end} epochs without converging"
    g.notes.append(
        f"Float64 would train differently. In epoch {k}, example {i}, z is exactly {_n(zx)} by hand but "
        f"{_sci(zf)} in float64 (decimals such as 0.1 have no exact binary form), so ŷ would be {int(yf)} instead of "
        f"{int(yx)}; from there the float run {ends} with w = {_vec(np.round(wf, 12))}, b = {_n(round(bf, 12))}. "
        "A script with plain floats (Python or numpy) does not reproduce this working.")


def _sci(x: float) -> str:
    """-2.8×10⁻¹⁷: a float with its rounding noise, written as a student would read it."""
    if x == 0 or 1e-4 <= abs(x) < 1e6:
        return _n(x)
    mant, exp = f"{x:.1e}".split("e")
    sup = str(int(exp)).translate(str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"))
    return f"{mant}×10{sup}"


# -- the catalogue of mistakes (tutor check / tutor quiz name them when a student's number matches) -------------
mistakes(
    "perceptron_training",
    Mistake("z exactly at the threshold decided the other way (> vs ≥)",
            "The two step rules differ only where z equals θ: with 'fires on z > θ' a z of exactly θ gives ŷ = 0, "
            "with 'fires on z ≥ θ' it gives ŷ = 1. In training z lands on θ often, and one flipped ŷ changes the "
            "whole rest of the run.",
            params=lambda p: {"fires": ">=" if p["fires"] == ">" else ">"}),
    Mistake("weights moved without the factor xᵢ",
            "The rule is wᵢ ← wᵢ + η(y − ŷ)xᵢ: each weight moves by its own input times η(y − ŷ), so a weight whose "
            "input is 0 in that example does not move at all. Only the bias, whose input is always 1, moves by "
            "η(y − ŷ) itself.",
            params=lambda p: {WRONG_METHOD: NO_X}),
    Mistake("learning rate left out (η = 1)",
            "Every correction is η(y − ŷ) times the input: with η < 1 the weights move by a fraction of the input, "
            "not by the whole of it.",
            params=lambda p: {"eta": 1.0}),
    Mistake("boundary w·x + b = 0, without the threshold",
            "The neuron switches where z reaches the threshold, w·x + b = θ, so the boundary is w·x + (b − θ) = 0; "
            "setting w·x + b to 0 is right only when θ = 0.",
            rules={"boundary": lambda v: np.append(np.asarray(v["w_final"], float).reshape(-1),
                                                   float(v["b_final"]))}),
)


# -- degenerate variants (tutor quiz) ------------------------------------------------------------------------
def _training_degenerate(solution: Solution) -> str | None:
    """A run that never converges is no practice by hand; a z exactly at θ turns on the > / ≥ convention."""
    if not solution.values.get("converged", 1):
        return f"training does not converge in {solution.values['epochs_run']} epochs"
    t = _dec(solution.values["threshold"])
    for key in solution.steps:
        if key.startswith("z_e") and _dec(solution.values[key]) == t:
            return f"{key} = {_n(solution.values[key])} lies exactly on the threshold"
    return None


degenerate("perceptron_training", _training_degenerate)
