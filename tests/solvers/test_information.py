"""entropy and cross_entropy_loss against plain-Python re-derivations written here, and published values."""

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import solve_params
from tutor.cli import app
from tutor.errors import TutorError
from tutor.printers.json import jsonable

CHAPTER_P = [0.7, 0.2, 0.1]  # file 003, the three classes X, Y, Z
CHAPTER_Q = [0.6, 0.3, 0.1]


def ref_entropy(p, q=None, base=2):
    """H(p), and H(p, q) and KL(p‖q) when q is given, term by term with math.log; 0·log 0 = 0, p·log 0 = -∞."""
    def log(x):
        return math.log(x, base) if base != "e" else math.log(x)

    out = {"entropy_p": -sum(a * log(a) for a in p if a > 0)}
    if q is not None:
        if any(a > 0 and b == 0 for a, b in zip(p, q)):
            out["cross_entropy_pq"] = out["kl_pq"] = math.inf
        else:
            out["cross_entropy_pq"] = -sum(a * log(b) for a, b in zip(p, q) if a > 0)
            out["kl_pq"] = sum(a * log(a / b) for a, b in zip(p, q) if a > 0)
    return out


# -- entropy ----------------------------------------------------------------------------------------------------
def test_chapter_entropy_in_bits():
    sol = solve_params("entropy", p=CHAPTER_P, base=2)
    # by hand: 0.7·0.514573 + 0.2·2.321928 + 0.1·3.321928 = 1.1567796 bits
    assert sol.value("entropy_p") == pytest.approx(1.1567796494, abs=1e-9)
    np.testing.assert_allclose(sol.value("info_p"), [-math.log2(0.7), math.log2(5), math.log2(10)], rtol=1e-14)
    np.testing.assert_allclose(sol.value("terms_p"), [0.7 * -math.log2(0.7), 0.2 * math.log2(5),
                                                      0.1 * math.log2(10)], rtol=1e-14)
    assert sol.answer_keys == ("entropy_p",)
    assert "cross_entropy_pq" not in sol.steps
    assert any("bits" in c and "scipy.stats.entropy(p, q, base=2) gives KL" in c for c in sol.conventions)


@pytest.mark.parametrize("base", ["e", 2, 10])
def test_cross_entropy_and_kl_against_reference(base):
    sol = solve_params("entropy", p=CHAPTER_P, q=CHAPTER_Q, base=base)
    ref = ref_entropy(CHAPTER_P, CHAPTER_Q, base=base)
    for k, v in ref.items():
        assert sol.value(k) == pytest.approx(v, rel=1e-12), k


def test_chapter_cross_entropy_and_kl_values():
    sol = solve_params("entropy", p=CHAPTER_P, q=CHAPTER_Q, base=2)
    # by hand: 0.7·log₂(1/0.6) + 0.2·log₂(1/0.3) + 0.1·log₂ 10 = 0.515887 + 0.347393 + 0.332193
    assert sol.value("cross_entropy_pq") == pytest.approx(1.1954618442, abs=1e-9)
    # 0.7 log₂(7/6) + 0.2 log₂(2/3) + 0 = 0.1556743 − 0.1169925
    assert sol.value("kl_pq") == pytest.approx(0.7 * math.log2(7 / 6) + 0.2 * math.log2(2 / 3), rel=1e-12)


def test_uniform_entropy_is_log_n():
    sol = solve_params("entropy", p=["1/3", "1/3", "1/3"], base=2)
    assert sol.value("entropy_p") == pytest.approx(math.log2(3), rel=1e-14)
    assert "100%" in sol.explanation("entropy_p")


def test_zero_probability_adds_nothing():
    sol = solve_params("entropy", p=[0.5, 0.5, 0], base=2)
    assert sol.value("entropy_p") == pytest.approx(1.0, rel=1e-14)
    assert sol.value("info_p")[2] == math.inf
    assert sol.value("terms_p")[2] == 0
    assert "0·log 0 = 0" in sol.explanation("terms_p")


def test_q_zero_where_p_is_not_gives_infinity_not_nan():
    sol = solve_params("entropy", p=[0.5, 0.5], q=[1, 0], base=2)
    assert sol.value("cross_entropy_pq") == math.inf
    assert sol.value("kl_pq") == math.inf
    for k, v in sol.values.items():
        assert not np.isnan(np.asarray(v, float)).any(), k
    assert "Infinite" in sol.explanation("cross_entropy_pq")
    json.dumps(jsonable(sol.values), allow_nan=False)


