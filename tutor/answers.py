"""A student's typed answer → its numbers and the precision they were typed to.

Students type hand calculations: `0.66`, `-0.0682`, `1.5e-3`, `9/25`, `e^2/(e^2+e+1)`, `sqrt(2)/2`, a vector
`[0.66, 0.24, 0.10]`, a matrix `[[1, 2], [3, 4]]`, or for a step whose value is one number per variable
`x = -8, y = 6` (also `{x: -8, y: 6}`). The text is split here, by a small scanner, at top-level brackets and
commas; each entry then goes through the whitelist parser `tutor.safe_expr` (never `eval`), and its error
columns are moved back to the place in the text exactly as the student typed it.

Besides the value, every entry carries `half`: half a unit of the last digit typed (`0.66` → 0.005, `0.660` →
0.0005, `12` → 0.5, `1.5e-3` → 0.00005). Rounding-aware marking (`tutor.check`) accepts an answer whose true value
lies within that half-unit, so a student who rounds correctly is never marked wrong, and one who types more
digits is held to them. In an expression the decimal literals' half-units are propagated to first order,
Σ |∂f/∂literal| · half; integer literals (`9/25`, `e^2`), e, pi and functions are exact.

Written forms (all documented for the README):
- a number: any safe_expr expression; `^` is a power; `log` is the natural log, as `ln`.
- a vector: `[a, b, c]`, `(a, b, c)` (round brackets holding a top-level comma cannot be a number), or bare
  `a, b, c`; a matrix: a list of rows `[[1, 2], [3, 4]]`, `[(1, 2), (3, 4)]` or `[1, 2], [3, 4]`. Rows must be
  equally long; nesting deeper than a matrix is refused.
- named entries: `x = -8, y = 6`, `x: -8, y: 6` or `{x: -8, y: 6}`; each value a number, vector or matrix.
- typographic forms are read as their ASCII twins: − – — (minus), × · ⋅ ∗ (times), ÷ ∕ ⁄ (divide), π (pi),
  √2 and √(…) (sqrt), superscripts x² and 10⁻³ (powers), any Unicode space or a newline (a space); zero-width
  spaces are dropped. Other control or invisible characters are refused with their column.
"""

from __future__ import annotations

import keyword
import math
import re
import unicodedata
import warnings
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

import numpy as np

from tutor import safe_expr
from tutor.errors import TutorError

MAX_LENGTH = safe_expr.MAX_LENGTH  # characters of one typed answer
MAX_ENTRIES = 10_000  # numbers in one answer (a loaded list can be longer than any typed text)
MAX_NESTING = 2  # a matrix


@dataclass(frozen=True, eq=False)  # eq=False: comparing numpy arrays with == gives arrays, not a bool
class Answer:
    """One parsed answer. `value` and `half` are float64 arrays of the same shape: () for a number, (n,) for a
    vector, (r, c) for a matrix. A mapping answer (`x = -8, y = 6`) has `entries` and empty (0,) arrays."""

    text: str  # as typed (for a loaded YAML/JSON value, a rendering of it)
    value: np.ndarray
    half: np.ndarray  # half a unit of the last typed digit, per entry; 0 where the entry is exact
    entries: dict[str, "Answer"] | None = None

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.value.shape)


def shape_text(shape: Any) -> str:
    """'a number', 'a vector of 3 entries', 'a 2×3 matrix': a shape in the words of an error message."""
    dims = tuple(int(n) for n in shape)
    if not dims:
        return "a number"
    if len(dims) == 1:
        return f"a vector of {_entries(dims[0])}"
    if len(dims) == 2:
        return f"a {dims[0]}×{dims[1]} matrix"
    return "an array of shape " + "×".join(map(str, dims))


def _entries(n: int) -> str:
    return f"{n} entry" if n == 1 else f"{n} entries"


def _quote(text: str, limit: int = 60) -> str:
    """The text quoted for a message, cut short if long (the same rendering as safe_expr uses)."""
    return repr(text) if len(text) <= limit else repr(text[: limit - 3] + "...")


