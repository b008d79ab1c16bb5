"""rnn_forward and gru_step against plain numpy/math re-derivations written in this test."""

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import make_problem, solve_params
from tutor.answers import parse_answer
from tutor.api import find_problem
from tutor.check import check
from tutor.cli import app
from tutor.errors import TutorError

# file 000, "T = 2 (two time steps)": the example's own givens
LECTURE = dict(
    x=[[1, 2], [-1, 2]],
    W_xh=[[0.5, -0.3], [0.2, 0.2], [0.2, 0.4]],
    W_hh=[[0.1, 0.1, 0.1], [-0.2, 0.3, 0.2], [0.05, -0.1, 0.2]],
    W_hy=[[1, -2, 0.5], [0.5, 0.5, -0.5]],
)
# file 001, the lab version (W_xh's third row read as [0.1, 0.4], see the problem file)
LAB = dict(
    x=[[1, 2], [-1, 1]],
    W_xh=[[0.5, -0.3], [0.8, 0.2], [0.1, 0.4]],
    W_hh=[[0.1, 0.4, 0.0], [-0.2, 0.3, 0.2], [0.05, -0.1, 0.2]],
    W_hy=[[1.0, -1.0, 0.5], [0.5, 0.5, -0.5]],
)


def rnn_reference(x, W_xh, W_hh, W_hy, h0=None, b_h=None, b_y=None):
    """A plain loop: z = W_hh h + W_xh x + b, h = tanh z, y = W_hy h + b_y, everything as 2-D numpy arrays."""
    W_xh, W_hh, W_hy = (np.atleast_2d(np.array(w, float)) for w in (W_xh, W_hh, W_hy))
    H = W_hh.shape[0]
    h = np.zeros(H) if h0 is None else np.atleast_1d(np.array(h0, float))
    bh = np.zeros(H) if b_h is None else np.atleast_1d(np.array(b_h, float))
    by = np.zeros(W_hy.shape[0]) if b_y is None else np.atleast_1d(np.array(b_y, float))
    out = {}
    for t, xt in enumerate(x, start=1):
        xt = np.atleast_1d(np.array(xt, float))
        out[f"Whh_h_{t}"] = W_hh @ h
        out[f"Wxh_x_{t}"] = W_xh @ xt
        out[f"z_{t}"] = out[f"Whh_h_{t}"] + out[f"Wxh_x_{t}"] + bh
        h = np.tanh(out[f"z_{t}"])
        out[f"h_{t}"] = h
        out[f"y_{t}"] = W_hy @ h + by
    return out


def check_against(sol, ref):
    for k, v in ref.items():
        np.testing.assert_allclose(np.atleast_1d(sol.value(k)), v, rtol=1e-12, atol=1e-15, err_msg=k)


def _text(sol, key):
    """The step's substitution lines as the terminal writes them (4 significant digits)."""
    from tutor.printers.text import TextPrinter

    tp = TextPrinter(digits=4)
    return " | ".join(tp.text(e) for e in sol.substitution(key))


# -- rnn_forward ----------------------------------------------------------------------------------------------------
def test_lecture_example():
    sol = solve_params("rnn_forward", **LECTURE)
    check_against(sol, rnn_reference(**LECTURE))
    # by hand: W_xh x_1 = [0.5 - 0.6, 0.2 + 0.4, 0.2 + 0.8]; W_xh x_2 = [-0.5 - 0.6, -0.2 + 0.4, -0.2 + 0.8]
    np.testing.assert_allclose(sol.value("Wxh_x_1"), [-0.1, 0.6, 1.0], rtol=1e-12)
    np.testing.assert_allclose(sol.value("Wxh_x_2"), [-1.1, 0.2, 0.6], rtol=1e-12)
    np.testing.assert_allclose(sol.value("Whh_h_1"), [0, 0, 0])
    # h_1 = tanh([-0.1, 0.6, 1.0]) from math.tanh
    np.testing.assert_allclose(sol.value("h_1"), [math.tanh(-0.1), math.tanh(0.6), math.tanh(1.0)], rtol=1e-14)
    assert sol.answer_keys == ("h", "y")
    assert sol.value("h").shape == (2, 3) and sol.value("y").shape == (2, 2)