def test_replacing_terms_recomputes_the_entropy():
    sol = solve_params("entropy", p=CHAPTER_P, q=CHAPTER_Q, base=2)
    new = sol.replace({"terms_p": np.array([0.36, 0.46, 0.33])})
    assert new.value("entropy_p") == pytest.approx(1.15, rel=1e-12)
    assert new.value("kl_pq") == pytest.approx(sol.value("cross_entropy_pq") - 1.15, rel=1e-12)


def test_entropy_bad_input():
    with pytest.raises(TutorError) as e:
        solve_params("entropy", p=CHAPTER_P, q=[0.5, 0.5])
    assert e.value.field == "params.q" and "p has 3" in e.value.message
    with pytest.raises(TutorError) as e:
        solve_params("entropy", p=[0.7, 0.2, 0.2])
    assert e.value.field == "params.p" and "sum to 1.1" in e.value.message
    with pytest.raises(TutorError) as e:
        solve_params("entropy", p=CHAPTER_P, base=3)
    assert e.value.field == "params.base"


# -- cross-entropy loss: binary ---------------------------------------------------------------------------------
def ref_bce(y, y_hat):
    return [-(a * math.log(b) if a else 0) - ((1 - a) * math.log(1 - b) if a != 1 else 0) for a, b in zip(y, y_hat)]


def test_binary_against_scikit_learn_documented_value():
    # scikit-learn docs, sklearn.metrics.log_loss: log_loss(["spam", "ham", "ham", "spam"],
    # [[.1, .9], [.9, .1], [.8, .2], [.35, .65]]) = 0.21616... (spam is the positive class)
    sol = solve_params("cross_entropy_loss", loss="binary", y=[1, 0, 0, 1], y_hat=[0.9, 0.1, 0.2, 0.65])
    assert sol.value("loss") == pytest.approx(0.21616187468057912, rel=1e-12)
    np.testing.assert_allclose(sol.value("losses"), ref_bce([1, 0, 0, 1], [0.9, 0.1, 0.2, 0.65]), rtol=1e-13)
    assert sol.answer_keys == ("loss",)


def test_binary_sum_reduction_and_conventions():
    y, yh = [1, 0, 1, 0], [0.9, 0.2, 0.6, 0.7]
    mean = solve_params("cross_entropy_loss", loss="binary", y=y, y_hat=yh)
    total = solve_params("cross_entropy_loss", loss="binary", y=y, y_hat=yh, reduction="sum")
    assert total.value("loss") == pytest.approx(sum(ref_bce(y, yh)), rel=1e-13)
    assert mean.value("loss") == pytest.approx(sum(ref_bce(y, yh)) / 4, rel=1e-13)
    assert any("reduction = mean" in c and "torch's default" in c for c in mean.conventions)
    assert any("reduction = sum" in c and "file 002" in c for c in total.conventions)


def test_binary_from_a_logit_single_example():
    sol = solve_params("cross_entropy_loss", loss="binary", y=1, z=0.6)
    assert sol.value("y_hat") == pytest.approx(1 / (1 + math.exp(-0.6)), rel=1e-14)
    # -ln σ(z) = ln(1 + e^{-z}) (softplus), written independently
    assert sol.value("loss") == pytest.approx(math.log1p(math.exp(-0.6)), rel=1e-13)
    assert "losses" not in sol.steps  # one example: no reduction step


def test_binary_soft_labels():
    sol = solve_params("cross_entropy_loss", loss="binary", y=[0.3], y_hat=[0.6])
    assert sol.value("loss") == pytest.approx(-(0.3 * math.log(0.6) + 0.7 * math.log(0.4)), rel=1e-13)


def test_binary_certain_predictions():
    right = solve_params("cross_entropy_loss", loss="binary", y=[1, 0], y_hat=[1, 0])
    assert right.value("loss") == 0  # 0·ln 0 = 0, never NaN
    wrong = solve_params("cross_entropy_loss", loss="binary", y=[1, 0], y_hat=[0, 0])
    assert wrong.value("loss") == math.inf
    assert "Infinite at entry 1" in wrong.explanation("losses") and "−100" in wrong.explanation("losses")
    for sol in (right, wrong):
        for k, v in sol.values.items():
            assert not np.isnan(np.asarray(v, float)).any(), k


def test_binary_replace_prediction_recomputes():
    sol = solve_params("cross_entropy_loss", loss="binary", y=[1, 0], y_hat=[0.9, 0.2])
    new = sol.replace({"y_hat": np.array([0.8, 0.2])})
    assert new.value("loss") == pytest.approx((-math.log(0.8) - math.log(0.8)) / 2, rel=1e-13)


# -- cross-entropy loss: categorical ----------------------------------------------------------------------------
def ref_softmax(z):
    e = [math.exp(v) for v in z]
    return [v / sum(e) for v in e]


