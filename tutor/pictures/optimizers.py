"""Pictures of optimisation problems: θ iteration by iteration, the size of each step, and, where the problem has
a loss in θ, the iterates drawn on the loss curve; for linear regression, the fitted line after each update over
the data, and the loss epoch by epoch.

The step sizes |θ_t − θ_{t−1}| get a picture of their own because they are what tells the optimisers apart:
Adam's steps stay near lr and shrink as m̂ shrinks against √v̂, AdaGrad's shrink as squared gradients pile up,
momentum's grow while the gradients agree.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from tutor.engine.step import Solution
from tutor.pictures.activations import nice_ticks, num
from tutor.pictures.scene import (BLUE, GREEN, INK, MUTED, ORANGE, PURPLE, RED, Axes, Circle, Item, Label, Line,
                                  Polyline, Rect, Scene)

WIDTH, HEIGHT = 340.0, 220.0
LABEL_SIZE = 7.5
MAX_LABELLED = 8  # beyond this many iterations the numbers would overlap: the caption and steps carry them
MAX_MARKED = 40
MAX_COMPONENTS = 5  # a vector θ: one line per entry, up to this many
COLOURS = (BLUE, ORANGE, GREEN, PURPLE, RED)
LOSS_SAMPLES = 161


# -- reading the solution -----------------------------------------------------------------------------------------
def iterates(solution: Solution) -> np.ndarray:
    """θ_0, θ_1, …, θ_T as rows (a column of numbers for a scalar θ): θ_0 is the given, θ_t the update steps."""
    v = solution.values
    rows = [np.atleast_1d(np.asarray(v["theta0"], float))]
    t = 1
    while f"theta_{t}" in v:
        rows.append(np.atleast_1d(np.asarray(v[f"theta_{t}"], float)))
        t += 1
    return np.array(rows)


def step_sizes(theta: np.ndarray) -> np.ndarray:
    """|θ_t − θ_{t−1}| for t = 1..T (the Euclidean length for a vector θ)."""
    return np.linalg.norm(np.diff(theta, axis=0), axis=1)


def _trend(values: np.ndarray) -> str:
    """'shrinks', 'grows' or 'changes' for a series, strictly, as the caption's verb."""
    d = np.diff(values)
    if d.size == 0:
        return ""
    if np.all(d < 0):
        return "shrinks"
    if np.all(d > 0):
        return "grows"
    return "changes"


def _limits(values: np.ndarray, floor_zero: bool = False, pad: float = 0.12) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return (0.0, 1.0)
    lo, hi = float(finite.min()), float(finite.max())
    if floor_zero:
        lo = min(lo, 0.0)
    span = hi - lo
    if span <= 1e-15 * max(1.0, abs(hi)):
        span = max(abs(hi), 1.0) * 0.5
        return (lo - span, hi + span) if not floor_zero else (0.0, hi + span)
    return (lo if floor_zero and lo == 0 else lo - pad * span), hi + pad * span


def nudger(probe: Scene) -> Any:
    """A function moving a data point by (dx, dy) typographic points (dy up), in the layout the backends will use:
    a label beside a marker should sit a few points off it, whatever the data's scale."""
    from tutor.pictures.svg import frame

    fr = frame(probe)

    def nudge(x: float, y: float, dx: float, dy: float) -> tuple[float, float]:
        return x + dx / fr.scale_x(), y + dy / fr.scale_y()

    return nudge