# -- normalising: typographic forms → ASCII, remembering where each character came from ---------------------
_REPLACE = {
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d", "-"),
    "\uff0b": "+",
    **dict.fromkeys("\u00d7\u00b7\u22c5\u2217", "*"),
    **dict.fromkeys("\u00f7\u2215\u2044", "/"),
    "π": "pi",
    "∞": "inf",
}
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺"
_FROM_SUPERSCRIPT = str.maketrans(_SUPERSCRIPTS, "0123456789-+")
_DROP = frozenset("\u200b\u200c\u200d\u2060\ufeff")  # zero-width characters a copy-paste brings along
_ROOT_ARG = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[^\W\d]\w*")


@dataclass
class _Source:
    """The typed text and its normalised twin; `origin[i]` is the index in `text` that `norm[i]` came from."""

    text: str
    norm: str
    origin: list[int]
    what: str

    def col(self, i: int) -> int:
        """1-based column in the typed text of index `i` in the normalised text."""
        return self.origin[max(0, min(i, len(self.origin) - 1))] + 1

    def error(self, i: int, message: str) -> TutorError:
        return TutorError(f"column {self.col(i)}: {message} in {self.what} {_quote(self.text)}")

    def typed(self, a: int, b: int) -> str:
        """The typed text behind norm[a:b]."""
        return self.text[self.origin[a]: self.origin[b - 1] + 1] if b > a else ""

    def strip(self, a: int, b: int) -> tuple[int, int]:
        while a < b and self.norm[a] == " ":
            a += 1
        while b > a and self.norm[b - 1] == " ":
            b -= 1
        return a, b


def _normalise(text: str, what: str) -> _Source:
    out: list[str] = []
    origin: list[int] = []

    def emit(chars: str, at: int) -> None:
        out.append(chars)
        origin.extend([at] * len(chars))

    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _DROP:
            pass
        elif ch.isspace():
            emit(" ", i)
        elif ch in _REPLACE:
            emit(_REPLACE[ch], i)
        elif ch in _SUPERSCRIPTS:  # x² → x^(2), 10⁻³ → 10^(-3)
            j = i
            while j < n and text[j] in _SUPERSCRIPTS:
                j += 1
            emit("^(", i)
            for k, c in enumerate(text[i:j].translate(_FROM_SUPERSCRIPT)):
                emit(c, i + k)
            emit(")", j - 1)
            i = j
            continue
        elif ch == "√":  # √(…) → sqrt(…); √2, √x → sqrt(2), sqrt(x)
            j = i + 1
            while j < n and text[j].isspace():
                j += 1
            m = _ROOT_ARG.match(text, j)
            if j < n and text[j] == "(" or not m:
                emit("sqrt", i)
            else:
                emit("sqrt(", i)
                for k, c in enumerate(m.group()):
                    emit(_REPLACE.get(c, c), j + k)
                emit(")", m.end() - 1)
                i = m.end()
                continue
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            name = unicodedata.name(ch, "a control or unassigned character")
            raise TutorError(f"column {i + 1}: unexpected character U+{ord(ch):04X} ({name}) in {what} "
                             f"{_quote(text)}")
        else:
            emit(ch, i)
        i += 1
    origin.append(n)
    return _Source(text, "".join(out), origin, what)


# -- the scanner: brackets and top-level commas ------------------------------------------------------------
_CLOSER = {"(": ")", "[": "]", "{": "}"}


def _match_brackets(src: _Source) -> dict[int, int]:
    """{index of an opening bracket: index of its closer}, or a TutorError at the first bracket out of place."""
    stack: list[int] = []
    match: dict[int, int] = {}
    for i, ch in enumerate(src.norm):
        if ch in _CLOSER:
            stack.append(i)
        elif ch in ")]}":
            if not stack:
                raise src.error(i, f"unexpected {ch!r} (no bracket is open)")
            j = stack.pop()
            want = _CLOSER[src.norm[j]]
            if ch != want:
                raise src.error(i, f"unexpected {ch!r}: the {src.norm[j]!r} at column {src.col(j)} is closed by "
                                   f"{want!r}")
            match[j] = i
    if stack:
        j = stack[-1]
        raise src.error(j, f"{src.norm[j]!r} is never closed")
    return match