def test_categorical_from_logits():
    sol = solve_params("cross_entropy_loss", loss="categorical", y=[1, 0, 0], z=[2.0, 1.0, 0.1])
    np.testing.assert_allclose(sol.value("y_hat"), ref_softmax([2.0, 1.0, 0.1]), rtol=1e-14)
    # log-sum-exp form: -z_0 + ln Σ e^{z_k}
    assert sol.value("loss") == pytest.approx(-2.0 + math.log(math.exp(2) + math.exp(1) + math.exp(0.1)), rel=1e-13)
    assert "class 1" in sol.explanation("loss")


def test_categorical_batch_mean_and_sum():
    y = [[1, 0, 0], [0, 1, 0]]
    yh = [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]]
    mean = solve_params("cross_entropy_loss", loss="categorical", y=y, y_hat=yh)
    np.testing.assert_allclose(mean.value("losses"), [-math.log(0.7), -math.log(0.8)], rtol=1e-14)
    # torch divides by N (2), not N·C (6)
    assert mean.value("loss") == pytest.approx((-math.log(0.7) - math.log(0.8)) / 2, rel=1e-14)
    total = solve_params("cross_entropy_loss", loss="categorical", y=y, y_hat=yh, reduction="sum")
    assert total.value("loss") == pytest.approx(-math.log(0.7) - math.log(0.8), rel=1e-14)


def test_categorical_batch_from_logits_large_values_shifted():
    z = [[1000.0, 999.0, 990.0], [0.5, -1.0, 2.0]]
    sol = solve_params("cross_entropy_loss", loss="categorical", y=[[0, 1, 0], [0, 0, 1]], z=z)
    expected = [-(999.0 - 1000.0) + math.log(1 + math.exp(-1) + math.exp(-10)),
                -2.0 + math.log(math.exp(0.5) + math.exp(-1.0) + math.exp(2.0))]
    np.testing.assert_allclose(sol.value("losses"), expected, rtol=1e-12)
    assert any("shifted" in c for c in sol.conventions)


def test_categorical_soft_targets_are_cross_entropy():
    y, yh = [0.25, 0.75], [0.5, 0.5]
    sol = solve_params("cross_entropy_loss", loss="categorical", y=y, y_hat=yh)
    assert sol.value("loss") == pytest.approx(math.log(2), rel=1e-14)
    assert "H(y, ŷ)" in sol.explanation("loss")


def test_rounded_softmax_output_is_used_with_a_note():
    sol = solve_params("cross_entropy_loss", loss="categorical", y=[1, 0, 0], y_hat=[0.66, 0.24, 0.099])
    assert sol.value("loss") == pytest.approx(-math.log(0.66), rel=1e-14)
    assert any("sums to 0.999" in n for n in sol.notes)


@pytest.mark.parametrize("params,field,fragment", [
    (dict(loss="binary", y=[1, 0], y_hat=[0.9, 0.2], z=[1, 2]), "params.y_hat", "not both"),
    (dict(loss="binary", y=[1, 0]), "params", "neither"),
    (dict(loss="binary", y=[1, 0], y_hat=[0.9]), "params.y_hat", "y is a vector of 2"),
    (dict(loss="binary", y=[1, 0], y_hat=[0.9, 1.2]), "params.y_hat", "[0, 1]"),
    (dict(loss="binary", y=[1, 2], y_hat=[0.9, 0.2]), "params.y", "[0, 1]"),
    (dict(loss="categorical", y=[1, 1, 0], y_hat=[0.5, 0.3, 0.2]), "params.y", "sums to 2"),
    (dict(loss="categorical", y=[1, 0, 0], y_hat=[0.5, 0.3, 0.1]), "params.y_hat", "sums to 0.9"),
    (dict(loss="categorical", y=[[1, 0], [0, 1]], y_hat=[0.5, 0.5]), "params.y_hat", "2×2"),
    (dict(loss="binary", y="one", y_hat=[0.5]), "params.y", "expected a number"),
    (dict(loss="ternary", y=[1], y_hat=[0.5]), "params.loss", "binary"),
])
def test_loss_bad_input(params, field, fragment):
    with pytest.raises(TutorError) as e:
        solve_params("cross_entropy_loss", **params)
    assert e.value.field == field, e.value
    assert fragment in e.value.message


