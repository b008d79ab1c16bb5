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


# -- mistakes --------------------------------------------------------------------------------------------------
# Each wrong method is re-derived here in plain numpy; the check must name it when a student types its numbers.
from conftest import make_problem  # noqa: E402

from tutor.api import find_problem  # noqa: E402
from tutor.check import CARRIED, CORRECT  # noqa: E402
from tutor.mistakes import catalogue, degeneracy_checks  # noqa: E402

X = [2.0, 1.0, 0.1]
S_TRUE = np.exp(X) / np.exp(X).sum()


from checking import assert_named, bank_problems, changed_steps, mark, text  # noqa: E402,F401


def test_jacobian_diagonal_as_s():
    J = -np.outer(S_TRUE, S_TRUE)
    np.fill_diagonal(J, S_TRUE)  # the lab's 0.66 on the diagonal
    assert J[0, 0] == pytest.approx(0.6590, abs=1e-4)
    assert_named(find_problem("softmax-jacobian"), "J", J, "Jacobian diagonal as sᵢ instead of sᵢ(1 − sᵢ)")


def test_jacobian_off_diagonal_without_minus():
    s = S_TRUE
    J = np.array([[s[i] * (1 - s[i]) if i == j else s[i] * s[j] for j in range(3)] for i in range(3)])
    assert_named(find_problem("softmax-jacobian"), "J", J,
                 "Jacobian off the diagonal as +sᵢsⱼ, without the minus sign")


def test_jacobian_diagonal_only():
    J = np.diag(S_TRUE * (1 - S_TRUE))
    assert_named(find_problem("softmax-jacobian"), "J", J,
                 "Jacobian with zeros off the diagonal (softmax treated entry by entry, like σ)")


def test_softmax_without_exponentials_and_its_jacobian():
    problem = find_problem("softmax-jacobian")
    s = np.array(X) / sum(X)  # 2/3.1, 1/3.1, 0.1/3.1
    assert s[0] == pytest.approx(0.6452, abs=1e-4)
    assert_named(problem, "s", s, "softmax as xᵢ/Σⱼxⱼ, without the exponentials")
    # J from those s alone (s not typed): the mistake's own Jacobian
    J = np.diag(s) - np.outer(s, s)
    assert_named(problem, "J", J, "softmax as xᵢ/Σⱼxⱼ, without the exponentials")


def test_right_values_rounded_are_correct_and_a_slip_is_carried_forward():
    problem = find_problem("softmax-jacobian")
    J = np.diag(S_TRUE) - np.outer(S_TRUE, S_TRUE)
    for digits in (4, "2sf"):  # s₃ = 0.0986 and J₂₃ = −0.0239 need more than 2 decimals for 2 figures
        assert mark(problem, "s", S_TRUE, digits).status == CORRECT
        assert mark(problem, "J", J, digits).status == CORRECT
    # 2 decimals where every entry is at least 0.1: the chapter's a = [0.5, 1.5, 0.1], s = [0.23, 0.62, 0.15]
    chapter = make_problem("softmax_jacobian", {"x": [0.5, 1.5, 0.1]})
    s = np.exp([0.5, 1.5, 0.1]) / np.exp([0.5, 1.5, 0.1]).sum()
    assert mark(chapter, "s", s, 2).status == CORRECT
    assert mark(chapter, "S", np.exp([0.5, 1.5, 0.1]).sum(), 2).status == CORRECT
    wrong_s = np.array([0.6, 0.3, 0.1])
    m = mark(problem, "J", np.diag(wrong_s) - np.outer(wrong_s, wrong_s), s=wrong_s)
    assert m.status == CARRIED


def test_every_mistake_changes_a_checkable_step_of_a_bank_problem():
    problems = bank_problems("softmax_jacobian")
    mistakes = catalogue("softmax_jacobian")
    assert len(mistakes) >= 3  # a headline kind
    for m in mistakes:
        assert any(changed_steps(p, m) for p in problems), m.name


def test_equal_inputs_are_degenerate():
    (check_equal,) = degeneracy_checks("softmax_jacobian")
    assert check_equal(solve_params("softmax_jacobian", x=[0.5, 0.5, 0.5])) is not None
    assert check_equal(solve_params("softmax_jacobian", x=X)) is None