def _find_top(src: _Source, match: dict[int, int], a: int, b: int, chars: str) -> int | None:
    """The first index in [a, b) of one of `chars` outside every bracket."""
    i = a
    while i < b:
        ch = src.norm[i]
        if ch in _CLOSER:
            i = match[i] + 1
            continue
        if ch in chars:
            return i
        i += 1
    return None


def _split(src: _Source, match: dict[int, int], a: int, b: int) -> list[tuple[int, int]]:
    """The spans of [a, b) between top-level commas."""
    spans = []
    while True:
        comma = _find_top(src, match, a, b, ",")
        if comma is None:
            spans.append((a, b))
            return spans
        spans.append((a, comma))
        a = comma + 1


@dataclass
class _Item:
    """A parsed entry (value, half) or a list of items (rows); `where` locates it for an error message."""

    where: Any
    value: float = 0.0
    half: float = 0.0
    rows: list["_Item"] | None = None


class _Scanner:
    def __init__(self, src: _Source) -> None:
        self.src = src
        self.match = _match_brackets(src)
        self.count = 0

    def is_list(self, a: int, b: int) -> bool:
        """[a, b) (stripped) is one bracketed list: [ … ], or ( … ) holding a top-level comma."""
        ch = self.src.norm[a]
        if ch not in "[(" or self.match[a] != b - 1:
            return False
        return ch == "[" or _find_top(self.src, self.match, a + 1, b - 1, ",") is not None

    def value(self, a: int, b: int, depth: int = 0, bare_commas: bool = True) -> _Item:
        """A number, a vector or a matrix in [a, b)."""
        a, b = self.src.strip(a, b)
        if bare_commas and _find_top(self.src, self.match, a, b, ",") is not None:
            return self.items(a, _split(self.src, self.match, a, b), depth + 1)
        if self.is_list(a, b):
            return self.items(a, _split(self.src, self.match, a + 1, b - 1), depth + 1)
        if self.src.norm[a] in "[{" and self.match[a] < b - 1:  # [1, 2] + 1, [1, 2] [3, 4]
            end = self.match[a]
            nxt = self.src.strip(end + 1, b)[0]
            raise self.src.error(nxt, f"unexpected {self.src.norm[nxt]!r} after the {self.src.norm[end]!r} at "
                                      f"column {self.src.col(end)}: a vector or matrix stands alone")
        return self.entry(a, b)

    def items(self, at: int, spans: list[tuple[int, int]], depth: int) -> _Item:
        src = self.src
        if depth > MAX_NESTING:
            raise src.error(at, "nested too deeply: an answer is a number, a vector [a, b] or a matrix "
                                "[[a, b], [c, d]]")
        if len(spans) == 1 and src.strip(*spans[0])[0] == spans[0][1]:
            raise src.error(at, "an empty list: write its entries, as in [0.5, 0.25]")
        rows = []
        for a, b in spans:
            if src.strip(a, b)[0] == b:
                after = src.norm[b] if b < len(src.norm) else ""
                raise src.error(b, f"an entry is missing before {after!r}" if after else "an entry is missing at "
                                                                                         "the end")
            rows.append(self.value(a, b, depth, bare_commas=False))
        return _Item(at, rows=rows)

    def entry(self, a: int, b: int) -> _Item:
        self.count += 1
        if self.count > MAX_ENTRIES:
            raise self.src.error(a, f"more than {MAX_ENTRIES} entries")
        value, half = _entry(self.src, a, b)
        return _Item(a, value, half)


