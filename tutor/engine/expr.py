"""A tiny expression tree for *showing* mathematics, never for computing it.

A step's formula (`i = σ(W_xi x + W_hi h_prev + b_i)`) and the same formula with the numbers put in are both
trees of these nodes; every printer (terminal text, LaTeX, MathML later) walks the same tree, dispatching on the
node's class the way sympy's printers do. Numbers are kept at full precision in `Num`; printers round them.
"""

from __future__ import annotations

from typing import Any, Iterable


class Expr:
    """Base class. Operators build trees so that solvers can write `W * x + b` when they like.

    Nodes are small immutable records. They are written as slotted classes rather than dataclasses because a
    dozen frozen dataclasses cost ~4 ms at import, and every run of the CLI imports this module.
    """

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        defaults = getattr(type(self), "_defaults", {})
        if len(args) > len(self._fields) or set(kwargs) - set(self._fields[len(args):]):
            raise TypeError(f"{type(self).__name__} takes the fields {', '.join(self._fields)}")
        for name, value in zip(self._fields, args):
            object.__setattr__(self, name, value)
        for name in self._fields[len(args):]:
            if name in kwargs:
                object.__setattr__(self, name, kwargs[name])
            elif name in defaults:
                object.__setattr__(self, name, defaults[name])
            else:
                raise TypeError(f"{type(self).__name__} needs {name}")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(repr(getattr(self, f)) for f in self._fields)})"

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


class Sym(Expr):
    """A named quantity: `text` for the terminal (W_xi, h_prev), `latex` for LaTeX (W_{xi}, h_{t-1})."""

    __slots__ = ('text', 'latex',)
    _fields = ('text', 'latex',)
    _defaults = {'latex': None}
    text: str
    latex: str | None

    @property
    def tex(self) -> str:
        return self.latex if self.latex is not None else self.text


class Num(Expr):
    """A number, vector (1-D, shown as a column) or matrix (2-D), at full precision."""

    __slots__ = ('value',)
    _fields = ('value',)
    value: Any


class Text(Expr):
    """Literal notation that has no node of its own (Σⱼ e^{x_j}, 'if z > 0')."""

    __slots__ = ('text', 'latex',)
    _fields = ('text', 'latex',)
    _defaults = {'latex': None}
    text: str
    latex: str | None

    @property
    def tex(self) -> str:
        if self.latex is not None:
            return self.latex
        return r"\text{" + "".join("\\" + c if c in "_#%&$" else c for c in self.text) + "}"  # TeX's specials


class Add(Expr):
    __slots__ = ('terms',)
    _fields = ('terms',)
    terms: tuple[Expr, ...]


class Neg(Expr):
    __slots__ = ('arg',)
    _fields = ('arg',)
    arg: Expr


class Mul(Expr):
    """A product. `op` is how it is written: '·' (scalar), '' (juxtaposition, as in W x), '⊙' (Hadamard), '×'."""

    __slots__ = ('factors', 'op',)
    _fields = ('factors', 'op',)
    _defaults = {'op': "·"}
    factors: tuple[Expr, ...]
    op: str


class Div(Expr):
    __slots__ = ('num', 'den',)
    _fields = ('num', 'den',)
    num: Expr
    den: Expr


class Pow(Expr):
    __slots__ = ('base', 'exp',)
    _fields = ('base', 'exp',)
    base: Expr
    exp: Expr


class Call(Expr):
    """A function applied to arguments: σ(z), tanh(z), exp(x), ln(x), max(a, b), softmax(z)."""

    __slots__ = ('fn', 'args',)
    _fields = ('fn', 'args',)
    fn: str
    args: tuple[Expr, ...]


class Matrix(Expr):
    """A grid of expressions: how an element-by-element calculation is written out by hand."""

    __slots__ = ('rows',)
    _fields = ('rows',)
    rows: tuple[tuple[Expr, ...], ...]

    @staticmethod
    def column(items: Iterable[Expr]) -> "Matrix":
        return Matrix(tuple((as_expr(e),) for e in items))


class Paren(Expr):
    """Explicit grouping, when the parentheses carry meaning for the student."""

    __slots__ = ('arg',)
    _fields = ('arg',)
    arg: Expr


class Rel(Expr):
    """A relation written between two sides: `z > 0`, `a ≥ b`, `x = y`."""

    __slots__ = ('lhs', 'op', 'rhs',)
    _fields = ('lhs', 'op', 'rhs',)
    lhs: Expr
    op: str
    rhs: Expr


class BigOp(Expr):
    """A big operator over a body: Σ with its index range, Π, or lim with what tends to what (derivations)."""

    __slots__ = ('op', 'lower', 'upper', 'body',)
    _fields = ('op', 'lower', 'upper', 'body',)
    _defaults = {'upper': None}
    op: str  # "Σ", "Π" or "lim"
    lower: Expr | None
    upper: Expr | None
    body: Expr


class Cases(Expr):
    """A definition by cases: rows of (value, condition), as `ReLU(x) = x if x > 0, 0 if x < 0` is written."""

    __slots__ = ('rows',)
    _fields = ('rows',)
    rows: tuple[tuple[Expr, Expr], ...]


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
