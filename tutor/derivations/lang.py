"""The notation derivations are written in: text → a small tree, through a whitelist over Python's `ast`.

A derivation line such as `(pd(exp(z[i]), z[j])*S - exp(z[i])*pd(S, z[j])) / S^2` is parsed by `ast.parse` and
rebuilt node by node; anything that is not a number, a name, an indexed name (`z[i]`), + - * / ^, unary minus,
a comparison, a matrix (`[[a, b], [c, d]]`) or a call of a known function is refused with the column it starts
at. Nothing is ever evaluated: `display.py` turns the tree into the printers' expressions and `check.py` into
sympy objects, each by walking it. Lengths, nesting and exponents are capped, so a hostile file gets one line
of error, never a hang.

The functions (`FUNCTIONS`) are the notation of the notes: exp, log, σ (`sigma`), tanh, ReLU, derivatives
(`d(f, x)`, `pd(f, x)`, `pd(f, x, y)`), sums (`Sum(body, k, 1, n)`), `cases((x, x > 0), (0, x < 0))`, one-sided
limits, expectation and variance, the Hessian, the determinant and the Kronecker delta.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any, Iterable

from tutor.errors import TutorError, did_you_mean

MAX_LENGTH = 2000
MAX_DEPTH = 60
MAX_NUMBER = 10**6
MAX_EXPONENT = 64

# name → (least, most) arguments; None: any number
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "exp": (1, 1), "log": (1, 1), "log2": (1, 1), "sqrt": (1, 1), "abs": (1, 1),
    "sigma": (1, 1), "tanh": (1, 1), "relu": (1, 1), "leaky_relu": (2, 2), "max": (2, 2), "min": (2, 2),
    "d": (2, 2), "pd": (2, 3), "Sum": (4, 4), "Prod": (4, 4), "cases": (1, None),
    "limit_right": (3, 3), "limit_left": (3, 3), "E": (1, 1), "Var": (1, 1),
    "hessian": (2, 2), "det": (1, 1), "eye": (1, 1), "delta": (2, 2),
}
WORDS = {"otherwise"}  # the last condition of `cases`
COMPARISONS = {ast.Lt: "<", ast.Gt: ">", ast.LtE: "≤", ast.GtE: "≥", ast.Eq: "=", ast.NotEq: "≠"}
BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


@dataclass(frozen=True)
class Node:
    """One node: `kind` is num, name, index, op, neg, call, cmp, matrix or tuple. Hashable, so a line's
    substitution (`using`) can find the very subexpression it replaces."""

    kind: str
    value: Any = None  # the number's text, the name, the operator, the function
    args: tuple["Node", ...] = ()

    def __str__(self) -> str:
        return unparse(self)


def parse(text: Any, *, what: str = "expression", functions: Iterable[str] = ()) -> Node:
    """Parse `text`; errors say the column (1-based) and quote the text. `functions`: names the file declares."""
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise TutorError(f"expected {what} as text, got {type(text).__name__}")
    text = str(text)
    if len(text) > MAX_LENGTH:
        raise TutorError(f"{what} is {len(text)} characters long; at most {MAX_LENGTH} are accepted")
    if not text.strip():
        raise TutorError(f"{what} is empty")
    known = dict(FUNCTIONS)
    for f in functions:
        known.setdefault(f, (0, None))
    src = text.replace("^", "**")  # the power sign of the notes; Python's ^ is XOR
    shifts = [i for i, ch in enumerate(text) if ch == "^"]
    lead = len(src) - len(src.lstrip())

    def column(offset: int) -> int:
        offset += lead
        return offset + 1 - sum(1 for k, pos in enumerate(shifts) if pos + k < offset)

    def fail(node: ast.AST | None, message: str) -> TutorError:
        col = column(getattr(node, "col_offset", 0)) if node is not None else 1
        return TutorError(f"column {col}: {message} in {what} {_short(text)}")

    m = re.search(r"(?<![\w.])(\d+(?:\.\d*)?)(?![eE][-+]?\d)([A-Za-z_(])", text)
    if m:
        raise TutorError(f"column {m.start(2) + 1}: write {m.group(1)}*{m.group(2)}... for a product in {what} "
                         f"{_short(text)}")
    try:
        tree = ast.parse(src.strip(), mode="eval")
    except SyntaxError as exc:
        col = column((exc.offset or 1) - 1)
        bad = text[col - 1] if 0 < col <= len(text) else ""
        msg = f"unexpected {bad!r}" if bad.strip() else "incomplete expression"
        if "never closed" in (exc.msg or ""):
            msg = f"{bad!r} is never closed" if bad in "([" else "a bracket is never closed"
        raise TutorError(f"column {col}: {msg} in {what} {_short(text)}") from None
    except (RecursionError, MemoryError, ValueError):
        raise TutorError(f"{what} is nested too deeply") from None

    def build(node: ast.AST, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise fail(node, "nested too deeply")
        if isinstance(node, ast.Expression):
            return build(node.body, depth + 1)
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise fail(node, f"{v!r} is not a number")
            if abs(v) > MAX_NUMBER:
                raise fail(node, f"{v!r} is too large (at most {MAX_NUMBER:g})")
            return Node("num", ast.get_source_segment(src.strip(), node) or repr(v))
        if isinstance(node, ast.Name):
            if node.id.startswith("_"):
                raise fail(node, f"name {node.id!r}: names may not start with '_'")
            if node.id in known:
                raise fail(node, f"{node.id!r} is a function; write {node.id}(...)")
            return Node("name", node.id)
        if isinstance(node, ast.Subscript):
            if not isinstance(node.value, ast.Name) or node.value.id in known:
                raise fail(node, "only a name can be indexed, as in z[i] or x[i, k]")
            items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            return Node("index", node.value.id, tuple(build(i, depth + 1) for i in items))
        if isinstance(node, ast.BinOp):
            if type(node.op) not in BINOPS:
                raise fail(node, "this operator is not allowed; use + - * / ^")
            left, right = build(node.left, depth + 1), build(node.right, depth + 1)
            op = BINOPS[type(node.op)]
            if op == "**" and right.kind == "num" and abs(float(right.value)) > MAX_EXPONENT:
                raise fail(node.right, f"exponent {right.value} is too large (at most {MAX_EXPONENT})")
            return Node("op", op, (left, right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            arg = build(node.operand, depth + 1)
            return Node("neg", None, (arg,)) if isinstance(node.op, ast.USub) else arg
        if isinstance(node, ast.Compare):
            if len(node.ops) != 1 or type(node.ops[0]) not in COMPARISONS:
                raise fail(node, "write one comparison at a time: <, >, <=, >=, == or !=")
            return Node("cmp", COMPARISONS[type(node.ops[0])],
                        (build(node.left, depth + 1), build(node.comparators[0], depth + 1)))
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise fail(node, "only simple function calls such as exp(x) are allowed")
            name = node.func.id
            if name not in known:
                raise fail(node, f"unknown function {name!r}{did_you_mean(name, list(known))}; "
                                 f"known: {', '.join(sorted(known))}")
            if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
                raise fail(node, f"{name}() takes plain arguments only")
            least, most = known[name]
            n = len(node.args)
            if n < least or (most is not None and n > most):
                want = str(least) if least == most else f"{least} to {most}" if most else f"at least {least}"
                raise fail(node, f"{name}() takes {want} argument{'s' if most != 1 else ''}, got {n}")
            return Node("call", name, tuple(build(a, depth + 1) for a in node.args))
        if isinstance(node, ast.List):
            rows = [build(e, depth + 1) for e in node.elts]
            if not rows:
                raise fail(node, "an empty matrix")
            if all(r.kind == "matrix" for r in rows):
                if len({len(r.args) for r in rows}) != 1:
                    raise fail(node, "the rows of a matrix must have the same length")
                if any(c.kind == "matrix" for r in rows for c in r.args):
                    raise fail(node, "a matrix has two levels of brackets, no more")
            return Node("matrix", None, tuple(rows))
        if isinstance(node, ast.Tuple):
            return Node("tuple", None, tuple(build(e, depth + 1) for e in node.elts))
        kind = type(node).__name__
        readable = {"Attribute": "attribute access ('.')", "Lambda": "lambda", "BoolOp": "and/or",
                    "IfExp": "if/else", "Dict": "a mapping", "Set": "a set", "JoinedStr": "a string",
                    "ListComp": "a comprehension", "GeneratorExp": "a generator", "NamedExpr": "':='",
                    "BinOp": "this operator", "UnaryOp": "this operator"}.get(kind, kind)
        raise fail(node, f"{readable} is not allowed")

    return build(tree, 0)


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def unparse(n: Node) -> str:
    """The tree as text in the same notation (for messages and the JSON `source` field)."""
    if n.kind in ("num", "name"):
        return str(n.value)
    if n.kind == "index":
        return f"{n.value}[{', '.join(unparse(a) for a in n.args)}]"
    if n.kind == "neg":
        return f"-({unparse(n.args[0])})" if n.args[0].kind == "op" else f"-{unparse(n.args[0])}"
    if n.kind == "op":
        a, b = n.args
        sa = unparse(a) if a.kind not in ("op", "neg") or _tight(a, n.value) else f"({unparse(a)})"
        sb = unparse(b) if b.kind not in ("op", "neg") or _tight(b, n.value, right=True) else f"({unparse(b)})"
        op = "^" if n.value == "**" else n.value
        return f"{sa} {op} {sb}" if op in "+-" else f"{sa}{op}{sb}"
    if n.kind == "cmp":
        op = {"=": "==", "≠": "!=", "≤": "<=", "≥": ">="}.get(n.value, n.value)
        return f"{unparse(n.args[0])} {op} {unparse(n.args[1])}"
    if n.kind == "call":
        return f"{n.value}({', '.join(unparse(a) for a in n.args)})"
    if n.kind == "matrix":
        return "[" + ", ".join(unparse(a) for a in n.args) + "]"
    if n.kind == "tuple":
        return "(" + ", ".join(unparse(a) for a in n.args) + ")"
    raise ValueError(n.kind)


_LEVEL = {"+": 1, "-": 1, "*": 2, "/": 2, "**": 3}


def _tight(child: Node, op: str, right: bool = False) -> bool:
    if child.kind == "neg":
        return _LEVEL[op] == 1 and not right
    level, parent = _LEVEL[child.value], _LEVEL[op]
    if op == "**":
        return False
    return level > parent or (level == parent and not right and op not in ("**",))


def walk(n: Node) -> Iterable[Node]:
    yield n
    for a in n.args:
        yield from walk(a)


def names(n: Node) -> set[str]:
    return {m.value for m in walk(n) if m.kind in ("name", "index")}


def replace(n: Node, mapping: dict[Node, Node]) -> Node:
    """`n` with every occurrence of a key replaced by its value (whole subtrees, by equality)."""
    if n in mapping:
        return mapping[n]
    if not n.args:
        return n
    return Node(n.kind, n.value, tuple(replace(a, mapping) for a in n.args))
