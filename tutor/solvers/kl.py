"""Kullback–Leibler divergence both ways, with the entropy and cross-entropy that it is the difference of."""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from tutor.engine import expr as E
from tutor.engine.expr import Num, Sym
from tutor.engine.ops import Graph
from tutor.engine.step import Solution
from tutor.errors import TutorError
from tutor.mistakes import Mistake, degenerate, mistakes
from tutor.params import Param, Params
from tutor.registry import solver

LOGS: dict[Any, tuple[str, str, str, Callable[[Any], Any]]] = {  # base → (text name, LaTeX, unit, log)
    "e": ("ln", r"\ln", "nats", np.log),
    2: ("log₂", r"\log_2", "bits", np.log2),
    10: ("log₁₀", r"\log_{10}", "hartleys", np.log10),
}

PARAMS = [
    Param("p", "distribution", "the distribution p (probabilities, fractions such as \"9/25\" welcome)"),
    Param("q", "distribution", "the distribution q, over the same outcomes as p"),
    Param("base", "choice", "base of the logarithm (e gives nats, 2 bits)", default="e", choices=("e", 2, 10)),
]


def _plogratio(a: Any, b: Any, log: Callable[[Any], Any]) -> np.ndarray:
    """a_i log(a_i/b_i) entry by entry, with 0·log(0/b) = 0 and a·log(a/0) = ∞ for a > 0: never NaN."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    out = np.zeros_like(a)
    pos = a > 0
    ok = pos & (b > 0)
    out[ok] = a[ok] * log(a[ok] / b[ok])
    out[pos & ~(b > 0)] = np.inf
    return out


def _plogq(a: Any, b: Any, log: Callable[[Any], Any]) -> np.ndarray:
    """-a_i log b_i entry by entry, with 0·log(anything) = 0 and -a·log 0 = ∞ for a > 0."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    out = np.zeros_like(a)
    pos = a > 0
    ok = pos & (b > 0)
    out[ok] = -a[ok] * log(b[ok])
    out[pos & ~(b > 0)] = np.inf
    return out


def _entries(idx: Any) -> str:
    idx = [int(k) + 1 for k in np.flatnonzero(idx)]
    return ("entry " if len(idx) == 1 else "entries ") + ", ".join(map(str, idx))


@solver("kl_divergence", title="KL divergence, entropy and cross-entropy", topic="information", params=PARAMS,
        answer=["kl_pq", "kl_qp", "entropy_p", "cross_entropy_pq"])
