"""Two-dimensional plain-text layout of expression trees: bracketed matrices, stacked fractions, exponents.

Like sympy's pretty printer, every node prints to a `Box` (lines of equal width with a baseline), and boxes are
joined side by side on their baselines. Dispatch is on the node's class name (`_print_Num`, `_print_Add`, ...).
The result is plain text; colour is the terminal printer's business.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from tutor.engine.expr import (Add, BigOp, Call, Cases, Div, Expr, Matrix, Mul, Neg, Num, Paren, Pow, Rel, Sym,
                               Text, as_expr)
from tutor.printers.numbers import DEFAULT_DIGITS, format_number

# Binding strength, loosest first: a child binding looser than its parent needs parentheses.
PREC_REL, PREC_ADD, PREC_MUL, PREC_NEG, PREC_POW, PREC_ATOM = 0, 10, 20, 25, 30, 40

CALL_NAMES = {"sigma": "σ", "sigmoid": "σ", "relu": "ReLU", "step": "H"}
CALL_BRACKETS = {"abs": ("|", "|"), "ceil": ("⌈", "⌉"), "floor": ("⌊", "⌋")}  # written as brackets, not names


def precedence(e: Expr, stacked_fractions: bool = True) -> int:
    """How tightly a node binds when printed (one table for every printer)."""
    if isinstance(e, Add):
        return PREC_ADD
    if isinstance(e, (Mul, BigOp)):
        return PREC_MUL
    if isinstance(e, Neg):
        return PREC_NEG
    if isinstance(e, Pow):
        return PREC_POW
    if isinstance(e, Rel):
        return PREC_REL
    if isinstance(e, Num) and np.ndim(e.value) == 0 and _negative(e.value):
        return PREC_NEG
    if isinstance(e, Div):
        return PREC_ATOM if stacked_fractions else PREC_MUL
    return PREC_ATOM


@lru_cache(maxsize=4096)
def cells(s: str) -> int:
    """Terminal columns taken by `s`: combining marks (the hat of m̂) take none, wide characters two."""
    if s.isascii():
        return len(s)
    return sum(0 if unicodedata.combining(ch) else (2 if unicodedata.east_asian_width(ch) in "WF" else 1)
               for ch in s)


def ljust(s: str, w: int) -> str:
    return s + " " * max(w - cells(s), 0)


def rjust(s: str, w: int) -> str:
    return " " * max(w - cells(s), 0) + s


def center(s: str, w: int) -> str:
    room = max(w - cells(s), 0)
    return " " * (room // 2) + s + " " * (room - room // 2)


@dataclass
class Box:
    """Lines of text of one width, with the row (`base`) that lines up with its neighbours."""

    lines: list[str]
    base: int = 0

    @staticmethod
    def of(text: str) -> "Box":
        return Box([text], 0)

    @property
    def width(self) -> int:
        return max((cells(s) for s in self.lines), default=0)

    @property
    def height(self) -> int:
        return len(self.lines)

    def padded(self) -> "Box":
        w = self.width
        return Box([ljust(s, w) for s in self.lines], self.base)

    def __str__(self) -> str:
        return "\n".join(s.rstrip() for s in self.lines)


def hcat(*boxes: Box) -> Box:
    """Join boxes left to right with their baselines on one row."""
    boxes = tuple(b.padded() for b in boxes if b.lines)
    if not boxes:
        return Box([""], 0)
    above = max(b.base for b in boxes)
    below = max(b.height - b.base for b in boxes)
    lines = [""] * (above + below)
    for b in boxes:
        top = above - b.base
        for r in range(above + below):
            i = r - top
            lines[r] += b.lines[i] if 0 <= i < b.height else " " * b.width
    return Box(lines, above)


def vcat(*boxes: Box, base_of: int = 0) -> Box:
    """Stack boxes top to bottom, left aligned; the baseline is that of box number `base_of`."""
    lines: list[str] = []
    base = 0
    for k, b in enumerate(boxes):
        if k == base_of:
            base = len(lines) + b.base
        lines.extend(b.lines)
    return Box(lines, base)


def bracket(body: Box, left: str = "[", right: str = "]") -> Box:
    """Square brackets around a box; tall ones drawn with ⎡⎢⎣ ⎤⎥⎦, one-line ones with [ ]."""
    h = body.height
    if h == 1:
        return hcat(Box.of(left), body, Box.of(right))
    if left == "|":
        lcol = rcol = ["│"] * h
    elif left in "⌈⌊":
        lcol, rcol = ["⎢"] * h, ["⎥"] * h
        if left == "⌈":
            lcol[0], rcol[0] = "⎡", "⎤"
        else:
            lcol[-1], rcol[-1] = "⎣", "⎦"
    elif left == "(":
        lcol = ["⎛"] + ["⎜"] * (h - 2) + ["⎝"]
        rcol = ["⎞"] + ["⎟"] * (h - 2) + ["⎠"]
    else:
        lcol = ["⎡"] + ["⎢"] * (h - 2) + ["⎣"]
        rcol = ["⎤"] + ["⎥"] * (h - 2) + ["⎦"]
    return hcat(Box(lcol, body.base), body, Box(rcol, body.base))


class TextPrinter:
    """Expression tree → Box. Settings: `digits` (significant digits), `max_rows`/`max_cols` before eliding."""

    def __init__(self, digits: int = DEFAULT_DIGITS, max_rows: int = 8, max_cols: int = 8) -> None:
        if digits < 1:
            raise ValueError("digits must be at least 1")
        self.digits = digits
        self.max_rows = max_rows
        self.max_cols = max_cols
        self._inline = 0  # inside a matrix cell: fractions and powers on one line, so columns stay short

    # -- entry points ------------------------------------------------------------------------------------
    def box(self, expr: Expr) -> Box:
        expr = as_expr(expr)
        method = getattr(self, "_print_" + type(expr).__name__)
        return method(expr)

    def text(self, expr: Expr) -> str:
        return str(self.box(expr))

    def number(self, x: Any) -> str:
        return format_number(x, self.digits)

    def value(self, value: Any) -> Box:
        """A step's value: a number, a vector (column), a matrix, or a mapping name → value."""
        if isinstance(value, dict):
            parts: list[Box] = []
            for k, (name, v) in enumerate(value.items()):
                if k:
                    parts.append(Box.of(",  "))
                parts.append(hcat(Box.of(f"{name}: "), self.value(v)))
            return hcat(*parts)
        return self._print_Num(Num(value))

    # -- helpers -----------------------------------------------------------------------------------------
    def prec(self, e: Expr) -> int:
        return precedence(e, stacked_fractions=not self._inline)

    def wrap(self, e: Expr, min_prec: int) -> Box:
        b = self.box(e)
        if self.prec(e) < min_prec:
            return bracket(b, "(", ")")
        return b

    def _stacked(self, e: Div) -> bool:
        return not self._inline

    # -- nodes -------------------------------------------------------------------------------------------
    def _print_Sym(self, e: Sym) -> Box:
        return Box.of(e.text)

    def _print_Text(self, e: Text) -> Box:
        return Box.of(e.text)

    def _print_Num(self, e: Num) -> Box:
        v = e.value
        if isinstance(v, (list, tuple)):
            v = np.asarray(v, dtype=float)
        if isinstance(v, np.ndarray):
            if v.ndim == 0:
                return Box.of(self.number(v.item()))
            return self._array(v)
        return Box.of(self.number(v))

    def _array(self, a: np.ndarray) -> Box:
        if a.ndim == 1:
            a = a.reshape(-1, 1)
        if a.ndim != 2:
            return Box.of(f"<array {'×'.join(map(str, a.shape))}>")
        rows, cols = a.shape
        row_idx = _elide(rows, self.max_rows)
        col_idx = _elide(cols, self.max_cols)
        cells = [[("⋮" if c is not None else "⋱") if r is None else ("⋯" if c is None else self.number(a[r, c]))
                  for c in col_idx] for r in row_idx]
        body = _grid_text(cells)
        b = bracket(body)
        if len(row_idx) < rows or len(col_idx) < cols:
            note = Box.of(f" ({rows}×{cols})")
            b = hcat(b, Box([""] * (b.height - 1) + note.lines, b.base))
        return b

    def _print_Matrix(self, e: Matrix) -> Box:
        self._inline += 1
        try:
            cells = [[self.box(c) for c in row] for row in e.rows]
        finally:
            self._inline -= 1
        ncols = max(len(r) for r in cells)
        widths = [max((r[j].width for r in cells if j < len(r)), default=0) for j in range(ncols)]
        row_boxes: list[Box] = []
        for r in cells:
            parts = []
            for j, c in enumerate(r):
                if j:
                    parts.append(Box.of("  "))
                node = e.rows[len(row_boxes)][j]
                parts.append(_rjust(c, widths[j]) if isinstance(node, Num) else _ljust(c, widths[j]))
            row_boxes.append(hcat(*parts))
        body = vcat(*row_boxes, base_of=len(row_boxes) // 2)
        body.base = body.height // 2 if len(row_boxes) > 1 else row_boxes[0].base
        return bracket(body)

    def _print_Add(self, e: Add) -> Box:
        parts: list[Box] = []
        for k, t in enumerate(e.terms):
            negative, magnitude = _split_sign(t)
            if k == 0:
                parts.append(hcat(Box.of("-"), self.wrap(magnitude, PREC_MUL)) if negative
                             else self.wrap(t, PREC_ADD))
            else:
                parts.append(Box.of(" - " if negative else " + "))
                parts.append(self.wrap(magnitude, PREC_ADD + 1))
        return hcat(*parts)

    def _print_Neg(self, e: Neg) -> Box:
        # -a·b needs no parentheses (the same number either way); -(a + b) and -(-0.4) do.
        if _is_neg_num(e.arg):
            return hcat(Box.of("-"), bracket(self.box(e.arg), "(", ")"))
        return hcat(Box.of("-"), self.wrap(e.arg, PREC_POW if isinstance(e.arg, Num) else PREC_MUL))

    def _print_Mul(self, e: Mul) -> Box:
        sep = {"·": "·", "": " ", "⊙": " ⊙ ", "×": " × "}.get(e.op, e.op)
        parts: list[Box] = []
        for k, f in enumerate(e.factors):
            if k:
                parts.append(Box.of(sep))
            b = self.wrap(f, PREC_MUL + 1 if k else PREC_MUL) if not _is_neg_num(f) or k == 0 \
                else bracket(self.box(f), "(", ")")
            if isinstance(f, Num) and b.height == 1 and "×" in b.lines[0] and len(e.factors) > 1:
                b = bracket(b, "(", ")")  # 0.999·(9×10⁻⁵), not 0.999·9×10⁻⁵
            parts.append(b)
        return hcat(*parts)

    def _print_Div(self, e: Div) -> Box:
        if not self._stacked(e):
            return hcat(self.wrap(e.num, PREC_MUL), Box.of(" / "), self.wrap(e.den, PREC_MUL + 1))
        num, den = self.box(e.num), self.box(e.den)
        w = max(num.width, den.width) + 2
        top = Box([center(s, w) for s in num.padded().lines], 0)
        bot = Box([center(s, w) for s in den.padded().lines], 0)
        bar = Box.of("─" * w)
        return vcat(top, bar, bot, base_of=1)

    def _print_Pow(self, e: Pow) -> Box:
        base = self.wrap(e.base, PREC_POW + 1)
        exp = self.box(e.exp)
        if exp.height == 1 and base.height == 1:
            # e^2, e^x_i, e^(x_i - m): one line reads better than a raised exponent in columns and sums
            tight = isinstance(e.exp, (Sym, Num)) and " " not in exp.lines[0] and not exp.lines[0].startswith("-")
            return hcat(base, Box.of("^"), exp if tight else bracket(exp, "(", ")"))
        # The exponent sits above and to the right of the base's top line.
        lines = [" " * base.width + s for s in exp.padded().lines] + [ljust(s, base.width) + " " * exp.width
                                                                      for s in base.padded().lines]
        return Box(lines, exp.height + base.base)

    def _print_Call(self, e: Call) -> Box:
        if e.fn in CALL_BRACKETS and len(e.args) == 1:
            return bracket(self.box(e.args[0]), *CALL_BRACKETS[e.fn])
        name = CALL_NAMES.get(e.fn, e.fn)
        args: list[Box] = []
        for k, a in enumerate(e.args):
            if k:
                args.append(Box.of(", "))
            args.append(self.box(a))
        inner = hcat(*args)
        if len(e.args) == 1 and isinstance(e.args[0], (Matrix, Num)) and inner.height > 1:
            return hcat(Box.of(name), inner)  # σ⎡..⎤ : the brackets are the parentheses
        return hcat(Box.of(name), bracket(inner, "(", ")"))

    def _print_Paren(self, e: Paren) -> Box:
        return bracket(self.box(e.arg), "(", ")")

    def _print_Rel(self, e: Rel) -> Box:
        return hcat(self.box(e.lhs), Box.of(f" {e.op} "), self.box(e.rhs))

    def _print_BigOp(self, e: BigOp) -> Box:
        # Σ with its limits stacked above and below, as on paper; lim with what tends to what below it.
        self._inline += 1
        try:
            lower = self.box(e.lower) if e.lower is not None else None
            upper = self.box(e.upper) if e.upper is not None else None
        finally:
            self._inline -= 1
        parts = [b for b in (upper, Box.of(e.op), lower) if b is not None]
        w = max(b.width for b in parts)
        column = Box([center(line, w) for b in parts for line in b.padded().lines],
                     upper.height if upper is not None else 0)
        return hcat(column, Box.of(" "), self.wrap(e.body, PREC_MUL))

    def _print_Cases(self, e: Cases) -> Box:
        rows = [(self.box(v), self.box(c)) for v, c in e.rows]
        w = max(v.width for v, _ in rows)
        lines = [hcat(_ljust(v, w), Box.of("   if "), c) for v, c in rows]
        body = vcat(*lines)
        h = body.height
        if h == 1:
            return hcat(Box.of("{ "), body)
        brace = ["⎧"] + ["⎪"] * (h - 2) + ["⎩"]
        brace[h // 2] = "⎨" if h > 2 else brace[h // 2]
        body.base = h // 2
        return hcat(Box(brace, h // 2), Box.of(" "), body)


def _elide(n: int, limit: int) -> list[int | None]:
    """Indices to show out of n: all of them, or the first few, None (an ellipsis), and the last two."""
    if n <= limit:
        return list(range(n))
    head = max(limit - 3, 1)
    return list(range(head)) + [None] + [n - 2, n - 1]


def _grid_text(grid: list[list[str]]) -> Box:
    ncols = len(grid[0]) if grid else 0
    widths = [max(cells(row[j]) for row in grid) for j in range(ncols)]
    lines = ["  ".join(rjust(row[j], widths[j]) for j in range(ncols)) for row in grid]
    return Box(lines, len(lines) // 2)


def _rjust(b: Box, w: int) -> Box:
    return Box([rjust(s, w) for s in b.lines], b.base)


def _ljust(b: Box, w: int) -> Box:
    return Box([ljust(s, w) for s in b.lines], b.base)


def _numeric(b: Box) -> bool:
    s = b.lines[0].strip()
    return bool(s) and (s[0].isdigit() or s[0] in "-.∞")


def _negative(v: Any) -> bool:
    try:
        return float(v) < 0
    except (TypeError, ValueError):
        return False


def _is_neg_num(e: Expr) -> bool:
    return isinstance(e, Neg) or (isinstance(e, Num) and np.ndim(e.value) == 0 and _negative(e.value))


def _split_sign(t: Expr) -> tuple[bool, Expr]:
    """(negative?, magnitude): lets a sum read `a - 0.3` and `a - 0.3·0.1` rather than `a + (-0.3)`."""
    if isinstance(t, Neg):
        return True, t.arg
    if isinstance(t, Num) and np.ndim(t.value) == 0 and _negative(t.value):
        return True, Num(-t.value)
    if isinstance(t, Mul) and t.factors and _is_neg_num(t.factors[0]) and t.op == "·":
        first = t.factors[0]
        mag = first.arg if isinstance(first, Neg) else Num(-first.value)  # type: ignore[attr-defined]
        return True, Mul((mag,) + t.factors[1:], t.op)
    return False, t


class LinearTextPrinter(TextPrinter):
    """Everything on one line (fractions with /, sums as Σ_{k=1}^{n}, matrices as [[a, b], [c, d]]): the
    `expr` strings of JSON output, which a program or a screen reader takes one line at a time."""

    def __init__(self, digits: int = DEFAULT_DIGITS) -> None:
        super().__init__(digits=digits)
        self._inline = 1

    def _print_Matrix(self, e: Matrix) -> Box:
        rows = ["[" + ", ".join(self.text(c) for c in row) + "]" for row in e.rows]
        return Box.of("[" + ", ".join(rows) + "]" if len(rows) > 1 else rows[0])

    def _print_BigOp(self, e: BigOp) -> Box:
        lower = "_{" + self.text(e.lower) .replace(" ", "") + "}" if e.lower is not None else ""
        upper = "^{" + self.text(e.upper) + "}" if e.upper is not None else ""
        return hcat(Box.of(f"{e.op}{lower}{upper} "), self.wrap(e.body, PREC_MUL))

    def _print_Mul(self, e: Mul) -> Box:
        if e.op == "" and not (isinstance(e.factors[0], Div) and isinstance(e.factors[0].num, Sym)
                               and e.factors[0].num.text in ("d", "∂")):
            e = Mul(e.factors, "·")  # on one line, juxtaposition is ambiguous: -a / b (c / d)
        return super()._print_Mul(e)

    def _print_Div(self, e: Div) -> Box:
        if isinstance(e.num, Sym) and isinstance(e.den, Sym):
            return Box.of(f"{e.num.text}/{e.den.text}")  # ∂ŷᵢ/∂zⱼ
        return super()._print_Div(e)

    def _print_Pow(self, e: Pow) -> Box:
        exp = self.text(e.exp)
        if isinstance(e.exp, Sym) and len([c for c in exp if not unicodedata.combining(c)
                                           and c not in "ᵢⱼₖₗₘₙₜ₀₁₂₃₄₅₆₇₈₉"]) > 1:
            return hcat(self.wrap(e.base, PREC_POW + 1), Box.of("^("), self.box(e.exp), Box.of(")"))  # e^(θᵀx)
        return super()._print_Pow(e)

    def _print_Cases(self, e: Cases) -> Box:
        return Box.of("{ " + "; ".join(f"{self.text(v)} if {self.text(c)}" for v, c in e.rows) + " }")
