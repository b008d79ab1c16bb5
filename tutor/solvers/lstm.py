"""One LSTM time step, gate by gate: pre-activation, activation, cell state, hidden state."""

from __future__ import annotations

from typing import Any

import numpy as np

from tutor.engine.expr import Sym
from tutor.engine.ops import Graph
from tutor.mistakes import Mistake, mistakes
from tutor.params import Param, Params
from tutor.registry import solver
from tutor.solvers import expect_matrix, expect_vector

GATES = (  # key, name, activation, meaning
    ("i", "input gate", "σ", "how much of the candidate is written into the cell"),
    ("f", "forget gate", "σ", "how much of the previous cell state is kept"),
    ("g", "candidate", "tanh", "the new content proposed for the cell"),
    ("o", "output gate", "σ", "how much of the squashed cell state is let out as h"),
)

PARAMS = [
    Param("x", "vector", "input x_t (D entries)"),
    Param("h_prev", "vector", "previous hidden state h_{t-1} (H entries)"),
    Param("c_prev", "vector", "previous cell state c_{t-1} (H entries)"),
]
for _g, _name, _act, _ in GATES:
    PARAMS += [
        Param(f"W_x{_g}", "matrix", f"{_name}: input weights, H×D"),
        Param(f"W_h{_g}", "matrix", f"{_name}: recurrent weights, H×H"),
        Param(f"b_{_g}", "vector", f"{_name}: bias (H entries)", default=None),
    ]


@solver("lstm_step", title="LSTM cell, one time step", topic="recurrent", params=PARAMS,
        answer=["i", "f", "g", "o", "c", "h"])
def lstm_step(p: Params, g: Graph) -> None:
    """i = σ(W_xi x + W_hi h_prev + b_i); f, o likewise with σ; g = tanh(W_xg x + W_hg h_prev + b_g);
    c = f ⊙ c_prev + i ⊙ g; h = o ⊙ tanh(c). Biases default to zero."""
    x, h_prev, c_prev = p["x"], p["h_prev"], p["c_prev"]
    D, H = len(x), len(h_prev)
    expect_vector("c_prev", c_prev, H, f"the cell state (h_prev has {H} entries)")
    for key, _, _, _ in GATES:
        expect_matrix(f"W_x{key}", p[f"W_x{key}"], H, D, f"H×D with H = {H} (h_prev) and D = {D} (x)")
        expect_matrix(f"W_h{key}", p[f"W_h{key}"], H, H, f"H×H with H = {H} (h_prev)")
        if f"b_{key}" in p:
            expect_vector(f"b_{key}", p[f"b_{key}"], H, f"the gate (h_prev has {H} entries)")

    xn = g.given("x", x, Sym("x", "x_t"), "input at time t")
    hn = g.given("h_prev", h_prev, Sym("h_prev", "h_{t-1}"), "previous hidden state")
    cn = g.given("c_prev", c_prev, Sym("c_prev", "c_{t-1}"), "previous cell state")
    missing_bias = []
    gates = {}
    for key, name, act, meaning in GATES:
        W = g.given(f"W_x{key}", p[f"W_x{key}"], Sym(f"W_x{key}", f"W_{{x{key}}}"), f"{name}, input weights")
        U = g.given(f"W_h{key}", p[f"W_h{key}"], Sym(f"W_h{key}", f"W_{{h{key}}}"), f"{name}, recurrent weights")
        b = None
        if f"b_{key}" in p:
            b = g.given(f"b_{key}", p[f"b_{key}"], Sym(f"b_{key}", f"b_{{{key}}}"), f"{name}, bias")
        else:
            missing_bias.append(f"b_{key}")
        z = g.affine(f"z_{key}", f"{name.capitalize()} pre-activation", [(W, xn), (U, hn)], b,
                     Sym(f"z_{key}", f"z_{{{key}}}"),
                     f"Row r of each matrix times the vector it multiplies, summed: the {name}'s input.")
        sym = Sym(key, f"{key}_t")
        if act == "σ":
            gates[key] = g.sigmoid(key, f"{name.capitalize()}: {meaning}", z, sym)
        else:
            gates[key] = g.tanh(key, f"{name.capitalize()}: {meaning}", z, sym,
                                "The candidate goes through tanh, not σ: it may be negative, in (-1, 1).")
    fc = g.hadamard("f_c_prev", "What the forget gate keeps of the old cell", gates["f"], cn,
                    Sym("f⊙c_prev", r"f_t \odot c_{t-1}"))
    ig = g.hadamard("i_g", "What the input gate writes of the candidate", gates["i"], gates["g"],
                    Sym("i⊙g", r"i_t \odot g_t"))
    c = g.add("c", "Cell state: kept old content plus written new content", [fc, ig], Sym("c", "c_t"),
              "c = f ⊙ c_prev + i ⊙ g: the sum of the two products above.")
    tc = g.tanh("tanh_c", "Squash the cell state", c, Sym("tanh(c)", r"\tanh(c_t)"),
                "tanh of the cell state, entry by entry, before the output gate scales it.")
    g.hadamard("h", "Hidden state: the output gate times tanh(c)", gates["o"], tc, Sym("h", "h_t"),
               "h = o ⊙ tanh(c): the output gate decides how much of the squashed cell is shown.")
    g.conventions.append("Gate order i, f, g, o, as PyTorch's LSTMCell stacks them (it keeps the four gates in one "
                         "4H×D matrix and adds two bias vectors b_ih + b_hh); here each gate has its own W_x·, W_h·.")
    if missing_bias:
        g.conventions.append(f"No bias given for {', '.join(missing_bias)}: taken as zero and left out of the working.")
    _ = np  # numpy is used through the ops


# -- the catalogue of mistakes (tutor check / tutor quiz name them when a student's number matches) -------------
def _sig(z: Any) -> Any:
    from tutor.engine.ops import sigmoid

    return sigmoid(z)


mistakes(
    "lstm_step",
    Mistake("candidate through σ instead of tanh",
            "The candidate g is the new content proposed for the cell and must be able to be negative, so it goes "
            "through tanh, into (−1, 1); σ squeezes it into (0, 1) like the three gates.",
            rules={"g": lambda v: _sig(v["z_g"])}),
    Mistake("h without the tanh on c",
            "h = o ⊙ tanh(c): the cell state is squashed by tanh before the output gate scales it; o ⊙ c skips "
            "the squashing.",
            rules={"h": lambda v: np.asarray(v["o"]) * np.asarray(v["c"])}),
    Mistake("c without the kept old cell",
            "c = f ⊙ c_prev + i ⊙ g: the forget gate keeps part of the previous cell state, and that part is added "
            "to what the input gate writes; i ⊙ g alone forgets everything.",
            rules={"c": lambda v: np.asarray(v["i"]) * np.asarray(v["g"])}),
    Mistake("h from the previous cell state",
            "h uses the new cell state c_t, computed in this step; tanh(c_{t−1}) is last step's.",
            rules={"h": lambda v: np.asarray(v["o"]) * np.tanh(np.asarray(v["c_prev"]))}),
)