# -- the problems, through the CLI --------------------------------------------------------------------------------
@pytest.mark.parametrize("pid,key,expected", [
    ("entropy-three-classes", "entropy_p", 1.1567796494470395),
    ("kl-divergence-bits", "kl_pq", 0.7 * math.log2(7 / 6) + 0.2 * math.log2(2 / 3)),
    ("kl-divergence-bits", "cross_entropy_pq", -(0.7 * math.log2(0.6) + 0.2 * math.log2(0.3) + 0.1 * math.log2(0.1))),
    ("binary-cross-entropy-batch", "loss", (-math.log(0.9) - math.log(0.8) - math.log(0.6) - math.log(0.3)) / 4),
    ("binary-cross-entropy-logit", "loss", math.log1p(math.exp(-0.6))),
    ("categorical-cross-entropy-softmax", "loss", -math.log(ref_softmax([2.0, 1.0, 0.1])[0])),
])
def test_problems_solve_through_the_cli(pid, key, expected):
    r = CliRunner().invoke(app, ["solve", pid, "--format", "json"])
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["answer"][key] == pytest.approx(expected, rel=1e-12)


def test_entropy_problem_text_shows_the_working_and_the_notes_remark():
    r = CliRunner().invoke(app, ["solve", "entropy-three-classes"])
    assert r.exit_code == 0, r.stderr
    assert "-log₂(0.7)" in r.stdout and "1.157" in r.stdout and "drop the minus sign" in r.stdout


# -- mistakes --------------------------------------------------------------------------------------------------
# Each wrong method is re-derived here with plain math; the check must name it when a student types its numbers.
from conftest import make_problem  # noqa: E402

from tutor.api import find_problem, solve  # noqa: E402
from tutor.check import CARRIED, CORRECT  # noqa: E402
from tutor.mistakes import catalogue, degeneracy_checks  # noqa: E402

BATCH_Y, BATCH_Y_HAT = [1, 0, 1, 0], [0.9, 0.2, 0.6, 0.7]  # binary-cross-entropy-batch


from checking import assert_named, bank_problems, changed_steps, mark, text  # noqa: E402,F401


# entropy
def test_entropy_without_the_minus_sign():
    # the chapter's bracket [0.7 log₂ 0.7 + 0.2 log₂ 0.2 + 0.1 log₂ 0.1] = −1.157, left without its minus sign
    problem = find_problem("entropy-three-classes")
    terms = [p * math.log2(p) for p in CHAPTER_P]
    assert sum(terms) == pytest.approx(-1.15678, abs=1e-5)
    name = "the minus sign dropped: Σ pᵢ log pᵢ"
    assert_named(problem, "terms_p", terms, name)
    assert_named(problem, "entropy_p", sum(terms), name)
    with_q = make_problem("entropy", {"p": CHAPTER_P, "q": CHAPTER_Q, "base": 2})
    assert_named(with_q, "cross_entropy_pq", sum(p * math.log2(q) for p, q in zip(CHAPTER_P, CHAPTER_Q)), name)


def test_entropy_in_another_base():
    problem = find_problem("entropy-three-classes")  # bits
    nats = ref_entropy(CHAPTER_P, base="e")["entropy_p"]
    assert nats == pytest.approx(0.80182, abs=1e-5)
    assert_named(problem, "entropy_p", nats, "ln (nats) instead of log₂")
    assert_named(problem, "info_p", [-math.log(p) for p in CHAPTER_P], "ln (nats) instead of log₂")
    tens = ref_entropy(CHAPTER_P, base=10)["entropy_p"]
    assert_named(problem, "entropy_p", tens, "log₁₀ (a calculator's log key) instead of ln or log₂")
    # in nats, the log₁₀ slip still applies and the ln one does not
    in_nats = make_problem("entropy", {"p": CHAPTER_P, "base": "e"})
    assert_named(in_nats, "entropy_p", ref_entropy(CHAPTER_P, base=10)["entropy_p"],
                 "log₁₀ (a calculator's log key) instead of ln or log₂")
    assert mark(in_nats, "entropy_p", ref_entropy(CHAPTER_P, base=2)["entropy_p"]).mistake is None


def test_entropy_right_values_rounded_are_correct_and_a_slip_is_carried_forward():
    problem = find_problem("entropy-three-classes")
    h = ref_entropy(CHAPTER_P)["entropy_p"]
    terms = [-p * math.log2(p) for p in CHAPTER_P]  # 0.360, 0.464, 0.332
    for digits in (2, 4):
        assert mark(problem, "entropy_p", h, digits).status == CORRECT
        assert mark(problem, "terms_p", terms, digits).status == CORRECT
    slipped = [0.7 * 0.5146, 0.2 * 2.3219, 0.1 * 3.0]  # log₂ 10 taken as 3
    assert mark(problem, "entropy_p", sum(slipped), terms_p=slipped).status == CARRIED


