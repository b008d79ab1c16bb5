"""Dense (fully connected) networks: the forward pass layer by layer, learnable-parameter counts, backprop through
a small network with one gradient-descent update, and an encoder–decoder's reconstruction loss.

Every layer is z⁽ᵏ⁾ = W⁽ᵏ⁾ a⁽ᵏ⁻¹⁾ + b⁽ᵏ⁾, a⁽ᵏ⁾ = f(z⁽ᵏ⁾) with a⁽⁰⁾ = x and W⁽ᵏ⁾ stored out × in (one row per unit),
as PyTorch's nn.Linear stores its weight.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tutor.engine import expr as E
from tutor.engine.expr import Expr, Num, Sym
from tutor.engine.ops import EXPAND_MAX_ELEMENTS, EXPAND_MAX_TERMS, Graph, Node
from tutor.engine.step import Solution
from tutor.engine.ops import sigmoid as _sigmoid
from tutor.errors import TutorError, did_you_mean
from tutor.mistakes import Mistake, degenerate, mistakes
from tutor.params import Param, Params, describe, to_integer, to_matrix, to_number, to_vector
from tutor.registry import solver
from tutor.solvers import expect_matrix, expect_vector, shape_text

ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "softmax")
_ALIASES = {"identity": "linear", "none": "linear", "logistic": "sigmoid", "σ": "sigmoid"}
ACTIVATION_NAMES = {"linear": "linear", "relu": "ReLU", "sigmoid": "σ", "tanh": "tanh", "softmax": "softmax"}
MSE_LOSSES = ("mse", "half_mse", "sse", "half_sse")
LOSSES = MSE_LOSSES + ("bce",)
# Beyond this many cells an outer product or a Jacobian is shown as its value alone.
EXPAND_MAX_CELLS = 16

WEIGHT_CONVENTION = ("W⁽ᵏ⁾ is out × in (one row per unit, one column per input) and z = W a + b, as PyTorch's "
                     "nn.Linear stores its weight (out_features × in_features); texts that write z = Wᵀx store the "
                     "same numbers transposed (in × out).")

_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
# Not a parameter: a catalogued mistake (end of this module) re-solves the problem with this key naming a wrong
# method, where the wrong rule depends on a layer's activation, which the values a tutor.mistakes rule receives do
# not carry.
WRONG_METHOD = "_wrong_method"
SIGMOID_SIGN, SOFTMAX_UNNORMALISED = "sigmoid sign", "softmax unnormalised"
MAX_LAYERS = 64  # the wrong rules keyed by layer are declared for layers 1..MAX_LAYERS


def _tag(k: int) -> str:
    return f"({k})".translate(_SUP).replace("(", "⁽").replace(")", "⁾")


def _ksym(name: str, k: int, tex: str | None = None) -> Sym:
    return Sym(f"{name}{_tag(k)}", f"{tex or name}^{{({k})}}")


def _grad_sym(of: str, k: int | None = None, tex: str | None = None) -> Sym:
    text = f"∂L/∂{of}{_tag(k) if k is not None else ''}"
    inner = (tex or of) + (f"^{{({k})}}" if k is not None else "")
    return Sym(text, rf"\frac{{\partial L}}{{\partial {inner}}}")


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def _entries(mask: Any) -> str:
    idx = [str(int(i) + 1) for i in np.flatnonzero(mask)]
    return ("entry " if len(idx) == 1 else "entries ") + ", ".join(idx)


def _copy(v: Any) -> Any:
    a = np.asarray(v, float)
    return float(a) if a.ndim == 0 else a.copy()


# -- reading the layers -------------------------------------------------------------------------------------------
@dataclass
class Layer:
    W: np.ndarray
    b: np.ndarray | None  # None: not given
    activation: str


def _activation(value: Any, field: str, where: str) -> str:
    text = str(value).strip().lower() if isinstance(value, str) else None
    if text in ACTIVATIONS:
        return text
    if text in _ALIASES:
        return _ALIASES[text]
    hint = did_you_mean(str(value), list(ACTIVATIONS))
    raise TutorError(f"{where}expected an activation, one of {', '.join(ACTIVATIONS)}, got {describe(value)}{hint}",
                     field=field)


def _bias(value: Any, units: int, field: str, where: str) -> np.ndarray:
    """A list with one bias per unit, or one number for every unit (the notes write b = [0] for zeros)."""
    if isinstance(value, (list, tuple)):
        b = to_vector(value, field)
        if len(b) == 1 and units > 1:
            return np.full(units, b[0])
    else:
        b = np.full(units, to_number(value, field))
    if len(b) != units:
        raise TutorError(f"{where}b has {_plural(len(b), 'entry', 'entries')} but W has {_plural(units, 'row')} "
                         "(units); each unit needs one bias", field=field)
    return b


def _check_columns(W: np.ndarray, n_in: int, source: str, field: str, where: str) -> None:
    rows, cols = W.shape
    if cols == n_in:
        return
    hint = ""
    if rows == n_in:
        hint = (f"; it looks transposed: W is out × in, one row per unit, so this layer's W should be "
                f"{cols}×{n_in}")
    raise TutorError(f"{where}W is {rows}×{cols} (units × inputs), so it takes {_plural(cols, 'input')}, but "
                     f"{source}: W needs {n_in} columns{hint}", field=field)


def _read_layers(value: Any, n_in: int, field: str = "layers") -> list[Layer]:
    """[{W, b, activation}, ...] → Layers, each W checked against the size of what feeds it."""
    example = "[{W: [[0.2, 0.4], [0.3, 0.7]], b: [0, 0], activation: relu}, {W: [[0.5, 0.9]], activation: linear}]"
    if not isinstance(value, (list, tuple)) or not value:
        raise TutorError(f"expected a list of layers such as {example}, got {describe(value)}", field=field)
    out: list[Layer] = []
    for k, layer in enumerate(value, 1):
        name = f"{field}[{k - 1}]"
        where = f"layer {k}: "
        if not isinstance(layer, dict):
            raise TutorError(f"{where}expected a mapping with W (units × inputs), b (one per unit, optional) and "
                             f"activation, such as {{W: [[0.5, 0.9]], b: [0], activation: linear}}, got "
                             f"{describe(layer)}", field=name)
        for key in layer:
            if key not in ("W", "b", "activation"):
                raise TutorError(f"{where}unknown key {key!r}{did_you_mean(str(key), ['W', 'b', 'activation'])}; "
                                 "a layer has W, b and activation", field=f"{name}.{key}")
        if "W" not in layer:
            raise TutorError(f"{where}missing W: the weights, one row per unit, one column per input", field=name)
        if "activation" not in layer:
            raise TutorError(f"{where}missing activation: one of {', '.join(ACTIVATIONS)}", field=name)
        W = to_matrix(layer["W"], f"{name}.W")
        source = (f"the input x has {_plural(n_in, 'entry', 'entries')}" if k == 1 else
                  f"layer {k - 1} has {_plural(n_in, 'unit')} (rows of its W), and each of them feeds every unit here")
        _check_columns(W, n_in, source, f"{name}.W", where)
        units = W.shape[0]
        b = None if layer.get("b") is None else _bias(layer["b"], units, f"{name}.b", where)
        out.append(Layer(W, b, _activation(layer["activation"], f"{name}.activation", where)))
        n_in = units
    return out


# -- activations, forward ------------------------------------------------------------------------------------------
def _relu(z: Any) -> Any:
    return np.maximum(np.asarray(z, float), 0.0)


def _softmax(z: Any) -> np.ndarray:
    z = np.asarray(z, float)
    e = np.exp(z - np.max(z))  # shifting by max(z) leaves softmax unchanged and never overflows
    return e / np.sum(e)


def _show_softmax(z: Any) -> list[Expr]:
    z = np.asarray(z, float)
    if z.size > EXPAND_MAX_ELEMENTS or np.max(np.abs(z)) > 30:
        return [E.Call("softmax", (Num(z),))]
    lines: list[Expr] = []
    if z.size <= 3:
        den = E.Add(tuple(E.Pow(Sym("e"), Num(t)) for t in z))
        lines.append(E.Matrix.column(E.Div(E.Pow(Sym("e"), Num(t)), den) for t in z))
    ex = np.exp(z)
    lines.append(E.Matrix.column(E.Div(Num(t), Num(float(np.sum(ex)))) for t in ex))
    return lines


def _explain_relu(z: Any, a: Any) -> str:
    z = np.asarray(z, float)
    dead = z <= 0
    if not dead.any():
        return "ReLU keeps every entry: all of them are positive."
    if dead.all():
        return ("ReLU sets every entry to 0: none of them is positive, so any layer after this one sees only "
                "zeros.")
    return f"ReLU keeps the positive entries and sets the rest to 0 ({_entries(dead)} of {z.size})."


def _explain_softmax(z: Any, a: Any) -> str:
    if np.size(z) == 1:
        return ("A softmax over one unit is always 1 (e^z/e^z), whatever z is; a single output that should be a "
                "probability takes a sigmoid instead.")
    return (f"e^(z_i) over the sum of all of them: every output is positive and they add up to "
            f"{float(np.sum(a)):.6g}, a probability over the {np.size(z)} classes.")


def _activate(g: Graph, k: int, act: str, z: Node, last: bool, method: str | None = None) -> Node:
    key, sym = f"a{k}", _ksym("a", k)
    title = f"Layer {k} activation: {ACTIVATION_NAMES[act]}" + (" (the output)" if last else "")
    if method == SIGMOID_SIGN and act == "sigmoid":  # catalogued wrong methods (end of this module)
        return g.elementwise(key, title, "σ", lambda v: _sigmoid(-np.asarray(v, float)), z, sym)
    if method == SOFTMAX_UNNORMALISED and act == "softmax":
        return g.elementwise(key, title, "exp", np.exp, z, sym)
    if act == "relu":
        return g.elementwise(key, title, "ReLU", _relu, z, sym, _explain_relu)
    if act == "sigmoid":
        return g.sigmoid(key, title, z, sym)
    if act == "tanh":
        return g.tanh(key, title, z, sym)
    if act == "softmax":
        return g.step(key, title, sym, E.Call("softmax", (z.sym,)), [z], _softmax, _show_softmax, _explain_softmax)
    return g.step(key, title, sym, z.sym, [z], _copy, lambda v: [],
                  "A linear layer applies no function: its activation is its pre-activation, a = z.")


@dataclass
class Built:
    W: Node
    b: Node | None
    z: Node
    a: Node


def _forward(g: Graph, x: Node, layers: list[Layer], zero_bias_given: bool, method: str | None = None) -> list[Built]:
    """z⁽ᵏ⁾ and a⁽ᵏ⁾ for every layer. Without a b, a layer's bias is left out of the working, or (for backprop,
    where b is learned too) taken as a given zero vector."""
    prev, out = x, []
    L = len(layers)
    for k, layer in enumerate(layers, 1):
        W = g.given(f"W{k}", layer.W, _ksym("W", k), f"layer {k} weights, units × inputs ({shape_text(layer.W)})")
        b = None
        if layer.b is not None or zero_bias_given:
            bias = layer.b if layer.b is not None else np.zeros(layer.W.shape[0])
            b = g.given(f"b{k}", bias, _ksym("b", k), f"layer {k} biases, one per unit"
                        + ("" if layer.b is not None else " (not given: zero)"))
        inp = "x" if k == 1 else f"a{_tag(k - 1)}"
        units = layer.W.shape[0]
        z = g.affine(f"z{k}", f"Layer {k} pre-activation", [(W, prev)], b, _ksym("z", k),
                     f"Each unit's row of W{_tag(k)} times the layer's input {inp}"
                     + (f", plus its bias from b{_tag(k)}" if b is not None else " (no bias)")
                     + f": one number per unit ({_plural(units, 'unit')}).")
        a = _activate(g, k, layer.activation, z, k == L, method)
        out.append(Built(W, b, z, a))
        prev = a
    return out


def _output(g: Graph, a: Node, L: int) -> Node:
    return g.step("y_hat", "Network output", Sym("ŷ", r"\hat{y}"), a.sym, [a], _copy, lambda v: [],
                  f"ŷ is the last layer's activation a{_tag(L)}.", hidden=True)


def _bias_conventions(g: Graph, layers: list[Layer], learned: bool) -> None:
    missing = [str(k) for k, layer in enumerate(layers, 1) if layer.b is None]
    if not missing:
        return
    which = f"layer {missing[0]}" if len(missing) == 1 else f"layers {', '.join(missing)}"
    if learned:
        g.conventions.append(f"No b given for {which}: taken as zeros, and learned like every other bias "
                             "(nn.Linear has a bias unless bias=False).")
    else:
        g.conventions.append(f"No b given for {which}: taken as zero and left out of the working.")


LAYERS_MEANING = ("the layers in order, each {W: units × inputs, b: one per unit (optional), activation: "
                  f"{' | '.join(ACTIVATIONS)}}}, e.g. [{{W: [[0.2, 0.4], [0.3, 0.7]], b: [0, 0], activation: "
                  "relu}, {W: [[0.5, 0.9]], b: [0], activation: linear}]")


@solver("dense_forward", title="Dense network, forward pass", topic="networks",
        params=[Param("x", "vector", "the input x = a⁽⁰⁾"),
                Param("layers", "structure", LAYERS_MEANING)],
        answer=["y_hat"])
def dense_forward(p: Params, g: Graph) -> None:
    """For each layer k: z⁽ᵏ⁾ = W⁽ᵏ⁾a⁽ᵏ⁻¹⁾ + b⁽ᵏ⁾ (W out × in, a⁽⁰⁾ = x), a⁽ᵏ⁾ = f(z⁽ᵏ⁾) with f one of linear, ReLU,
    σ, tanh, softmax; ŷ = a⁽ᴸ⁾."""
    x = p["x"]
    layers = _read_layers(p["layers"], len(x))
    xn = g.given("x", x, Sym("x"), "the input, a⁽⁰⁾")
    built = _forward(g, xn, layers, zero_bias_given=False, method=p.get(WRONG_METHOD))
    _output(g, built[-1].a, len(layers))
    g.conventions.append(WEIGHT_CONVENTION)
    _bias_conventions(g, layers, learned=False)


# -- parameter counts ---------------------------------------------------------------------------------------------
def _read_sizes(value: Any) -> list[int]:
    if not isinstance(value, (list, tuple)) or len(value) < 2:
        raise TutorError(f"expected the layer sizes from input to output, at least two whole numbers such as "
                         f"[4, 3, 2, 1] (4 inputs, then layers of 3, 2 and 1 units), got {describe(value)}",
                         field="sizes")
    sizes = []
    for i, v in enumerate(value):
        n = to_integer(v, f"sizes[{i}]")
        if n < 1:
            what = "the number of inputs" if i == 0 else f"layer {i}'s number of units"
            raise TutorError(f"{what} must be at least 1, got {n}", field=f"sizes[{i}]")
        sizes.append(n)
    return sizes


@solver("parameter_count", title="Learnable parameters of a dense network", topic="networks",
        params=[Param("sizes", "structure", "the layer sizes from input to output, [n₀, n₁, …, n_L]: n₀ inputs, "
                                            "then each layer's number of units, e.g. [4, 3, 2, 1]")],
        answer=["weights", "biases", "total"])
def parameter_count(p: Params, g: Graph) -> None:
    """Layer k (n_{k-1} inputs → n_k units) has n_{k-1}·n_k weights and n_k biases; the total is the sum over the
    layers, which is also all the weights plus all the biases."""
    sizes = _read_sizes(p["sizes"])
    L = len(sizes) - 1
    ns = [g.given(f"n{k}", n, Sym(f"n{k}".translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")), f"n_{{{k}}}"),
                  "inputs" if k == 0 else f"units in layer {k}" + (" (the output)" if k == L else ""))
          for k, n in enumerate(sizes)]
    weights, biases, per_layer = [], [], []
    for k in range(1, L + 1):
        a, b = ns[k - 1], ns[k]
        w = g.step(f"weights_{k}", f"Layer {k}: weights", Sym(f"#W{_tag(k)}", rf"\#W^{{({k})}}"),
                   E.Mul((a.sym, b.sym), "·"), [a, b], lambda n_in, n_out: n_in * n_out,
                   explain=lambda n_in, n_out, v, _k=k: (f"Each of the {_plural(n_out, 'unit')} has a weight for "
                                                         f"each of its {_plural(n_in, 'input')}: W{_tag(_k)} is "
                                                         f"{n_out}×{n_in}."))
        bb = g.step(f"biases_{k}", f"Layer {k}: biases", Sym(f"#b{_tag(k)}", rf"\#b^{{({k})}}"), b.sym, [b],
                    lambda n_out: n_out, lambda n_out: [],
                    "One bias per unit.")
        t = g.step(f"params_{k}", f"Layer {k}: learnable parameters", Sym(f"P{_tag(k)}", rf"P^{{({k})}}"),
                   E.Add((w.sym, bb.sym)), [w, bb], lambda u, v: u + v,
                   explain=lambda u, v, s, _k=k: (f"Layer {_k} learns {_plural(u, 'weight')} and "
                                                  f"{_plural(v, 'bias', 'biases')}."))
        weights.append(w)
        biases.append(bb)
        per_layer.append(t)

    def total_rule(*vals: Any) -> Any:
        return sum(vals)

    def sum_show(*vals: Any) -> list[Expr]:
        return [E.Add(tuple(Num(v) for v in vals))] if len(vals) > 1 else []

    def summed(nodes: list[Node]) -> Expr:
        return E.Add(tuple(n.sym for n in nodes)) if len(nodes) > 1 else nodes[0].sym

    g.step("weights", "All weights", Sym("#W", r"\#W"), summed(weights), weights, total_rule, sum_show,
           "The weights of every layer together.")
    g.step("biases", "All biases", Sym("#b", r"\#b"), summed(biases), biases, total_rule, sum_show,
           "One bias per unit of every layer: as many biases as units in the network.")

    def explain_total(*vals: Any) -> str:
        return (f"The layers' counts added up; the same as all weights plus all biases. "
                f"nn.Linear(n_in, n_out) holds n_in·n_out + n_out of them, so sum(p.numel() for p in "
                f"model.parameters()) gives {vals[-1]} for this network.")

    g.step("total", "Total learnable parameters", Sym("P"), summed(per_layer), per_layer, total_rule, sum_show,
           explain_total)
    g.conventions.append("Every layer is fully connected and has a bias per unit (nn.Linear's default, "
                         "bias=True); the inputs n₀ are not a layer and have no parameters.")


# -- losses ---------------------------------------------------------------------------------------------------------
LOSS_TEXT = {
    "mse": "L = (1/n)Σᵢ(ŷᵢ - yᵢ)², the mean over the n outputs with no ½: PyTorch's nn.MSELoss()",
    "half_mse": "L = (1/2n)Σᵢ(ŷᵢ - yᵢ)², the mean with a ½ (PyTorch's nn.MSELoss is the mean without ½)",
    "sse": "L = Σᵢ(ŷᵢ - yᵢ)², the sum with no ½: nn.MSELoss(reduction='sum') (nn.MSELoss() is the mean)",
    "half_sse": "L = ½Σᵢ(ŷᵢ - yᵢ)² = ½‖ŷ - y‖², the sum with a ½ (PyTorch's nn.MSELoss is the mean without ½)",
    "bce": "L = -(1/n)Σᵢ[yᵢ ln ŷᵢ + (1 - yᵢ) ln(1 - ŷᵢ)], binary cross-entropy averaged over the n outputs: "
           "PyTorch's nn.BCELoss()",
}


def _loss_factor(loss: str, n: int) -> float:
    """L = c·Σ(ŷᵢ - yᵢ)² for the squared-error losses."""
    return {"mse": 1.0 / n, "half_mse": 0.5 / n, "sse": 1.0, "half_sse": 0.5}[loss]


def _factor_expr(loss: str, n: int) -> Expr | None:
    if loss == "sse" or (loss == "mse" and n == 1):
        return None
    if loss == "half_sse" or (loss == "half_mse" and n == 1):
        return E.Text("½", r"\frac{1}{2}")
    return E.Div(Num(1), Num(n if loss == "mse" else 2 * n))


def _loss_formula(loss: str, pred: str, target: str, n: int) -> Expr:
    e_text = f"({pred}ᵢ - {target}ᵢ)²" if n > 1 else f"({pred} - {target})²"
    tex_p, tex_t = (r"\hat{y}", "y") if pred == "ŷ" else (r"\hat{x}", "x")
    e_tex = rf"({tex_p}_i - {tex_t}_i)^2" if n > 1 else rf"({tex_p} - {tex_t})^2"
    if loss == "bce":
        return E.Neg(E.Text("(1/n)Σᵢ[yᵢ ln ŷᵢ + (1 - yᵢ) ln(1 - ŷᵢ)]",
                            r"\frac{1}{n}\sum_i\left[y_i \ln\hat{y}_i + (1 - y_i)\ln(1 - \hat{y}_i)\right]"))
    factor = {"mse": ("(1/n)", r"\frac{1}{n}"), "half_mse": ("(1/2n)", r"\frac{1}{2n}"), "sse": ("", ""),
              "half_sse": ("½", r"\frac{1}{2}")}[loss]
    if n == 1:
        factor = {"mse": ("", ""), "half_mse": ("½", r"\frac{1}{2}")}.get(loss, factor)
    sigma = ("Σᵢ", r"\sum_i ") if n > 1 else ("", "")
    return E.Text(f"{factor[0]}{sigma[0]}{e_text}", f"{factor[1]}{sigma[1]}{e_tex}")


def _error_step(g: Graph, pred: Node, target: Node, what: str) -> Node:
    return g.step("error", f"Error: {what} minus target", Sym("e"), E.Add((pred.sym, E.Neg(target.sym))),
                  [pred, target], lambda u, v: np.asarray(u, float) - np.asarray(v, float), _show_difference,
                  f"How far each {what} is from its target, with its sign: the squared-error loss and its "
                  "gradient are both built from it.")


def _show_difference(u: Any, v: Any) -> list[Expr]:
    a, b = np.asarray(u, float).reshape(-1), np.asarray(v, float).reshape(-1)
    if a.size == 1:
        return [E.Add((Num(float(a[0])), E.Neg(_paren(b[0]))))]
    if a.size > EXPAND_MAX_ELEMENTS:
        return []
    return [E.Matrix.column(E.Add((Num(float(p)), E.Neg(_paren(q)))) for p, q in zip(a, b))]


def _paren(v: float) -> Expr:
    return E.Paren(Num(float(v))) if v < 0 else Num(float(v))


def _loss_step(g: Graph, loss: str, pred: Node, target: Node, error: Node, pred_text: str = "ŷ",
               what: str = "output", its_target: str = "its target") -> Node:
    n = int(np.size(g.values[pred.key]))
    formula = _loss_formula(loss, pred_text, "y" if pred_text == "ŷ" else "x", n)
    sym = Sym("L")
    if loss == "bce":
        def rule(yh: Any, y: Any) -> float:
            yh, y = np.asarray(yh, float).reshape(-1), np.asarray(y, float).reshape(-1)
            with np.errstate(divide="ignore", invalid="ignore"):
                terms = np.where(y > 0, y * np.log(yh), 0.0) + np.where(y < 1, (1 - y) * np.log(1 - yh), 0.0)
            return float(-np.mean(terms))

        def show(yh: Any, y: Any) -> list[Expr]:
            yh, y = np.asarray(yh, float).reshape(-1), np.asarray(y, float).reshape(-1)
            if yh.size > EXPAND_MAX_TERMS:
                return []
            terms = tuple(E.Add((E.mul(t, E.Call("ln", (Num(p),))),
                                 E.mul(1 - t, E.Call("ln", (Num(1 - p),))))) for p, t in zip(yh, y))
            inner: Expr = E.Paren(E.Add(terms)) if len(terms) > 1 else E.Paren(terms[0])
            head: Expr = E.Mul((E.Div(Num(1), Num(yh.size)), inner)) if yh.size > 1 else inner
            return [E.Neg(head)]

        def explain(yh: Any, y: Any, value: float) -> str:
            return ("Binary cross-entropy: -ln of the probability the network gave the right answer, averaged "
                    "over the outputs; it grows without bound as an output approaches the wrong end.")

        return g.step("loss", "Loss: binary cross-entropy", sym, formula, [pred, target], rule, show, explain)

    def rule_sq(e: Any) -> float:
        e = np.asarray(e, float).reshape(-1)
        return float(_loss_factor(loss, e.size) * np.sum(e * e))

    def show_sq(e: Any) -> list[Expr]:
        e = np.asarray(e, float).reshape(-1)
        if e.size > EXPAND_MAX_TERMS:
            return []
        factor = _factor_expr(loss, e.size)
        squares: Expr = E.Add(tuple(E.Pow(_paren(v), Num(2)) for v in e)) if e.size > 1 else \
            E.Pow(_paren(e[0]), Num(2))
        values: Expr = E.Add(tuple(Num(float(v * v)) for v in e)) if e.size > 1 else Num(float(e[0] ** 2))
        if factor is None:
            return [squares, values] if e.size > 1 else [squares]
        return [E.Mul((factor, E.Paren(squares) if e.size > 1 else squares)),
                E.Mul((factor, E.Paren(values) if e.size > 1 else values))]

    def explain_sq(e: Any, value: float) -> str:
        kind = {"mse": "the mean of the squared errors", "half_mse": "half the mean of the squared errors",
                "sse": "the sum of the squared errors", "half_sse": "half the sum of the squared errors"}[loss]
        return f"The loss is {kind}: 0 only when every {what} equals {its_target}."

    return g.step("loss", "Loss: squared error", sym, formula, [error], rule_sq, show_sq, explain_sq)


def _loss_gradient_step(g: Graph, loss: str, pred: Node, target: Node, error: Node) -> Node:
    sym = _grad_sym("ŷ", tex=r"\hat{y}")
    if loss == "bce":
        def rule(yh: Any, y: Any) -> np.ndarray:
            yh, y = np.asarray(yh, float), np.asarray(y, float)
            return (yh - y) / (yh * (1 - yh)) / yh.size

        def show(yh: Any, y: Any) -> list[Expr]:
            yh, y = np.asarray(yh, float).reshape(-1), np.asarray(y, float).reshape(-1)
            if yh.size > EXPAND_MAX_ELEMENTS:
                return []
            n = yh.size
            rows = [E.Div(E.Add((Num(p), E.Neg(_paren(t)))),
                          E.Mul((Num(n), Num(p), E.Paren(E.Add((Num(1), E.Neg(Num(p))))))
                                if n > 1 else (Num(p), E.Paren(E.Add((Num(1), E.Neg(Num(p))))))))
                    for p, t in zip(yh, y)]
            return [rows[0] if n == 1 else E.Matrix.column(rows)]

        yh_sym = Sym("ŷ", r"\hat{y}")
        bce_formula = E.Div(E.Add((yh_sym, E.Neg(Sym("y")))),
                            E.Mul((Sym("n"), yh_sym, E.Paren(E.Add((Num(1), E.Neg(yh_sym)))))))
        return g.step("dL_dy_hat", "Gradient of the loss with respect to the output", sym, bce_formula,
                      [pred, target],
                      rule, show, "Entry by entry: the derivative of -[y ln ŷ + (1 - y) ln(1 - ŷ)]/n with respect "
                                  "to ŷ.")

    def rule_sq(e: Any) -> np.ndarray:
        e = np.asarray(e, float)
        return 2 * _loss_factor(loss, e.size) * e

    def coef_expr(n: int) -> Expr | None:
        return {"mse": E.Div(Num(2), Num(n)) if n > 1 else Num(2), "half_mse": E.Div(Num(1), Num(n)) if n > 1
                else None, "sse": Num(2), "half_sse": None}[loss]

    def show_sq(e: Any) -> list[Expr]:
        e = np.asarray(e, float).reshape(-1)
        c = coef_expr(e.size)
        if c is None or e.size > EXPAND_MAX_ELEMENTS:
            return []
        rows = [E.Mul((c, _paren(v))) for v in e]
        return [rows[0] if e.size == 1 else E.Matrix.column(rows)]

    n = int(np.size(g.values[error.key]))
    c = coef_expr(n)
    formula = E.Mul((c, error.sym)) if c is not None else error.sym
    if n == 1:
        why = {"mse": "the derivative of (ŷ - y)² is 2(ŷ - y)",
               "half_mse": "the ½ cancels the 2 from the square, leaving the error itself",
               "sse": "the derivative of (ŷ - y)² is 2(ŷ - y)",
               "half_sse": "the ½ cancels the 2 from the square, leaving the error itself"}[loss]
    else:
        why = {"mse": "the derivative of (1/n)Σ(ŷᵢ - yᵢ)² with respect to ŷᵢ is (2/n)(ŷᵢ - yᵢ)",
               "half_mse": "the ½ cancels the 2 from the square, leaving (1/n)(ŷᵢ - yᵢ)",
               "sse": "the derivative of Σ(ŷᵢ - yᵢ)² with respect to ŷᵢ is 2(ŷᵢ - yᵢ)",
               "half_sse": "the ½ cancels the 2 from the square, leaving the error itself"}[loss]
    return g.step("dL_dy_hat", "Gradient of the loss with respect to the output", sym, formula, [error], rule_sq,
                  show_sq, f"Where the backward pass starts: {why}.")


# -- backprop -------------------------------------------------------------------------------------------------------
def _outer_show(d: Any, a: Any) -> list[Expr]:
    d, a = np.asarray(d, float).reshape(-1), np.asarray(a, float).reshape(-1)
    if d.size * a.size > EXPAND_MAX_CELLS:
        return []
    return [E.Matrix(tuple(tuple(E.mul(di, aj) for aj in a) for di in d))]


def _transpose_times(W: Any, d: Any) -> np.ndarray:
    return np.asarray(W, float).T @ np.asarray(d, float)


def _show_transpose_times(W: Any, d: Any) -> list[Expr]:
    Wt, dv = np.asarray(W, float).T, np.asarray(d, float).reshape(-1)
    lines: list[Expr] = [E.Mul((Num(Wt), Num(dv)), "")]
    if Wt.shape[0] <= EXPAND_MAX_ELEMENTS and Wt.shape[1] <= EXPAND_MAX_TERMS:
        rows = [E.Add(tuple(E.mul(Wt[r, c], dv[c]) for c in range(Wt.shape[1]))) if Wt.shape[1] > 1
                else E.mul(Wt[r, 0], dv[0]) for r in range(Wt.shape[0])]
        lines.append(E.Matrix.column(rows))
    return lines


def _derivative(g: Graph, k: int, act: str, z: Node, a: Node) -> Node | None:
    """f′(z⁽ᵏ⁾) entry by entry (None for a linear layer, whose f′ is 1; softmax's Jacobian is built elsewhere)."""
    key = f"fprime{k}"
    if act == "relu":
        def explain(zv: Any, d: Any) -> str:
            zv = np.asarray(zv, float)
            on = zv > 0
            part = ("every entry of z is positive" if on.all() else "no entry of z is positive" if not on.any()
                    else f"z is positive at {_entries(on)}")
            return f"ReLU′ is 1 where z > 0 and 0 elsewhere (ReLU′(0) = 0, as in PyTorch): {part}."

        return g.step(key, f"Layer {k}: ReLU′(z)", Sym(f"ReLU′(z{_tag(k)})", rf"\mathrm{{ReLU}}'(z^{{({k})}})"),
                      E.Text("1 if z > 0, else 0", r"\begin{cases}1 & z > 0\\ 0 & z \le 0\end{cases}"), [z],
                      lambda zv: (np.asarray(zv, float) > 0).astype(float), lambda zv: [], explain)
    if act == "sigmoid":
        def show(av: Any) -> list[Expr]:
            av = np.asarray(av, float).reshape(-1)
            if av.size > EXPAND_MAX_ELEMENTS:
                return []
            return [E.Matrix.column(E.mul(t, E.Paren(E.Add((Num(1), E.Neg(Num(t)))))) for t in av)]

        return g.step(key, f"Layer {k}: σ′(z) = a(1 - a)", Sym(f"σ′(z{_tag(k)})", rf"\sigma'(z^{{({k})}})"),
                      E.Mul((a.sym, E.Paren(E.Add((Num(1), E.Neg(a.sym))))), "⊙"), [a],
                      lambda av: np.asarray(av, float) * (1 - np.asarray(av, float)), show,
                      "σ′(z) = σ(z)(1 - σ(z)), read off the activations already computed; it is at most 0.25.")
    if act == "tanh":
        def show_t(av: Any) -> list[Expr]:
            av = np.asarray(av, float).reshape(-1)
            if av.size > EXPAND_MAX_ELEMENTS:
                return []
            return [E.Matrix.column(E.Add((Num(1), E.Neg(E.Pow(_paren(t), Num(2))))) for t in av)]

        return g.step(key, f"Layer {k}: tanh′(z) = 1 - a²", Sym(f"tanh′(z{_tag(k)})", rf"\tanh'(z^{{({k})}})"),
                      E.Add((Num(1), E.Neg(E.Pow(a.sym, Num(2))))), [a],
                      lambda av: 1 - np.asarray(av, float) ** 2, show_t,
                      "tanh′(z) = 1 - tanh²(z), read off the activations already computed; it is at most 1.")
    return None


def _softmax_jacobian(g: Graph, k: int, a: Node) -> Node:
    def rule(av: Any) -> np.ndarray:
        av = np.asarray(av, float)
        return np.diag(av) - np.outer(av, av)

    def show(av: Any) -> list[Expr]:
        av = np.asarray(av, float).reshape(-1)
        n = av.size
        if n * n > EXPAND_MAX_CELLS:
            return []
        return [E.Matrix(tuple(tuple(E.mul(av[i], E.Paren(E.Add((Num(1), E.Neg(Num(av[i])))))) if i == j
                                     else E.Neg(E.mul(av[i], av[j])) for j in range(n)) for i in range(n)))]

    formula = E.Text("J_ij = a_i(1 - a_i) if i = j; -a_i a_j if i ≠ j",
                     r"J_{ij} = \begin{cases} a_i(1 - a_i) & i = j \\ -a_i a_j & i \neq j \end{cases}")
    return g.step(f"J{k}", f"Layer {k}: softmax Jacobian ∂a/∂z", _ksym("J", k), formula, [a], rule, show,
                  "Each output of a softmax depends on every z, so its derivative is a matrix, not one number per "
                  "entry; it is symmetric and each row sums to 0.")


@solver("network_backprop", title="Backpropagation through a small network, with one gradient-descent step",
        topic="backprop",
        params=[Param("x", "vector", "the input x = a⁽⁰⁾ (one sample)"),
                Param("layers", "structure", LAYERS_MEANING),
                Param("y", "number|vector", "the target (one number per output unit)"),
                Param("eta", "number", "learning rate η (> 0)"),
                Param("loss", "choice", "mse: (1/n)Σ(ŷ - y)², the mean without ½ (PyTorch's MSELoss); half_mse: "
                                        "with ½; sse: Σ(ŷ - y)²; half_sse: ½Σ(ŷ - y)²; bce: binary cross-entropy "
                                        "(outputs in (0, 1))", default="mse", choices=LOSSES)],
        answer=["y_hat", "loss", "gradients", "updated"])
def network_backprop(p: Params, g: Graph) -> None:
    """Forward: z⁽ᵏ⁾ = W⁽ᵏ⁾a⁽ᵏ⁻¹⁾ + b⁽ᵏ⁾, a⁽ᵏ⁾ = f(z⁽ᵏ⁾), ŷ = a⁽ᴸ⁾, loss L(ŷ, y). Backward: δ⁽ᴸ⁾ = ∂L/∂ŷ ⊙ f′(z⁽ᴸ⁾),
    δ⁽ᵏ⁾ = (W⁽ᵏ⁺¹⁾ᵀδ⁽ᵏ⁺¹⁾) ⊙ f′(z⁽ᵏ⁾), ∂L/∂W⁽ᵏ⁾ = δ⁽ᵏ⁾a⁽ᵏ⁻¹⁾ᵀ, ∂L/∂b⁽ᵏ⁾ = δ⁽ᵏ⁾ (a softmax layer multiplies by its
    Jacobian instead). Update: W ← W - η∂L/∂W, b ← b - η∂L/∂b."""
    x, eta, loss = p["x"], p["eta"], p["loss"]
    if not eta > 0:
        raise TutorError(f"the learning rate must be positive, got {eta:g}", field="eta")
    layers = _read_layers(p["layers"], len(x))
    units = layers[-1].W.shape[0]
    y = np.atleast_1d(np.asarray(p["y"], float))
    expect_vector("y", y, units, f"the output layer (layer {len(layers)} has {_plural(units, 'unit')})")
    if loss == "bce" and (np.any(y < 0) or np.any(y > 1)):
        raise TutorError("binary cross-entropy needs targets between 0 and 1 (a class label 0 or 1, or a "
                         f"probability), got {describe(y.tolist())}", field="y")

    xn = g.given("x", x, Sym("x"), "the input, a⁽⁰⁾")
    built = _forward(g, xn, layers, zero_bias_given=True)
    L = len(layers)
    yhat = _output(g, built[-1].a, L)
    if loss == "bce":
        out = np.asarray(g.values[yhat.key], float)
        if np.any(out <= 0) or np.any(out >= 1):
            raise TutorError(f"binary cross-entropy needs every output strictly between 0 and 1, but ŷ = "
                             f"{describe([float(f'{v:.6g}') for v in out])} (layer {L} uses "
                             f"{layers[-1].activation}); give the last layer a sigmoid activation", field="loss")
    yn = g.given("y", y, Sym("y"), "the target")
    etan = g.given("eta", eta, Sym("η", r"\eta"), "learning rate")
    error = _error_step(g, yhat, yn, "output") if loss != "bce" else None
    _loss_step(g, loss, yhat, yn, error)  # type: ignore[arg-type]
    upstream = _loss_gradient_step(g, loss, yhat, yn, error)  # type: ignore[arg-type]

    grads: dict[int, tuple[Node, Node]] = {}
    delta = upstream  # replaced by layer L's δ before layer L - 1 reads it
    for k in range(L, 0, -1):
        layer, b = layers[k - 1], built[k - 1]
        if k < L:
            upstream = g.step(f"dL_da{k}", f"Layer {k}: gradient reaching its activations", _grad_sym("a", k),
                              E.Mul((E.Pow(built[k].W.sym, Sym("T", r"\top")), delta.sym), ""),
                              [built[k].W, delta], _transpose_times, _show_transpose_times,
                              f"Each unit of layer {k} feeds every unit of layer {k + 1}: its gradient is the sum "
                              f"of their δ's, each times the weight that connects them (a column of W{_tag(k + 1)}).")
        dsym = _ksym("δ", k, r"\delta")
        if layer.activation == "linear":
            delta = g.step(f"delta{k}", f"Layer {k}: δ = ∂L/∂z", dsym, upstream.sym, [upstream], _copy,
                           lambda v: [], "The layer is linear (f(z) = z, f′ = 1), so δ = ∂L/∂z is the gradient "
                                         "that reached its activations, unchanged.")
        elif layer.activation == "softmax":
            J = _softmax_jacobian(g, k, b.a)
            delta = g.matmul(f"delta{k}", f"Layer {k}: δ = ∂L/∂z", J, upstream, dsym,
                             "The chain rule through the softmax: its Jacobian (symmetric, so Jᵀ = J) times the "
                             "gradient that reached its outputs.")
        else:
            fp = _derivative(g, k, layer.activation, b.z, b.a)
            assert fp is not None
            extra = ""
            if k == L and layer.activation == "sigmoid" and loss == "bce":
                extra = " With a sigmoid output and cross-entropy the two cancel to δ = (ŷ - y)/n."
            delta = g.hadamard(f"delta{k}", f"Layer {k}: δ = ∂L/∂z", upstream, fp, dsym,
                               "The chain rule through the activation, entry by entry: the gradient at a times "
                               f"the slope f′(z).{extra}")
        prev = xn if k == 1 else built[k - 2].a
        dW = g.step(f"dL_dW{k}", f"Layer {k}: weight gradient", _grad_sym("W", k),
                    E.Mul((delta.sym, E.Pow(prev.sym, Sym("T", r"\top"))), ""), [delta, prev],
                    lambda d, a: np.outer(np.asarray(d, float), np.asarray(a, float)), _outer_show,
                    f"Entry (i, j) is δᵢ times input j of the layer ({'x' if k == 1 else 'a' + _tag(k - 1)}): "
                    "the weight's effect on z is the input it multiplies.")
        db = g.step(f"dL_db{k}", f"Layer {k}: bias gradient", _grad_sym("b", k), delta.sym, [delta], _copy,
                    lambda v: [], "∂z/∂b = 1, so each bias's gradient is its unit's δ.")
        grads[k] = (dW, db)

    new: dict[int, tuple[Node, Node]] = {}
    for k in range(1, L + 1):
        b = built[k - 1]
        assert b.b is not None
        dW, db = grads[k]
        pair = []
        for param, grad, name in ((b.W, dW, "W"), (b.b, db, "b")):
            sym = Sym(f"{name}{_tag(k)}_new", rf"{name}^{{({k})}}_{{\mathrm{{new}}}}")

            def show(v: Any, e: float, d: Any) -> list[Expr]:
                step = e * np.asarray(d, float)
                return [E.Add((Num(v), E.Neg(E.Mul((Num(e), Num(d)))))), E.Add((Num(v), E.Neg(Num(step))))]

            what, whats = ("weight", "weights") if name == "W" else ("bias", "biases")
            pair.append(g.step(f"{name}{k}_new", f"Update layer {k}'s {whats}", sym,
                               E.Add((param.sym, E.Neg(E.Mul((etan.sym, grad.sym))))), [param, etan, grad],
                               lambda v, e, d: np.asarray(v, float) - e * np.asarray(d, float), show,
                               f"One gradient-descent step: every {what} moves against its gradient, scaled by η."))
        new[k] = (pair[0], pair[1])

    gkeys = [n for k in range(1, L + 1) for n in grads[k]]
    g.step("gradients", "All gradients", Sym("∇L", r"\nabla L"), E.Text("(∂L/∂W⁽ᵏ⁾, ∂L/∂b⁽ᵏ⁾) for every layer"),
           gkeys, lambda *vals: {n.key: _copy(v) for n, v in zip(gkeys, vals)}, lambda *vals: [],
           "The gradient of every weight and bias.", hidden=True)
    ukeys = [n for k in range(1, L + 1) for n in new[k]]
    g.step("updated", "All parameters after the update", Sym("θ_new", r"\theta_{\mathrm{new}}"),
           E.Text("(W⁽ᵏ⁾, b⁽ᵏ⁾) after one step"), ukeys,
           lambda *vals: {n.key.replace("_new", ""): _copy(v) for n, v in zip(ukeys, vals)}, lambda *vals: [],
           "Every weight and bias after one gradient-descent step.", hidden=True)

    g.conventions.append(f"Loss {loss}: {LOSS_TEXT[loss]}.")
    g.conventions.append(WEIGHT_CONVENTION)
    if any(layer.activation == "relu" for layer in layers):
        g.conventions.append("ReLU′(0) is taken as 0, as PyTorch does.")
    g.conventions.append("One sample and one plain gradient-descent step: every gradient is taken at the old "
                         "weights, then all of them are updated (loss.backward(), then optimizer.step() with "
                         "torch.optim.SGD(lr=η)).")
    _bias_conventions(g, layers, learned=True)


# -- autoencoder ----------------------------------------------------------------------------------------------------
@solver("autoencoder", title="Autoencoder: encode, decode, reconstruction loss", topic="networks",
        params=[Param("x", "vector", "the input x (n entries)"),
                Param("W_e", "matrix", "encoder weights, k × n (k code units, one row each); a column is "
                                       "[[a], [b]]"),
                Param("b_e", "vector", "encoder biases (k entries)", default=None),
                Param("encoder_activation", "choice", "activation of the code h", default="linear",
                      choices=ACTIVATIONS),
                Param("W_d", "matrix", "decoder weights, n × k (back to x's n entries)"),
                Param("b_d", "vector", "decoder biases (n entries)", default=None),
                Param("decoder_activation", "choice", "activation of the reconstruction x̂", default="linear",
                      choices=ACTIVATIONS),
                Param("loss", "choice", "reconstruction loss: mse = (1/n)Σ(x̂ - x)², the mean without ½ "
                                        "(PyTorch's MSELoss); half_mse with ½; sse = Σ(x̂ - x)²; half_sse = "
                                        "½‖x̂ - x‖²", default="mse", choices=MSE_LOSSES)],
        answer=["h", "x_hat", "loss"])
def autoencoder(p: Params, g: Graph) -> None:
    """Encoder h = f_e(W_e x + b_e), decoder x̂ = f_d(W_d h + b_d) (W out × in, biases optional, f linear by
    default); reconstruction error e = x̂ - x and loss L = c·Σ eᵢ² with c = 1/n (mse), 1/2n, 1 or ½."""
    x = p["x"]
    n = len(x)
    W_e, W_d = p["W_e"], p["W_d"]
    expect_matrix("W_e", W_e, None, n, f"one row per code unit and one column per input (x has {n} entries)")
    k = W_e.shape[0]
    hint = " (write a column as [[2], [0.5]])" if W_d.shape == (k, n) and k == 1 else ""
    expect_matrix("W_d", W_d, n, k, f"one row per entry of x̂ (x has {n}) and one column per code unit (W_e has "
                                    f"{_plural(k, 'row')}){hint}")
    if "b_e" in p:
        expect_vector("b_e", p["b_e"], k, f"the code (W_e has {_plural(k, 'row')})")
    if "b_d" in p:
        expect_vector("b_d", p["b_d"], n, f"the reconstruction (x has {n} entries)")

    xn = g.given("x", x, Sym("x"), "the input")
    We = g.given("W_e", W_e, Sym("W_e", "W_e"), f"encoder weights, {shape_text(W_e)}")
    be = g.given("b_e", p["b_e"], Sym("b_e", "b_e"), "encoder biases") if "b_e" in p else None
    Wd = g.given("W_d", W_d, Sym("W_d", "W_d"), f"decoder weights, {shape_text(W_d)}")
    bd = g.given("b_d", p["b_d"], Sym("b_d", "b_d"), "decoder biases") if "b_d" in p else None

    def stage(key: str, sym: Sym, W: Node, inp: Node, b: Node | None, act: str, what: str) -> Node:
        if act == "linear":
            return g.affine(key, what, [(W, inp)], b, sym,
                            f"Linear, so this is the {what.lower()} itself: each row of {W.sym.text} times "
                            f"{inp.sym.text}" + (", plus its bias." if b is not None else "."))
        z = g.affine(f"z_{key}", f"{what}: pre-activation", [(W, inp)], b,
                     Sym(f"z_{sym.text}", f"z_{{{sym.tex}}}"),
                     f"Each row of {W.sym.text} times {inp.sym.text}" + (", plus its bias." if b is not None else "."))
        if act == "relu":
            return g.elementwise(key, f"{what}: ReLU", "ReLU", _relu, z, sym, _explain_relu)
        if act == "sigmoid":
            return g.sigmoid(key, f"{what}: σ", z, sym)
        if act == "tanh":
            return g.tanh(key, f"{what}: tanh", z, sym)
        return g.step(key, f"{what}: softmax", sym, E.Call("softmax", (z.sym,)), [z], _softmax, _show_softmax,
                      _explain_softmax)

    h = stage("h", Sym("h"), We, xn, be, p["encoder_activation"], "Code (encoder output)")
    xh = stage("x_hat", Sym("x̂", r"\hat{x}"), Wd, h, bd, p["decoder_activation"], "Reconstruction (decoder output)")
    error = g.step("error", "Reconstruction error", Sym("e"), E.Add((xh.sym, E.Neg(xn.sym))), [xh, xn],
                   lambda u, v: np.asarray(u, float) - np.asarray(v, float), _show_difference,
                   "Entry by entry, how far the reconstruction is from the input.")
    _loss_step(g, p["loss"], xh, xn, error, pred_text="x̂", what="entry of x̂", its_target="the same entry of x")
    g.conventions.append(f"Reconstruction loss {p['loss']}: "
                         + LOSS_TEXT[p["loss"]].replace("ŷ", "x̂").replace("yᵢ", "xᵢ").replace("- y", "- x")
                         + ", with n the number of entries of x.")
    g.conventions.append("W_e is k × n and W_d is n × k (out × in, as nn.Linear stores them): h = W_e x, "
                         "x̂ = W_d h.")
    missing = [name for name in ("b_e", "b_d") if name not in p]
    if missing:
        g.conventions.append(f"No {' or '.join(missing)} given: taken as zero and left out of the working.")


# -- the catalogue of mistakes (tutor check / tutor quiz name them when a student's number matches) -------------
def _z_without_bias(k: int) -> Any:
    def rule(v: Any) -> np.ndarray:
        a = v["x"] if k == 1 else v[f"a{k - 1}"]
        return np.asarray(v[f"W{k}"], float) @ np.asarray(a, float)

    return rule


def _value_of(key: str) -> Any:
    return lambda v: v[key]


def _uphill(param: str) -> Any:
    """θ + η∂L/∂θ: the update with the wrong sign."""
    return lambda v: np.asarray(v[param], float) + float(v["eta"]) * np.asarray(v[f"dL_d{param}"], float)


_SWAP_HALF = {"mse": "half_mse", "half_mse": "mse", "sse": "half_sse", "half_sse": "sse"}
_SWAP_MEAN = {"mse": "sse", "sse": "mse", "half_mse": "half_sse", "half_sse": "half_mse"}


def _swapped(table: dict[str, str]) -> Any:
    def change(p: dict[str, Any]) -> dict[str, Any]:
        return {"loss": table[p["loss"]]}  # a KeyError (bce) leaves the mistake out: it does not apply

    return change


HALF_SWAPPED = Mistake(
    "the ½ of the squared error added or dropped",
    "The loss here is written with (or without) a ½ in front of the squared error: the ½ convention halves the "
    "loss and its gradient. Use the loss exactly as the problem defines it (PyTorch's MSELoss has no ½).",
    params=_swapped(_SWAP_HALF))

mistakes(
    "dense_forward",
    Mistake("bias left out of z",
            "z⁽ᵏ⁾ = W⁽ᵏ⁾a⁽ᵏ⁻¹⁾ + b⁽ᵏ⁾: each unit adds its own bias after the weighted sum.",
            rules={f"z{k}": _z_without_bias(k) for k in range(1, MAX_LAYERS + 1)}),
    Mistake("σ(z) as 1/(1 + eᶻ), the minus sign lost",
            "σ(z) = 1/(1 + e⁻ᶻ): a positive z gives more than ½. 1/(1 + eᶻ) is σ(−z) = 1 − σ(z), the other side.",
            params=lambda p: {WRONG_METHOD: SIGMOID_SIGN}),
    Mistake("softmax without dividing by the sum: e^zᵢ",
            "softmax(z)ᵢ = e^zᵢ / Σⱼ e^zⱼ: the exponentials are only the numerators; dividing by their sum makes "
            "the outputs positive numbers that add up to 1.",
            params=lambda p: {WRONG_METHOD: SOFTMAX_UNNORMALISED}),
)

mistakes(
    "parameter_count",
    Mistake("biases forgotten",
            "Every unit of every layer has one bias besides its weights: a layer of n_out units on n_in inputs "
            "learns n_in·n_out + n_out parameters.",
            rules={f"params_{k}": _value_of(f"weights_{k}") for k in range(1, MAX_LAYERS + 1)}),
    Mistake("biases counted for the inputs too",
            "The inputs are not a layer: they have no weights and no biases. Only the units of layers 1 to L have "
            "a bias each.",
            rules={"biases": lambda v: sum(_sizes(v)), "total": lambda v: v["weights"] + sum(_sizes(v))}),
)


def _sizes(v: Any) -> list[int]:
    out, k = [], 0
    while f"n{k}" in v:
        out.append(int(v[f"n{k}"]))
        k += 1
    return out


mistakes(
    "network_backprop",
    HALF_SWAPPED,
    Mistake("update in the direction of the gradient (W + η∂L/∂W)",
            "Gradient descent steps against the gradient, W ← W − η∂L/∂W, to make the loss smaller; adding it "
            "climbs the loss.",
            rules={f"{name}{k}_new": _uphill(f"{name}{k}") for k in range(1, MAX_LAYERS + 1) for name in ("W", "b")}),
)

mistakes(
    "autoencoder",
    HALF_SWAPPED,
    Mistake("mean and sum of the squared errors mixed up",
            "The loss is either the sum Σ(x̂ᵢ − xᵢ)² or the mean (1/n)Σ(x̂ᵢ − xᵢ)² over the n entries; the problem "
            "says which (‖x̂ − x‖² is the sum).",
            params=_swapped(_SWAP_MEAN)),
)


# -- degenerate variants (tutor quiz) ------------------------------------------------------------------------
def _relu_kink(solution: Solution) -> str | None:
    """A ReLU unit with z exactly 0: ReLU′(0) is a convention, not a derivative."""
    k = 1
    while f"z{k}" in solution.values:
        if f"fprime{k}" in solution.steps and "ReLU" in solution.steps[f"fprime{k}"].title:
            at = np.flatnonzero(np.asarray(solution.values[f"z{k}"], float) == 0)
            if at.size:
                return f"z{k} is exactly 0 at unit {int(at[0]) + 1}, where ReLU has no derivative"
        k += 1
    return None


degenerate("network_backprop", _relu_kink)