# -- one number --------------------------------------------------------------------------------------------
_NON_FINITE = {"nan", "inf", "infinity", ".nan", ".inf"}


def _entry(src: _Source, a: int, b: int) -> tuple[float, float]:
    """(value, half) of the expression in norm[a:b] (stripped, non-empty)."""
    raw, typed = src.norm[a:b], src.typed(a, b)
    for i in range(a, b):
        if src.norm[i] in "[{":
            raise src.error(i, f"unexpected {src.norm[i]!r}: a vector or matrix stands alone, and its entries are "
                               "numbers (group with round brackets)")
    if raw.replace(" ", "").lstrip("+-").lower() in _NON_FINITE:
        raise src.error(a, f"{_quote(typed)} is not a finite number")
    try:
        with warnings.catch_warnings():  # ast warns about odd literals ('\d', 1if); the student sees our error
            warnings.simplefilter("ignore")
            tree = safe_expr.parse(raw, (), what=src.what)
    except TutorError as e:
        raise _relocated(src, e, a, raw) from None
    try:
        value = safe_expr.evaluate(tree)
    except TutorError as e:
        raise _not_a_value(src, a, typed, e.message) from None
    except (ArithmeticError, ValueError) as e:  # safe_expr guards its operations; this is a second net
        raise _not_a_value(src, a, typed, str(e)) from None
    if not math.isfinite(value):
        raise src.error(a, f"{_quote(typed)} is not a finite number")
    half = _half(tree, value)
    if not math.isfinite(half):
        raise src.error(a, f"{_quote(typed)} is out of range")
    return value, half


def _relocated(src: _Source, e: TutorError, a: int, raw: str) -> TutorError:
    """safe_expr's message about one entry, with its column moved to the typed answer and the whole answer
    quoted instead of the entry."""
    message = e.message
    for suffix in (f" in {src.what} {_quote(raw)}", f" in {_quote(raw)}"):
        if message.endswith(suffix):
            message = message[: -len(suffix)]
            break
    m = re.match(r"column (\d+): ", message)
    if m:
        return src.error(a + int(m.group(1)) - 1, message[m.end():])
    return src.error(a, message)


def _not_a_value(src: _Source, a: int, typed: str, reason: str) -> TutorError:
    if reason in ("division by zero", "float division by zero") or "negative power" in reason:
        return src.error(a, f"{_quote(typed)} is not a finite number ({reason})")
    return src.error(a, reason)


# -- precision ---------------------------------------------------------------------------------------------
_DECIMAL = re.compile(r"[-+]?([0-9_]*)(?:\.([0-9_]*))?(?:[eE]([-+]?[0-9_]+))?")


def literal_half(text: str, *, integers: bool = True) -> float:
    """Half a unit of the last digit of a decimal literal: '0.66' → 0.005, '12' → 0.5, '1.5e-3' → 5e-05.
    0 for what is not a decimal literal (e, pi, 0x10) and, unless `integers`, for an integer literal."""
    m = _DECIMAL.fullmatch(text)
    if not m or not any(c.isdigit() for c in text):
        return 0.0
    frac, exp = m.group(2), m.group(3)
    if frac is None and exp is None and not integers:
        return 0.0
    k = int((exp or "0").replace("_", "") or "0") - len((frac or "").replace("_", ""))
    if k > 400:
        return math.inf
    if k < -400:
        return 0.0
    return float(Decimal(5).scaleb(k - 1))  # 0.5 × 10^k, correctly rounded


def _literal_text(tree: safe_expr.Node) -> str | None:
    """The literal's text when the whole entry is a signed decimal literal (`-3.0`, `12`), else None."""
    while isinstance(tree, safe_expr.Neg):
        tree = tree.arg
    if isinstance(tree, safe_expr.Const) and tree.text not in safe_expr.CONSTANTS:
        return tree.text
    return None


