"""conditional_probability, bayes and expectation_variance against enumerations and formulas written here."""

import itertools
import json
import math
from fractions import Fraction

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import make_problem, solve_params
from tutor.answers import parse_answer
from tutor.api import find_problem, solve
from tutor.check import check as check_answers
from tutor.cli import app
from tutor.errors import TutorError
from tutor.mistakes import degeneracy_checks


# -- conditional probability --------------------------------------------------------------------------------------
def three_coins():
    """Counts by enumerating the 8 outcomes: B = head on the first toss, A = an even number of heads."""
    outcomes = list(itertools.product("HT", repeat=3))
    B = [o for o in outcomes if o[0] == "H"]
    A = [o for o in outcomes if o.count("H") % 2 == 0]
    AB = [o for o in A if o in B]
    return dict(n=len(outcomes), n_b=len(B), n_ab=len(AB), n_a=len(A))


def test_three_coins_from_enumerated_counts():
    counts = three_coins()
    assert counts == dict(n=8, n_b=4, n_ab=2, n_a=4)  # TTT (zero heads) is in A
    sol = solve_params("conditional_probability", **counts)
    assert sol.value("p_b") == 0.5 and sol.value("p_ab") == 0.25 and sol.value("p_a") == 0.5
    assert sol.value("p_a_given_b") == 0.5
    assert sol.value("p_a_p_b") == 0.25
    assert "are independent" in sol.explanation("p_a_p_b")
    assert sol.answer_keys == ("p_a_given_b",)


def test_students_counts_and_fractions():
    sol = solve_params("conditional_probability", n=50, n_b=35, n_ab=20, n_a=30, event_a="a girl",
                       event_b="passed")
    assert sol.value("p_a_given_b") == pytest.approx(20 / 35, rel=1e-15)
    assert "(= 4/7)" in sol.explanation("p_a_given_b") and "passed" in sol.explanation("p_a_given_b")
    assert "not independent" in sol.explanation("p_a_p_b")
    assert sol.value("p_a_p_b") == pytest.approx(0.6 * 0.7, rel=1e-15)


def test_from_probabilities_without_p_a():
    sol = solve_params("conditional_probability", p_b="1/3", p_ab="1/12")
    assert sol.value("p_a_given_b") == pytest.approx(0.25, rel=1e-15)
    assert "p_a_p_b" not in sol.steps
    assert "p_b" in sol.givens


def test_replacing_p_b_recomputes():
    sol = solve_params("conditional_probability", n=50, n_b=35, n_ab=20)
    assert sol.replace({"p_b": 0.8}).value("p_a_given_b") == pytest.approx(0.4 / 0.8, rel=1e-15)


@pytest.mark.parametrize("params,field,fragment", [
    (dict(n=8, n_b=4, n_ab=2, p_b=0.5), "params", "not both"),
    ({}, "params", "one or the other"),
    (dict(n=8, n_b=4), "params.n_ab", "missing n_ab"),
    (dict(n=8, n_b=2, n_ab=3), "params.n_ab", "part of B"),
    (dict(n=8, n_b=4, n_ab=3, n_a=2), "params.n_ab", "part of A"),
    (dict(n=8, n_b=9, n_ab=2), "params.n_b", "between 0 and n = 8"),
    (dict(n=8, n_b=0, n_ab=0), "params.n_b", "undefined"),
    (dict(n=8, n_b=6, n_ab=2, n_a=6), "params.n_a", "more than n = 8"),
    (dict(p_b=0, p_ab=0), "params.p_b", "undefined"),
    (dict(p_b=1.5, p_ab=0.2), "params.p_b", "[0, 1]"),
    (dict(p_b=0.3, p_ab=0.4), "params.p_ab", "part of B"),
    (dict(p_b=0.8, p_ab=0.2, p_a=0.5), "params.p_a", "more than 1"),
])
def test_conditional_bad_input(params, field, fragment):
    with pytest.raises(TutorError) as e:
        solve_params("conditional_probability", **params)
    assert e.value.field == field, e.value
    assert fragment in e.value.message


