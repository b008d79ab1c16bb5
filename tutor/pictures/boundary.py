"""Pictures of straight decision boundaries: a perceptron over its truth table, the hidden units of a network of
step neurons (how two lines solve XOR), a training run's boundaries epoch by epoch, and the line w·x + b = 0 of a
linear unit with its normal and its distance from the origin.

Only two inputs can be drawn: with more, every builder returns no picture. The geometry (clipping a line to the
plotted box, shading the side where a neuron fires in thin bands, since the primitives have no filled polygon) is
here; the numbers come from the solution's values, and where a solution does not store its step function's threshold the
threshold is read back from the step's own rule, so that the picture cannot disagree with the working.
"""

from __future__ import annotations

import itertools
import math
import re
import struct
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from tutor.pictures.scene import (BLUE, GREEN, INK, MUTED, ORANGE, PURPLE, RED, Axes, Circle, Item, Label, Line,
                                  Polyline, Rect, Scene)

if TYPE_CHECKING:
    from tutor.engine.step import Solution

Point = tuple[float, float]
Box = tuple[float, float, float, float]  # x0, x1, y0, y1
HalfPlane = tuple[float, float, float]  # (a, b, c): the points where a·x + b·y + c ≥ 0
Weights = Sequence[float] | np.ndarray

SHADE = "#bdd1eb"  # the side that fires: a light BLUE (light enough for the numbers on it; ░ without colour)
BANDS = 160  # the shading's bands across the plot (each under 2 points wide in a 300-point picture)
WHITE = "#ffffff"
UNIT_COLOURS = (BLUE, PURPLE, GREEN, ORANGE, INK)
MAX_SHADED_UNITS = 10  # 2^units regions to shade in a network's picture
EPS = 1e-12
CHAR = 0.56  # an average character's width, in ems
PLOT_POINTS = 240.0  # about how many points the plotted square of a 300-point picture spans


# -- geometry -----------------------------------------------------------------------------------------------------
def clip_line(a: float, b: float, c: float, box: Box) -> tuple[Point, Point] | None:
    """The part of the line a·x + b·y + c = 0 inside the box, or None when it misses (or only touches a corner).

    Written as p₀ + t·d with d = (−b, a) along the line, the box's four sides each bound t (Liang–Barsky), which
    treats a vertical line (b = 0) like any other."""
    norm2 = a * a + b * b
    if norm2 == 0 or not all(math.isfinite(v) for v in (a, b, c)):
        return None
    p0 = (-a * c / norm2, -b * c / norm2)
    d = (-b, a)
    lo, hi = -math.inf, math.inf
    x0, x1, y0, y1 = box
    for start, step, low, high in ((p0[0], d[0], x0, x1), (p0[1], d[1], y0, y1)):
        if abs(step) < EPS * math.sqrt(norm2):
            if not low <= start <= high:
                return None
            continue
        t1, t2 = sorted(((low - start) / step, (high - start) / step))
        lo, hi = max(lo, t1), min(hi, t2)
    if hi - lo <= 1e-9 * max(x1 - x0, y1 - y0) / math.sqrt(norm2):
        return None
    return (p0[0] + lo * d[0], p0[1] + lo * d[1]), (p0[0] + hi * d[0], p0[1] + hi * d[1])


def clip_segment(p: Point, q: Point, sides: Sequence[HalfPlane]) -> tuple[Point, Point] | None:
    """The part of the segment pq on the kept side (a·x + b·y + c ≥ 0) of every half-plane, or None."""
    s0, s1 = 0.0, 1.0
    for a, b, c in sides:
        fp = a * p[0] + b * p[1] + c
        fq = a * q[0] + b * q[1] + c
        if fp < 0 and fq < 0:
            return None
        if fp < 0 or fq < 0:
            s = fp / (fp - fq)
            if fp < 0:
                s0 = max(s0, s)
            else:
                s1 = min(s1, s)
    if s1 - s0 <= 1e-9:
        return None
    dx, dy = q[0] - p[0], q[1] - p[1]
    return (p[0] + s0 * dx, p[1] + s0 * dy), (p[0] + s1 * dx, p[1] + s1 * dy)