def _half(tree: safe_expr.Node, value: float) -> float:
    """The half-unit of an entry: the literal's own, or the decimal literals' propagated to first order."""
    literal = _literal_text(tree)
    if literal is not None:
        return literal_half(literal)
    literals: list[tuple[str, float, float]] = []  # (stand-in variable, value, half)

    def swap(n: safe_expr.Node) -> safe_expr.Node:
        """The tree with each decimal literal replaced by a variable, so safe_expr.gradient differentiates it."""
        if isinstance(n, safe_expr.Const):
            h = literal_half(n.text, integers=False)
            if h == 0.0:
                return n
            name = f"#{len(literals)}"
            literals.append((name, n.value, h))
            return safe_expr.Var(name)
        if isinstance(n, safe_expr.BinOp):
            return safe_expr.BinOp(n.op, swap(n.left), swap(n.right))
        if isinstance(n, safe_expr.Neg):
            return safe_expr.Neg(swap(n.arg))
        if isinstance(n, safe_expr.Apply):
            return safe_expr.Apply(n.fn, tuple(swap(x) for x in n.args))
        return n

    swapped = swap(tree)
    if not literals:
        return 0.0
    env = {name: v for name, v, _ in literals}
    try:
        _, grads = safe_expr.gradient(swapped, env)
        half = sum(abs(grads[name]) * h for name, _, h in literals)
        if math.isfinite(half):
            return half
    except (TutorError, ArithmeticError, ValueError):
        pass
    return _perturbed_half(swapped, env, literals, value)


def _perturbed_half(tree: safe_expr.Node, env: dict[str, float], literals: list[tuple[str, float, float]],
                    value: float) -> float:
    """Where the derivative does not exist (sqrt(0.0), a kink), the change from moving each literal by its
    half-unit either way; a move that leaves the function's domain is skipped."""
    total = 0.0
    for name, v, h in literals:
        worst = 0.0
        for step in (-h, h):
            try:
                moved = safe_expr.evaluate(tree, {**env, name: v + step})
            except (TutorError, ArithmeticError, ValueError):
                continue
            if math.isfinite(moved):
                worst = max(worst, abs(moved - value))
        total += worst
    return total


# -- assembling arrays -------------------------------------------------------------------------------------
def _arrays(item: _Item, fail: Callable[[_Item, str], TutorError]) -> tuple[np.ndarray, np.ndarray]:
    """A number, a vector or a matrix from parsed items; ragged or mixed lists are errors."""
    if item.rows is None:
        return _frozen([item.value], ()), _frozen([item.half], ())
    rows = item.rows
    is_row = [r.rows is not None for r in rows]
    if not any(is_row):
        return _frozen([r.value for r in rows], (len(rows),)), _frozen([r.half for r in rows], (len(rows),))
    if not all(is_row):
        k = next(k for k, r in enumerate(is_row) if r != is_row[0])
        kind = {True: "a row", False: "a number"}
        raise fail(rows[k], f"entry {k + 1} is {kind[is_row[k]]} but entry 1 is {kind[is_row[0]]}; a matrix is a "
                            "list of rows, each a list of numbers")
    width = len(rows[0].rows or ())
    for k, r in enumerate(rows[1:], 2):
        if len(r.rows or ()) != width:
            raise fail(r, f"row {k} has {_entries(len(r.rows or ()))}, row 1 has {width}")
    cells = [c for r in rows for c in (r.rows or ())]
    shape = (len(rows), width)
    return _frozen([c.value for c in cells], shape), _frozen([c.half for c in cells], shape)


def _frozen(values: list[float], shape: tuple[int, ...]) -> np.ndarray:
    out = np.array(values, dtype=np.float64).reshape(shape)
    out.flags.writeable = False
    return out


def _empty() -> np.ndarray:
    return _frozen([], (0,))


# -- the public parsers ------------------------------------------------------------------------------------
_KEY = re.compile(r"[^\W\d][\w₀₁₂₃₄₅₆₇₈₉′']*")


