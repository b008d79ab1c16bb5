"""eigen, null_space and hessian against numpy.linalg, a plain-Fraction row reduction and a finite-difference
Hessian written in this test, never against the solver's own output."""

import json
import math
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import make_problem, solve_params
from tutor.answers import parse_answer
from tutor.api import find_problem
from tutor.check import check as check_answers
from tutor.cli import app
from tutor.errors import TutorError
from tutor.printers.latex import LatexPrinter
from tutor.printers.text import TextPrinter

NOTES_2X2 = [[1, 2], [5, 4]]  # file 003, chapter 1: λ = 6, -1
NOTES_3X3 = [[1, 1, 1], [-1, -1, -1], [0, 0, 1]]  # file 003, chapter 1: λ = 0, 0, 1


def lines(sol, key):
    """Every substitution line of a step as plain text, joined."""
    printer = TextPrinter(digits=6)
    return "\n".join(printer.text(e) for e in sol.substitution(key))


def eigen_check(A, sol):
    """Eigenvalues as numpy gives them; every eigenvector nonzero with A v = λ v; as many eigenvectors for each λ as
    the nullity of A - λI (numpy's matrix_rank)."""
    A = np.asarray(A, float)
    n = len(A)
    ref = np.sort(np.linalg.eigvals(A).real)[::-1]
    np.testing.assert_allclose(sol.value("eigenvalues"), ref, atol=1e-7)
    distinct = []
    for x in ref:
        if not any(abs(x - y) < 1e-6 for y in distinct):
            distinct.append(x)
    total = 0
    for k, lam in enumerate(distinct, 1):
        V = np.asarray(sol.value(f"v_{k}"), float).reshape(n, -1)
        geometric = n - np.linalg.matrix_rank(A - lam * np.eye(n), tol=1e-8)
        assert V.shape[1] == geometric, (k, V.shape, geometric)
        np.testing.assert_allclose(A @ V, lam * V, atol=1e-9)
        assert np.linalg.matrix_rank(V) == geometric
        total += geometric
    assert np.asarray(sol.value("eigenvectors")).reshape(n, -1).shape[1] == total


# -- eigen ------------------------------------------------------------------------------------------------------------
def test_notes_2x2():
    sol = solve_params("eigen", A=NOTES_2X2)
    eigen_check(NOTES_2X2, sol)
    # det(A - λI) = λ² - 5λ - 6 by hand (trace 5, determinant 4 - 10 = -6); numpy.poly gives det(λI - A), the same
    # for n = 2
    np.testing.assert_allclose(sol.value("char_poly"), [1, -5, -6])
    np.testing.assert_allclose(sol.value("char_poly"), np.poly(np.array(NOTES_2X2, float)), atol=1e-12)
    np.testing.assert_allclose(sol.value("eigenvalues"), [6, -1])
    # free variable x₂ = 1: x₁ = (2/5)x₂ for λ = 6 and x₁ = -x₂ for λ = -1 (the notes scale to (1, 5/2), (1, -1))
    np.testing.assert_allclose(sol.value("v_1"), [0.4, 1])
    np.testing.assert_allclose(sol.value("v_2"), [-1, 1])
    np.testing.assert_allclose(sol.value("rref_1"), [[1, -0.4], [0, 0]])
    assert "(1 - λ) (4 - λ) - 2·5" in lines(sol, "char_poly") and "(λ - 6)·(λ + 1)" in lines(sol, "char_poly")
    assert "(5 ± √49)/2" in lines(sol, "eigenvalues") and "(5 ± 7)/2" in lines(sol, "eigenvalues")
    assert "R₂ ← R₂ - 5R₁" in lines(sol, "rref_1") and "R₁ ← R₁/(-5)" in lines(sol, "rref_1")
    assert "diagonalisable" in sol.explanation("eigenvectors")