def test_lab_example_and_the_notes_right_numbers():
    sol = solve_params("rnn_forward", **LAB)
    check_against(sol, rnn_reference(**LAB))
    # what the lab gets right: W_xh x_1 = [-0.1, 1.2, 0.9], W_xh x_2 = [-0.8, -0.6, 0.3], y_1[2] ≈ 0.009
    np.testing.assert_allclose(sol.value("Wxh_x_1"), [-0.1, 1.2, 0.9], rtol=1e-12)
    np.testing.assert_allclose(sol.value("Wxh_x_2"), [-0.8, -0.6, 0.3], rtol=1e-12)
    assert sol.value("y_1")[1] == pytest.approx(0.009, abs=5e-4)
    # and what it gets wrong: y_1[1] = -0.0997 - 0.8337 + 0.3581, not -0.579
    assert sol.value("y_1")[0] == pytest.approx(-0.57517, abs=1e-5)


def test_scalar_rnn_is_school_arithmetic():
    p = dict(x=[1, 0.5, -1], W_xh=0.5, W_hh=0.8, W_hy=2, h0=0.2, b_h=0.1, b_y=-0.5)
    sol = solve_params("rnn_forward", **p)
    h = 0.2
    for t, xt in enumerate([1, 0.5, -1], start=1):
        z = 0.8 * h + 0.5 * xt + 0.1
        h = math.tanh(z)
        assert isinstance(sol.value(f"h_{t}"), float)
        assert sol.value(f"z_{t}") == pytest.approx(z, rel=1e-14)
        assert sol.value(f"h_{t}") == pytest.approx(h, rel=1e-14)
        assert sol.value(f"y_{t}") == pytest.approx(2 * h - 0.5, rel=1e-14)
    assert "0.8·0.2" in _text(sol, "Whh_h_1")


def test_random_sizes_with_biases():
    rng = np.random.default_rng(3)
    T, D, H, K = 5, 3, 4, 2
    p = dict(x=rng.normal(size=(T, D)).tolist(), W_xh=rng.normal(size=(H, D)).tolist(),
             W_hh=rng.normal(size=(H, H)).tolist(), W_hy=rng.normal(size=(K, H)).tolist(),
             h0=rng.normal(size=H).tolist(), b_h=rng.normal(size=H).tolist(), b_y=rng.normal(size=K).tolist())
    check_against(solve_params("rnn_forward", **p), rnn_reference(**p))


def test_one_input_many_hidden_units_and_one_output():
    p = dict(x=[0.5, -1.0], W_xh=[[1.0], [-0.5], [0.25]], W_hh=np.eye(3).tolist(), W_hy=[0.3, -0.2, 0.1])
    sol = solve_params("rnn_forward", **p)
    ref = rnn_reference(**p)
    check_against(sol, ref)
    assert isinstance(sol.value("y_2"), float)  # one output unit: a number, not a vector of one


def test_a_student_h1_carries_forward():
    sol = solve_params("rnn_forward", **LAB)
    mine = np.array([0.099, 0.833, 0.716])  # the lab's h_1, sign dropped
    new = sol.replace({"h_1": mine})
    W_hh, W_hy = np.array(LAB["W_hh"]), np.array(LAB["W_hy"])
    np.testing.assert_allclose(new.value("y_1"), W_hy @ mine)
    np.testing.assert_allclose(new.value("Whh_h_2"), W_hh @ mine)
    np.testing.assert_allclose(new.value("h_2"), np.tanh(W_hh @ mine + np.array([-0.8, -0.6, 0.3])))
    np.testing.assert_allclose(new.value("h")[0], mine)
    np.testing.assert_allclose(new.value("Wxh_x_2"), sol.value("Wxh_x_2"))


