"""Linear algebra worked by hand: eigenvalues and eigenvectors, the null space (rref, pivots, rank and nullity),
and the Hessian of a function with its eigenvalues and condition number.

Exact values come from sympy and are shown exactly (3 ± √5, 5/2) beside their decimals; the text of an exact value
is built from sympy's own printers of the result, never from the user's text. sympy is imported inside the functions
that need it, so `tutor list` and the other solvers never pay for it. A function given as text goes through
`tutor.safe_expr` and its tree is rebuilt node by node as a sympy expression: nothing is ever evaluated.

Step values are always numbers (floats, vectors, matrices), so check-my-answer and the bank's self-test can compare
them; a rule works from its inputs' values only, turning floats back into the fractions they stand for.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from functools import lru_cache
from typing import Any, Sequence

import numpy as np

from tutor.engine import expr as E
from tutor.engine.expr import Expr, Num, Sym
from tutor.engine.ops import Graph, Node
from tutor.engine.step import Solution
from tutor.errors import TutorError, did_you_mean
from tutor.mistakes import Mistake, mistakes
from tutor.params import Param, Params
from tutor.registry import solver
from tutor.solvers import expect_matrix

TOPIC = "linear-algebra"
MAX_EIGEN_SIZE = 4
MAX_NULL_SIZE = 6
MAX_HESSIAN_VARIABLES = 4
EXACT_MAX_CHARS = 40  # an exact form longer than this is not worth reading: the decimals say it
RANK_TOL = 1e-9  # relative: an entry this small beside the largest is a zero left by rounding

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
CHAR_FORMS = ("A - lambda I", "lambda I - A")
SCALES = ("free", "first", "unit")


def _sub(k: int) -> str:
    return str(k).translate(_SUB)


# -- exact numbers ----------------------------------------------------------------------------------------------------
def _sp() -> Any:
    import sympy

    return sympy


def _fraction(x: float) -> Fraction:
    """The rational a float stands for: a simple fraction when it is one to 12 digits (1/3 given as "1/3", or
    0.1 + 0.2 computed in floats), otherwise the decimal exactly as written (2.01 is 201/100)."""
    x = float(x)
    written = Fraction(repr(x))
    simple = Fraction(x).limit_denominator(1000)
    if simple.denominator < written.denominator and abs(float(simple) - x) <= 1e-12 * max(1.0, abs(x)):
        return simple
    return written


def _rational(x: float) -> Any:
    f = _fraction(x)
    return _sp().Rational(f.numerator, f.denominator)


def _exact_matrix(A: Any) -> Any:
    a = np.atleast_2d(np.asarray(A, float))
    return _sp().Matrix(a.shape[0], a.shape[1], [_rational(x) for x in a.ravel()])


def _key(a: Any) -> tuple[Any, ...]:
    """A hashable copy of an array, for the caches."""
    a = np.asarray(a, float)
    return (a.shape, tuple(float(x) for x in a.ravel()))


def _lam() -> Any:
    return _sp().Symbol("lambda")


def _text(e: Any) -> str:
    """sympy's str of an exact value, made readable: λ² - 5λ - 6, 3 + √5, 5/2, 200·w1, e, π, 1 - 2i."""
    sp = _sp()
    e = sp.Integer(e) if isinstance(e, int) else e
    if e.is_Add:
        c, rest = e.as_coeff_Add()
        if c != 0 and _linear(rest):  # 1 - λ and 3 + √5, not sympy's -λ + 1 and √5 + 3; but λ² + 1
            neg = rest.could_extract_minus_sign()
            return f"{_text(c)} {'-' if neg else '+'} {_text(-rest if neg else rest)}"
    s = sp.sstr(e)
    s = s.replace("lambda", "λ")
    s = re.sub(r"\*\*(\d+)(?![\d.])", lambda m: m.group(1).translate(_SUP), s)
    s = re.sub(r"sqrt\((\d+)\)", r"√\1", s)
    s = s.replace("sqrt(", "√(")
    s = re.sub(r"(?<![\w.])(\d+)\*(?=[λ√(]|I\b)", r"\1", s)
    s = s.replace("**", "^").replace("*", "·")
    s = re.sub(r"(?<![A-Za-z_])I\b", "i", s)
    s = re.sub(r"\bE\b", "e", s)
    s = re.sub(r"\bpi\b", "π", s)
    s = re.sub(r"\blog\(", "ln(", s)
    return s


def _linear(e: Any) -> bool:
    """A single term that is a number or a number times one symbol (-λ, √5, 3w): written after the constant."""
    if e.is_Add:
        return False
    if not e.free_symbols:
        return True
    coeff, rest = e.as_coeff_Mul()
    return bool(rest.is_Symbol)


def _latex(e: Any) -> str:
    sp = _sp()
    if e.is_Add:
        c, rest = e.as_coeff_Add()
        if c != 0 and _linear(rest):
            neg = rest.could_extract_minus_sign()
            return f"{sp.latex(c)} {'-' if neg else '+'} {sp.latex(-rest if neg else rest)}"
    return str(sp.latex(e))


def _ex(e: Any) -> Expr:
    """An exact value as a display node: an integer as a number, anything else as text from sympy's printers."""
    if getattr(e, "is_Integer", False):
        return Num(int(e))
    return E.Text(_text(e), _latex(e))


def _factor_ex(e: Any) -> Expr:
    """An exact value as a factor of a product: (1 - λ), (-2), 5."""
    node = _ex(e)
    if getattr(e, "is_Add", False) or (getattr(e, "is_number", False) and e.could_extract_minus_sign()):
        return E.Paren(node)
    return node


def _coef(e: Any) -> tuple[str, str]:
    """A multiplier in a row operation: 5, (3/2), (1 - √2); 1 is left out."""
    if e == 1:
        return "", ""
    node = _ex(e)
    if isinstance(node, Num):
        return str(node.value), str(node.value)
    if getattr(e, "is_Integer", False) is False and not getattr(e, "is_Symbol", False):
        return f"({_text(e)})", rf"\left({_latex(e)}\right)"
    return _text(e), _latex(e)


def _short(e: Any) -> bool:
    """Worth reading exactly: short, and no fraction with a long numerator or denominator (the exact value of a
    computed decimal such as 1.2418366753592083 says nothing the decimals don't)."""
    sp = _sp()
    e = sp.Integer(e) if isinstance(e, int) else e
    text = _text(e)
    if len(text) > EXACT_MAX_CHARS or "RootOf" in text:
        return False
    return all(abs(q.q) <= 10**4 and abs(q.p) < 10**9 for q in e.atoms(sp.Rational))


def _exact_grid(M: Any) -> Expr:
    return E.Matrix(tuple(tuple(_ex(M[i, j]) for j in range(M.cols)) for i in range(M.rows)))


def _is_integer_matrix(M: Any) -> bool:
    return all(getattr(x, "is_Integer", False) for x in M)


# -- row reduction ----------------------------------------------------------------------------------------------------
def _simp(x: Any) -> Any:
    if getattr(x, "is_Rational", False):
        return x
    sp = _sp()
    return sp.radsimp(sp.expand(x))


def _zero(x: Any) -> bool:
    return bool(_simp(x) == 0)


def _row(i: int) -> tuple[str, str]:
    return f"R{_sub(i + 1)}", f"R_{{{i + 1}}}"


def _gauss_jordan(M: Any) -> tuple[list[tuple[list[tuple[str, str]], Any]], Any, list[int]]:
    """Exact Gauss–Jordan elimination as done by hand: for each column, bring a nonzero entry up (swap), scale it to
    1, then clear the rest of the column. Returns the stages (row operations as (text, LaTeX), the matrix after
    them), the reduced matrix and the pivot columns (0-based)."""
    R = M.applyfunc(_simp)
    m, n = R.shape
    stages: list[tuple[list[tuple[str, str]], Any]] = []
    pivots: list[int] = []
    r = 0
    for c in range(n):
        if r == m:
            break
        p = next((i for i in range(r, m) if not _zero(R[i, c])), None)
        if p is None:
            R[r:, c] = [0] * (m - r)
            continue
        ops: list[tuple[str, str]] = []
        if p != r:
            R.row_swap(p, r)
            (a, at), (b, bt) = _row(r), _row(p)
            ops.append((f"{a} ↔ {b}", rf"{at} \leftrightarrow {bt}"))
        piv = _simp(R[r, c])
        if piv != 1:
            R[r, :] = (R[r, :] / piv).applyfunc(_simp)
            a, at = _row(r)
            d = _factor_ex(piv)
            ops.append((f"{a} ← {a}/{_plain(d)}", rf"{at} \leftarrow {at}/{_plain_tex(d)}"))
        if ops:
            stages.append((ops, R.copy()))
        ops = []
        for i in range(m):
            if i != r and not _zero(R[i, c]):
                f = _simp(R[i, c])
                R[i, :] = (R[i, :] - f * R[r, :]).applyfunc(_simp)
                (a, at), (b, bt) = _row(i), _row(r)
                neg = f.could_extract_minus_sign()
                sign = "+" if neg else "-"
                k, kt = _coef(-f if neg else f)
                ops.append((f"{a} ← {a} {sign} {k}{b}", rf"{at} \leftarrow {at} {sign} {kt}{bt}"))
        if ops:
            stages.append((ops, R.copy()))
        pivots.append(c)
        r += 1
    return stages, R, pivots