def test_notes_3x3_defective():
    sol = solve_params("eigen", A=NOTES_3X3)
    eigen_check(NOTES_3X3, sol)
    # det(A - λI) = λ² - λ³ (the notes' working), coefficients of λ³, λ², λ, 1; numpy.poly is (-1)³ times it
    np.testing.assert_allclose(sol.value("char_poly"), [-1, 1, 0, 0])
    np.testing.assert_allclose(sol.value("char_poly"), -np.poly(np.array(NOTES_3X3, float)), atol=1e-12)
    np.testing.assert_allclose(sol.value("eigenvalues"), [1, 0, 0])
    # λ = 1: x₃ free, (1, -1, 1) (the notes' -1 multiple); λ = 0: x₂ free, (-1, 1, 0)
    np.testing.assert_allclose(sol.value("v_1"), [1, -1, 1])
    np.testing.assert_allclose(sol.value("v_2"), [-1, 1, 0])
    assert np.asarray(sol.value("eigenvectors")).shape == (3, 2)
    assert "defective" in sol.explanation("v_2") and "defective" in sol.explanation("eigenvectors")
    assert "twice" in sol.explanation("eigenvalues")
    assert "-λ²·(λ - 1)" in lines(sol, "char_poly")
    # expanded along the row with the most zeros (row 3): (1 - λ)·det[[1 - λ, 1], [-1, -1 - λ]]
    assert "(1 - λ)·λ²" in lines(sol, "char_poly")


def test_irrational_eigenvalues_are_written_exactly():
    # trace 6, determinant 4: λ = 3 ± √5 = 5.2360680, 0.7639320
    sol = solve_params("eigen", A=[[1, 1], [1, 5]])
    eigen_check([[1, 1], [1, 5]], sol)
    np.testing.assert_allclose(sol.value("eigenvalues"), [3 + math.sqrt(5), 3 - math.sqrt(5)], rtol=1e-14)
    text = lines(sol, "eigenvalues")
    assert "3 ± √5" in text and "(6 ± √20)/2" in text and "(6 ± 2√5)/2" in text
    assert r"3 \pm \sqrt{5}" in [LatexPrinter().doprint(e) for e in sol.substitution("eigenvalues")][-1]
    assert "(3 + √5)" in lines(sol, "A_minus_lambda1I") and "-2 - √5" in lines(sol, "A_minus_lambda1I")
    assert "√5" in lines(sol, "v_1")  # (√5 - 2, 1) exactly, from the exact row reduction


@pytest.mark.parametrize("seed", range(6))
def test_random_symmetric_matrices_against_numpy(seed):
    rng = np.random.default_rng(seed)
    n = 2 + seed % 3
    B = rng.integers(-3, 4, size=(n, n))
    A = (B + B.T).tolist()  # symmetric: real eigenvalues
    eigen_check(A, solve_params("eigen", A=A))


def test_repeated_eigenvalue_with_two_eigenvectors():
    A = [[3, 0, 0], [0, 3, 0], [1, 2, 5]]
    sol = solve_params("eigen", A=A)
    eigen_check(A, sol)
    assert np.asarray(sol.value("v_2")).shape == (3, 2)  # λ = 3, a plane of eigenvectors
    assert "diagonalisable" in sol.explanation("eigenvectors")


@pytest.mark.parametrize("scale", ["free", "first", "unit"])
def test_scaling_is_a_multiple_of_numpys(scale):
    A = np.array(NOTES_2X2, float)
    sol = solve_params("eigen", A=NOTES_2X2, scale=scale)
    w, V = np.linalg.eig(A)
    for k in (1, 2):
        v = np.asarray(sol.value(f"v_{k}"), float)
        ref = V[:, int(np.argmin(abs(w - sol.value(f"lambda_{k}"))))]
        assert abs(abs(v @ ref) - np.linalg.norm(v) * np.linalg.norm(ref)) < 1e-12  # parallel
        if scale == "unit":
            assert np.linalg.norm(v) == pytest.approx(1, rel=1e-14)
        elif scale == "first":
            assert v[0] == pytest.approx(1)
        else:
            assert v[1] == pytest.approx(1)  # x₂ is the free variable
    assert any("numpy.linalg.eig" in c for c in sol.conventions)


def test_notes_scaling_matches_their_vectors():
    sol = solve_params("eigen", A=NOTES_2X2, scale="first")
    np.testing.assert_allclose(sol.value("v_1"), [1, 2.5])  # c(1, 5/2)
    np.testing.assert_allclose(sol.value("v_2"), [1, -1])
    assert "5/2" in lines(sol, "v_1")