def test_replacing_weights_matches_a_fresh_solve():
    """The weights are 'structure' parameters, which the bank-wide nudge test skips: check them here."""
    sol = solve_params("rnn_forward", **LECTURE)
    for name in ("W_xh", "W_hh", "W_hy"):
        nudged = (np.array(LECTURE[name], float) + 0.01).tolist()
        fresh = solve_params("rnn_forward", **dict(LECTURE, **{name: nudged}))
        replaced = sol.replace({name: np.array(nudged)})
        for k in fresh.steps:
            np.testing.assert_allclose(np.asarray(replaced.values[k], float), np.asarray(fresh.values[k], float),
                                       rtol=1e-12, err_msg=(name, k))


@pytest.mark.parametrize("change,field,fragment", [
    (dict(W_hh=[[0.1, 0.2, 0.3], [0.1, 0.2, 0.3]]), "W_hh", "square"),
    (dict(W_xh=[[0.5, -0.3, 1.0], [0.2, 0.2, 1.0], [0.2, 0.4, 1.0]]), "W_xh", "3×2"),
    (dict(W_hy=[[1, -2], [0.5, 0.5]]), "W_hy", "×3"),
    (dict(W_xh=0.5), "W_xh", "is a number but must be a 3×2 matrix"),
    (dict(h0=[0, 0]), "h0", "needs 3"),
    (dict(b_y=[1, 2, 3]), "b_y", "needs 2"),
    (dict(x=[[1, 2, 3], [4, 5, 6]]), "W_xh", "D = 3"),
    (dict(W_hh="abc"), "W_hh", "matrix as a list of rows"),
    (dict(x=[[1, 2], [3]]), "x", "different lengths"),
])
def test_bad_input_names_the_field(change, field, fragment):
    with pytest.raises(TutorError) as e:
        solve_params("rnn_forward", **dict(LECTURE, **change))
    assert e.value.field.split(".")[1].split("[")[0] == field, e.value.field
    assert fragment in e.value.message, e.value.message


def test_missing_weight_is_an_error():
    p = dict(LECTURE)
    del p["W_hy"]
    with pytest.raises(TutorError) as e:
        solve_params("rnn_forward", **p)
    assert "W_hy" in e.value.message


def test_conventions_name_pytorch_and_the_defaults():
    sol = solve_params("rnn_forward", **LECTURE)
    text = " ".join(sol.conventions)
    assert "nn.RNN" in text and "h_0 is taken as zeros" in text and "no hidden bias" in text


# -- gru_step -------------------------------------------------------------------------------------------------------
GRU = dict(
    x=[0.5, -0.1], h_prev=[0.2, -0.4],
    W_xz=[[0.5, -0.3], [0.4, 0.2]], W_hz=[[0.1, 0.2], [-0.2, 0.05]], b_z=[0.1, 0.0],
    W_xr=[[-0.4, 0.2], [0.3, 0.3]], W_hr=[[0.05, -0.1], [0.2, 0.1]],
    W_xh=[[-0.5, 0.4], [0.2, -0.3]], W_hh=[[0.2, 0.1], [-0.2, 0.05]], b_h=[0.0, 0.2],
)


def gru_reference(p, update="pytorch"):
    def sig(v):
        return 1 / (1 + np.exp(-v))

    a = {k: np.atleast_2d(np.array(p[k], float)) for k in p if k.startswith("W_")}
    x, h = np.atleast_1d(np.array(p["x"], float)), np.atleast_1d(np.array(p["h_prev"], float))

    def b(k):
        return np.atleast_1d(np.array(p.get(k, 0.0), float))

    z = sig(a["W_xz"] @ x + a["W_hz"] @ h + b("b_z"))
    r = sig(a["W_xr"] @ x + a["W_hr"] @ h + b("b_r"))
    ht = np.tanh(a["W_xh"] @ x + a["W_hh"] @ (r * h) + b("b_h"))
    new = (1 - z) * ht + z * h if update == "pytorch" else (1 - z) * h + z * ht
    return dict(z=z, r=r, r_h_prev=r * h, h_tilde=ht, h=new)


