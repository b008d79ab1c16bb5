"""The computational graph as a circuit, in the style of CS231n's diagrams: the inputs on the left, one circle per
gate, wires left to right; on every wire the forward value above it (green) and the gradient ∂f/∂(wire) below it
(red). Gates sit in columns by depth (an input is depth 0, a gate one more than its deepest input) and in rows by
a tree layout from the output, so that a tree draws without crossings.

The circuit is read back from the solution: the gates are the steps q1, q2, ..., their operands the symbols and
numbers of each step's formula (constants fold into the gate's own label, as CS231n's '+1' and '*-1' gates), the
forward values those of the steps and givens, the gradients those of the steps grad_q1, ..., grad_<variable>.
Coordinates are in points, so that the circles (whose radius is in points) and the wires agree.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from tutor.engine import expr as E
from tutor.pictures.scene import GREEN, INK, MUTED, RED, Circle, Item, Label, Line, Polyline, Scene

if TYPE_CHECKING:
    from tutor.engine.step import Solution

RADIUS = 14.0  # a gate's circle, points
ROW = 46.0  # between rows of the layout, points
VALUE_SIZE = 8.0  # the numbers on the wires
GATE_SIZE = 9.5
NAME_SIZE = 9.5  # the inputs' names and the output's f
CHAR = 0.56  # an average character's width, in ems, to make room for a label
MARGIN = 8.0
MIN_WIDTH = 330.0  # room for the title, when the picture is drawn on its own
MAX_WIDTH = 480.0  # the text width of a printed page (A4 or letter with 2 cm margins), points
SPREAD = math.radians(40)  # the ports of a gate's inputs: up to this far either side of its left point
PAD = 6.0  # the SVG backend's white space around a scene


@dataclass
class Operand:
    key: str | None  # a given's or a gate's key; None for a constant
    label: str  # how it is written: the variable's name, the gate's key, or the constant's number


@dataclass
class GateNode:
    key: str
    op: str
    operands: list[Operand]


def _fmt(v: Any) -> str:
    from tutor.printers.numbers import format_number

    return format_number(v)


def _unparen(e: Any) -> Any:
    while isinstance(e, E.Paren):
        e = e.arg
    return e


def _split(formula: Any) -> tuple[str, list[Any]] | None:
    """A gate's formula (as tutor.solvers.graph.gate_formula writes it) → (operation, operand expressions)."""
    f = formula
    if isinstance(f, E.Add) and len(f.terms) == 2:
        a, b = f.terms
        if isinstance(b, E.Neg):
            return "-", [_unparen(a), _unparen(b.arg)]
        return "+", [_unparen(a), _unparen(b)]
    if isinstance(f, E.Mul) and len(f.factors) == 2:
        return "*", [_unparen(x) for x in f.factors]
    if isinstance(f, E.Div):
        return "/", [_unparen(f.num), _unparen(f.den)]
    if isinstance(f, E.Pow):
        return "**", [_unparen(f.base), _unparen(f.exp)]
    if isinstance(f, E.Neg):
        return "neg", [_unparen(f.arg)]
    if isinstance(f, E.Call):
        return f.fn, [_unparen(x) for x in f.args]
    return None


def read_circuit(solution: Solution) -> list[GateNode]:
    """The gates in evaluation order, each with its operation and operands (keys of givens or gates, or constants).
    Empty when the solution has no gates or a formula is not one this reader knows."""
    keys = sorted((k for k in solution.steps if re.fullmatch(r"q\d+", k)), key=lambda k: int(k[1:]))
    gates: list[GateNode] = []
    for k in keys:
        parts = _split(solution.steps[k].formula)
        if parts is None:
            return []
        op, exprs = parts
        operands = []
        for x in exprs:
            if isinstance(x, E.Sym) and (x.text in solution.givens or x.text in keys):
                operands.append(Operand(x.text, x.text))
            elif isinstance(x, E.Num):
                operands.append(Operand(None, _fmt(x.value)))
            elif isinstance(x, E.Sym):
                operands.append(Operand(None, x.text))  # e or π
            else:
                return []
        gates.append(GateNode(k, op, operands))
    return gates


