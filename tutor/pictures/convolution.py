"""The sliding window of a convolution and of pooling: the input grid with its numbers (the zero padding shaded),
the window of one output entry highlighted on it, the next window dashed with the stride between them, the kernel,
and the output grid with that entry's cell highlighted.

The numbers are the solution's values: the padded input `x_pad` (or `x`), the kernel as it is slid (`K_flip` for a
true convolution), the output `y` and, for max pooling, the window's winner from `winners`. The window's place is
(i·s, j·s), as the solver slides it. Coordinates are in cells (one cell is one unit, row 0 at the top).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tutor.pictures.scene import INK, MUTED, ORANGE, Item, Label, Line, Rect, Scene

if TYPE_CHECKING:
    from tutor.engine.step import Solution

PAD_FILL = "#e6e6e6"  # the zeros of the padding
WINDOW_FILL = "#f4c49b"  # a light ORANGE (░ in a terminal without colour): the window, the kernel, its output cell
GAP = 1.6  # cells between the grids
MAX_CELL = 26.0  # points per cell
MIN_NUMBERED_CELL = 11.0  # below this the numbers are left out
MAX_WIDTH = 560.0  # points: a picture fits the sheet's text width
NUMBER_SIZE = 9.5
CHAR = 0.56
PAD = 6.0  # the SVG backend's white space around a scene
TERMINAL_ROWS_PER_CELL = 2  # in the terminal a cell is its border and its number: flatter than square

_SUB = str.maketrans("0123456789,", "₀₁₂₃₄₅₆₇₈₉,")


def _fmt(v: Any, digits: int = 4) -> str:
    from tutor.printers.numbers import format_number

    return format_number(v, digits)


def _factor(v: Any) -> str:
    """A number as a factor of a product: in parentheses when negative, 2·(-1)."""
    text = _fmt(v)
    return f"({text})" if text.startswith("-") else text


def _pair(v: Any) -> tuple[int, int]:
    a = np.asarray(v, dtype=float).ravel()
    return (int(round(a[0])), int(round(a[0]))) if a.size == 1 else (int(round(a[0])), int(round(a[1])))


def entry_name(i: int, j: int, oh: int, ow: int, name: str = "y") -> str:
    """y₁₁, y₂₃ (y₁,₁₂ past 9); a single index for a row or a column of outputs, as the working names them."""
    if oh == 1 or ow == 1:
        k = j + 1 if oh == 1 else i + 1
        return name + str(k).translate(_SUB)
    sep = "," if max(oh, ow) > 9 else ""
    return name + f"{i + 1}{sep}{j + 1}".translate(_SUB)


class _Grid:
    """A matrix drawn as cells, its top-left corner at (x, top)."""

    def __init__(self, values: np.ndarray, x: float, top: float) -> None:
        self.values = np.atleast_2d(np.asarray(values, float))
        self.x, self.top = x, top

    @property
    def rows(self) -> int:
        return int(self.values.shape[0])

    @property
    def cols(self) -> int:
        return int(self.values.shape[1])

    def cell(self, r: float, c: float) -> tuple[float, float]:
        """The lower-left corner of cell (r, c)."""
        return self.x + c, self.top - r - 1

    def box(self, r: int, c: int, h: int, w: int, **style: Any) -> Rect:
        x, y = self.cell(r + h - 1, c)
        return Rect(x, y, w, h, **style)

    def draw(self, cell_pt: float, fills: dict[tuple[int, int], str] | None = None,
             muted: frozenset[tuple[int, int]] | set[tuple[int, int]] = frozenset(),
             bold: frozenset[tuple[int, int]] | set[tuple[int, int]] = frozenset()) -> list[Item]:
        """The cells (filled where `fills` says), and their numbers while the cells are big enough to read."""
        fills = fills or {}
        items: list[Item] = []
        for r in range(self.rows):
            for c in range(self.cols):
                x, y = self.cell(r, c)
                items.append(Rect(x, y, 1, 1, fill=fills.get((r, c), "#ffffff"), stroke=MUTED, width=0.6))
        if cell_pt >= MIN_NUMBERED_CELL:
            texts = [[_fmt(v, 3) for v in row] for row in self.values]
            widest = max(len(t) for row in texts for t in row)
            size = min(NUMBER_SIZE, 0.85 * cell_pt / (max(widest, 1) * CHAR))
            for r in range(self.rows):
                for c in range(self.cols):
                    x, y = self.cell(r, c)
                    items.append(Label(x + 0.5, y + 0.5, texts[r][c], size=size, bold=(r, c) in bold,
                                       color=MUTED if (r, c) in muted else INK))
        return items

    def caption(self, text: str, size: float = 9.0) -> Label:
        return Label(self.x + self.cols / 2, self.top - self.rows - 0.25, text, size=size, baseline="top")


def _cell_points(widths: list[int]) -> float:
    """Points per cell: as large as MAX_CELL, as small as the sheet's width needs."""
    total = sum(widths) + GAP * (len(widths) - 1) + 2.0
    return max(4.0, min(MAX_CELL, (MAX_WIDTH - 2 * PAD) / total))


