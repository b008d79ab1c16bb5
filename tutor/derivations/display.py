"""Derivation trees (`lang.Node`) → the printers' expressions (`tutor.engine.expr`), written as the author wrote
them: no reordering, no simplification, so `σ(x)(1 − σ(x))` stays that and does not become sympy's
`(1 − σ(x))σ(x)`. Names get their notation here: `theta` is θ, `z[i]` is zᵢ, `yhat` is ŷ, `w1` is w₁, and a
file may give any name its own text and LaTeX (`symbols:`), with `{0}`, `{1}` standing for the indices
(`{^0}` in superscript letters).
"""

from __future__ import annotations

import unicodedata
from typing import Any, Mapping

from tutor.derivations.lang import Node
from tutor.engine.expr import (Add, BigOp, Call, Cases, Div, Expr, Matrix, Mul, Neg, Num, Paren, Pow, Rel, Sym,
                               Text)

GREEK = {
    "alpha": ("α", r"\alpha"), "beta": ("β", r"\beta"), "gamma": ("γ", r"\gamma"), "delta": ("δ", r"\delta"),
    "epsilon": ("ε", r"\varepsilon"), "eta": ("η", r"\eta"), "theta": ("θ", r"\theta"), "kappa": ("κ", r"\kappa"),
    "lam": ("λ", r"\lambda"), "mu": ("μ", r"\mu"), "nu": ("ν", r"\nu"), "xi": ("ξ", r"\xi"), "pi": ("π", r"\pi"),
    "rho": ("ρ", r"\rho"), "sigma": ("σ", r"\sigma"), "tau": ("τ", r"\tau"), "phi": ("φ", r"\varphi"),
    "chi": ("χ", r"\chi"), "psi": ("ψ", r"\psi"), "omega": ("ω", r"\omega"), "Delta": ("Δ", r"\Delta"),
    "Sigma": ("Σ", r"\Sigma"), "Phi": ("Φ", r"\Phi"), "Omega": ("Ω", r"\Omega"), "Lambda": ("Λ", r"\Lambda"),
}
_SUB = dict(zip("0123456789+-=()aehijklmnoprstuvxβγρφχ−",
                "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ₋"))