def shade(box: Box, sides: Sequence[HalfPlane], along: Point = (1.0, 0.0), colour: str = SHADE,
          bands: int = BANDS) -> list[Rect]:
    """Light rectangles filling the convex region of the box on the kept side of every half-plane.

    The scene has no filled polygon, so the region is cut into thin bands, each a rectangle as tall (or wide)
    as the region is at the band's middle. The bands run across the boundary (vertical for a line that is more
    level than steep, whose direction is `along`), so a band's error is at most half its width times the
    line's slope, ≤ 1, under the 2-point line. Neighbouring bands overlap a little, so that no hairline seam
    shows between them; in the terminal each character cell takes the band through its middle."""
    x0, x1, y0, y1 = box
    vertical = abs(along[0]) >= abs(along[1])
    lo, hi = (x0, x1) if vertical else (y0, y1)
    width = (hi - lo) / bands
    out: list[Rect] = []
    for k in range(bands):
        mid = lo + (k + 0.5) * width
        seg = clip_segment((mid, y0), (mid, y1), sides) if vertical else clip_segment((x0, mid), (x1, mid), sides)
        if seg is None:
            continue
        (p, q) = seg
        start, grow = lo + k * width, width * (1.6 if k < bands - 1 else 1.0)
        if vertical:
            out.append(Rect(start, p[1], grow, q[1] - p[1], fill=colour, stroke=None, width=0.0))
        else:
            out.append(Rect(p[0], start, q[0] - p[0], grow, fill=colour, stroke=None, width=0.0))
    return out


# -- reading a solution -------------------------------------------------------------------------------------------
def _ordered(x: float) -> int:
    """The float's place in the ordering of all floats, as an integer (so bisection can split it exactly)."""
    bits = struct.unpack("<Q", struct.pack("<d", x))[0]
    return -(bits & 0x7FFF_FFFF_FFFF_FFFF) if bits >> 63 else bits


def _unordered(k: int) -> float:
    bits = k if k >= 0 else (-k) | (1 << 63)
    return float(struct.unpack("<d", struct.pack("<Q", bits))[0])


def step_threshold(rule: Callable[[Any], Any]) -> float | None:
    """Where a step rule switches from 0 to 1, found by bisection over the floats (64 calls).

    The perceptron solvers keep the threshold inside the step's rule rather than as a value; asking the rule is
    exact, and follows a --set threshold as the working does. Of the two floats either side of the switch (the
    rule cannot tell 'z > t' from 'z ≥ next float after t') the one that is the shorter decimal is returned, so
    a threshold of 0 reads 0. None when the rule is not a step (it never switches)."""
    def fires(v: float) -> bool:
        return float(np.asarray(rule(np.array([v], float)), float).reshape(-1)[0]) == 1.0

    big = float(np.finfo(float).max)
    try:
        if fires(-big) or not fires(big):
            return None
    except Exception:  # a rule that cannot take a probe is not a step we can draw
        return None
    lo, hi = _ordered(-big), _ordered(big)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fires(_unordered(mid)):
            hi = mid
        else:
            lo = mid
    return min((_unordered(lo), _unordered(hi)), key=lambda v: (len(repr(v)), abs(v)))


def _gate_of(solution: Solution) -> str | None:
    """The gate the problem compares with, from the target step's title ('Target: the XOR column ...')."""
    step = solution.steps.get("target")
    if step is None:
        return None
    m = re.search(r"the (\w+) column", step.title)
    return m.group(1) if m else None


def _fmt(v: Any) -> str:
    from tutor.printers.numbers import format_number

    return format_number(v)


_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def equation(w: Weights, b: float, rhs: float = 0.0) -> str:
    """'x₁ + x₂ - 1 = 0', '1.2x₁ + 0.6x₂ = 1': the line as a student writes it (terms with weight 0 left out)."""
    parts: list[str] = []
    for i, wi in enumerate(w, 1):
        if wi == 0:
            continue
        mag = abs(float(wi))
        coef = "" if mag == 1 else _fmt(mag)
        term = f"{coef}x{str(i).translate(_SUB)}"
        if not parts:
            parts.append(("-" if wi < 0 else "") + term)
        else:
            parts.append(("- " if wi < 0 else "+ ") + term)
    if b != 0:
        parts.append((("- " if b < 0 else "+ ") if parts else ("-" if b < 0 else "")) + _fmt(abs(float(b))))
    return f"{' '.join(parts) or '0'} = {_fmt(rhs)}"


def _row_label(x: Sequence[float]) -> str:
    return "".join(_fmt(v) for v in x) if all(v in (0, 1) for v in x) else "(" + ", ".join(_fmt(v) for v in x) + ")"


