"""Plain-text layout of expressions and numbers."""

import numpy as np
import pytest

from tutor.engine import expr as E
from tutor.printers.latex import LatexPrinter
from tutor.printers.numbers import format_number
from tutor.printers.text import TextPrinter


@pytest.mark.parametrize("x, digits, text", [
    (7.38905609893, 4, "7.389"),
    (0.6590011388859679, 4, "0.659"),
    (0.6590011388859679, 2, "0.66"),
    (2.0, 4, "2"),
    (-3, 4, "-3"),
    (9e-05, 4, "9×10⁻⁵"),
    (1e-08, 4, "1×10⁻⁸"),
    (-1e-20, 4, "-1×10⁻²⁰"),
    (-0.00001, 4, "-1×10⁻⁵"),
    (0.099996, 4, "0.1"),
    (float("inf"), 4, "∞"),
    (float("-inf"), 4, "-∞"),
    (float("nan"), 4, "NaN"),
    (-0.0, 4, "0"),
    (-1e-30 * 0, 4, "0"),
    (123456.0, 4, "123456"),
    (0.000123456, 3, "0.000123"),
    (0.0000123456, 3, "1.23×10⁻⁵"),
    # ties round half up on the decimal shown, as by hand (the float 0.40185 is 0.401849999...)
    (0.5 * 0.8037, 4, "0.4019"),
    (0.125, 2, "0.13"),
    (2.5, 1, "3"),
    (-2.5, 1, "-3"),
    (9.9996e-05, 4, "0.0001"),
    (0.00015, 1, "0.0002"),
])
def test_format_number(x, digits, text):
    assert format_number(x, digits) == text


def test_latex_numbers():
    assert format_number(1e-8, 4, latex=True) == r"1 \times 10^{-8}"
    assert format_number(float("-inf"), 4, latex=True) == r"-\infty"


def test_column_vector_and_matrix():
    p = TextPrinter()
    assert p.text(E.Num(np.array([0.5, -0.1]))) == "⎡ 0.5⎤\n⎣-0.1⎦"
    assert p.text(E.Num(np.array([[1.0, 2.0]]))) == "[1  2]"
    assert p.text(E.Num(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))) == "⎡1  2⎤\n⎢3  4⎥\n⎣5  6⎦"


def test_large_arrays_are_elided_with_their_shape():
    out = TextPrinter(max_rows=6, max_cols=6).text(E.Num(np.arange(400.0).reshape(20, 20)))
    assert "⋮" in out and "⋯" in out and "(20×20)" in out
    assert len(out.splitlines()) == 6


def test_sums_read_like_hand_working():
    p = TextPrinter()
    e = E.add(E.mul(0.5, 0.5), E.mul(-0.3, -0.1), -0.2)
    assert p.text(e) == "0.5·0.5 - 0.3·(-0.1) - 0.2"


def test_fractions_stack_and_powers_stay_on_one_line():
    p = TextPrinter()
    lines = p.text(E.Div(E.Pow(E.Sym("e"), E.Num(2)), E.Num(11.21))).splitlines()
    assert len(lines) == 3 and "e^2" in lines[0] and set(lines[1]) == {"─"} and "11.21" in lines[2]
    assert p.text(E.Pow(E.Sym("e"), E.add("x", E.Neg(E.Sym("m"))))) == "e^(x - m)"


def test_fractions_inside_a_matrix_are_inline():
    p = TextPrinter()
    assert p.text(E.Matrix.column([E.Div(E.Num(7.389), E.Num(11.21)), E.Div(E.Num(1), E.Num(2))])) == \
        "⎡7.389 / 11.21⎤\n⎣    1 / 2    ⎦".replace("    1 / 2    ", "1 / 2        ")


def test_precedence_parentheses():
    p = TextPrinter()
    assert p.text(E.mul(E.add("a", "b"), "c")) == "(a + b)·c"
    assert p.text(E.add("a", E.mul("b", "c"))) == "a + b·c"
    assert p.text(E.Neg(E.add("a", "b"))) == "-(a + b)"


def test_latex_printer():
    lp = LatexPrinter()
    e = E.Call("σ", (E.Add((E.Mul((E.Sym("W_xi", "W_{xi}"), E.Sym("x", "x_t")), ""), E.Sym("b", "b_i"))),))
    assert lp.doprint(e) == r"\sigma\left(W_{xi} x_t + b_i\right)"
    assert lp.doprint(E.Num(np.array([[1.0, 2.0], [3.0, 4.0]]))) == r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}"
    assert lp.doprint(E.Div(E.Num(1), E.Num(2))) == r"\frac{1}{2}"


def test_combining_marks_do_not_break_alignment():
    p = TextPrinter()
    from tutor.printers.text import cells, hcat

    box = hcat(p.box(E.Sym("m̂_1")), p.box(E.Sym(" = ")), p.box(E.Div(E.Sym("m̂_1"), E.Num(12.5))))
    assert cells("m̂_1") == 3
    assert len({cells(line) for line in box.lines}) == 1  # every line equally wide on screen
    top, bar, _ = p.text(E.Div(E.Sym("m̂_1"), E.Num(12.5))).splitlines()
    assert top == " m̂_1" and cells(bar) == 6  # centred over the bar by screen columns, not code points


def test_scientific_numbers_in_products_are_bracketed():
    assert TextPrinter().text(E.mul(0.999, 9e-05)) == "0.999·(9×10⁻⁵)"


def test_latex_square_root():
    assert LatexPrinter().doprint(E.Call("√", (E.Sym("v"),))) == r"\sqrt{v}"


def test_counts_are_written_in_full_however_large():
    from tutor.printers.numbers import format_number, inline_value

    # a parameter count is an exact integer: 138357544 (VGG-16), never 1.384×10⁸; a float that large still is
    assert format_number(138357544) == "138357544"
    assert format_number(np.int64(60000000)) == "60000000"
    assert format_number(1.5e9) == "1.5×10⁹"
    assert inline_value([[1, 0.25], [np.float64(2 / 3), -4]], 3) == "[[1, 0.25], [0.667, -4]]"


def test_minus_a_negative_number_is_bracketed_in_every_printer():
    from tutor.engine.expr import Neg, Num
    from tutor.printers.latex import LatexPrinter
    from tutor.printers.text import TextPrinter

    assert TextPrinter().box(Neg(Num(-0.417))).lines == ["-(-0.417)"]
    assert LatexPrinter().doprint(Neg(Num(-0.417))) == r"-\left(-0.417\right)"


def test_ceil_floor_and_abs_are_brackets():
    from tutor.engine import expr as E
    from tutor.printers.latex import LatexPrinter
    from tutor.printers.text import TextPrinter

    ceil = E.Call("ceil", (E.Div(E.Num(50), E.Num(8)),))
    assert TextPrinter().box(ceil).lines == ["⎡ 50 ⎤", "⎢────⎥", "⎢ 8  ⎥"]
    assert LatexPrinter().doprint(ceil) == r"\left\lceil \frac{50}{8} \right\rceil"
    # a letter straight after \lfloor would make an undefined control sequence (\lfloorq)
    assert LatexPrinter().doprint(E.Call("floor", (E.Sym("q"),))) == r"\left\lfloor q \right\rfloor"
    assert TextPrinter().box(E.Call("abs", (E.Num(-3),))).lines == ["|-3|"]
    assert LatexPrinter().doprint(E.Call("floor", (E.Num(2.5),))) == r"\left\lfloor 2.5 \right\rfloor"