# -- Bayes --------------------------------------------------------------------------------------------------------
def ref_bayes(prior, lik, lik_not):
    evidence = lik * prior + lik_not * (1 - prior)
    return evidence, lik * prior / evidence


def test_spam_filter():
    sol = solve_params("bayes", prior=0.01, likelihood=0.8, likelihood_not=0.1, H="spam", E='"free"')
    # by hand: 0.008/(0.008 + 0.099) = 8/107
    assert sol.value("posterior") == pytest.approx(8 / 107, rel=1e-14)
    assert sol.value("evidence") == pytest.approx(0.107, rel=1e-14)
    assert sol.value("prior_not") == pytest.approx(0.99, rel=1e-15)
    assert sol.symbol_of("posterior").text == 'P(spam|"free")'
    assert any("base-rate" in n for n in sol.notes)
    assert sol.answer_keys == ("evidence", "posterior")


def test_published_drug_test_example():
    # Wikipedia, "Bayes' theorem", Drug testing: sensitivity 0.90, specificity 0.80 (P(+|non-user) = 0.20),
    # prevalence 0.05: P(user|+) = 0.045/0.235 ≈ 19%.
    sol = solve_params("bayes", prior=0.05, likelihood=0.9, likelihood_not=0.2)
    assert sol.value("posterior") == pytest.approx(0.045 / 0.235, rel=1e-13)
    assert round(sol.value("posterior"), 2) == 0.19


def test_bayes_random_against_reference():
    rng = np.random.default_rng(11)
    for prior, lik, lik_not in rng.uniform(0.01, 0.99, size=(25, 3)):
        sol = solve_params("bayes", prior=float(prior), likelihood=float(lik), likelihood_not=float(lik_not))
        evidence, post = ref_bayes(prior, lik, lik_not)
        assert sol.value("evidence") == pytest.approx(evidence, rel=1e-13)
        assert sol.value("posterior") == pytest.approx(post, rel=1e-13)


def test_bayes_replace_prior_recomputes_everything():
    sol = solve_params("bayes", prior=0.01, likelihood=0.8, likelihood_not=0.1)
    new = sol.replace({"prior": 0.5})
    assert new.value("posterior") == pytest.approx(ref_bayes(0.5, 0.8, 0.1)[1], rel=1e-14)


def test_bayes_latex_labels_are_escaped():
    sol = solve_params("bayes", prior=0.5, likelihood=0.5, likelihood_not=0.5, H="50%_off", E="x")
    assert sol.symbol_of("prior").tex == r"P(\text{50\%\_off})"


@pytest.mark.parametrize("params,field,fragment", [
    (dict(prior=1.2, likelihood=0.8, likelihood_not=0.1), "params.prior", "[0, 1]"),
    (dict(prior=0.5, likelihood=-0.1, likelihood_not=0.1), "params.likelihood", "[0, 1]"),
    (dict(prior=0.3, likelihood=0, likelihood_not=0), "params.likelihood", "never be seen"),
    (dict(prior=0.3, likelihood=0.5), "params", "likelihood_not"),
])
def test_bayes_bad_input(params, field, fragment):
    with pytest.raises(TutorError) as e:
        solve_params("bayes", **params)
    assert e.value.field == field, e.value
    assert fragment in e.value.message


# -- expectation and variance -------------------------------------------------------------------------------------
def test_fair_die():
    # a fair die: E[X] = 7/2, E[X²] = 91/6, Var(X) = 35/12 (the standard textbook values)
    sol = solve_params("expectation_variance", x=[1, 2, 3, 4, 5, 6], p=["1/6"] * 6)
    assert sol.value("E_X") == pytest.approx(3.5, rel=1e-14)
    assert sol.value("E_X2") == pytest.approx(91 / 6, rel=1e-14)
    assert sol.value("Var_X") == pytest.approx(35 / 12, rel=1e-13)
    assert sol.value("std_X") == pytest.approx(math.sqrt(35 / 12), rel=1e-13)
    assert "(= 35/12)" in sol.explanation("Var_X")


