"""The picture of an attention problem: the weight matrix A as a grid, one row per query, one column per key.

Each cell is shaded by its weight (white for 0, full blue for 1: the weights are probabilities, so the scale is
the same in every picture) and has the weight written in it, so that the picture still reads in grey print and in
a terminal without colour. Each row's largest weight is outlined: which key that query attends to most is the
thing to see. Cells hidden by a causal mask are grey and say "masked".
"""

from __future__ import annotations

import numpy as np

from tutor.engine.step import Solution
from tutor.pictures.scene import BLUE, INK, MUTED, ORANGE, Item, Label, Rect, Scene
from tutor.printers.numbers import format_number

MASKED_FILL = "#eeeeee"
MAX_CELL = 58.0  # points
MAX_WIDTH = 500.0
LEFT = 1.0  # data units left of the grid, for the row names
TOP = 0.55  # above it, for the column names


def num(x: float, digits: int = 4) -> str:
    return format_number(float(x), digits).replace("-", "\u2212")


def shade(weight: float) -> str:
    """White → BLUE as the weight goes 0 → 1."""
    w = min(max(float(weight), 0.0), 1.0)
    end = [int(BLUE[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 + (c - 255) * w):02x}" for c in end)


def text_colour(weight: float) -> str:
    return "white" if weight > 0.65 else INK  # white on the darker cells only, where it reads better than ink


def strongest(row: np.ndarray, visible: np.ndarray) -> list[int]:
    """The keys with the row's largest weight (several when they tie), among the keys the query can see."""
    if not visible.any():
        return []
    top = float(np.max(row[visible]))
    return [j for j in range(row.size) if visible[j] and abs(row[j] - top) <= 1e-9 * max(1.0, abs(top))]


def _sentence(i: int, row: np.ndarray, best: list[int], seen: int) -> str:
    if not best:
        return f"query {i + 1} sees no key"
    if len(best) == seen and seen > 1:
        return f"query {i + 1} spreads its attention evenly over its {seen} keys ({num(row[best[0]])} each)"
    return f"query {i + 1} attends most to {_names(best)} ({num(row[best[0]])})"


def _names(indices: list[int]) -> str:
    keys = [f"key {j + 1}" for j in indices]
    return keys[0] if len(keys) == 1 else ", ".join(keys[:-1]) + " and " + keys[-1] + " equally"


def heatmap(solution: Solution) -> list[Scene]:
    """The attention weights as a grid of cells, rows = queries, columns = keys."""
    A = np.atleast_2d(np.asarray(solution.values["weights"], float))
    S = np.atleast_2d(np.asarray(solution.values["scores"], float))
    if A.ndim != 2 or A.size == 0 or not np.all(np.isfinite(A)):
        return []
    n_q, n_k = A.shape
    masked = np.isneginf(S) if S.shape == A.shape else np.zeros_like(A, dtype=bool)
    cell = min(MAX_CELL, MAX_WIDTH / (n_k + LEFT))
    size = min(9.0, cell / 5.2)

    items: list[Item] = []
    for i in range(n_q):
        y = n_q - 1 - i  # query 1 on top, as the matrix is written
        items.append(Label(-0.12, y + 0.5, f"query {i + 1}", anchor="end", size=size, color=INK))
        for j in range(n_k):
            if masked[i, j]:
                items.append(Rect(j, y, 1, 1, fill=MASKED_FILL, stroke="white", width=1.5))
                items.append(Label(j + 0.5, y + 0.5, "masked", size=size * 0.85, color=MUTED, italic=True))
            else:
                w = float(A[i, j])
                items.append(Rect(j, y, 1, 1, fill=shade(w), stroke="white", width=1.5))
                items.append(Label(j + 0.5, y + 0.5, num(w), size=size, color=text_colour(w)))
    for j in range(n_k):
        items.append(Label(j + 0.5, n_q + 0.12, f"key {j + 1}", baseline="bottom", size=size, color=INK))

    best_rows = [strongest(A[i], ~masked[i]) for i in range(n_q)]
    for i, best in enumerate(best_rows):
        if len(best) == int((~masked[i]).sum()) and len(best) > 1:
            continue  # every key ties: nothing stands out, so nothing is outlined
        for j in best:
            items.append(Rect(j + 0.04, n_q - 1 - i + 0.04, 0.92, 0.92, fill=None, stroke=ORANGE, width=2.2,
                              rounded=True))

    sentences = [_sentence(i, A[i], best, int((~masked[i]).sum())) for i, best in enumerate(best_rows)]
    caption = ("Each row is one query's softmax over the keys and sums to 1; " + "; ".join(sentences) + ".")
    if masked.any():
        caption += " Masked cells (keys after the query) get weight 0."
    alt = (f"A {n_q} by {n_k} grid of attention weights. "
           + " ".join(f"Row {i + 1}: " + ", ".join("masked" if masked[i, j] else num(A[i, j]) for j in range(n_k))
                      + "." for i in range(n_q)))
    xlim = (-LEFT, float(n_k) + 0.04)
    ylim = (-0.04, n_q + TOP)
    legend = ((shade(0.75), "darker = more weight"), (ORANGE, "largest weight in the row"))
    width = cell * (xlim[1] - xlim[0]) + 12
    height = cell * (ylim[1] - ylim[0]) + 12 + 14  # the legend's row
    return [Scene(title="Attention weights A = softmax(S), row by row", xlim=xlim, ylim=ylim, items=tuple(items),
                  caption=caption, alt=alt, width=max(width, 260.0), height=height, equal=True, legend=legend,
                  terminal_rows=3 * n_q + 2)]  # three rows a cell, two for the keys' names
