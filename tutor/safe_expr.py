"""Arithmetic text → a small tree, through a whitelist over Python's `ast`. Nothing here ever evaluates text.

`eval`, `sympify` and `parse_expr` execute code even with a restricted namespace, so text from problem files and
from students (`(x+y)*z`, `1/(1+exp(-(w0*x0+w1*x1+w2)))`, `9/25`, `e^2/(e^2+e+1)`) is parsed by `ast.parse` and
then rebuilt node by node, refusing anything that is not a number, a known name, + - * / ** (^ is read as **),
unary minus or a call of a whitelisted function. Lengths, nesting depth and exponents are capped, so hostile input
(`9**9**9**9`, ten thousand parentheses, `__import__('os')`) gets a one-line error, never a hang or a run.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from tutor.errors import TutorError

MAX_LENGTH = 2000
MAX_DEPTH = 60
MAX_EXPONENT = 1000.0

CONSTANTS = {"e": math.e, "pi": math.pi, "π": math.pi}


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    ex = math.exp(x)
    return ex / (1.0 + ex)


def _log(x: float) -> float:
    if x <= 0:
        raise TutorError(f"log of {x:g}: the logarithm is defined only for positive numbers")
    return math.log(x)


def _sqrt(x: float) -> float:
    if x < 0:
        raise TutorError(f"sqrt of {x:g}: the square root of a negative number is not real")
    return math.sqrt(x)


def _dsqrt(x: float) -> float:
    if x <= 0:
        raise TutorError(f"the derivative of sqrt is infinite at {x:g} (it is 1/(2√x))")
    return 0.5 / math.sqrt(x)


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


@dataclass(frozen=True)
class Function:
    """A whitelisted function: its value and its local derivative(s), as micrograd keeps them together."""

    name: str
    arity: int
    f: Callable[..., float]
    # d/d(arg k) given the argument values (and the tie convention for max/min)
    df: Callable[..., tuple[float, ...]]
    latex: str
    rule: str  # the local derivative in words, shown in backward passes


def _max_df(a: float, b: float, tie: str = "split") -> tuple[float, float]:
    if a > b:
        return 1.0, 0.0
    if b > a:
        return 0.0, 1.0
    return {"split": (0.5, 0.5), "first": (1.0, 0.0), "second": (0.0, 1.0)}[tie]


def _min_df(a: float, b: float, tie: str = "split") -> tuple[float, float]:
    if a < b:
        return 1.0, 0.0
    if b < a:
        return 0.0, 1.0
    return {"split": (0.5, 0.5), "first": (1.0, 0.0), "second": (0.0, 1.0)}[tie]


FUNCTIONS: dict[str, Function] = {
    "exp": Function("exp", 1, _exp, lambda a, tie="split": (_exp(a),), r"\exp", "d/dx eˣ = eˣ"),
    "ln": Function("ln", 1, _log, lambda a, tie="split": (1.0 / a,), r"\ln", "d/dx ln x = 1/x"),
    "log": Function("log", 1, _log, lambda a, tie="split": (1.0 / a,), r"\log", "d/dx log x = 1/x (natural log)"),
    "sqrt": Function("sqrt", 1, _sqrt, lambda a, tie="split": (_dsqrt(a),), r"\sqrt",
                     "d/dx √x = 1/(2√x)"),
    "tanh": Function("tanh", 1, math.tanh, lambda a, tie="split": (1.0 - math.tanh(a) ** 2,), r"\tanh",
                     "d/dx tanh x = 1 - tanh²x"),
    "sigmoid": Function("sigmoid", 1, _sigmoid,
                        lambda a, tie="split": (_sigmoid(a) * (1.0 - _sigmoid(a)),), r"\sigma",
                        "d/dx σ(x) = σ(x)(1 - σ(x))"),
    "relu": Function("relu", 1, lambda a: a if a > 0 else 0.0, lambda a, tie="split": (1.0 if a > 0 else 0.0,),
                     r"\operatorname{ReLU}", "d/dx ReLU(x) = 1 if x > 0, else 0 (0 at x = 0, as PyTorch)"),
    "abs": Function("abs", 1, abs, lambda a, tie="split": (1.0 if a > 0 else (-1.0 if a < 0 else 0.0),),
                    r"\operatorname{abs}", "d/dx |x| = sign(x)"),
    "max": Function("max", 2, max, _max_df, r"\max",
                    "d max(a, b) routes the gradient to the larger input"),
    "min": Function("min", 2, min, _min_df, r"\min",
                    "d min(a, b) routes the gradient to the smaller input"),
}
ALIASES = {"σ": "sigmoid", "sigma": "sigmoid", "ReLU": "relu"}


# -- the tree -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Node:
    pass


@dataclass(frozen=True)
class Const(Node):
    value: float
    text: str  # as written: "3", "0.5", "e", "pi"


@dataclass(frozen=True)
class Var(Node):
    name: str


@dataclass(frozen=True)
class BinOp(Node):
    op: str  # + - * / **
    left: Node
    right: Node


@dataclass(frozen=True)
class Neg(Node):
    arg: Node


@dataclass(frozen=True)
class Apply(Node):
    fn: str  # a key of FUNCTIONS
    args: tuple[Node, ...]


_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


def parse(text: str, variables: Iterable[str] | None = None, *, what: str = "expression") -> Node:
    """Parse `text` into a tree. `variables`: the names allowed (None: none but the constants e and pi).

    Errors are TutorErrors naming the column (1-based, in the text as the user wrote it).
    """
    if not isinstance(text, str):
        raise TutorError(f"expected a {what} as text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise TutorError(f"the {what} is {len(text)} characters long; at most {MAX_LENGTH} are accepted")
    allowed = set(variables or ())
    # '^' is the power sign students and textbooks use; Python's ^ is XOR and binds looser than '/'.
    src = text.replace("^", "**")
    shifts = [i for i, ch in enumerate(text) if ch == "^"]

    def column(offset: int | None) -> int:
        """Column in the original text of a 0-based offset into `src`."""
        if offset is None:
            return 1
        col = offset
        for k, pos in enumerate(shifts):
            if pos + k < offset:  # each earlier '^' grew by one character
                col -= 1
        return col + 1

    if not src.strip():
        raise TutorError(f"empty {what}")
    import re

    trailing = re.search(r"(\*\*|[-+*/^(,])\s*$", text)
    if trailing:
        raise TutorError(f"column {trailing.start() + 1}: incomplete {what}: nothing after the final "
                         f"{trailing.group(1)!r} in {_short(text)}")
    product = re.search(r"(?<![\w.])(\d+(?:\.\d*)?)(?![eE][-+]?\d)(?![jJ](?!\w))([A-Za-z_(])", text)
    if product:
        num, nxt = product.group(1), product.group(2)
        raise TutorError(f"column {product.start(2) + 1}: write {num}*{nxt}... for a product (a number and a "
                         f"name or '(' side by side are not multiplied) in {_short(text)}")
    try:
        tree = ast.parse(src.strip(), mode="eval")
    except SyntaxError as exc:
        lead = len(src) - len(src.lstrip())
        col = column((exc.offset or 1) - 1 + lead)
        bad = text[col - 1] if 0 < col <= len(text) else ""
        msg = f"unexpected {bad!r}" if bad.strip() else "incomplete expression"
        if "too many nested" in (exc.msg or ""):
            raise TutorError(f"the {what} is nested too deeply") from None
        if "never closed" in (exc.msg or ""):
            msg = f"{bad!r} is never closed" if bad in "([" else "a bracket is never closed"
        elif "unmatched" in (exc.msg or ""):
            msg = f"unmatched {bad!r}"
        raise TutorError(f"column {col}: {msg} in {what} {_short(text)}") from None
    except (RecursionError, MemoryError, ValueError):
        raise TutorError(f"the {what} is nested too deeply") from None

    lead = len(src) - len(src.lstrip())

    def fail(node: ast.AST, message: str) -> TutorError:
        col = column(getattr(node, "col_offset", 0) + lead)
        return TutorError(f"column {col}: {message} in {what} {_short(text)}")

    def build(node: ast.AST, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise fail(node, "nested too deeply")
        if isinstance(node, ast.Expression):
            return build(node.body, depth + 1)
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise fail(node, f"{v!r} is not a number")
            if isinstance(v, int) and abs(v) > 10**300:
                raise fail(node, "number too large")
            seg = ast.get_source_segment(src.strip(), node) or repr(v)
            return Const(float(v), seg)
        if isinstance(node, ast.Name):
            if node.id in allowed:
                return Var(node.id)
            if node.id in CONSTANTS:
                return Const(CONSTANTS[node.id], node.id)
            names = sorted(allowed) + sorted(CONSTANTS)
            from tutor.errors import did_you_mean

            hint = did_you_mean(node.id, names + sorted(FUNCTIONS))
            known = ", ".join(sorted(allowed)) if allowed else "none"
            raise fail(node, f"unknown name {node.id!r}{hint}; variables here: {known}; constants: e, pi")
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return BinOp(_BINOPS[type(node.op)], build(node.left, depth + 1), build(node.right, depth + 1))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            arg = build(node.operand, depth + 1)
            return Neg(arg) if isinstance(node.op, ast.USub) else arg
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise fail(node, "only simple function calls such as exp(x) are allowed")
            name = ALIASES.get(node.func.id, node.func.id)
            if name not in FUNCTIONS:
                from tutor.errors import did_you_mean

                raise fail(node, f"unknown function {node.func.id!r}{did_you_mean(node.func.id, list(FUNCTIONS))}; "
                                 f"known: {', '.join(sorted(FUNCTIONS))}")
            if node.keywords:
                raise fail(node, f"{name}() takes no keyword arguments")
            fn = FUNCTIONS[name]
            if len(node.args) != fn.arity or any(isinstance(a, ast.Starred) for a in node.args):
                raise fail(node, f"{name}() takes {fn.arity} argument{'s' if fn.arity > 1 else ''}, "
                                 f"got {len(node.args)}")
            return Apply(name, tuple(build(a, depth + 1) for a in node.args))
        kind = type(node).__name__
        readable = {"Attribute": "attribute access ('.')", "Subscript": "indexing ('[ ]')", "Lambda": "lambda",
                    "Compare": "a comparison", "BoolOp": "and/or", "List": "a list", "Tuple": "a tuple",
                    "IfExp": "if/else", "Dict": "a mapping", "Set": "a set", "Starred": "'*' unpacking",
                    "NamedExpr": "':='", "Await": "await", "GeneratorExp": "a generator", "ListComp": "a list",
                    "BinOp": "this operator", "UnaryOp": "this operator", "JoinedStr": "a string"}.get(kind, kind)
        raise fail(node, f"{readable} is not allowed; use numbers, names, + - * / ^ and functions")

    return build(tree, 0)


def _short(text: str, limit: int = 60) -> str:
    """The user's text quoted for an error message, cut short if it is long."""
    return repr(text) if len(text) <= limit else repr(text[: limit - 3] + "...")


