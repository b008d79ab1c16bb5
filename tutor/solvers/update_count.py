"""How many weight updates gradient descent makes: batch, stochastic and mini-batch, per epoch and in all."""

from __future__ import annotations

import math
from typing import Any

from tutor.engine import expr as E
from tutor.engine.expr import Sym
from tutor.engine.ops import Graph
from tutor.errors import TutorError
from tutor.mistakes import Mistake, mistakes
from tutor.params import Param, Params
from tutor.registry import solver

MODES = ("batch", "stochastic", "mini-batch")
PARAMS = [
    Param("n", "integer", "the number of training samples"),
    Param("epochs", "integer", "the number of epochs (passes over the whole training set)"),
    Param("mode", "choice", "batch (all samples per update), stochastic (one), or mini-batch", choices=MODES),
    Param("batch_size", "integer", "samples per mini-batch (mini-batch mode; give this or batches)", default=None),
    Param("batches", "integer", "mini-batches per epoch (mini-batch mode; give this or batch_size)", default=None),
]


@solver("update_count", title="Weight updates in batch, stochastic and mini-batch gradient descent",
        topic="optimization", params=PARAMS, answer=["per_epoch", "total"])
def update_count(p: Params, g: Graph) -> None:
    """Updates per epoch = ⌈n/B⌉ for batch size B (B = n for batch, 1 for stochastic); total = epochs × per epoch."""
    n, epochs, mode = p["n"], p["epochs"], p["mode"]
    for name, v in (("n", n), ("epochs", epochs)):
        if v < 1:
            raise TutorError(f"expected a whole number of at least 1, got {v}", field=name)
    nn = g.given("n", n, Sym("n"), "training samples")
    en = g.given("epochs", epochs, Sym("E"), "epochs")
    if mode == "mini-batch":
        if (p["batch_size"] is None) == (p["batches"] is None):
            raise TutorError("mini-batch mode needs the batch size or the number of mini-batches per epoch "
                             "(one of them)", field="batch_size")
        if p["batches"] is not None:
            k = p["batches"]
            if not 1 <= k <= n:
                raise TutorError(f"expected between 1 and n = {n} mini-batches, got {k}", field="batches")
            kn = g.given("batches", k, Sym("k"), "mini-batches per epoch")
            per = g.step("per_epoch", "Updates per epoch", Sym("u"), kn.sym, [kn], lambda x: int(x), None,
                         lambda x, u: (f"One update after each mini-batch: {u} per epoch"
                                       f" (about {math.ceil(n / x)} samples each)."))
        else:
            b = p["batch_size"]
            if not 1 <= b <= n:
                raise TutorError(f"expected a batch size between 1 and n = {n}, got {b}", field="batch_size")
            bn = g.given("batch_size", b, Sym("B"), "samples per mini-batch")
            per = g.step("per_epoch", "Updates per epoch", Sym("u"),
                         E.Call("ceil", (E.Div(nn.sym, bn.sym),)), [nn, bn], lambda x, y: math.ceil(x / y),
                         lambda x, y: [E.Call("ceil", (E.Div(E.Num(x), E.Num(y)),))],
                         lambda x, y, u: ("One update per mini-batch; "
                                          + ("the last mini-batch is smaller." if x % y else
                                             f"{x} samples split evenly into {u} batches.")))
    else:
        if p["batch_size"] is not None or p["batches"] is not None:
            raise TutorError(f"only mini-batch mode takes a batch size; {mode} mode uses "
                             + ("all n samples per update" if mode == "batch" else "one sample per update"),
                             field="batch_size" if p["batch_size"] is not None else "batches")
        if mode == "batch":
            per = g.step("per_epoch", "Updates per epoch", Sym("u"), E.Num(1), [nn], lambda x: 1, None,
                         "Batch gradient descent averages the gradient over all n samples, then updates once: "
                         "one update per epoch.")
        else:
            per = g.step("per_epoch", "Updates per epoch", Sym("u"), nn.sym, [nn], lambda x: int(x), None,
                         "Stochastic gradient descent updates after every single sample: n updates per epoch.")
    g.step("total", "Updates in all", Sym("U"), E.Mul((en.sym, per.sym), "×"), [en, per],
           lambda e, u: int(e) * int(u), None,
           lambda e, u, t: f"{e} epochs of {u} update{'s' if u != 1 else ''} each.")
    g.conventions.append("An epoch is one pass over all n samples. In PyTorch a DataLoader with batch_size B gives "
                         "⌈n/B⌉ batches per epoch (⌊n/B⌋ with drop_last=True), one optimizer.step() each.")


# -- the catalogue of mistakes (tutor check / tutor quiz name them when a student's number matches) -------------
def _swap_batch_reading(p: dict[str, Any]) -> dict[str, Any]:
    """The number of mini-batches read as the batch size, or the other way round."""
    return {"batch_size": p["batches"], "batches": p["batch_size"]}


mistakes(
    "update_count",
    Mistake("number of mini-batches and batch size confused",
            "With k mini-batches per epoch there are k updates per epoch; a batch size B gives ⌈n/B⌉ of them. "
            "\"10 mini-batches\" of 50 samples is 10 updates per epoch (batches of 5), not 50/10 = 5.",
            params=_swap_batch_reading, applies=lambda s: "batches" in s.givens or "batch_size" in s.givens),
    Mistake("batch and stochastic gradient descent swapped",
            "Batch gradient descent averages the gradient over all n samples and updates once per epoch; "
            "stochastic gradient descent updates after every sample, n times per epoch.",
            params=lambda p: {"mode": {"batch": "stochastic", "stochastic": "batch"}[p["mode"]]},
            applies=lambda s: "batches" not in s.givens and "batch_size" not in s.givens),
    Mistake("samples processed counted as updates (n × epochs)",
            "Every epoch passes all n samples through the network, but the weights change once per batch: "
            "the updates are epochs × updates per epoch, n × epochs only for stochastic gradient descent.",
            rules={"total": lambda v: int(v["n"]) * int(v["epochs"])}),
)
