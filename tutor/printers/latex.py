"""Expression trees → LaTeX strings (the `formula` field of the JSON contract, and the sheets later)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tutor.engine.expr import (Add, BigOp, Call, Cases, Div, Expr, Matrix, Mul, Neg, Num, Paren, Pow, Rel, Sym,
                               Text, as_expr)
from tutor.printers.numbers import DEFAULT_DIGITS, format_number
from tutor.printers.text import PREC_ADD, PREC_MUL, PREC_POW, _is_neg_num, _split_sign, precedence

FUNCTIONS = {
    "sigma": r"\sigma", "σ": r"\sigma", "sigmoid": r"\sigma", "tanh": r"\tanh", "exp": r"\exp", "ln": r"\ln",
    "log": r"\log", "max": r"\max", "min": r"\min", "relu": r"\operatorname{ReLU}", "ReLU": r"\operatorname{ReLU}",
    "softmax": r"\operatorname{softmax}", "step": r"H", "H": "H", "log₂": r"\log_2", "log₁₀": r"\log_{10}",
    "log2": r"\log_2", "log10": r"\log_{10}", "LeakyReLU": r"\operatorname{LeakyReLU}",
    "ReLU′": r"\operatorname{ReLU}'", "LeakyReLU′": r"\operatorname{LeakyReLU}'", "σ′": r"\sigma'",
    "tanh′": r"\tanh'", "f": "f", "g": "g",
}
BIG_OPERATORS = {"Σ": r"\sum", "Π": r"\prod", "lim": r"\lim"}
RELATIONS = {"≥": r"\geq", "≤": r"\leq", "≠": r"\neq", "→": r"\to", "←": r"\leftarrow", "≈": r"\approx",
             "‖": r"\,\|\,", "⇒": r"\Rightarrow"}


def key_tex(name: str) -> str:
    """A named entry's name in math: x, w_{0}, or an upright \\text{dL\\_dW1} for a longer name."""
    import re

    if re.fullmatch(r"[A-Za-z]", name):
        return name
    m = re.fullmatch(r"([A-Za-z])(\d+)", name)
    if m:
        return f"{m.group(1)}_{{{m.group(2)}}}"
    return r"\text{" + name.replace("_", r"\_") + "}"


class LatexPrinter:
    """Expression tree → LaTeX. `digits` rounds numbers; `None` prints them at full precision."""

    def __init__(self, digits: int | None = DEFAULT_DIGITS, max_rows: int = 8, max_cols: int = 8) -> None:
        self.digits = digits
        self.max_rows, self.max_cols = max_rows, max_cols

    def doprint(self, expr: Expr) -> str:
        expr = as_expr(expr)
        return getattr(self, "_print_" + type(expr).__name__)(expr)

    def number(self, x: Any) -> str:
        if self.digits is None:
            return repr(float(x)) if not float(x).is_integer() else str(int(x))
        return format_number(x, self.digits, latex=True)

    def value(self, value: Any) -> str:
        if isinstance(value, dict):
            return r",\ ".join(f"{key_tex(str(k))}: {self.value(v)}" for k, v in value.items())
        return self._print_Num(Num(value))

    def prec(self, e: Expr) -> int:
        return precedence(e)

    def wrap(self, e: Expr, min_prec: int) -> str:
        s = self.doprint(e)
        return rf"\left({s}\right)" if self.prec(e) < min_prec else s

    def _print_Sym(self, e: Sym) -> str:
        return e.tex

    def _print_Text(self, e: Text) -> str:
        return e.tex

    def _print_Num(self, e: Num) -> str:
        v = e.value
        if isinstance(v, (list, tuple)):
            v = np.asarray(v, dtype=float)
        if isinstance(v, np.ndarray) and v.ndim > 0:
            a = v.reshape(-1, 1) if v.ndim == 1 else v
            rows = [" & ".join(self.number(x) for x in row) for row in a]
            return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"
        if isinstance(v, np.ndarray):
            v = v.item()
        return self.number(v)

    def _print_Matrix(self, e: Matrix) -> str:
        rows = [" & ".join(self.doprint(c) for c in row) for row in e.rows]
        return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"

    def _print_Add(self, e: Add) -> str:
        out = ""
        for k, t in enumerate(e.terms):
            negative, magnitude = _split_sign(t)
            if k == 0:
                out = ("-" + self.wrap(magnitude, PREC_MUL)) if negative else self.wrap(t, PREC_ADD)
            else:
                out += (" - " if negative else " + ") + self.wrap(magnitude, PREC_ADD + 1)
        return out

    def _print_Neg(self, e: Neg) -> str:
        if _is_neg_num(e.arg):  # -(-0.417), never --0.417
            return rf"-\left({self.doprint(e.arg)}\right)"
        return "-" + self.wrap(e.arg, PREC_MUL + 1)

    def _print_Mul(self, e: Mul) -> str:
        sep = {"·": r" \cdot ", "": " ", "⊙": r" \odot ", "×": r" \times "}.get(e.op, e.op)
        parts = []
        for k, f in enumerate(e.factors):
            if k and _is_neg_num(f):
                parts.append(rf"\left({self.doprint(f)}\right)")
            else:
                parts.append(self.wrap(f, PREC_MUL + 1 if k else PREC_MUL))
        return sep.join(parts)

    def _print_Div(self, e: Div) -> str:
        return rf"\frac{{{self.doprint(e.num)}}}{{{self.doprint(e.den)}}}"

    def _print_Pow(self, e: Pow) -> str:
        return f"{{{self.wrap(e.base, PREC_POW + 1)}}}^{{{self.doprint(e.exp)}}}"

    def _print_Call(self, e: Call) -> str:
        if e.fn in ("√", "sqrt") and len(e.args) == 1:
            return rf"\sqrt{{{self.doprint(e.args[0])}}}"
        if e.fn == "abs" and len(e.args) == 1:
            return rf"\left|{self.doprint(e.args[0])}\right|"
        if e.fn in ("ceil", "floor") and len(e.args) == 1:
            return rf"\left\l{e.fn} {self.doprint(e.args[0])} \right\r{e.fn}"  # space: \lfloor x, not \lfloorx
        name = FUNCTIONS.get(e.fn, rf"\operatorname{{{e.fn}}}")
        args = ", ".join(self.doprint(a) for a in e.args)
        return rf"{name}\left({args}\right)"

    def _print_Paren(self, e: Paren) -> str:
        return rf"\left({self.doprint(e.arg)}\right)"

    def _print_Rel(self, e: Rel) -> str:
        return f"{self.doprint(e.lhs)} {RELATIONS.get(e.op, e.op)} {self.doprint(e.rhs)}"

    def _print_BigOp(self, e: BigOp) -> str:
        op = BIG_OPERATORS.get(e.op, rf"\operatorname*{{{e.op}}}")
        lower = f"_{{{self.doprint(e.lower)}}}" if e.lower is not None else ""
        upper = f"^{{{self.doprint(e.upper)}}}" if e.upper is not None else ""
        return f"{op}{lower}{upper} {self.wrap(e.body, PREC_MUL)}"

    def _print_Cases(self, e: Cases) -> str:
        rows = [rf"{self.doprint(v)} & \text{{if }} {self.doprint(c)}" for v, c in e.rows]
        return r"\begin{cases} " + r" \\ ".join(rows) + r" \end{cases}"