def _dashed(rect: Rect) -> list[Item]:
    """A dashed outline (Rect has no dash): four dashed lines."""
    x, y, w, h = rect.x, rect.y, rect.w, rect.h
    return [Line(x, y, x + w, y, stroke=ORANGE, width=1.3, dash=True),
            Line(x + w, y, x + w, y + h, stroke=ORANGE, width=1.3, dash=True),
            Line(x + w, y + h, x, y + h, stroke=ORANGE, width=1.3, dash=True),
            Line(x, y + h, x, y, stroke=ORANGE, width=1.3, dash=True)]


def _next_window(i: int, j: int, oh: int, ow: int, sh: int, sw: int) -> tuple[int, int, int] | None:
    """(rows down, columns right, stride) to the next window in reading order, or None for a single window."""
    if j + 1 < ow:
        return 0, sw, sw
    if i + 1 < oh:
        return sh, 0, sh
    return None


def _window_scene(title: str, inp: _Grid, in_fills: dict[tuple[int, int], str], in_muted: set[tuple[int, int]],
                  in_bold: set[tuple[int, int]], in_caption: str, window: tuple[int, int, int, int],
                  step: tuple[int, int, int] | None, middle: list[tuple[_Grid, str]], out: _Grid,
                  out_cell: tuple[int, int], out_caption: str, caption: str, alt: str,
                  inner: tuple[int, int, int, int] | None) -> Scene:
    """Lay out input, kernel (if any) and output side by side, vertically centred, and draw them."""
    grids = [inp] + [g for g, _ in middle] + [out]
    cell_pt = _cell_points([g.cols for g in grids])
    tallest = max(g.rows for g in grids)
    x = 0.0
    for g in grids:
        g.x = x
        g.top = -(tallest - g.rows) / 2
        x += g.cols + GAP
    width_cells = x - GAP
    r, c, h, w = window
    items: list[Item] = inp.draw(cell_pt, in_fills, in_muted, in_bold)
    if inner is not None:  # the input itself, inside its padding
        items.append(inp.box(*inner, fill=None, stroke=INK, width=1.6))
    if step is not None:
        dr, dc, s = step
        nxt = inp.box(r + dr, c + dc, h, w)
        items += _dashed(nxt)
        x0, y0 = inp.cell(r, c)
        if dc:
            y = inp.top + 0.4
            items.append(Line(x0 + 0.5, y, x0 + 0.5 + dc, y, stroke=ORANGE, width=1.2, arrow=True))
            items.append(Label(x0 + 0.5 + dc / 2, y + 0.12, f"s = {s}", size=8.5, color=ORANGE, baseline="bottom"))
        else:
            xl = inp.x - 0.4
            items.append(Line(xl, y0 + 0.5, xl, y0 + 0.5 - dr, stroke=ORANGE, width=1.2, arrow=True))
            items.append(Label(xl - 0.12, y0 + 0.5 - dr / 2, f"s = {s}", size=8.5, color=ORANGE, anchor="end"))
    items.append(inp.box(r, c, h, w, fill=None, stroke=ORANGE, width=2.6))
    items.append(inp.caption(in_caption))
    for g, text in middle:
        items += g.draw(cell_pt, {(a, b): WINDOW_FILL for a in range(g.rows) for b in range(g.cols)})
        items.append(g.box(0, 0, g.rows, g.cols, fill=None, stroke=ORANGE, width=2.0))
        items.append(g.caption(text))
    items += out.draw(cell_pt, {out_cell: WINDOW_FILL}, bold={out_cell})
    items.append(out.box(out_cell[0], out_cell[1], 1, 1, fill=None, stroke=ORANGE, width=2.6))
    items.append(out.caption(out_caption))
    top = 0.9 if step is not None and step[1] else 0.3
    bottom = -tallest - 1.2
    left = -1.6 if step is not None and step[0] else -0.2
    xlim = (left, width_cells + 0.2)
    width_pt = (xlim[1] - xlim[0]) * cell_pt + 2 * PAD
    height_pt = (top - bottom) * cell_pt + 2 * PAD
    return Scene(title=title, xlim=xlim, ylim=(bottom, top), items=tuple(items), caption=caption, alt=alt,
                 width=max(width_pt, 200.0), height=height_pt, equal=True,
                 terminal_rows=round(TERMINAL_ROWS_PER_CELL * (top - bottom)))


