"""The answer parser: every written form gives its value (checked against `math`/numpy written here), the
half-unit of the precision typed, pointed errors with columns in the text as typed, and nothing but a
TutorError (quickly) for anything else."""

import math
import time
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutor.answers import MAX_ENTRIES, Answer, literal_half, parse_answer, parse_value, shape_text
from tutor.errors import TutorError


# -- values ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, value", [
    ("0.66", 0.66),
    ("-0.0682", -0.0682),
    ("1.5e-3", 0.0015),
    ("1.5E-3", 0.0015),
    (".5", 0.5),
    ("12", 12.0),
    ("+0.25", 0.25),
    ("9/25", 0.36),
    ("e", math.e),
    ("pi", math.pi),
    ("exp(2)", math.exp(2)),
    ("e^2/(e^2+e+1)", math.e**2 / (math.e**2 + math.e + 1)),
    ("ln(2)", math.log(2)),
    ("log(2)", math.log(2)),  # log is the natural log, as in the notes
    ("sqrt(2)/2", math.sqrt(2) / 2),
    ("  0.5  ", 0.5),
    ("(0.66)", 0.66),
    ("max(1, 2)", 2.0),  # a comma inside a call is not a vector
    ("sigmoid(0)", 0.5),
])
def test_numbers(text, value):
    a = parse_answer(text)
    assert a.shape == () and a.entries is None and a.text == text
    assert float(a.value) == pytest.approx(value, rel=1e-15)


@pytest.mark.parametrize("text, value", [
    ("\u22120.5", -0.5),         # U+2212 minus sign
    ("\u20130.5", -0.5),         # en dash
    ("2\u00d73", 6.0),           # ×
    ("2\u00b73", 6.0),           # ·
    ("6\u00f74", 1.5),           # ÷
    ("\u03c0/4", math.pi / 4),   # π
    ("\u221a2/2", math.sqrt(2) / 2),
    ("\u221a(2)/2", math.sqrt(2) / 2),
    ("\u221a\u03c0", math.sqrt(math.pi)),
    ("2\u00b2", 4.0),            # superscript two
    ("10\u207b\u00b3", 0.001),   # 10⁻³
    ("0.5\u2009+\u00a00.25", 0.75),  # thin space, no-break space
    ("0.\u200b5", 0.5),          # a zero-width space from a copy-paste
    ("1\n+ 2", 3.0),             # a newline is a space
])
def test_typographic_forms(text, value):
    assert float(parse_answer(text).value) == pytest.approx(value, rel=1e-15)


