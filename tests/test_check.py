"""Marking a hand calculation: tolerance, carry-forward, mistakes, answer files, the CLI and its JSON.

Expected values are re-derived here with plain numpy (the LSTM written out below), never read from the solver.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tutor.answer_sheet import parse_answers
from tutor.answers import parse_answer
from tutor.api import find_problem, load_bank, solve
from tutor.check import agreement, check, checkable
from tutor.cli import app
from tutor.errors import TutorError

runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, list(args), input=input)


# -- the LSTM of problems/recurrent/lstm-step.yaml, by hand ---------------------------------------------------
X, H0, C0 = np.array([0.5, -0.1]), np.array([0.0, 0.1]), np.array([0.2, -0.2])
W = {
    "xi": [[0.5, -0.3], [0.4, 0.2]], "hi": [[0.1, 0.2], [-0.2, 0.05]],
    "xf": [[-0.4, 0.2], [0.3, 0.3]], "hf": [[0.05, -0.1], [0.2, 0.1]],
    "xo": [[0.3, 0.25], [-0.2, 0.1]], "ho": [[0.15, 0.05], [0.2, 0.2]],
    "xg": [[-0.5, 0.4], [0.2, -0.3]], "hg": [[0.2, 0.1], [-0.2, 0.05]],
}


def sig(z):
    return 1 / (1 + np.exp(-z))


def lstm_by_hand(c0=C0):
    z = {g: np.array(W["x" + g]) @ X + np.array(W["h" + g]) @ H0 for g in "ifog"}
    i, f, o, g = sig(z["i"]), sig(z["f"]), sig(z["o"]), np.tanh(z["g"])
    c = f * c0 + i * g
    return {"z_i": z["i"], "i": i, "z_f": z["f"], "f": f, "z_g": z["g"], "g": g, "z_o": z["o"], "o": o,
            "c": c, "h": o * np.tanh(c)}


def text(v, decimals=4):
    v = np.atleast_1d(v)
    return "[" + ", ".join(f"{x:.{decimals}f}" for x in v) + "]"


def marks(result):
    return {m.key: m for m in result.marks}


LSTM = find_problem("lstm-step")


# -- agreement ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("typed, true, verdict", [
    ("0.73", 0.7311, "yes"),       # rounded to 2 decimals
    ("0.7311", 0.73106, "yes"),
    ("0.7310", 0.73106, "yes"),    # truncated, not rounded: still the student's precision
    ("0.74", 0.7311, "no"),
    ("0.7", 0.7311, "coarse"),     # one significant figure is too few
    ("1", 0.7311, "coarse"),
    ("0.00", 0.003, "yes"),        # 2 decimal places are enough: the issue's "works to 2 decimals"
    ("0.003", 0.0031, "yes"),
    ("0.99", 1.0, "no"),           # neither the rounding nor the truncation of 1
    ("0.299", 0.3, "no"),
    ("0.7310", 0.7311, "no"),      # one unit off in the 4th decimal
    ("12", 12.3, "yes"),           # 2 significant figures
    ("9/25", 0.36, "yes"),         # exact
    ("9/25", 0.3601, "no"),        # exact means exact
    ("-0.068", -0.0682, "yes"),
    ("-0.07", -0.0682, "yes"),     # 2 decimals
    ("0.07", -0.0682, "no"),
])
def test_agreement_is_rounding_aware(typed, true, verdict):
    assert agreement(parse_answer(typed), true) == verdict


def test_whole_number_answers_must_be_exact_and_tolerance_overrides():
    assert agreement(parse_answer("109386"), 109386, integer=True) == "yes"
    assert agreement(parse_answer("109390"), 109386, integer=True) == "no"
    assert agreement(parse_answer("0.8"), 0.7311, tolerance=0.1) == "yes"
    assert agreement(parse_answer("0.8"), 0.7311, tolerance=0.05) == "no"


def test_an_interval_covers_the_effect_of_rounded_earlier_values():
    assert agreement(parse_answer("0.55"), 0.5432, 0.5561) == "yes"
    assert agreement(parse_answer("0.56"), 0.5432, 0.5561) == "yes"
    assert agreement(parse_answer("0.57"), 0.5432, 0.5561) == "no"


# -- marking the LSTM -----------------------------------------------------------------------------------------
def sig_figs(v, n):
    v = np.atleast_1d(v)
    return "[" + ", ".join(f"{x:.{n}g}" for x in v) + "]"


def test_every_step_right_to_four_decimals_or_two_significant_figures_is_correct():
    ref = lstm_by_hand()
    for typed in (lambda v: text(v, 4), lambda v: text(v, 2), lambda v: sig_figs(v, 2)):
        result = check(LSTM, {k: parse_answer(typed(v)) for k, v in ref.items()})
        got = marks(result)
        assert all(got[k].status == "correct" for k in ref), {k: got[k].status for k in ref}
        assert result.first_wrong is None and result.solved


def test_a_right_but_short_earlier_value_does_not_loosen_later_steps():
    """-0.01 for θ₁ = -0.0099999997 (adam-three-steps) is right, and θ₂ must still be -0.0197, not -0.015."""
    problem = find_problem("adam-three-steps")
    got = marks(check(problem, {"theta_1": parse_answer("-0.01"), "theta_2": parse_answer("-0.015")}))
    assert got["theta_1"].status == "correct" and got["theta_2"].status == "wrong"


def test_rounded_earlier_values_carry_into_later_steps():
    """A student who rounds f and i to 2 decimals and computes c from those is right, not wrong."""
    ref = lstm_by_hand()
    f2, i2, g2 = (np.round(ref[k], 2) for k in ("f", "i", "g"))
    c_from_rounded = f2 * C0 + i2 * g2
    answers = {"f": text(f2, 2), "i": text(i2, 2), "g": text(g2, 2), "c": text(c_from_rounded, 4)}
    got = marks(check(LSTM, {k: parse_answer(v) for k, v in answers.items()}))
    assert got["c"].status == "correct"


def test_one_slip_costs_one_step():
    ref = lstm_by_hand()
    f_wrong = ref["f"] + np.array([0.1, -0.1])
    c_own = f_wrong * C0 + ref["i"] * ref["g"]  # right, from the student's own f
    h_own = ref["o"] * np.tanh(c_own)
    answers = {"i": text(ref["i"]), "f": text(f_wrong), "g": text(ref["g"]), "o": text(ref["o"]),
               "c": text(c_own), "h": text(h_own)}
    result = check(LSTM, {k: parse_answer(v) for k, v in answers.items()})
    got = marks(result)
    assert got["i"].status == "correct" and got["g"].status == "correct"
    assert got["f"].status == "wrong"
    assert got["c"].status == "carried_forward" and got["h"].status == "carried_forward"
    assert got["z_i"].status == "missing"
    assert result.first_wrong.key == "f" and not result.solved
    # carried from what the student typed (4 decimals), not from their unrounded working
    r4 = {k: np.round(v, 4) for k, v in ref.items()}
    np.testing.assert_allclose(got["c"].carried, np.round(f_wrong, 4) * C0 + r4["i"] * r4["g"], atol=1e-12)


BIG_C0 = np.array([1.2, -0.9])  # the bank's c is so small that tanh(c) ≈ c to 4 decimals: no way to tell


@pytest.mark.parametrize("mistake, key, wrong", [
    ("candidate through σ instead of tanh", "g", lambda r: sig(r["z_g"])),
    ("h without the tanh on c", "h", lambda r: r["o"] * r["c"]),
    ("c without the kept old cell", "c", lambda r: r["i"] * r["g"]),
    ("h from the previous cell state", "h", lambda r: r["o"] * np.tanh(BIG_C0)),
])
def test_lstm_mistakes_are_named(mistake, key, wrong):
    ref = lstm_by_hand(BIG_C0)
    result = check(LSTM, {key: parse_answer(text(wrong(ref)))}, {"c_prev": BIG_C0.tolist()})
    m = marks(result)[key]
    assert m.status == "wrong" and m.mistake is not None and m.mistake.name == mistake


def test_a_mistake_upstream_carries_into_the_mistaken_value_downstream():
    """g through σ, then c and h from it: g is named, c and h are carried forward."""
    ref = lstm_by_hand()
    g_bad = sig(ref["z_g"])
    c_bad = ref["f"] * C0 + ref["i"] * g_bad
    result = check(LSTM, {"g": parse_answer(text(g_bad)), "c": parse_answer(text(c_bad)),
                          "h": parse_answer(text(ref["o"] * np.tanh(c_bad)))})
    got = marks(result)
    assert got["g"].mistake.name == "candidate through σ instead of tanh"
    assert got["c"].status == "carried_forward" and got["h"].status == "carried_forward"


def test_the_notes_own_figure_is_recognised():
    """The notes give c = [-0.02, -0.02] (problems/recurrent/lstm-step.yaml, notes_say)."""
    got = marks(check(LSTM, {"c": parse_answer("[-0.02, -0.02]")}))
    assert got["c"].status == "wrong" and got["c"].mistake.name == "the notes' own figure"


def test_wrong_shape_and_unknown_key_are_errors():
    with pytest.raises(TutorError, match="expected a vector of 2 entries, got a number"):
        check(LSTM, {"c": parse_answer("0.5")})
    with pytest.raises(TutorError, match=r"no step 'cc' to check \(did you mean \"c\""):
        check(LSTM, {"cc": parse_answer("[1, 2]")})


# -- every problem of the bank --------------------------------------------------------------------------------
def _digits_text(value, digits):
    if isinstance(value, dict):
        return ", ".join(f"{k} = {_digits_text(v, digits)}" for k, v in value.items())
    a = np.asarray(value)
    if a.ndim == 0:
        x = a.item()
        return str(x) if isinstance(x, int) else f"{x:.{digits}g}"
    return "[" + ", ".join(_digits_text(v, digits) for v in a) + "]"


def test_every_bank_answer_to_4_significant_digits_is_correct():
    for problem in load_bank().problems:
        solution = solve(problem)
        answers = {k: parse_answer(_digits_text(solution.values[k], 4)) for k, _ in checkable(solution)}
        result = check(problem, answers, solution=solution)
        bad = [(m.key, m.status) for m in result.marks if m.status != "correct"]
        assert not bad, (problem.id, bad)


# -- answer files ---------------------------------------------------------------------------------------------
def test_answer_files_in_three_formats_keep_the_typed_precision():
    for text_ in ("c = [-0.0682, -0.033]\nh: 1\n".replace("h: 1\n", "h = [0.5, 0.50]\n"),
                  "c: [-0.0682, -0.033]\nh: [0.5, 0.50]\n",
                  '{"c": [-0.0682, -0.033], "h": [0.5, 0.50]}'):
        sheet = parse_answers(text_, "a.txt")
        np.testing.assert_allclose(sheet["c"].half, [0.00005, 0.0005])
        np.testing.assert_allclose(sheet["h"].half, [0.05, 0.005])


def test_answer_file_errors_name_file_line_and_column(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("c = [-0.06, -0.03]\nh = [0.5, 0.2))\n")
    r = run("check", "lstm-step", "--answers", str(f))
    assert r.exit_code == 2 and "Traceback" not in r.stderr
    assert f"{f}:2:" in r.stderr and "h" in r.stderr and "unexpected ')'" in r.stderr
    f.write_text("cc = [1, 2]\n")
    r = run("check", "lstm-step", "--answers", str(f))
    assert r.exit_code == 2 and f"{f}:1:" in r.stderr and 'did you mean "c"' in r.stderr
    r = run("check", "lstm-step", "--answers", str(tmp_path / "missing.yaml"))
    assert r.exit_code == 2 and "no such answers file" in r.stderr


# -- the command ----------------------------------------------------------------------------------------------
def test_check_json_contract(tmp_path):
    ref = lstm_by_hand()
    f = tmp_path / "a.yaml"
    f.write_text(f"f: {text(ref['f'] + 0.1)}\nc: {text(ref['i'] * ref['g'])}\n")
    r = run("check", "lstm-step", "--answers", str(f), "--format", "json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert set(data) == {"id", "first_wrong", "steps"} and data["id"] == "lstm-step"
    assert data["first_wrong"] == "f"
    for s in data["steps"]:
        assert set(s) == {"key", "status", "expected", "given", "mistake"}
    by = {s["key"]: s for s in data["steps"]}
    np.testing.assert_allclose(by["f"]["expected"], ref["f"], atol=1e-12)
    np.testing.assert_allclose(by["f"]["given"], np.round(ref["f"] + 0.1, 4))
    assert by["h"]["status"] == "missing" and by["h"]["given"] is None
    assert by["c"]["status"] == "wrong" and by["c"]["mistake"]["name"] == "c without the kept old cell"
    assert "forget gate" in by["c"]["mistake"]["explanation"] and by["f"]["mistake"] is None


def test_check_interactively_asks_again_after_a_typo():
    ref = lstm_by_hand()
    steps = ["z_i", "i", "z_f", "f"]
    lines = [text(ref["z_i"]), "[0.5, 0.2))", text(ref["i"]), "", "0.1", text(ref["f"] + 0.2), "q"]
    r = run("check", "lstm-step", input="\n".join(lines) + "\n")
    assert r.exit_code == 0, r.stderr
    assert "unexpected ')'" in r.stdout and "Try again" in r.stdout
    assert "expected a vector of 2 entries, got a number" in r.stdout
    assert "First wrong step: step 4 [f]" in r.stdout
    _ = steps


def test_check_saves_progress_and_progress_reports_it(tmp_path):
    ref = lstm_by_hand()
    f = tmp_path / "a.txt"
    f.write_text("\n".join(f"{k} = {text(v)}" for k, v in ref.items()))
    assert run("check", "lstm-step", "--answers", str(f)).exit_code == 0
    f.write_text(f"g = {text(sig(ref['z_g']))}\n")
    assert run("check", "lstm-step", "--answers", str(f)).exit_code == 0
    r = run("progress", "--format", "json")
    data = json.loads(r.stdout)
    assert data["attempts"] == 2 and data["problems_solved"] == 1
    rec = next(t for t in data["topics"] if t["topic"] == "recurrent")
    assert rec["problems_solved"] == 1
    assert rec["most_frequent_mistake"] == "candidate through σ instead of tanh"
    r = run("progress")
    assert "recurrent" in r.stdout and "candidate through σ instead of tanh" in r.stdout
    r = run("progress", "--reset", input="n\n")
    assert "nothing deleted" in r.stdout
    assert json.loads(run("progress", "--format", "json").stdout)["attempts"] == 2
    r = run("progress", "--reset", input="y\n")
    assert "deleted 2 attempts" in r.stdout
    assert json.loads(run("progress", "--format", "json").stdout)["attempts"] == 0


def test_no_save_records_nothing(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("c = [-0.07, -0.03]\n")
    assert run("check", "lstm-step", "--answers", str(f), "--no-save").exit_code == 0
    assert json.loads(run("progress", "--format", "json").stdout)["attempts"] == 0


def test_json_without_answers_is_a_usage_error():
    r = run("check", "lstm-step", "--format", "json")
    assert r.exit_code == 2 and "--answers" in r.stderr


_ = Path


def test_the_catalogue_covers_every_kind():
    """At least 3 mistakes for each headline kind and 1 for every other kind (the issue's floor)."""
    from tutor.mistakes import catalogue
    from tutor.registry import all_kinds

    headline = {"perceptron", "perceptron_network", "softmax_jacobian", "lstm_step", "attention", "kl_divergence",
                "adam", "computational_graph"}
    for kind in all_kinds():
        items = catalogue(kind.name)
        assert len(items) >= (3 if kind.name in headline else 1), kind.name
        for m in items:
            assert m.name.strip() and len(m.explanation.split()) >= 5, (kind.name, m.name)