def test_chapter_examples_bernoulli():
    for p1 in (Fraction(1, 2), Fraction(1, 6)):
        sol = solve_params("expectation_variance", x=[0, 1], p=[str(1 - p1), str(p1)])
        assert sol.value("E_X") == pytest.approx(float(p1), rel=1e-15)
        assert sol.value("Var_X") == pytest.approx(float(p1 * (1 - p1)), rel=1e-14)  # p(1 − p)


def test_random_distributions_against_the_definition():
    rng = np.random.default_rng(5)
    for _ in range(25):
        k = int(rng.integers(1, 8))
        x = rng.normal(0, 3, k).round(2).tolist()
        w = rng.integers(1, 10, k)
        p = [f"{int(a)}/{int(w.sum())}" for a in w]
        pf = [int(a) / int(w.sum()) for a in w]
        mu = sum(a * b for a, b in zip(x, pf))
        var = sum(b * (a - mu) ** 2 for a, b in zip(x, pf))  # E[(X − μ)²], the definition
        sol = solve_params("expectation_variance", x=x, p=p)
        assert sol.value("E_X") == pytest.approx(mu, rel=1e-12, abs=1e-12)
        assert sol.value("Var_X") == pytest.approx(var, rel=1e-9, abs=1e-12)


def test_constant_variable_has_zero_variance():
    sol = solve_params("expectation_variance", x=[0.1], p=[1])
    assert sol.value("Var_X") == 0 and sol.value("std_X") == 0


def test_student_values_carry_forward_and_negative_variance_is_said():
    sol = solve_params("expectation_variance", x=[0, 1], p=["5/6", "1/6"])
    new = sol.replace({"E_X": 0.2})
    assert new.value("Var_X") == pytest.approx(1 / 6 - 0.04, rel=1e-14)
    bad = sol.replace({"E_X2": 0.01})
    assert bad.value("Var_X") < 0 and math.isnan(bad.value("std_X"))
    assert "cannot be" in bad.explanation("Var_X") and "Undefined" in bad.explanation("std_X")


@pytest.mark.parametrize("params,field,fragment", [
    (dict(x=[0, 1, 2], p=[0.5, 0.5]), "params.p", "x has 3"),
    (dict(x=[0, 1], p=[0.5, 0.6]), "params.p", "sum to 1.1"),
    (dict(x=[0, 1], p=[1.5, -0.5]), "params.p", "negative"),
    (dict(x=[], p=[1]), "params.x", "non-empty"),
])
def test_expectation_bad_input(params, field, fragment):
    with pytest.raises(TutorError) as e:
        solve_params("expectation_variance", **params)
    assert e.value.field == field, e.value
    assert fragment in e.value.message