def test_vectors_and_matrices():
    v = parse_answer("[0.66, 0.24, 0.10]")
    assert v.shape == (3,) and np.array_equal(v.value, np.array([0.66, 0.24, 0.1]))
    m = parse_answer("[[1, 2], [3, 4]]")
    assert m.shape == (2, 2) and np.array_equal(m.value, np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert m.value.dtype == np.float64
    row = parse_answer("[[1, 2, 3]]")
    assert row.shape == (1, 3)
    col = parse_answer("[[1], [2]]")
    assert col.shape == (2, 1)
    assert parse_answer("[5]").shape == (1,)
    mixed = parse_answer("[9/25, e, sqrt(4)]")
    assert np.allclose(mixed.value, [0.36, math.e, 2.0], rtol=1e-15, atol=0)


@pytest.mark.parametrize("text, value", [
    ("(0.66, 0.24, 0.10)", [0.66, 0.24, 0.1]),          # round brackets holding a comma: a vector
    ("0.66, 0.24, 0.10", [0.66, 0.24, 0.1]),            # bare commas: a vector
    ("((1, 2), (3, 4))", [[1.0, 2.0], [3.0, 4.0]]),
    ("[(1, 2), (3, 4)]", [[1.0, 2.0], [3.0, 4.0]]),
    ("[1, 2], [3, 4]", [[1.0, 2.0], [3.0, 4.0]]),
    ("[max(1, 2), min(3, 4)]", [2.0, 3.0]),
    ("[(1+2)*3, 4]", [9.0, 4.0]),                       # round brackets without a comma group a number
    ("[[1, 2],\n [3, 4]]", [[1.0, 2.0], [3.0, 4.0]]),   # pasted over two lines
])
def test_other_vector_and_matrix_spellings(text, value):
    assert np.array_equal(parse_answer(text).value, np.array(value))


@pytest.mark.parametrize("text", ["x = -8, y = 6", "{x: -8, y: 6}", "x: -8, y: 6", "{x = -8, y = 6}",
                                  "x=-8,y=6"])
def test_named_entries(text):
    a = parse_answer(text)
    assert a.text == text and a.value.shape == (0,) and a.half.shape == (0,)
    assert list(a.entries) == ["x", "y"]
    assert float(a.entries["x"].value) == -8.0 and float(a.entries["y"].value) == 6.0
    assert a.entries["x"].text == "-8"


def test_named_entries_hold_vectors_and_matrices():
    a = parse_answer("dW = [[0.5, -1], [2, 0.25]], db = [0.1, -0.2]")
    assert np.array_equal(a.entries["dW"].value, np.array([[0.5, -1.0], [2.0, 0.25]]))
    assert np.array_equal(a.entries["db"].half, np.array([0.05, 0.05]))
    assert a.entries["db"].text == "[0.1, -0.2]"


# -- precision ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, half", [
    ("0.66", 0.005),
    ("0.660", 0.0005),
    ("-3.0", 0.05),
    ("12", 0.5),
    ("-8", 0.5),
    ("1.5e-3", 0.05e-3),
    ("1e-8", 0.5e-8),
    (".5", 0.05),
    ("12.", 0.5),
    ("-0.0682", 0.00005),
    ("(0.25)", 0.005),
    ("9/25", 0.0),                     # integers in an expression are exact
    ("e", 0.0),
    ("pi", 0.0),
    ("2*pi", 0.0),
    ("e^2/(e^2+e+1)", 0.0),
    ("sqrt(2)/2", 0.0),
    ("exp(2)", 0.0),
    # propagated: Σ |∂f/∂literal| · half, derived by hand
    ("0.3/0.5", (1 / 0.5) * 0.05 + (0.3 / 0.5**2) * 0.05),  # 0.1 + 0.06
    ("2*0.25", 2 * 0.005),
    ("0.5 + 0.25", 0.05 + 0.005),
    ("0.5 - 0.25", 0.05 + 0.005),
    ("exp(0.5)", math.exp(0.5) * 0.05),
    ("0.25^2", 2 * 0.25 * 0.005),
    ("1.5e-3*2", 2 * 0.05e-3),
    ("-(0.5*0.5)", 0.5 * 0.05 + 0.5 * 0.05),
])
def test_half_units(text, half):
    assert float(parse_answer(text).half) == pytest.approx(half, rel=1e-12, abs=0)


def test_vector_half_units_are_per_entry():
    a = parse_answer("[0.66, 0.240, 12, 9/25]")
    assert np.allclose(a.half, [0.005, 0.0005, 0.5, 0.0], rtol=1e-12, atol=0)


def test_half_where_the_derivative_does_not_exist_is_the_change_over_the_half_unit():
    # sqrt has an infinite slope at 0: the half-unit is how far sqrt moves over [0, 0.005]
    assert float(parse_answer("sqrt(0.00)").half) == pytest.approx(math.sqrt(0.005), rel=1e-12)


@pytest.mark.parametrize("text, half", [("0.66", 0.005), ("12", 0.5), ("1.5e-3", 0.05e-3), ("e", 0.0),
                                        ("0x10", 0.0), ("1.50E+3", 5.0), ("1_000.5", 0.05), ("-8", 0.5)])
def test_literal_half(text, half):
    assert literal_half(text) == pytest.approx(half, rel=1e-15, abs=0)


def test_integer_literal_in_an_expression_is_exact_only_when_asked():
    assert literal_half("25", integers=False) == 0.0
    assert literal_half("2.5", integers=False) == 0.05