# -- convolution ----------------------------------------------------------------------------------------------------
def sliding_window(solution: Solution, at: tuple[int, int] = (0, 0)) -> list[Scene]:
    """The window of output entry `at` (0-based; the first by default) on the padded input, the kernel as slid,
    and the output with that entry highlighted; the next window dashed, with the stride."""
    v = solution.values
    x = np.atleast_2d(np.asarray(v["x"], float))
    xp = np.atleast_2d(np.asarray(v.get("x_pad", x), float))
    K = np.atleast_2d(np.asarray(v.get("K_flip", v["K"]), float))
    y = np.atleast_2d(np.asarray(v["y"], float))
    if x.ndim != 2 or K.ndim != 2 or y.ndim != 2:
        return []
    sh, sw = _pair(v["s"])
    if x.shape[0] == 1 and K.shape[0] == 1:
        sh = 1
    fh, fw = K.shape
    oh, ow = y.shape
    i, j = at
    if not (0 <= i < oh and 0 <= j < ow):
        return []
    ph, pw = (xp.shape[0] - x.shape[0]) // 2, (xp.shape[1] - x.shape[1]) // 2
    r0, c0 = i * sh, j * sw
    win = xp[r0:r0 + fh, c0:c0 + fw]
    padding = {(r, c) for r in range(xp.shape[0]) for c in range(xp.shape[1])
               if not (ph <= r < ph + x.shape[0] and pw <= c < pw + x.shape[1])}
    fills = {cell: PAD_FILL for cell in padding}
    fills.update({(r0 + a, c0 + b): WINDOW_FILL for a in range(fh) for b in range(fw)})
    flipped = "K_flip" in v
    bias = float(v["b"]) if v.get("b") is not None else None
    name = entry_name(i, j, oh, ow)
    products = " + ".join(f"{_factor(a)}·{_factor(k)}" for a, k in zip(win.ravel(), K.ravel()))
    total = f"{name} = {products}" + (f" + {_fmt(bias)}" if bias is not None else "") + f" = {_fmt(y[i, j])}"
    pad_text = f"padded, p = {ph}" if ph == pw else f"padded, p = ({ph}, {pw})"
    in_caption = "input x" + (f" ({pad_text})" if ph or pw else "")
    k_caption = "kernel K, flipped" if flipped else "kernel K"
    step = _next_window(i, j, oh, ow, sh, sw)
    caption = (f"The {fh}×{fw} window of {name} (solid) lies on the input" + (" with its padding of zeros (grey)"
               if ph or pw else "") + "; each entry under it is multiplied by the kernel weight in the same place and "
               f"the products are added: {total}."
               + (f" The next window (dashed) is {step[2]} step{'s' if step[2] > 1 else ''} "
                  f"{'to the right' if step[1] else 'down'}: the stride." if step else "")
               + (" The kernel is flipped (rotated 180°) first: a true convolution." if flipped else ""))
    alt = (f"Three grids: the input x{' with padding' if ph or pw else ''} ({xp.shape[0]}×{xp.shape[1]}), the "
           f"kernel ({fh}×{fw}) and the output ({oh}×{ow}). The window for {name} covers rows {r0 + 1}–{r0 + fh} and "
           f"columns {c0 + 1}–{c0 + fw} of the {'padded ' if ph or pw else ''}input: {total}.")
    inp = _Grid(xp, 0, 0)
    return [_window_scene(f"The window of {name}", inp, fills, padding, set(), in_caption, (r0, c0, fh, fw), step,
                          [(_Grid(K, 0, 0), k_caption)], _Grid(y, 0, 0), (i, j), "output y", caption, alt,
                          (ph, pw, x.shape[0], x.shape[1]) if ph or pw else None)]


