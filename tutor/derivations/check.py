"""Machine-checking a derivation: each line is compared with the line before it, by sympy.

A derivation tree (`lang.Node`) is turned into a sympy object by walking it (never by `sympify`): names become
real symbols (positive where the file or a case says so), `z[i]` becomes the symbol `z[2]` once the indices have
values, `Sum(e, k, 1, n)` becomes the sum written out once n has one, definitions (`S`, `yhat[a]`, `KL(u, v)`)
are expanded, and `d`/`pd` differentiate. Indices and sizes are given values in turn ("instances": n = 2, 3 and
every i, j a case allows), so a Jacobian's i = j case is checked for every such i, j, exactly.

Two lines are equal when sympy simplifies their difference to 0. When it cannot decide, the two lines are
evaluated at random points (with 30 significant digits): equal everywhere counts as checked *numerically* and is
labelled so; a difference anywhere makes the line false, with the point that shows it. A line that can be
neither proved nor evaluated is *unverified*, and is never shown as checked.
"""

from __future__ import annotations

import functools
import itertools
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator

from tutor.derivations.lang import Node
from tutor.errors import TutorError

if TYPE_CHECKING:
    from tutor.derivations.model import Derivation, Part

PROVED, NUMERIC, FALSE, UNVERIFIED = "sympy", "numeric", "false", "unverified"
SAMPLES = 24  # points that must agree for "equal at random points"
DIGITS = 50  # significant digits each side is evaluated to
TOLERANCE = 1e-35  # relative: far above the evaluation's error, far below any slip a student makes
MAX_EXPONENT = 1000  # a number to a power beyond this (10^10^10) would take sympy forever
MAX_TERMS = 60  # a sum written out may have at most this many terms


@dataclass
class Verdict:
    """The outcome of one comparison: `status` is sympy, numeric, false or unverified; `detail` says why."""

    status: str
    detail: str = ""
    instances: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return self.status in (PROVED, NUMERIC)


class CannotCheck(Exception):
    """The line cannot be turned into mathematics sympy can compare (a sum without numeric bounds, ...)."""