# cross-entropy loss
def test_loss_with_a_calculators_log_key():
    problem = find_problem("binary-cross-entropy-batch")
    losses = [-(math.log10(b) if a else math.log10(1 - b)) for a, b in zip(BATCH_Y, BATCH_Y_HAT)]
    name = "log₁₀ (a calculator's log key) instead of ln"
    assert_named(problem, "ln_y_hat", [math.log10(b) for b in BATCH_Y_HAT], name)
    assert_named(problem, "losses", losses, name)
    assert_named(problem, "loss", sum(losses) / 4, name)
    categorical = find_problem("categorical-cross-entropy-softmax")
    assert_named(categorical, "loss", -math.log10(ref_softmax([2.0, 1.0, 0.1])[0]), name)


def test_binary_loss_without_the_second_term():
    problem = find_problem("binary-cross-entropy-batch")
    losses = [-a * math.log(b) for a, b in zip(BATCH_Y, BATCH_Y_HAT)]  # y = 0 examples cost 0
    assert losses[1] == 0 and losses[3] == 0
    name = "binary cross-entropy without the (1 − y) ln(1 − ŷ) term"
    assert_named(problem, "losses", losses, name)
    assert_named(problem, "loss", sum(losses) / 4, name)
    # a single example with y = 1 has no second term to drop
    logit = solve(find_problem("binary-cross-entropy-logit"))
    drop = next(m for m in catalogue("cross_entropy_loss") if m.name == name)
    assert not drop.applies(logit)


def test_loss_without_its_minus_sign():
    name = "the loss without its minus sign (the log-likelihood)"
    s = 1 / (1 + math.exp(-0.6))
    assert_named(find_problem("binary-cross-entropy-logit"), "loss", math.log(s), name)
    assert_named(find_problem("categorical-cross-entropy-softmax"), "loss", math.log(ref_softmax([2.0, 1.0, 0.1])[0]),
                 name)
    batch = find_problem("binary-cross-entropy-batch")
    likelihoods = [-v for v in ref_bce(BATCH_Y, BATCH_Y_HAT)]
    each = "each example's loss without its minus sign (the log-likelihood)"
    assert_named(batch, "losses", likelihoods, each)
    assert_named(batch, "loss", sum(likelihoods) / 4, each)


def test_sum_instead_of_mean():
    losses = ref_bce(BATCH_Y, BATCH_Y_HAT)
    assert_named(find_problem("binary-cross-entropy-batch"), "loss", sum(losses),
                 "the sum of the losses instead of their mean")
    summed = make_problem("cross_entropy_loss", {"loss": "binary", "y": BATCH_Y, "y_hat": BATCH_Y_HAT,
                                                 "reduction": "sum"})
    assert mark(summed, "loss", sum(losses)).status == CORRECT  # where the sum is asked, it is right


def test_loss_right_values_rounded_are_correct_and_a_slip_is_carried_forward():
    problem = find_problem("binary-cross-entropy-batch")
    losses = ref_bce(BATCH_Y, BATCH_Y_HAT)
    for digits in (2, 4):
        assert mark(problem, "losses", losses, digits).status == CORRECT
        assert mark(problem, "loss", sum(losses) / 4, digits).status == CORRECT
    categorical = find_problem("categorical-cross-entropy-softmax")
    slipped = [0.7, 0.2, 0.1]  # a softmax slip
    assert mark(categorical, "ln_y_hat", [math.log(v) for v in slipped], y_hat=slipped).status == CARRIED
    assert mark(categorical, "loss", -math.log(0.7), y_hat=slipped).status == CARRIED


@pytest.mark.parametrize("kind", ["entropy", "cross_entropy_loss"])
def test_every_mistake_changes_a_checkable_step_of_a_bank_problem(kind):
    problems = bank_problems(kind)
    for m in catalogue(kind):
        assert any(changed_steps(p, m) for p in problems), m.name


def test_degenerate_variants():
    (entropy_check,) = degeneracy_checks("entropy")
    assert entropy_check(solve_params("entropy", p=[0.5, 0.5, 0])) is not None
    assert entropy_check(solve_params("entropy", p=[0.5, 0.5], q=[1, 0])) is not None
    assert entropy_check(solve_params("entropy", p=CHAPTER_P, q=CHAPTER_Q)) is None
    (loss_check,) = degeneracy_checks("cross_entropy_loss")
    assert loss_check(solve_params("cross_entropy_loss", loss="binary", y=[1, 0], y_hat=[1.0, 0.3])) is not None
    assert loss_check(solve(find_problem("binary-cross-entropy-batch"))) is None
    assert loss_check(solve(find_problem("categorical-cross-entropy-softmax"))) is None
