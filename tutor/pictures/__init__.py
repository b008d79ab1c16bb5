"""Pictures of a solution, for the kinds where a student would rather look than read.

`pictures(solution)` gives the scenes for a solution (an empty list for kinds without one); the backends in
this package draw a scene as SVG (`svg.py`), TikZ (`tikz.py`) or character cells in the terminal
(`terminal.py`). Builders are imported only when their kind is drawn, so that `tutor solve` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tutor.engine.step import Solution
    from tutor.pictures.scene import Scene

# kind -> "module:function" in tutor.pictures; the function takes a Solution and returns a list of Scenes.
BUILDERS: dict[str, str] = {
    "activation": "activations:curve",
    "perceptron": "boundary:truth_table",
    "perceptron_network": "boundary:network",
    "perceptron_training": "boundary:training",
    "decision_boundary": "boundary:line",
    "attention": "attention:heatmap",
    "adam": "optimizers:adam",
    "optimizer": "optimizers:optimizer",
    "linear_regression_gd": "optimizers:regression",
    "computational_graph": "graph:circuit",
    "conv2d": "convolution:sliding_window",
    "pooling": "convolution:pooling_window",
}


def has_pictures(kind: str) -> bool:
    return kind in BUILDERS


def pictures(solution: "Solution") -> list["Scene"]:
    """The pictures for this solution, in reading order."""
    spec = BUILDERS.get(solution.kind)
    if spec is None:
        return []
    module, function = spec.split(":")
    builder = getattr(import_module(f"tutor.pictures.{module}"), function)
    return list(builder(solution))