# -- tree → sympy --------------------------------------------------------------------------------------------
class Converter:
    """One instance's view: `env` gives the indices and sizes their values; `using` replaces subtrees first
    (a line's substitution, `f(t-1) → a f(t-2) + b`); `signs` makes names positive or negative (a case)."""

    def __init__(self, d: "Derivation", env: dict[str, int], signs: dict[str, str],
                 using: dict[Node, Node] | None = None) -> None:
        import sympy

        self.sp = sympy
        self.d = d
        self.env = dict(env)
        self.signs = signs
        self.using = using or {}
        self.depth = 0

    def symbol(self, name: str) -> Any:
        base = name.split("[", 1)[0]
        sign = self.signs.get(name) or self.signs.get(base) or self.d.assumption(base)
        kwargs = {"positive": True} if sign == "positive" else {"negative": True} if sign == "negative" \
            else {"real": True}
        return self.sp.Symbol(name, **kwargs)

    def __call__(self, n: Node) -> Any:
        if n in self.using:
            inner = Converter(self.d, self.env, self.signs)
            return inner(self.using[n])
        self.depth += 1
        try:
            if self.depth > 200:
                raise CannotCheck("definitions refer to each other without end")
            return getattr(self, "_" + n.kind)(n)
        finally:
            self.depth -= 1

    def integer(self, n: Node, what: str) -> int:
        v = self(n)
        if not (getattr(v, "is_Integer", False)):
            raise CannotCheck(f"{what} {n} has no numeric value here; give it a size or an index range")
        return int(v)

    def _num(self, n: Node) -> Any:
        return self.sp.Rational(str(n.value))

    def _name(self, n: Node) -> Any:
        name = n.value
        if name in self.env:
            return self.sp.Integer(self.env[name])
        body = self.d.definition(name)
        if body is not None:
            return self(body)
        if name in self.d.random:
            raise CannotCheck(f"the random variable {name} can only appear inside E(...) or Var(...)")
        return self.symbol(name)

    def _index(self, n: Node) -> Any:
        idx = [self.integer(a, "the index") for a in n.args]
        body = self.d.indexed_definition(n.value, n.args)
        if body is not None:
            return self(body)
        return self.symbol(f"{n.value}[{','.join(map(str, idx))}]")

    def _neg(self, n: Node) -> Any:
        return -self(n.args[0])

    def _op(self, n: Node) -> Any:
        a, b = (self(x) for x in n.args)
        if n.value == "+":
            return a + b
        if n.value == "-":
            return a - b
        if n.value == "*":
            return a * b
        if n.value == "/":
            return a / b
        if getattr(b, "is_number", False) and b.is_real and abs(b) > MAX_EXPONENT:
            raise CannotCheck(f"the exponent in {n} is {b}: too large to work out (at most {MAX_EXPONENT})")
        return a ** b

    def _cmp(self, n: Node) -> Any:
        a, b = (self(x) for x in n.args)
        sp = self.sp
        return {"<": sp.Lt, ">": sp.Gt, "≤": sp.Le, "≥": sp.Ge, "=": sp.Eq, "≠": sp.Ne}[n.value](a, b)

    def _matrix(self, n: Node) -> Any:
        if all(r.kind == "matrix" for r in n.args):
            return self.sp.Matrix([[self(c) for c in r.args] for r in n.args])
        return self.sp.Matrix([[self(c) for c in n.args]])

    def _tuple(self, n: Node) -> Any:
        raise CannotCheck("a tuple only makes sense as a row of cases((value, condition), ...)")

    def _call(self, n: Node) -> Any:
        fn = n.value
        method = getattr(self, "_fn_" + fn, None)
        if method is not None:
            return method(*n.args)
        body = self._apply_definition(fn, n.args)
        if body is not None:
            return self(body)
        return self.sp.Function(fn, real=True)(*[self(a) for a in n.args])

    def _apply_definition(self, fn: str, args: tuple[Node, ...]) -> Node | None:
        """The body of a defined function with its parameters replaced by the arguments. A parameter used as an
        indexed name (`u[k]` in "KL(u, v)": Sum(u[k]*log(u[k]/v[k]), k, 1, n)) takes the argument's name as its
        base, so KL(p, q) reads p[k] and q[k]."""
        entry = self.d.defines.get(fn)
        if entry is None or entry[0].kind != "call" or len(entry[0].args) != len(args):
            return None
        params = {p.value: a for p, a in zip(entry[0].args, args)}

        def sub(m: Node) -> Node:
            if m.kind == "name" and m.value in params:
                return params[m.value]
            if m.kind == "index" and m.value in params:
                arg = params[m.value]
                if arg.kind != "name":
                    raise CannotCheck(f"{fn}(...) indexes its parameter {m.value}, so it needs a name there, "
                                      f"not {arg}")
                return Node("index", arg.value, tuple(sub(a) for a in m.args))
            if not m.args:
                return m
            return Node(m.kind, m.value, tuple(sub(a) for a in m.args))

        return sub(entry[1])

    def _fn_exp(self, u: Node) -> Any:
        return self.sp.exp(self(u))

    def _fn_log(self, u: Node) -> Any:
        return self.sp.log(self(u))

    def _fn_log2(self, u: Node) -> Any:
        return self.sp.log(self(u), 2)

    def _fn_sqrt(self, u: Node) -> Any:
        return self.sp.sqrt(self(u))

    def _fn_abs(self, u: Node) -> Any:
        return self.sp.Abs(self(u))

    def _fn_sigma(self, u: Node) -> Any:
        return 1 / (1 + self.sp.exp(-self(u)))

    def _fn_tanh(self, u: Node) -> Any:
        return self.sp.tanh(self(u))

    def _fn_relu(self, u: Node) -> Any:
        return self.sp.Max(0, self(u))

    def _fn_leaky_relu(self, u: Node, alpha: Node) -> Any:
        x = self(u)
        return self.sp.Piecewise((x, x > 0), (self(alpha) * x, True))

    def _fn_max(self, a: Node, b: Node) -> Any:
        return self.sp.Max(self(a), self(b))

    def _fn_min(self, a: Node, b: Node) -> Any:
        return self.sp.Min(self(a), self(b))

    def _variable(self, x: Node) -> Any:
        v = self(x)
        if not (v.is_Symbol or isinstance(v, self.sp.core.function.AppliedUndef)):
            raise CannotCheck(f"cannot differentiate with respect to {x}: it is not a variable")
        return v

    def _fn_d(self, f: Node, x: Node) -> Any:
        return self.sp.diff(self(f), self._variable(x))

    def _fn_pd(self, f: Node, *xs: Node) -> Any:
        return self.sp.diff(self(f), *[self._variable(x) for x in xs])

    def _range(self, k: Node, lo: Node, hi: Node) -> Iterator[int]:
        if k.kind != "name":
            raise CannotCheck(f"the index of a sum must be a name, not {k}")
        a, b = self.integer(lo, "the lower bound"), self.integer(hi, "the upper bound")
        if b - a + 1 > MAX_TERMS:
            raise CannotCheck(f"a sum of {b - a + 1} terms is too long to write out")
        for v in range(a, b + 1):
            yield v

    def _each(self, body: Node, k: Node, lo: Node, hi: Node) -> list[Any]:
        out = []
        saved = self.env.get(k.value)
        for v in self._range(k, lo, hi):
            self.env[k.value] = v
            out.append(self(body))
        if saved is None:
            self.env.pop(k.value, None)
        else:
            self.env[k.value] = saved
        return out

    def _fn_Sum(self, body: Node, k: Node, lo: Node, hi: Node) -> Any:
        return self.sp.Add(*self._each(body, k, lo, hi))

    def _fn_Prod(self, body: Node, k: Node, lo: Node, hi: Node) -> Any:
        return self.sp.Mul(*self._each(body, k, lo, hi))

    def _fn_cases(self, *rows: Node) -> Any:
        pieces = []
        for r in rows:
            if r.kind == "tuple" and len(r.args) == 2:
                cond = r.args[1]
                pieces.append((self(r.args[0]), True if cond == Node("name", "otherwise") else self(cond)))
            else:
                pieces.append((self(r), True))
        return self.sp.Piecewise(*pieces)

    def _limit(self, e: Node, h: Node, a: Node, side: str) -> Any:
        # h → a± as a ± t with t > 0: sympy's one-sided limit ignores the side inside a Piecewise (leaky ReLU's
        # (LeakyReLU(h) − 0)/h gives α from the right too); with t positive the right piece is chosen first.
        t = self.sp.Dummy("t", positive=True)
        at = self(a)
        return self.sp.limit(self(e).subs(self._variable(h), at + t if side == "+" else at - t), t, 0, "+")

    def _fn_limit_right(self, e: Node, h: Node, a: Node) -> Any:
        return self._limit(e, h, a, "+")

    def _fn_limit_left(self, e: Node, h: Node, a: Node) -> Any:
        return self._limit(e, h, a, "-")

    def _random(self, arg: Node) -> tuple[Any, list[Any], list[Any]]:
        """The random variable in `arg`: its values' symbols and its probabilities (which sum to 1)."""
        found = [r for r in self.d.random if r in _names(arg)]
        if len(found) != 1:
            raise CannotCheck(f"E(...) needs exactly one declared random variable inside, in {arg}")
        name = found[0]
        spec = self.d.random[name]
        size = self.env.get(spec["size"])
        if size is None:
            raise CannotCheck(f"the random variable {name} needs a size ({spec['size']})")
        values = [Node("index", spec["values"], (Node("num", str(k)),)) for k in range(1, size + 1)]
        probs = [self.symbol(f"{spec['probs']}[{k}]") for k in range(1, size)]
        probs.append(1 - self.sp.Add(*probs))
        return Node("name", name), values, probs

    def _constant(self, arg: Node) -> bool:
        """`arg` holds no declared random variable, not even through a definition, outside an E(...) or
        Var(...): E(μ²) with μ = E(X) is a constant's expectation."""
        seen: set[str] = set()
        todo = [arg]
        while todo:
            m = todo.pop()
            if m.kind == "call" and m.value in ("E", "Var"):
                continue
            if m.kind in ("name", "index") and m.value in self.d.random:
                return False
            if m.kind in ("name", "index", "call") and m.value in self.d.defines and m.value not in seen:
                seen.add(m.value)
                todo.append(self.d.defines[m.value][1])
            todo.extend(m.args)
        return True

    def _fn_E(self, arg: Node) -> Any:
        if self.d.random and self._constant(arg):
            return self(arg)  # E(c) = c: the probabilities sum to 1
        var, values, probs = self._random(arg)
        return self.sp.Add(*[p * self(_bind(arg, var, v)) for v, p in zip(values, probs)])

    def _fn_Var(self, arg: Node) -> Any:
        if self.d.random and self._constant(arg):
            return self.sp.Integer(0)  # a constant does not vary
        var, values, probs = self._random(arg)
        xs = [self(_bind(arg, var, v)) for v in values]
        mean = self.sp.Add(*[p * x for x, p in zip(xs, probs)])
        return self.sp.Add(*[p * (x - mean) ** 2 for x, p in zip(xs, probs)])

    def _fn_hessian(self, f: Node, xs: Node) -> Any:
        if xs.kind != "matrix":
            raise CannotCheck("hessian(f, [x, y]) takes the list of variables second")
        return self.sp.hessian(self(f), [self._variable(x) for x in xs.args])

    def _fn_det(self, m: Node) -> Any:
        v = self(m)
        if not hasattr(v, "det"):
            raise CannotCheck(f"det of {m}, which is not a matrix")
        return v.det()

    def _fn_eye(self, k: Node) -> Any:
        return self.sp.eye(self.integer(k, "the size"))

    def _fn_delta(self, i: Node, j: Node) -> Any:
        return self.sp.KroneckerDelta(self(i), self(j))