def _plain(e: Expr) -> str:
    if isinstance(e, E.Paren):
        return f"({_plain(e.arg)})"
    if isinstance(e, Num):
        return str(e.value)
    return e.text  # type: ignore[attr-defined, no-any-return]


def _plain_tex(e: Expr) -> str:
    if isinstance(e, E.Paren):
        return rf"\left({_plain_tex(e.arg)}\right)"
    if isinstance(e, Num):
        return str(e.value)
    return e.tex  # type: ignore[attr-defined, no-any-return]


def _stage_lines(stages: list[tuple[list[tuple[str, str]], Any]]) -> list[Expr]:
    """Each stage as `[matrix]   R₂ ← R₂ - 5R₁, ...`: the matrix after the row operations named beside it."""
    lines: list[Expr] = []
    for ops, M in stages:
        label = E.Text("   " + ", ".join(t for t, _ in ops), r"\quad " + r",\ ".join(t for _, t in ops))
        lines.append(E.Mul((_exact_grid(M), label), " "))
    return lines


def _rref_numeric(M: Any) -> tuple[np.ndarray, list[int]]:
    """Reduced row echelon form in floats, with partial pivoting and a relative tolerance for zero (for matrices
    such as A - λI with an irrational λ, singular only up to rounding)."""
    R = np.array(np.atleast_2d(np.asarray(M, float)), dtype=float)
    m, n = R.shape
    tol = RANK_TOL * max(1.0, float(np.max(np.abs(R)))) if R.size else RANK_TOL
    pivots: list[int] = []
    r = 0
    for c in range(n):
        if r == m:
            break
        p = r + int(np.argmax(np.abs(R[r:, c])))
        if abs(R[p, c]) <= tol:
            R[r:, c] = 0.0
            continue
        R[[r, p]] = R[[p, r]]
        R[r] = R[r] / R[r, c]
        for i in range(m):
            if i != r:
                R[i] = R[i] - R[i, c] * R[r]
        pivots.append(c)
        r += 1
    R[np.abs(R) <= tol] = 0.0
    return R + 0.0, pivots


def _pivots_of(R: Any) -> list[int]:
    """Pivot columns (0-based) of a matrix in echelon form: the first nonzero entry of each nonzero row."""
    R = np.atleast_2d(np.asarray(R, float))
    tol = RANK_TOL * max(1.0, float(np.max(np.abs(R)))) if R.size else RANK_TOL
    out: list[int] = []
    for row in R:
        nz = np.flatnonzero(np.abs(row) > tol)
        if nz.size and int(nz[0]) not in out:
            out.append(int(nz[0]))
    return out


def _basis_from_rref(R: Any) -> list[np.ndarray]:
    """One vector per free column: 1 in that free variable, 0 in the other free ones, the pivot variables from
    the rows of R (x_pivot = -R[row, free])."""
    R = np.atleast_2d(np.asarray(R, float))
    n = R.shape[1]
    pivots = _pivots_of(R)
    rows = {c: i for i, c in enumerate(pivots)}
    vecs = []
    for f in (c for c in range(n) if c not in rows):
        v = np.zeros(n)
        v[f] = 1.0
        for c, i in rows.items():
            v[c] = -R[i, f]
        vecs.append(v + 0.0)
    return vecs


def _exact_basis(R: Any, pivots: Sequence[int]) -> list[Any]:
    sp = _sp()
    n = R.cols
    rows = {c: i for i, c in enumerate(pivots)}
    out = []
    for f in (c for c in range(n) if c not in rows):
        v = [sp.Integer(0)] * n
        v[f] = sp.Integer(1)
        for c, i in rows.items():
            v[c] = _simp(-R[i, f])
        out.append(sp.Matrix(v))
    return out


def _as_columns(vecs: list[np.ndarray], n: int) -> np.ndarray:
    """No vectors: the zero vector (x = 0 is the only solution); one: that vector; several: a matrix of columns."""
    if not vecs:
        return np.zeros(n)
    if len(vecs) == 1:
        return vecs[0]
    return np.column_stack(vecs)


# -- characteristic polynomial and its roots --------------------------------------------------------------------------
def _char_matrix(A: Any, form: str) -> Any:
    sp = _sp()
    M = _exact_matrix(A)
    lam_i = _lam() * sp.eye(M.rows)
    return M - lam_i if form == CHAR_FORMS[0] else lam_i - M


@lru_cache(maxsize=256)
def _char_poly_exact(key: tuple[Any, ...], form: str) -> Any:
    sp = _sp()
    shape, flat = key
    A = np.array(flat, float).reshape(shape)
    return sp.expand(_char_matrix(A, form).det(method="berkowitz"))


def _poly_from_coeffs(coeffs: Any) -> Any:
    sp = _sp()
    c = [_rational(x) for x in np.atleast_1d(np.asarray(coeffs, float))]
    lam = _lam()
    return sp.Poly(sum((ci * lam ** (len(c) - 1 - k) for k, ci in enumerate(c)), sp.Integer(0)), lam)


