"""batch_norm and dropout against hand arithmetic on the notes' examples, numpy re-derivations written here, an
exact average over every mask, and torch when it is installed."""

import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import solve_params
from tutor.cli import app
from tutor.errors import TutorError

Z = [4, 8, 6, 10]  # file 000 and the lab in file 001


def bn_reference(x, gamma=1.0, beta=0.0, eps=1e-5, ddof=0):
    """Batch norm by its definition with numpy: statistics down the columns (over the samples)."""
    x = np.asarray(x, float)
    mu = x.mean(axis=0)
    var = x.var(axis=0, ddof=ddof)
    x_hat = (x - mu) / np.sqrt(var + eps)
    return {"mu": mu, "var": var, "x_hat": x_hat, "y": np.asarray(gamma) * x_hat + np.asarray(beta)}


# -- batch norm: the notes' example ------------------------------------------------------------------------------
def test_batch_norm_notes_example_by_hand():
    sol = solve_params("batch_norm", x=Z, gamma=2, beta=1, eps=1e-5)
    assert sol.value("mu") == 7  # (4 + 8 + 6 + 10)/4
    assert sol.value("var") == 5  # (9 + 1 + 1 + 9)/4, dividing by N
    assert sol.value("std") == pytest.approx(math.sqrt(5.00001), rel=1e-15)
    root = math.sqrt(5.00001)
    np.testing.assert_allclose(sol.value("x_hat"), [-3 / root, 1 / root, -1 / root, 3 / root], rtol=1e-14)
    # y = 2x̂ + 1: -1.6833, 1.8944, 0.1056, 3.6833, not the notes' 9 and 17 (γz + β on the raw z)
    np.testing.assert_allclose(sol.value("y"), [1 - 6 / root, 1 + 2 / root, 1 - 2 / root, 1 + 6 / root], rtol=1e-14)
    assert sol.value("y")[0] == pytest.approx(-1.6833, abs=1e-4)
    assert sol.answer_keys == ("mu", "var", "x_hat", "y")
    assert [s.key for s in sol.visible_steps()] == ["mu", "x_centered", "var", "std", "x_hat", "y"]


def test_batch_norm_shows_the_sums():
    from tutor.printers.text import TextPrinter

    sol = solve_params("batch_norm", x=Z)
    tp = TextPrinter(digits=4)
    assert "4 + 8 + 6 + 10" in tp.text(sol.substitution("mu")[0])
    var_lines = [tp.text(e) for e in sol.substitution("var")]
    assert "(-3)^2 + 1^2 + (-1)^2 + 3^2" in var_lines[0] and "9 + 1 + 1 + 9" in var_lines[1]
    assert "biased variance (divide by N)" in sol.conventions[0] and "running_var" in sol.conventions[0]


def test_unbiased_variance_divides_by_n_minus_one():
    sol = solve_params("batch_norm", x=Z, variance="unbiased")
    assert sol.value("var") == pytest.approx(20 / 3, rel=1e-15)
    ref = bn_reference(Z, ddof=1)
    np.testing.assert_allclose(sol.value("x_hat"), ref["x_hat"], rtol=1e-14)
    assert "unbiased" in sol.conventions[0]


def test_batch_of_features_is_normalised_per_column():
    x = [[1, 2, 0.5], [3, 6, 0.5], [5, 1, 2.0], [0, 0, 1.0]]
    sol = solve_params("batch_norm", x=x, gamma=[1, 2, 0.5], beta=[0, 1, -1], eps=1e-3)
    ref = bn_reference(x, [1, 2, 0.5], [0, 1, -1], 1e-3)
    for k in ("mu", "var", "x_hat", "y"):
        np.testing.assert_allclose(sol.value(k), ref[k], rtol=1e-13, err_msg=k)
    assert np.shape(sol.value("y")) == (4, 3)
    assert any("Each column is a feature" in c for c in sol.conventions)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(2, 6), f=st.integers(1, 3), eps=st.floats(1e-8, 1.0),
       ddof=st.sampled_from([0, 1]))