def _bind(arg: Node, var: Node, value: Node) -> Node:
    """`arg` with the random variable `var` replaced by one of its values, except inside a nested E(...) or
    Var(...): in E(X·E(X)) the inner E(X) is a number, the same for every value of X."""
    if arg == var:
        return value
    if not arg.args or (arg.kind == "call" and arg.value in ("E", "Var")):
        return arg
    return Node(arg.kind, arg.value, tuple(_bind(a, var, value) for a in arg.args))


def _filters(d: "Derivation", part: "Part", env: dict[str, int]) -> list[Callable[[dict[Any, float]], bool]]:
    """A part's other conditions (a ≠ 1) as tests on a numeric point."""
    out: list[Callable[[dict[Any, float]], bool]] = []
    for c in part.conditions:
        try:
            rel = Converter(d, env, part.signs)(c)
        except (CannotCheck, TutorError, TypeError, ValueError):
            continue
        out.append(functools.partial(_holds_at, rel))
    return out


def _holds_at(rel: Any, point: dict[Any, float]) -> bool:
    try:
        return bool(rel.subs(point))
    except TypeError:
        return True


def _names(n: Node) -> set[str]:
    from tutor.derivations.lang import names

    return names(n)


# -- comparing two sympy objects ------------------------------------------------------------------------------
def _is_zero(sp: Any, d: Any) -> bool | None:
    """True when sympy shows `d` is 0, False when it shows it is not, None when it cannot tell."""
    attempts: list[Callable[[Any], Any]] = [
        lambda x: x, sp.expand, lambda x: sp.cancel(sp.together(x)), sp.simplify,
        lambda x: sp.simplify(x.rewrite(sp.exp)), lambda x: sp.simplify(sp.piecewise_fold(x)),
    ]
    for attempt in attempts:
        try:
            r = attempt(d)
        except Exception:  # sympy raises many kinds on hard input; another attempt may still succeed
            continue
        if r == 0:
            return True
        if getattr(r, "is_number", False) and r.is_zero is False:
            return False
        if _nonzero_polynomial(sp, r):
            return False
    return None