# -- θ per iteration ------------------------------------------------------------------------------------------------
def theta_scene(theta: np.ndarray, title: str) -> Scene:
    T = theta.shape[0] - 1
    ts = np.arange(T + 1, dtype=float)
    n = theta.shape[1]
    items: list[Item] = []
    legend: list[tuple[str, str]] = []
    for c in range(min(n, MAX_COMPONENTS)):
        colour = COLOURS[c]
        items.append(Polyline(tuple((float(t), float(y)) for t, y in zip(ts, theta[:, c])), stroke=colour, width=1.6))
        if T <= MAX_MARKED:
            items += [Circle(float(t), float(y), r=3.0, fill=colour, stroke="white") for t, y in zip(ts, theta[:, c])]
        if n > 1:
            legend.append((colour, f"θ entry {c + 1}"))
    ylim = _limits(theta[:, :MAX_COMPONENTS].ravel())
    xlim = (-0.4, T + 0.4)
    axes = Axes(xlabel="iteration t", ylabel="θₜ", xticks=_int_ticks(T), yticks=nice_ticks(*ylim, 4))
    if n == 1 and T <= MAX_LABELLED:
        nudge = nudger(Scene(title, xlim, ylim, (), axes=axes, width=WIDTH, height=HEIGHT))
        rising = theta[-1, 0] >= theta[0, 0]
        for t, y in zip(ts, theta[:, 0]):
            # beside the marker, where the path is not: above-right of a falling path (below-right of a rising
            # one); the last point has no room on the right, so its label goes to the other empty side
            last = t == T
            up = (not rising) != last
            lx, ly = nudge(float(t), float(y), -6.0 if last else 6.0, 6.0 if up else -6.0)
            items.append(Label(lx, ly, f"θ{_sub(int(t))} = {num(y)}", anchor="end" if last else "start",
                               baseline="bottom" if up else "top", size=LABEL_SIZE, color=INK))
    alt = "θ after each iteration: " + "; ".join(f"t = {t}: " + ", ".join(num(x) for x in theta[t])
                                                 for t in range(T + 1)) + "."
    return Scene(title=title, xlim=xlim, ylim=ylim, items=tuple(items), alt=alt, axes=axes, width=WIDTH,
                 height=HEIGHT, legend=tuple(legend))


def _int_ticks(T: int) -> tuple[float, ...]:
    if T <= 10:
        return tuple(float(t) for t in range(T + 1))
    return tuple(t for t in nice_ticks(0, T, 6) if float(t).is_integer())


def _sub(i: int) -> str:
    return str(i).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


# -- step sizes -----------------------------------------------------------------------------------------------------
def steps_scene(steps: np.ndarray, vector: bool, lr: float | None, what: str) -> Scene:
    """Bars of |θ_t − θ_{t−1}|, each labelled, with Adam's lr drawn as the step it hovers around."""
    T = steps.size
    ts = np.arange(1, T + 1, dtype=float)
    tops = [float(s) for s in steps] + ([lr] if lr is not None else [])
    ylim = _limits(np.array(tops), floor_zero=True)
    ylim = (0.0, ylim[1] * 1.08)
    items: list[Item] = []
    bars = T <= 60
    for t, s in zip(ts, steps):
        if bars:
            items.append(Rect(t - 0.3, 0.0, 0.6, float(s), fill=BLUE, stroke=None))
    if not bars:
        items.append(Polyline(tuple((float(t), float(s)) for t, s in zip(ts, steps)), stroke=BLUE, width=1.5))
    if lr is not None:
        items.append(Line(0.4, lr, T + 0.6, lr, stroke=ORANGE, width=1.2, dash=True))
    ylabel = "‖θₜ − θₜ₋₁‖" if vector else "|θₜ − θₜ₋₁|"
    axes = Axes(xlabel="iteration t", ylabel=ylabel, xticks=tuple(t for t in _int_ticks(T) if t >= 1),
                yticks=nice_ticks(*ylim, 4))
    if T <= MAX_LABELLED:
        nudge = nudger(Scene("", (0.4, T + 0.6), ylim, (), axes=axes, width=WIDTH, height=HEIGHT, legend=((BLUE, ""),)))
        for t, s in zip(ts, steps):
            inside = nudge(0.0, float(s), 0.0, -16.0)[1] > 0  # tall enough to hold its number
            lx, ly = nudge(float(t), float(s), 0.0, -3.0 if inside else 3.0)
            items.append(Label(lx, ly, num(s, 3), baseline="top" if inside else "bottom", size=LABEL_SIZE,
                               color="white" if inside and bars else INK))
    listed = ", ".join(num(s, 4) for s in steps)
    trend = _trend(steps)
    caption = f"The size of each step, {ylabel}: {listed}" + (f"; it {trend} from one iteration to the next"
                                                                 if trend in ("shrinks", "grows") else "") + "."
    if lr is not None:
        ratios = ", ".join(num(s / lr, 3) for s in steps)
        caption += (f" Adam's step is lr·m̂ₜ/(√v̂ₜ + ε), so it stays near lr = {num(lr)} "
                    f"(here lr times {ratios}): it shrinks as m̂ shrinks against √v̂.")
    alt = f"Bars of the step size at each iteration: {listed}."
    return Scene(title=f"How big each step is{what}", xlim=(0.4, T + 0.6), ylim=ylim, items=tuple(items),
                 caption=caption, alt=alt, axes=axes, width=WIDTH, height=HEIGHT,
                 legend=((BLUE, "step size"),) + (((ORANGE, f"lr = {num(lr)}"),) if lr is not None else ()))