# -- the frame ----------------------------------------------------------------------------------------------------
def _nice_step(span: float) -> float:
    raw = span / 5
    mag = 10 ** math.floor(math.log10(raw))
    return next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)


def _ticks(lo: float, hi: float) -> tuple[float, ...]:
    step = 1.0 if 2 <= hi - lo <= 6 else _nice_step(hi - lo)
    first = math.ceil(lo / step)
    return tuple(round(k * step, 10) for k in range(first, math.floor(hi / step) + 1))


def plot_box(points: np.ndarray, extra: Sequence[Point] = (), unit_square: bool = True) -> Box:
    """The plotted square: every point (and the unit square, a truth table's corners), with room around them:
    half a unit at least, else a quarter of the span (without the unit square, half the span, at least 0.5 in
    all); square, so that one unit is as long on both axes."""
    square = [[0.0, 0.0], [1.0, 1.0]] if unit_square else [[0.0, 0.0]]
    pts = np.vstack([np.asarray(points, float).reshape(-1, 2), np.array(square),
                     np.asarray(list(extra), float).reshape(-1, 2)])
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = float(max(hi - lo))
    pad = max(0.5, span / 4) if unit_square else max(span / 2, 0.25)
    centre = (lo + hi) / 2
    half = span / 2 + pad
    return (float(centre[0] - half), float(centre[0] + half), float(centre[1] - half), float(centre[1] + half))


def _axes(box: Box) -> Axes:
    return Axes(xlabel="x₁", ylabel="x₂", xticks=_ticks(box[0], box[1]), yticks=_ticks(box[2], box[3]))


def _points(X: np.ndarray, classes: np.ndarray, wrong: np.ndarray, box: Box,
            notes: Sequence[str] = ()) -> list[Item]:
    """Each point filled (class 1) or hollow (class 0), ringed in red where the output is wrong, and labelled
    (a wrong point's label ends in ✗, which says it without colour too)."""
    items: list[Item] = []
    dx = (box[1] - box[0]) * 0.035
    for r, (x, cls) in enumerate(zip(X, classes)):
        if wrong[r]:
            items.append(Circle(float(x[0]), float(x[1]), r=9.5, fill=None, stroke=RED, width=1.8))
        items.append(Circle(float(x[0]), float(x[1]), r=5.0, fill=ORANGE if cls == 1 else WHITE, stroke=INK,
                            width=1.2))
        note = (notes[r] if r < len(notes) else "") + (" ✗" if wrong[r] else "")
        if note.strip():
            items.append(Label(float(x[0]) + dx * (2.2 if wrong[r] else 1.4), float(x[1]) + dx * 0.6, note.strip(),
                               anchor="start", baseline="bottom", size=8.0, color=RED if wrong[r] else MUTED))
    return items


def _firing_side(w: Weights, c: float) -> HalfPlane:
    """The half-plane where w·x + c ≥ 0 (c = b − threshold): the side the neuron fires on (whether the line
    itself fires is a matter of one band's edge, not of the picture)."""
    return (float(w[0]), float(w[1]), float(c))


def _line_items(w: Weights, c: float, box: Box, colour: str = BLUE, width: float = 2.0,
                dash: bool = False) -> list[Item]:
    seg = clip_line(float(w[0]), float(w[1]), float(c), box)
    if seg is None:
        return []
    (p, q) = seg
    return [Line(p[0], p[1], q[0], q[1], stroke=colour, width=width, dash=dash)]


def _two_inputs(X: Any) -> np.ndarray | None:
    A = np.atleast_2d(np.asarray(X, float))
    return A if A.ndim == 2 and A.shape[1] == 2 else None