def kl_divergence(p: Params, g: Graph) -> None:
    """KL(p‖q) = Σ_i p_i log(p_i/q_i) and KL(q‖p); H(p) = -Σ p_i log p_i; H(p, q) = -Σ p_i log q_i = H(p) + KL(p‖q)."""
    P, Qd = p["p"], p["q"]
    if len(Qd) != len(P):
        raise TutorError(f"has {len(Qd)} entries but p has {len(P)}: KL compares the two distributions outcome by "
                         "outcome, so they need the same outcomes", field="q")
    base = p["base"]
    fn, fn_tex, unit, log = LOGS[base]

    pn = g.given("p", P, Sym("p"), "the distribution p")
    qn = g.given("q", Qd, Sym("q"), "the distribution q")

    def L(x: E.Expr) -> E.Call:
        return E.Call(fn, (x,))

    # -- KL in both directions ------------------------------------------------------------------------------------
    def kl_pair(a: Any, b: Any, an: str, bn: str, key: str) -> None:
        """The terms a_i log(a_i/b_i) and their sum KL(a‖b)."""
        term_sym = Sym(f"{an}_i·{fn}({an}_i/{bn}_i)", rf"{an}_i {fn_tex}\frac{{{an}_i}}{{{bn}_i}}")
        formula = E.Mul((Sym(f"{an}_i"), L(Sym(f"{an}_i/{bn}_i", rf"\frac{{{an}_i}}{{{bn}_i}}"))), "·")

        def show_terms(x: Any, y: Any) -> list[E.Expr]:
            x, y = np.asarray(x, float), np.asarray(y, float)
            first = E.Matrix.column(E.mul(xi, L(E.Div(Num(xi), Num(yi)))) for xi, yi in zip(x, y))
            second = E.Matrix.column(
                Num(0.0) if xi == 0 else Num(np.inf) if yi == 0 else E.mul(xi, L(Num(xi / yi)))
                for xi, yi in zip(x, y))
            return [first, second]

        def explain_terms(x: Any, y: Any, t: Any) -> str:
            x, y = np.asarray(x, float), np.asarray(y, float)
            parts = [f"Each outcome's {an}-probability times the log of how much more likely {an} makes it than "
                     f"{bn} does; a term is negative where {bn} gives more than {an}."]
            if np.any(x == 0):
                parts.append(f"{_entries(x == 0).capitalize()}: {an}_i = 0, and 0·{fn}(0/{bn}_i) = 0 by convention "
                             "(x log x → 0 as x → 0).")
            if np.any((x > 0) & (y == 0)):
                where = _entries((x > 0) & (y == 0)).capitalize()
                parts.append(f"{where}: {bn}_i = 0 while {an}_i > 0, so the term is ∞.")
            return " ".join(parts)

        terms = g.step(f"terms_{key}", f"Terms of KL({an}‖{bn})", term_sym, formula, [a, b],
                       lambda x, y: _plogratio(x, y, log), show_terms, explain_terms)

        def show_sum(t: Any) -> list[E.Expr]:
            t = np.asarray(t, float)
            return [E.Add(tuple(Num(v) for v in t)) if t.size > 1 else Num(float(t[0]))]

        def explain_sum(t: Any, value: float) -> str:
            if math.isinf(value):
                where = np.isposinf(np.asarray(t, float))
                which = _entries(where) if where.any() else "an entry"
                return (f"KL({an}‖{bn}) is infinite: at {which} {an} puts probability mass where {bn} has none "
                        f"({bn}_i = 0), so {fn}({an}_i/{bn}_i) = ∞. Coding {an}'s samples with a code built for "
                        f"{bn} cannot encode an outcome {bn} calls impossible.")
            return (f"The sum of the terms, in {unit}: the average extra information needed when samples of {an} "
                    f"are coded with a code built for {bn}. It is never negative, and 0 only when {an} = {bn}.")

        lhs = Sym(f"KL({an}‖{bn})", rf"D_{{\mathrm{{KL}}}}({an} \,\|\, {bn})")
        g.step(f"kl_{key}", f"KL({an}‖{bn}): the sum", lhs,
               E.Text(f"Σᵢ {an}_i {fn}({an}_i/{bn}_i)", rf"\sum_i {an}_i {fn_tex}\frac{{{an}_i}}{{{bn}_i}}"),
               [terms], lambda t: float(np.sum(np.asarray(t, float))), show_sum, explain_sum)

    kl_pair(pn, qn, "p", "q", "pq")
    kl_pair(qn, pn, "q", "p", "qp")

    # -- entropy and cross-entropy ----------------------------------------------------------------------------
    def show_h(x: Any, y: Any) -> list[E.Expr]:
        x, y = np.asarray(x, float), np.asarray(y, float)
        first = E.Neg(E.Paren(E.Add(tuple(E.mul(xi, L(Num(yi))) for xi, yi in zip(x, y)))))
        vals = [0.0 if xi == 0 else -np.inf if yi == 0 else float(xi * log(yi)) for xi, yi in zip(x, y)]
        return [first, E.Neg(E.Paren(E.Add(tuple(Num(v) for v in vals))))]

    g.step("entropy_p", "Entropy of p", Sym("H(p)"),
           E.Neg(E.Text(f"Σᵢ p_i {fn} p_i", rf"\sum_i p_i {fn_tex} p_i")), [pn],
           lambda x: float(np.sum(_plogq(x, x, log))),
           lambda x: show_h(x, x),
           lambda x, h: (f"The average information of one sample of p, in {unit}"
                         + (f"; p_i = 0 at {_entries(np.asarray(x) == 0)}, which adds 0 (0·{fn} 0 = 0 by convention)"
                            if np.any(np.asarray(x) == 0) else "")
                         + f". The most it can be is {fn} {len(x)} = {float(log(len(x))):.6g}, for the uniform "
                           "distribution."))

    def explain_ce(x: Any, y: Any, ce: float) -> str:
        x, y = np.asarray(x, float), np.asarray(y, float)
        h = float(np.sum(_plogq(x, x, log)))
        kl = float(np.sum(_plogratio(x, y, log)))
        if math.isinf(ce):
            return (f"Infinite: q_i = 0 at {_entries((x > 0) & (y == 0))} where p_i > 0, so -p_i {fn} q_i = ∞; "
                    "KL(p‖q) = H(p, q) - H(p) is infinite too.")
        return (f"The average code length, in {unit}, when samples of p are coded with a code built for q. "
                f"H(p, q) - H(p) = {ce:.6g} - {h:.6g} = {ce - h:.6g} = KL(p‖q) ({kl:.6g}): the cross-entropy is "
                "the entropy plus the divergence.")

    g.step("cross_entropy_pq", "Cross-entropy of p and q", Sym("H(p, q)"),
           E.Neg(E.Text(f"Σᵢ p_i {fn} q_i", rf"\sum_i p_i {fn_tex} q_i")), [pn, qn],
           lambda x, y: float(np.sum(_plogq(x, y, log))), show_h, explain_ce)

    base_text = {"e": "Natural log (nats); base 2 gives bits",
                 2: "Logarithms base 2 (bits); the natural log would give nats (bits = nats/ln 2)",
                 10: "Logarithms base 10 (hartleys); the natural log gives nats, base 2 bits"}[base]
    g.conventions.append(f"{base_text}. scipy.stats.entropy(p, q, base) computes KL(p‖q); torch's "
                         "F.kl_div(input=log q, target=p) takes its arguments the other way round.")
    g.conventions.append("KL is not symmetric: KL(p‖q) and KL(q‖p) usually differ, so both are worked out.")