# -- pooling --------------------------------------------------------------------------------------------------------
def pooling_window(solution: Solution, at: tuple[int, int] = (0, 0)) -> list[Scene]:
    """The pooling window of output entry `at` on the input (for max pooling its winner in bold), the next window
    dashed with the stride, and the output with that entry highlighted."""
    v = solution.values
    x = np.atleast_2d(np.asarray(v["x"], float))
    y = np.atleast_2d(np.asarray(v["y"], float))
    fh, fw = _pair(v["f"])
    sh, sw = _pair(v["s"])
    if x.shape[0] == 1 and np.asarray(v["f"]).size == 1:
        fh = 1
    oh, ow = y.shape
    i, j = at
    if not (0 <= i < oh and 0 <= j < ow):
        return []
    r0, c0 = i * sh, j * sw
    win = x[r0:r0 + fh, c0:c0 + fw]
    mode = str(v.get("mode", "max"))
    fills = {(r0 + a, c0 + b): WINDOW_FILL for a in range(fh) for b in range(fw)}
    bold: set[tuple[int, int]] = set()
    name = entry_name(i, j, oh, ow)
    entries = ", ".join(_fmt(t) for t in win.ravel())
    if mode == "max" and "winners" in v:
        wr, wc = (int(t) - 1 for t in np.asarray(v["winners"])[i * ow + j])  # 1-based (row, column) in x
        bold.add((wr, wc))
        total = f"{name} = max({entries}) = {_fmt(y[i, j])}"
        how = f"its largest entry (bold, row {wr + 1}, column {wc + 1} of x) is kept"
    else:
        total = f"{name} = ({' + '.join(_fmt(t) for t in win.ravel())})/{win.size} = {_fmt(y[i, j])}"
        how = "the mean of its entries is kept"
    step = _next_window(i, j, oh, ow, sh, sw)
    overlap = sh < fh or sw < fw
    caption = (f"The {fh}×{fw} window of {name} (solid): {how}: {total}."
               + (f" The next window (dashed) is {step[2]} step{'s' if step[2] > 1 else ''} "
                  f"{'to the right' if step[1] else 'down'}" + (", so the windows overlap." if overlap else ".")
                  if step else ""))
    alt = (f"Two grids: the input x ({x.shape[0]}×{x.shape[1]}) and the output ({oh}×{ow}). The window for {name} "
           f"covers rows {r0 + 1}–{r0 + fh} and columns {c0 + 1}–{c0 + fw}: {total}.")
    return [_window_scene(f"The {'max' if mode == 'max' else 'average'}-pooling window of {name}", _Grid(x, 0, 0),
                          fills, set(), bold, "input x", (r0, c0, fh, fw), step, [], _Grid(y, 0, 0), (i, j),
                          f"output y ({mode})", caption, alt, None)]