def _nonzero_polynomial(sp: Any, r: Any) -> bool:
    """A rational function whose numerator is a nonzero polynomial is not 0 on any open set of real values:
    the difference x/10⁴⁰ is a slip even though no random point can see it."""
    try:
        num = sp.expand(sp.fraction(sp.cancel(sp.together(r)))[0])
        symbols = sorted(num.free_symbols, key=sp.default_sort_key)
        return bool(symbols) and num != 0 and num.is_polynomial(*symbols)
    except Exception:  # not a rational function sympy can split: no conclusion
        return False


def _atoms(sp: Any, *exprs: Any) -> list[Any]:
    """What a numeric check must give values to: free symbols, unknown functions' values, and derivatives left
    unevaluated (∂f(t−1)/∂a), each taken as a number of its own."""
    found: set[Any] = set()
    for e in exprs:
        found |= set(e.atoms(sp.Derivative)) | set(e.atoms(sp.core.function.AppliedUndef))
    for e in exprs:
        found |= e.free_symbols
    return sorted(found, key=sp.default_sort_key)


SCALES = (2.5, 0.05, 12.0, 1.0, 150.0, 0.4, 3000.0, 6.0)  # one per point, in turn: far out and close in


def _sample(sym: Any, rng: random.Random, scale: float) -> float:
    """A value at the point's scale, with 3 significant digits (so a refuting point can be written down)."""
    magnitude = float(f"{rng.uniform(0.05, 1.0) * scale:.3g}")
    if getattr(sym, "is_positive", False):
        return magnitude
    if getattr(sym, "is_negative", False):
        return -magnitude
    return magnitude if rng.random() < 0.5 else -magnitude