# -- the problems, through the CLI --------------------------------------------------------------------------------
@pytest.mark.parametrize("pid,key,expected", [
    ("conditional-three-coins", "p_a_given_b", 0.5),
    ("conditional-students-passed", "p_a_given_b", 4 / 7),
    ("bayes-spam-filter", "posterior", 8 / 107),
    ("expectation-coin-heads", "Var_X", 0.25),
    ("expectation-die-six", "Var_X", 5 / 36),
    ("expectation-die-six", "std_X", math.sqrt(5) / 6),
])
def test_problems_solve_through_the_cli(pid, key, expected):
    r = CliRunner().invoke(app, ["solve", pid, "--format", "json"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["answer"][key] == pytest.approx(expected, rel=1e-13)


def test_three_coins_problem_records_the_notes_p_a():
    r = CliRunner().invoke(app, ["solve", "conditional-three-coins"])
    assert r.exit_code == 0, r.stderr
    assert "The notes give 3/8 for P(A)" in r.stdout and "TTT" in r.stdout


# -- mistakes -------------------------------------------------------------------------------------------------------
def marks(problem, **answers):
    res = check_answers(problem, {k: parse_answer(t) for k, t in answers.items()})
    return {m.key: m for m in res.marks}


def named(problem, key, value, **before):
    m = marks(problem, **before, **{key: f"{value:.6f}"})[key]
    assert m.status == "wrong", (m.status, m.expected)
    return m.mistake.name if m.mistake else None


def test_conditional_probability_mistakes_are_named():
    students = find_problem("conditional-students-passed")  # 50 students, 30 girls, 35 passed, 20 girls passed
    assert named(students, "p_a_given_b", 20 / 30) == "P(B|A) instead of P(A|B)"
    assert named(students, "p_a_given_b", 20 / 50) == "P(A ∩ B) taken for P(A|B)"
    assert named(students, "p_a_given_b", 30 / 50) == "P(A) taken for P(A|B)"


def test_conditional_mistakes_needing_p_a_do_not_apply_without_it():
    prob = make_problem("conditional_probability", {"p_b": 0.5, "p_ab": 0.2})
    assert named(prob, "p_a_given_b", 0.2) == "P(A ∩ B) taken for P(A|B)"
    assert named(prob, "p_a_given_b", 0.5) is None


def test_bayes_mistakes_are_named():
    spam = find_problem("bayes-spam-filter")  # P(spam) 0.01, P(free|spam) 0.8, P(free|¬spam) 0.1
    assert named(spam, "posterior", 0.8) == "P(E|H) taken for P(H|E)"
    assert named(spam, "evidence", 0.8 + 0.1) == "priors left out (base-rate neglect)"
    assert named(spam, "posterior", 0.8 / (0.8 + 0.1)) == "priors left out (base-rate neglect)"


def test_right_values_to_2_and_4_decimals_are_correct_and_a_slip_carries_forward():
    die = find_problem("expectation-die-six")
    std = math.sqrt(1 / 6 - (1 / 6) ** 2)  # √5/6 = 0.3727
    for digits in (2, 4):
        assert marks(die, std_X=f"{std:.{digits}f}")["std_X"].status == "correct"
    spam = find_problem("bayes-spam-filter")
    got = marks(spam, evidence="0.108", posterior=f"{0.008 / 0.108:.4f}")  # P(E) slipped; posterior from it
    assert got["evidence"].status == "wrong"
    assert got["posterior"].status == "carried_forward"


def test_expectation_mistakes_are_named():
    die = find_problem("expectation-die-six")  # x = 0, 1 with p = 5/6, 1/6
    assert named(die, "E_X", 5 / 6 + 1 / 6) == "E[X] as Σ p_i (the values left out)"
    assert named(die, "E_X2", (1 / 6) ** 2) == "E[X²] as E[X]²"
    x, p = np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.25, 0.25])
    prob = make_problem("expectation_variance", {"x": x.tolist(), "p": p.tolist()})
    mean, second = float(x @ p), float(x**2 @ p)  # 1.75, 3.75
    assert named(prob, "Var_X", second - mean) == "variance as E[X²] − E[X]"
    assert named(prob, "Var_X", mean**2 - mean**2) == "E[X²] as E[X]²"


def test_degenerate_variants():
    checks = degeneracy_checks("conditional_probability")
    assert [c(solve_params("conditional_probability", n=10, n_b=4, n_ab=4)) for c in checks] == ["P(A|B) is 0 or 1"]
    assert [c(solve(find_problem("conditional-students-passed"))) for c in checks] == [None]
    checks = degeneracy_checks("bayes")
    certain = solve_params("bayes", prior=0.3, likelihood=0.9, likelihood_not=0)
    assert [c(certain) is not None for c in checks] == [True]
    assert [c(solve(find_problem("bayes-spam-filter"))) for c in checks] == [None]
    checks = degeneracy_checks("expectation_variance")
    assert [c(solve_params("expectation_variance", x=[1, 2], p=[1, 0])) for c in checks] == [
        "a value with probability 0"]
    assert [c(solve(find_problem("expectation-die-six"))) for c in checks] == [None]