@pytest.mark.parametrize("update", ["pytorch", "cho"])
def test_gru_against_reference(update):
    sol = solve_params("gru_step", **GRU, update=update)
    for k, v in gru_reference(GRU, update).items():
        np.testing.assert_allclose(sol.value(k), v, rtol=1e-12, err_msg=k)
    np.testing.assert_allclose(sol.value("keep") + sol.value("write"), sol.value("h"), rtol=1e-14)


def test_gru_default_is_pytorch_and_says_so():
    sol = solve_params("gru_step", **GRU)
    np.testing.assert_allclose(sol.value("h"), gru_reference(GRU, "pytorch")["h"], rtol=1e-12)
    text = " ".join(sol.conventions)
    assert "update: pytorch (the default)" in text and "GRUCell" in text and "Cho et al. (2014)" in text
    assert "r ⊙ (W_hn h_prev + b_hn)" in text  # PyTorch applies r after the product
    assert "b_r" in text  # the missing bias is named


def test_gru_conventions_are_mirror_images():
    """h_pytorch(z) = h_cho(1 - z): the same cell with z read as 1 - z (checked through a student value)."""
    a = solve_params("gru_step", **GRU, update="pytorch")
    b = solve_params("gru_step", **GRU, update="cho")
    b2 = b.replace({"z": 1 - a.value("z")})
    np.testing.assert_allclose(b2.value("h"), a.value("h"), rtol=1e-12)


def test_gru_scalar():
    p = dict(x=1, h_prev=0.5, W_xz=0.5, W_hz=0.2, W_xr=-0.4, W_hr=0.3, W_xh=0.8, W_hh=-0.6)
    sol = solve_params("gru_step", **p, update="cho")

    def s(v):
        return 1 / (1 + math.exp(-v))

    z, r = s(0.5 + 0.2 * 0.5), s(-0.4 + 0.3 * 0.5)
    ht = math.tanh(0.8 - 0.6 * r * 0.5)
    assert sol.value("z") == pytest.approx(z, rel=1e-14)
    assert sol.value("r") == pytest.approx(r, rel=1e-14)
    assert sol.value("h_tilde") == pytest.approx(ht, rel=1e-14)
    assert sol.value("h") == pytest.approx((1 - z) * 0.5 + z * ht, rel=1e-14)
    assert isinstance(sol.value("h"), float)
    assert "(1 - 0.6457)·0.5" in _text(sol, "keep")


@pytest.mark.parametrize("change,field,fragment", [
    (dict(W_hz=[[0.1, 0.2, 0.3], [0.1, 0.2, 0.3]]), "W_hz", "2×2"),
    (dict(W_xh=[[0.5], [0.4]]), "W_xh", "2×2"),
    (dict(b_r=[1, 2, 3]), "b_r", "needs 2"),
    (dict(update="keras"), "update", "expected one of"),
])
def test_gru_bad_input(change, field, fragment):
    with pytest.raises(TutorError) as e:
        solve_params("gru_step", **dict(GRU, **change))
    assert e.value.field.split(".")[1] == field, e.value.field
    assert fragment in e.value.message, e.value.message


# -- CLI ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("pid,ref", [("rnn-two-steps", LECTURE), ("rnn-two-steps-lab", LAB)])
def test_cli_json(pid, ref):
    r = CliRunner().invoke(app, ["solve", pid, "--format", "json"])
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    expected = rnn_reference(**ref)
    np.testing.assert_allclose(data["answer"]["h"], [expected["h_1"], expected["h_2"]], rtol=1e-12)
    np.testing.assert_allclose(data["answer"]["y"], [expected["y_1"], expected["y_2"]], rtol=1e-12)
    assert data["notes_say"], pid


def test_cli_text_shows_the_working():
    r = CliRunner().invoke(app, ["solve", "rnn-two-steps"])
    assert r.exit_code == 0, r.stderr
    assert "tanh(-0.1)" in r.stdout and "0.2·1 + 0.2·2" in r.stdout and "Where the notes differ" in r.stdout


# -- mistakes --------------------------------------------------------------------------------------------------
from checking import typed  # noqa: E402,F401