@lru_cache(maxsize=256)
def _roots_exact(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """All roots with multiplicity, exact (radicals where sympy finds them, CRootOf otherwise)."""
    poly = _poly_from_coeffs(np.array(key[1]))
    if poly.degree() < 1:
        return ()
    return tuple(poly.all_roots())


def _describe_roots(roots: Sequence[Any]) -> str:
    """Distinct roots with their multiplicities, in text: '6, -1', '0 (twice), 1', '1 ± 2i'."""
    distinct: list[tuple[Any, int]] = []
    for r in roots:
        for k, (s, c) in enumerate(distinct):
            if _sp().simplify(s - r) == 0:
                distinct[k] = (s, c + 1)
                break
        else:
            distinct.append((r, 1))
    return _pm_text([r for r, _ in distinct], [c for _, c in distinct])[0]


def _pm_text(values: Sequence[Any], counts: Sequence[int]) -> tuple[str, str]:
    """Exact values joined for reading, pairs m + d and m - d written m ± d; decimals where no short form exists."""
    sp = _sp()
    used = [False] * len(values)
    parts: list[tuple[str, str]] = []
    times = {2: " (twice)", 3: " (three times)", 4: " (four times)"}
    for i, a in enumerate(values):
        if used[i]:
            continue
        used[i] = True
        mult = times.get(counts[i], "")
        if not _short(a):
            z = complex(sp.N(a, 15))
            txt = f"{z.real:.6g}" if abs(z.imag) < 1e-12 else f"{z.real:.6g} {'+' if z.imag > 0 else '-'} " \
                                                                  f"{abs(z.imag):.6g}i"
            parts.append((txt + mult, txt + mult))
            continue
        pair = None
        if not a.is_Rational:
            for j in range(i + 1, len(values)):
                if used[j] or counts[j] != counts[i] or not _short(values[j]):
                    continue
                m = _simp((a + values[j]) / 2)
                d = _simp((a - values[j]) / 2)
                if m.is_Rational and not d.is_Rational:
                    if d.could_extract_minus_sign():
                        d = -d
                    pair = j, m, d
                    break
        if pair is not None:
            j, m, d = pair
            used[j] = True
            dt, dl = _text(d), _latex(d)
            parts.append(((f"{_text(m)} ± {dt}" if m != 0 else f"±{dt}") + mult,
                          (f"{_latex(m)} \\pm {dl}" if m != 0 else f"\\pm {dl}") + mult.replace(" (", r"\ (")))
        else:
            parts.append((_text(a) + mult, _latex(a) + mult.replace(" (", r"\ (")))
    return ", ".join(t for t, _ in parts), r",\ ".join(t for _, t in parts)


def _real_roots(coeffs: Any, field: str) -> np.ndarray:
    """The real roots of a polynomial (coefficients, highest power first), with multiplicity, largest first.
    Complex roots are refused with the exact roots in the message."""
    sp = _sp()
    roots = _roots_exact(_key(coeffs))
    if not roots:
        raise TutorError("the characteristic polynomial is a constant: it has no roots", field=field)
    complex_roots = [r for r in roots if r.is_real is False]
    if complex_roots:
        poly = _poly_from_coeffs(coeffs).as_expr()
        raise TutorError(f"{_text(poly)} = 0 has complex roots ({_describe_roots(roots)}): the eigenvalues are not "
                         "all real. This tutor works with real eigenvalues only (numpy.linalg.eig would return "
                         "complex ones, with complex eigenvectors); a rotation-like matrix has no real direction "
                         "that it only stretches", field=field)
    vals = [float(sp.re(sp.N(r, 30))) for r in roots]
    return np.array(sorted(vals, reverse=True)) + 0.0


def _distinct(values: Any) -> list[float]:
    out: list[float] = []
    for x in np.atleast_1d(np.asarray(values, float)):
        if not any(abs(x - y) <= 1e-9 * max(1.0, abs(y)) for y in out):
            out.append(float(x))
    return out


def _multiplicity(values: Any, lam: float) -> int:
    return sum(1 for x in np.atleast_1d(np.asarray(values, float)) if abs(x - lam) <= 1e-9 * max(1.0, abs(lam)))


def _exact_lambda(A: Any, lam: float, form: str = CHAR_FORMS[0]) -> Any:
    """The exact eigenvalue of A that the float `lam` stands for; a student's own number as the fraction it is."""
    sp = _sp()
    coeffs = [float(c) for c in sp.Poly(_char_poly_exact(_key(A), form), _lam()).all_coeffs()]
    for r in _roots_exact(_key(coeffs)):
        if r.is_real and abs(float(sp.N(r, 30)) - lam) <= 1e-9 * max(1.0, abs(lam)):
            return r
    return _rational(lam)


def _shifted_exact(A: Any, lam: float, M: Any) -> Any | None:
    """A - λI exactly, provided it is the matrix M (which a student may have replaced)."""
    sp = _sp()
    lam_e = _exact_lambda(A, lam)
    Me = (_exact_matrix(A) - lam_e * sp.eye(np.asarray(A).shape[0])).applyfunc(_simp)
    numeric = np.array([[float(sp.N(x, 30)) for x in Me.row(i)] for i in range(Me.rows)])
    if np.allclose(numeric, np.asarray(M, float), rtol=1e-9, atol=1e-12):
        return Me
    return None


# -- eigenvalues and eigenvectors -------------------------------------------------------------------------------------
EIGEN_PARAMS = [
    Param("A", "matrix", f"a square matrix, up to {MAX_EIGEN_SIZE}×{MAX_EIGEN_SIZE} (fractions such as \"1/3\" "
                         "welcome)"),
    Param("char_poly", "choice", "how the characteristic polynomial is written: det(A - λI), as the notes do, or "
                                 "det(λI - A) (monic), as numpy.poly and sympy's charpoly do; the roots are the same",
          default=CHAR_FORMS[0], choices=CHAR_FORMS),
    Param("scale", "choice", "how each eigenvector is scaled (any nonzero multiple is also one): free (the free "
                             "variable of the null space set to 1, as sympy's eigenvects), first (first nonzero "
                             "entry 1) or unit (length 1, as numpy.linalg.eig)", default="free", choices=SCALES),
]


def _scaled(vecs: list[np.ndarray], how: str) -> list[np.ndarray]:
    out = []
    for v in vecs:
        v = np.asarray(v, float)
        nz = np.flatnonzero(np.abs(v) > 1e-12)
        if how == "first" and nz.size:
            v = v / v[nz[0]]
        elif how == "unit" and nz.size:
            v = v / float(np.linalg.norm(v))
        out.append(v + 0.0)
    return out


def _exact_scaled(vecs: list[Any], how: str) -> list[Any]:
    sp = _sp()
    out = []
    for v in vecs:
        nz = [x for x in v if not _zero(x)]
        if how == "first" and nz:
            v = (v / nz[0]).applyfunc(_simp)
        elif how == "unit" and nz:
            v = (v / sp.sqrt(sum((x * x for x in v), sp.Integer(0)))).applyfunc(sp.simplify)
        out.append(v)
    return out


def _eigvecs_numeric(A: Any, lam: float, how: str) -> list[np.ndarray]:
    A = np.asarray(A, float)
    R, _ = _rref_numeric(A - lam * np.eye(A.shape[0]))
    return _scaled(_basis_from_rref(R), how)


@solver("eigen", title="Eigenvalues and eigenvectors of a square matrix", topic=TOPIC, params=EIGEN_PARAMS,
        answer=["char_poly", "eigenvalues", "eigenvectors"])
def eigen(p: Params, g: Graph) -> None:
    """det(A - λI) = 0 gives the eigenvalues λ (its roots, exact); for each λ, row-reducing A - λI gives its null
    space, whose basis vectors are the eigenvectors v: A v = λ v. Any nonzero multiple of v is also one."""
    A = np.asarray(p["A"], float)
    expect_matrix("A", A, A.shape[0], A.shape[0],
                  f"eigenvalues are defined for a square matrix (A has {A.shape[0]} rows)")
    n = A.shape[0]
    if n > MAX_EIGEN_SIZE:
        raise TutorError(f"is {n}×{n}; by hand, eigenvalues are worked for matrices up to {MAX_EIGEN_SIZE}×"
                         f"{MAX_EIGEN_SIZE} (numpy.linalg.eig does larger ones)", field="A")
    form, scale = p["char_poly"], p["scale"]
    sp = _sp()
    lam = _lam()
    sign_text = "A - λI" if form == CHAR_FORMS[0] else "λI - A"
    sign_tex = r"A - \lambda I" if form == CHAR_FORMS[0] else r"\lambda I - A"

    An = g.given("A", A, Sym("A"), f"the {n}×{n} matrix")

    # -- the characteristic polynomial ----------------------------------------------------------------------------
    def cp_rule(a: Any) -> np.ndarray:
        a = np.asarray(a, float)
        if a.ndim != 2 or a.shape[0] != a.shape[1]:
            raise TutorError(f"A must be square, got {a.shape}", field="A")
        coeffs = sp.Poly(_char_poly_exact(_key(a), form), lam).all_coeffs()
        return np.array([float(c) for c in coeffs]) + 0.0

    def cp_show(a: Any) -> list[Expr]:
        M = _char_matrix(a, form)
        return _det_lines(M)

    def cp_explain(a: Any, coeffs: Any) -> str:
        k = len(coeffs) - 1
        powers = ", ".join(("λ" + (str(j).translate(_SUP) if j > 1 else "")) if j else "1" for j in range(k, -1, -1))
        return (f"Subtract λ from each diagonal entry and take the determinant: a polynomial of degree {k} in λ. "
                f"The value lists its coefficients of {powers}, highest power first (as numpy.poly does).")

    entries = _char_matrix(A, form)
    cp_formula = E.Call("det", (_exact_grid(entries),))
    # the value is the coefficient list (highest power first), so the symbol says so: "det(A − λI) = [1, −5, −6]"
    # would equate a polynomial with a vector
    cp = g.step("char_poly", "The characteristic polynomial (its coefficients, highest power first)",
                Sym(f"coeffs of det({sign_text})", rf"\operatorname{{coeffs}}\det({sign_tex})"),
                cp_formula, [An], cp_rule, cp_show, cp_explain)

    # -- its roots, the eigenvalues -------------------------------------------------------------------------------
    def ev_rule(coeffs: Any) -> np.ndarray:
        return _real_roots(coeffs, "A")

    def ev_show(coeffs: Any) -> list[Expr]:
        return _root_lines(coeffs)

    def ev_explain(coeffs: Any, vals: Any) -> str:
        d = _distinct(vals)
        reps = [f"λ = {x:.6g} is a root {_times(_multiplicity(vals, x))}" for x in d if _multiplicity(vals, x) > 1]
        base = (f"The eigenvalues are the roots of the characteristic polynomial: {len(vals)} of them, counted with "
                "multiplicity, listed from the largest down (numpy.linalg.eigvals returns them in no set order).")
        if reps:
            base += " " + "; ".join(reps) + " (its algebraic multiplicity)."
        tr, det = float(np.sum(vals)), float(np.prod(vals))
        return base + f" Check: their sum {tr:.6g} is the trace of A and their product {det:.6g} its determinant."

    ev = g.step("eigenvalues", "The eigenvalues: roots of the characteristic polynomial", Sym("λ", r"\lambda"),
                E.Call("roots", (Sym(f"det({sign_text})", rf"\det({sign_tex})"),)), [cp], ev_rule, ev_show,
                ev_explain)

    # -- one eigenvalue at a time ---------------------------------------------------------------------------------
    for k in range(1, len(_distinct(g.values["eigenvalues"])) + 1):
        _eigen_block(g, k, An, ev, scale, g.values["eigenvalues"])

    # -- all eigenvectors as the columns of V ---------------------------------------------------------------------
    def all_rule(a: Any, vals: Any) -> np.ndarray:
        cols: list[np.ndarray] = []
        for x in _distinct(vals):
            cols.extend(_eigvecs_numeric(a, x, scale))
        return np.column_stack(cols) + 0.0 if cols else np.zeros((len(a), 0))

    def all_explain(a: Any, vals: Any, V: Any) -> str:
        V = np.atleast_2d(np.asarray(V, float))
        size = np.asarray(a).shape[0]
        count = V.shape[1] if V.ndim == 2 else 1
        if count == size:
            return (f"{count} independent eigenvectors, one column per eigenvalue in the order of λ: A is "
                    "diagonalisable, A = V Λ V⁻¹ with Λ the diagonal matrix of the eigenvalues.")
        return (f"Only {count} independent eigenvectors for a {size}×{size} matrix: a repeated eigenvalue has fewer "
                "eigenvectors than its multiplicity, so A is defective (not diagonalisable).")

    g.step("eigenvectors", "All eigenvectors, as the columns of V", Sym("V"),
           E.Text("[v₁ v₂ …]", r"\begin{bmatrix} v_1 & v_2 & \cdots \end{bmatrix}"), [An, ev], all_rule,
           lambda a, vals: [], all_explain)

    parity = f"here n = {n}, so " + ("the two are equal" if n % 2 == 0 else "the signs flip")
    if form == CHAR_FORMS[0]:
        cp_text = ("The characteristic polynomial is written det(A - λI), as the notes do; numpy.poly(A) and "
                   f"sympy's charpoly give det(λI - A), which is (-1)^n times it ({parity}).")
    else:
        cp_text = ("The characteristic polynomial is written det(λI - A) (leading coefficient 1), as numpy.poly(A) "
                   f"and sympy's charpoly; the notes write det(A - λI), which is (-1)^n times it ({parity}).")
    g.conventions.append(cp_text + " The roots, the eigenvalues, are the same either way.")
    g.conventions.append({
        "free": "Eigenvectors are scaled with the free variable of the null space set to 1 (as by hand and sympy's "
                "eigenvects); any nonzero multiple is an eigenvector too, and numpy.linalg.eig normalises each to "
                "length 1 (with a sign of its choosing).",
        "first": "Eigenvectors are scaled so that their first nonzero entry is 1; any nonzero multiple is an "
                 "eigenvector too, and numpy.linalg.eig normalises each to length 1 (with a sign of its choosing).",
        "unit": "Eigenvectors are scaled to length 1, as numpy.linalg.eig does (numpy may return -v instead of v: "
                "both are eigenvectors); by hand one usually sets a free variable to 1.",
    }[scale])


def _times(k: int) -> str:
    return {1: "once", 2: "twice", 3: "three times", 4: "four times"}.get(k, f"{k} times")


def _eigen_block(g: Graph, k: int, An: Node, ev: Node, scale: str, vals: Any) -> None:
    """λ_k, A - λ_k I, its rref, the eigenvector(s) from its null space, and the check A v = λ v."""
    sp = _sp()
    lk_sym = Sym(f"λ{_sub(k)}", rf"\lambda_{{{k}}}")

    def pick(v: Any, _k: int = k) -> float:
        d = _distinct(v)
        if len(d) < _k:
            raise TutorError(f"there is no eigenvalue number {_k}: only {len(d)} distinct ones", field="eigenvalues")
        return d[_k - 1]

    lk = g.step(f"lambda_{k}", f"Eigenvalue number {k}", lk_sym, E.Text(f"distinct eigenvalue number {k}"), [ev],
                pick, lambda v: [], f"Distinct eigenvalue number {k}, counting from the largest.", hidden=True)
    mult = _multiplicity(vals, g.values[lk.key])
    exact_now = _exact_lambda(g.values["A"], g.values[lk.key])
    shown = _text(exact_now) if _short(exact_now) else f"{g.values[lk.key]:.6g}"
    where = f"λ{_sub(k)} = {shown}"

    # A - λ_k I
    M_sym = Sym(f"A - λ{_sub(k)}I", rf"A - \lambda_{{{k}}} I")

    def m_rule(a: Any, lam: float) -> np.ndarray:
        a = np.asarray(a, float)
        return a - float(lam) * np.eye(a.shape[0]) + 0.0

    def m_show(a: Any, lam: float) -> list[Expr]:
        a = np.asarray(a, float)
        le = _exact_lambda(a, float(lam))
        lam_node: Expr = _ex(le) if _short(le) else Num(float(lam))
        if isinstance(lam_node, Num) and float(lam_node.value) < 0 or isinstance(lam_node, E.Text):
            lam_node = E.Paren(lam_node)
        rows = tuple(tuple((E.Add((Num(a[i, j]), E.Neg(lam_node))) if i == j else Num(a[i, j]))
                           for j in range(a.shape[1])) for i in range(a.shape[0]))
        lines: list[Expr] = [E.Matrix(rows)]
        Me = (_exact_matrix(a) - le * sp.eye(a.shape[0])).applyfunc(_simp)
        if not all(x.is_Rational for x in Me) and all(_short(x) for x in Me):
            lines.append(_exact_grid(Me))
        return lines

    M = g.step(f"A_minus_lambda{k}I", f"λ{_sub(k)}: subtract it from the diagonal ({where})", M_sym,
               E.Add((An.sym, E.Neg(E.Mul((lk_sym, Sym("I")), "")))), [An, lk], m_rule, m_show,
               "λ off every diagonal entry. For an eigenvalue this matrix is singular (its determinant is 0): that "
               "is what lets A v = λ v, that is (A - λI) v = 0, have a nonzero solution v.")

    # its rref
    def r_rule(m: Any, a: Any, lam: float) -> np.ndarray:
        return _rref_numeric(m)[0]

    def r_show(m: Any, a: Any, lam: float) -> list[Expr]:
        Me = _shifted_exact(a, float(lam), m)
        if Me is None or not all(_short(x) for x in Me):
            return []
        stages, R, _ = _gauss_jordan(Me)
        if not all(_short(x) for x in R):
            return []
        return _stage_lines(stages)

    def r_explain(m: Any, a: Any, lam: float, R: Any) -> str:
        size = np.asarray(m).shape[0]
        rank = len(_pivots_of(R))
        if rank == size:
            return (f"No row of zeros: A - λI has rank {size} and is invertible, so only v = 0 solves (A - λI) v = 0 "
                    "and this λ is not an eigenvalue.")
        return (f"Row-reduced to rank {rank}: {size - rank} row{'s' if size - rank > 1 else ''} of zeros, so "
                f"(A - λI) v = 0 has {size - rank} free variable{'s' if size - rank > 1 else ''}. Row operations do "
                "not change the solutions.")

    R = g.step(f"rref_{k}", f"λ{_sub(k)}: row-reduce A - λ{_sub(k)}I", Sym(f"R{_sub(k)}", rf"R_{{{k}}}"),
               E.Call("rref", (M_sym,)), [M, An, lk], r_rule, r_show, r_explain)

    # the eigenvector(s)
    def v_rule(r: Any, a: Any, lam: float) -> np.ndarray:
        r = np.atleast_2d(np.asarray(r, float))
        return _as_columns(_scaled(_basis_from_rref(r), scale), r.shape[1])

    def v_show(r: Any, a: Any, lam: float) -> list[Expr]:
        Me = _shifted_exact(a, float(lam), (np.asarray(a, float) - float(lam) * np.eye(len(a))))
        if Me is None:
            return []
        _, Re, piv = _gauss_jordan(Me)
        if not np.allclose(np.array(Re.evalf(30).tolist(), dtype=float), np.asarray(r, float), atol=1e-9):
            return []  # the student's own rref: the decimals say it
        basis = _exact_basis(Re, piv)
        if not basis:
            return []
        lines: list[Expr] = [_param_vector(basis, "c")]
        scaled = _exact_scaled(basis, scale)
        if scale != "free" and any(not (s - b).is_zero_matrix for s, b in zip(scaled, basis)) \
                and all(_short(x) and "√(" not in _text(x) for s in scaled for x in s):
            lines.append(_vector_list(scaled))
        return lines

    def v_explain(r: Any, a: Any, lam: float, v: Any) -> str:
        r = np.atleast_2d(np.asarray(r, float))
        n = r.shape[1]
        pivots = _pivots_of(r)
        free = [c for c in range(n) if c not in pivots]
        if not free:
            return "No free variable: only v = 0, so this λ is not an eigenvalue."
        names = ", ".join(f"x{_sub(c + 1)}" for c in free)
        how = {"free": f"set {names} = 1", "first": "scaled so the first nonzero entry is 1",
               "unit": "scaled to length 1"}[scale]
        text = (f"Free variable{'s' if len(free) > 1 else ''} {names}: the pivot variables follow from the rows of "
                f"R. Any nonzero multiple c·v is an eigenvector; shown: {how}.")
        a = np.asarray(a, float)
        coeffs = [float(c) for c in sp.Poly(_char_poly_exact(_key(a), CHAR_FORMS[0]), _lam()).all_coeffs()]
        try:
            mult = _multiplicity(_real_roots(coeffs, "A"), float(lam))
        except TutorError:
            mult = 0
        if len(free) < mult:
            text += (f" λ is a root {_times(mult)} but has only {len(free)} independent eigenvector"
                     f"{'s' if len(free) > 1 else ''}: A is defective.")
        elif len(free) > 1:
            text += f" λ has {len(free)} independent eigenvectors (the columns): every combination of them is one."
        return text

    v = g.step(f"v_{k}", f"λ{_sub(k)}: eigenvector{'s' if mult > 1 else ''} from the null space of A - λ{_sub(k)}I",
               Sym(f"v{_sub(k)}", rf"v_{{{k}}}"), E.Text(f"null space of A - λ{_sub(k)}I",
                                                        rf"\mathcal{{N}}(A - \lambda_{{{k}}} I)"),
               [R, An, lk], v_rule, v_show, v_explain)

    # the check A v = λ v
    def av_rule(a: Any, vec: Any, lam: float) -> np.ndarray:
        return np.asarray(a, float) @ np.asarray(vec, float) + 0.0

    def av_show(a: Any, vec: Any, lam: float) -> list[Expr]:
        return [E.Mul((Num(np.asarray(a, float)), Num(np.asarray(vec, float))), "")]

    def av_explain(a: Any, vec: Any, lam: float, out: Any) -> str:
        lv = float(lam) * np.asarray(vec, float)
        if np.allclose(out, lv, rtol=1e-9, atol=1e-9) and not np.any(np.asarray(vec, float)):
            return "v = 0 is no eigenvector (an eigenvector is nonzero by definition): check the working."
        if np.allclose(out, lv, rtol=1e-9, atol=1e-9) and float(lam) == 0:
            return ("Equal to 0·v = 0: A sends v to zero, so v lies in the null space of A; an eigenvalue 0 "
                    "means A is singular.")
        if np.allclose(out, lv, rtol=1e-9, atol=1e-9):
            return (f"Equal to λ v = {float(lam):.6g}·v: A only stretches v by λ (and flips it if λ < 0), which is "
                    "what makes v an eigenvector.")
        return f"Not equal to λ v = {float(lam):.6g}·v: this v is not an eigenvector for this λ; check the working."

    g.step(f"Av_{k}", f"λ{_sub(k)}: check A v{_sub(k)} = λ{_sub(k)} v{_sub(k)}",
           Sym(f"A v{_sub(k)}", rf"A v_{{{k}}}"), E.Mul((An.sym, v.sym), ""), [An, v, lk], av_rule, av_show,
           av_explain)


def _param_vector(basis: list[Any], c: str) -> Expr:
    """c·[exact] or c₁·[...] + c₂·[...]: every solution of the null space."""
    terms: list[Expr] = []
    for j, b in enumerate(basis, 1):
        name = c if len(basis) == 1 else f"{c}{_sub(j)}"
        terms.append(E.Mul((Sym(name, name if len(basis) == 1 else f"{c}_{{{j}}}"),
                            E.Matrix.column(_ex(x) for x in b)), ""))
    return E.Add(tuple(terms)) if len(terms) > 1 else terms[0]


def _vector_list(vecs: list[Any]) -> Expr:
    if len(vecs) == 1:
        return E.Matrix.column(_ex(x) for x in vecs[0])
    return E.Matrix(tuple(tuple(_ex(v[i]) for v in vecs) for i in range(vecs[0].rows)))


def _det_lines(M: Any) -> list[Expr]:
    """det of a matrix of polynomials in λ worked out: the 2×2 rule or a cofactor expansion along the row or
    column with the most zeros, each minor's determinant, the expanded polynomial and its factored form."""
    sp = _sp()
    n = M.rows
    lines: list[Expr] = []
    if n == 2:
        a, b, c, d = M[0, 0], M[0, 1], M[1, 0], M[1, 1]
        lines.append(E.Add((E.Mul((_factor_ex(a), _factor_ex(d)), ""),
                            E.Neg(E.Mul((_factor_ex(b), _factor_ex(c)), "·")))))
    elif n >= 3:
        zeros_row = [sum(1 for j in range(n) if M[i, j] == 0) for i in range(n)]
        zeros_col = [sum(1 for i in range(n) if M[i, j] == 0) for j in range(n)]
        best_r, best_c = int(np.argmax(zeros_row)), int(np.argmax(zeros_col))
        along_row = zeros_row[best_r] >= zeros_col[best_c]
        idx = best_r if along_row else best_c
        terms: list[tuple[int, Any, Any]] = []
        for t in range(n):
            i, j = (idx, t) if along_row else (t, idx)
            if M[i, j] == 0:
                continue
            minor = M.minor_submatrix(i, j)
            terms.append(((-1) ** (i + j), M[i, j], minor))
        if not terms:
            lines.append(Num(0))
        else:
            first: list[Expr] = []
            second: list[Expr] = []
            for s, entry, minor in terms:
                det_minor = sp.expand(minor.det(method="berkowitz"))
                f1 = E.Mul((_factor_ex(entry), E.Call("det", (_exact_grid(minor),))), "·")
                f2 = E.Mul((_factor_ex(entry), _factor_ex(det_minor)), "·")
                first.append(f1 if s > 0 else E.Neg(f1))
                second.append(f2 if s > 0 else E.Neg(f2))
            lines.append(E.Add(tuple(first)) if len(first) > 1 else first[0])
            lines.append(E.Add(tuple(second)) if len(second) > 1 else second[0])
    poly = sp.expand(M.det(method="berkowitz"))
    lines.append(_ex(poly))
    fac = sp.factor(poly)
    if _text(fac) != _text(poly) and _short(fac):
        lines.append(_ex(fac))
    return lines


def _root_lines(coeffs: Any) -> list[Expr]:
    """roots(λ² - 5λ - 6) = (5 ± √49)/2 = (5 ± 7)/2 = 6, -1: the quadratic formula for degree 2, then the exact
    roots (written m ± d where they pair up)."""
    sp = _sp()
    poly = _poly_from_coeffs(coeffs)
    roots = _roots_exact(_key(coeffs))
    if not all(_short(c) for c in poly.all_coeffs()):  # from decimals with no short exact form
        return [E.Call("roots", (_poly_numeric(coeffs),))]
    lines: list[Expr] = [E.Call("roots", (_ex(poly.as_expr()),))]
    if poly.degree() == 2:
        a, b, c = poly.all_coeffs()
        disc = b * b - 4 * a * c
        nb, den = -b, 2 * a
        nb_t = _text(nb) if nb != 0 else ""
        root = sp.sqrt(disc)
        d_t = f"√{_text(disc)}" if disc.is_Integer and disc >= 0 else f"√({_text(disc)})"
        lines.append(E.Text(f"({nb_t} ± {d_t})/{_text(den)}".replace("( ± ", "(±"),
                            rf"\frac{{{sp.latex(nb) if nb != 0 else ''} \pm \sqrt{{{sp.latex(disc)}}}}}"
                            rf"{{{sp.latex(den)}}}"))
        if not root.is_Rational and _text(root) != d_t.replace("(", "").replace(")", ""):
            lines.append(E.Text(f"({nb_t} ± {_text(root)})/{_text(den)}".replace("( ± ", "(±"),
                                rf"\frac{{{sp.latex(nb) if nb != 0 else ''} \pm {sp.latex(root)}}}"
                                rf"{{{sp.latex(den)}}}"))
        if root.is_Rational:
            lines.append(E.Text(f"({nb_t} ± {_text(root)})/{_text(den)}".replace("( ± ", "(±"),
                                rf"\frac{{{sp.latex(nb) if nb != 0 else ''} \pm {sp.latex(root)}}}"
                                rf"{{{sp.latex(den)}}}"))
    if roots and not all(getattr(r, "is_Integer", False) for r in roots) and any(_short(r) for r in roots):
        ordered = sorted(roots, key=lambda r: -float(sp.re(sp.N(r, 30))))
        distinct: list[tuple[Any, int]] = []
        for r in ordered:
            if distinct and sp.simplify(distinct[-1][0] - r) == 0:
                distinct[-1] = (distinct[-1][0], distinct[-1][1] + 1)
            else:
                distinct.append((r, 1))
        text, tex = _pm_text([r for r, _ in distinct], [c for _, c in distinct])
        lines.append(E.Text(text, tex))
    return lines


def _poly_numeric(coeffs: Any) -> Expr:
    """λ² + 1.242λ - 1.91 with the coefficients as numbers (rounded by the printer)."""
    c = [float(x) for x in np.atleast_1d(np.asarray(coeffs, float))]
    deg = len(c) - 1
    lam = Sym("λ", r"\lambda")
    terms: list[Expr] = []
    for k, ck in enumerate(c):
        power = deg - k
        if ck == 0 and power != deg:
            continue
        base: Expr = lam if power == 1 else E.Pow(lam, Num(power))
        if power == 0:
            terms.append(Num(ck))
        elif ck == 1:
            terms.append(base)
        elif ck == -1:
            terms.append(E.Neg(base))
        else:
            terms.append(E.Mul((Num(ck), base), "·"))
    return E.Add(tuple(terms)) if len(terms) > 1 else terms[0]


# -- the null space ---------------------------------------------------------------------------------------------------
NULL_PARAMS = [
    Param("A", "matrix", f"an m×n matrix, up to {MAX_NULL_SIZE}×{MAX_NULL_SIZE} (fractions such as \"1/3\" welcome)"),
]


@lru_cache(maxsize=128)
def _rref_exact(key: tuple[Any, ...]) -> tuple[Any, tuple[int, ...]]:
    shape, flat = key
    M = _exact_matrix(np.array(flat, float).reshape(shape))
    R, piv = M.rref()
    return R, tuple(int(c) for c in piv)


@solver("null_space", title="Null space: rref, pivots, rank and nullity", topic=TOPIC, params=NULL_PARAMS,
        answer=["rref", "rank", "nullity", "basis"])
def null_space(p: Params, g: Graph) -> None:
    """Solve A x = 0: R = rref(A); the pivot columns of R give rank(A); the other columns are free variables; one
    basis vector per free variable (1 there, 0 in the other free ones); nullity = n - rank (rank–nullity theorem)."""
    A = np.atleast_2d(np.asarray(p["A"], float))
    m, n = A.shape
    if m > MAX_NULL_SIZE or n > MAX_NULL_SIZE:
        raise TutorError(f"is {m}×{n}; by hand, the null space is worked for matrices up to {MAX_NULL_SIZE}×"
                         f"{MAX_NULL_SIZE} (scipy.linalg.null_space does larger ones)", field="A")
    An = g.given("A", A, Sym("A"), f"the {m}×{n} matrix: A x = 0 is {m} equation{'s' if m > 1 else ''} in "
                                   f"{n} unknown{'s' if n > 1 else ''}")

    def rref_rule(a: Any) -> np.ndarray:
        R, _ = _rref_exact(_key(np.atleast_2d(np.asarray(a, float))))
        return np.array(R.tolist(), dtype=float) + 0.0

    def rref_show(a: Any) -> list[Expr]:
        a = np.atleast_2d(np.asarray(a, float))
        stages, R, _ = _gauss_jordan(_exact_matrix(a))
        return _stage_lines(stages) if stages else []

    def rref_explain(a: Any, R: Any) -> str:
        if np.array_equal(np.atleast_2d(np.asarray(a, float)), np.asarray(R, float)):
            return "A is already in reduced row echelon form: there is nothing to do."
        return ("Gauss–Jordan elimination: each pivot scaled to 1 and the rest of its column cleared, the row "
                "operations written beside each matrix. Row operations do not change the solutions of A x = 0.")

    R = g.step("rref", "Row-reduce A to reduced row echelon form", Sym("R"), E.Call("rref", (An.sym,)), [An],
               rref_rule, rref_show, rref_explain)

    def piv_rule(r: Any) -> np.ndarray:
        return np.array([c + 1 for c in _pivots_of(r)], dtype=int)

    def piv_explain(r: Any, piv: Any) -> str:
        piv = list(np.asarray(piv, int))
        if not piv:
            return "R has no pivot: A is the zero matrix."
        names = ", ".join(f"x{_sub(c)}" for c in piv)
        return (f"The leading 1 of each nonzero row of R: column{'s' if len(piv) > 1 else ''} "
                f"{', '.join(map(str, piv))}, so {names} {'are' if len(piv) > 1 else 'is a'} pivot variable"
                f"{'s' if len(piv) > 1 else ''}.")

    piv = g.step("pivot_columns", "Pivot columns", Sym("pivots"), E.Text("columns of R with a leading 1"), [R],
                 piv_rule, lambda r: [], piv_explain)

    rank = g.step("rank", "Rank of A", Sym("rank(A)", r"\operatorname{rank}(A)"),
                  E.Text("number of pivots"), [piv], lambda pv: int(np.asarray(pv).size), lambda pv: [],
                  lambda pv, r: (f"{r} pivot{'s' if r != 1 else ''}: A has {r} independent column"
                                 f"{'s' if r != 1 else ''} (and as many independent rows)."))

    def free_rule(r: Any, pv: Any) -> np.ndarray:
        cols = np.atleast_2d(np.asarray(r, float)).shape[1]
        used = {int(c) for c in np.atleast_1d(np.asarray(pv, int))}
        return np.array([c for c in range(1, cols + 1) if c not in used], dtype=int)

    def free_explain(r: Any, pv: Any, free: Any) -> str:
        names = ", ".join(f"x{_sub(int(c))}" for c in np.atleast_1d(free))
        return (f"Columns without a pivot: {names} can take any value, and the pivot variables follow from the "
                "rows of R.")

    if n - len(_pivots_of(g.values["rref"])) > 0:
        g.step("free_columns", "Free variables: the columns without a pivot", Sym("free"),
               E.Text("columns of R without a leading 1"), [R, piv], free_rule, lambda r, pv: [], free_explain)

    def nullity_rule(a: Any, r: int) -> int:
        return int(np.atleast_2d(np.asarray(a)).shape[1]) - int(r)

    def nullity_show(a: Any, r: int) -> list[Expr]:
        return [E.Add((Num(int(np.atleast_2d(np.asarray(a)).shape[1])), E.Neg(Num(int(r)))))]

    def nullity_explain(a: Any, r: int, k: int) -> str:
        cols = int(np.atleast_2d(np.asarray(a)).shape[1])
        return (f"Rank–nullity theorem: rank + nullity = n, the number of columns: {int(r)} + {k} = {cols}. "
                + ("Nullity 0: only x = 0 solves A x = 0, the columns of A are independent."
                   if k == 0 else f"The null space is {k}-dimensional: {k} free variable{'s' if k > 1 else ''}, "
                                  f"one basis vector each."))

    nullity = g.step("nullity", "Nullity: the dimension of the null space", Sym("nullity(A)",
                                                                                r"\operatorname{nullity}(A)"),
                     E.Add((Sym("n"), E.Neg(Sym("rank(A)", r"\operatorname{rank}(A)")))), [An, rank],
                     nullity_rule, nullity_show, nullity_explain)
    _ = nullity

    def basis_rule(r: Any) -> np.ndarray:
        r = np.atleast_2d(np.asarray(r, float))
        return _as_columns(_basis_from_rref(r), r.shape[1])

    def basis_show(r: Any) -> list[Expr]:
        r = np.atleast_2d(np.asarray(r, float))
        basis = _exact_basis(_exact_matrix(r), _pivots_of(r))
        return [_param_vector(basis, "c")] if basis else []

    def basis_explain(r: Any, N: Any) -> str:
        r = np.atleast_2d(np.asarray(r, float))
        k = r.shape[1] - len(_pivots_of(r))
        if k == 0:
            return ("The null space is {0}: only the zero vector solves A x = 0 (its basis is empty, dimension 0); "
                    "the value shows that one solution, x = 0.")
        return (("One basis vector per free variable, that variable 1 and the other free ones 0"
                 + (", as the columns of the matrix" if k > 1 else "")
                 + ": every solution of A x = 0 is a combination of them. Scaled or combined differently they "
                   "span the same space; scipy.linalg.null_space returns an orthonormal basis of it instead.")
                if k else "")

    basis = g.step("basis", "A basis of the null space (A x = 0)", Sym("N(A)", r"\mathcal{N}(A)"),
                   E.Text("{x : A x = 0}", r"\{x : A x = 0\}"), [R], basis_rule, basis_show,
                   basis_explain)
    g.matmul("A_times_basis", "Check: A times the basis is zero", An, basis,
             Sym("A N(A)", r"A\,\mathcal{N}(A)"),
             "Every column comes out 0: each basis vector does solve A x = 0.")

    g.conventions.append("Exact arithmetic on the numbers as written (sympy's rref), so a pivot is a pivot however "
                         "small; numpy.linalg.matrix_rank decides the rank from singular values with a tolerance, "
                         "which can differ for a nearly singular matrix.")
    g.conventions.append("The basis has a 1 in one free variable and 0 in the others, as by hand and as sympy's "
                         "nullspace(); scipy.linalg.null_space returns an orthonormal basis of the same space.")


# -- the Hessian ------------------------------------------------------------------------------------------------------
HESSIAN_PARAMS = [
    Param("L", "expression", "the function of several variables, e.g. 100*w1^2 + w2^2: numbers, variables, + - * / ^ "
                             "and exp, ln, log, sqrt, tanh, sigmoid"),
    Param("point", "mapping", "where to evaluate: a number for every variable, e.g. {w1: 1, w2: -2}; may be left "
                              "out when L is quadratic (its Hessian is the same everywhere); the variables are "
                              "taken in this order", default=None),
]
_IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_KINKED = ("relu", "abs", "max", "min")


def _natural(name: str) -> tuple[Any, ...]:
    """w2 before w10: names compared with their numbers as numbers."""
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name))