def _short(x: Any) -> str:
    return f"{float(x):.4g}"


def compare(sp: Any, before: Any, after: Any, filters: list[Callable[[dict[Any, float]], bool]] | None = None,
            seed: int = 0, label: Callable[[Any], str] | None = None) -> Verdict:
    """Is `after` equal to `before`? Proved by sympy, checked at random points, false (with a point), or
    unverified."""
    if hasattr(before, "shape") or hasattr(after, "shape"):
        if getattr(before, "shape", None) != getattr(after, "shape", None):
            return Verdict(FALSE, f"a {_shape(before)} is not a {_shape(after)}")
        verdicts = [compare(sp, a, b, filters, seed, label) for a, b in zip(before, after)]
        for v in verdicts:
            if v.status == FALSE:
                return v
        for v in verdicts:
            if v.status == UNVERIFIED:
                return v
        return Verdict(NUMERIC if any(v.status == NUMERIC for v in verdicts) else PROVED)
    try:
        d = before - after
    except TypeError as e:
        return Verdict(UNVERIFIED, f"cannot subtract the lines ({e})")
    zero = _is_zero(sp, d)
    if zero:
        return Verdict(PROVED)
    label = label or _label
    # Numbers: sympy could not decide, or says the difference is a nonzero number. Either way, find a point.
    atoms = _atoms(sp, before, after)
    rng = random.Random(seed)
    agreed = tried = 0
    while tried < SAMPLES * 4 and agreed < SAMPLES:
        scale = SCALES[tried % len(SCALES)]
        tried += 1
        point = {a: _sample(a, rng, scale) for a in atoms}
        if filters and not all(f(point) for f in filters):
            continue
        exact = {a: sp.Rational(repr(v)) for a, v in point.items()}  # exact inputs: 50 digits mean 50 digits
        try:
            values = [sp.N(e.subs(exact), DIGITS) for e in (before, after)]
            if not all(v.is_real and v.is_finite for v in values):
                continue
            b, a = values
            differ = abs(a - b) > TOLERANCE * max(1, abs(a), abs(b))
        except (TypeError, ValueError, ZeroDivisionError, OverflowError, AttributeError):
            continue
        if differ:
            where = ", ".join(f"{label(k)} = {v:g}" for k, v in list(point.items())[:6])
            more = ", …" if len(point) > 6 else ""
            at = f" at {where}{more}" if where else ""
            gap = f" (they differ by {float(abs(a - b)):.3g})" if _short(a) == _short(b) else ""
            return Verdict(FALSE, f"{at.strip() or 'everywhere'}: this line is {_short(a)}, the line before is "
                                  f"{_short(b)}{gap}")
        agreed += 1
    if zero is False:
        try:
            gap = sp.N(sp.cancel(sp.together(d)), 4)
        except Exception:  # the message only; the verdict stands
            gap = d
        return Verdict(FALSE, f"the lines differ by {gap}, which is not 0")
    if agreed >= SAMPLES // 2:
        return Verdict(NUMERIC, f"sympy could not simplify the difference to 0; equal at {agreed} random points, "
                                f"with values from about 0.003 to 3000")
    return Verdict(UNVERIFIED, "sympy could not simplify the difference to 0, and the lines could not be "
                               "evaluated at enough points")


def _namer(d: "Derivation") -> Callable[[Any], str]:
    """Names in a refuting point as the derivation shows them: P(y=1|x), not p; x⁽¹⁾₁, not x[1,1]."""
    from tutor.derivations.display import Notation

    notation = Notation(d.symbols)

    def name(atom: Any) -> str:
        text = str(atom)
        if not getattr(atom, "is_Symbol", False):
            return text
        base, _, idx = text.partition("[")
        if not idx:
            return notation.name(base)[0]
        return notation.index(base, [(i, i) for i in idx.rstrip("]").split(",")])[0]
    return name


def _label(atom: Any) -> str:
    """z[1] as z₁, theta as θ: the point in the derivation's own notation."""
    from tutor.derivations.display import name_notation, subscript

    name = str(atom)
    if not getattr(atom, "is_Symbol", False):
        return name
    base, _, idx = name.partition("[")
    head = name_notation(base)[0]
    if not idx:
        return head
    idx = idx.rstrip("]")
    small = subscript(idx.replace(",", ""))
    return head + (small if small and "," not in idx else f"[{idx}]")


def _shape(x: Any) -> str:
    s = getattr(x, "shape", None)
    return f"{s[0]}×{s[1]} matrix" if s else "number"