_SUP = dict(zip("0123456789+-=()inxkTt−", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁱⁿˣᵏᵀᵗ⁻"))
FUNCTION_NAMES = {"sigma": "sigma", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "LeakyReLU", "log": "log",
                  "log2": "log₂", "max": "max", "min": "min", "det": "det", "E": "E", "Var": "Var",
                  "abs": "abs", "sqrt": "√"}


def subscript(text: str) -> str | None:
    """`text` in Unicode subscript letters, or None when one of them has no subscript form."""
    out = [_SUB.get(ch) for ch in text.replace(" ", "")]
    return None if any(c is None for c in out) else "".join(c for c in out if c)


def superscript(text: str) -> str | None:
    out = [_SUP.get(ch) for ch in text.replace(" ", "")]
    return None if any(c is None for c in out) else "".join(c for c in out if c)


def prose(text: str) -> str:
    """Sentences as printed: `e^{−x}` as e⁻ˣ and `x_{ij}` as xᵢⱼ where Unicode has the letters, else e^(zᵢ);
    authors write TeX habits into prose, and neither a terminal nor a PDF should show the braces."""
    import re

    text = re.sub(r"\^\{([^{}]*)\}", lambda m: superscript(m.group(1)) or f"^({m.group(1)})", text)
    return re.sub(r"_\{([^{}]*)\}", lambda m: subscript(m.group(1)) or f"_({m.group(1)})", text)


def _with_sub(base: tuple[str, str], sub: tuple[str, str]) -> tuple[str, str]:
    small = subscript(sub[0])
    text = base[0] + (small if small is not None else "_" + (sub[0] if len(sub[0]) == 1 else "{" + sub[0] + "}"))
    return text, f"{{{base[1]}}}_{{{sub[1]}}}"


def name_notation(name: str) -> tuple[str, str]:
    """Default (text, LaTeX) of a bare name: greek letters by name, `yhat` ŷ, `w1` w₁, `h_theta` h_θ."""
    if name in GREEK:
        return GREEK[name]
    base, _, sub = name.partition("_")
    if sub:
        return _with_sub(name_notation(base), name_notation(sub) if "_" not in sub else (sub, sub))
    if len(base) > 3 and base.endswith("hat"):
        t, la = name_notation(base[:-3])
        return unicodedata.normalize("NFC", t + "\u0302"), rf"\hat{{{la}}}"
    if len(base) > 3 and base.endswith("bar"):
        t, la = name_notation(base[:-3])
        return unicodedata.normalize("NFC", t + "\u0304"), rf"\bar{{{la}}}"
    digits = len(base) - len(base.rstrip("0123456789"))
    if digits and digits < len(base):
        return _with_sub(name_notation(base[:-digits]), (base[-digits:], base[-digits:]))
    if len(base) > 1:
        return base, rf"\mathrm{{{base}}}"
    return base, base


class Notation:
    """How names look. `symbols` maps a name to `{text, latex}`; for an indexed name the strings may hold
    `{0}`, `{1}` for its indices (`{^0}`, `{_0}`: in superscript or subscript letters), as in
    `x: {text: "x⁽{^0}⁾", latex: "x^{({0})}"}`, which shows x[i] as x⁽ⁱ⁾."""

    def __init__(self, symbols: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.symbols = dict(symbols or {})

    def name(self, name: str) -> tuple[str, str]:
        decl = self.symbols.get(name) or {}
        if "text" in decl:
            text = str(decl["text"])
            return text, str(decl.get("latex", text))
        return name_notation(name)

    def index(self, base: str, idx: list[tuple[str, str]]) -> tuple[str, str]:
        decl = self.symbols.get(base) or {}
        if "text" in decl and any(m in str(decl["text"]) for m in ("{0}", "{^0}", "{_0}")):
            text = str(decl["text"])
            latex = str(decl.get("latex", text))
            for k, (t, la) in enumerate(idx):
                # {^0} and {_0}: the index in superscript or subscript letters, where Unicode has them
                text = text.replace("{^" + str(k) + "}", superscript(t) or t)
                text = text.replace("{_" + str(k) + "}", subscript(t) or t)
                text = text.replace("{" + str(k) + "}", t)
                latex = latex.replace("{^" + str(k) + "}", la).replace("{_" + str(k) + "}", la)
                latex = latex.replace("{" + str(k) + "}", la)
            return text, latex
        head = self.name(base)
        if len(idx) == 1:
            return _with_sub(head, idx[0])
        small = [subscript(t) for t, _ in idx]
        text = head[0] + ("".join(s for s in small if s) if all(s is not None for s in small)
                          else "_{" + ",".join(t for t, _ in idx) + "}")
        return text, f"{{{head[1]}}}_{{{','.join(la for _, la in idx)}}}"


class Display:
    """Node → Expr for one derivation's notation."""

    def __init__(self, notation: Notation | None = None) -> None:
        self.notation = notation or Notation()

    def __call__(self, n: Node) -> Expr:
        return getattr(self, "_" + n.kind)(n)

    # -- plain text of small pieces (indices, limits): as the author wrote them, in the notation -------------
    def flat(self, n: Node) -> tuple[str, str]:
        if n.kind == "num":
            return str(n.value), str(n.value)
        if n.kind == "name":
            return self.notation.name(n.value)
        if n.kind == "neg":
            t, la = self.flat(n.args[0])
            return "−" + t, "-" + la
        if n.kind == "op" and n.value in "+-":
            a, b = (self.flat(x) for x in n.args)
            return f"{a[0]}{'+' if n.value == '+' else '−'}{b[0]}", f"{a[1]}{n.value}{b[1]}"
        if n.kind == "op" and n.value == "*":
            a, b = (self.flat(x) for x in n.args)
            return a[0] + b[0], a[1] + " " + b[1]
        if n.kind == "index":
            return self.notation.index(n.value, [self.flat(a) for a in n.args])
        raise ValueError("not a simple index")

    def _num(self, n: Node) -> Expr:
        text = str(n.value)
        return Num(int(text) if text.isdigit() else float(text))

    def _name(self, n: Node) -> Expr:
        if n.value == "otherwise":
            return Text("otherwise")
        t, la = self.notation.name(n.value)
        return Sym(t, la)

    def _index(self, n: Node) -> Expr:
        t, la = self.notation.index(n.value, [self._index_part(a) for a in n.args])
        return Sym(t, la)

    def _index_part(self, a: Node) -> tuple[str, str]:
        try:
            return self.flat(a)
        except ValueError:
            return str(a), str(a)

    def _neg(self, n: Node) -> Expr:
        return Neg(self(n.args[0]))

    def _op(self, n: Node) -> Expr:
        op = n.value
        a, b = n.args
        if op in "+-":
            left = self(a)
            terms = list(left.terms) if a.kind == "op" and a.value in "+-" and isinstance(left, Add) else [left]
            right = self(b)
            terms.append(right if op == "+" else Neg(right))
            return Add(tuple(terms))
        if op == "*":
            left = self(a)
            factors = list(left.factors) if a.kind == "op" and a.value == "*" and isinstance(left, Mul) \
                else [left]
            right = self(b)
            # juxtaposition (σ(x)(1 − σ(x)), 2x) unless a number follows: 2·3, x·2
            # "e^zᵢ e^zⱼ" or "2 3" would be ambiguous on one line: a dot between them
            dot = any(isinstance(f, (Num, Neg, Pow)) for f in (factors[-1], right))
            factors.append(right)
            return Mul(tuple(factors), "·" if dot else "")
        if op == "/":
            return Div(self(a), self(b))
        if op == "**":
            base = self(a)
            if isinstance(base, (Div, BigOp)) or (a.kind == "call" and a.value == "exp"):
                base = Paren(base)  # (e^zᵢ/S)², not a lone ² beside the fraction
            return Pow(base, self(b))
        raise ValueError(op)

    def _cmp(self, n: Node) -> Expr:
        return Rel(self(n.args[0]), n.value, self(n.args[1]))

    def _matrix(self, n: Node) -> Expr:
        if all(r.kind == "matrix" for r in n.args):
            return Matrix(tuple(tuple(self(c) for c in r.args) for r in n.args))
        return Matrix((tuple(self(c) for c in n.args),))

    def _tuple(self, n: Node) -> Expr:
        return Paren(Add(tuple(self(a) for a in n.args)))

    def _call(self, n: Node) -> Expr:
        fn, args = n.value, n.args
        special = getattr(self, "_fn_" + fn, None)
        if special is not None:
            return special(*args)
        if fn in FUNCTION_NAMES:
            return Call(FUNCTION_NAMES[fn], tuple(self(a) for a in args))
        t, _ = self.notation.name(fn)
        return Call(t, tuple(self(a) for a in args))

    # -- functions written in their own notation --------------------------------------------------------------
    def _fn_exp(self, u: Node) -> Expr:
        return Pow(Sym("e"), self(u))

    def _fn_leaky_relu(self, u: Node, alpha: Node) -> Expr:
        return Call("LeakyReLU", (self(u),))

    def _derivative(self, mark: tuple[str, str], f: Node, xs: tuple[Node, ...]) -> Expr:
        order = len(xs)
        top = (mark[0] + (superscript(str(order)) or "") if order > 1 else mark[0],
               mark[1] + (f"^{{{order}}}" if order > 1 else ""))
        if len(xs) == 2 and xs[0] == xs[1]:
            t, la = self.flat_or_name(xs[0])
            bottom = (f"{mark[0]}{t}²", f"{mark[1]} {la}^{{2}}")
        else:
            parts = [self.flat_or_name(x) for x in xs]
            bottom = ("".join(mark[0] + t for t, _ in parts), " ".join(f"{mark[1]} {la}" for _, la in parts))
        if f.kind in ("name", "index"):
            t, la = self.flat(f)
            return Div(Sym(top[0] + t, f"{top[1]} {la}"), Sym(*bottom))
        body = self(f)
        if not isinstance(body, (Call, Sym)):
            body = Paren(body)  # ∂/∂zⱼ (e^{zᵢ}) S: the operator's reach is clear
        return Mul((Div(Sym(*top), Sym(*bottom)), body), "")

    def flat_or_name(self, x: Node) -> tuple[str, str]:
        try:
            return self.flat(x)
        except ValueError:
            e = self(x)
            return (e.text, e.tex) if isinstance(e, Sym) else (str(x), str(x))

    def _fn_d(self, f: Node, x: Node) -> Expr:
        return self._derivative(("d", "d"), f, (x,))

    def _fn_pd(self, f: Node, *xs: Node) -> Expr:
        return self._derivative(("∂", r"\partial"), f, xs)

    def _big(self, op: str, body: Node, k: Node, lo: Node, hi: Node) -> Expr:
        return BigOp(op, Rel(self(k), "=", self(lo)), self(hi), self(body))

    def _fn_Sum(self, body: Node, k: Node, lo: Node, hi: Node) -> Expr:
        return self._big("Σ", body, k, lo, hi)

    def _fn_Prod(self, body: Node, k: Node, lo: Node, hi: Node) -> Expr:
        return self._big("Π", body, k, lo, hi)

    def _limit(self, side: str, e: Node, h: Node, a: Node) -> Expr:
        t, la = self.flat_or_name(a)
        sign = "⁺" if side == "+" else "⁻"
        return BigOp("lim", Rel(self(h), "→", Sym(t + sign, f"{{{la}}}^{{{side}}}")), None, self(e))

    def _fn_limit_right(self, e: Node, h: Node, a: Node) -> Expr:
        return self._limit("+", e, h, a)

    def _fn_limit_left(self, e: Node, h: Node, a: Node) -> Expr:
        return self._limit("-", e, h, a)

    def _fn_cases(self, *rows: Node) -> Expr:
        out = []
        for r in rows:
            if r.kind == "tuple" and len(r.args) == 2:
                out.append((self(r.args[0]), self(r.args[1])))
            else:
                out.append((self(r), Text("otherwise")))
        return Cases(tuple(out))

    def _fn_hessian(self, f: Node, xs: Node) -> Expr:
        return Mul((Sym("∇²", r"\nabla^{2}"), Paren(self(f))), "")

    def _fn_eye(self, k: Node) -> Expr:
        return Sym("I", "I")

    def _fn_delta(self, i: Node, j: Node) -> Expr:
        (ti, li), (tj, lj) = self.flat(i), self.flat(j)
        small = subscript(ti + tj)
        return Sym("δ" + (small if small else f"_{ti}{tj}"), rf"\delta_{{{li}{lj}}}")

    def _fn_KL(self, p: Node, q: Node) -> Expr:
        return Call("KL", (Rel(self(p), "‖", self(q)),))