@lru_cache(maxsize=64)
def _parse_function(text: str, point_names: tuple[str, ...]) -> tuple[Any, tuple[str, ...]]:
    """The tree of L and its variables (in the point's order, else w1, w2, ..., x, y in natural order)."""
    from tutor import safe_expr as S

    names = set(_IDENT.findall(text)) if len(text) <= S.MAX_LENGTH else set()
    reserved = set(S.FUNCTIONS) | set(S.ALIASES)
    allowed = {x for x in names if not x.startswith("__") and x not in reserved
               and (x not in S.CONSTANTS or x in point_names)}
    try:
        tree = S.parse(text, sorted(allowed), what="function")
    except TutorError as e:
        raise TutorError(e.message, field="L") from None
    found = S.variables_of(tree)
    if point_names:
        order = tuple(point_names)
    else:
        order = tuple(sorted(found, key=_natural))
    return tree, order


def _to_sympy(node: Any, symbols: dict[str, Any]) -> Any:
    """The safe_expr tree rebuilt as a sympy expression, node by node (nothing is parsed or evaluated here)."""
    from tutor import safe_expr as S

    sp = _sp()
    if isinstance(node, S.Const):
        if node.text == "e":
            return sp.E
        if node.text in ("pi", "π"):
            return sp.pi
        try:
            f = Fraction(node.text)
        except (ValueError, ZeroDivisionError):
            f = _fraction(node.value)
        return sp.Rational(f.numerator, f.denominator)
    if isinstance(node, S.Var):
        return symbols[node.name]
    if isinstance(node, S.Neg):
        return -_to_sympy(node.arg, symbols)
    if isinstance(node, S.BinOp):
        a, b = _to_sympy(node.left, symbols), _to_sympy(node.right, symbols)
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b
        if node.op == "/":
            if b == 0:
                raise TutorError("division by zero in L", field="L")
            return a / b
        if b.is_number and abs(float(b)) > S.MAX_EXPONENT:
            raise TutorError(f"exponent {b} is too large (at most {S.MAX_EXPONENT:g})", field="L")
        return a**b
    if isinstance(node, S.Apply):
        if node.fn in _KINKED:
            raise TutorError(f"{node.fn}() has a kink: its second derivative does not exist there (it is a spike, "
                             "not a number), so the Hessian is not defined; use smooth functions (exp, ln, sqrt, "
                             "tanh, sigmoid) or polynomials", field="L")
        args = [_to_sympy(a, symbols) for a in node.args]
        x = args[0]
        if node.fn == "exp":
            return sp.exp(x)
        if node.fn in ("ln", "log"):
            return sp.log(x)
        if node.fn == "sqrt":
            return sp.sqrt(x)
        if node.fn == "tanh":
            return sp.tanh(x)
        if node.fn == "sigmoid":
            return 1 / (1 + sp.exp(-x))
        raise TutorError(f"{node.fn}() is not supported in a Hessian", field="L")
    raise TutorError(f"unexpected part of L: {type(node).__name__}", field="L")