# -- one perceptron over a truth table -------------------------------------------------------------------------------
def truth_table(solution: Solution) -> list[Scene]:
    """The rows of the table as points, filled by target class (or by output, without a gate), ringed where the
    output is wrong; the line w·x + b = threshold across the plot, its firing side shaded. The caption says why
    one line is enough for AND and OR, and why no line can do XOR."""
    v = solution.values
    X = _two_inputs(v["inputs"])
    if X is None:
        return []
    w = np.asarray(v["w"], float).reshape(-1)
    b = float(v["b"])
    t = step_threshold(solution.steps["y"].rule)
    y = np.asarray(v["y"], float).reshape(-1)
    gate = _gate_of(solution)
    target = np.asarray(v["target"], float).reshape(-1) if "target" in v else None
    classes = target if target is not None else y
    wrong = (y != target) if target is not None else np.zeros(len(y), bool)
    z = np.asarray(v["z"], float).reshape(-1)

    box = plot_box(X)
    items: list[Item] = []
    line_text = equation(w, b, t) if t is not None else ""
    crosses = t is not None and clip_line(w[0], w[1], b - t, box) is not None
    if t is not None and np.any(w != 0):
        items += shade(box, [_firing_side(w, b - t)], along=(-w[1], w[0]))
        items += _line_items(w, b - t, box)
    elif float(np.asarray(solution.steps["y"].rule(np.array([b])), float).reshape(-1)[0]) == 1:
        items += shade(box, [])  # w = 0: z = b everywhere, and here the neuron fires everywhere
    items += _points(X, classes, wrong, box, [f"z = {_fmt(zz)}" for zz in z])

    cls_name = f"{gate} " if gate else ""
    legend: list[tuple[str, str]] = []
    if t is not None and np.any(w != 0):
        legend.append((BLUE, line_text))
    legend += [(SHADE, "y = 1 side"), (ORANGE, f"{cls_name}1" if target is not None else "y = 1"),
               (MUTED, f"{cls_name}0 (hollow)" if target is not None else "y = 0 (hollow)")]
    if wrong.any():
        legend.append((RED, "output wrong"))

    caption = _truth_caption(X, y, target, wrong, gate, line_text, crosses)
    alt = _truth_alt(X, y, classes, wrong, line_text, crosses, target is not None)
    title = f"The line {line_text}" + (f" and the {gate} table" if gate else "") if line_text else "The inputs"
    return [Scene(title=title, xlim=(box[0], box[1]), ylim=(box[2], box[3]), items=tuple(items), caption=caption,
                  alt=alt, axes=_axes(box), width=300.0, height=300.0, equal=True, legend=tuple(legend))]


def _has_xor_corners(X: np.ndarray) -> bool:
    rows = {tuple(r) for r in X.tolist()}
    return all(c in rows for c in ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)))


def _truth_caption(X: np.ndarray, y: np.ndarray, target: np.ndarray | None, wrong: np.ndarray, gate: str | None,
                   line_text: str, crosses: bool) -> str:
    where = ("The neuron fires on the shaded side of the line " + line_text + "." if crosses else
             f"The line {line_text} passes outside the plotted square, so every point is on one side of it: "
             + ("all fire." if np.all(y == 1) else "none fires." if np.all(y == 0) else "."))
    if target is None:
        return where
    bad = [_row_label(X[r]) for r in range(len(y)) if wrong[r]]
    if not bad:
        ones = [_row_label(X[r]) for r in range(len(y)) if target[r] == 1]
        return (f"{where} It puts {gate}'s 1s ({', '.join(ones) or 'none'}) on that side and its 0s on the other: "
                f"{gate} is linearly separable, so one straight line, one neuron, is enough.")
    rows = ", ".join(bad)
    if gate == "XOR" and _has_xor_corners(X):
        return (f"{where} XOR's 1s, 01 and 10, sit on opposite corners of the square, with its 0s, 00 and 11, on "
                "the other two: no single straight line puts 01 and 10 on one side and 00 and 11 on the other, so "
                f"every line gets at least one row wrong; this one gets {rows} wrong (ringed). Two lines, a hidden "
                "layer, are needed (problem perceptron-xor-network).")
    return f"{where} Ringed: the rows it gets wrong ({rows}), so this neuron does not realise {gate}."


def _truth_alt(X: np.ndarray, y: np.ndarray, classes: np.ndarray, wrong: np.ndarray, line_text: str, crosses: bool,
               has_target: bool) -> str:
    what = "target" if has_target else "output"
    pts = "; ".join(f"({_fmt(x[0])}, {_fmt(x[1])}) {what} {_fmt(c)}, output {_fmt(o)}"
                    + (" (wrong)" if bad else "") for x, c, o, bad in zip(X, classes, y, wrong))
    line = (f"The line {line_text} crosses the plot; the side where the neuron outputs 1 is shaded."
            if crosses else f"The line {line_text} lies outside the plot.") if line_text else ""
    return f"Points in the plane of x₁ and x₂: {pts}. {line}".strip()


# -- a network of step neurons --------------------------------------------------------------------------------------
def _layers(solution: Solution) -> int:
    k = 0
    while f"z{k + 1}" in solution.steps:
        k += 1
    return k