def variables_of(node: Node) -> list[str]:
    """Variable names in order of first appearance."""
    seen: list[str] = []

    def walk(n: Node) -> None:
        if isinstance(n, Var) and n.name not in seen:
            seen.append(n.name)
        elif isinstance(n, BinOp):
            walk(n.left)
            walk(n.right)
        elif isinstance(n, Neg):
            walk(n.arg)
        elif isinstance(n, Apply):
            for a in n.args:
                walk(a)

    walk(node)
    return seen


def binop(op: str, a: float, b: float) -> float:
    """One arithmetic operation with the caps applied; errors are TutorErrors."""
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if b == 0:
            raise TutorError("division by zero")
        return a / b
    if op == "**":
        if abs(b) > MAX_EXPONENT:
            raise TutorError(f"exponent {b:g} is too large (at most {MAX_EXPONENT:g})")
        if a == 0 and b < 0:
            raise TutorError("0 raised to a negative power")
        if a < 0 and not float(b).is_integer():
            raise TutorError(f"{a:g} ** {b:g} is not a real number")
        try:
            return a**b
        except OverflowError:
            return math.inf if a > 0 or float(b) % 2 == 0 else -math.inf
    raise TutorError(f"unknown operator {op}")


def evaluate(node: Node, env: Mapping[str, float] | None = None) -> float:
    """The value of the tree, with `env` giving the variables."""
    env = env or {}
    if isinstance(node, Const):
        return node.value
    if isinstance(node, Var):
        return float(env[node.name])
    if isinstance(node, Neg):
        return -evaluate(node.arg, env)
    if isinstance(node, BinOp):
        return binop(node.op, evaluate(node.left, env), evaluate(node.right, env))
    if isinstance(node, Apply):
        return FUNCTIONS[node.fn].f(*[evaluate(a, env) for a in node.args])
    raise TypeError(node)