# -- the catalogue of mistakes (tutor check / tutor quiz name them when a student's number matches) -------------
def log_base_of(sol: Solution) -> Any:
    """The base a solved kl_divergence or entropy problem used ("e", 2 or 10), read back from its numbers: the
    base is a parameter, not a given, and a mistake that switches to the base already in use names nothing.
    None when the numbers cannot tell (every measure 0 or infinite)."""
    p = np.asarray(sol.values["p"], float)
    pairs = [("entropy_p", p)]
    if "q" in sol.values and "cross_entropy_pq" in sol.values:
        pairs.append(("cross_entropy_pq", np.asarray(sol.values["q"], float)))
    for key, other in pairs:
        nats = float(np.sum(_plogq(p, other, np.log)))
        value = float(sol.values[key])
        if nats == 0 or not math.isfinite(nats) or not math.isfinite(value):
            continue
        for base, (_, _, _, log) in LOGS.items():
            if math.isclose(value / nats, float(log(math.e)), rel_tol=1e-9):
                return base
    return None


def base_mistakes(what: str) -> tuple[Mistake, ...]:
    """Logs in another base than the problem's: the same three slips for KL and for entropy."""
    return (
        Mistake("log₂ (bits) instead of ln",
                f"The problem asks for natural logarithms (nats); log₂ gives bits, the same {what} times 1/ln 2 = "
                "1.4427. Check the unit asked for before reaching for a log key.",
                params=lambda p: {"base": 2},
                applies=lambda sol: log_base_of(sol) == "e"),
        Mistake("ln (nats) instead of log₂",
                f"The problem asks for bits, logarithms base 2: log₂ x = ln x / ln 2. The natural log gives the {what} "
                "in nats, ln 2 = 0.6931 times the value in bits.",
                params=lambda p: {"base": "e"},
                applies=lambda sol: log_base_of(sol) == 2),
        Mistake("log₁₀ (a calculator's log key) instead of ln or log₂",
                "A calculator's 'log' key is base 10. For nats use ln; for bits use log₂ x = ln x / ln 2 (or "
                "log x / log 2).",
                params=lambda p: {"base": 10},
                applies=lambda sol: log_base_of(sol) in ("e", 2)),
    )


def no_zeros_and_distinct(sol: Solution) -> str | None:
    """A probability of 0 makes a term 0 by convention or the divergence infinite; p = q makes everything 0."""
    p, q = np.asarray(sol.values["p"], float), np.asarray(sol.values["q"], float)
    if np.any(p == 0) or np.any(q == 0):
        return "a probability of 0 makes a term 0 by convention, or a divergence infinite"
    if np.allclose(p, q, rtol=0, atol=1e-12):
        return "p and q are the same distribution, so both divergences are 0"
    return None


mistakes(
    "kl_divergence",
    Mistake("KL with p and q swapped",
            "KL is not symmetric: KL(p‖q) = Σ pᵢ log(pᵢ/qᵢ) weighs by p, the distribution the samples come from, "
            "and puts p on top; swapping them gives KL(q‖p), a different number.",
            params=lambda p: {"p": p["q"], "q": p["p"]}),
    *base_mistakes("divergence"),
    Mistake("KL(q‖p) with p as the weights: Σ pᵢ log(qᵢ/pᵢ)",
            "In KL(q‖p) = Σ qᵢ log(qᵢ/pᵢ) the weights are q's own probabilities, the same distribution as on top of "
            "the ratio. Σ pᵢ log(qᵢ/pᵢ) is −KL(p‖q), never positive.",
            rules={"terms_qp": lambda v: -np.asarray(v["terms_pq"], float)}),
)
degenerate("kl_divergence", no_zeros_and_distinct)
