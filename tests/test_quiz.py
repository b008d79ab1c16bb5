"""`tutor quiz` and the variants it draws: reproducible, non-degenerate, marked as check marks, remembered."""

import builtins
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from tutor.api import find_problem, load_bank
from tutor.cli import app
from tutor.errors import TutorError
from tutor.progress import Store
from tutor.variants import degenerate_reason, draw, item_seed

runner = CliRunner()
LSTM = find_problem("lstm-step")


def run(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def sig(z):
    return 1 / (1 + np.exp(-z))


def lstm_answers(settings):
    """i, f, g, o, c, h of a drawn variant, by hand (the file's recurrent weights, the variant's others)."""
    p = {**LSTM.params, **settings}
    x, h0, c0 = (np.array(p[k], float) for k in ("x", "h_prev", "c_prev"))
    z = {g: np.array(p["W_x" + g]) @ x + np.array(p["W_h" + g]) @ h0 for g in "ifgo"}
    i, f, g, o = sig(z["i"]), sig(z["f"]), np.tanh(z["g"]), sig(z["o"])
    c = f * c0 + i * g
    return {"i": i, "f": f, "g": g, "o": o, "c": c, "h": o * np.tanh(c)}


def vec(v):
    return "[" + ", ".join(f"{x:.4f}" for x in v) + "]"


# -- variants -------------------------------------------------------------------------------------------------
def test_the_same_seed_gives_the_same_variant_and_others_differ():
    a, b, c = draw(LSTM, 11), draw(LSTM, 11), draw(LSTM, 12)
    assert a.settings == b.settings and a.settings != c.settings
    for v in (a, c):  # hand-friendly: one decimal, from the declared grids
        for name, value in v.settings.items():
            arr = np.asarray(value, float)
            np.testing.assert_allclose(arr, np.round(arr, 1))
            assert np.all(np.abs(arr) <= (1.5 if name == "c_prev" else 1.0))
        assert np.all(np.asarray(v.settings["x"]) != 0)


def test_variants_are_not_degenerate():
    for seed in range(20):
        v = draw(LSTM, seed)
        ref = lstm_answers(v.settings)
        np.testing.assert_allclose(v.solution.values["h"], ref["h"], atol=1e-12)
        for gate in "ifo":  # no saturated σ: |z| ≤ 4, so σ stays inside [0.018, 0.982]
            assert np.all(np.abs(v.solution.values["z_" + gate]) <= 4)
        # o·tanh(c) and o·c must differ by more than the coarsest precision check accepts (2 significant
        # figures), else "h without the tanh on c" could pass as right
        right, wrong = ref["o"] * np.tanh(ref["c"]), ref["o"] * ref["c"]
        mag = np.floor(np.log10(np.maximum(np.abs(right), np.abs(wrong))))
        assert np.any(np.abs(right - wrong) >= 2 * np.maximum(0.5 * 10.0 ** (mag - 1), 0.0005))


def test_degenerate_draws_are_rejected_with_reasons():
    saturated = {"x": [1.0, 1.0], "W_xi": [[9.0, 9.0], [9.0, 9.0]]}
    from tutor.api import solve

    assert "saturated" in degenerate_reason(LSTM, solve(LSTM, saturated), saturated)
    tiny_c = {"c_prev": [0.1, -0.1]}
    assert "agree at h" in degenerate_reason(LSTM, solve(LSTM, tiny_c), tiny_c)


def test_every_varying_problem_in_the_bank_draws_a_variant():
    varying = [p for p in load_bank().problems if p.vary]
    assert len(varying) >= 1
    for p in varying:
        v = draw(p, 1)
        assert v.settings and degenerate_reason(p, v.solution, v.settings) is None


def test_a_vary_block_that_can_never_draw_is_an_instructors_error(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("id: tight\ntitle: t\ntopic: recurrent\nkind: kl_divergence\n"
                 "params: {p: [0.5, 0.5], q: [0.5, 0.5]}\nvary:\n  p: {choices: [[0.5, 0.5]]}\n"
                 "constraints:\n  - \"KL > 1\"\n")
    from tutor.bank import load_file

    problem = load_file(f)
    with pytest.raises(TutorError, match="could not draw a usable variant of tight"):
        draw(problem, 1, max_tries=5)


@pytest.mark.parametrize("block, message", [
    ("vary:\n  xx: {low: 0, high: 1, step: 0.1}\n", "has no parameter 'xx'"),
    ("vary:\n  x: {low: 1, high: 0, step: 0.1}\n", "expected low < high"),
    ("vary:\n  x: {low: 0, high: 1}\n", "missing step"),
    ("vary:\n  x: {low: 0, high: 1, step: 0.1, by: 2}\n", "unknown key 'by'"),
    ("vary:\n  x: {choices: []}\n", "non-empty list"),
    ("constraints: [\"x > 1\"]\n", "has no `vary`"),
    ("vary:\n  x: {low: 0, high: 1, step: 0.1}\nconstraints: [\"x >> 1\"]\n", "constraint"),
])
def test_vary_schema_errors_are_located(tmp_path, block, message):
    f = tmp_path / "p.yaml"
    f.write_text("id: bad-vary\ntitle: t\ntopic: recurrent\nkind: lstm_step\nparams:\n"
                 + "".join(f"  {k}: {json.dumps(v)}\n" for k, v in LSTM.params.items()) + block)
    r = run("validate", str(f))
    assert r.exit_code == 2 and message in r.stderr and f"{f}:" in r.stderr and "Traceback" not in r.stderr


# -- the command ----------------------------------------------------------------------------------------------
def _variant(seed, n=1):
    return draw(LSTM, item_seed(seed, n))


def test_quiz_marks_right_answers_and_remembers():
    v = _variant(5)
    ref = lstm_answers(v.settings)
    lines = [vec(ref[k]) for k in "ifgoch"]
    r = run("quiz", "--kind", "lstm_step", "--seed", "5", "--count", "1", input="\n".join(lines) + "\n")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.count("✓ correct") == 6 and "1 of 1 question solved" in r.stdout
    assert "fresh variant of 'lstm-step'" in r.stdout
    data = Store().summary([("lstm-step", "recurrent")])
    assert data["attempts"] == 1 and data["problems_solved"] == 1


def test_quiz_after_a_miss_shows_the_step_and_names_the_mistake():
    v = _variant(6)
    ref = lstm_answers(v.settings)
    p = {**LSTM.params, **v.settings}
    z_g = np.array(p["W_xg"]) @ np.array(p["x"]) + np.array(p["W_hg"]) @ np.array(p["h_prev"])
    lines = [vec(ref["i"]), vec(ref["f"]), vec(sig(z_g)), "q"]
    r = run("quiz", "--kind", "lstm_step", "--seed", "6", "--count", "1", input="\n".join(lines) + "\n")
    assert r.exit_code == 0, r.stderr
    assert "✗ wrong. The step worked correctly" in r.stdout
    assert "Likely mistake: candidate through σ instead of tanh" in r.stdout
    assert "[g]" in r.stdout and "z_g = W_xg x + W_hg h_prev" in r.stdout.replace("  ", " ")


def test_hint_ladder_formula_numbers_value_and_hints_are_recorded():
    v = _variant(7)
    r = run("quiz", "--kind", "lstm_step", "--seed", "7", "--count", "1", input="?\n?\n?\nq\n")
    assert r.exit_code == 0, r.stderr
    out = r.stdout
    assert "Hint 1 of 3 (the formula)" in out and "i = σ(z_i)" in out and "z_i = W_xi x + W_hi h_prev" in out
    assert "Hint 2 of 3 (the formula with the numbers in)" in out
    p = {**LSTM.params, **v.settings}
    z_i = np.array(p["W_xi"]) @ np.array(p["x"]) + np.array(p["W_hi"]) @ np.array(p["h_prev"])
    assert "Hint 3 of 3 (the value)" in out and f"{sig(z_i[0]):.4g}" in out
    import sqlite3

    from tutor.progress import DB_NAME, data_dir

    rows = sqlite3.connect(data_dir() / DB_NAME).execute("select key, status, hints from steps").fetchall()
    assert rows == [("i", "revealed", 3)]


def test_the_same_seed_asks_the_same_questions():
    a = run("quiz", "--topic", "recurrent", "--seed", "9", "--count", "2", input="q\n")
    b = run("quiz", "--topic", "recurrent", "--seed", "9", "--count", "2", input="q\n")
    assert a.exit_code == 0 and a.stdout == b.stdout


def test_ctrl_c_loses_no_answered_step(monkeypatch):
    v = _variant(8)
    ref = lstm_answers(v.settings)
    replies = iter([vec(ref["i"]), vec(ref["f"])])

    def fake_input(prompt=""):
        try:
            return next(replies)
        except StopIteration:
            raise KeyboardInterrupt from None

    monkeypatch.setattr(builtins, "input", fake_input)
    r = run("quiz", "--kind", "lstm_step", "--seed", "8", "--count", "1")
    assert r.exit_code == 130
    import sqlite3

    from tutor.progress import DB_NAME, data_dir

    rows = sqlite3.connect(data_dir() / DB_NAME).execute("select key, status from steps order by id").fetchall()
    assert rows == [("i", "correct"), ("f", "correct")]


def test_quiz_filters_are_checked():
    r = run("quiz", "--topic", "recurent")
    assert r.exit_code == 2 and 'did you mean "recurrent"' in r.stderr
    r = run("quiz", "--kind", "lstm")
    assert r.exit_code == 2 and "lstm_step" in r.stderr


def test_weak_topics_come_up_more_often():
    from tutor.quiz import choose

    problems = load_bank().problems
    picks = choose(problems, 400, 1, {"recurrent": 20.0})
    share = sum(p.topic == "recurrent" for p in picks) / len(picks)
    n_rec = sum(p.topic == "recurrent" for p in problems)
    assert share > 3 * n_rec / len(problems)