def _network_output(solution: Solution, A1: np.ndarray) -> np.ndarray:
    """The network's output for these first-layer activation patterns, through the solver's own rules for the
    later layers (so the picture follows the working's threshold and exact arithmetic)."""
    A = A1
    v = solution.values
    for k in range(2, _layers(solution) + 1):
        zs = solution.steps[f"z{k}"]
        Z = zs.rule(A, v[f"W{k}"], v[f"b{k}"])
        A = np.atleast_2d(np.asarray(solution.steps[f"a{k}"].rule(Z), float))
    return np.asarray(A, float)


def _unit_gates_text(solution: Solution) -> str:
    """'unit 1 is x₁ OR x₂, unit 2 is x₁ AND x₂', as the working's explanation of the hidden layer says it."""
    try:
        text = solution.explanation("a1")
    except Exception:
        return ""
    m = re.search(r"Over these inputs, (.*?)\.(\s|$)", text)
    return m.group(1) if m else ""


def _count(n: int) -> str:
    return {2: "two", 3: "three", 4: "four"}.get(n, str(n))


def network(solution: Solution) -> list[Scene]:
    """Each first-layer unit's line (shaded where the network's output is 1) and the inputs as points by the
    network's output, ringed where it differs from the target: how two lines together solve XOR."""
    v = solution.values
    X = _two_inputs(v["inputs"])
    W1 = np.atleast_2d(np.asarray(v.get("W1", np.zeros((0, 0))), float))
    if X is None or W1.shape[1] != 2 or "y" not in v:
        return []
    y_all = np.atleast_2d(np.asarray(v["y"], float))
    if y_all.shape[1] != 1:
        return []
    y = y_all[:, 0]
    b1 = np.asarray(v["b1"], float).reshape(-1)
    t = step_threshold(solution.steps["a1"].rule)
    target = np.asarray(v["target"], float).reshape(-1) if "target" in v else None
    gate = _gate_of(solution)
    wrong = (y != target) if target is not None else np.zeros(len(y), bool)
    box = plot_box(X)
    units = W1.shape[0]

    items: list[Item] = []
    if t is not None and units <= MAX_SHADED_UNITS:
        patterns = np.array(list(itertools.product((0.0, 1.0), repeat=units)))
        out = _network_output(solution, patterns)[:, 0]
        for pattern, o in zip(patterns, out):
            if o != 1:
                continue
            sides = [(W1[j, 0], W1[j, 1], b1[j] - t) if pattern[j] == 1 else (-W1[j, 0], -W1[j, 1], t - b1[j])
                     for j in range(units)]
            items += shade(box, sides, along=(-W1[0, 1], W1[0, 0]))
    legend: list[tuple[str, str]] = []
    for j in range(units):
        colour = UNIT_COLOURS[j % len(UNIT_COLOURS)]
        if t is None or not np.any(W1[j] != 0):
            continue
        drawn = _line_items(W1[j], b1[j] - t, box, colour=colour, width=2.0, dash=j % 2 == 1)
        items += drawn
        legend.append((colour, f"unit {j + 1}: {equation(W1[j], b1[j], t)}" + ("" if drawn else " (off the plot)")))
    items += _points(X, target if target is not None else y, wrong, box,
                     [f"y = {_fmt(o)}" for o in y])
    legend += [(SHADE, "network outputs 1"), (ORANGE, f"{gate} 1" if gate else "y = 1"),
               (MUTED, f"{gate} 0 (hollow)" if gate else "y = 0 (hollow)")]
    if wrong.any():
        legend.append((RED, "output wrong"))

    gates = _unit_gates_text(solution)
    lines = "Each hidden unit draws one line and fires on one side of it" + (f" ({gates})" if gates else "") + "."
    if target is not None and not wrong.any():
        ones = ", ".join(_row_label(X[r]) for r in range(len(y)) if target[r] == 1)
        how = (f" The output unit fires only in the shaded region, which holds exactly {gate}'s 1s ({ones}): "
               f"{_count(units)} lines together separate what one line cannot" if gate == "XOR" and units > 1 else
               f" The output unit fires only in the shaded region, which holds exactly {gate}'s 1s ({ones})")
        caption = lines + how + "."
    elif target is not None:
        bad = ", ".join(_row_label(X[r]) for r in range(len(y)) if wrong[r])
        caption = lines + f" The output unit fires in the shaded region; ringed, the rows it gets wrong ({bad})."
    else:
        caption = lines + " The output unit fires in the shaded region."
    alt = (f"{_count(units).capitalize()} lines in the plane of x₁ and x₂, one per hidden unit; points: "
           + "; ".join(f"({_fmt(x[0])}, {_fmt(x[1])}) output {_fmt(o)}" + (" (wrong)" if bad else "")
                       for x, o, bad in zip(X, y, wrong)) + ".")
    title = "The hidden units' lines" + (f" and the {gate} table" if gate else "")
    return [Scene(title=title, xlim=(box[0], box[1]), ylim=(box[2], box[3]), items=tuple(items), caption=caption,
                  alt=alt, axes=_axes(box), width=300.0, height=300.0, equal=True, legend=tuple(legend))]