def test_char_poly_other_sign_is_numpys():
    A = [[2, 0, 1], [1, 3, 0], [0, 0, 4]]
    sol = solve_params("eigen", A=A, char_poly="lambda I - A")
    np.testing.assert_allclose(sol.value("char_poly"), np.poly(np.array(A, float)), atol=1e-9)
    assert sol.steps["char_poly"].symbol.text == "coeffs of det(λI - A)"


def test_complex_eigenvalues_are_refused_clearly():
    with pytest.raises(TutorError) as e:
        solve_params("eigen", A=[[1, -2], [2, 1]])  # λ = 1 ± 2i
    assert e.value.field == "params.A"
    assert "complex" in e.value.message and "1 ± 2i" in e.value.message


@pytest.mark.parametrize("A,fragment", [
    ([[1, 2, 3], [4, 5, 6]], "2×3"),
    ([[1] * 5] * 5, "5×5"),
    ([[1, "x"], [2, 3]], "expected a number"),
])
def test_eigen_bad_input(A, fragment):
    with pytest.raises(TutorError) as e:
        solve_params("eigen", A=A)
    assert e.value.field.startswith("params.A") and fragment in str(e.value)


def test_student_eigenvalue_carries_forward():
    sol = solve_params("eigen", A=NOTES_2X2)
    student = sol.replace({"eigenvalues": np.array([6.0, -2.0])})  # -2 is not an eigenvalue
    np.testing.assert_allclose(student.value("A_minus_lambda2I"), [[3, 2], [5, 6]])
    np.testing.assert_allclose(student.value("rref_2"), np.eye(2), atol=1e-12)
    np.testing.assert_allclose(student.value("v_2"), [0, 0])
    assert "not an eigenvalue" in student.explanation("rref_2")
    np.testing.assert_allclose(student.value("v_1"), sol.value("v_1"))


# -- null_space -------------------------------------------------------------------------------------------------------
def fraction_rref(A):
    """Gauss–Jordan in exact fractions: the reduced row echelon form and the pivot columns."""
    R = [[Fraction(x).limit_denominator(10**6) for x in row] for row in A]
    m, n = len(R), len(R[0])
    pivots, r = [], 0
    for c in range(n):
        p = next((i for i in range(r, m) if R[i][c] != 0), None)
        if p is None:
            continue
        R[r], R[p] = R[p], R[r]
        R[r] = [x / R[r][c] for x in R[r]]
        for i in range(m):
            if i != r:
                R[i] = [a - R[i][c] * b for a, b in zip(R[i], R[r])]
        pivots.append(c)
        r += 1
        if r == m:
            break
    return [[float(x) for x in row] for row in R], pivots


def null_check(A, sol):
    A = np.atleast_2d(np.asarray(A, float))
    n = A.shape[1]
    R, pivots = fraction_rref(A.tolist())
    np.testing.assert_allclose(sol.value("rref"), R, atol=1e-12)
    rank = np.linalg.matrix_rank(A)
    assert sol.value("rank") == rank == len(pivots)
    assert list(sol.value("pivot_columns")) == [c + 1 for c in pivots]
    assert sol.value("nullity") == n - rank
    N = np.asarray(sol.value("basis"), float).reshape(n, -1)
    if n - rank == 0:
        np.testing.assert_array_equal(N.ravel(), np.zeros(n))
        assert "free_columns" not in sol.steps
        return
    assert N.shape[1] == n - rank and np.linalg.matrix_rank(N) == n - rank
    np.testing.assert_allclose(A @ N, 0, atol=1e-9)
    free = [c for c in range(n) if c not in pivots]
    np.testing.assert_allclose(N[free, :], np.eye(len(free)))  # 1 in its own free variable, 0 in the others
    assert list(sol.value("free_columns")) == [c + 1 for c in free]
    np.testing.assert_allclose(sol.value("A_times_basis"), 0, atol=1e-9)


