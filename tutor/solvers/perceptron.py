"""Perceptrons: one step neuron over a truth table, and layers of them (the two-layer XOR network).

z is computed with exact decimal arithmetic (each given read as the decimal it was written as, so 0.1 is
exactly 1/10, and 0.1 + 0.2 - 0.3 is exactly 0) and only then rounded to the float that is stored; the step
compares that float with the threshold, which decides as the exact comparison does whenever z has at most 15
significant digits (any hand example). The step rules take floats, so a student's own z (Solution.replace)
works the same way.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any, Callable, cast

import numpy as np

from tutor.engine import expr as E
from tutor.engine.expr import Expr, Num, Sym
from tutor.engine.ops import Graph, Node
from tutor.engine.step import Solution
from tutor.errors import TutorError, did_you_mean
from tutor.mistakes import Mistake, degenerate, mistakes
from tutor.params import Param, Params, describe, to_matrix, to_number, to_vector
from tutor.registry import solver
from tutor.solvers import shape_text

GATES = ("AND", "OR", "NAND", "NOR", "XOR")
FIRES = (">", ">=")
# The default truth table has 2^n rows: beyond this many inputs, ask for the rows instead.
MAX_TABLE_INPUTS = 8
# Row-by-row working is written out while it stays readable.
EXPAND_MAX_ROWS = 16
EXPAND_MAX_TERMS = 8
EXPAND_MAX_CELLS = 32

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")


def _sub(i: int) -> str:
    return str(i).translate(_SUB)


def _layer_tag(k: int) -> str:
    return f"({k})".translate(_SUP)


COMMON = [
    Param("gate", "choice", "target column to compare with: the gate of the inputs (needs 0/1 inputs)",
          default=None, choices=GATES),
    Param("threshold", "number",
          "the neuron fires (y = 1) when z is above it (or reaches it, with fires '>=')", default=0.0),
    Param("fires", "choice", "'>': y = 1 when z > threshold; '>=': y = 1 when z ≥ threshold", default=">",
          choices=FIRES),
]


# -- exact arithmetic ----------------------------------------------------------------------------------------
def _exact(x: Any) -> Fraction | None:
    """The decimal a float was written as (0.1 → 1/10); None for NaN or an infinity."""
    try:
        return Fraction(repr(float(x)))
    except (ValueError, OverflowError):
        return None


def _exact_affine(rows: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """rows (n × d) · Wᵀ (d × u) + b (u), each entry summed exactly over the decimals, returned as floats."""
    rows, W, b = np.atleast_2d(rows), np.atleast_2d(W), np.asarray(b, float).reshape(-1)
    out = np.empty((rows.shape[0], W.shape[0]))
    for r in range(rows.shape[0]):
        for j in range(W.shape[0]):
            terms = [_exact(W[j, i]) for i in range(W.shape[1])] + [_exact(b[j])]
            xs = [_exact(rows[r, i]) for i in range(W.shape[1])]
            if any(t is None for t in terms + xs):  # a student's NaN or ∞: plain floats say what happens
                out[r, j] = float(W[j] @ rows[r] + b[j])
            else:
                exact = cast("list[Fraction]", terms + xs)  # no None left (checked above)
                ws, bias, vs = exact[: len(xs)], exact[len(xs)], exact[len(xs) + 1:]
                total = sum((w * x for w, x in zip(ws, vs)), Fraction(0)) + bias
                out[r, j] = float(total)
    return out


def _fires(z: Any, t: float, fires: str) -> bool:
    """Whether the neuron fires. z was rounded to a float only after the exact sum, so comparing floats here
    decides as the exact comparison does (0.1 + 0.2 - 0.3 arrives as 0.0, not 5.6e-17); a student's own float
    z, through Solution.replace, is compared as it is."""
    return bool(float(z) > t) if fires == ">" else bool(float(z) >= t)


def _step_rule(t: float, fires: str) -> Callable[[Any], np.ndarray]:
    def rule(z: Any) -> np.ndarray:
        za = np.asarray(z, float)
        return np.vectorize(lambda v: 1.0 if _fires(v, t, fires) else 0.0, otypes=[float])(za)

    return rule


_TEX = {"≤": r"\le", "≥": r"\ge", "≠": r"\ne", "→": r"\to", "✓": r"\checkmark", "✗": r"\times", "  ": ""}


def _sign(text: str) -> Expr:
    """A relation sign or mark as a cell of its own, with its LaTeX."""
    return E.Text(text, _TEX.get(text, text))


def _op(fires: str, on: bool) -> str:
    """The relation that held: z > t or z ≤ t (fires '>'), z ≥ t or z < t (fires '>=')."""
    if fires == ">":
        return ">" if on else "≤"
    return "≥" if on else "<"


def _decision(z: float, t: float, fires: str, y: float) -> tuple[Expr, ...]:
    """'-1  ≤  0  →  0': the comparison that decided, then the output, as cells of a matrix row (so that the
    columns line up)."""
    return (Num(z), _sign(_op(fires, _fires(z, t, fires))), Num(t), _sign("→"), Num(y))


def _step_formula(zsym: str, ztex: str, t: float, fires: str) -> Expr:
    ts = f"{t:g}"
    on, off = _op(fires, True), _op(fires, False)
    ton, toff = _TEX.get(on, on), _TEX.get(off, off)
    return E.Text(f"1 if {zsym} {on} {ts};  0 if {zsym} {off} {ts}",
                  rf"\begin{{cases}} 1 & {ztex} {ton} {ts} \\ 0 & {ztex} {toff} {ts} \end{{cases}}")


def _conventions(g: Graph, t: float, fires: str) -> None:
    ts = f"{t:g}"
    v = 0 if fires == ">" else 1
    shift = "z" if t == 0 else f"z - {ts}"
    g.conventions.append(
        f"Step activation: y = 1 when z {_op(fires, True)} {ts}, y = 0 when z {_op(fires, False)} {ts}. The "
        "notes use both > and ≥ (the two differ only when z lands exactly on the threshold); "
        f"torch.heaviside({shift}, v) makes the value at the threshold explicit, and v = {v} gives this "
        "rule.")
    g.conventions.append(
        "z is worked out exactly from the decimals as written (0.1 + 0.2 - 0.3 is exactly 0, as by hand) "
        "before it is compared with the threshold; float64 arithmetic would give 5.6×10⁻¹⁷ there, and a "
        "neuron sitting exactly on the threshold could flip. The values are then stored as ordinary floats.")


# -- gates ---------------------------------------------------------------------------------------------------
def _gate_column(gate: str, X: Any) -> np.ndarray:
    bits = np.asarray(X, float) != 0
    ones = bits.sum(axis=1)
    n = bits.shape[1]
    out = {"AND": ones == n, "OR": ones > 0, "NAND": ones < n, "NOR": ones == 0, "XOR": ones % 2 == 1}[gate]
    return out.astype(float)


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def _spaced(cells: list[list[Any]]) -> Expr:
    """A matrix whose cells are groups (a row's working per unit), the groups set further apart."""
    rows = []
    for row in cells:
        out: tuple[Expr, ...] = ()
        for j, c in enumerate(row):
            out += ((_sign("  "),) if j else ()) + (tuple(c) if isinstance(c, tuple) else (c,))
        rows.append(out)
    return E.Matrix(tuple(rows))


def _table_convention(X: np.ndarray) -> str:
    n, rows = X.shape[1], X.shape[0]
    order = ", ".join(_row_label(r) for r in X[: min(rows, 4)]) + (", … ." if rows > 4 else ".")
    return f"No inputs given: every binary row for {_plural(n, 'input')}, in the order {order}"


def _bit(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _row_label(x: np.ndarray) -> str:
    return "".join(_bit(v) for v in x)


def _is_binary(X: np.ndarray) -> bool:
    return bool(np.all((X == 0) | (X == 1)))


def _check_gate_inputs(gate: str | None, X: np.ndarray) -> None:
    if gate is None or _is_binary(X):
        return
    r, c = next((r, c) for r in range(X.shape[0]) for c in range(X.shape[1]) if X[r, c] not in (0, 1))
    raise TutorError(f"{gate} is a truth table over inputs of 0 and 1, but row {r + 1} of inputs has "
                     f"{X[r, c]:g} in column {c + 1}; leave gate out to just compute z and y for these "
                     "inputs", field="gate")


def _default_inputs(n: int, field: str) -> np.ndarray:
    if n > MAX_TABLE_INPUTS:
        raise TutorError(f"has {n} inputs, so every binary row would be 2^{n} = {2 ** n} rows; give the rows "
                         f"you want as inputs (at most {MAX_TABLE_INPUTS} inputs for the default truth "
                         "table)", field=field)
    return np.array(list(itertools.product((0.0, 1.0), repeat=n)), dtype=float)


def _gate_text(gate: str, n: int) -> str:
    if n == 2:
        return f"x₁ {gate} x₂"
    return f"{gate}(x₁, …, x{_sub(n)})"


def _gate_expr(gate: str, n: int) -> Expr:
    tex = rf"x_1 \text{{ {gate} }} x_2" if n == 2 else rf"\text{{{gate}}}(x_1, \ldots, x_{{{n}}})"
    return E.Text(_gate_text(gate, n), tex)


def _gate_steps(g: Graph, what: str, gate: str, X: np.ndarray, xn: Node, yn: Node) -> None:
    """`target`: the gate's column; `realises`: 1 where y matches it, row by row."""
    n = X.shape[1]

    def show_target(Xv: Any) -> list[Expr]:
        Xa = np.atleast_2d(np.asarray(Xv, float))
        if Xa.shape[0] > EXPAND_MAX_ROWS:
            return []
        if n == 2:
            entries = [E.Text(f"{_bit(a)} {gate} {_bit(c)}", rf"{_bit(a)} \text{{ {gate} }} {_bit(c)}")
                       for a, c in Xa]
        else:
            entries = [E.Text(f"{gate}({', '.join(_bit(v) for v in row)})",
                              rf"\text{{{gate}}}({', '.join(_bit(v) for v in row)})") for row in Xa]
        return [E.Matrix.column(entries)]

    parity = " (more than two inputs: 1 when an odd number of them are 1)" if gate == "XOR" and n > 2 else ""
    target = g.step("target", f"Target: the {gate} column of the truth table", Sym("y*", "y^{*}"),
                    _gate_expr(gate, n),
                    [xn], lambda Xv: _gate_column(gate, Xv), show_target,
                    f"What {gate} gives for each row{parity}: this is what the {what} should output.")

    def rule(y: Any, t: Any) -> np.ndarray:
        return (np.asarray(y, float).reshape(-1) == np.asarray(t, float).reshape(-1)).astype(float)

    def show(y: Any, t: Any) -> list[Expr]:
        ya, ta = np.asarray(y, float).reshape(-1), np.asarray(t, float).reshape(-1)
        if ya.size > EXPAND_MAX_ROWS:
            return []
        return [E.Matrix(tuple((Num(a), _sign("=" if a == b else "≠"), Num(b), _sign("✓" if a == b else "✗"))
                               for a, b in zip(ya, ta)))]

    def explain(y: Any, t: Any, ok: Any) -> str:
        ya, ta = np.asarray(y, float).reshape(-1), np.asarray(t, float).reshape(-1)
        bad = [r for r in range(ya.size) if not ok[r]]
        if not bad:
            return f"Every row matches: the {what} realises {gate} on these inputs."
        rows = "; ".join(f"row {r + 1} ({_row_label(X[r])}): y = {ya[r]:g} but {gate} gives {ta[r]:g}"
                         for r in bad)
        fails = "Fails on " + ("one row" if len(bad) == 1 else f"{len(bad)} rows")
        why = ""
        if (gate, what) == ("XOR", "neuron"):
            why = " No single neuron can: see the note after the answer."
        return f"{fails}: {rows}. The {what} does not realise {gate}.{why}"

    g.step("realises", f"Does the {what} realise {gate}? Row by row, y against the target",
           Sym("match", r"\text{match}"),
           E.Text("1 where y = y*, 0 where y ≠ y*",
                  r"\begin{cases} 1 & y = y^{*} \\ 0 & y \neq y^{*} \end{cases}"),
           [yn, target], rule, show, explain)


def _xor_note(n: int, t: float, fires: str) -> str:
    on, off = _op(fires, True), _op(fires, False)
    ts, t2 = f"{t:g}", f"{2 * t:g}"
    where = "" if n == 2 else f"Look only at the rows where x₃, …, x{_sub(n)} are 0, where XOR is x₁ XOR x₂. "
    return (f"{where}No single neuron realises XOR, whatever w and b. With y = 1 when z {on} {ts}, "
            f"rows 01 and 10 must fire: w₂ + b {on} {ts} and w₁ + b {on} {ts}, which add up to "
            f"w₁ + w₂ + 2b {on} {t2}. Rows 00 and 11 must not: b {off} {ts} and w₁ + w₂ + b {off} {ts}, "
            f"which add up to w₁ + w₂ + 2b {off} {t2}. Both cannot hold: no straight line separates "
            "{01, 10} from {00, 11}. A hidden layer is needed (problem perceptron-xor-network).")


def _unit_gates(a: Any, X: np.ndarray, n_units: int) -> str:
    """'unit 1 is x₁ OR x₂, unit 2 is x₁ AND x₂' for the units whose column matches a gate of the inputs."""
    if not _is_binary(X) or X.shape[1] < 2:
        return ""
    A = np.atleast_2d(np.asarray(a, float))
    found = []
    for j in range(n_units):
        name = next((gt for gt in GATES if np.array_equal(A[:, j], _gate_column(gt, X))), None)
        if name is not None:
            label = f"unit {j + 1} is " if n_units > 1 else "the unit is "
            found.append(label + _gate_text(name, X.shape[1]))
    return (" Over these inputs, " + ", ".join(found) + ".") if found else ""


# -- one neuron ----------------------------------------------------------------------------------------------
@solver("perceptron", title="Perceptron: one step neuron over a truth table", topic="perceptrons",
        params=[
            Param("w", "vector", "the weights w₁..wₙ, one per input"),
            Param("b", "number", "the bias", default=0.0),
            Param("inputs", "matrix", "the input rows, one per line of the table (default: every binary row, "
                                      "00, 01, 10, 11, ...)", default=None),
            *COMMON,
        ], answer=["z", "y"])
def perceptron(p: Params, g: Graph) -> None:
    """z = w₁x₁ + ... + wₙxₙ + b for every input row; y = 1 if z > threshold (or ≥, with fires '>='), else 0.
    With a gate, the target column and, row by row, whether y matches it (step `realises`); for XOR, why no
    single neuron can."""
    w, b, t, fires, gate = p["w"], float(p["b"]), float(p["threshold"]), p["fires"], p.get("gate")
    n = len(w)
    if "inputs" in p:
        X = p["inputs"]
        if X.shape[1] != n:
            raise TutorError(f"has {n} weights but the rows of inputs have {X.shape[1]} entries: one weight "
                             "per input column", field="w")
    else:
        X = _default_inputs(n, "w")
    _check_gate_inputs(gate, X)
    rows = X.shape[0]

    xn = g.given("inputs", X, Sym("X"), "input rows, one per line of the table")
    wn = g.given("w", w, Sym("w"), "weights")
    bn = g.given("b", b, Sym("b"), "bias")

    short = n <= 4
    idx = list(range(1, n + 1)) if short else [1, n]
    parts: list[Expr] = [E.Mul((Sym(f"w{_sub(i)}", f"w_{{{i}}}"), Sym(f"x{_sub(i)}", f"x_{{{i}}}")), "·")
                         for i in idx]
    if not short:
        parts.insert(1, E.Text("⋯", r"\cdots"))
    formula = E.Add(tuple(parts) + (bn.sym,))

    def z_rule(Xv: Any, wv: Any, bv: Any) -> np.ndarray:
        W = np.asarray(wv, float).reshape(1, -1)
        return _exact_affine(np.asarray(Xv, float), W, np.array([float(bv)]))[:, 0]

    def z_show(Xv: Any, wv: Any, bv: Any) -> list[Expr]:
        Xa, wa = np.atleast_2d(np.asarray(Xv, float)), np.asarray(wv, float)
        if Xa.shape[0] > EXPAND_MAX_ROWS or wa.size > EXPAND_MAX_TERMS:
            return [E.Add((E.Mul((Num(Xa), Num(wa)), ""), Num(float(bv))))]
        return [E.Matrix.column(E.Add(tuple(E.mul(wa[i], r[i]) for i in range(wa.size)) + (Num(float(bv)),))
                                for r in Xa)]

    zn = g.step("z", "Weighted sum plus bias, for every row", Sym("z"), formula, [xn, wn, bn], z_rule, z_show,
                f"Each row of the table in turn: multiply each input by its weight, add them and the bias "
                f"({_plural(rows, 'row')}, worked exactly).")

    def y_show(z: Any) -> list[Expr]:
        za = np.asarray(z, float).reshape(-1)
        if za.size > EXPAND_MAX_ROWS:
            return []
        ya = _step_rule(t, fires)(za)
        return [E.Matrix(tuple(_decision(v, t, fires, yv) for v, yv in zip(za, ya)))]

    def y_explain(z: Any, y: Any) -> str:
        fired = int(np.sum(np.asarray(y, float)))
        return (f"The step function, row by row: y = 1 where z {_op(fires, True)} {t:g}, else 0 "
                f"(rows firing: {fired} of {np.size(y)}).")

    yn = g.step("y", "Step activation, row by row", Sym("y"), _step_formula("z", "z", t, fires), [zn],
                _step_rule(t, fires), y_show, y_explain)

    if gate is not None:
        _gate_steps(g, "neuron", gate, X, xn, yn)
        if gate == "XOR" and n >= 2:
            g.notes.append(_xor_note(n, t, fires))
    _conventions(g, t, fires)
    if "inputs" not in p:
        g.conventions.append(_table_convention(X))


# -- layers of neurons ---------------------------------------------------------------------------------------
def _read_layers(value: Any) -> list[tuple[np.ndarray, np.ndarray, bool]]:
    """[{W, b}, ...] → [(W, b, b_given)], each W units × inputs and chained: errors name e.g. layers[1].W."""
    example = "[{W: [[1, 1], [1, 1]], b: [0, -1]}, {W: [[1, -2]]}]"
    if not isinstance(value, (list, tuple)) or not value:
        raise TutorError(f"expected a list of layers such as {example}, got {describe(value)}",
                         field="layers")
    out: list[tuple[np.ndarray, np.ndarray, bool]] = []
    for k, layer in enumerate(value):
        name = f"layers[{k}]"
        if not isinstance(layer, dict):
            raise TutorError(f"expected a mapping with W (units × inputs) and optionally b, such as "
                             f"{{W: [[1, -2]], b: [0]}}, got {describe(layer)}", field=name)
        for key in layer:
            if key not in ("W", "b"):
                raise TutorError(f"unknown key {key!r}{did_you_mean(str(key), ['W', 'b'])}; a layer has W "
                                 "(units × inputs) and optionally b (one per unit)", field=f"{name}.{key}")
        if "W" not in layer:
            raise TutorError("missing W: the layer's weights, one row per unit, one column per input",
                             field=name)
        W = to_matrix(layer["W"], f"{name}.W")
        units = W.shape[0]
        if k > 0 and W.shape[1] != out[-1][0].shape[0]:
            prev = out[-1][0].shape[0]
            raise TutorError(f"has shape {shape_text(W)} but must be {units}×{prev}: layer {k} "
                             f"(layers[{k - 1}]) has {_plural(prev, 'unit')}, and each unit here takes all "
                             "of them as inputs", field=f"{name}.W")
        raw_b = layer.get("b")
        if raw_b is None:
            b, given = np.zeros(units), False
        else:
            if isinstance(raw_b, (list, tuple)):
                b = to_vector(raw_b, f"{name}.b")
            else:
                b = np.array([to_number(raw_b, f"{name}.b")])
            if b.shape[0] != units:
                raise TutorError(f"has {_plural(b.shape[0], 'entry', 'entries')} but W has "
                                 f"{_plural(units, 'row')} (units), and each unit needs one bias",
                                 field=f"{name}.b")
            given = True
        out.append((W, b, given))
    return out


@solver("perceptron_network", title="Network of step neurons (multi-layer perceptron)", topic="perceptrons",
        params=[
            Param("layers", "structure", "the layers in order, each {W: units × inputs, b: one per unit "
                                         "(default zeros)}, e.g. [{W: [[1, 1], [1, 1]], b: [0, -1]}, "
                                         "{W: [[1, -2]]}]"),
            Param("inputs", "matrix",
                  "the input rows (default: every binary row for the first layer's inputs)", default=None),
            *COMMON,
        ], answer=["y"])
def perceptron_network(p: Params, g: Graph) -> None:
    """For each layer k: z⁽ᵏ⁾ = W⁽ᵏ⁾a⁽ᵏ⁻¹⁾ + b⁽ᵏ⁾ for every input row (a⁽⁰⁾ = x), a⁽ᵏ⁾ = step(z⁽ᵏ⁾).
    The steps z1, a1, z2, a2, ... hold each layer's pre-activations and activations (rows × units); the
    answer y is the last layer's activations (rows × output units). With a gate (one output unit), whether
    the network realises it (step `realises`)."""
    layers = _read_layers(p["layers"])
    t, fires, gate = float(p["threshold"]), p["fires"], p.get("gate")
    n = layers[0][0].shape[1]
    if "inputs" in p:
        X = p["inputs"]
        if X.shape[1] != n:
            raise TutorError(f"has shape {shape_text(layers[0][0])}, so it takes {_plural(n, 'input')}, but "
                             f"the rows of inputs have {X.shape[1]} entries", field="layers[0].W")
    else:
        X = _default_inputs(n, "layers[0].W")
    _check_gate_inputs(gate, X)
    units_out = layers[-1][0].shape[0]
    if gate is not None and units_out != 1:
        raise TutorError(f"{gate} is one column, but the last layer has {units_out} units; give it one unit "
                         "(W with one row) to compare with a gate", field="gate")

    xn = g.given("inputs", X, Sym("x", "x"), "input rows, one per line of the table (a⁽⁰⁾)")
    prev: Node = xn
    no_bias = []
    L = len(layers)
    for k, (W, b, b_given) in enumerate(layers, 1):
        tag = _layer_tag(k)
        Wn = g.given(f"W{k}", W, Sym(f"W{tag}", f"W^{{({k})}}"), f"layer {k} weights, units × inputs")
        bn = g.given(f"b{k}", b, Sym(f"b{tag}", f"b^{{({k})}}"), f"layer {k} biases")
        if not b_given:
            no_bias.append(str(k))

        def z_rule(A: Any, Wv: Any, bv: Any) -> np.ndarray:
            return _exact_affine(np.asarray(A, float), np.asarray(Wv, float), np.asarray(bv, float))

        def z_show(A: Any, Wv: Any, bv: Any) -> list[Expr]:
            Aa, Wa = np.atleast_2d(np.asarray(A, float)), np.atleast_2d(np.asarray(Wv, float))
            ba = np.asarray(bv, float).reshape(-1)
            if Aa.shape[0] > EXPAND_MAX_ROWS or Wa.shape[1] > EXPAND_MAX_TERMS \
                    or Aa.shape[0] * Wa.shape[0] > EXPAND_MAX_CELLS:
                return []
            cells = [[E.Add(tuple(E.mul(Wa[j, i], row[i]) for i in range(Wa.shape[1])) + (Num(ba[j]),))
                      for j in range(Wa.shape[0])] for row in Aa]
            return [_spaced(cells)]

        inp = "x" if k == 1 else f"a{_layer_tag(k - 1)}"
        zn = g.step(f"z{k}", f"Layer {k} pre-activations, every row", Sym(f"z{tag}", f"z^{{({k})}}"),
                    E.Add((E.Mul((Wn.sym, prev.sym), ""), bn.sym)), [prev, Wn, bn], z_rule, z_show,
                    f"One row per input row, one column per unit: unit j's weights (row j of W{tag}) times "
                    f"the row of {inp}, plus unit j's bias from b{tag}; worked exactly.")

        def a_show(z: Any) -> list[Expr]:
            za = np.atleast_2d(np.asarray(z, float))
            if za.shape[0] > EXPAND_MAX_ROWS or za.size > EXPAND_MAX_CELLS:
                return []
            ya = _step_rule(t, fires)(za)
            return [_spaced([[_decision(za[r, j], t, fires, ya[r, j]) for j in range(za.shape[1])]
                             for r in range(za.shape[0])])]

        def a_explain(z: Any, a: Any, _k: int = k, _units: int = W.shape[0]) -> str:
            role = "the output" if _k == L else "hidden"
            rule = f"1 where z {_op(fires, True)} {t:g}"
            gates = _unit_gates(a, X, _units)
            return f"Layer {_k} ({role}): the step applied to every entry, {rule}.{gates}"

        prev = g.step(f"a{k}", f"Layer {k} activations{' (the output)' if k == L else ''}",
                      Sym(f"a{tag}", f"a^{{({k})}}"), _step_formula(f"z{tag}", f"z^{{({k})}}", t, fires),
                      [zn], _step_rule(t, fires), a_show, a_explain)

    yn = g.step("y", "Network output", Sym("y"), prev.sym, [prev], lambda a: np.asarray(a, float).copy(),
                explain=f"y is the last layer's activations, a{_layer_tag(L)}.", hidden=True)
    if gate is not None:
        _gate_steps(g, "network", gate, X, xn, yn)
    _conventions(g, t, fires)
    if "inputs" not in p:
        g.conventions.append(_table_convention(X))
    if no_bias:
        which = f"layer {no_bias[0]}" if len(no_bias) == 1 else f"layers {', '.join(no_bias)}"
        g.conventions.append(f"No b given for {which}: taken as zeros.")



# -- the catalogue of mistakes (tutor check / tutor quiz name them when a student's number matches) -------------
MAX_LAYERS = 64  # the wrong rules of perceptron_network are declared for layers 1..MAX_LAYERS


def _other_fires(p: dict[str, Any]) -> dict[str, Any]:
    return {"fires": ">=" if p["fires"] == ">" else ">"}


def _z_wrong_bias(v: Any, sign: float) -> np.ndarray:
    """z for every row with the bias left out (sign 0) or subtracted (sign -1), summed exactly as the solver does."""
    W = np.asarray(v["w"], float).reshape(1, -1)
    return _exact_affine(np.asarray(v["inputs"], float), W, np.array([sign * float(v["b"])]))[:, 0]


def _layer_z_without_bias(k: int) -> Callable[[Any], np.ndarray]:
    def rule(v: Any) -> np.ndarray:
        A = v["inputs"] if k == 1 else v[f"a{k - 1}"]
        W = np.atleast_2d(np.asarray(v[f"W{k}"], float))
        return _exact_affine(np.asarray(A, float), W, np.zeros(W.shape[0]))

    return rule


def _layer_a_is_z(k: int) -> Callable[[Any], np.ndarray]:
    return lambda v: np.asarray(v[f"z{k}"], float).copy()


def _is_xor(solution: Solution) -> bool:
    return "target" in solution.steps and "the XOR column" in solution.steps["target"].title


def _or_target(v: Any) -> np.ndarray:
    return _gate_column("OR", v["inputs"])


FIRES_SWAPPED = Mistake(
    "z exactly at the threshold decided the other way (> vs ≥)",
    "The two step rules differ only where z equals the threshold: with 'fires on z > θ' a z of exactly θ gives "
    "0, with 'fires on z ≥ θ' it gives 1. Read which one the problem uses.",
    params=_other_fires)
XOR_AS_OR = Mistake(
    "XOR read as inclusive OR",
    "XOR is 1 when exactly one input is 1 (an odd number of them): row 11 gives 0. OR would give 1 there.",
    rules={"target": _or_target}, applies=_is_xor)

mistakes(
    "perceptron",
    FIRES_SWAPPED,
    Mistake("bias left out of z",
            "z = w·x + b: the bias is added to the weighted sum in every row, including row 00 where the weights "
            "contribute nothing.",
            rules={"z": lambda v: _z_wrong_bias(v, 0.0)}),
    Mistake("bias subtracted, as if it were a threshold",
            "z = w·x + b adds the bias. Some texts write w·x − θ with a threshold θ = −b; subtracting b itself "
            "mixes the two conventions and flips its sign.",
            rules={"z": lambda v: _z_wrong_bias(v, -1.0)}),
    Mistake("y = z, without the step function",
            "The output is the step of z, 0 or 1, not z itself: compare z with the threshold.",
            rules={"y": lambda v: np.asarray(v["z"], float).copy()}),
    XOR_AS_OR,
)

mistakes(
    "perceptron_network",
    FIRES_SWAPPED,
    Mistake("bias left out of z",
            "z⁽ᵏ⁾ = W⁽ᵏ⁾a⁽ᵏ⁻¹⁾ + b⁽ᵏ⁾: each unit adds its own bias, also in rows where its inputs are all 0.",
            rules={f"z{k}": _layer_z_without_bias(k) for k in range(1, MAX_LAYERS + 1)}),
    Mistake("step function skipped: a = z",
            "Every neuron of the network, hidden ones included, outputs the step of its z (0 or 1); passing z on "
            "unchanged makes the layer linear, and a stack of linear layers cannot realise XOR.",
            rules={f"a{k}": _layer_a_is_z(k) for k in range(1, MAX_LAYERS + 1)}),
    XOR_AS_OR,
)


# -- degenerate variants (tutor quiz) ------------------------------------------------------------------------
def _on_threshold(solution: Solution, z_key: str, y_key: str) -> str | None:
    """A z exactly at the threshold: the step rule decides differently just below and just above it."""
    rule = solution.steps[y_key].rule
    z = np.atleast_1d(np.asarray(solution.values[z_key], float))
    below, above = rule(np.nextafter(z, -np.inf)), rule(np.nextafter(z, np.inf))
    hit = np.argwhere(np.asarray(below) != np.asarray(above))
    if hit.size == 0:
        return None
    at = tuple(int(i) + 1 for i in hit[0])
    where = f"row {at[0]}" + (f", unit {at[1]}" if len(at) > 1 else "")
    return f"{z_key} = {float(z[tuple(hit[0])]):g} lies exactly on the threshold ({where})"


def _network_on_threshold(solution: Solution) -> str | None:
    k = 1
    while f"z{k}" in solution.steps:
        reason = _on_threshold(solution, f"z{k}", f"a{k}")
        if reason:
            return reason
        k += 1
    return None


degenerate("perceptron", lambda sol: _on_threshold(sol, "z", "y"))
degenerate("perceptron_network", _network_on_threshold)
