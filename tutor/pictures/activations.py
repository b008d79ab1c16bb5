"""The picture of an activation problem: the function's curve, each evaluated point on it, and the tangent there.

The tangent's slope is the solution's f′(x), so the picture shows what the derivative step computed: steep in the
middle of σ and tanh, flat where they saturate, and for ReLU and leaky ReLU the two straight pieces meeting at the
corner at 0 (the tangent drawn there has the slope the problem's convention takes).
"""

from __future__ import annotations

import math
import numpy as np

from tutor.engine.step import Solution
from tutor.pictures.scene import BLUE, INK, MUTED, ORANGE, Axes, Circle, Item, Label, Line, Polyline, Scene
from tutor.pictures.svg import frame, text_width
from tutor.printers.numbers import format_number

SAMPLES = 241  # points on the curve: smooth at print size, and the corner at 0 is one of them
HALF_RANGE = {"sigmoid": 5.0, "tanh": 3.0, "relu": 3.0, "leaky_relu": 3.0}
LABEL_SIZE = 8.0
SLOPE_INK = "#a0501a"  # the tangent's orange, darkened to be read as text
WIDTH, HEIGHT = 340.0, 240.0


def num(x: float, digits: int = 4) -> str:
    """A number as the steps write it, with a typographic minus."""
    return format_number(float(x), digits).replace("-", "\u2212")


def function_of(solution: Solution) -> tuple[str, str]:
    """(kind of function, its name as printed) from the value step's symbol: the solution keeps no parameters,
    but the symbol, 'σ(x)' or 'LeakyReLU(x)', says which function it is."""
    from tutor.solvers.activations import NAMES

    text = str(getattr(solution.steps["f"].symbol, "text", ""))
    for fn, (name, _) in sorted(NAMES.items(), key=lambda kv: -len(kv[1][0])):  # LeakyReLU before ReLU
        if text.startswith(f"{name}("):
            return fn, name
    return "sigmoid", "σ"


def curve_values(fn: str, x: np.ndarray, alpha: float) -> np.ndarray:
    if fn == "sigmoid":
        return 1.0 / (1.0 + np.exp(-x))
    if fn == "tanh":
        return np.tanh(x)
    if fn == "relu":
        return np.maximum(x, 0.0)
    return np.where(x > 0, x, alpha * x)


def nice_ticks(lo: float, hi: float, count: int = 5) -> tuple[float, ...]:
    """Round numbers (1, 2 or 5 times a power of ten) spaced so that about `count` fall in [lo, hi]."""
    span = hi - lo
    if not span > 0 or not math.isfinite(span):
        return ()
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step - 1e-9)
    ticks = []
    k = first
    while k * step <= hi + 1e-9 * span:
        ticks.append(round(k * step, 12) + 0.0)
        k += 1
    return tuple(ticks)


def _range(xs: np.ndarray, fn: str) -> tuple[float, float]:
    """An x range around 0 (where every activation does its bending) that contains every evaluated point."""
    half = HALF_RANGE[fn]
    pad = 0.2 * half  # an evaluated point is never on the edge, where its label would have no room
    return min(-half, float(xs.min()) - pad), max(half, float(xs.max()) + pad)


def _tangent_half_width(slope: float, xspan: float, yspan: float) -> float:
    """Half the tangent's length along x: long enough to read its slope, short enough to stay near the curve."""
    h = 0.14 * xspan
    if abs(slope) > 0:
        h = min(h, 0.22 * yspan / abs(slope))
    return h


