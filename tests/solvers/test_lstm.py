"""lstm_step against a plain numpy LSTM written in this test."""

import numpy as np
import pytest

from conftest import solve_params
from tutor.errors import TutorError

NOTES = dict(  # file 000, the LSTM example
    x=[0.5, -0.1], h_prev=[0.0, 0.1], c_prev=[0.2, -0.2],
    W_xi=[[0.5, -0.3], [0.4, 0.2]], W_hi=[[0.1, 0.2], [-0.2, 0.05]],
    W_xf=[[-0.4, 0.2], [0.3, 0.3]], W_hf=[[0.05, -0.1], [0.2, 0.1]],
    W_xo=[[0.3, 0.25], [-0.2, 0.1]], W_ho=[[0.15, 0.05], [0.2, 0.2]],
    W_xg=[[-0.5, 0.4], [0.2, -0.3]], W_hg=[[0.2, 0.1], [-0.2, 0.05]],
)


def reference(p):
    def sig(z):
        return 1 / (1 + np.exp(-z))

    x, h, c = (np.array(p[k], float) for k in ("x", "h_prev", "c_prev"))
    H = len(h)

    def pre(k):
        return np.array(p[f"W_x{k}"]) @ x + np.array(p[f"W_h{k}"]) @ h + np.array(p.get(f"b_{k}", np.zeros(H)))

    i, f, o = sig(pre("i")), sig(pre("f")), sig(pre("o"))
    g = np.tanh(pre("g"))
    c_new = f * c + i * g
    return dict(i=i, f=f, g=g, o=o, c=c_new, h=o * np.tanh(c_new))


def test_notes_example():
    sol = solve_params("lstm_step", **NOTES)
    ref = reference(NOTES)
    for k in "ifgoch":
        np.testing.assert_allclose(sol.value(k), ref[k], rtol=1e-12, err_msg=k)
    # hand-checked: z_i = [0.5*0.5 + 0.3*0.1 + 0.2*0.1, 0.4*0.5 - 0.2*0.1 + 0.05*0.1] = [0.3, 0.185]
    np.testing.assert_allclose(sol.value("z_i"), [0.3, 0.185], rtol=1e-12)
    # the notes give c = [-0.02, -0.02]; by hand: 0.2·σ(-0.23) + σ(0.3)·tanh(-0.28) = 0.088550 - 0.156768
    np.testing.assert_allclose(sol.value("c"), [-0.068218, -0.033210], atol=2e-6)


def test_random_sizes_with_biases():
    rng = np.random.default_rng(7)
    D, H = 3, 4
    p = dict(x=rng.normal(size=D).tolist(), h_prev=rng.normal(size=H).tolist(), c_prev=rng.normal(size=H).tolist())
    for k in "ifgo":
        p[f"W_x{k}"] = rng.normal(size=(H, D)).tolist()
        p[f"W_h{k}"] = rng.normal(size=(H, H)).tolist()
        p[f"b_{k}"] = rng.normal(size=H).tolist()
    sol = solve_params("lstm_step", **p)
    ref = reference(p)
    for k in "ifgoch":
        np.testing.assert_allclose(sol.value(k), ref[k], rtol=1e-12)


def test_student_value_carries_forward():
    sol = solve_params("lstm_step", **NOTES)
    wrong_g = np.array([-0.28, 0.135])  # the notes' slip: tanh not applied
    student = sol.replace({"g": wrong_g})
    i, f, o = sol.value("i"), sol.value("f"), sol.value("o")
    c = f * np.array(NOTES["c_prev"]) + i * wrong_g
    np.testing.assert_allclose(student.value("c"), c)
    np.testing.assert_allclose(student.value("h"), o * np.tanh(c))
    np.testing.assert_allclose(student.value("i"), i)


def test_shape_mismatch_names_the_matrix():
    bad = dict(NOTES, W_hf=[[0.05, -0.1, 0.3], [0.2, 0.1, 0.0]])
    with pytest.raises(TutorError) as e:
        solve_params("lstm_step", **bad)
    msg = str(e.value)
    assert "W_hf" in msg and "2×3" in msg and "2×2" in msg


def test_wrong_bias_length():
    with pytest.raises(TutorError) as e:
        solve_params("lstm_step", **dict(NOTES, b_o=[1, 2, 3]))
    assert "b_o" in str(e.value)
