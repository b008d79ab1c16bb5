"""Probability, as the chapter (file 003) works it: conditional probability from counts or probabilities (with
the independence check), Bayes' rule with the total probability in the denominator, and the expectation,
second moment, variance and standard deviation of a discrete random variable.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Callable

import numpy as np

from tutor.engine import expr as E
from tutor.engine.expr import Expr, Num, Sym
from tutor.engine.ops import EXPAND_MAX_ELEMENTS, EXPAND_MAX_TERMS, Graph, Node
from tutor.engine.step import Solution
from tutor.errors import TutorError
from tutor.mistakes import Mistake, degenerate, mistakes
from tutor.params import Param, Params
from tutor.registry import solver
from tutor.solvers import expect_vector

# Agreement of P(A)·P(B) with P(A ∩ B) closer than this is independence (inputs are often fractions like 1/3).
INDEPENDENT_TOL = 1e-12


def _frac(x: float) -> str:
    """' (= 4/7)' when x is a fraction with a small denominator (the notes write 4/7, not 0.5714), else ''."""
    if not math.isfinite(x):
        return ""
    f = Fraction(x).limit_denominator(1000)
    if f.denominator == 1 or abs(float(f) - x) > 1e-12:
        return ""
    return f" (= {f.numerator}/{f.denominator})"


def _tex(label: str) -> str:
    """A user's label inside \\text{...}, with LaTeX's special characters escaped."""
    out = label
    for ch, rep in (("\\", r"\textbackslash{}"), ("{", r"\{"), ("}", r"\}"), ("$", r"\$"), ("&", r"\&"),
                    ("#", r"\#"), ("_", r"\_"), ("%", r"\%"), ("^", r"\^{}"), ("~", r"\~{}")):
        out = out.replace(ch, rep)
    return out


def _prob_sym(text: str, tex: str) -> Sym:
    return Sym(f"P({text})", f"P({tex})")


def _check_prob(name: str, x: float) -> float:
    if not 0 <= x <= 1:
        raise TutorError(f"is {x:g}, but a probability lies in [0, 1]", field=name)
    return float(x)


# ==================================================================================================================
# conditional probability
# ==================================================================================================================
COND_PARAMS = [
    Param("n", "integer", "with counts: the number of equally likely outcomes (the sample space, or everyone)",
          default=None),
    Param("n_b", "integer", "with counts: how many outcomes are in B (the event given)", default=None),
    Param("n_ab", "integer", "with counts: how many outcomes are in both A and B", default=None),
    Param("n_a", "integer", "with counts, optional: how many outcomes are in A (adds P(A) and the independence "
                            "check)", default=None),
    Param("p_b", "number", "with probabilities: P(B) (give counts or probabilities, not both)", default=None),
    Param("p_ab", "number", "with probabilities: P(A ∩ B)", default=None),
    Param("p_a", "number", "with probabilities, optional: P(A) (adds the independence check)", default=None),
    Param("event_a", "text", "what A is, in words (e.g. an even number of heads)", default=None),
    Param("event_b", "text", "what B is, in words (e.g. a head on the first toss)", default=None),
]


@solver("conditional_probability", title="Conditional probability P(A|B)", topic="probability",
        params=COND_PARAMS, answer=["p_a_given_b"])
def conditional_probability(p: Params, g: Graph) -> None:
    """P(A|B) = P(A ∩ B)/P(B), from counts of equally likely outcomes (P(B) = n_B/n, P(A ∩ B) = n_AB/n) or from
    the probabilities; with P(A) given, A and B are independent when P(A)·P(B) = P(A ∩ B)."""
    counts = [k for k in ("n", "n_b", "n_ab", "n_a") if k in p]
    probs = [k for k in ("p_b", "p_ab", "p_a") if k in p]
    if bool(counts) == bool(probs):
        raise TutorError("give counts (n, n_b, n_ab and optionally n_a) or probabilities (p_b, p_ab and optionally "
                         "p_a), " + ("not both" if counts else "one or the other"), field="params")
    a_words, b_words = p.get("event_a"), p.get("event_b")
    nodes: dict[str, Node] = {}
    syms = {"a": _prob_sym("A", "A"), "b": _prob_sym("B", "B"), "ab": Sym("P(A ∩ B)", r"P(A \cap B)")}
    meaning = {"a": f"A: {a_words}" if a_words else "the event A",
               "b": f"B: {b_words}" if b_words else "the event B (the one given)",
               "ab": "A and B both"}

    if counts:
        missing = [k for k in ("n", "n_b", "n_ab") if k not in p]
        if missing:
            raise TutorError(f"missing {', '.join(missing)}: with counts, n, n_b and n_ab are needed", field=missing[0])
        n = p["n"]
        if n <= 0:
            raise TutorError(f"is {n}, but there must be at least one outcome", field="n")
        for k in counts:
            if not 0 <= p[k] <= n:
                raise TutorError(f"is {p[k]}, but a count of outcomes lies between 0 and n = {n}", field=k)
        if p["n_ab"] > p["n_b"]:
            raise TutorError(f"is {p['n_ab']}, more than n_b = {p['n_b']}: A ∩ B is part of B", field="n_ab")
        if "n_a" in p and p["n_ab"] > p["n_a"]:
            raise TutorError(f"is {p['n_ab']}, more than n_a = {p['n_a']}: A ∩ B is part of A", field="n_ab")
        if "n_a" in p and p["n_a"] + p["n_b"] - p["n_ab"] > n:
            raise TutorError(f"n_a + n_b − n_ab = {p['n_a'] + p['n_b'] - p['n_ab']} outcomes are in A or B, more "
                             f"than n = {n}", field="n_a")
        if p["n_b"] == 0:
            raise TutorError("is 0: P(A|B) is undefined when B never happens (it would divide by P(B) = 0)",
                             field="n_b")
        nn = g.given("n", n, Sym("n"), "the number of equally likely outcomes")
        for key, label, label_tex in (("b", "B", "B"), ("ab", "A ∩ B", r"A \cap B"), ("a", "A", "A")):
            if f"n_{key}" not in p:
                continue
            cn = g.given(f"n_{key}", p[f"n_{key}"], Sym(f"n({label})", f"n({label_tex})"),
                         f"outcomes in {meaning[key]}")
            nodes[key] = g.step(f"p_{key}", f"Probability of {label}: count over total", syms[key],
                                E.Div(cn.sym, nn.sym), [cn, nn], lambda c, t: float(c) / float(t),
                                explain=lambda c, t, v, label=label: (
                                    f"Every outcome is equally likely, so P({label}) is the share of the {int(t)} "
                                    f"outcomes that are in {label}{_frac(v)}."))
    else:
        missing = [k for k in ("p_b", "p_ab") if k not in p]
        if missing:
            raise TutorError(f"missing {', '.join(missing)}: with probabilities, p_b and p_ab are needed",
                             field=missing[0])
        for k in probs:
            _check_prob(k, p[k])
        if p["p_ab"] > p["p_b"]:
            raise TutorError(f"is {p['p_ab']:g}, more than p_b = {p['p_b']:g}: A ∩ B is part of B", field="p_ab")
        if "p_a" in p and p["p_ab"] > p["p_a"]:
            raise TutorError(f"is {p['p_ab']:g}, more than p_a = {p['p_a']:g}: A ∩ B is part of A", field="p_ab")
        if "p_a" in p and p["p_a"] + p["p_b"] - p["p_ab"] > 1 + 1e-12:
            raise TutorError(f"P(A ∪ B) = p_a + p_b − p_ab = {p['p_a'] + p['p_b'] - p['p_ab']:g} is more than 1",
                             field="p_a")
        if p["p_b"] == 0:
            raise TutorError("is 0: P(A|B) is undefined when B never happens (it would divide by P(B) = 0)",
                             field="p_b")
        for key in ("b", "ab", "a"):
            if f"p_{key}" in p:
                nodes[key] = g.given(f"p_{key}", p[f"p_{key}"], syms[key], meaning[key])

    a_text = f"A ({a_words})" if a_words else "A"
    b_text = f"B ({b_words})" if b_words else "B"

    def explain(ab: float, b: float, v: float) -> str:
        if float(b) == 0:
            return "Undefined: P(B) = 0, and conditioning on an event that never happens divides by 0."
        return (f"Among the outcomes where {b_text} happens, the share where {a_text} happens too{_frac(v)}. "
                "B has happened, so B is the whole world now: P(A ∩ B) is measured against P(B), not against 1.")

    cond = g.step("p_a_given_b", "Conditional probability of A given B", Sym("P(A|B)", r"P(A \mid B)"),
                  E.Div(nodes["ab"].sym, nodes["b"].sym), [nodes["ab"], nodes["b"]],
                  lambda ab, b: float(ab) / float(b) if float(b) else math.nan, explain=explain)

    if "a" in nodes:
        def explain_ind(a: float, b: float, ab: float, prod: float) -> str:
            if abs(prod - float(ab)) <= INDEPENDENT_TOL:
                return (f"P(A)·P(B) = P(A ∩ B) = {float(ab):.6g}{_frac(float(ab))}: A and B are independent, so "
                        f"knowing B does not change the chance of A, and P(A|B) = P(A) = {float(a):.6g}.")
            return (f"P(A)·P(B) = {prod:.6g}, but P(A ∩ B) = {float(ab):.6g}: A and B are not independent. Knowing "
                    f"B changes the chance of A from P(A) = {float(a):.6g}{_frac(float(a))} to P(A|B).")

        g.step("p_a_p_b", "Independence check: P(A)·P(B) against P(A ∩ B)", Sym("P(A)·P(B)", r"P(A) \cdot P(B)"),
               E.mul(nodes["a"].sym, nodes["b"].sym), [nodes["a"], nodes["b"], nodes["ab"]],
               lambda a, b, ab: float(a) * float(b),
               lambda a, b, ab: [E.mul(float(a), float(b))], explain_ind)
    _ = cond


# ==================================================================================================================
# Bayes' rule
# ==================================================================================================================
BAYES_PARAMS = [
    Param("prior", "number", "P(H), the probability of the hypothesis before the evidence (e.g. P(spam))"),
    Param("likelihood", "number", "P(E|H), the probability of the evidence when H holds (e.g. P(\"free\"|spam))"),
    Param("likelihood_not", "number", "P(E|¬H), the probability of the evidence when H does not hold"),
    Param("H", "text", "the hypothesis in words, used in the working (e.g. spam)", default="H"),
    Param("E", "text", "the evidence in words, used in the working (e.g. \"free\")", default="E"),
]


@solver("bayes", title="Bayes' rule with the total probability", topic="probability", params=BAYES_PARAMS,
        answer=["evidence", "posterior"])
def bayes(p: Params, g: Graph) -> None:
    """P(¬H) = 1 − P(H); P(E) = P(E|H)P(H) + P(E|¬H)P(¬H) (total probability);
    P(H|E) = P(E|H)P(H)/P(E)."""
    prior, lik, lik_not = (_check_prob(k, p[k]) for k in ("prior", "likelihood", "likelihood_not"))
    h, e = p["H"].strip(), p["E"].strip()
    ht, et = (x if x in ("H", "E") else rf"\text{{{_tex(x)}}}" for x in (h, e))
    if lik * prior + lik_not * (1 - prior) == 0:
        raise TutorError(f"P({e}) = P({e}|{h})P({h}) + P({e}|¬{h})P(¬{h}) = 0: the evidence can never be seen, so "
                         f"there is nothing to condition on", field="likelihood" if prior > 0 else "likelihood_not")

    pn = g.given("prior", prior, _prob_sym(h, ht), f"the prior: how likely {h} is before any evidence")
    ln = g.given("likelihood", lik, _prob_sym(f"{e}|{h}", rf"{et} \mid {ht}"), f"how likely {e} is when {h} holds")
    lnn = g.given("likelihood_not", lik_not, _prob_sym(f"{e}|¬{h}", rf"{et} \mid \neg {ht}"),
                  f"how likely {e} is when {h} does not hold")

    notp = g.step("prior_not", f"Prior of not-{h}", _prob_sym(f"¬{h}", rf"\neg {ht}"),
                  E.Add((Num(1), E.Neg(pn.sym))), [pn], lambda x: 1 - float(x),
                  explain=f"The complement: everything that is not {h}.")
    joint = g.step("joint", f"Joint probability of {h} and {e}", _prob_sym(f"{e} ∩ {h}", rf"{et} \cap {ht}"),
                   E.mul(ln.sym, pn.sym), [ln, pn], lambda a, b: float(a) * float(b),
                   explain=f"The probability that {h} holds and {e} is seen: the numerator of Bayes' rule.")
    joint_not = g.step("joint_not", f"Joint probability of not-{h} and {e}",
                       _prob_sym(f"{e} ∩ ¬{h}", rf"{et} \cap \neg {ht}"),
                       E.mul(lnn.sym, notp.sym), [lnn, notp], lambda a, b: float(a) * float(b),
                       explain=f"The probability that {h} does not hold and {e} is seen all the same.")
    ev = g.step("evidence", f"Total probability of {e}", _prob_sym(e, et), E.Add((joint.sym, joint_not.sym)),
                [joint, joint_not], lambda a, b: float(a) + float(b),
                explain=f"{e} is seen either with {h} or without it, so the two joint probabilities add up to the "
                        f"probability of seeing {e} at all (the law of total probability): the denominator.")

    def explain_post(j: float, ev_: float, post: float) -> str:
        if float(ev_) == 0:
            return f"Undefined: P({e}) = 0, so there is nothing to condition on."
        return (f"Of the probability {float(ev_):.4g} of seeing {e}, the part {float(j):.4g} comes with {h}: so once "
                f"{e} is seen, {h} has probability {post:.4g} ({100 * post:.3g}%).")

    g.step("posterior", f"Posterior: {h} given {e}", _prob_sym(f"{h}|{e}", rf"{ht} \mid {et}"),
           E.Div(E.mul(ln.sym, pn.sym), ev.sym), [joint, ev],
           lambda j, v: float(j) / float(v) if float(v) else math.nan,
           lambda j, v: [E.Div(Num(float(j)), Num(float(v)))], explain_post)

    post = g.values["posterior"]
    if lik_not > 0 and lik > lik_not and post < 0.5:
        g.notes.append(f"{e} is {lik / lik_not:.3g} times as likely under {h} as without it, yet P({h}|{e}) is only "
                       f"{post:.3g}: {h} is rare to begin with (P({h}) = {prior:g}), so most {e} comes from "
                       f"not-{h}. This is the base-rate effect.")


# ==================================================================================================================
# expectation and variance
# ==================================================================================================================
EV_PARAMS = [
    Param("x", "vector", "the values x_i the random variable X can take"),
    Param("p", "distribution", "their probabilities P(X = x_i), in the same order (fractions such as \"1/6\" "
                               "welcome)"),
]


def _terms_show(square: bool) -> Callable[[Any, Any], list[Expr]]:
    def show(xv: Any, pv: Any) -> list[Expr]:
        xs, ps = np.asarray(xv, float), np.asarray(pv, float)
        if xs.size > EXPAND_MAX_ELEMENTS:
            return []
        return [E.Matrix.column(E.mul(E.Pow(E.Paren(Num(a)) if a < 0 else Num(a), Num(2)) if square else Num(a), b)
                                for a, b in zip(xs, ps))]
    return show


@solver("expectation_variance", title="Expectation, variance and standard deviation", topic="probability",
        params=EV_PARAMS, answer=["E_X", "E_X2", "Var_X", "std_X"])
def expectation_variance(p: Params, g: Graph) -> None:
    """E[X] = Σ_i x_i P(X = x_i); E[X²] = Σ_i x_i² P(X = x_i); Var(X) = E[X²] − E[X]²; σ = √Var(X)."""
    x, P = p["x"], p["p"]
    expect_vector("p", P, len(x), f"one probability per value (x has {len(x)})")
    xn = g.given("x", x, Sym("x"), "the values of X")
    pn = g.given("p", P, Sym("p"), "P(X = x_i)")

    def show_sum(t: Any) -> list[Expr]:
        t = np.asarray(t, float)
        return [E.Add(tuple(Num(v) for v in t))] if 1 < t.size <= EXPAND_MAX_TERMS else []

    t1 = g.step("x_p", "Each value times its probability", Sym("x_i·p_i", r"x_i p_i"), E.mul(Sym("x_i"), Sym("p_i")),
                [xn, pn], lambda a, b: np.asarray(a, float) * np.asarray(b, float), _terms_show(False),
                "Each value weighted by how often it comes up.")
    mean = g.step("E_X", "Expectation (mean)", Sym("E[X]", r"\mathbb{E}[X]"),
                  E.Text("Σᵢ x_i p_i", r"\sum_i x_i p_i"), [t1], lambda t: float(np.sum(np.asarray(t, float))),
                  show_sum, lambda t, v: f"The long-run average of X over many draws{_frac(v)}; it need not be a "
                                         "value X can take.")
    t2 = g.step("x2_p", "Each squared value times its probability", Sym("x_i^2·p_i", r"x_i^2 p_i"),
                E.mul(E.Pow(Sym("x_i"), Num(2)), Sym("p_i")), [xn, pn],
                lambda a, b: np.asarray(a, float) ** 2 * np.asarray(b, float), _terms_show(True),
                "The same weighting, applied to x_i² instead of x_i.")
    m2 = g.step("E_X2", "Second moment E[X²]", Sym("E[X²]", r"\mathbb{E}[X^2]"),
                E.Text("Σᵢ x_i² p_i", r"\sum_i x_i^2 p_i"), [t2], lambda t: float(np.sum(np.asarray(t, float))),
                show_sum, lambda t, v: f"The mean of X²{_frac(v)}: not the same as E[X]² unless X never varies.")

    def var_rule(a: float, m: float) -> float:
        v = float(a) - float(m) ** 2
        return 0.0 if abs(v) <= 1e-12 * max(1.0, abs(float(a))) else v  # rounding, not a negative variance

    def explain_var(a: float, m: float, v: float) -> str:
        if v < 0:
            return "Negative, which a variance cannot be: E[X²] is never below E[X]²; check the two moments."
        return (f"How far X spreads around its mean, in squared units{_frac(v)}. It is E[(X − μ)²], the definition, "
                "expanded as the notes do into E[X²] − 2μE[X] + μ² = E[X²] − E[X]².")

    var = g.step("Var_X", "Variance", Sym("Var(X)", r"\operatorname{Var}(X)"),
                 E.Add((m2.sym, E.Neg(E.Pow(mean.sym, Num(2))))), [m2, mean], var_rule,
                 lambda a, m: [E.Add((Num(float(a)), E.Neg(E.Pow(E.Paren(Num(float(m))) if m < 0 else Num(float(m)),
                                                                   Num(2))))),
                               E.Add((Num(float(a)), E.Neg(Num(float(m) ** 2))))],
                 explain_var)
    g.step("std_X", "Standard deviation", Sym("σ", r"\sigma"), E.Call("√", (var.sym,)), [var],
           lambda v: math.sqrt(float(v)) if float(v) >= 0 else math.nan,
           lambda v: [E.Call("√", (Num(float(v)),))],
           lambda v, s: ("Undefined: the variance is negative, so it has no square root." if math.isnan(s) else
                         "The square root of the variance: the spread back in the units of X."))
    g.conventions.append("The variance of the distribution itself, E[(X − μ)²] = E[X²] − E[X]² (nothing divided by "
                         "n − 1). Given samples instead, numpy.var divides by n (ddof=0) but torch.var by n − 1 "
                         "(unbiased=True) by default.")


# ==================================================================================================================
# the catalogue of mistakes (tutor check / tutor quiz name them when a student's number matches)
# ==================================================================================================================
mistakes(
    "conditional_probability",
    Mistake("P(B|A) instead of P(A|B)",
            "The event after the bar is the one known to have happened, and its probability is the denominator: "
            "P(A|B) = P(A ∩ B)/P(B); dividing by P(A) gives P(B|A), a different number.",
            rules={"p_a_given_b": lambda v: float(v["p_ab"]) / float(v["p_a"])},
            applies=lambda sol: "p_a" in sol.values),
    Mistake("P(A ∩ B) taken for P(A|B)",
            "Once B has happened, B is the whole world: P(A ∩ B) has to be divided by P(B), the share of the "
            "outcomes that B leaves.",
            rules={"p_a_given_b": lambda v: float(v["p_ab"])}),
    Mistake("P(A) taken for P(A|B)",
            "P(A|B) = P(A) only when A and B are independent, which is what the check P(A)·P(B) = P(A ∩ B) decides; "
            "in general P(A|B) = P(A ∩ B)/P(B).",
            rules={"p_a_given_b": lambda v: float(v["p_a"])},
            applies=lambda sol: "p_a" in sol.values),
)

mistakes(
    "bayes",
    Mistake("P(E|H) taken for P(H|E)",
            "The likelihood P(E|H) is how often the evidence comes with H; the posterior P(H|E) turns it round "
            "with Bayes' rule, P(E|H)P(H)/P(E), which for a rare H is far smaller.",
            rules={"posterior": lambda v: float(v["likelihood"])}),
    Mistake("priors left out (base-rate neglect)",
            "Each likelihood is weighted by its prior: P(E) = P(E|H)P(H) + P(E|¬H)P(¬H). Without the priors the "
            "rule ignores how rare H is to begin with.",
            rules={"joint": lambda v: float(v["likelihood"]), "joint_not": lambda v: float(v["likelihood_not"])}),
)

mistakes(
    "expectation_variance",
    Mistake("E[X] as Σ p_i (the values left out)",
            "E[X] = Σ x_i p_i weights each value by its probability; Σ p_i alone is always 1 (the notes' entropy "
            "section slips this way).",
            rules={"x_p": lambda v: np.asarray(v["p"], float)}),
    Mistake("E[X²] as E[X]²",
            "E[X²] = Σ x_i² p_i squares each value before weighting; E[X]² squares the mean afterwards. They "
            "differ by exactly the variance.",
            rules={"E_X2": lambda v: float(v["E_X"]) ** 2}),
    Mistake("variance as E[X²] − E[X]",
            "Var(X) = E[X²] − E[X]²: the mean is squared before it is subtracted.",
            rules={"Var_X": lambda v: float(v["E_X2"]) - float(v["E_X"])}),
)


def _trivial_condition(sol: Solution) -> str | None:
    return "P(A|B) is 0 or 1" if sol.values["p_a_given_b"] in (0, 1) else None


def _certain_or_impossible(sol: Solution) -> str | None:
    v = sol.values
    if v["prior"] in (0, 1) or v["likelihood"] == 0 or v["likelihood_not"] == 0:
        return "a prior of 0 or 1, or a likelihood of 0, makes the posterior 0 or 1 without any working"
    return None


def _no_spread(sol: Solution) -> str | None:
    if np.any(np.asarray(sol.values["p"], float) == 0):
        return "a value with probability 0"
    return "X never varies (variance 0)" if sol.values["Var_X"] == 0 else None


degenerate("conditional_probability", _trivial_condition)
degenerate("bayes", _certain_or_impossible)
degenerate("expectation_variance", _no_spread)