def test_random_batches(data, n, f, eps, ddof):
    x = data.draw(st.lists(st.lists(st.floats(-100, 100), min_size=f, max_size=f), min_size=n, max_size=n))
    gamma = data.draw(st.lists(st.floats(-3, 3), min_size=f, max_size=f))
    beta = data.draw(st.lists(st.floats(-3, 3), min_size=f, max_size=f))
    sol = solve_params("batch_norm", x=x, gamma=gamma, beta=beta, eps=eps,
                       variance="unbiased" if ddof else "biased")
    ref = bn_reference(x, gamma, beta, eps, ddof)
    for k in ("mu", "var", "x_hat", "y"):
        np.testing.assert_allclose(sol.value(k), ref[k], rtol=1e-9, atol=1e-9, err_msg=k)


def test_x_hat_has_mean_zero_and_variance_var_over_var_plus_eps():
    sol = solve_params("batch_norm", x=[0.1, 0.2, 0.4], eps=0.01)
    xh = np.asarray(sol.value("x_hat"))
    assert abs(xh.mean()) < 1e-15
    var = np.var([0.1, 0.2, 0.4])
    assert xh.var() == pytest.approx(var / (var + 0.01), rel=1e-12)
    assert "variance" in sol.explanation("x_hat") and "ε" in sol.explanation("x_hat")


def test_single_sample_is_noted():
    sol = solve_params("batch_norm", x=[3.0], beta=0.5)
    np.testing.assert_array_equal(sol.value("x_hat"), [0.0])
    np.testing.assert_array_equal(sol.value("y"), [0.5])
    assert "batch of one" in sol.notes[0]


def test_batch_norm_replace_gamma_and_var():
    sol = solve_params("batch_norm", x=Z, gamma=2, beta=1)
    np.testing.assert_allclose(sol.replace({"gamma": 3.0}).value("y"), 3 * np.asarray(sol.value("x_hat")) + 1)
    student = sol.replace({"var": 4.0})  # a student who divided 20 by 5
    np.testing.assert_allclose(student.value("x_hat"), np.array([-3, 1, -1, 3]) / math.sqrt(4.00001), rtol=1e-14)


@pytest.mark.parametrize("params, field, words", [
    (dict(x=Z, gamma=[1, 2]), "gamma", "single feature"),
    (dict(x=[[1, 2], [3, 4]], beta=[1, 2, 3]), "beta", "2"),
    (dict(x=Z, eps=-1), "eps", "ε"),
    (dict(x=[3.0], variance="unbiased"), "x", "N - 1 = 0"),
    (dict(x=[2, 2, 2], eps=0), "eps", "ε > 0"),
    (dict(x=[[1, 2], [3]]), "x", "different lengths"),
    (dict(x=Z, variance="sample"), "variance", "expected one of"),
])
def test_batch_norm_errors_name_the_field(params, field, words):
    with pytest.raises(TutorError) as e:
        solve_params("batch_norm", **params)
    assert e.value.field is not None and e.value.field.split(".")[-1].split("[")[0] == field, e.value.field
    assert words in str(e.value)


# -- dropout -------------------------------------------------------------------------------------------------------
NOTES_DROPOUT = dict(x=[2, 2, 2, 2], mask=[1, 0, 0, 1], p=0.5, p_is="keep")  # file 000


def test_dropout_notes_example_by_hand():
    sol = solve_params("dropout", **NOTES_DROPOUT)
    assert sol.value("keep") == 0.5 and sol.value("scale") == 2
    np.testing.assert_allclose(sol.value("x_masked"), [2, 0, 0, 2])
    np.testing.assert_allclose(sol.value("y"), [4, 0, 0, 4])  # 2/0.5 for the kept units
    np.testing.assert_allclose(sol.value("y_test"), [2, 2, 2, 2])  # nothing at test time
    # the notes' "total output": 4/4 in training, 8/4 at test time, (4/4)/p after scaling
    assert (sol.value("mean_masked"), sol.value("mean_y"), sol.value("mean_test")) == (1, 2, 2)
    assert sol.answer_keys == ("keep", "scale", "y", "y_test")
    assert "nn.Dropout(0.5)" in sol.conventions[0] and "keep probability" in sol.conventions[0]