def test_notes_full_column_rank():
    A = [[4, 6], [2, 7], [5, 8]]  # file 003: null space [0, 0]
    sol = solve_params("null_space", A=A)
    null_check(A, sol)
    assert sol.value("rank") == 2 and sol.value("nullity") == 0
    text = lines(sol, "rref")
    assert "R₂ ← R₂ - 2R₁, R₃ ← R₃ - 5R₁" in text and "3/2" in text and "R₁ ← R₁ - (3/2)R₂" in text
    assert "2 + 0 = 2" in sol.explanation("nullity")


def test_notes_rank_one():
    A = [[2, -4], [1, -2], [-4, 8]]  # file 003: null space c(2, 1)
    sol = solve_params("null_space", A=A)
    null_check(A, sol)
    np.testing.assert_allclose(sol.value("basis"), [2, 1])
    assert "R₃ ← R₃ + 4R₁" in lines(sol, "rref")
    assert "x₂" in sol.explanation("free_columns")


@pytest.mark.parametrize("seed", range(8))
def test_random_rank_deficient_matrices(seed):
    rng = np.random.default_rng(100 + seed)
    m, n = int(rng.integers(1, 5)), int(rng.integers(1, 6))
    r = int(rng.integers(0, min(m, n) + 1))
    A = (rng.integers(-3, 4, size=(m, r)) @ rng.integers(-3, 4, size=(r, n))).tolist() if r else [[0] * n] * m
    null_check(A, solve_params("null_space", A=A))


def test_decimals_are_exact():
    # 0.1·2 = 0.2 and 0.3·2 = 0.6 exactly as written: rank 1, although float rounding would blur it
    A = [[0.1, 0.2], [0.3, 0.6]]
    sol = solve_params("null_space", A=A)
    null_check(A, sol)
    np.testing.assert_allclose(sol.value("basis"), [-2, 1])


def test_null_space_bad_input():
    with pytest.raises(TutorError) as e:
        solve_params("null_space", A=[[1] * 7] * 2)
    assert e.value.field == "params.A" and "2×7" in e.value.message
    with pytest.raises(TutorError) as e:
        solve_params("null_space", A=[[1, 2], [3]])
    assert e.value.field == "params.A" and "different lengths" in e.value.message


def test_student_rref_carries_forward():
    sol = solve_params("null_space", A=[[2, -4], [1, -2], [-4, 8]])
    student = sol.replace({"rref": np.array([[1.0, 2.0], [0, 0], [0, 0]])})  # a sign slip
    np.testing.assert_allclose(student.value("basis"), [-2, 1])
    assert student.value("rank") == 1


# -- hessian ----------------------------------------------------------------------------------------------------------
def fd_hessian(f, x, h=1e-4):
    """Central differences: (f(x+hei+hej) - f(x+hei-hej) - f(x-hei+hej) + f(x-hei-hej))/4h²."""
    x = np.asarray(x, float)
    n = len(x)
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ei, ej = np.eye(n)[i] * h, np.eye(n)[j] * h
            H[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h * h)
    return H


def fd_gradient(f, x, h=1e-6):
    x = np.asarray(x, float)
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(len(x))])


def test_notes_hessian():
    sol = solve_params("hessian", L="100*w1^2 + w2^2")
    H = fd_hessian(lambda w: 100 * w[0] ** 2 + w[1] ** 2, [0.3, -0.7])
    np.testing.assert_allclose(sol.value("H"), H, atol=1e-5)
    np.testing.assert_allclose(sol.value("H"), [[200, 0], [0, 2]])
    np.testing.assert_allclose(sol.value("eigenvalues"), [200, 2])
    assert sol.value("condition_number") == pytest.approx(np.linalg.cond(np.array([[200.0, 0], [0, 2]])))
    assert sol.value("condition_number") == pytest.approx(100)
    why = sol.explanation("condition_number")
    assert "positive definite" in why and "0.9802" in why and "2/λ_max = 0.01" in why
    assert "gradient" not in sol.steps  # no point: a quadratic's Hessian is the same everywhere
    assert "∂L/∂w1 = 200·w1" in sol.explanation("H")


