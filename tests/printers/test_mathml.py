"""The MathML printer: well-formed MathML for every tree in the bank, one structure per node type, numbers as
format_number writes them, the minus sign U+2212, no entities, and LaTeX symbols converted without fallback."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from typing import Iterator

import numpy as np
import pytest

from tutor.api import solve
from tutor.bank import load_bank
from tutor.engine import expr as E
from tutor.engine.step import Solution
from tutor.printers.latex import LatexPrinter
from tutor.printers.mathml import MATHML_NS, MathMLPrinter, LatexSubsetError, latex_to_mathml
from tutor.printers.numbers import format_number

NS = "{" + MATHML_NS + "}"
MINUS = "\u2212"


# -- helpers -----------------------------------------------------------------------------------------------------
def parse(xml: str) -> ET.Element:
    """The element printed, parsed inside its <math> wrapper (which must make it well-formed XML)."""
    root = ET.fromstring(MathMLPrinter().math(xml))
    assert root.tag == NS + "math"
    assert len(root) == 1, "a printed tree is exactly one element"
    return root[0]


def tag(el: ET.Element) -> str:
    return el.tag.removeprefix(NS)


def shape(el: ET.Element) -> str:
    """A compact picture of the structure: msub(mi:W,mrow(mi:x,mi:i))."""
    if len(el) == 0:
        return f"{tag(el)}:{el.text or ''}"
    return f"{tag(el)}({','.join(shape(c) for c in el)})"


def text_of(el: ET.Element) -> str:
    return "".join(el.itertext())


def all_elements(el: ET.Element, name: str) -> list[ET.Element]:
    return list(el.iter(NS + name))


@lru_cache(maxsize=1)
def bank_solutions() -> tuple[Solution, ...]:
    bank = load_bank()
    assert not bank.errors
    return tuple(solve(p) for p in bank.problems)


def bank_trees() -> Iterator[E.Expr]:
    """Every tree a sheet prints: each given's symbol, each step's symbol, formula and substitution lines."""
    for s in bank_solutions():
        for g in s.givens.values():
            yield g.symbol
        for key, step in s.steps.items():
            yield step.symbol
            yield step.formula
            yield from s.substitution(key)


def walk(e: E.Expr) -> Iterator[E.Expr]:
    e = E.as_expr(e)
    yield e
    for name in e._fields:
        v = getattr(e, name)
        if isinstance(v, E.Expr):
            yield from walk(v)
        elif isinstance(v, tuple):
            for x in v:
                for y in (x if isinstance(x, tuple) else (x,)):
                    if isinstance(y, E.Expr):
                        yield from walk(y)


def number_text(el: ET.Element) -> str:
    """Read a printed number back the way format_number writes it: −0.4 → -0.4; 9 × 10^(−5) → 9×10⁻⁵."""
    sup = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
    if tag(el) == "mn":
        return el.text or ""
    if tag(el) == "mi":
        return el.text or ""
    if tag(el) == "msup":
        base, exp = el
        return number_text(base) + number_text(exp).translate(sup)
    assert tag(el) == "mrow", shape(el)
    out = ""
    for c in el:
        if tag(c) == "mo":
            assert c.text in (MINUS, "×"), shape(el)
            out += "-" if c.text == MINUS else "×"
        else:
            out += number_text(c)
    return out


# -- the bank --------------------------------------------------------------------------------------------------
def test_every_latex_string_in_the_bank_converts_without_fallback():
    """Each Sym/Text LaTeX the solvers write (and each LaTeX-less symbol's text) is in the converter's subset."""
    seen: set[str] = set()
    for tree in bank_trees():
        for node in walk(tree):
            if isinstance(node, (E.Sym, E.Text)) and node.latex is not None:
                seen.add(node.latex)
    assert len(seen) > 300  # the walk really reached the bank (about 650 strings when this was written)
    failures = []
    for tex in sorted(seen):
        try:
            out = latex_to_mathml(tex)
        except LatexSubsetError as e:
            failures.append(f"{tex!r}: {e}")
            continue
        parse(out)
    assert not failures, "LaTeX outside the subset:\n" + "\n".join(failures)


def test_printing_the_whole_bank_is_well_formed_and_never_falls_back():
    printer = MathMLPrinter()
    count = 0
    for tree in bank_trees():
        parse(printer.doprint(tree))
        count += 1
    for s in bank_solutions():
        for key in s.steps:
            parse(printer.value(s.values[key]))
    assert count > 3000
    assert printer.fallbacks == [], f"plain-text fallbacks needed for: {sorted(set(printer.fallbacks))}"


def test_bank_output_keeps_the_browser_rules():
    """U+2212 for every minus (never '-' in <mo> or <mn>), no entities but &amp; &lt; &gt;, e never ⅇ."""
    printer = MathMLPrinter()
    for tree in bank_trees():
        xml = printer.doprint(tree)
        assert not re.search(r"&(?!amp;|lt;|gt;)", xml), xml
        assert "ⅇ" not in xml and "&ExponentialE;" not in xml
        root = parse(xml)
        for el in all_elements(root, "mo") + all_elements(root, "mn"):
            assert "-" not in (el.text or ""), xml
        for el in all_elements(root, "mn"):
            assert re.fullmatch(r"\d+(\.\d+)?", el.text or ""), xml  # signs live in <mo>, digits in <mn>


def _scientific_factors(tree: E.Expr, digits: int = 4) -> int:
    """Scientific numbers that are a factor of a product or the base of a power: MathML brackets them."""
    n = 0
    for node in walk(tree):
        candidates = node.factors if isinstance(node, E.Mul) and len(node.factors) > 1 else \
            (node.base,) if isinstance(node, E.Pow) else ()
        for f in candidates:
            if isinstance(f, E.Num) and np.ndim(f.value) == 0 and "×10" in format_number(f.value, digits):
                n += 1
    return n


def test_parentheses_and_minus_signs_mirror_the_latex_printer():
    """Same precedence and sign handling as LatexPrinter: the same brackets and the same minus signs, tree by
    tree (MathML adds a pair around a scientific number used as a factor: 0.999⋅(9×10⁻⁵))."""
    mathml, latex = MathMLPrinter(), LatexPrinter()
    for tree in bank_trees():
        shown = text_of(parse(mathml.doprint(tree)))
        tex = latex.doprint(tree)
        assert shown.count("(") == tex.count("(") + _scientific_factors(tree), (tex, shown)
        assert shown.count(MINUS) == tex.count("-"), (tex, shown)


# -- numbers ---------------------------------------------------------------------------------------------------
NUMBERS = [7.38905609893, 0.40185, -0.000009, 9e-05, -1e-20, 123456789.0, 2.5, -3, 0, -0.0, 9.9996, 0.099996,
           2.5e10, 12, np.float64(-0.4), np.int64(7), float("inf"), float("-inf"), float("nan")]


@pytest.mark.parametrize("digits", [1, 2, 4, 6])
def test_numbers_read_back_as_format_number_writes_them(digits):
    printer = MathMLPrinter(digits)
    for x in NUMBERS:
        assert number_text(parse(printer.number(x))) == format_number(x, digits), x
        assert number_text(parse(printer.doprint(E.Num(x)))) == format_number(x, digits), x


def test_number_details():
    p = MathMLPrinter(4)
    assert p.number(0.40185) == "<mn>0.4019</mn>"  # half up on the decimal, as by hand
    assert p.number(-0.417) == f"<mrow><mo>{MINUS}</mo><mn>0.417</mn></mrow>"
    assert shape(parse(p.number(9e-05))) == "mrow(mn:9,mo:×,msup(mn:10,mrow(mo:−,mn:5)))"
    assert shape(parse(p.number(float("-inf")))) == "mrow(mo:−,mi:∞)"
    assert p.number(None) == "<mo>—</mo>"


def test_full_precision_numbers():
    p = MathMLPrinter(digits=None)
    assert p.number(0.1 + 0.2) == "<mn>0.30000000000000004</mn>"
    assert p.number(3.0) == "<mn>3</mn>"
    assert p.number(10**20) == "<mn>100000000000000000000</mn>"
    assert number_text(parse(p.number(-1e-05))) == "-1×10⁻⁵"


# -- node by node ------------------------------------------------------------------------------------------------
def test_symbols_from_latex():
    p = MathMLPrinter()
    assert shape(parse(p.doprint(E.Sym("W_xi", "W_{xi}")))) == "msub(mi:W,mrow(mi:x,mi:i))"
    assert shape(parse(p.doprint(E.Sym("h_prev", "h_{t-1}")))) == "msub(mi:h,mrow(mi:t,mo:−,mn:1))"
    hat = parse(p.doprint(E.Sym("m̂_t", r"\hat{m}_t")))
    assert shape(hat) == "msub(mover(mi:m,mo:^),mi:t)" and hat[0].get("accent") == "true"
    assert shape(parse(p.doprint(E.Sym("β1^t", r"\beta_1^t")))) == "msubsup(mi:β,mn:1,mi:t)"
    assert shape(parse(p.doprint(E.Sym("x", r"\mathbf{x}")))) == "mi:𝐱"  # bold by its code point, as Core wants
    summ = parse(p.doprint(E.Text("Σⱼ e^{x_j}", r"\sum_j e^{x_j}")))
    assert shape(summ) == "mrow(munder(mo:∑,mi:j),msup(mi:e,msub(mi:x,mi:j)))"


def test_symbols_without_latex():
    p = MathMLPrinter()
    assert p.doprint(E.Sym("e")) == "<mi>e</mi>"  # Euler's e is a plain italic e, never ⅇ
    assert shape(parse(p.doprint(E.Sym("p_i")))) == "msub(mi:p,mi:i)"
    assert shape(parse(p.doprint(E.Sym("h_0")))) == "msub(mi:h,mn:0)"
    assert p.doprint(E.Sym("num_grad")) == '<mi mathvariant="normal">num_grad</mi>'  # a name, not n·u·m_g
    assert p.doprint(E.Sym("TP")) == '<mi mathvariant="normal">TP</mi>'
    assert p.doprint(E.Text("if z > 0")) == "<mtext>if z &gt; 0</mtext>"


def test_unknown_latex_falls_back_to_the_text_and_is_recorded():
    p = MathMLPrinter()
    with pytest.raises(LatexSubsetError):
        latex_to_mathml(r"\weird{x}")
    assert p.doprint(E.Sym("w", r"\weird{w}")) == "<mi>w</mi>"
    assert p.doprint(E.Text("a & b", r"\unknown a")) == "<mtext>a &amp; b</mtext>"
    assert p.fallbacks == [r"\weird{w}", r"\unknown a"]
    for bad in (r"x^{2", r"x}", r"\frac{1}", r"x^1^2", "a @ b", r"\begin{cases} 1 \end{bmatrix}"):
        with pytest.raises(LatexSubsetError):
            latex_to_mathml(bad)


def test_vectors_are_columns_and_matrices_are_tables_in_brackets():
    p = MathMLPrinter()
    col = parse(p.doprint(E.Num(np.array([0.5, -0.1]))))
    assert tag(col) == "mrow" and [tag(c) for c in col] == ["mo", "mtable", "mo"]
    assert (col[0].text, col[2].text) == ("[", "]")
    rows = col[1]
    assert [len(r) for r in rows] == [1, 1]
    assert [number_text(r[0][0]) for r in rows] == ["0.5", "-0.1"]
    grid = parse(p.value(np.array([[1.0, 2.0], [3.0, 4.5]])))
    assert [[number_text(cell[0]) for cell in row] for row in grid[1]] == [["1", "2"], ["3", "4.5"]]
    assert grid[0].get("stretchy") is None  # two rows are tall: the brackets stretch
    m = parse(p.doprint(E.Matrix(((E.Sym("a"), E.Num(1)), (E.Num(-2), E.Sym("b"))))))
    assert shape(m[1]) == "mtable(mtr(mtd(mi:a),mtd(mn:1)),mtr(mtd(mrow(mo:−,mn:2)),mtd(mi:b)))"


def test_value_of_a_mapping():
    out = parse(MathMLPrinter().value({"m": 0.5, "v": -2}))
    assert shape(out) == "mrow(mi:m,mo::,mn:0.5,mo:,,mspace:,mi:v,mo::,mrow(mo:−,mn:2))"


def test_sums_and_signs():
    p = MathMLPrinter()
    a, b = E.Sym("a"), E.Sym("b")
    assert shape(parse(p.doprint(E.add(a, -0.3)))) == "mrow(mi:a,mo:−,mn:0.3)"  # a − 0.3, not a + (−0.3)
    assert shape(parse(p.doprint(E.add(-0.3, a)))) == "mrow(mo:−,mn:0.3,mo:+,mi:a)"
    assert shape(parse(p.doprint(E.Neg(E.Num(-0.417))))) == \
        "mrow(mo:−,mrow(mo:(,mrow(mo:−,mn:0.417),mo:)))"  # −(−0.417), never −−0.417
    assert shape(parse(p.doprint(E.Neg(E.add(a, b))))) == "mrow(mo:−,mrow(mo:(,mrow(mi:a,mo:+,mi:b),mo:)))"


@pytest.mark.parametrize("op, shown", [("·", "⋅"), ("", "\u2062"), ("⊙", "⊙"), ("×", "×")])
def test_products(op, shown):
    p = MathMLPrinter()
    out = parse(p.doprint(E.mul(E.Sym("W"), E.Sym("x"), op=op)))
    assert shape(out) == f"mrow(mi:W,mo:{shown},mi:x)"


def test_product_brackets():
    p = MathMLPrinter()
    neg = parse(p.doprint(E.mul(0.5, -0.4)))
    assert shape(neg) == "mrow(mn:0.5,mo:⋅,mrow(mo:(,mrow(mo:−,mn:0.4),mo:)))"
    assert neg[2][0].get("stretchy") == "false"  # one line high: normal-size brackets, as TeX's \left(
    assert shape(parse(p.doprint(E.mul(E.add(E.Sym("a"), 1), E.Sym("b"))))) == \
        "mrow(mrow(mo:(,mrow(mi:a,mo:+,mn:1),mo:)),mo:⋅,mi:b)"
    sci = parse(p.doprint(E.mul(0.999, 9e-05)))
    assert tag(sci[2]) == "mrow" and sci[2][0].text == "("  # 0.999⋅(9×10⁻⁵)


def test_fractions_powers_and_roots():
    p = MathMLPrinter()
    frac = parse(p.doprint(E.Div(E.Num(1), E.add(1, E.Pow(E.Sym("e"), E.Neg(E.Sym("z")))))))
    assert shape(frac) == "mfrac(mn:1,mrow(mn:1,mo:+,msup(mi:e,mrow(mo:−,mi:z))))"
    assert shape(parse(p.doprint(E.Pow(E.add(E.Sym("a"), 1), E.Num(2))))) == \
        "msup(mrow(mo:(,mrow(mi:a,mo:+,mn:1),mo:)),mn:2)"
    assert shape(parse(p.doprint(E.Pow(E.Num(-3), E.Num(2))))) == "msup(mrow(mo:(,mrow(mo:−,mn:3),mo:)),mn:2)"
    assert shape(parse(p.doprint(E.call("√", E.Sym("v"))))) == "msqrt(mi:v)"


def test_function_calls():
    p = MathMLPrinter()
    assert shape(parse(p.doprint(E.call("σ", E.Sym("z"))))) == "mrow(mi:σ,mo:\u2061,mrow(mo:(,mi:z,mo:)))"
    for fn in ("tanh", "softmax", "ReLU"):
        name = parse(p.doprint(E.call(fn, E.Sym("z"))))[0]
        assert (name.text, name.get("mathvariant")) == (fn, "normal")
    assert parse(p.doprint(E.call("relu", E.Sym("z"))))[0].text == "ReLU"
    assert shape(parse(p.doprint(E.call("log₂", E.Sym("p"))))[0]) == "msub(mi:log,mn:2)"
    assert shape(parse(p.doprint(E.call("ReLU′", E.Sym("z"))))[0]) == "msup(mi:ReLU,mo:′)"
    assert shape(parse(p.doprint(E.call("max", 0, E.Sym("z"))))[2]) == "mrow(mo:(,mn:0,mo:,,mi:z,mo:))"
    assert shape(parse(p.doprint(E.call("abs", E.Sym("x"))))) == "mrow(mo:|,mi:x,mo:|)"
    assert shape(parse(p.doprint(E.call("floor", E.Sym("x"))))) == "mrow(mo:⌊,mi:x,mo:⌋)"


def test_parentheses_and_relations():
    p = MathMLPrinter()
    assert shape(parse(p.doprint(E.Paren(E.Sym("x"))))) == "mrow(mo:(,mi:x,mo:))"
    assert shape(parse(p.doprint(E.Rel(E.Sym("z"), "≥", E.Num(0))))) == "mrow(mi:z,mo:≥,mn:0)"
    assert shape(parse(p.doprint(E.Rel(E.Sym("z"), "<", E.Num(0))))) == "mrow(mi:z,mo:<,mn:0)"


def test_cases_and_text_from_latex():
    cases = parse(latex_to_mathml(r"\begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}"))
    assert [tag(c) for c in cases] == ["mo", "mtable"] and cases[0].text == "{"
    assert shape(cases[1]) == ("mtable(mtr(mtd(mn:1),mtd(mrow(mi:z,mo:>,mn:0))),"
                               "mtr(mtd(mn:0),mtd(mrow(mi:z,mo:≤,mn:0))))")
    spaced = parse(latex_to_mathml(r"1 \text{ if } z"))
    assert spaced[1].text == "\u00a0if\u00a0"  # spaces at the edges of <mtext> survive as no-break spaces
    assert shape(parse(latex_to_mathml(r"\left(\frac{a}{b}\right)_{\mathrm{num}}"))) == \
        "msub(mrow(mo:(,mfrac(mi:a,mi:b),mo:)),mi:num)"
    assert shape(parse(latex_to_mathml(r"p_i \ln q_i"))) == \
        "mrow(msub(mi:p,mi:i),mspace:,mi:ln,mo:\u2061,mspace:,msub(mi:q,mi:i))"  # TeX's thin spaces
    assert shape(parse(latex_to_mathml(r"\mathcal{N}(A) \mathbb{E}"))) == \
        "mrow(mi:𝒩,mo:(,mi:A,mo:),mi:𝔼)"


def test_math_wrapper():
    p = MathMLPrinter()
    inline = ET.fromstring(p.math(E.Sym("x")))
    block = ET.fromstring(p.math("<mi>y</mi>", display=True))
    assert inline.tag == block.tag == NS + "math"
    assert inline.get("display") is None and block.get("display") == "block"
    assert text_of(block) == "y"