# -- errors ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, message", [
    # the brief's example wrote column 7; the stray ')' is the 10th character
    ("[0.5, 0.2))", "column 10: unexpected ')': the '[' at column 1 is closed by ']' in answer '[0.5, 0.2))'"),
    ("[1, 2", "column 1: '[' is never closed in answer '[1, 2'"),
    ("[[1, 2], [3, 4, 5]]", "column 10: row 2 has 3 entries, row 1 has 2 in answer '[[1, 2], [3, 4, 5]]'"),
    ("[[1], [2, 3]]", "column 7: row 2 has 2 entries, row 1 has 1 in"),
    ("", "empty answer"),
    ("   ", "empty answer"),
    ("sigmod", "column 1: unknown name 'sigmod' (did you mean \"sigmoid\"?)"),
    ("sigmod(1)", "column 1: unknown function 'sigmod' (did you mean \"sigmoid\"?)"),
    ("[0.5, sigmod]", "column 7: unknown name 'sigmod'"),
    ("1/0", "column 1: '1/0' is not a finite number (division by zero) in answer '1/0'"),
    ("[1, 1/0]", "column 5: '1/0' is not a finite number"),
    ("exp(1000)", "'exp(1000)' is not a finite number"),
    ("nan", "'nan' is not a finite number"),
    ("-inf", "'-inf' is not a finite number"),
    ("\u221e", "'∞' is not a finite number"),
    ("1e999999", "'1e999999' is not a finite number"),
    ("10**400", "'10**400' is not a finite number"),
    ("0.0e400", "is out of range"),
    ("[1,,2]", "column 4: an entry is missing before ','"),
    ("[1, 2,]", "column 7: an entry is missing before ']'"),
    ("1,", "column 3: an entry is missing at the end"),
    ("[]", "column 1: an empty list"),
    ("[[[1]]]", "column 3: nested too deeply"),
    ("[1, [2, 3]]", "column 5: entry 2 is a row but entry 1 is a number"),
    ("[[1, 2], 3]", "column 10: entry 2 is a number but entry 1 is a row"),
    ("[1, 2)", "column 6: unexpected ')': the '[' at column 1 is closed by ']'"),
    ("1 + 2)", "column 6: unexpected ')' (no bracket is open)"),
    ("[1, 2] + 1", "column 8: unexpected '+' after the ']' at column 6: a vector or matrix stands alone"),
    ("2*[1, 2]", "column 3: unexpected '['"),
    ("[0.5, 2x]", "column 8: write 2*x... for a product"),
    ("[1, 0.5 + ]", "column 9: incomplete answer: nothing after the final '+' in answer '[1, 0.5 + ]'"),
    ("[1, sqrt(-1)]", "column 5: sqrt of -1: the square root of a negative number is not real"),
    ("[1, e^2 + e^3 + )]", "column 17: unexpected ')'"),
    ("[1, 2^^3]", "column 7: unexpected '^'"),       # the ^ → ** rewrite does not shift the column
    ("x = 1, 2", "column 8: expected name = value here"),
    ("x = 1, x = 2", "column 8: 'x' is given twice"),
    ("x = ", "column 3: no value after '='"),
    ("= 3", "column 1: a name is missing before '='"),
    ("{}", "column 1: no entries"),
    ("{x: {y: 1}}", "column 5: named entries cannot hold named entries"),
    ("lambda: 1", "column 1: 'lambda' is a reserved word, not a name"),
    ("1\x00", "column 2: unexpected character U+0000"),
    ("x\u202e", "column 2: unexpected character U+202E (RIGHT-TO-LEFT OVERRIDE)"),
])
def test_error_messages(text, message):
    with pytest.raises(TutorError) as e:
        parse_answer(text)
    assert message in str(e.value)


@pytest.mark.parametrize("text, column", [
    ("\u03c0*2 + )", 7),          # π became 'pi' inside, but the column counts what was typed
    ("\u221a2 + 1 + )", 10),      # √2 became 'sqrt(2)'
    ("2\u00b2 + 1 + )", 10),      # 2² became '2^(2)'
    ("0.\u200b5 + )", 8),         # a dropped zero-width space still counts as a typed character
    ("[\u22121, 2x]", 7),
])
def test_columns_count_the_text_as_typed(text, column):
    with pytest.raises(TutorError) as e:
        parse_answer(text)
    assert str(e.value).startswith(f"column {column}: ")
    assert repr(text) in str(e.value)


def test_a_long_entry_is_relocated_too():
    """safe_expr quotes a long entry cut short; the message still moves to the whole answer's column."""
    text = "[1, " + "+".join(["0.5"] * 20) + " + foo]"
    with pytest.raises(TutorError) as e:
        parse_answer(text)
    assert str(e.value).startswith(f"column {text.index('foo') + 1}: unknown name 'foo'")
    assert str(e.value).endswith(repr(text[:57] + "..."))


def test_what_names_the_thing_in_messages():
    with pytest.raises(TutorError, match="in gradient '1 \\+ '"):
        parse_answer("1 + ", what="gradient")
    with pytest.raises(TutorError, match="^empty gradient$"):
        parse_answer("", what="gradient")