@lru_cache(maxsize=64)
def _derivatives(text: str, point_names: tuple[str, ...]) -> tuple[Any, tuple[Any, ...], Any, Any]:
    """(L, symbols, gradient, Hessian) as exact sympy expressions."""
    sp = _sp()
    tree, order = _parse_function(text, point_names)
    symbols = {name: sp.Symbol(name, real=True) for name in order}
    L = _to_sympy(tree, symbols)
    syms = tuple(symbols[v] for v in order)
    grad = sp.Matrix([sp.diff(L, s) for s in syms])
    H = sp.Matrix(len(syms), len(syms), lambda i, j: sp.simplify(sp.diff(L, syms[i], syms[j])))
    return L, syms, grad, H


def _at(expr: Any, syms: Sequence[Any], point: dict[str, float] | None) -> Any:
    if not point:
        return expr
    return expr.subs({s: _rational(point[str(s)]) for s in syms})


def _number(e: Any, what: str) -> float:
    sp = _sp()
    try:
        z = complex(sp.N(e, 30))
    except (TypeError, ValueError):
        raise TutorError(f"{what} is not a number here ({_text(e)})", field="point") from None
    if not (math.isfinite(z.real) and math.isfinite(z.imag)) or abs(z.imag) > 1e-12 * max(1.0, abs(z.real)):
        raise TutorError(f"{what} is not a finite real number at this point ({_text(e)})", field="point")
    return z.real