# -- a training run -------------------------------------------------------------------------------------------------
def training_boundaries(solution: Solution) -> list[tuple[str, np.ndarray, float]]:
    """(label, w, b) at the start and at the end of every epoch that changed them, in order."""
    v = solution.values
    out = [("start", np.asarray(v["w0"], float).reshape(-1), float(v["b0"]))]
    last: dict[int, int] = {}
    for key in v:
        m = re.fullmatch(r"w_e(\d+)_(\d+)", key)
        if m:
            k, i = int(m.group(1)), int(m.group(2))
            last[k] = max(last.get(k, 0), i)
    for k in sorted(last):
        w = np.asarray(v[f"w_e{k}_{last[k]}"], float).reshape(-1)
        b = float(v[f"b_e{k}_{last[k]}"])
        if np.array_equal(w, out[-1][1]) and b == out[-1][2]:
            continue
        out.append((f"epoch {k}", w, b))
    return out


def _distance(p: Point, seg: Line) -> float:
    ax, ay, bx, by = seg.x1, seg.y1, seg.x2, seg.y2
    dx, dy = bx - ax, by - ay
    s = max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / ((dx * dx + dy * dy) or 1.0)))
    return math.hypot(p[0] - ax - s * dx, p[1] - ay - s * dy)


def _label_spot(line: Line, text: str, others: Sequence[Line], avoid: list[Point], box: Box) -> tuple[Point, str]:
    """Where to write a dashed line's name, and its anchor: beside the line and reading away from it, at the place
    farthest from the points, the names already placed and the other lines (a name at a crossing could belong
    to either line). The text's ends count as well as its start; the spots taken are added to `avoid`."""
    span = box[1] - box[0]
    width = len(text) * 7.5 * CHAR * span / PLOT_POINTS  # the text's width, in data units
    dx, dy = line.x2 - line.x1, line.y2 - line.y1
    norm = math.hypot(dx, dy) or 1.0
    normal = (-dy / norm, dx / norm)
    best, best_anchor, best_ends, best_score = (line.x1, line.y1), "middle", [(line.x1, line.y1)], -1.0
    for k in range(3, 18):
        f = k / 20
        for side in (1.0, -1.0):
            nx, ny = side * normal[0], side * normal[1]
            c = (line.x1 + f * dx + nx * 0.03 * span, line.y1 + f * dy + ny * 0.03 * span)
            if abs(nx) > 0.5:  # a steep line: the text starts beside it and reads away from it
                anchor, sign = ("start", 1.0) if nx > 0 else ("end", -1.0)
                ends = [c, (c[0] + sign * width / 2, c[1]), (c[0] + sign * width, c[1])]
            else:  # a level line: the text is centred above or below it
                anchor = "middle"
                c = (c[0], c[1] + ny * 0.02 * span)
                ends = [(c[0] - width / 2, c[1]), c, (c[0] + width / 2, c[1])]
            inset = min(min(p[0] - box[0], box[1] - p[0], p[1] - box[2], box[3] - p[1]) for p in ends)
            score = min([math.hypot(p[0] - a, p[1] - b) for p in ends for a, b in avoid]
                        + [_distance(p, o) for p in ends for o in [*others, line]] + [inset * 2, span])
            if score > best_score:
                best, best_anchor, best_ends, best_score = c, anchor, ends, score
    avoid.extend(best_ends)
    return best, best_anchor