def mark(problem, key, value, **earlier):
    answers = {k: parse_answer(v if isinstance(v, str) else typed(v)) for k, v in {**earlier, key: value}.items()}
    return next(m for m in check(problem, answers).marks if m.key == key)


def named(problem, key, value, **earlier):
    m = mark(problem, key, value, **earlier)
    assert m.status == "wrong", (key, m.status)
    return m.mistake.name if m.mistake else None


def test_rnn_mistakes():
    problem = find_problem("rnn-two-steps")
    W_xh, W_hh, W_hy = (np.array(LECTURE[k], float) for k in ("W_xh", "W_hh", "W_hy"))
    x1, x2 = np.array(LECTURE["x"], float)
    # without tanh: h_1 = z_1, then h_2 = z_2 from that h_1
    h1 = W_xh @ x1
    h2 = W_hh @ h1 + W_xh @ x2
    assert named(problem, "h_1", h1) == "h_t without the tanh"
    assert named(problem, "h_2", h2) == "h_t without the tanh"
    assert named(problem, "y_2", W_hy @ h2) == "h_t without the tanh"
    # the notes' tanh(W_hh h_1) + W_xh x_2 (h_1 = tanh(W_hh h_0) + W_xh x_1 = W_xh x_1 as h_0 = 0)
    h2 = np.tanh(W_hh @ h1) + W_xh @ x2
    assert named(problem, "h_2", h2) == "tanh around the recurrent term only"


def test_rnn_rounded_and_carried_forward():
    problem = find_problem("rnn-two-steps")
    ref = rnn_reference(**LECTURE)
    for digits in (2, 4):
        assert mark(problem, "h_1", "[" + ", ".join(f"{v:.{digits}f}" for v in ref["h_1"]) + "]").status == "correct"
    # the notes' h_1 (the lab's), then y_1 = W_hy h_1 from it: carried forward
    h1 = np.array([-0.099, 0.834, 0.71])
    y1 = np.array(LECTURE["W_hy"], float) @ h1
    assert mark(problem, "y_1", y1, h_1=h1).status == "carried_forward"


GRU = dict(x=[1, -1], h_prev=[0.5, -0.3], W_xz=[[0.2, 0.1], [0.3, -0.2]], W_hz=[[0.1, 0.0], [0.2, 0.1]],
           W_xr=[[0.4, 0.1], [-0.3, 0.2]], W_hr=[[0.2, 0.3], [0.1, -0.1]], W_xh=[[0.5, -0.4], [0.1, 0.3]],
           W_hh=[[0.3, 0.2], [-0.2, 0.4]], b_h=[0.1, -0.2])


def gru_parts(reset_after=False, candidate=np.tanh):
    P = {k: np.array(v, float) for k, v in GRU.items()}
    x, h = P["x"], P["h_prev"]
    z = 1 / (1 + np.exp(-(P["W_xz"] @ x + P["W_hz"] @ h)))
    r = 1 / (1 + np.exp(-(P["W_xr"] @ x + P["W_hr"] @ h)))
    a_h = P["W_xh"] @ x + (r * (P["W_hh"] @ h) if reset_after else P["W_hh"] @ (r * h)) + P["b_h"]
    return z, a_h, candidate(a_h), h


def test_gru_mistakes():
    problem = make_problem("gru_step", GRU)
    z, _, ht, h = gru_parts()
    assert named(problem, "h", (1 - z) * h + z * ht) == "update gate mixed the other way round"
    cho = make_problem("gru_step", {**GRU, "update": "cho"})
    assert named(cho, "h", z * h + (1 - z) * ht) == "update gate mixed the other way round"
    _, a_after, _, _ = gru_parts(reset_after=True)
    assert named(problem, "a_h", a_after) == "reset gate applied after W_hh"
    _, _, h_sig, _ = gru_parts(candidate=lambda a: 1 / (1 + np.exp(-a)))
    assert named(problem, "h_tilde", h_sig) == "candidate through σ instead of tanh"