# -- instances ---------------------------------------------------------------------------------------------------
@dataclass
class Instance:
    env: dict[str, int]
    label: str


def instances(d: "Derivation", part: "Part") -> list[Instance]:
    """Every assignment of sizes and indices that the part uses (with its `when` conditions on indices)."""
    used = d.names_used(part)
    sizes = {s: vals for s, vals in d.sizes.items()
             if s in used or any(d.indices.get(i) == s for i in used)
             or any(spec["size"] == s for r, spec in d.random.items() if r in used)}
    idx = [i for i in d.indices if i in used]
    out: list[Instance] = []
    for combo in itertools.product(*sizes.values()):
        env = dict(zip(sizes, combo))
        ranges = [range(1, env.get(d.indices[i], 0) + 1) for i in idx]
        for values in itertools.product(*ranges):
            full = {**env, **dict(zip(idx, values))}
            if all(_holds(c, full) for c in part.index_conditions):
                out.append(Instance(full, ", ".join(f"{k} = {v}" for k, v in full.items())))
    return out or [Instance({}, "")]


def _holds(cond: Node, env: dict[str, int]) -> bool:
    def value(n: Node) -> int:
        if n.kind == "num":
            return int(n.value)
        if n.kind == "name":
            return env[n.value]
        if n.kind == "op" and n.value in "+-":
            a, b = value(n.args[0]), value(n.args[1])
            return a + b if n.value == "+" else a - b
        raise KeyError(str(n))

    a, b = value(cond.args[0]), value(cond.args[1])
    return {"<": a < b, ">": a > b, "≤": a <= b, "≥": a >= b, "=": a == b, "≠": a != b}[cond.value]


def describe(d: "Derivation", part: "Part", insts: list[Instance]) -> str:
    """'for n = 2, 3 and every i, j with i = j': what the instances cover, in words."""
    if len(insts) <= 1 and not insts[0].label:
        return ""
    keys = list(insts[0].env)
    sizes = [k for k in keys if k in d.sizes]
    idx = [k for k in keys if k in d.indices]
    bits = [f"{s} = {', '.join(str(v) for v in d.sizes[s])}" for s in sizes]
    text = "for " + " and ".join(bits) if bits else ""
    if idx:
        which = f"every {', '.join(idx)}"
        if part.when_text:
            which += f" with {part.when_text}"
        text = f"{text} and {which}" if text else f"for {which}"
    return text


def check_part(d: "Derivation", part: "Part") -> tuple[list[Verdict], list[Verdict], str]:
    """Verdicts for each line of `part` (against the line before it, the first against the part's start) and
    for each of the notes' lines recorded in it (against the line it claims to follow)."""
    import sympy

    insts = instances(d, part)
    chain = [part.start] + [line.expr for line in part.lines]
    usings: list[dict[Node, Node]] = [{}] + [line.using for line in part.lines]
    line_verdicts = [_check_pair(sympy, d, part, insts, chain[k], chain[k + 1], usings[k + 1], k)
                     for k in range(len(part.lines))]
    notes_verdicts = []
    for ns in part.notes_say:
        before = chain[ns.after]
        notes_verdicts.append(_check_pair(sympy, d, part, insts, before, ns.expr, {}, 100 + ns.after))
    return line_verdicts, notes_verdicts, describe(d, part, insts)


def _check_pair(sp: Any, d: "Derivation", part: "Part", insts: list[Instance], before: Node, after: Node,
                using: dict[Node, Node], seed: int) -> Verdict:
    worst: Verdict | None = None
    numeric = False
    for inst in insts:
        try:
            a = Converter(d, inst.env, part.signs, using)(before)
            b = Converter(d, inst.env, part.signs)(after)
        except CannotCheck as e:
            return Verdict(UNVERIFIED, str(e))
        except (TutorError, ValueError, TypeError, ZeroDivisionError, NotImplementedError, AttributeError) as e:
            return Verdict(UNVERIFIED, f"sympy could not read the line ({e.__class__.__name__}: {e})")
        v = compare(sp, a, b, _filters(d, part, inst.env), seed, _namer(d))
        if not v.verified:
            if inst.label:
                v.detail = f"with {inst.label}{',' if v.detail.startswith(' at') or v.detail else ''} {v.detail}"
            if v.status == FALSE:
                return v
            worst = worst or v
        numeric = numeric or v.status == NUMERIC
    if worst is not None:
        return worst
    return Verdict(NUMERIC if numeric else PROVED, "")