def _hessian_check(text: str, point: dict[str, float] | None) -> tuple[Any, tuple[Any, ...], Any, Any]:
    names = tuple(point) if point else ()
    tree, order = _parse_function(text.strip(), names)
    from tutor import safe_expr as S

    found = S.variables_of(tree)
    if not found:
        raise TutorError(f"{text!r} has no variables: its Hessian is empty", field="L")
    if point is not None:
        missing = [v for v in found if v not in point]
        if missing:
            hint = did_you_mean(missing[0], [k for k in point if k not in found])
            raise TutorError(f"L uses {', '.join(missing)} but point gives no value for "
                             f"{'them' if len(missing) > 1 else 'it'}{hint}; its variables are {', '.join(found)}",
                             field="point")
    if len(order) > MAX_HESSIAN_VARIABLES:
        raise TutorError(f"{len(order)} variables ({', '.join(order)}); by hand, Hessians are worked for up to "
                         f"{MAX_HESSIAN_VARIABLES}", field="point" if point else "L")
    out = _derivatives(text.strip(), names)
    if point is not None:
        _number(_at(out[0], out[1], point), "L itself")
    return out


def _partial_name(syms: Sequence[Any], i: int, j: int | None = None) -> tuple[str, str]:
    sp = _sp()
    a, at = str(syms[i]), sp.latex(syms[i])
    if j is None:
        return f"∂L/∂{a}", rf"\frac{{\partial L}}{{\partial {at}}}"
    b, bt = str(syms[j]), sp.latex(syms[j])
    if i == j:
        return f"∂²L/∂{a}²", rf"\frac{{\partial^2 L}}{{\partial {at}^2}}"
    return f"∂²L/∂{a}∂{b}", rf"\frac{{\partial^2 L}}{{\partial {at}\,\partial {bt}}}"


