"""The registry of kinds: `@solver("lstm_step", ...)` records a solver and returns it unchanged (as typer's
`@app.command()` does). A kind's parameters and answer keys are declared here once and serve validation,
`tutor kinds` and the docs alike.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

from tutor.params import Param

# kind → module that defines it. Solvers are imported only when needed (fast start-up), and this table is
# checked against the modules' own declarations by the tests, so it cannot drift.
MODULES: dict[str, str] = {
    "perceptron": "tutor.solvers.perceptron",
    "perceptron_network": "tutor.solvers.perceptron",
    "softmax_jacobian": "tutor.solvers.softmax",
    "lstm_step": "tutor.solvers.lstm",
    "attention": "tutor.solvers.attention",
    "kl_divergence": "tutor.solvers.kl",
    "adam": "tutor.solvers.adam",
    "computational_graph": "tutor.solvers.graph",
}


@dataclass(frozen=True)
class Kind:
    name: str
    title: str
    topic: str
    params: tuple[Param, ...]
    answer: tuple[str, ...]
    fn: Callable[..., None]
    doc: str

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


KINDS: dict[str, Kind] = {}


def solver(name: str, *, title: str, topic: str, params: list[Param], answer: list[str]) -> Callable:
    """Register `fn(params, graph)` as the solver of kind `name`."""

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        import inspect

        doc = " ".join(inspect.cleandoc(fn.__doc__ or "").split())
        KINDS[name] = Kind(name, title, topic, tuple(params), tuple(answer), fn, doc)
        return fn

    return register


def get_kind(name: str) -> Kind | None:
    if name not in KINDS and name in MODULES:
        importlib.import_module(MODULES[name])
    return KINDS.get(name)


def all_kinds() -> list[Kind]:
    for module in sorted(set(MODULES.values())):
        importlib.import_module(module)
    return [KINDS[k] for k in sorted(KINDS)]


def known_kind_names() -> list[str]:
    return sorted(MODULES)