class _Placer:
    """Places each point's two-line label (the value, then the slope) so that labels do not overlap: on the side
    of the point away from the curve, moved a line further out while it would collide with one already placed."""

    def __init__(self, probe: Scene) -> None:
        self.fr = frame(probe)
        self.boxes: list[tuple[float, float, float, float]] = []
        self.obstacles: list[tuple[float, float, float, float]] = []

    def avoid(self, points: list[tuple[float, float]], radius: float = 1.5) -> None:
        """Keep labels off these data points (the curve's samples, the markers, the tangents)."""
        fr = self.fr
        for x, y in points:
            px, py = fr.px(x), fr.py(y)
            self.obstacles.append((px - radius, py - radius, px + radius, py + radius))

    def free(self, box: tuple[float, float, float, float]) -> bool:
        return not any(_overlap(box, b) for b in self.boxes) and not any(_overlap(box, b) for b in self.obstacles)

    def data(self, px: float, py: float) -> tuple[float, float]:
        fr = self.fr
        return (px - fr.left) / fr.scale_x() + fr.xmin, fr.ymax - (py - fr.top) / fr.scale_y()

    def place(self, x: float, y: float, lines: list[tuple[str, str]], left: bool, above: bool) -> list[Item]:
        fr = self.fr
        line_height = LABEL_SIZE * 1.2
        w = max(text_width(text, LABEL_SIZE) for text, _ in lines) * 0.9
        h = line_height * len(lines)
        # the preferred corner, then the opposite one (also empty beside a rising curve), then the other two
        corners = [(left, above), (not left, not above), (left, not above), (not left, above)]
        chosen: tuple[float, float, float, float] | None = None
        moved = False
        for lt, ab in corners:
            px = fr.px(x) + (-6 if lt else 6)
            if (lt and px - w < fr.left - 4) or (not lt and px + w > fr.right + 4):
                continue  # no room on this side
            for k in range(10):
                py = fr.py(y) + (-5 - k * line_height if ab else 5 + k * line_height)
                box = (px - w if lt else px, py - h if ab else py, px if lt else px + w, py if ab else py + h)
                if fr.top - 1 <= box[1] and box[3] <= fr.bottom + 1 and self.free(box):
                    chosen, moved = box, k > 0
                    break
            if chosen is not None:
                break
        if chosen is None:  # nowhere free: beside the point, overlapping, rather than nowhere
            px = min(max(fr.px(x) + 6, fr.left), fr.right - w)
            chosen = (px, fr.py(y) + 5, px + w, fr.py(y) + 5 + h)
        self.boxes.append(chosen)
        on_left = chosen[2] <= fr.px(x)  # a label left of its point ends at the point (estimates are rough)
        labels: list[Item] = []
        if moved:  # a leader from the point to the label's nearest corner, so that it is clear whose label it is
            cx = chosen[2] if on_left else chosen[0]
            cy = chosen[3] if chosen[3] <= fr.py(y) else chosen[1]
            (x2, y2) = self.data(cx, cy)
            labels.append(Line(x, y, x2, y2, stroke=MUTED, width=0.6))
        for k, (text, colour) in enumerate(lines):
            lx, ly = self.data(chosen[2] if on_left else chosen[0], chosen[1] + k * line_height)
            labels.append(Label(lx, ly, text, anchor="end" if on_left else "start", baseline="top", size=LABEL_SIZE,
                                color=colour))
        return labels


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def curve(solution: Solution) -> list[Scene]:
    """The curve of f over a range holding every evaluated x; each point marked and labelled f(x) = …, with its
    tangent of slope f′(x)."""
    v = solution.values
    fn, name = function_of(solution)
    alpha = float(v.get("alpha", 0.01))
    xs = np.atleast_1d(np.asarray(v["x"], float))
    fs = np.atleast_1d(np.asarray(v["f"], float))
    ds = np.atleast_1d(np.asarray(v["df_dx"], float))
    if xs.size == 0 or not (np.all(np.isfinite(xs)) and np.all(np.isfinite(fs)) and np.all(np.isfinite(ds))):
        return []
    lo, hi = _range(xs, fn)
    grid = np.union1d(np.linspace(lo, hi, SAMPLES), [0.0] if lo < 0 < hi else [])
    ys = curve_values(fn, grid, alpha)
    ylo, yhi = float(min(ys.min(), fs.min())), float(max(ys.max(), fs.max()))
    if fn in ("sigmoid", "tanh"):  # the asymptotes, so that "saturates" has something to approach
        ylo, yhi = min(ylo, -1.0 if fn == "tanh" else 0.0), max(yhi, 1.0)
    ypad = 0.12 * (yhi - ylo or 1.0)
    ylim = (ylo - ypad, yhi + ypad)
    xspan, yspan = hi - lo, ylim[1] - ylim[0]

    items: list[Item] = []
    if ylim[0] < 0 < ylim[1]:
        items.append(Line(lo, 0.0, hi, 0.0, stroke=MUTED, width=0.7))
    items.append(Line(0.0, ylim[0], 0.0, ylim[1], stroke=MUTED, width=0.7))
    if fn in ("sigmoid", "tanh"):
        for level in ((0.0, 1.0) if fn == "sigmoid" else (-1.0, 1.0)):
            items.append(Line(lo, level, hi, level, stroke=MUTED, width=0.6, dash=True))
    items.append(Polyline(tuple((float(a), float(b)) for a, b in zip(grid, ys)), stroke=BLUE, width=1.8))

    tangents: list[Item] = []
    for x, f, d in zip(xs, fs, ds):
        h = _tangent_half_width(float(d), xspan, yspan)
        tangents.append(Line(float(x - h), float(f - d * h), float(x + h), float(f + d * h), stroke=ORANGE,
                             width=1.3, dash=True))
    markers = [Circle(float(x), float(f), r=3.5, fill=INK, stroke="white", width=1.0) for x, f in zip(xs, fs)]

    axes = Axes(xlabel="x", ylabel=f"{name}(x)", xticks=nice_ticks(lo, hi, 6), yticks=nice_ticks(*ylim, 4))
    base = dict(title=_title(fn, name), xlim=(lo, hi), ylim=ylim, axes=axes, width=WIDTH, height=HEIGHT,
                legend=((BLUE, f"{name}(x)"), (ORANGE, f"tangent: slope {name}′(x)")))
    placer = _Placer(Scene(items=(), **base))  # type: ignore[arg-type]
    placer.avoid([(float(a), float(b)) for a, b in zip(grid, ys)])
    placer.avoid([(float(x), float(f)) for x, f in zip(xs, fs)], radius=5.0)
    for t in tangents:
        assert isinstance(t, Line)
        placer.avoid([(t.x1 + k / 20 * (t.x2 - t.x1), t.y1 + k / 20 * (t.y2 - t.y1)) for k in range(21)])
    labels: list[Item] = []
    for k in np.argsort(xs, kind="stable"):
        x, f, d = float(xs[k]), float(fs[k]), float(ds[k])
        left = x <= (lo + hi) / 2  # the curves rise: room above on the left, below on the right
        labels += placer.place(x, f, [(f"{name}({num(x)}) = {num(f)}", INK), (f"slope {num(d)}", SLOPE_INK)],
                               left=left, above=left)

    caption = _caption(fn, name, xs, ds, alpha)
    alt = (f"The curve of {name}(x) for x from {num(lo, 3)} to {num(hi, 3)}, with "
           + "; ".join(f"the point x = {num(x)}, {name}(x) = {num(f)}, tangent slope {num(d)}"
                       for x, f, d in zip(xs, fs, ds)) + ".")
    return [Scene(items=tuple(items + tangents + markers + labels), caption=caption, alt=alt,
                  **base)]  # type: ignore[arg-type]


def _title(fn: str, name: str) -> str:
    return {"sigmoid": "The sigmoid σ(x) and its slope", "tanh": "tanh(x) and its slope",
            "relu": "ReLU(x) and its slope", "leaky_relu": "Leaky ReLU(x) and its slope"}.get(fn, f"{name}(x)")


def _caption(fn: str, name: str, xs: np.ndarray, ds: np.ndarray, alpha: float) -> str:
    slopes = ", ".join(f"{name}′({num(x)}) = {num(d)}" for x, d in zip(xs, ds))
    text = f"Each dashed tangent has the slope the derivative step computed: {slopes}."
    if fn == "sigmoid":
        text += " σ is steepest at 0 (slope 0.25) and flattens towards 0 and 1, where the gradient vanishes."
    elif fn == "tanh":
        text += " tanh is steepest at 0 (slope 1) and flattens towards −1 and 1, where the gradient vanishes."
    elif fn == "relu":
        text += " The two straight pieces meet at the corner at 0: slope 0 on the left, 1 on the right."
    else:
        text += f" The two straight pieces meet at the corner at 0: slope α = {num(alpha)} on the left, 1 on the right."
    return text