def test_hessian_at_a_point_against_finite_differences():
    def L(v):
        x, y = v
        return x * x * y + math.exp(x * y) + 1 / (1 + math.exp(-x)) + math.log(y + 3)

    pt = [0.5, -1.0]
    sol = solve_params("hessian", L="x^2*y + exp(x*y) + sigmoid(x) + ln(y + 3)", point={"x": 0.5, "y": -1})
    np.testing.assert_allclose(sol.value("H"), fd_hessian(L, pt), atol=1e-6)
    np.testing.assert_allclose(sol.value("gradient"), fd_gradient(L, pt), atol=1e-8)
    H = np.asarray(sol.value("H"))
    np.testing.assert_allclose(sol.value("eigenvalues"), np.sort(np.linalg.eigvalsh(H))[::-1], atol=1e-12)
    assert sol.value("condition_number") == pytest.approx(np.linalg.cond(H), rel=1e-12)
    assert "not a stationary point" in sol.explanation("gradient")


def test_point_order_sets_the_variable_order():
    sol = solve_params("hessian", L="x^2 + 3*x*y + 5*y^2", point={"y": 0, "x": 0})
    np.testing.assert_allclose(sol.value("H"), [[10, 3], [3, 2]])  # y first


def test_saddle():
    sol = solve_params("hessian", L="x^2 - 3*x*y + y^2")  # H = [[2, -3], [-3, 2]]: λ = 5, -1
    np.testing.assert_allclose(sol.value("eigenvalues"), [5, -1])
    assert sol.value("condition_number") == pytest.approx(np.linalg.cond(np.array([[2.0, -3], [-3, 2]])))
    assert "saddle" in sol.explanation("condition_number")


def test_singular_hessian_has_infinite_condition_number():
    sol = solve_params("hessian", L="(x + y)^2")
    np.testing.assert_allclose(sol.value("eigenvalues"), [4, 0], atol=1e-12)
    assert sol.value("condition_number") == math.inf
    assert "flat" in sol.explanation("condition_number")


@pytest.mark.parametrize("params,field,fragment", [
    ({"L": "x^3 + y^2"}, "params.point", "not quadratic"),
    ({"L": "relu(x) + y^2"}, "params.L", "kink"),
    ({"L": "x^2 + y^2", "point": {"x": 1}}, "params.point", "no value"),
    ({"L": "ln(x) + y^2", "point": {"x": -1, "y": 0}}, "params.point", "not a finite real number"),
    ({"L": "__import__('os').system('echo hi')"}, "params.L", "only simple function calls"),
    ({"L": "x^2 +"}, "params.L", "incomplete"),
    ({"L": "7"}, "params.L", "no variables"),
])
def test_hessian_bad_input(params, field, fragment):
    with pytest.raises(TutorError) as e:
        solve_params("hessian", **params)
    assert e.value.field == field and fragment in e.value.message, str(e.value)


# -- the module's own rules -------------------------------------------------------------------------------------------
def test_no_eval_sympify_or_parse_expr():
    import tutor.solvers.linalg as mod

    source = Path(mod.__file__).read_text(encoding="utf-8")
    for word in ("sympify(", "parse_expr", "eval(", "exec("):
        assert word not in source, word


def test_importing_the_module_does_not_import_sympy():
    code = "import sys, tutor.solvers.linalg\nprint('sympy' in sys.modules)\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stdout + out.stderr


# -- CLI ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("pid,key,expected", [
    ("eigen-2x2", "eigenvalues", [6, -1]),
    ("eigen-3x3-defective", "eigenvalues", [1, 0, 0]),
    ("null-space-trivial", "nullity", 0),
    ("null-space-rank-one", "basis", [2, 1]),
    ("hessian-ill-conditioned", "condition_number", 100),
])
def test_bank_problems_solve_through_the_cli(pid, key, expected):
    r = CliRunner().invoke(app, ["solve", pid, "--format", "json"])
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    np.testing.assert_allclose(data["answer"][key], expected, atol=1e-12)
    r = CliRunner().invoke(app, ["solve", pid])
    assert r.exit_code == 0 and "Traceback" not in r.stdout


