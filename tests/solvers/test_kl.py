"""kl_divergence against published values and a plain-Python re-derivation written in this test."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import solve_params
from tutor.cli import app
from tutor.errors import TutorError
from tutor.printers.json import jsonable

P = ["9/25", "12/25", "4/25"]
Q = ["1/3", "1/3", "1/3"]
# Published: Wikipedia, "Kullback–Leibler divergence", section "Basic example" (P binomial(2, 0.4), Q uniform):
# D_KL(P‖Q) = 0.0852996 and D_KL(Q‖P) = 0.097455 nats. The notes (file 000) give 0.0852 and 0.10.
WIKI_KL_PQ = 0.0852996
WIKI_KL_QP = 0.097455


def reference(p, q, base=math.e):
    """KL both ways, H(p) and H(p, q) with plain math.log, 0·log(0/x) = 0 and x·log(x/0) = ∞."""
    def kl(a, b):
        total = 0.0
        for x, y in zip(a, b):
            if x == 0:
                continue
            if y == 0:
                return math.inf
            total += x * math.log(x / y, base)
        return total

    h = -sum(x * math.log(x, base) for x in p if x > 0)
    ce = math.inf if any(x > 0 and y == 0 for x, y in zip(p, q)) else \
        -sum(x * math.log(y, base) for x, y in zip(p, q) if x > 0)
    return {"kl_pq": kl(p, q), "kl_qp": kl(q, p), "entropy_p": h, "cross_entropy_pq": ce}


def test_wikipedia_example():
    sol = solve_params("kl_divergence", p=P, q=Q)
    assert sol.value("kl_pq") == pytest.approx(WIKI_KL_PQ, abs=5e-8)
    assert sol.value("kl_qp") == pytest.approx(WIKI_KL_QP, abs=5e-7)
    assert sol.answer_keys == ("kl_pq", "kl_qp", "entropy_p", "cross_entropy_pq")


def test_against_reference_and_terms():
    sol = solve_params("kl_divergence", p=P, q=Q)
    ref = reference([9 / 25, 12 / 25, 4 / 25], [1 / 3] * 3)
    for k, v in ref.items():
        assert sol.value(k) == pytest.approx(v, rel=1e-13), k
    # the three terms by hand: (9/25)ln(27/25), (12/25)ln(36/25), (4/25)ln(12/25)
    np.testing.assert_allclose(sol.value("terms_pq"), [0.36 * math.log(1.08), 0.48 * math.log(1.44),
                                                       0.16 * math.log(0.48)], rtol=1e-13)
    # H(p, q) for a uniform q is ln 3 whatever p is
    assert sol.value("cross_entropy_pq") == pytest.approx(math.log(3), rel=1e-14)


def test_kl_is_cross_entropy_minus_entropy_and_said_so():
    sol = solve_params("kl_divergence", p=P, q=Q)
    assert sol.value("kl_pq") == pytest.approx(sol.value("cross_entropy_pq") - sol.value("entropy_p"), rel=1e-12)
    said = sol.explanation("cross_entropy_pq")
    assert "H(p, q) - H(p)" in said and "KL(p‖q)" in said and "0.0852996" in said


@pytest.mark.parametrize("base,factor", [(2, math.log(2)), ("2", math.log(2)), (10, math.log(10))])
def test_other_bases_are_nats_over_ln_base(base, factor):
    nats = solve_params("kl_divergence", p=P, q=Q)
    other = solve_params("kl_divergence", p=P, q=Q, base=base)
    for k in ("kl_pq", "kl_qp", "entropy_p", "cross_entropy_pq"):
        assert other.value(k) == pytest.approx(nats.value(k) / factor, rel=1e-13), k
    assert other.value("entropy_p") == pytest.approx(reference([0.36, 0.48, 0.16], [1 / 3] * 3,
                                                               base=int(base))["entropy_p"], rel=1e-13)


def test_base_e_by_default_and_bad_base():
    sol = solve_params("kl_divergence", p=P, q=Q, base="e")
    assert sol.value("kl_pq") == pytest.approx(WIKI_KL_PQ, abs=5e-8)
    assert any("nats" in c and "scipy.stats.entropy" in c and "F.kl_div" in c for c in sol.conventions)
    with pytest.raises(TutorError) as e:
        solve_params("kl_divergence", p=P, q=Q, base=3)
    assert e.value.field == "params.base"


# -- zeros ------------------------------------------------------------------------------------------------------------
def test_zero_in_p_contributes_nothing():
    sol = solve_params("kl_divergence", p=[0.5, 0.5, 0], q=[0.5, 0.25, 0.25])
    assert sol.value("kl_pq") == pytest.approx(0.5 * math.log(2), rel=1e-14)  # 0 + 0.5 ln 2 + 0
    assert sol.value("terms_pq")[2] == 0
    assert sol.value("entropy_p") == pytest.approx(math.log(2), rel=1e-14)
    assert "0·ln(0/q_i) = 0 by convention" in sol.explanation("terms_pq")
    # KL(q‖p): q puts mass 0.25 on entry 3, where p has none
    assert sol.value("kl_qp") == math.inf
    why = sol.explanation("kl_qp")
    assert "infinite" in why and "entry 3" in why and "p has none" in why


def test_zero_in_q_makes_kl_infinite_without_nan():
    sol = solve_params("kl_divergence", p=[0.2, 0.8], q=[1, 0])
    assert sol.value("kl_pq") == math.inf
    assert sol.value("cross_entropy_pq") == math.inf
    assert sol.value("kl_qp") == pytest.approx(math.log(1 / 0.2), rel=1e-14)  # 1·ln(1/0.2) + 0
    for k, v in sol.values.items():
        assert not np.isnan(np.asarray(v, float)).any(), k
    why = sol.explanation("kl_pq")
    assert "entry 2" in why and "q has none" in why
    assert jsonable(sol.answer)["kl_pq"] == "inf"
    json.dumps(jsonable(sol.values), allow_nan=False)


def test_replace_a_term_recomputes_the_sum():
    sol = solve_params("kl_divergence", p=P, q=Q)
    student = np.array([0.0277, 0.175, -0.117])
    new = sol.replace({"terms_pq": student})
    assert new.value("kl_pq") == pytest.approx(0.0277 + 0.175 - 0.117, rel=1e-14)
    assert new.value("kl_qp") == sol.value("kl_qp")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 20), min_size=2, max_size=6), st.integers(0, 2**31 - 1))
def test_random_distributions(weights, seed):
    rng = np.random.default_rng(seed)
    if sum(weights) == 0:
        weights[0] = 1
    other = rng.integers(0, 5, size=len(weights)).tolist()
    if sum(other) == 0:
        other[-1] = 1
    p = [f"{w}/{sum(weights)}" for w in weights]
    q = [f"{w}/{sum(other)}" for w in other]
    pf = [w / sum(weights) for w in weights]
    qf = [w / sum(other) for w in other]
    sol = solve_params("kl_divergence", p=p, q=q)
    ref = reference(pf, qf)
    for k, v in ref.items():
        if math.isinf(v):
            assert sol.value(k) == math.inf, k
        else:
            assert sol.value(k) == pytest.approx(v, rel=1e-9, abs=1e-12), k
    if not math.isinf(ref["kl_pq"]):
        assert sol.value("kl_pq") >= -1e-12


# -- input errors ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("p,fragment", [
    ([0.5, -0.1, 0.6], "negative"),
    ([0.5, 0.4, 0.2], "sum to 1.1"),
    (["9/25 + x", "12/25", "4/25"], "expected a number"),
    ([], "non-empty"),
])
def test_bad_distributions(p, fragment):
    with pytest.raises(TutorError) as e:
        solve_params("kl_divergence", p=p, q=Q)
    assert e.value.field.startswith("params.p"), e.value.field
    assert fragment in e.value.message


def test_lengths_must_match():
    with pytest.raises(TutorError) as e:
        solve_params("kl_divergence", p=P, q=[0.5, 0.5])
    assert e.value.field == "params.q"
    assert "2 entries" in e.value.message and "p has 3" in e.value.message


# -- CLI ------------------------------------------------------------------------------------------------------------
def test_cli_json():
    r = CliRunner().invoke(app, ["solve", "kl-divergence", "--format", "json"])
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["answer"]["kl_pq"] == pytest.approx(WIKI_KL_PQ, abs=5e-8)
    assert data["answer"]["kl_qp"] == pytest.approx(WIKI_KL_QP, abs=5e-7)
    assert data["params"]["base"] == "e"


def test_cli_text():
    r = CliRunner().invoke(app, ["solve", "kl-divergence"])
    assert r.exit_code == 0, r.stderr
    assert "0.0853" in r.stdout and "0.09746" in r.stdout and "0.36·ln(1.08)" in r.stdout


def test_cli_bad_q_is_one_line_naming_q():
    r = CliRunner().invoke(app, ["solve", "kl-divergence", "--set", "q=[0.5,0.6,0.1]"])
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "q" in lines[0].split(":")[0] and "sum to 1.2" in lines[0]
    assert "Traceback" not in r.stderr and r.stdout == ""


# -- mistakes --------------------------------------------------------------------------------------------------
# Each wrong method is re-derived here with `reference` (plain math.log); the check must name it when a student
# types its numbers.

from tutor.api import find_problem, solve  # noqa: E402
from tutor.check import CARRIED, CORRECT  # noqa: E402
from tutor.mistakes import catalogue, degeneracy_checks  # noqa: E402
from tutor.solvers.kl import log_base_of  # noqa: E402

P_FRAC = [9 / 25, 12 / 25, 4 / 25]
U = [1 / 3] * 3
P_BITS, Q_BITS = [0.7, 0.2, 0.1], [0.6, 0.3, 0.1]
ANSWERS = ("kl_pq", "kl_qp", "entropy_p", "cross_entropy_pq")


from checking import assert_named, bank_problems, changed_steps, mark, text  # noqa: E402,F401


def test_p_and_q_swapped():
    problem = find_problem("kl-divergence")
    swapped = reference(U, P_FRAC)  # every quantity with the roles of P and Q exchanged
    assert swapped["kl_pq"] == pytest.approx(WIKI_KL_QP, abs=5e-7)
    for key in ANSWERS:
        assert_named(problem, key, swapped[key], "KL with p and q swapped")


def test_bits_where_nats_were_asked():
    problem = find_problem("kl-divergence")  # natural logs
    bits = reference(P_FRAC, U, base=2)
    assert bits["kl_pq"] == pytest.approx(WIKI_KL_PQ / math.log(2), rel=1e-6)
    for key in ANSWERS:
        assert_named(problem, key, bits[key], "log₂ (bits) instead of ln")


def test_nats_where_bits_were_asked():
    problem = find_problem("kl-divergence-bits")
    nats = reference(P_BITS, Q_BITS)
    for key in ANSWERS:
        assert_named(problem, key, nats[key], "ln (nats) instead of log₂")


@pytest.mark.parametrize("pid,p,q", [("kl-divergence", P_FRAC, U), ("kl-divergence-bits", P_BITS, Q_BITS)])
def test_calculator_log_key(pid, p, q):
    tens = reference(p, q, base=10)
    for key in ANSWERS:
        assert_named(find_problem(pid), key, tens[key], "log₁₀ (a calculator's log key) instead of ln or log₂")


def test_kl_q_p_weighted_by_p():
    # the notes write KL(Q‖P) = Σ P(x) ln(Q(x)/P(x)): term by term, and summed
    problem = find_problem("kl-divergence")
    terms = [p * math.log(q / p) for p, q in zip(P_FRAC, U)]
    assert sum(terms) == pytest.approx(-WIKI_KL_PQ, abs=5e-8)
    name = "KL(q‖p) with p as the weights: Σ pᵢ log(qᵢ/pᵢ)"
    assert_named(problem, "terms_qp", terms, name)
    assert_named(problem, "kl_qp", sum(terms), name)
    # the sum of one's own wrong terms is carried forward, not a second mistake
    assert mark(problem, "kl_qp", sum(terms), terms_qp=terms).status == CARRIED


def test_right_values_rounded_are_correct_and_a_slip_is_carried_forward():
    problem = find_problem("kl-divergence-bits")
    ref = reference(P_BITS, Q_BITS, base=2)
    for key in ANSWERS:
        assert mark(problem, key, ref[key], 4).status == CORRECT, key
    # to 2 decimals where that is 2 significant figures (0.04 for KL(p‖q) = 0.0387 is rounded too far)
    for key in ("entropy_p", "cross_entropy_pq"):
        assert mark(problem, key, ref[key], 2).status == CORRECT, key
    slipped = [0.7 * math.log2(0.7 / 0.6), 0.2 * math.log2(0.2 / 0.3), 0.01]  # 0.1·log₂ 1 taken as 0.01
    assert mark(problem, "kl_pq", sum(slipped), terms_pq=slipped).status == CARRIED


def test_every_mistake_changes_a_checkable_step_of_a_bank_problem():
    problems = bank_problems("kl_divergence")
    mistakes = catalogue("kl_divergence")
    assert len(mistakes) >= 3  # a headline kind
    for m in mistakes:
        assert any(changed_steps(p, m) for p in problems), m.name


def test_base_mistakes_apply_only_to_another_base():
    assert log_base_of(solve(find_problem("kl-divergence"))) == "e"
    assert log_base_of(solve(find_problem("kl-divergence-bits"))) == 2
    assert log_base_of(solve_params("kl_divergence", p=P, q=Q, base=10)) == 10
    # p certain: H(p) = 0, the cross-entropy still tells the base
    assert log_base_of(solve_params("kl_divergence", p=[1, 0], q=[0.5, 0.5], base=2)) == 2
    assert log_base_of(solve_params("kl_divergence", p=[1, 0], q=[1, 0])) is None
    in_bits = solve(find_problem("kl-divergence-bits"))
    offered = [m.name for m in catalogue("kl_divergence") if m.applies is None or m.applies(in_bits)]
    assert "log₂ (bits) instead of ln" not in offered and "ln (nats) instead of log₂" in offered


def test_zero_probabilities_and_equal_distributions_are_degenerate():
    (check_kl,) = degeneracy_checks("kl_divergence")
    assert check_kl(solve_params("kl_divergence", p=[0.5, 0.5, 0], q=[0.2, 0.3, 0.5])) is not None
    assert check_kl(solve_params("kl_divergence", p=[0.5, 0.5], q=[0.5, 0.5])) is not None
    assert check_kl(solve_params("kl_divergence", p=P, q=Q)) is None