# -- the loss curve -------------------------------------------------------------------------------------------------
def loss_values(text: str, thetas: np.ndarray) -> np.ndarray:
    """L(θ) at each θ through the safe expression tree (never eval); NaN where it is undefined."""
    from tutor.errors import TutorError
    from tutor.safe_expr import evaluate, parse

    try:
        node = parse(text, ("theta",), what="loss")
    except TutorError:
        return np.full(thetas.shape, np.nan)
    out = []
    for th in thetas:
        try:
            value = evaluate(node, {"theta": float(th)})
        except (TutorError, ArithmeticError, ValueError):
            value = math.nan
        out.append(value if math.isfinite(value) else math.nan)
    return np.array(out, float)


def loss_scene(text: str, theta: np.ndarray, name: str) -> Scene | None:
    """The loss curve over a range around the iterates, each θ_t on it, arrows from one to the next."""
    path = theta[:, 0]
    lo, hi = float(path.min()), float(path.max())
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    lo, hi = lo - 0.6 * span, hi + 0.6 * span
    grid = np.linspace(lo, hi, LOSS_SAMPLES)
    curve = loss_values(text, grid)
    at = loss_values(text, path)
    if not np.all(np.isfinite(at)):
        return None
    items: list[Item] = []
    for piece in _finite_runs(grid, curve):
        items.append(Polyline(piece, stroke=BLUE, width=1.8))
    T = path.size - 1
    ylim = _limits(np.concatenate([curve[np.isfinite(curve)], at]), pad=0.2)
    axes = Axes(xlabel="θ", ylabel="L(θ)", xticks=nice_ticks(lo, hi, 5), yticks=nice_ticks(*ylim, 4))
    nudge = nudger(Scene("", (lo, hi), ylim, (), axes=axes, width=WIDTH, height=HEIGHT,
                         legend=((BLUE, "L(θ)"), (ORANGE, "one update"))))
    for t in range(T):  # each update as a hop above the curve, so that it does not hide under it
        items.append(_hop(float(path[t]), float(at[t]), float(path[t + 1]), float(at[t + 1]), nudge))
    if T <= MAX_MARKED:
        items += [Circle(float(x), float(y), r=3.2, fill=INK, stroke="white") for x, y in zip(path, at)]
    if T <= MAX_LABELLED:
        for t, (x, y) in enumerate(zip(path, at)):
            lx, ly = nudge(float(x), float(y), 0.0, -7.0)
            items.append(Label(lx, ly, f"θ{_sub(t)}", baseline="top", size=LABEL_SIZE, color=INK))
    values = "; ".join(f"θ{_sub(t)} = {num(x)}, L = {num(y)}" for t, (x, y) in enumerate(zip(path, at)))
    trend = _trend(at)
    caption = (f"{name} on L(θ) = {text}: each arrow is one update, from θₜ₋₁ to θₜ ({values})."
               + (" The loss falls at every step." if trend == "shrinks" else
                  " The loss rises at every step: the steps overshoot." if trend == "grows" else ""))
    alt = f"The curve L(θ) = {text} for θ from {num(lo, 3)} to {num(hi, 3)}, with the iterates {values}."
    return Scene(title=f"{name}'s iterates on the loss curve", xlim=(lo, hi), ylim=ylim, items=tuple(items),
                 caption=caption, alt=alt, axes=axes, width=WIDTH, height=HEIGHT,
                 legend=((BLUE, "L(θ)"), (ORANGE, "one update")))