def test_p_is_the_drop_probability_by_default():
    sol = solve_params("dropout", x=[1.0, 2.0, 3.0, 4.0], mask=[1, 1, 1, 0], p=0.25)
    assert sol.value("keep") == 0.75
    np.testing.assert_allclose(sol.value("y"), [1 / 0.75, 2 / 0.75, 3 / 0.75, 0])
    assert "drop probability, as in nn.Dropout(p)" in sol.conventions[0]
    assert not sol.notes  # the mask keeps exactly 3 of 4


def test_keep_reading_of_p_changes_the_scaling():
    drop = solve_params("dropout", x=[1.0, 1.0], mask=[1, 1], p=0.2)
    keep = solve_params("dropout", x=[1.0, 1.0], mask=[1, 1], p=0.2, p_is="keep")
    assert drop.value("scale") == pytest.approx(1 / 0.8) and keep.value("scale") == pytest.approx(5)


def test_original_dropout_scales_at_test_time():
    sol = solve_params("dropout", x=[1.0, 2.0, 3.0], mask=[1, 1, 0], p=0.2, scaling="at_test")
    np.testing.assert_allclose(sol.value("y"), [1, 2, 0])
    np.testing.assert_allclose(sol.value("y_test"), [0.8, 1.6, 2.4])
    assert "Srivastava" in sol.conventions[1]
    assert "keeps 2 of 3" in sol.notes[0]


@pytest.mark.parametrize("scaling", ["inverted", "at_test"])
def test_expected_training_output_equals_the_test_output(scaling):
    """Average over all 2^n masks, each weighted by its probability: training and test outputs agree."""
    x, q = [0.5, -1.0, 2.0], 0.7
    expected = np.zeros(3)
    for mask in itertools.product([0, 1], repeat=3):
        prob = math.prod(q if m else 1 - q for m in mask)
        sol = solve_params("dropout", x=x, mask=list(mask), p=1 - q, scaling=scaling)
        expected += prob * np.asarray(sol.value("y"))
    np.testing.assert_allclose(expected, sol.value("y_test"), rtol=1e-12)


def test_dropout_replace_p():
    sol = solve_params("dropout", **NOTES_DROPOUT)
    student = sol.replace({"p": 0.8})
    np.testing.assert_allclose(student.value("y"), [2 / 0.8, 0, 0, 2 / 0.8])


@pytest.mark.parametrize("params, field, words", [
    (dict(NOTES_DROPOUT, mask=[1, 0, 1]), "mask", "4"),
    (dict(NOTES_DROPOUT, mask=[1, 0, 0.5, 1]), "mask", "0 (dropped) or 1 (kept)"),
    (dict(NOTES_DROPOUT, p=1.5), "p", "[0, 1]"),
    (dict(NOTES_DROPOUT, p=0), "p", "keep probability is 0"),
    (dict(NOTES_DROPOUT, p=1, p_is="drop"), "p", "keep probability is 0"),
    (dict(NOTES_DROPOUT, p_is="retain"), "p_is", "expected one of"),
])
def test_dropout_errors_name_the_field(params, field, words):
    with pytest.raises(TutorError) as e:
        solve_params("dropout", **params)
    assert e.value.field is not None and e.value.field.split(".")[-1].split("[")[0] == field, e.value.field
    assert words in str(e.value)


# -- the command line ----------------------------------------------------------------------------------------------
runner = CliRunner()