_SUP = str.maketrans("0123456789-.", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻·")
FUNCTION_TEXT = {"sigmoid": "σ", "relu": "ReLU", "sqrt": "√", "abs": "|x|", "log": "ln", "ln": "ln"}


def gate_text(gate: GateNode) -> str:
    """The gate's label, as CS231n writes it: +, ×, '+1', '×2', '1/x', 'x²', exp, max, σ."""
    op, ops = gate.op, gate.operands
    const = [o.label for o in ops if o.key is None]
    if op == "+":
        return "+" + const[0] if const else "+"
    if op == "-":
        if ops[1].key is None:
            return "−" + ops[1].label
        return ops[0].label + " −" if ops[0].key is None else "−"
    if op == "*":
        return "×" + const[0] if const else "×"
    if op == "/":
        if ops[0].key is None:
            return f"{ops[0].label}/x"
        return "÷" + ops[1].label if ops[1].key is None else "÷"
    if op == "**":
        if ops[1].key is None:
            sup = ops[1].label.translate(_SUP)
            return "x" + sup if len(sup) <= 3 else "x^" + ops[1].label
        return ops[0].label + "ˣ" if ops[0].key is None else "xʸ"
    if op == "neg":
        return "×−1"
    return FUNCTION_TEXT.get(op, op)


# -- layout ---------------------------------------------------------------------------------------------------------
def layout(gates: list[GateNode]) -> tuple[dict[str, int], dict[str, float], list[str], int]:
    """Columns by depth, rows by a tree layout from the output: (depth, slot, the inputs in order, rows).

    Every use of an input is a leaf of the tree with a row of its own, in reading order, and a gate sits at the
    mean of its inputs' rows, so that the subtrees of a circuit keep apart even where an input feeds several of
    them; an input is drawn once, at the row of its first use, and branches from there."""
    by_key = {g.key: g for g in gates}
    depth: dict[str, int] = {}
    slot: dict[str, float] = {}
    leaves: list[str] = []
    rows = 0
    for g in gates:  # in evaluation order, so every operand's depth is known before the gate's
        ins = [o.key for o in g.operands if o.key is not None]
        for k in ins:
            depth.setdefault(k, 0)  # an input (a gate's own depth is set below, before any user reads it)
        depth[g.key] = 1 + max(depth[k] for k in ins)

    def place(key: str) -> float:
        nonlocal rows
        ys = []
        for k in dict.fromkeys(o.key for o in by_key[key].operands if o.key is not None):
            if k in by_key:
                ys.append(place(k))
            else:  # one use of an input: a row of its own
                ys.append(float(rows))
                if k not in slot:
                    slot[k] = float(rows)
                    leaves.append(k)
                rows += 1
        slot[key] = sum(ys) / len(ys)
        return slot[key]

    place(gates[-1].key)
    return depth, slot, leaves, rows


def ring(x: float, y: float, r: float) -> Polyline:
    """A gate's circle, as a closed outline in points: a Circle is a marker (the terminal draws it as one ●,
    which would hide the gate's label), while this is drawn as a line by every backend."""
    n = 40
    return Polyline(tuple((x + r * math.cos(2 * math.pi * k / n), y + r * math.sin(2 * math.pi * k / n))
                          for k in range(n + 1)), stroke=INK, width=1.3)


def _text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR


# -- the picture ----------------------------------------------------------------------------------------------------
def circuit(solution: Solution) -> list[Scene]:
    """The circuit with its forward values (green, above each wire) and gradients (red, below)."""
    gates = read_circuit(solution)
    if not gates:
        return []
    v = solution.values
    depth, slot, leaves, row_count = layout(gates)
    users: dict[str, list[str]] = {}
    for g in gates:
        for k in dict.fromkeys(o.key for o in g.operands if o.key is not None):
            users.setdefault(k, []).append(g.key)

    def grad(key: str) -> float | None:
        return v.get(f"grad_{key}")

    labels = [_fmt(v[k]) for k in v if k in depth] + [_fmt(x) for x in (grad(k) for k in depth) if x is not None]
    widest = max((_text_width(t, VALUE_SIZE) for t in labels), default=20.0)
    gap = max(60.0, min(120.0, widest + 2 * RADIUS + 12.0))  # between columns, points
    name_w = max(_text_width(k, NAME_SIZE) for k in leaves) + 4.0
    x0 = MARGIN + name_w  # where the inputs' wires start
    last = max(depth.values())
    rows = max(row_count, 1)
    height = (rows - 1) * ROW + 2 * 22.0
    top = height - 22.0

    def pos(key: str) -> tuple[float, float]:
        return x0 + depth[key] * gap, top - slot[key] * ROW

    out_x = x0 + (last + 1) * gap - RADIUS  # the output wire's end
    width = max(out_x + MARGIN + _text_width("f", NAME_SIZE) + 6.0, MIN_WIDTH)

    wires: list[Item] = []
    texts: list[Item] = []

    def values_on(x1: float, x2: float, y: float, forward: float, backward: float | None) -> None:
        mid = (x1 + x2) / 2
        texts.append(Label(mid, y + 3.0, _fmt(forward), size=VALUE_SIZE, color=GREEN, baseline="bottom"))
        if backward is not None:
            texts.append(Label(mid, y - 3.0, _fmt(backward), size=VALUE_SIZE, color=RED, baseline="top"))

    sources: dict[str, list[str]] = {}  # a gate's distinct inputs
    for g in gates:
        sources[g.key] = list(dict.fromkeys(o.key for o in g.operands if o.key is not None))

    def port(src: str, dst: str) -> tuple[float, float]:
        """Where a wire meets the gate's circle: spread over its left side, the highest input on top."""
        ins = sorted(sources[dst], key=lambda k: -pos(k)[1])
        tx, ty = pos(dst)
        if len(ins) == 1:
            angle = math.pi
        else:
            angle = math.pi - SPREAD + 2 * SPREAD * ins.index(src) / (len(ins) - 1)
        return tx + RADIUS * math.cos(angle), ty + RADIUS * math.sin(angle)

    def run(sy: float, start_x: float, src: str, dst: str, labelled: bool) -> None:
        """A wire: level from the source, then straight to the gate's port; the numbers on the level part."""
        px, py = port(src, dst)
        need = 10.0 + max(_text_width(_fmt(v[src]), VALUE_SIZE), _text_width(_fmt(grad(src)), VALUE_SIZE)) \
            if labelled else 0.0  # the level part carries the numbers: at least as long as they are
        bend = px if abs(py - sy) < 0.5 else \
            min(max(px - min(0.45 * gap, 0.45 * (px - start_x)), start_x + need), px - 6.0)
        pts = [(start_x, sy), (bend, sy)] + ([(px, py)] if abs(py - sy) >= 0.5 else [])
        wires.append(Polyline(tuple(pts), stroke=INK, width=1.2))
        if labelled:
            values_on(start_x, bend, sy, v[src], grad(src))

    # inputs: the name, then the wire (a branch point first where the input feeds several gates)
    for k in leaves:
        x, y = pos(k)
        texts.append(Label(x - 3.0, y, k, anchor="end", size=NAME_SIZE, italic=True, color=INK))
        targets = users.get(k, [])
        if len(targets) == 1:
            run(y, x, k, targets[0], True)
        else:
            branch = x + 0.6 * gap
            wires.append(Line(x, y, branch, y, stroke=INK, width=1.2))
            values_on(x, branch, y, v[k], grad(k))
            wires.append(Circle(branch, y, r=2.0, fill=INK))
            for t in targets:
                run(y, branch, k, t, False)
    # gates: the wire to the next gate, the circle, its label and its name
    for g in gates:
        x, y = pos(g.key)
        for t in users.get(g.key, []):
            run(y, x + RADIUS, g.key, t, True)
    final = gates[-1]
    fx, fy = pos(final.key)
    wires.append(Line(fx + RADIUS, fy, out_x, fy, stroke=INK, width=1.2))
    values_on(fx + RADIUS, out_x, fy, v["f"], v.get(f"grad_{final.key}"))
    texts.append(Label(out_x + 3.0, fy, "f", anchor="start", size=NAME_SIZE, italic=True, color=INK))
    nodes: list[Item] = []
    for g in gates:
        x, y = pos(g.key)
        label = gate_text(g)
        size = 13.0 if len(label) == 1 else min(GATE_SIZE, 2 * RADIUS * 0.82 / (len(label) * CHAR))
        nodes.append(ring(x, y, RADIUS))
        nodes.append(Label(x, y, label, size=size, color=INK, bold=True))
        nodes.append(Label(x, y - RADIUS - 2.0, g.key, size=7.0, color=MUTED, baseline="top"))

    legend = ((GREEN, "forward value (above the wire)"), (RED, "gradient ∂f/∂(wire) (below)"))
    caption = _caption(gates, leaves, users)
    alt = _alt(solution, gates, leaves)
    items = wires + nodes + texts
    scale = min(1.0, (MAX_WIDTH - 2 * PAD) / width)
    if scale < 1.0:  # a deep circuit: the whole drawing smaller, text and circles with it, so nothing overlaps
        items, width, height = [_scaled(it, scale) for it in items], width * scale, height * scale
    return [Scene(title="The circuit: values forward, gradients backward", xlim=(0.0, width), ylim=(0.0, height),
                  items=tuple(items), caption=caption, alt=alt, width=width + 2 * PAD,
                  height=height + 2 * PAD + 8.5 * 1.5 * (1 if width > 330 else 2), equal=True, legend=legend)]


def _scaled(it: Item, k: float) -> Item:
    """The item drawn k times as large (coordinates are points here, so sizes scale with them)."""
    if isinstance(it, Label):
        return replace(it, x=it.x * k, y=it.y * k, size=it.size * k)
    if isinstance(it, Circle):
        return replace(it, x=it.x * k, y=it.y * k, r=it.r * k)
    if isinstance(it, Line):
        return replace(it, x1=it.x1 * k, y1=it.y1 * k, x2=it.x2 * k, y2=it.y2 * k)
    if isinstance(it, Polyline):
        return replace(it, points=tuple((x * k, y * k) for x, y in it.points))
    return it


def _caption(gates: list[GateNode], leaves: list[str], users: dict[str, list[str]]) -> str:
    ops = {g.op for g in gates}
    rules = []
    if ops & {"+", "-"}:
        rules.append("an add gate hands its gradient unchanged to every input")
    if "*" in ops:
        rules.append("a multiply gate swaps its inputs: each gets the gradient times the other's value")
    if ops & {"max", "min"}:
        rules.append("a max gate routes all of it to the input that won")
    shared = [k for k in leaves if len(users.get(k, [])) > 1]
    text = ("Forward values (green, above each wire) flow left to right to f; gradients (red, below) flow back from "
            "1 at the output, each gate multiplying the gradient from its right by its local gradient"
            + (": " + "; ".join(rules) if rules else "") + ".")
    if shared:
        text += (f" {', '.join(shared)} feed{'s' if len(shared) == 1 else ''} more than one gate: the gradient at "
                 "the branch point is the sum of what comes back along each branch.")
    return text


def _alt(solution: Solution, gates: list[GateNode], leaves: list[str]) -> str:
    v = solution.values
    ins = ", ".join(f"{k} = {_fmt(v[k])} (gradient {_fmt(v.get(f'grad_{k}'))})" for k in leaves)
    gs = "; ".join(f"{g.key}: {gate_text(g)} of {', '.join(o.label for o in g.operands)} = {_fmt(v[g.key])} "
                   f"(gradient {_fmt(v.get(f'grad_{g.key}'))})" for g in gates)
    return f"A circuit diagram. Inputs: {ins}. Gates: {gs}. Output f = {_fmt(v['f'])}."
