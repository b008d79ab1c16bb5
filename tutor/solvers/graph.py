"""A computational graph, CS231n style: the forward pass gate by gate, then the backward pass, where every gate
multiplies the gradient arriving from above (upstream) by its own local gradient.

Naming. The expression is parsed by `tutor.safe_expr.parse` (never evaluated) and walked in evaluation order
(post-order, left operand first). Every operation is a gate, numbered in that order: `q1`, `q2`, ..., `qn`; the
last gate's value is also the step `f`. Sub-expressions without variables (`1`, `-1`, `2*3`, `e`) are folded into
constants: they are written as numbers and get no gradient. For `(x+y)*z`:

    forward    q1 = x + y = -2 + 5 = 3;   q2 = q1 · z = 3 · 4 = 12;   f = q2 = 12
    backward   ∂f/∂q2 = ∂f/∂f = 1
               ∂f/∂z  = ∂q2/∂z × ∂f/∂q2 = q1 × ∂f/∂q2 = 3 × 1 = 3        (multiply gate swaps its inputs)
               ∂f/∂q1 = ∂q2/∂q1 × ∂f/∂q2 = z × ∂f/∂q2 = 4 × 1 = 4
               ∂f/∂x  = ∂q1/∂x × ∂f/∂q1 = 1 × ∂f/∂q1 = 1 × 4 = 4          (add gate distributes the gradient)

Step keys: `q1`..`qn` (forward), `f`, `grad_qn`..`grad_q1` (backward, a gate's step right before the gates that
feed it), `grad_<variable>` (right after the last gate that uses it; a variable used twice gets the sum of its
contributions), and `grads` (variable → ∂f/∂variable, in order of first appearance). Each backward step is
written local × upstream: the local gradient of the gate, in symbols, then with numbers, then its value.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

from tutor import safe_expr as S
from tutor.engine import expr as E
from tutor.engine.expr import Expr, Num, Sym
from tutor.engine.ops import Graph, Node
from tutor.engine.step import Solution
from tutor.errors import TutorError, did_you_mean
from tutor.mistakes import Mistake, degenerate, mistakes
from tutor.params import Param, Params
from tutor.registry import solver

TIES = ("split", "first", "second")
# Not a parameter: a catalogued mistake (end of this module) re-solves the problem with this key naming a wrong
# method, since a wrong local gradient depends on the gate, which the values a tutor.mistakes rule receives do not
# carry.
WRONG_METHOD = "_wrong_method"
NO_SWAP, MAX_TO_LOSER, DIV_SIGN, LOCAL_ONLY = "multiply no swap", "max to loser", "divide sign", "local only"

PARAMS = [
    Param("expr", "expression", "the function, e.g. (x+y)*z or 1/(1+exp(-(w0*x0+w1*x1+w2))): numbers, variables, "
                                "+ - * / ^ and exp, log, sqrt, tanh, sigmoid, relu, abs, max, min"),
    Param("values", "mapping", "a number for every variable of expr, e.g. {x: -2, y: 5, z: -4}"),
    Param("tie", "choice", "where max/min send the gradient when their two inputs are equal: split (half each, "
                           "as torch.maximum), first or second input", default="split", choices=TIES),
]

GATE_NAMES = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide", "**": "power", "neg": "negate",
              "exp": "exp", "ln": "ln", "log": "log", "sqrt": "sqrt", "tanh": "tanh", "sigmoid": "sigmoid",
              "relu": "ReLU", "abs": "abs", "max": "max", "min": "min"}
GATE_SIGNS = (("*", "·"), ("**", "^"))
RESERVED = re.compile(r"^(q\d+|f|grads|grad_.*)$")
_IDENT = re.compile(r"(?<![\w.])([^\W\d]\w*)")
_DIGITS = re.compile(r"^([A-Za-z])_?(\d+)$")
ONE_SYM = Sym("∂f/∂f", r"\frac{\partial f}{\partial f}")


# -- the circuit ------------------------------------------------------------------------------------------------
@dataclass
class Operand:
    """One input of a gate: a variable, an earlier gate, or a constant."""

    expr: Expr  # how it is written in formulas
    label: str  # how it is named in words
    node: Node | None = None  # the given or step it reads (None: a constant)
    const: float | None = None
    var: str | None = None


@dataclass
class Gate:
    index: int
    tree: S.Node
    op: str  # a key of GATE_NAMES
    operands: list[Operand]
    sym: Sym
    node: Node | None = None
    grad_sym: Sym | None = None
    grad_node: Node | None = None
    parent: tuple["Gate", int] | None = None

    @property
    def key(self) -> str:
        return f"q{self.index}"

    @property
    def name(self) -> str:
        if self.op == "/" and self.operands[0].const == 1.0:
            return "divide (1/x)"
        return GATE_NAMES[self.op]

    def inputs(self) -> list[Node]:
        """The non-constant operands, without repeats (x*x reads x once)."""
        out: list[Node] = []
        for o in self.operands:
            if o.node is not None and all(n.key != o.node.key for n in out):
                out.append(o.node)
        return out

    def args(self, input_values: dict[str, float]) -> tuple[float, ...]:
        return tuple(input_values[o.node.key] if o.node is not None else float(o.const or 0.0)
                     for o in self.operands)

    @property
    def upstream(self) -> Node:
        """The step holding ∂f/∂(this gate's output), once the backward pass has reached it."""
        assert self.grad_node is not None
        return self.grad_node

    @property
    def upstream_sym(self) -> Sym:
        assert self.grad_sym is not None
        return self.grad_sym

    def text(self) -> str:
        """`q3 = x / q2`, for messages."""
        a = [o.label for o in self.operands]
        if self.op == "neg":
            body = f"-{a[0]}"
        elif self.op in ("+", "-", "*", "/", "**"):
            body = f"{a[0]} {dict(GATE_SIGNS).get(self.op, self.op)} {a[1]}"
        else:
            body = f"{self.op}({', '.join(a)})"
        return f"{self.key} = {body}"


def gate_formula(op: str, a: list[Expr]) -> Expr:
    """The gate's operation written with these operands (symbols for the formula, numbers for the working)."""
    if op == "+":
        return E.Add((a[0], _paren_neg(a[1])))
    if op == "-":
        return E.Add((a[0], E.Neg(_paren_neg(a[1]))))
    if op == "*":
        return E.Mul((a[0], a[1]), "·")
    if op == "/":
        return E.Div(a[0], a[1])
    if op == "**":
        return E.Pow(a[0], a[1])
    if op == "neg":
        return E.Neg(a[0])
    return E.Call(op, tuple(a))


def _paren_neg(e: Expr) -> Expr:
    """`a - (-4)` rather than `a - -4`."""
    if isinstance(e, Num) and isinstance(e.value, (int, float)) and e.value < 0:
        return E.Paren(e)
    return e


def local_formula(gate: Gate, j: int, a: list[Expr], vals: tuple[float, ...], tie: str) -> Expr | None:
    """∂gate/∂(operand j) written with operands `a` (symbols or numbers); None when it is only a number that
    depends on which side of a threshold the inputs lie (ReLU, max, min), which the explanation words instead."""
    op = gate.op
    if op == "+":
        return Num(1.0)
    if op == "-":
        return Num(1.0 if j == 0 else -1.0)
    if op == "neg":
        return Num(-1.0)
    if op == "*":
        return a[1 - j]
    if op == "/":
        if j == 0:
            return E.Div(Num(1.0), a[1])
        return E.Neg(E.Div(a[0], E.Pow(a[1], Num(2.0))))
    if op == "**":
        if j == 0:
            b = gate.operands[1]
            if b.const is not None:
                n = b.const
                if n - 1 == 0:
                    return Num(n)
                if n - 1 == 1:
                    return E.Mul((Num(n), a[0]), "·")
                return E.Mul((Num(n), E.Pow(a[0], Num(n - 1))), "·")
            return E.Mul((a[1], E.Pow(a[0], E.Add((a[1], E.Neg(Num(1.0)))))), "·")
        return E.Mul((E.Pow(a[0], a[1]), E.Call("ln", (a[0],))), "·")
    if op == "exp":
        return E.Call("exp", (a[0],))
    if op in ("log", "ln"):
        return E.Div(Num(1.0), a[0])
    if op == "sqrt":
        return E.Div(Num(1.0), E.Mul((Num(2.0), E.Call("sqrt", (a[0],))), "·"))
    if op == "tanh":
        return E.Add((Num(1.0), E.Neg(E.Pow(E.Call("tanh", (a[0],)), Num(2.0)))))
    if op == "sigmoid":
        s = E.Call("sigmoid", (a[0],))
        return E.Mul((s, E.Add((Num(1.0), E.Neg(s)))), "·")
    if op == "abs":
        return E.Call("sign", (a[0],))
    return None  # relu, max, min


def local_value(gate: Gate, j: int, args: tuple[float, ...], tie: str, method: str | None = None) -> float:
    """The number ∂gate/∂(operand j) at these operand values (safe_expr's local derivative rules); with a
    catalogued wrong `method` (see WRONG_METHOD), the number that method gives."""
    if gate.op == "**" and j == 1 and args[0] <= 0:
        raise TutorError(f"gate {gate.text()}: the gradient into the exponent, aᵇ·ln a, needs a base a > 0, and "
                         f"here a = {args[0]:g}", field="values")
    try:
        d = S.local_grads(gate.tree, args, tie)[j]
    except (ZeroDivisionError, OverflowError, ValueError):
        d = math.inf
    except TutorError as e:
        raise TutorError(f"the local gradient of gate {gate.text()} is undefined at these values ({e.message})",
                         field="values") from None
    if not math.isfinite(d):
        shown = ", ".join(f"{o.label} = {v:g}" for o, v in zip(gate.operands, args) if o.node is not None)
        raise TutorError(f"the local gradient of gate {gate.text()} is infinite or undefined at {shown}; "
                         "choose values where the function is differentiable", field="values")
    return wrong_local(gate, j, args, float(d), method) if method else float(d)


def wrong_local(gate: Gate, j: int, args: tuple[float, ...], d: float, method: str) -> float:
    """The local gradient as a catalogued wrong method takes it (the right one `d` where it changes nothing)."""
    if method == NO_SWAP and gate.op == "*":
        return args[j]  # the input's own value, not the other input's
    if method == MAX_TO_LOSER and gate.op in ("max", "min") and args[0] != args[1]:
        return 1.0 - d  # all of the gradient to the input that did not win
    if method == DIV_SIGN and gate.op == "/" and j == 1:
        return -d
    return d


def local_words(gate: Gate, j: int, args: tuple[float, ...], tie: str) -> str:
    """The gate's local-gradient rule in words, for operand j, with the numbers where they decide."""
    op, who = gate.op, gate.operands[j].label
    if op == "+":
        return f"The add gate distributes the gradient: its local gradient is 1 for every input, so {who} " \
               "receives the upstream gradient unchanged."
    if op == "-":
        if j == 0:
            return f"Subtract gate: local gradient 1 for the first input ({who}), -1 for the second."
        return f"Subtract gate: {who} is subtracted, so its local gradient is -1: the gradient's sign flips."
    if op == "neg":
        return "Unary minus (a ·(-1) gate): local gradient -1, it flips the sign of the gradient."
    if op == "*":
        other = gate.operands[1 - j]
        if other.const is not None:
            return f"The multiply gate swaps its inputs: the other input is the constant {other.label}, so the " \
                   f"gradient into {who} is scaled by {args[1 - j]:.4g}."
        return f"The multiply gate swaps its inputs: the local gradient for {who} is the other input, " \
               f"{other.label} = {args[1 - j]:.4g}."
    if op == "/":
        if j == 0:
            return f"Divide gate a/b: the local gradient for the numerator {who} is 1/b."
        if gate.operands[0].const == 1.0:
            return f"The 1/x gate: d(1/x)/dx = -1/x², at x = {who} = {args[1]:.4g}."
        return f"Divide gate a/b: the local gradient for the denominator {who} is -a/b²."
    if op == "**":
        if j == 0:
            return "Power gate: d(aⁿ)/da = n·aⁿ⁻¹."
        return "Power gate, exponent side: d(aᵇ)/db = aᵇ·ln a."
    rule = S.FUNCTIONS[op].rule
    if op == "relu":
        x = args[0]
        return f"{rule}. Here {who} = {x:.4g} {'> 0: the gradient passes' if x > 0 else '≤ 0: the gradient stops'}."
    if op in ("max", "min"):
        a, b = gate.operands
        va, vb = args
        if va == vb:
            share = S.local_grads(gate.tree, args, tie)[j]
            how = {"split": "half to each input, as torch.maximum does",
                   "first": "all of it to the first input", "second": "all of it to the second input"}[tie]
            return f"{rule}. Here {a.label} = {b.label} = {va:.4g}, a tie: the convention tie = {tie} sends " \
                   f"{how}, so {who} gets {share:g} of it."
        pick = (va > vb) == (op == "max")
        win, lose = (a, b) if pick else (b, a)
        wv, lv = (va, vb) if pick else (vb, va)
        rel = ">" if op == "max" else "<"
        gets = "all of it (local gradient 1)" if win is gate.operands[j] else "none of it (local gradient 0)"
        return f"{rule}. Here {win.label} = {wv:.4g} {rel} {lose.label} = {lv:.4g}, so {who} gets {gets}."
    return f"{rule}."


# -- names ------------------------------------------------------------------------------------------------------
def var_tex(name: str) -> str:
    m = _DIGITS.match(name)
    if m:
        return f"{m.group(1)}_{{{m.group(2)}}}"
    if len(name) == 1:
        return name
    return r"\mathrm{" + name.replace("_", r"\_") + "}"


def grad_sym(text: str, tex: str) -> Sym:
    return Sym(f"∂f/∂{text}", rf"\frac{{\partial f}}{{\partial {tex}}}")


def partial_sym(gate: Gate, text: str, tex: str) -> Sym:
    return Sym(f"∂{gate.key}/∂{text}", rf"\frac{{\partial q_{{{gate.index}}}}}{{\partial {tex}}}")


# -- parsing ----------------------------------------------------------------------------------------------------
def parse_circuit(text: str, values: dict[str, float]) -> tuple[S.Node, list[str]]:
    """The tree of `text`, whose free names are all allowed as variables (so that a missing value is reported
    against `values`, not as an unknown name); constants e and pi unless `values` gives them a number."""
    names = set(_IDENT.findall(text)) if isinstance(text, str) and len(text) <= S.MAX_LENGTH else set()
    allowed = {n for n in names if not n.startswith("__") and (n not in S.CONSTANTS or n in values)}
    try:
        tree = S.parse(text, sorted(allowed), what="expression")
    except TutorError as e:
        raise e.located(None, "expr") from None
    return tree, S.variables_of(tree)


def check_values(text: str, variables: list[str], values: dict[str, float]) -> None:
    if not variables:
        raise TutorError(f"the expression {text!r} has no variables: there is nothing to differentiate", field="expr")
    bad = [v for v in variables if RESERVED.match(v)]
    if bad:
        raise TutorError(f"the variable name {bad[0]!r} is taken by the circuit (gates are q1, q2, ..., the output "
                         "f); please rename it", field="expr")
    missing = [v for v in variables if v not in values]
    if missing:
        hint = did_you_mean(missing[0], [k for k in values if k not in variables])
        raise TutorError(f"no value for {missing[0]!r}{hint}: the expression {text!r} uses "
                         f"{', '.join(variables)}; values gives {', '.join(values)}", field="values")
    extra = [k for k in values if k not in variables]
    if extra:
        raise TutorError(f"{extra[0]!r} is not a variable of {text!r}{did_you_mean(extra[0], variables)} (a typo?); "
                         f"its variables are {', '.join(variables)}", field=f"values.{extra[0]}")


# -- the solver -------------------------------------------------------------------------------------------------
@solver("computational_graph", title="Computational graph: forward and backward pass", topic="backprop",
        params=PARAMS, answer=["f", "grads"])
def computational_graph(p: Params, g: Graph) -> None:
    """Forward pass gate by gate (q1, q2, ..., f), then the backward pass: at every gate, ∂f/∂input = local
    gradient × upstream gradient; a variable used more than once sums its contributions."""
    text, values, tie, method = p["expr"], p["values"], p["tie"], p.get(WRONG_METHOD)
    tree, variables = parse_circuit(text, values)
    check_values(text, variables, values)

    givens = {v: g.given(v, values[v], Sym(v, var_tex(v)), f"input {v}") for v in variables}
    gates: list[Gate] = []
    uses: dict[str, list[tuple[Gate, int]]] = {v: [] for v in variables}

    def constant(n: S.Node) -> Operand:
        if isinstance(n, S.Const) and n.text in ("e", "pi", "π"):
            return Operand(Sym("e" if n.text == "e" else "π", "e" if n.text == "e" else r"\pi"), n.text,
                           const=n.value)
        try:
            value = S.evaluate(n)
        except TutorError as e:
            raise TutorError(f"{e.message} in the constant part of {text!r}", field="expr") from None
        if not math.isfinite(value):
            raise TutorError(f"a constant in {text!r} overflows", field="expr")
        return Operand(Num(value), f"{value:g}", const=value)

    def walk(n: S.Node) -> Operand:
        if isinstance(n, S.Var):
            return Operand(givens[n.name].sym, n.name, node=givens[n.name], var=n.name)
        if not S.variables_of(n):
            return constant(n)
        kids = S.children(n)
        ops = [walk(k) for k in kids]
        op = n.op if isinstance(n, S.BinOp) else (n.fn if isinstance(n, S.Apply) else "neg")
        gate = Gate(len(gates) + 1, n, op, ops, Sym(f"q{len(gates) + 1}", f"q_{{{len(gates) + 1}}}"))
        gates.append(gate)
        for j, o in enumerate(ops):
            if o.var is not None:
                uses[o.var].append((gate, j))
        forward(gate)
        return Operand(gate.sym, gate.key, node=gate.node)

    def forward(gate: Gate) -> None:
        inputs = gate.inputs()
        keys = [n.key for n in inputs]

        def rule(*vals: float) -> float:
            args = gate.args(dict(zip(keys, vals)))
            try:
                v = S.apply(gate.tree, args)
            except TutorError as e:
                raise TutorError(f"gate {gate.text()} cannot be evaluated at these values: {e.message}",
                                 field="values") from None
            except (ZeroDivisionError, OverflowError, ValueError) as e:
                raise TutorError(f"gate {gate.text()} cannot be evaluated at these values: {e}",
                                 field="values") from None
            if not math.isfinite(v):
                raise TutorError(f"gate {gate.text()} overflows at these values (its value is {v})", field="values")
            return float(v)

        def show(*vals: float) -> list[Expr]:
            args = gate.args(dict(zip(keys, vals)))
            if gate.op == "neg":  # -(1), -(-3): not the bare value again
                return [E.Neg(E.Paren(Num(args[0])))]
            return [gate_formula(gate.op, [Num(a) for a in args])]

        def explain(*_: float) -> str:
            if gate.parent is None:
                return f"The {gate.name} gate, the last one: its output is f."
            return f"The {gate.name} gate; its output {gate.key} feeds gate {gate.parent[0].text()}."

        formula = gate_formula(gate.op, [o.expr for o in gate.operands])
        gate.node = g.step(gate.key, f"Forward, gate {gate.index}: {gate.name}", gate.sym, formula, inputs, rule,
                           show, explain)

    out = walk(tree)
    n = len(gates)
    for gate in gates:
        for j, o in enumerate(gate.operands):
            if o.node is not None and o.var is None:
                child = next(c for c in gates if c.key == o.node.key)
                child.parent = (gate, j)
    if not gates:  # the expression is a single variable
        assert out.node is not None
        g.step("f", "The output", Sym("f"), out.expr, [out.node], lambda v: v, lambda v: [],
               "The circuit has no gates: f is the input itself.")
    else:
        last = gates[-1]
        assert last.node is not None
        g.step("f", "Forward pass done: f is the last gate's output", Sym("f"), last.sym, [last.node],
               lambda v: v, lambda v: [], "The value of the circuit; the backward pass starts here.")

    # -- backward ------------------------------------------------------------------------------------------------
    var_grads: dict[str, Node] = {}

    def emit_variables(after: Gate) -> None:
        for o in after.operands:
            v = o.var
            if v is None or v in var_grads or min(gg.index for gg, _ in uses[v]) != after.index:
                continue
            var_grads[v] = contribution_step(f"grad_{v}", grad_sym(v, var_tex(v)), v, var_tex(v), uses[v],
                              f"Backward into the input {v}" + (f": the sum over its {len(uses[v])} uses"
                                                               if len(uses[v]) > 1 else ""))

    def contribution_step(key: str, sym: Sym, who: str, who_tex: str, contribs: list[tuple[Gate, int]],
                          title: str) -> Node:
        inputs: list[Node] = []
        for gate, _ in contribs:
            for nd in [gate.upstream, *gate.inputs()]:
                if all(x.key != nd.key for x in inputs):
                    inputs.append(nd)
        keys = [nd.key for nd in inputs]
        partials = [partial_sym(gate, who, who_tex) for gate, _ in contribs]
        formula = _sum([E.Mul((ps, gate.upstream_sym), "×") for ps, (gate, _) in zip(partials, contribs)])

        def terms(vals: tuple[float, ...]) -> list[tuple[Gate, int, tuple[float, ...], float, float]]:
            env = dict(zip(keys, vals))
            out = []
            for gate, j in contribs:
                args = gate.args(env)
                out.append((gate, j, args, local_value(gate, j, args, tie, method), env[gate.upstream.key]))
            return out

        def rule(*vals: float) -> float:
            total = math.fsum(loc * (1.0 if method == LOCAL_ONLY else up) for _, _, _, loc, up in terms(vals))
            if not math.isfinite(total):
                raise TutorError(f"the gradient {sym.text} overflows at these values", field="values")
            return total

        def show(*vals: float) -> list[Expr]:
            ts = terms(vals)
            symbolic: list[Expr] = []
            numeric: list[Expr] = []
            evaluated: list[Expr] = []
            plain = True
            for gate, j, args, loc, up in ts:
                lf = local_formula(gate, j, [o.expr for o in gate.operands], args, tie)
                ln = local_formula(gate, j, [Num(a) for a in args], args, tie)
                symbolic.append(E.Mul((lf if lf is not None else Num(loc), gate.upstream_sym), "×"))
                numeric.append(E.Mul((ln if ln is not None else Num(loc), Num(up)), "×"))
                evaluated.append(E.Mul((Num(loc), Num(up)), "×"))
                plain = plain and (ln is None or isinstance(ln, Num))
            lines = [_sum(symbolic), _sum(numeric)]
            if not plain:
                lines.append(_sum(evaluated))
            return lines

        def explain(*vals_and_value: float) -> str:
            ts = terms(vals_and_value[:-1])
            if len(ts) == 1:
                gate, j, args, _, _ = ts[0]
                return local_words(gate, j, args, tie)
            where = ", ".join(gate.key for gate, _, _, _, _ in ts)
            return f"{who} feeds more than one gate ({where}): the gradients arriving along each path add up " \
                   "(multivariable chain rule), each one local × upstream."

        return g.step(key, title, sym, formula, inputs, rule, show, explain)

    if not gates:
        v = variables[0]
        var_grads[v] = g.step(f"grad_{v}", f"Backward into the input {v}", grad_sym(v, var_tex(v)), ONE_SYM, [],
                              lambda: 1.0, lambda: [], "f is the input itself, so its gradient is 1.")
    else:
        for gate in reversed(gates):
            gate.grad_sym = grad_sym(gate.key, f"q_{{{gate.index}}}")
            if gate.parent is None:
                gate.grad_node = g.step(
                    f"grad_{gate.key}", "Backward pass: start at the output", gate.grad_sym,
                    ONE_SYM, [], lambda: 1.0, lambda: [],
                    f"f is {gate.key}, and the gradient of f with respect to itself is 1: the backward pass starts "
                    "with 1 at the output and walks the gates in reverse order.")
            else:
                parent, _ = gate.parent
                gate.grad_node = contribution_step(
                    f"grad_{gate.key}", gate.grad_sym, gate.key, f"q_{{{gate.index}}}", [gate.parent],
                    f"Backward through gate {parent.index} ({parent.name}) into {gate.key}")
            emit_variables(gate)

    grad_nodes = [var_grads[v] for v in variables]
    names = list(variables)
    g.step("grads", "The gradient: ∂f/∂(each input)", Sym("∇f", r"\nabla f"),
           E.Matrix((tuple(nd.sym for nd in grad_nodes),)), grad_nodes,
           lambda *vals: dict(zip(names, (float(x) for x in vals))), lambda *vals: [],
           "One number per input, in the order the inputs first appear in the expression.")

    g.conventions.append(
        f"Gates are numbered {'q1 to ' if n > 1 else ''}q{n} in the order they are evaluated (inner first, left "
        f"operand first); f = q{n}. Parts without variables are constants: shown as numbers, with no gradient."
        if n else "The expression has no gates.")
    g.conventions.append("Backward steps are written local gradient × upstream gradient (the chain rule, as in "
                         "CS231n's circuits); a variable used more than once sums its contributions.")
    ops = {gate.op for gate in gates}
    if ops & {"max", "min"}:
        tie_text = {"split": "half the gradient to each input, as torch.maximum does",
                    "first": "all the gradient to the first input (tie = first; torch.maximum would split it 0.5/0.5)",
                    "second": "all the gradient to the second input (tie = second; torch.maximum would split it "
                              "0.5/0.5)"}[tie]
        g.conventions.append(f"At a tie max(a, b) (and min(a, b)) sends {tie_text}; the notes call it undefined or "
                             "arbitrary. Away from a tie the larger (for min the smaller) input gets all of it.")
    if "relu" in ops:
        g.conventions.append("ReLU'(0) = 0, as PyTorch.")
    if "abs" in ops:
        g.conventions.append("|x|' at 0 is taken as 0, as PyTorch.")
    if ops & {"log"}:
        g.conventions.append("log is the natural logarithm.")


def _sum(terms: Sequence[Expr]) -> Expr:
    return terms[0] if len(terms) == 1 else E.Add(tuple(terms))


# -- the catalogue of mistakes (tutor check / tutor quiz name them when a student's number matches) -------------
mistakes(
    "computational_graph",
    Mistake("multiply gate: local gradient the input itself, not the other input",
            "For q = a·b, ∂q/∂a = b and ∂q/∂b = a: the multiply gate swaps its inputs, so each input's gradient is "
            "the upstream gradient times the OTHER input's value.",
            params=lambda p: {WRONG_METHOD: NO_SWAP}),
    Mistake("max gate: gradient sent to the smaller input",
            "max(a, b) passes the whole upstream gradient to the input that won (the larger; for min the "
            "smaller) and nothing to the other: only the winner affects the output.",
            params=lambda p: {WRONG_METHOD: MAX_TO_LOSER}),
    Mistake("local gradient alone, upstream gradient not multiplied in",
            "The chain rule: ∂f/∂input = (local gradient) × (upstream gradient ∂f/∂output). The local gradient "
            "alone is ∂q/∂input, the gate's own derivative, not ∂f/∂input.",
            params=lambda p: {WRONG_METHOD: LOCAL_ONLY}),
    Mistake("divide gate: −a/b² without the minus sign",
            "d(a/b)/db = −a/b² (for 1/x: −1/x²): increasing the denominator makes the quotient smaller, so the "
            "local gradient has the opposite sign of a/b.",
            params=lambda p: {WRONG_METHOD: DIV_SIGN}),
)


# -- degenerate variants (tutor quiz) ------------------------------------------------------------------------
def _kink(solution: Solution) -> str | None:
    """A max/min gate with equal inputs, or a ReLU/abs gate at exactly 0: the gradient turns on a convention."""
    for key in solution.steps:
        if not re.fullmatch(r"q\d+", key):
            continue
        shown = solution.substitution(key)
        call = shown[0] if shown else None
        if not isinstance(call, E.Call) or not all(isinstance(a, Num) for a in call.args):
            continue
        args = [float(a.value) for a in call.args]  # type: ignore[attr-defined]
        if call.fn in ("max", "min") and len(args) == 2 and args[0] == args[1]:
            return f"gate {key} = {call.fn}({args[0]:g}, {args[1]:g}) is a tie"
        if call.fn in ("relu", "abs") and args[0] == 0:
            return f"gate {key} = {call.fn}(0) sits on its kink"
    return None


degenerate("computational_graph", _kink)