def _hessian_at(t: str, pt: dict[str, float] | None = None) -> np.ndarray:
    """H as numbers: every second partial derivative of L (at the point, when one is given)."""
    _, s, _, h = _hessian_check(t, pt)
    out = np.array([[_number(_at(h[i, j], s, pt), "a second derivative of L") for j in range(len(s))]
                    for i in range(len(s))])
    return out + 0.0


@solver("hessian", title="Hessian, its eigenvalues and the condition number", topic=TOPIC, params=HESSIAN_PARAMS,
        answer=["H", "eigenvalues", "condition_number"])
def hessian(p: Params, g: Graph) -> None:
    """H_ij = ∂²L/∂w_i∂w_j (at the point, or everywhere for a quadratic); its eigenvalues are the curvatures along
    the principal directions; κ = |λ|max/|λ|min, which is λ_max/λ_min for a positive definite H."""
    text: str = p["L"].strip()
    point: dict[str, float] | None = p.get("point")
    L, syms, grad, H = _hessian_check(text, point)
    sp = _sp()
    constant = all(not h.free_symbols for h in H)
    if point is None and not constant:
        which = next((i, j) for i in range(len(syms)) for j in range(len(syms)) if H[i, j].free_symbols)
        name = _partial_name(syms, *which)[0]
        example = "{" + ", ".join(f"{s}: 1" for s in syms) + "}"
        raise TutorError(f"L is not quadratic: its Hessian changes from point to point ({name} = "
                         f"{_text(H[which])}); give the point at which to evaluate it, e.g. point: {example}",
                         field="point")

    Ln = g.given("L", text, Sym("L"), "the function")
    inputs: list[Node] = [Ln]
    if point is not None:
        inputs.append(g.given("point", dict(point), Sym("point"), "where the derivatives are evaluated"))

    # -- the gradient at the point --------------------------------------------------------------------------------
    if point is not None:
        def grad_rule(t: str, pt: dict[str, float]) -> np.ndarray:
            _, s, gr, _ = _hessian_check(t, pt)
            return np.array([_number(_at(x, s, pt), "a first derivative of L") for x in gr]) + 0.0

        def grad_show(t: str, pt: dict[str, float]) -> list[Expr]:
            _, s, gr, _ = _hessian_check(t, pt)
            lines: list[Expr] = [E.Matrix.column(_ex(x) for x in gr)]
            at = [_simp(_at(x, s, pt)) for x in gr]
            if any(not x.is_Integer for x in at) and all(_short(x) for x in at) \
                    and any(x.free_symbols for x in gr):
                lines.append(E.Matrix.column(_ex(x) for x in at))
            return lines

        def grad_explain(t: str, pt: dict[str, float], v: Any) -> str:
            at = ", ".join(f"{k} = {x:g}" for k, x in pt.items())
            zero = np.allclose(v, 0, atol=1e-12)
            return (f"Each first partial derivative, evaluated at {at}. "
                    + ("It is 0: a stationary point (a minimum, maximum or saddle: the Hessian tells which)."
                       if zero else "It is not 0: the point is not a stationary point, so the Hessian describes "
                                    "the curvature here but the point is not a minimum, maximum or saddle."))

        g.step("gradient", "The gradient: first partial derivatives", Sym("∇L", r"\nabla L"),
               E.Matrix.column(E.Text(*_partial_name(syms, i)) for i in range(len(syms))), inputs, grad_rule,
               grad_show, grad_explain)

    # -- the Hessian ------------------------------------------------------------------------------------------------
    h_rule = _hessian_at

    def h_show(t: str, pt: dict[str, float] | None = None) -> list[Expr]:
        _, s, gr, h = _hessian_check(t, pt)
        lines: list[Expr] = []
        if any(x.free_symbols for x in h):
            lines.append(_exact_grid(h))
            at = h.applyfunc(lambda x: _simp(_at(x, s, pt)))
            if not _is_integer_matrix(at) and all(_short(x) for x in at):
                lines.append(_exact_grid(at))
        elif not _is_integer_matrix(h) and all(_short(x) for x in h):
            lines.append(_exact_grid(h))
        return lines

    def h_explain(t: str, *rest: Any) -> str:
        pt = rest[0] if len(rest) == 2 else None  # (point, value) or (value,)
        _, s, gr, h = _hessian_check(t, pt)
        first = ", ".join(f"{_partial_name(s, i)[0]} = {_text(gr[i])}" for i in range(len(s)))
        text_ = (f"Differentiate each first derivative again ({first}): entry (i, j) is ∂/∂w_i of ∂L/∂w_j. "
                 "H is symmetric, as mixed partials of a smooth function do not depend on the order.")
        if all(not x.free_symbols for x in h):
            text_ += " The entries are constants: L is quadratic and its Hessian is the same at every point."
        return text_

    Hn = g.step("H", "The Hessian: second partial derivatives", Sym("H"),
                E.Matrix(tuple(tuple(E.Text(*_partial_name(syms, i, j)) for j in range(len(syms)))
                               for i in range(len(syms)))),
                inputs, h_rule, h_show, h_explain)

    # -- its eigenvalues --------------------------------------------------------------------------------------------
    def ev_rule(h: Any) -> np.ndarray:
        h = np.atleast_2d(np.asarray(h, float))
        coeffs = sp.Poly(_char_poly_exact(_key(h), CHAR_FORMS[0]), _lam()).all_coeffs()
        return _real_roots([float(c) for c in coeffs], "H")

    def ev_show(h: Any) -> list[Expr]:
        h = np.atleast_2d(np.asarray(h, float))
        coeffs = [float(c) for c in sp.Poly(_char_poly_exact(_key(h), CHAR_FORMS[0]), _lam()).all_coeffs()]
        return _root_lines(coeffs)

    def ev_explain(h: Any, vals: Any) -> str:
        h = np.atleast_2d(np.asarray(h, float))
        diag = np.allclose(h, np.diag(np.diag(h)))
        return ((("H is diagonal, so its eigenvalues are its diagonal entries. " if diag else "")
                 + "Each eigenvalue is the curvature of L along its eigenvector: large is a steep direction, "
                   "small a shallow one, negative one where L curves down."))

    ev = g.step("eigenvalues", "Eigenvalues of H: the curvatures", Sym("λ", r"\lambda"),
                E.Call("roots", (Sym("det(H - λI)", r"\det(H - \lambda I)"),)), [Hn], ev_rule, ev_show, ev_explain)

    # -- the condition number ---------------------------------------------------------------------------------------
    def kappa_rule(vals: Any) -> float:
        a = np.abs(np.asarray(vals, float))
        lo = float(np.min(a))
        return math.inf if lo <= 1e-12 * max(1.0, float(np.max(a))) else float(np.max(a)) / lo

    def kappa_show(vals: Any) -> list[Expr]:
        v = np.asarray(vals, float)
        a = np.abs(v)
        hi, lo = float(v[int(np.argmax(a))]), float(v[int(np.argmin(a))])
        return [E.Div(Num(abs(hi)), Num(abs(lo)))]

    def kappa_explain(vals: Any, kappa: float) -> str:
        v = np.asarray(vals, float)
        tol = 1e-12 * max(1.0, float(np.max(np.abs(v))))
        pos, neg = bool(np.all(v > tol)), bool(np.all(v < -tol))
        if math.isinf(kappa):
            return ("An eigenvalue is 0: H is singular, L is flat (to second order) along that direction, and κ is "
                    "infinite. Gradient descent makes no progress along a flat direction: a valley of equally good "
                    "points, not one minimum.")
        if pos:
            lmax, lmin = float(np.max(v)), float(np.min(v))
            rate = (kappa - 1) / (kappa + 1)
            steps = math.log(10) / -math.log(rate) if 0 < rate < 1 else 0.0
            shape = ("a round bowl: one well-chosen step goes straight to the minimum" if kappa < 1 + 1e-9 else
                     "ill-conditioned: a long narrow valley" if kappa >= 10 else "a mildly elongated bowl")
            return (f"All eigenvalues positive (positive definite): L curves up in every direction (at a "
                    f"stationary point, a minimum), {shape}. "
                    f"Gradient descent is stable only for η < 2/λ_max = {2 / lmax:.4g}, which makes it crawl along "
                    f"the flattest direction: even the best fixed step, η = 2/(λ_max + λ_min) = "
                    f"{2 / (lmax + lmin):.4g}, shrinks the error only by (κ - 1)/(κ + 1) = {rate:.4g} per step"
                    + (f", about {steps:.0f} steps for each factor of 10." if steps else ".")
                    + " Steep directions oscillate while shallow ones barely move.")
        if neg:
            return ("All eigenvalues negative (negative definite): L curves down in every direction (at a "
                    "stationary point, a maximum). κ = |λ|max/|λ|min only measures how unevenly it curves; gradient "
                    "descent moves away from a maximum.")
        return ("Eigenvalues of both signs (indefinite): L curves up along some directions and down along others "
                "(at a stationary point, a saddle). The notes' λ_max/λ_min would be negative and means nothing "
                "here; κ = |λ|max/|λ|min (numpy.linalg.cond(H)) only says how unevenly the surface curves, not "
                "how fast gradient descent converges: it does not converge to a saddle but slides off along the "
                "negative-curvature direction(s).")

    g.step("condition_number", "Condition number κ", Sym("κ(H)", r"\kappa(H)"),
           E.Div(Sym("|λ|max", r"|\lambda|_{\max}"), Sym("|λ|min", r"|\lambda|_{\min}")), [ev], kappa_rule,
           kappa_show, kappa_explain)

    g.conventions.append("κ(H) = |λ|max/|λ|min, the 2-norm condition number that numpy.linalg.cond(H) gives for a "
                         "symmetric H; for a positive definite H it is the notes' λ_max/λ_min.")
    order = ", ".join(str(s) for s in syms)
    g.conventions.append(f"Derivatives are taken exactly (sympy) and then evaluated; the variables are in the "
                         f"order {order}" + (" (the point's)." if point is not None else " (natural order)."))