def test_cli_batch_norm_problems():
    for pid, gamma, beta in (("batch-norm-scale-shift", 2, 1), ("batch-norm-lab", 1, 0)):
        result = runner.invoke(app, ["solve", pid, "--format", "json"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        ref = bn_reference(Z, gamma, beta)
        np.testing.assert_allclose(data["answer"]["y"], ref["y"], rtol=1e-13)
        assert data["answer"]["var"] == 5
    result = runner.invoke(app, ["solve", "batch-norm-scale-shift"])
    assert result.exit_code == 0, result.output
    assert "The notes give 5 for √(σ² + ε)" in result.stdout and "-1.683" in result.stdout


def test_cli_dropout_problem():
    result = runner.invoke(app, ["solve", "inverted-dropout", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["answer"]["y"] == [4, 0, 0, 4] and data["answer"]["y_test"] == [2, 2, 2, 2]
    result = runner.invoke(app, ["solve", "inverted-dropout", "--set", "mask=[1, 2, 0, 1]"])
    assert result.exit_code == 2 and "mask" in result.stderr and "Traceback" not in result.output


# -- torch, when it is installed -----------------------------------------------------------------------------------
def test_batch_norm_against_torch():
    torch = pytest.importorskip("torch")
    x = [[1.0, 2.0], [3.0, 6.0], [5.0, 1.0]]
    sol = solve_params("batch_norm", x=x, gamma=[1.5, -1.0], beta=[0.1, 0.2])
    bn = torch.nn.BatchNorm1d(2, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(torch.tensor([1.5, -1.0]))
        bn.bias.copy_(torch.tensor([0.1, 0.2]))
    bn.train()
    out = bn(torch.tensor(x, dtype=torch.float64)).detach().numpy()
    np.testing.assert_allclose(sol.value("y"), out, rtol=1e-12)


# -- mistakes ---------------------------------------------------------------------------------------------------------
# Each wrong method is worked here with plain numpy, independently of the solver and of the catalogue's rules.
from conftest import make_problem  # noqa: E402
from tutor.answers import parse_answer  # noqa: E402
from tutor.api import find_problem, solve  # noqa: E402
from tutor.check import check  # noqa: E402
from tutor.mistakes import catalogue, degeneracy_checks  # noqa: E402


from checking import as_text, bank_problems, mark_of, visible_changes  # noqa: E402,F401
def test_unbiased_variance_is_named():
    z = np.array(Z, float)
    var = np.sum((z - 7) ** 2) / 3  # 20/3 = 6.667 instead of 5
    x_hat = (z - 7) / np.sqrt(var + 1e-5)
    for key, value in (("var", var), ("x_hat", x_hat), ("y", 2 * x_hat + 1)):
        m = mark_of("batch-norm-scale-shift", key, value)
        assert m.status == "wrong" and m.mistake.name == "unbiased variance (divided by N − 1)", key


def test_dividing_by_the_variance_is_named():
    # the notes' σ = 5: x̂ = (z - 7)/5 = (-0.6, 0.2, -0.2, 0.6), y = 2x̂ + 1
    z = np.array(Z, float)
    std = 5 + 1e-5
    for key, value in (("std", std), ("x_hat", (z - 7) / std), ("y", 2 * (z - 7) / std + 1)):
        m = mark_of("batch-norm-scale-shift", key, value)
        assert m.status == "wrong" and m.mistake.name == "divided by σ² instead of σ (the root left out)", key
    assert mark_of("batch-norm-scale-shift", "std", "5").mistake.name.startswith("divided by σ²")


def test_scale_and_shift_on_raw_x_is_named():
    # the notes' 2(4) + 1 = 9, 2(8) + 1 = 17: γz + β on the raw batch
    m = mark_of("batch-norm-scale-shift", "y", 2 * np.array(Z, float) + 1)
    assert m.status == "wrong" and m.mistake.name == "γ and β applied to the raw x instead of x̂"


def test_batch_norm_right_values_to_2_and_4_decimals_and_a_carried_slip():
    sd = math.sqrt(5 + 1e-5)
    y = 2 * (np.array(Z, float) - 7) / sd + 1  # -1.683, 1.894, 0.1056, 3.683
    for d in (2, 4):
        text = "[" + ", ".join(f"{v:.{d}f}" for v in y) + "]"
        # 0.11 for 0.1056 keeps 2 significant figures; 0.1056 to 4 decimals is 0.1056
        assert mark_of("batch-norm-scale-shift", "y", text).status == "correct", text
    # σ² = 4 (a slip), then every step after it from the student's own 4: carried forward
    own_std = math.sqrt(4 + 1e-5)
    x_hat = (np.array(Z, float) - 7) / own_std
    result = check(find_problem("batch-norm-scale-shift"),
                   {"var": parse_answer("4"), "std": parse_answer(as_text(own_std)),
                    "x_hat": parse_answer(as_text(x_hat)), "y": parse_answer(as_text(2 * x_hat + 1))})
    got = {m.key: m.status for m in result.marks}
    assert got["var"] == "wrong" and got["std"] == got["x_hat"] == got["y"] == "carried_forward"


def test_dropout_mistakes_are_named():
    x, mask, q = np.array([2.0, 2, 2, 2]), np.array([1.0, 0, 0, 1]), 0.5
    m = mark_of("inverted-dropout", "y", x * mask * q)  # × q instead of ÷ q: [1, 0, 0, 1]
    assert m.status == "wrong" and m.mistake.name == "kept units multiplied by q instead of divided"
    assert mark_of("inverted-dropout", "scale", "0.5").mistake.name == "kept units multiplied by q instead of divided"
    m = mark_of("inverted-dropout", "y_test", q * x)  # scaled again at test time: [1, 1, 1, 1]
    assert m.status == "wrong" and m.mistake.name == "inverted dropout scaled again at test time"


def test_p_read_as_the_other_probability_is_named():
    # p = 0.8 called the keep probability, read as nn.Dropout's drop probability: q = 0.2, 1/q = 5
    problem = make_problem("dropout", dict(NOTES_DROPOUT, p=0.8))
    name = "p taken as the other probability (keep ↔ drop)"
    for key, value in (("keep", 0.2), ("scale", 5.0), ("y", np.array([2.0, 0, 0, 2]) / 0.2)):
        m = mark_of(problem, key, value)
        assert m.status == "wrong" and m.mistake.name == name, key
    # nn.Dropout(0.25) read as keeping 25 %: 1/0.25 = 4 instead of 1/0.75
    problem = make_problem("dropout", dict(NOTES_DROPOUT, p=0.25, p_is="drop"))
    assert mark_of(problem, "scale", "4").mistake.name == name


def test_dropout_right_values_to_2_and_4_decimals_and_a_carried_slip():
    problem = make_problem("dropout", dict(x=[1.5, 2, 0.5, 3], mask=[1, 1, 0, 1], p=0.25, p_is="drop"))
    y = np.array([1.5, 2, 0, 3]) / 0.75  # 2, 2.667, 0, 4
    for d in (2, 4):
        assert mark_of(problem, "y", "[" + ", ".join(f"{v:.{d}f}" for v in y) + "]").status == "correct", d
    result = check(problem, {"scale": parse_answer("1.5"), "y": parse_answer("[2.25, 3, 0, 4.5]")})
    got = {m.key: m.status for m in result.marks}
    assert got["scale"] == "wrong" and got["y"] == "carried_forward"


@pytest.mark.parametrize("kind", ["batch_norm", "dropout"])
def test_every_mistake_changes_a_checkable_step_of_the_bank(kind):
    problems = bank_problems(kind)
    for mistake in catalogue(kind):
        changed = [p.id for p in problems if (mistake.applies is None or mistake.applies(solve(p)))
                   and visible_changes(p, mistake)]
        if mistake.name.startswith("p taken as the other"):
            # the bank's only dropout problem has p = 0.5, where keep and drop are the same number: shown with
            # another p (its quiz variants draw p from 0.5, 0.8 and 0.75)
            assert not changed and visible_changes(problems[0], mistake, {"p": 0.8})
        else:
            assert changed, mistake.name


def test_degenerate_variants_are_refused():
    flat = solve_params("batch_norm", x=[3, 3, 3, 3])
    assert any(why(flat) for why in degeneracy_checks("batch_norm"))
    assert not any(why(solve(find_problem("batch-norm-lab"))) for why in degeneracy_checks("batch_norm"))
    for mask in ([1, 1, 1, 1], [0, 0, 0, 0]):
        sol = solve_params("dropout", **dict(NOTES_DROPOUT, mask=mask))
        assert any(why(sol) for why in degeneracy_checks("dropout"))
    assert not any(why(solve(find_problem("inverted-dropout"))) for why in degeneracy_checks("dropout"))


@pytest.mark.parametrize("pid", ["batch-norm-scale-shift", "inverted-dropout"])
def test_quiz_variants_draw_readily(pid):
    """The vary ranges give usable variants at once, mostly: never near the 300 tries `tutor quiz` allows."""
    from tutor.variants import draw

    problem = find_problem(pid)
    variants = [draw(problem, seed) for seed in range(4)]
    assert max(v.tries for v in variants) <= 10
    assert len({repr(v.settings) for v in variants}) > 1