def parse_answer(text: str, *, what: str = "answer") -> Answer:
    """A typed answer: a number, vector, matrix or named entries. Errors are TutorErrors whose 'column N'
    counts in `text` as typed."""
    if not isinstance(text, str):
        raise TutorError(f"expected the {what} as text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise TutorError(f"the {what} is {len(text)} characters long; at most {MAX_LENGTH} are accepted")
    src = _normalise(text, what)
    a, b = src.strip(0, len(src.norm))
    if a == b:
        raise TutorError(f"empty {what}")
    scanner = _Scanner(src)
    if src.norm[a] == "{" and scanner.match[a] == b - 1:
        return _named(scanner, a + 1, b - 1, a)
    if _find_top(src, scanner.match, a, b, "=:") is not None:
        return _named(scanner, a, b, a)
    return _answer(scanner, a, b, text)


def _answer(scanner: _Scanner, a: int, b: int, text: str, bare_commas: bool = True) -> Answer:
    src = scanner.src
    item = scanner.value(a, b, bare_commas=bare_commas)
    value, half = _arrays(item, lambda it, msg: src.error(it.where, msg))
    return Answer(text, value, half)


def _named(scanner: _Scanner, a: int, b: int, at: int) -> Answer:
    """`x = -8, y = 6` (or with ':' and in braces): one answer per name."""
    src = scanner.src
    spans = _split(src, scanner.match, a, b)
    if len(spans) == 1 and src.strip(a, b)[0] == b:
        raise src.error(at, "no entries: write them as x = -8, y = 6")
    entries: dict[str, Answer] = {}
    for s, e in spans:
        s, e2 = src.strip(s, e)
        if s == e2:
            after = src.norm[e] if e < len(src.norm) else ""
            raise src.error(e, f"an entry is missing before {after!r}" if after else "an entry is missing at the "
                                                                                    "end")
        sep = _find_top(src, scanner.match, s, e2, "=:")
        if sep is None:
            raise src.error(s, "expected name = value here, as in x = -8 (the answer gives its entries by name)")
        key = src.norm[s:sep].strip()
        if not key:
            raise src.error(sep, f"a name is missing before {src.norm[sep]!r}")
        if not _KEY.fullmatch(key):
            raise src.error(s, f"expected a name before {src.norm[sep]!r}, such as x or w1; got {key!r}")
        if keyword.iskeyword(key):
            raise src.error(s, f"{key!r} is a reserved word, not a name")
        if key in entries:
            raise src.error(s, f"{key!r} is given twice")
        vs, ve = src.strip(sep + 1, e2)
        if vs == ve:
            raise src.error(sep, f"no value after {src.norm[sep]!r}")
        if src.norm[vs] == "{":
            raise src.error(vs, "named entries cannot hold named entries")
        entries[key] = _answer(scanner, vs, ve, src.typed(vs, ve), bare_commas=False)
    return Answer(src.text, _empty(), _empty(), entries)


def parse_value(value: object, *, what: str = "answer") -> Answer:
    """The same from an already-loaded YAML/JSON value: text (parsed as typed), an int, a float, a list or
    list of lists of those, or a mapping of names to those. Bools and None are refused.

    A float's precision is read from its shortest repr, which loses trailing zeros (0.660 loads as 0.66:
    half 0.005, not 0.0005); pass the typed text where there is one. A ruamel.yaml float keeps its typed
    decimals and they are used."""
    if isinstance(value, str):
        return parse_answer(value, what=what)
    if isinstance(value, dict):
        return _loaded_named(value, what)
    counter = [0]
    item, text = _loaded(value, (), counter, what)
    return Answer(text, *_arrays(item, lambda it, msg: TutorError(msg)))


def _loaded_named(value: dict[Any, Any], what: str) -> Answer:
    if not value:
        raise TutorError("no entries: expected names with their values, such as {x: -8, y: 6}")
    entries: dict[str, Answer] = {}
    for key, v in value.items():
        if not isinstance(key, str) or not _KEY.fullmatch(key) or keyword.iskeyword(key):
            raise TutorError(f"expected a name such as x or w1, got {key!r}")
        if isinstance(v, dict):
            raise TutorError(f"{key}: named entries cannot hold named entries")
        try:
            sub = parse_value(v, what=what)
        except TutorError as e:
            raise TutorError(f"{key}: {e.message}") from None
        if sub.entries is not None:
            raise TutorError(f"{key}: named entries cannot hold named entries")
        entries[key] = sub
    text = "{" + ", ".join(f"{k}: {a.text}" for k, a in entries.items()) + "}"
    return Answer(text, _empty(), _empty(), entries)


def _path(path: tuple[int, ...]) -> str:
    if not path:
        return ""
    if len(path) == 1:
        return f"entry {path[0] + 1}: "
    return f"row {path[0] + 1}, entry {path[1] + 1}: "


def _loaded(value: Any, path: tuple[int, ...], counter: list[int], what: str) -> tuple[_Item, str]:
    """An _Item (where = its index path) and a rendering of the loaded value."""
    if isinstance(value, np.ndarray):
        if value.ndim > MAX_NESTING or value.size > MAX_ENTRIES:
            raise TutorError(f"{_path(path)}expected a number, vector or matrix of at most {MAX_ENTRIES} entries, "
                             f"got an array of shape {value.shape}".lstrip())
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        if len(path) >= MAX_NESTING:
            raise TutorError(f"{_path(path)}nested too deeply: an answer is a number, a vector or a matrix")
        if not value:
            raise TutorError(f"{_path(path)}an empty list: write its entries, as in [0.5, 0.25]".lstrip())
        rows, texts = [], []
        for k, v in enumerate(value):
            item, text = _loaded(v, path + (k,), counter, what)
            rows.append(item)
            texts.append(text)
        return _Item(path, rows=rows), "[" + ", ".join(texts) + "]"
    counter[0] += 1
    if counter[0] > MAX_ENTRIES:
        raise TutorError(f"more than {MAX_ENTRIES} entries")
    number, half, text = _loaded_number(value, path, what)
    return _Item(path, number, half), text


def _loaded_number(value: Any, path: tuple[int, ...], what: str) -> tuple[float, float, str]:
    where = _path(path)
    if isinstance(value, (bool, np.bool_)) or value is None:
        shown = {True: "true", False: "false", None: "nothing"}[None if value is None else bool(value)]
        raise TutorError(f"{where}expected a number, got {shown}")
    if isinstance(value, str):
        try:
            answer = parse_answer(value, what=what)
        except TutorError as e:
            raise TutorError(f"{where}{e.message}") from None
        if answer.entries is not None or answer.value.ndim:
            got = "named entries" if answer.entries is not None else shape_text(answer.shape)
            raise TutorError(f"{where}expected a number, got {got}")
        return float(answer.value), float(answer.half), value
    if isinstance(value, (int, np.integer)):
        text = str(int(value))
        try:
            number = float(int(value))
        except OverflowError:
            number = math.inf
    elif isinstance(value, (float, np.floating)):
        number = float(value)
        text = _float_text(value) if math.isfinite(number) else str(value)
    else:
        raise TutorError(f"{where}expected a number, a list of numbers or a list of rows, got "
                         f"{type(value).__name__}")
    if not math.isfinite(number):
        raise TutorError(f"{where}{_quote(text)} is not a finite number")
    return number, literal_half(text), text


def _float_text(value: Any) -> str:
    """The digits a loaded float stands for: ruamel.yaml's typed decimals where it kept them, else the
    shortest repr (of the float's own width, so a float32 0.1 is '0.1')."""
    width, prec = getattr(value, "_width", None), getattr(value, "_prec", None)
    if width and prec is not None and not getattr(value, "_exp", None):
        decimals = max(0, int(width) - int(prec) - 1)
        return f"{float(value):.{decimals}f}"
    if isinstance(value, np.floating) and not isinstance(value, float):
        return str(value)
    return repr(float(value))