def _hop(x1: float, y1: float, x2: float, y2: float, nudge: Any) -> Polyline:
    """An arrow from (x1, y1) to (x2, y2) arching 14 points above the straight line between them."""
    points = []
    for k in range(13):
        s = k / 12
        x, y = x1 + s * (x2 - x1), y1 + s * (y2 - y1)
        points.append(nudge(x, y, 0.0, 14.0 * 4 * s * (1 - s)))
    return Polyline(tuple(points), stroke=ORANGE, width=1.3, arrow=True)


def _finite_runs(xs: np.ndarray, ys: np.ndarray) -> list[tuple[tuple[float, float], ...]]:
    """The curve split where it is undefined (log of a negative, a pole), so that no segment jumps a gap."""
    runs: list[tuple[tuple[float, float], ...]] = []
    current: list[tuple[float, float]] = []
    for x, y in zip(xs, ys):
        if math.isfinite(y):
            current.append((float(x), float(y)))
        elif current:
            runs.append(tuple(current))
            current = []
    if current:
        runs.append(tuple(current))
    return [r for r in runs if len(r) >= 2]


# -- the builders ---------------------------------------------------------------------------------------------------
def _optimiser_scenes(solution: Solution, name: str, adam_lr: float | None) -> list[Scene]:
    theta = iterates(solution)
    if theta.shape[0] < 2 or not np.all(np.isfinite(theta)):
        return []
    vector = theta.shape[1] > 1
    loss = solution.values.get("loss")
    scenes: list[Scene] = []
    on_curve = loss_scene(loss, theta, name) if isinstance(loss, str) and not vector else None
    if on_curve is not None:
        scenes.append(on_curve)
    else:
        T = theta.shape[0] - 1
        caption = (f"Each entry of θ over {T} updates." if vector else
                   f"θ moves from {num(theta[0, 0])} to {num(theta[-1, 0])} in {T} update{'s' if T > 1 else ''}.")
        scenes.append(replace(theta_scene(theta, f"θ after each {name} update"), caption=caption))
    scenes.append(steps_scene(step_sizes(theta), vector, adam_lr, f" ({name})"))
    return scenes


def adam(solution: Solution) -> list[Scene]:
    """Adam: θ per iteration (on the loss curve when there is one) and the step sizes against lr."""
    return _optimiser_scenes(solution, "Adam", float(solution.values["lr"]))


def method_name(solution: Solution) -> str:
    """SGD, momentum, AdaGrad or RMSProp, from the state the solver kept (the solution keeps no parameters):
    a velocity or buffer is momentum's, an accumulator r with a decay β RMSProp's, without one AdaGrad's."""
    v = solution.values
    if "v_0" in v or "buf_0" in v:
        return "Momentum"
    if "r_0" in v:
        return "RMSProp" if "beta" in v else "AdaGrad"
    return "SGD"


def optimizer(solution: Solution) -> list[Scene]:
    """SGD, momentum, AdaGrad, RMSProp: θ per iteration (on the loss curve when there is one) and the steps."""
    return _optimiser_scenes(solution, method_name(solution), None)


# -- linear regression ----------------------------------------------------------------------------------------------
def updates(solution: Solution) -> list[tuple[str, float, float]]:
    """(name, w, b) before training and after every update, in order: w_e{k}_{j}, b_e{k}_{j} as the solver keys
    them (b is 0 for a model without a bias)."""
    v = solution.values
    out = [("start", v["w0"], float(v.get("b0", 0.0)))]
    k = 1
    while f"w_e{k}_1" in v:
        j = 1
        while f"w_e{k}_{j}" in v:
            out.append((f"epoch {k}, update {j}", v[f"w_e{k}_{j}"], float(v.get(f"b_e{k}_{j}", 0.0))))
            j += 1
        k += 1
    return out


def epoch_losses(solution: Solution) -> list[float]:
    v = solution.values
    out = []
    k = 0
    while f"loss_e{k}" in v:
        out.append(float(v[f"loss_e{k}"]))
        k += 1
    return out


