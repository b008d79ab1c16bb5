"""softmax_jacobian against a numpy re-derivation and a finite-difference Jacobian written here."""

import numpy as np
import pytest

from conftest import solve_params
from tutor.errors import TutorError


def softmax(x):
    e = np.exp(np.asarray(x, float) - np.max(x))
    return e / e.sum()


def fd_jacobian(x, h=1e-6):
    x = np.asarray(x, float)
    J = np.zeros((len(x), len(x)))
    for j in range(len(x)):
        d = np.zeros_like(x)
        d[j] = h
        J[:, j] = (softmax(x + d) - softmax(x - d)) / (2 * h)
    return J


def test_notes_example_values():
    sol = solve_params("softmax_jacobian", x=[2.0, 1.0, 0.1])
    # e^2 / (e^2 + e + e^0.1), by hand: 7.389056 / 11.212160 = 0.659001
    assert sol.value("s")[0] == pytest.approx(0.659001, abs=1e-6)
    assert sol.value("S") == pytest.approx(np.e**2 + np.e + np.exp(0.1))
    np.testing.assert_allclose(sol.value("J"), fd_jacobian([2.0, 1.0, 0.1]), atol=1e-8)
    # the diagonal is s1(1 - s1) = 0.2247, not s1 = 0.66 as the lab notes wrote
    assert sol.value("J")[0, 0] == pytest.approx(0.659001 * (1 - 0.659001), abs=1e-6)


@pytest.mark.parametrize("x", [[0.0], [1.0, -1.0], [3.0, 0.5, -2.0, 7.0], [0.1] * 5])
def test_random_shapes_against_finite_differences(x):
    sol = solve_params("softmax_jacobian", x=x)
    np.testing.assert_allclose(sol.value("s"), softmax(x), rtol=1e-12)
    np.testing.assert_allclose(sol.value("J"), fd_jacobian(x), atol=1e-7)
    np.testing.assert_allclose(sol.value("J").sum(axis=1), 0, atol=1e-12)


def test_large_inputs_are_stable():
    sol = solve_params("softmax_jacobian", x=[1000, 999, 998])
    s = sol.value("s")
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(sol.value("J")))
    # softmax is shift-invariant: the same as softmax([2, 1, 0])
    np.testing.assert_allclose(s, np.exp([2, 1, 0]) / np.exp([2, 1, 0]).sum(), rtol=1e-12)
    assert any("shift" in c for c in sol.conventions)


def test_replace_s_recomputes_jacobian():
    sol = solve_params("softmax_jacobian", x=[2.0, 1.0, 0.1])
    student = sol.replace({"s": [0.66, 0.24, 0.10]})
    J = student.value("J")
    assert J[0, 0] == pytest.approx(0.66 * 0.34)
    assert J[0, 1] == pytest.approx(-0.66 * 0.24)
    assert student.value("exp") is sol.value("exp")  # upstream untouched


def test_nan_input_is_rejected():
    with pytest.raises(TutorError) as e:
        solve_params("softmax_jacobian", x=[1.0, float("nan")])
    assert "x[1]" in str(e.value) and "NaN" in str(e.value)