HOSTILE = [
    "__import__('os').system('ls')",
    "__import__('os')",
    "().__class__.__bases__[0].__subclasses__()",
    "9**9**9**9",
    "9^9^9^9",
    "(" * 10_000,
    "(" * 1999,
    "(" * 900 + "1" + ")" * 900,
    "[" * 10_000,
    "[" * 1000 + "]" * 1000,
    "{" * 1000 + "}" * 1000,
    "'a'*10**9",
    "lambda: 0",
    "lambda x: x",
    "(lambda: 1)()",
    "x.real",
    "open('/etc/passwd').read()",
    "[x for x in range(10**9)]",
    "1\x00",
    "\ud800",
    "\U0001f600",
    "\u202e1",
    "1" * 1_000_000,
    "[" + "1," * 999 + "1]" + "]",
    "1e999999",
    "10**400",
    "10**1000000",
    "'\\d'",                 # Python warns about the escape; the student sees only our error
    "1if 1 else 2",
    "x = __import__('os')",
    "{x: 1, y: exp(1000)}",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_a_quick_tutor_error_and_no_warning(text):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TutorError):
            parse_answer(text)
    assert time.perf_counter() - start < 0.5


def test_a_long_but_allowed_vector_parses():
    text = "[" + ", ".join(["0.5"] * 400) + "]"  # 2000 characters, the most accepted
    assert len(text) == 2000 and parse_answer(text).shape == (400,)


def test_answers_are_frozen():
    a = parse_answer("[0.5, 0.25]")
    with pytest.raises(ValueError):
        a.value[0] = 1.0
    with pytest.raises(AttributeError):
        a.text = "changed"  # type: ignore[misc]


# -- loaded values -----------------------------------------------------------------------------------------
def test_parse_value_numbers_lists_and_mappings():
    assert float(parse_value("9/25").value) == 0.36
    n = parse_value(12)
    assert float(n.value) == 12.0 and float(n.half) == 0.5
    f = parse_value(0.66)
    assert float(f.value) == 0.66 and float(f.half) == pytest.approx(0.005, rel=1e-15)
    v = parse_value([1, "9/25", 0.5])
    assert np.allclose(v.value, [1.0, 0.36, 0.5], rtol=1e-15, atol=0)
    assert np.allclose(v.half, [0.5, 0.0, 0.05], rtol=1e-12, atol=0)
    m = parse_value([[1, 2], [3, 4.5]])
    assert m.shape == (2, 2) and np.array_equal(m.value, np.array([[1.0, 2.0], [3.0, 4.5]]))
    d = parse_value({"x": -8, "y": "6", "w": [0.5, 0.25]})
    assert list(d.entries) == ["x", "y", "w"] and float(d.entries["x"].value) == -8.0
    assert d.entries["w"].shape == (2,) and d.value.shape == (0,)
    assert parse_value(np.array([[1.5, 2.0]])).shape == (1, 2)
    assert float(parse_value(np.float32(0.25)).half) == pytest.approx(0.005, rel=1e-12)


def test_parse_value_reads_the_decimals_ruamel_kept():
    import io

    from ruamel.yaml import YAML

    data = YAML().load(io.StringIO("a: 0.660\nb: -3.0\nc: [0.10, 2]\nd: 12.\n"))
    assert float(parse_value(data["a"]).half) == pytest.approx(0.0005, rel=1e-12)
    assert float(parse_value(data["b"]).half) == pytest.approx(0.05, rel=1e-12)
    assert np.allclose(parse_value(data["c"]).half, [0.005, 0.5], rtol=1e-12, atol=0)
    assert float(parse_value(data["d"]).half) == 0.5


@pytest.mark.parametrize("value, message", [
    (True, "expected a number, got true"),
    (False, "expected a number, got false"),
    (np.bool_(True), "expected a number, got true"),
    (None, "expected a number, got nothing"),
    ([1, True], "entry 2: expected a number, got true"),
    ([[1, 2], [3]], "row 2 has 1 entry, row 1 has 2"),
    ([[[1]]], "nested too deeply"),
    ([], "an empty list"),
    ({}, "no entries"),
    ({1: 2}, "expected a name"),
    ({"x": {"y": 1}}, "x: named entries cannot hold named entries"),
    ({"x": True}, "x: expected a number, got true"),
    (["[1, 2]"], "entry 1: expected a number, got a vector of 2 entries"),
    ([1, "x = 1"], "entry 2: expected a number, got named entries"),
    ([["1", "1/0"]], "row 1, entry 2: column 1: '1/0' is not a finite number"),
    (float("nan"), "'nan' is not a finite number"),
    (float("inf"), "'inf' is not a finite number"),
    (10**400, "is not a finite number"),
    (object(), "expected a number, a list of numbers or a list of rows, got object"),
    ([0.5] * (MAX_ENTRIES + 1), f"more than {MAX_ENTRIES} entries"),
    (np.zeros((2, 2, 2)), "array of shape (2, 2, 2)"),
])
def test_parse_value_errors(value, message):
    with pytest.raises(TutorError) as e:
        parse_value(value)
    assert message in str(e.value)