def test_cli_complex_is_one_line():
    r = CliRunner().invoke(app, ["solve", "eigen-2x2", "--set", "A=[[0, -1], [1, 0]]"])
    assert r.exit_code == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "±i" in r.stderr


# -- mistakes -------------------------------------------------------------------------------------------------------
def marks(problem, **answers):
    res = check_answers(problem, {k: parse_answer(t) for k, t in answers.items()})
    return {m.key: m for m in res.marks}


def as_text(value):
    return json.dumps(np.round(np.asarray(value, float), 6).tolist())


def named(problem, key, value, **before):
    m = marks(problem, **before, **{key: as_text(value)})[key]
    assert m.status == "wrong", (m.status, m.expected)
    return m.mistake.name if m.mistake else None


def test_eigen_mistakes_are_named():
    defective = np.array([[1, 1, 1], [-1, -1, -1], [0, 0, 1]], float)
    monic = np.poly(defective)  # numpy.poly gives det(λI − A): λ³ − λ² here
    assert np.allclose(monic, [1, -1, 0, 0])
    assert named(find_problem("eigen-3x3-defective"), "char_poly", monic) == "characteristic polynomial as det(λI − A)"
    (a, b), (c, d) = NOTES_2X2
    assert named(find_problem("eigen-2x2"), "char_poly", [1, -(a + d), a * d + b * c]) == "2×2 determinant as ad + bc"
    roots = sorted(np.roots([1, -(a + d), a * d - b * c]).real, reverse=True)  # 6, −1
    assert named(find_problem("eigen-2x2"), "eigenvalues", [-r for r in roots]) == \
        "eigenvalues with their signs flipped"


def test_eigen_right_values_to_2_and_4_decimals_and_carried_forward():
    prob = make_problem("eigen", {"A": [[2, 1], [1, 1]]})
    lam = [(3 + math.sqrt(5)) / 2, (3 - math.sqrt(5)) / 2]  # roots of λ² − 3λ + 1
    for digits in (2, 4):
        assert marks(prob, eigenvalues=as_text(np.round(lam, digits)))["eigenvalues"].status == "correct"
    own = [(5 + math.sqrt(41)) / 2, (5 - math.sqrt(41)) / 2]  # from a slipped λ² − 5λ − 4
    got = marks(find_problem("eigen-2x2"), char_poly="[1, -5, -4]", eigenvalues=as_text(own))
    assert got["char_poly"].status == "wrong"
    assert got["eigenvalues"].status == "carried_forward"


def test_null_space_mistakes_are_named():
    A = np.array([[2, -4], [1, -2], [-4, 8]], float)
    m, n = A.shape
    assert named(find_problem("null-space-rank-one"), "nullity", m - np.linalg.matrix_rank(A)) == \
        "nullity as rows minus rank"
    r = A[0] / A[0, 0]  # the one nonzero row of R: x₁ − 2x₂ = 0, so x₁ = 2x₂ and the basis is (2, 1)
    assert named(find_problem("null-space-rank-one"), "basis", [r[1], 1]) == \
        "pivot variables read off R without the minus sign"


def test_null_space_a_slipped_rank_carries_forward():
    got = marks(find_problem("null-space-rank-one"), rank="2", nullity="0")
    assert got["rank"].status == "wrong"
    assert got["nullity"].status == "carried_forward"


def test_hessian_mistakes_are_named():
    ill = find_problem("hessian-ill-conditioned")  # H = diag(200, 2)
    assert named(ill, "condition_number", 2 / 200) == "condition number as λ_min/λ_max"
    assert named(ill, "H", [[100, 0], [0, 1]]) == "Hessian with the factor 2 left out"
    cross = make_problem("hessian", {"L": "3*w1^2 + 2*w1*w2 + w2^2"})  # H = [[6, 2], [2, 2]]
    assert named(cross, "H", [[3, 1], [1, 1]]) == "Hessian with the factor 2 left out"


def test_hessian_factor_two_does_not_apply_off_a_quadratic():
    quartic = make_problem("hessian", {"L": "w1^4 + w2^2", "point": {"w1": 1, "w2": 1}})  # H = diag(12, 2)
    assert named(quartic, "H", [[6, 0], [0, 1]]) is None