def training(solution: Solution) -> list[Scene]:
    """The trained boundary w·x + b = θ (solid, its firing side shaded) over the earlier ones (dashed, faint):
    the start and the end of each epoch that moved the line."""
    v = solution.values
    X = _two_inputs(v["inputs"])
    if X is None:
        return []
    t = float(v["threshold"])
    Y = np.asarray(v["y"], float).reshape(-1)
    yhat = np.asarray(v["yhat_final"], float).reshape(-1)
    wf, bf = np.asarray(v["w_final"], float).reshape(-1), float(v["b_final"])
    wrong = yhat != Y
    history = training_boundaries(solution)
    box = plot_box(X)

    items: list[Item] = []
    if np.any(wf != 0):
        items += shade(box, [(wf[0], wf[1], bf - t)], along=(-wf[1], wf[0]))
    legend: list[tuple[str, str]] = []
    earlier = history[:-1] if history and np.array_equal(history[-1][1], wf) and history[-1][2] == bf else history
    drawn: list[tuple[str, Line]] = []
    for label, w, b in earlier:
        for it in _line_items(w, b - t, box, colour=MUTED, width=1.0, dash=True):
            assert isinstance(it, Line)
            drawn.append((label, it))
    items += [it for _, it in drawn]
    final_items = _line_items(wf, bf - t, box)
    segments = [it for _, it in drawn] + [it for it in final_items if isinstance(it, Line)]
    placed: list[Point] = [(float(a), float(c)) for a, c in X]
    for label, it in drawn:
        at, anchor = _label_spot(it, label, [s for s in segments if s is not it], placed, box)
        items.append(Label(at[0], at[1], label, size=7.5, color=MUTED, anchor=anchor, baseline="middle"))
    if drawn:
        legend.append((MUTED, "earlier: " + ", ".join(lbl for lbl, _ in drawn) + " (dashed)"))
    items += final_items
    final_text = equation(wf, bf, t)
    legend.insert(0, (BLUE, "trained: " + final_text))
    gate = _gate_of(solution)
    items += _points(X, Y, wrong, box, [f"ŷ = {_fmt(o)}" if bad else "" for o, bad in zip(yhat, wrong)])
    legend += [(ORANGE, "y = 1"), (MUTED, "y = 0 (hollow)")]
    if wrong.any():
        legend.append((RED, "ŷ wrong after training"))

    epochs = int(v.get("epochs_run", len(history)))
    converged = bool(v.get("converged", 1))
    if converged:
        caption = (f"Each mistake moves the line: after {epochs} epoch{'s' if epochs != 1 else ''} the line "
                   f"{final_text} (solid) has every example with y = 1 on its shaded side and every y = 0 off it; "
                   "the dashed lines are where it was before.")
    else:
        caption = (f"Training stopped after {epochs} epochs without converging: the line {final_text} still gets "
                   "the ringed examples wrong" + (" (no line can separate XOR)." if gate == "XOR" else "."))
    alt = (f"Training examples in the plane of x₁ and x₂ and the trained boundary {final_text}; earlier boundaries "
           + (", ".join(f"{lbl}: {equation(w, b, t)}" for lbl, w, b in earlier) or "none") + ".")
    return [Scene(title=f"Training moves the boundary to {final_text}", xlim=(box[0], box[1]),
                  ylim=(box[2], box[3]), items=tuple(items), caption=caption, alt=alt, axes=_axes(box), width=300.0,
                  height=300.0, equal=True, legend=tuple(legend))]