@pytest.mark.parametrize("shape, text", [((), "a number"), ((1,), "a vector of 1 entry"),
                                         ((3,), "a vector of 3 entries"), ((2, 3), "a 2×3 matrix"),
                                         ((2, 2, 2), "an array of shape 2×2×2")])
def test_shape_text(shape, text):
    assert shape_text(shape) == text


def test_answer_can_be_built_directly():
    """tutor.check rebuilds answers (to reshape them); the constructor is the plain dataclass one."""
    a = Answer("0.5", np.array(0.5), np.array(0.05))
    assert a.shape == () and a.entries is None


# -- properties --------------------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_random_text_is_an_answer_or_a_tutor_error_quickly(text):
    start = time.perf_counter()
    try:
        a = parse_answer(text)
        assert np.all(np.isfinite(a.value)) and np.all(np.isfinite(a.half)) and np.all(a.half >= 0)
    except TutorError:
        pass
    assert time.perf_counter() - start < 0.5


ATOMS = st.sampled_from(["1", "0.5", "-", "e", "pi", "x", "=", ":", ",", "[", "]", "(", ")", "{", "}", "^",
                         "*", "/", "+", "exp(", "sqrt(", " ", "\u2212", "\u03c0", "\u221a", "\u00b2", "lambda",
                         ".", "'", "__", "9**9", "nan", "1e999"])


@settings(max_examples=250, deadline=None)
@given(st.lists(ATOMS, max_size=25).map("".join))
def test_bracket_and_comma_soup_is_parsed_or_refused_quickly(text):
    start = time.perf_counter()
    try:
        a = parse_answer(text)
        parts = list(a.entries.values()) if a.entries is not None else [a]
        for p in parts:
            assert p.value.ndim <= 2 and np.all(np.isfinite(p.value)) and np.all(np.isfinite(p.half))
    except TutorError as e:
        assert str(e)  # a message, never an empty error
    assert time.perf_counter() - start < 0.5


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), st.integers(min_value=0, max_value=8))
def test_a_float_typed_to_k_decimals_parses_back_within_its_half_unit(x, k):
    text = f"{x:.{k}f}"
    a = parse_answer(text)
    half = 0.5 * 10.0**-k
    assert float(a.half) == pytest.approx(half, rel=1e-12)
    assert abs(float(a.value) - x) <= half + 2 * math.ulp(x) + 2 * math.ulp(float(a.value))


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)
       .filter(lambda x: x == 0 or abs(x) > 1e-300), st.integers(min_value=0, max_value=10))
def test_scientific_notation_parses_back_within_its_half_unit(x, k):
    text = f"{x:.{k}e}"
    mantissa, exponent = text.split("e")
    a = parse_answer(text)
    half = 0.5 * 10.0 ** (int(exponent) - k)
    assert float(a.half) == pytest.approx(half, rel=1e-9)
    assert abs(float(a.value) - x) <= half * (1 + 1e-9) + 2 * math.ulp(x)


FINITE = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=100, deadline=None)
@given(st.lists(FINITE, min_size=1, max_size=12))
def test_vectors_round_trip(xs):
    text = "[" + ", ".join(repr(x) for x in xs) + "]"
    assert np.array_equal(parse_answer(text).value, np.array(xs, dtype=float))
    assert np.array_equal(parse_value(xs).value, np.array(xs, dtype=float))


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=5).flatmap(
    lambda c: st.lists(st.lists(FINITE, min_size=c, max_size=c), min_size=1, max_size=5)))
def test_matrices_round_trip(rows):
    text = "[" + ", ".join("[" + ", ".join(repr(x) for x in r) + "]" for r in rows) + "]"
    expected = np.array(rows, dtype=float)
    a = parse_answer(text)
    assert a.shape == expected.shape and np.array_equal(a.value, expected)
    assert np.array_equal(parse_value(rows).value, expected)