def local_grads(node: Node, args: tuple[float, ...], tie: str = "split") -> tuple[float, ...]:
    """∂node/∂(each child), given the children's values: the local gradient of one gate."""
    if isinstance(node, Neg):
        return (-1.0,)
    if isinstance(node, BinOp):
        a, b = args
        if node.op == "+":
            return 1.0, 1.0
        if node.op == "-":
            return 1.0, -1.0
        if node.op == "*":
            return b, a
        if node.op == "/":
            return 1.0 / b, -a / (b * b)
        if node.op == "**":
            if a == 0 and b < 1 and b != 0:
                raise TutorError(f"the derivative of x^{b:g} is infinite at x = 0")
            da = b * binop("**", a, b - 1) if b != 0 else 0.0
            if a > 0:
                db = binop("**", a, b) * math.log(a)
            elif _is_constant(node.right):
                db = 0.0  # a constant exponent has no gradient to receive
            else:
                raise TutorError(f"the gradient of a^b with respect to the exponent b needs a > 0, got a = {a:g}")
            return da, db
    if isinstance(node, Apply):
        return FUNCTIONS[node.fn].df(*args, tie=tie)
    return ()


def gradient(node: Node, env: Mapping[str, float], tie: str = "split") -> tuple[float, dict[str, float]]:
    """(value, {variable: ∂value/∂variable}) by reverse-mode accumulation over the tree."""
    values: dict[int, float] = {}

    def forward(n: Node) -> float:
        if isinstance(n, (BinOp, Neg, Apply)):
            kids = _children(n)
            v = _apply(n, tuple(forward(k) for k in kids))
        else:
            v = evaluate(n, env)
        values[id(n)] = v
        return v

    out = forward(node)
    grads: dict[str, float] = {name: 0.0 for name in variables_of(node)}

    def backward(n: Node, upstream: float) -> None:
        if isinstance(n, Var):
            grads[n.name] += upstream
            return
        kids = _children(n)
        if not kids:
            return
        local = local_grads(n, tuple(values[id(k)] for k in kids), tie)
        for k, d in zip(kids, local):
            backward(k, upstream * d)

    backward(node, 1.0)
    return out, grads


def _is_constant(n: Node) -> bool:
    return not variables_of(n)


def _children(n: Node) -> tuple[Node, ...]:
    if isinstance(n, BinOp):
        return (n.left, n.right)
    if isinstance(n, Neg):
        return (n.arg,)
    if isinstance(n, Apply):
        return n.args
    return ()


def _apply(n: Node, args: tuple[float, ...]) -> float:
    if isinstance(n, Neg):
        return -args[0]
    if isinstance(n, BinOp):
        return binop(n.op, *args)
    if isinstance(n, Apply):
        return FUNCTIONS[n.fn].f(*args)
    raise TypeError(n)


def parse_number(text: str, *, what: str = "number") -> float:
    """A number as people write it: 0.5, -3, 1e-8, 9/25, 1/sqrt(2), e^2, pi/4. Finite or an error."""
    value = evaluate(parse(text, (), what=what))
    if not math.isfinite(value):
        raise TutorError(f"{text!r} is not a finite number")
    return value


def children(n: Node) -> tuple[Node, ...]:
    """The operands of a gate (public: the computational-graph solver walks the tree with it)."""
    return _children(n)


def apply(n: Node, args: tuple[float, ...]) -> float:
    """The value of one gate given its operands' values."""
    return _apply(n, args)
