"""A tiny expression tree for *showing* mathematics, never for computing it.

A step's formula (`i = σ(W_xi x + W_hi h_prev + b_i)`) and the same formula with the numbers put in are both
trees of these nodes; every printer (terminal text, LaTeX, MathML later) walks the same tree, dispatching on the
node's class the way sympy's printers do. Numbers are kept at full precision in `Num`; printers round them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable


class Expr:
    """Base class. Operators build trees so that solvers can write `W * x + b` when they like."""

    def __add__(self, other: "Expr") -> "Add":
        return Add((self, as_expr(other)))

    def __sub__(self, other: "Expr") -> "Add":
        return Add((self, Neg(as_expr(other))))

    def __mul__(self, other: "Expr") -> "Mul":
        return Mul((self, as_expr(other)))

    def __truediv__(self, other: "Expr") -> "Div":
        return Div(self, as_expr(other))

    def __neg__(self) -> "Neg":
        return Neg(self)

    def __pow__(self, other: "Expr") -> "Pow":
        return Pow(self, as_expr(other))


@dataclass(frozen=True, eq=False)
class Sym(Expr):
    """A named quantity: `text` for the terminal (W_xi, h_prev), `latex` for LaTeX (W_{xi}, h_{t-1})."""

    text: str
    latex: str | None = None

    @property
    def tex(self) -> str:
        return self.latex if self.latex is not None else self.text


@dataclass(frozen=True, eq=False)
class Num(Expr):
    """A number, vector (1-D, shown as a column) or matrix (2-D), at full precision."""

    value: Any


@dataclass(frozen=True, eq=False)
class Text(Expr):
    """Literal notation that has no node of its own (Σⱼ e^{x_j}, 'if z > 0')."""

    text: str
    latex: str | None = None

    @property
    def tex(self) -> str:
        return self.latex if self.latex is not None else r"\text{" + self.text + "}"


@dataclass(frozen=True, eq=False)
class Add(Expr):
    terms: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class Neg(Expr):
    arg: Expr


@dataclass(frozen=True, eq=False)
class Mul(Expr):
    """A product. `op` is how it is written: '·' (scalar), '' (juxtaposition, as in W x), '⊙' (Hadamard), '×'."""

    factors: tuple[Expr, ...]
    op: str = "·"


@dataclass(frozen=True, eq=False)
class Div(Expr):
    num: Expr
    den: Expr


@dataclass(frozen=True, eq=False)
class Pow(Expr):
    base: Expr
    exp: Expr


@dataclass(frozen=True, eq=False)
class Call(Expr):
    """A function applied to arguments: σ(z), tanh(z), exp(x), ln(x), max(a, b), softmax(z)."""

    fn: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class Matrix(Expr):
    """A grid of expressions: how an element-by-element calculation is written out by hand."""

    rows: tuple[tuple[Expr, ...], ...]

    @staticmethod
    def column(items: Iterable[Expr]) -> "Matrix":
        return Matrix(tuple((as_expr(e),) for e in items))


@dataclass(frozen=True, eq=False)
class Paren(Expr):
    """Explicit grouping, when the parentheses carry meaning for the student."""

    arg: Expr


@dataclass(frozen=True, eq=False)
class Rel(Expr):
    """A relation written between two sides: `z > 0`, `a ≥ b`, `x = y`."""

    lhs: Expr
    op: str
    rhs: Expr


def as_expr(x: Any) -> Expr:
    """Numbers become Num, strings become Sym; expressions pass through."""
    if isinstance(x, Expr):
        return x
    if isinstance(x, str):
        return Sym(x)
    return Num(x)


def add(*terms: Any) -> Add:
    return Add(tuple(as_expr(t) for t in terms))


def mul(*factors: Any, op: str = "·") -> Mul:
    return Mul(tuple(as_expr(f) for f in factors), op)


def call(fn: str, *args: Any) -> Call:
    return Call(fn, tuple(as_expr(a) for a in args))