# -- the boundary of a linear unit ----------------------------------------------------------------------------------
def line(solution: Solution) -> list[Scene]:
    """g(x) = w·x + b = 0 across the plot (shaded where g ≥ 0, class 1), the distance d from the origin to its
    nearest point, the normal w drawn from the line, where it crosses the axes, and the given points by side."""
    v = solution.values
    w = np.asarray(v["w"], float).reshape(-1)
    if w.size != 2 or not np.any(w != 0) or not np.all(np.isfinite(w)):
        return []
    b = float(v["b"])
    norm = float(np.hypot(w[0], w[1]))
    unit = (w[0] / norm, w[1] / norm)
    along = (-unit[1], unit[0])
    foot = (-b * unit[0] / norm, -b * unit[1] / norm)  # the point of the line nearest the origin
    X = _two_inputs(v["points"]) if "points" in v else None
    cuts = [((c, 0.0) if i == 0 else (0.0, c)) for i, c in enumerate(np.asarray(v.get("intercepts", []), float))]
    extra: list[Point] = [(0.0, 0.0), foot, *[c for c in cuts if math.isfinite(c[0] + c[1])]]
    box = plot_box(X if X is not None else np.zeros((0, 2)), extra, unit_square=False)
    span = box[1] - box[0]

    items: list[Item] = list(shade(box, [(w[0], w[1], b)], along=along))
    items += _line_items(w, b, box)
    d = float(v.get("distance", abs(b) / norm))
    if d > 0:
        items.append(Line(0.0, 0.0, foot[0], foot[1], stroke=INK, width=1.2, dash=True))
        r = 0.025 * span  # the right angle at the foot
        toward = (-foot[0] / d, -foot[1] / d)
        items.append(Polyline(((foot[0] + r * along[0], foot[1] + r * along[1]),
                               (foot[0] + r * (along[0] + toward[0]), foot[1] + r * (along[1] + toward[1])),
                               (foot[0] + r * toward[0], foot[1] + r * toward[1])), stroke=INK, width=0.8))
        off = 0.03 * span
        side = 1.0 if along[0] >= 0 else -1.0  # put the label on the right of the segment
        items.append(Label(foot[0] / 2 + side * off * along[0], foot[1] / 2 + side * off * along[1],
                           f"d = {_fmt(d)}", anchor="start", size=8.5, color=INK))
    items.append(Circle(0.0, 0.0, r=2.5, fill=INK))
    away_o = (-foot[0] / d, -foot[1] / d) if d > 0 else (-0.7071, -0.7071)  # the origin's label, off the segment
    items.append(Label(0.04 * span * away_o[0], 0.04 * span * away_o[1], "0", size=8.5, color=INK))
    # the normal: drawn from a point of the line a little way from the foot (so that it does not hide d), on
    # the side with more room
    starts = [(foot[0] + k * 0.3 * span * along[0], foot[1] + k * 0.3 * span * along[1]) for k in (-1, 1)]
    start = max(starts, key=lambda p: min(p[0] - box[0], box[1] - p[0], p[1] - box[2], box[3] - p[1]))
    tip = (start[0] + 0.22 * span * unit[0], start[1] + 0.22 * span * unit[1])
    items.append(Line(start[0], start[1], tip[0], tip[1], stroke=RED, width=1.6, arrow=True))
    items.append(Label(tip[0] + 0.04 * span * unit[0], tip[1] + 0.04 * span * unit[1], "w", color=RED, size=10.0,
                       italic=True))
    for i, pt in enumerate(cuts):
        if box[0] <= pt[0] <= box[1] and box[2] <= pt[1] <= box[3]:
            items.append(Circle(pt[0], pt[1], r=3.0, fill=BLUE, stroke=BLUE))
            away = (-unit[0], -unit[1])  # labels on the unshaded side
            items.append(Label(pt[0] + 0.03 * span * away[0], pt[1] + 0.03 * span * away[1],
                               f"x{str(i + 1).translate(_SUB)} = {_fmt(pt[i])}", size=8.0, color=BLUE,
                               anchor="end" if away[0] < 0 else "start", baseline="top" if away[1] < 0 else "bottom"))
    if X is not None:
        side_of = np.asarray(v["side"], float).reshape(-1)
        gx = np.asarray(v["g"], float).reshape(-1)
        items += _points(X, side_of, np.zeros(len(side_of), bool), box, [f"g = {_fmt(g)}" for g in gx])
    text = equation(w, b)
    legend = [(BLUE, text), (SHADE, "g(x) ≥ 0: class 1"), (RED, f"normal w = ({_fmt(w[0])}, {_fmt(w[1])})")]
    if X is not None:
        legend += [(ORANGE, "class 1"), (MUTED, "class 0 (hollow)")]
    where = (f"Its point nearest the origin is ({_fmt(foot[0])}, {_fmt(foot[1])}), at distance |b|/‖w‖ = "
             f"{_fmt(abs(b))}/{_fmt(norm)} = {_fmt(d)}." if d > 0 else "b = 0, so it passes through the origin.")
    caption = (f"The boundary {text} is perpendicular to w = ({_fmt(w[0])}, {_fmt(w[1])}), which points to the "
               f"shaded side, where g(x) > 0. {where}")
    alt = (f"The line {text} in the plane of x₁ and x₂, with the normal vector w and the distance {_fmt(d)} from "
           "the origin to the line" + ("; points: " + "; ".join(
               f"({_fmt(x[0])}, {_fmt(x[1])}) class {_fmt(c)}" for x, c in zip(X, v["side"])) if X is not None
               else "") + ".")
    return [Scene(title=f"The boundary {text}", xlim=(box[0], box[1]), ylim=(box[2], box[3]), items=tuple(items),
                  caption=caption, alt=alt, axes=_axes(box), width=300.0, height=300.0, equal=True,
                  legend=tuple(legend))]