def _fit_scene(solution: Solution, ups: list[tuple[str, Any, float]]) -> Scene | None:
    x = np.asarray(solution.values["x"], float)
    y = np.asarray(solution.values["y"], float).reshape(-1)
    if x.ndim != 1 or not all(np.ndim(w) == 0 for _, w, _ in ups):
        return None
    xr = _limits(x, pad=0.15)
    lines = [(float(w), b) for _, w, b in ups]
    ends = [w * xx + b for w, b in lines for xx in xr]
    ylim = _limits(np.concatenate([y, np.array(ends)]))
    items: list[Item] = []
    n = len(lines)
    for k, (w, b) in enumerate(lines):
        last = k == n - 1
        if k == 0:
            items.append(Line(xr[0], w * xr[0] + b, xr[1], w * xr[1] + b, stroke=MUTED, width=1.0, dash=True))
        elif last:
            items.append(Line(xr[0], w * xr[0] + b, xr[1], w * xr[1] + b, stroke=ORANGE, width=2.0))
        else:
            items.append(Line(xr[0], w * xr[0] + b, xr[1], w * xr[1] + b, stroke="#e8b48a", width=1.0))
    items += [Circle(float(a), float(c), r=3.5, fill=BLUE, stroke="white") for a, c in zip(x, y)]
    w, b = lines[-1]
    has_b = "b0" in solution.values
    fitted = f"ŷ = {num(w)}x" + (f" {'+' if b >= 0 else '−'} {num(abs(b))}" if has_b else "")
    axes = Axes(xlabel="x", ylabel="y", xticks=nice_ticks(*xr, 5), yticks=nice_ticks(*ylim, 4))
    caption = (f"The data (blue) and the line ŷ = w x{' + b' if has_b else ''} before training (dashed), after "
               f"each update (faint) and at the end (bold): {fitted}.")
    alt = ("Data points " + ", ".join(f"({num(a)}, {num(c)})" for a, c in zip(x, y)) + "; lines "
           + "; ".join(f"{name}: w = {num(w_)}, b = {num(b_)}" for name, w_, b_ in ups) + ".")
    return Scene(title="The fitted line, update by update", xlim=xr, ylim=ylim, items=tuple(items), caption=caption,
                 alt=alt, axes=axes, width=WIDTH, height=HEIGHT,
                 legend=((BLUE, "data"), (MUTED, "start"), (ORANGE, f"after training: {fitted}")))


def _loss_scene(losses: list[float]) -> Scene:
    K = len(losses) - 1
    ks = np.arange(K + 1, dtype=float)
    L = np.array(losses)
    ylim = _limits(L, floor_zero=True)
    items: list[Item] = [Polyline(tuple((float(k), float(v)) for k, v in zip(ks, L)), stroke=BLUE, width=1.6)]
    items += [Circle(float(k), float(v), r=3.2, fill=BLUE, stroke="white") for k, v in zip(ks, L)]
    if K <= MAX_LABELLED:
        items += [Label(float(k), float(v), num(v), anchor="start" if k < K else "end", baseline="bottom",
                        size=LABEL_SIZE, color=INK) for k, v in zip(ks, L)]
    trend = _trend(L)
    caption = ("The loss on the whole dataset before training and after each epoch: " + ", ".join(num(v) for v in L)
               + (". It falls every epoch." if trend == "shrinks" else
                  ". It rises: the learning rate is too large for this data, the steps overshoot." if trend == "grows"
                  else "."))
    axes = Axes(xlabel="epoch", ylabel="loss", xticks=_int_ticks(K), yticks=nice_ticks(*ylim, 4))
    return Scene(title="Loss after each epoch", xlim=(-0.3, K + 0.3), ylim=ylim, items=tuple(items), caption=caption,
                 alt="Loss per epoch: " + ", ".join(f"epoch {k}: {num(v)}" for k, v in enumerate(L)) + ".",
                 axes=axes, width=WIDTH, height=HEIGHT)


def regression(solution: Solution) -> list[Scene]:
    """Linear regression by gradient descent: the line over the data after each update (one input only), and the
    loss per epoch."""
    ups = updates(solution)
    scenes: list[Scene] = []
    if all(np.all(np.isfinite(np.asarray(w, float))) and math.isfinite(b) for _, w, b in ups):
        fit = _fit_scene(solution, ups)
        if fit is not None:
            scenes.append(fit)
    losses = epoch_losses(solution)
    if len(losses) >= 2 and all(math.isfinite(v) for v in losses):
        scenes.append(_loss_scene(losses))
    return scenes