# -- the catalogue of mistakes (tutor check / tutor quiz name them when a student's number matches) --------------
# The rules run only when a student's number is checked, so sympy stays unimported until then.
def _is_2x2(sol: Solution) -> bool:
    return bool(np.shape(sol.values["A"]) == (2, 2))


def _det_plus(a: Any) -> np.ndarray:
    """det(A − λI) of a 2×2 matrix with the cross term added: (a − λ)(d − λ) + bc."""
    (p, q), (r, t) = np.asarray(a, float)
    return np.array([1.0, -(p + t), p * t + q * r])


def _flipped_roots(coeffs: Any) -> np.ndarray:
    """The roots with their signs flipped, in the order of the right ones (λ = −6, 1 read off (λ − 6)(λ + 1))."""
    return -_real_roots(coeffs, "A") + 0.0


def _basis_unflipped(r: Any) -> np.ndarray:
    """Null space basis with x_pivot = +R[row, free], the free columns not moved across the equals sign."""
    r = np.atleast_2d(np.asarray(r, float))
    pivots = _pivots_of(r)
    vecs = []
    for v in _basis_from_rref(r):
        v = v.copy()
        v[pivots] = -v[pivots]
        vecs.append(v + 0.0)
    return _as_columns(vecs, r.shape[1])


def _constant_hessian(sol: Solution) -> bool:
    """L is quadratic: its Hessian is a constant matrix, 2A for L = wᵀAw + (linear terms)."""
    _, _, _, h = _hessian_check(sol.values["L"].strip(), sol.values.get("point"))
    return all(not x.free_symbols for x in h)


def _inverse_kappa(vals: Any) -> float:
    a = np.abs(np.asarray(vals, float))
    return float(np.min(a)) / float(np.max(a))


mistakes(
    "eigen",
    Mistake("characteristic polynomial as det(λI − A)",
            "det(λI − A) = (−1)ⁿ det(A − λI): the same roots, so the same eigenvalues, but for an odd n every "
            "coefficient has the other sign; the coefficients asked for are those of det(A − λI).",
            params=lambda p: {"char_poly": CHAR_FORMS[1]}),
    Mistake("2×2 determinant as ad + bc",
            "det [[a, b], [c, d]] = ad − bc: the product of the off-diagonal entries is subtracted, so "
            "det(A − λI) = (a − λ)(d − λ) − bc.",
            rules={"char_poly": lambda v: _det_plus(v["A"])}, applies=_is_2x2),
    Mistake("eigenvalues with their signs flipped",
            "A factor (λ − r) is zero at λ = r: (λ − 6)(λ + 1) = 0 gives λ = 6 and λ = −1, not −6 and 1.",
            rules={"eigenvalues": lambda v: _flipped_roots(v["char_poly"])}),
)

mistakes(
    "null_space",
    Mistake("nullity as rows minus rank",
            "Rank–nullity counts columns: rank + nullity = n, the number of unknowns (columns of A), so "
            "nullity = n − rank; the number of equations (rows) does not enter.",
            rules={"nullity": lambda v: int(np.atleast_2d(np.asarray(v["A"])).shape[0]) - int(v["rank"])}),
    Mistake("pivot variables read off R without the minus sign",
            "A row of R reads x_pivot + R_ij·x_free = 0, so x_pivot = −R_ij·x_free: the entries of the free "
            "columns change sign when they move across the equals sign.",
            rules={"basis": lambda v: _basis_unflipped(v["rref"])}),
)

mistakes(
    "hessian",
    Mistake("condition number as λ_min/λ_max",
            "κ = |λ|max/|λ|min, the largest curvature over the smallest: at least 1, and large for a long narrow "
            "valley. The inverse is at most 1.",
            rules={"condition_number": lambda v: _inverse_kappa(v["eigenvalues"])}),
    Mistake("Hessian with the factor 2 left out",
            "∂²(a·w²)/∂w² = 2a, not a, while a cross term c·w₁w₂ gives c in both off-diagonal places: for a "
            "quadratic L = wᵀAw (A symmetric) the Hessian is 2A, not A.",
            rules={"H": lambda v: _hessian_at(v["L"], v.get("point")) / 2}, applies=_constant_hessian),
)

__all__ = ["eigen", "null_space", "hessian"]
