"""Expression trees → presentation MathML, for the HTML step sheets (browsers draw it natively: MathML Core).

`MathMLPrinter` mirrors `LatexPrinter` node for node (same precedence, same sign handling), so a sheet's HTML and
its LaTeX say the same thing. Symbols and literal notation carry their own LaTeX (`W_{xi}`, `\\hat{m}_t`,
`\\sum_j e^{x_j}`); `latex_to_mathml` turns exactly the small subset of LaTeX that the bank and the solvers write
into MathML, and raises `LatexSubsetError` on anything else, so the printer can fall back to the plain text and
record it (a test solves the whole bank and fails on any fallback).

Written for Chromium's MathML Core: the minus sign is U+2212, numbers are `<mn>`, characters are UTF-8 (no
named entities: only & < > are escaped), styled letters are the Unicode mathematical alphanumerics (Core has no
`mathvariant` but "normal"), and a parenthesis is stretchy only where the LaTeX says `\\left`/`\\right`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Callable, Iterator

import numpy as np

from tutor.engine.expr import (Add, BigOp, Call, Cases, Div, Expr, Matrix, Mul, Neg, Num, Paren, Pow, Rel, Sym,
                               Text, as_expr)
from tutor.printers.numbers import DEFAULT_DIGITS, format_number
from tutor.printers.text import PREC_ADD, PREC_MUL, PREC_POW, _is_neg_num, _split_sign, precedence

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
MINUS = "\u2212"
FUNCTION_APPLICATION = "\u2061"  # invisible: tells readers and screen readers "f applied to (x)"
INVISIBLE_TIMES = "\u2062"  # invisible: the product written as juxtaposition, W x
THIN_SPACE = '<mspace width="0.1667em"></mspace>'
OVERLINE_STYLE = "border-top: 0.06em solid; padding-top: 0.08em"


class LatexSubsetError(ValueError):
    """LaTeX outside the subset `latex_to_mathml` knows. The printer catches it and falls back to plain text."""


# -- small XML helpers -----------------------------------------------------------------------------------------
def escape(s: str) -> str:
    """Escape for XML and HTML5 alike: only & < > (no named entities: an HTML page would not know them)."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _el(tag: str, content: str = "", **attrs: str) -> str:
    attr = "".join(f' {k.rstrip("_")}="{v}"' for k, v in attrs.items())
    return f"<{tag}{attr}>{content}</{tag}>"


def _mi(s: str) -> str:
    """An identifier. One letter is drawn italic by the browser; a name (tanh, softmax, TP), an upper-case Greek
    letter or a symbol (∂, ∞) says mathvariant="normal", the one value MathML Core supports (and the default for
    a name there, written out for older renderers)."""
    if len(s) == 1 and (s.isascii() or unicodedata.category(s).startswith("L")) and not _is_upright(s):
        return _el("mi", escape(s))
    return _el("mi", escape(s), mathvariant="normal")


def _is_upright(ch: str) -> bool:
    # Upper-case Greek is upright in LaTeX (\Delta, \Sigma); browsers would slant it like a Latin letter.
    return "\u0391" <= ch <= "\u03a9"


def _mo(s: str, **attrs: str) -> str:
    return _el("mo", escape(s), **attrs)


def _mn(s: str) -> str:
    return _el("mn", escape(s))


def _mtext(s: str) -> str:
    # Leading and trailing spaces of an <mtext> may be collapsed; no-break spaces keep "1 if z > 0" apart.
    n = len(s) - len(s.lstrip(" "))
    m = len(s) - len(s.rstrip(" "))
    core = s.strip(" ")
    return _el("mtext", "\u00a0" * n + escape(core) + "\u00a0" * (m if core else 0))


def _row(parts: list[str]) -> str:
    """One element for a list of elements: itself when there is one, else an <mrow> (msup, mfrac and friends
    need exactly one element per argument)."""
    return parts[0] if len(parts) == 1 else _el("mrow", "".join(parts))


def _fenced(inner: list[str], left: str = "(", right: str = ")") -> str:
    """Brackets around `inner`, in their own <mrow> so that they grow to its height and no more.

    They stretch only around something tall (a fraction, a table, a sum with limits), as TeX's \\left( picks
    the normal size around one line: Chromium gives a stretchy bracket the width of the font's widest variant,
    which leaves a gap either side of σ( 0.3 )."""
    body = "".join(inner)
    attrs = {} if _is_tall(body) else {"stretchy": "false"}
    return _el("mrow", (_mo(left, **attrs) if left else "") + body + (_mo(right, **attrs) if right else ""))


def _is_tall(xml: str) -> bool:
    return "<mfrac" in xml or "<munder" in xml or xml.count("<mtr") > 1


def _table(rows: list[list[str]], align: str | None = None) -> str:
    style = {"style": f"text-align: {align}"} if align else {}
    body = "".join(_el("mtr", "".join(_el("mtd", c, **style) for c in row)) for row in rows)
    return _el("mtable", body)


# -- styled alphabets (Unicode mathematical alphanumerics; MathML Core has no mathvariant="bold") -------------
def _alphabet(upper: int, lower: int | None, digits: int | None, holes: dict[str, str]) -> Callable[[str], str]:
    def styled(ch: str) -> str:
        if ch in holes:
            return holes[ch]
        if "A" <= ch <= "Z":
            return chr(upper + ord(ch) - ord("A"))
        if lower is not None and "a" <= ch <= "z":
            return chr(lower + ord(ch) - ord("a"))
        if digits is not None and "0" <= ch <= "9":
            return chr(digits + ord(ch) - ord("0"))
        raise LatexSubsetError(f"no styled form of {ch!r}")
    return styled


_STYLES: dict[str, Callable[[str], str]] = {
    r"\mathbf": _alphabet(0x1D400, 0x1D41A, 0x1D7CE, {}),
    r"\boldsymbol": _alphabet(0x1D468, 0x1D482, 0x1D7CE, {}),
    r"\mathbb": _alphabet(0x1D538, 0x1D552, 0x1D7D8, {c: chr(u) for c, u in zip(
        "CHNPQRZ", (0x2102, 0x210D, 0x2115, 0x2119, 0x211A, 0x211D, 0x2124))}),
    r"\mathcal": _alphabet(0x1D49C, None, None, {c: chr(u) for c, u in zip(
        "BEFHILMR", (0x212C, 0x2130, 0x2131, 0x210B, 0x2110, 0x2112, 0x2133, 0x211B))}),
}

# -- the LaTeX subset --------------------------------------------------------------------------------------------
GREEK = {name: chr(code) for name, code in (
    ("alpha", 0x3B1), ("beta", 0x3B2), ("gamma", 0x3B3), ("delta", 0x3B4), ("epsilon", 0x3F5),
    ("varepsilon", 0x3B5), ("zeta", 0x3B6), ("eta", 0x3B7), ("theta", 0x3B8), ("vartheta", 0x3D1),
    ("iota", 0x3B9), ("kappa", 0x3BA), ("lambda", 0x3BB), ("mu", 0x3BC), ("nu", 0x3BD), ("xi", 0x3BE),
    ("pi", 0x3C0), ("rho", 0x3C1), ("sigma", 0x3C3), ("tau", 0x3C4), ("upsilon", 0x3C5), ("phi", 0x3D5),
    ("varphi", 0x3C6), ("chi", 0x3C7), ("psi", 0x3C8), ("omega", 0x3C9), ("Gamma", 0x393), ("Delta", 0x394),
    ("Theta", 0x398), ("Lambda", 0x39B), ("Xi", 0x39E), ("Pi", 0x3A0), ("Sigma", 0x3A3), ("Upsilon", 0x3A5),
    ("Phi", 0x3A6), ("Psi", 0x3A8), ("Omega", 0x3A9))}
ORDINARY = {"ell": "ℓ", "partial": "∂", "infty": "∞", "nabla": "∇", "top": "⊤", "checkmark": "✓", "emptyset": "∅",
            "#": "#", "%": "%", "$": "$", "&": "&", "_": "_", "prime": "′"}
UPRIGHT_ORDINARY = {"nabla", "top", "checkmark", "#", "%", "$", "&", "_", "emptyset"}
OPERATORS = {
    "cdot": "⋅", "times": "×", "odot": "⊙", "pm": "±", "mp": "∓", "cap": "∩", "cup": "∪", "mid": "∣",
    "wedge": "∧", "land": "∧", "vee": "∨", "lor": "∨", "neg": "¬", "lnot": "¬", "to": "→", "rightarrow": "→",
    "leftarrow": "←", "gets": "←", "leftrightarrow": "↔", "Rightarrow": "⇒", "Leftarrow": "⇐", "iff": "⟺",
    "implies": "⟹", "ge": "≥", "geq": "≥", "le": "≤", "leq": "≤", "ne": "≠", "neq": "≠", "approx": "≈",
    "equiv": "≡", "sim": "∼", "propto": "∝", "in": "∈", "notin": "∉", "subset": "⊂", "subseteq": "⊆",
    "setminus": "∖", "ast": "∗", "star": "⋆", "div": "÷", "circ": "∘", "bullet": "∙", "dots": "…",
    "ldots": "…", "cdots": "⋯", "vdots": "⋮", "ddots": "⋱", "forall": "∀", "exists": "∃", "colon": ":",
}
DELIMITERS = {"(": "(", ")": ")", "[": "[", "]": "]", "|": "|", ".": "", r"\{": "{", r"\}": "}",
              r"\lbrace": "{", r"\rbrace": "}", r"\|": "‖", r"\lVert": "‖", r"\rVert": "‖", r"\Vert": "‖",
              r"\lvert": "|", r"\rvert": "|", r"\vert": "|", r"\lfloor": "⌊", r"\rfloor": "⌋",
              r"\lceil": "⌈", r"\rceil": "⌉", r"\langle": "⟨", r"\rangle": "⟩"}
OPENING = set("([{⌊⌈⟨")
FUNCTION_NAMES = {"ln", "log", "exp", "max", "min", "sin", "cos", "tan", "tanh", "sinh", "cosh", "det", "sup",
                  "inf", "lim", "arg", "dim", "ker", "deg", "gcd", "Pr", "argmax", "argmin"}
LARGE_OPERATORS = {"sum": "∑", "prod": "∏", "int": "∫", "bigcup": "⋃", "bigcap": "⋂"}
ACCENTS = {"hat": "^", "widehat": "^", "bar": "‾", "tilde": "~", "widetilde": "~",
           "vec": "→", "dot": "˙", "ddot": "¨", "check": "ˇ"}
SPACES = {r"\,": "0.1667em", r"\:": "0.2222em", r"\>": "0.2222em", r"\;": "0.2778em", r"\ ": "0.3333em",
          "~": "0.3333em", r"\quad": "1em", r"\qquad": "2em", r"\!": "-0.1667em"}
CHAR_OPERATORS = {"+": "+", "-": MINUS, "=": "=", "<": "<", ">": ">", ",": ",", ";": ";", ":": ":", "/": "/",
                  "!": "!", "?": "?", "*": "∗", ".": ".", "−": MINUS, "×": "×", "·": "⋅", "⋅": "⋅", "…": "…",
                  "⊙": "⊙", "→": "→", "←": "←", "↔": "↔", "⇒": "⇒", "≥": "≥", "≤": "≤", "≠": "≠", "≈": "≈",
                  "±": "±", "∓": "∓", "∑": "∑", "∏": "∏", "√": "√", "∈": "∈", "∩": "∩", "∪": "∪", "∣": "∣",
                  "∘": "∘", "∗": "∗", "⋯": "⋯", "÷": "÷", "∕": "/"}
CHAR_ORDINARY = {"∂": "∂", "∞": "∞", "∇": "∇", "ℓ": "ℓ", "✓": "✓", "⊤": "⊤"}  # a bare # or % is TeX syntax
_FENCE_CHARS = "()[]|"
ENVIRONMENTS = {"bmatrix": ("[", "]"), "pmatrix": ("(", ")"), "vmatrix": ("|", "|"), "Bmatrix": ("{", "}"),
                "matrix": ("", ""), "cases": ("{", ""), "array": ("", ""), "aligned": ("", "")}

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\s+|.", re.S)


class _Atom:
    """One printed element and what it is, for spacing and scripts: 'ord', 'num', 'op', 'space', 'fn' (a function
    name: thin spaces around it, as TeX's \\mathop), 'open' / 'close' (a bracket), 'fenced' (\\left…\\right),
    'large' (∑ ∏: limits go under and over)."""

    __slots__ = ("xml", "kind")

    def __init__(self, xml: str, kind: str = "ord") -> None:
        self.xml, self.kind = xml, kind


class _TexParser:
    """Recursive descent over LaTeX tokens. Every construct it meets is either converted or refused."""

    def __init__(self, tex: str) -> None:
        self.tex = tex
        self.tokens = _TOKEN.findall(tex)
        self.i = 0

    # -- tokens --------------------------------------------------------------------------------------------
    def peek(self, skip_space: bool = True) -> str | None:
        j = self.i
        while skip_space and j < len(self.tokens) and self.tokens[j].isspace():
            j += 1
        return self.tokens[j] if j < len(self.tokens) else None

    def next(self, skip_space: bool = True) -> str:
        while skip_space and self.i < len(self.tokens) and self.tokens[self.i].isspace():
            self.i += 1
        if self.i >= len(self.tokens):
            raise LatexSubsetError(f"unexpected end of {self.tex!r}")
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def raw_group(self) -> str:
        """The text of a {...} argument exactly as written (for \\text, \\operatorname, \\begin)."""
        if self.next() != "{":
            raise LatexSubsetError(f"expected {{ in {self.tex!r}")
        depth = 1
        out: list[str] = []
        while True:
            tok = self.next(skip_space=False)
            if tok == "{":
                depth += 1
            elif tok == "}":
                depth -= 1
                if depth == 0:
                    return "".join(out)
            out.append(tok)

    # -- structure -----------------------------------------------------------------------------------------
    def parse(self) -> str:
        return _assemble(self.row(stops=()))  # a stray }, &, \\ or \end raises on the way

    def row(self, stops: tuple[str, ...]) -> list[_Atom]:
        atoms: list[_Atom] = []
        while True:
            tok = self.peek()
            if tok is None or tok in stops:
                return atoms
            if tok == "}":
                raise LatexSubsetError(f"unbalanced }} in {self.tex!r}")
            if tok == r"\right" and r"\right" not in stops:
                self.next()  # a \right whose \left is in another node (⌊ ... ⌋ split over Text nodes)
                atoms.append(_Atom(_mo(self.delimiter()), "close"))
                continue
            atoms.append(self.scripts(self.atom()))

    def group(self) -> str:
        """A macro argument: {...} or one token."""
        if self.peek() == "{":
            self.next()
            atoms = self.row(stops=("}",))
            self.expect("}")
            return _assemble(atoms)
        return self.atom(single=True).xml

    def expect(self, tok: str) -> None:
        got = self.next() if self.peek() is not None else None
        if got != tok:
            raise LatexSubsetError(f"expected {tok} in {self.tex!r}")

    def scripts(self, base: _Atom) -> _Atom:
        sub = sup = None
        primes = ""
        while (tok := self.peek()) in ("^", "_", "'"):  # TeX ignores spaces in math: x ^{2} is x^{2}
            self.next()
            if tok == "'":
                primes += "′"
            elif tok == "^":
                if sup is not None:
                    raise LatexSubsetError(f"double superscript in {self.tex!r}")
                sup = self.group()
            else:
                if sub is not None:
                    raise LatexSubsetError(f"double subscript in {self.tex!r}")
                sub = self.group()
        if primes:
            prime = _mo(primes, lspace="0", rspace="0")
            sup = prime if sup is None else _row([prime, sup])
        if sub is None and sup is None:
            return base
        large = base.kind == "large"
        if sub is not None and sup is not None:
            tag = "munderover" if large else "msubsup"
            return _Atom(_el(tag, base.xml + sub + sup), base.kind)
        if sub is not None:
            return _Atom(_el("munder" if large else "msub", base.xml + sub), base.kind)
        assert sup is not None
        return _Atom(_el("mover" if large else "msup", base.xml + sup), base.kind)

    def atom(self, single: bool = False) -> _Atom:
        tok = self.next()
        if tok == "{":
            atoms = self.row(stops=("}",))
            self.expect("}")
            return _Atom(_assemble(atoms))
        if _is_digit(tok):
            return _Atom(_mn(tok if single else tok + self.more_digits()), "num")
        if tok.isascii() and tok.isalpha():
            return _Atom(_mi(tok))
        if tok in ("^", "_"):  # a script with nothing before it: {}^{2}
            self.i -= 1
            return _Atom(_el("mrow"))
        if tok == "'":
            self.i -= 1
            return _Atom(_el("mrow"))
        if tok.startswith("\\"):
            return self.command(tok)
        return self.char(tok)

    def more_digits(self) -> str:
        out = ""
        while True:
            tok = self.peek(skip_space=False)
            if tok is not None and _is_digit(tok):
                out += self.next(skip_space=False)
            elif tok == "." and self.i + 1 < len(self.tokens) and _is_digit(self.tokens[self.i + 1]):
                out += self.next(skip_space=False)
            else:
                return out

    def char(self, tok: str) -> _Atom:
        if tok in _FENCE_CHARS:
            return _Atom(_mo(tok, stretchy="false"), "open" if tok in OPENING else "ord")
        if tok in CHAR_OPERATORS:
            return _Atom(_mo(CHAR_OPERATORS[tok]), "op")
        if tok in CHAR_ORDINARY:
            return _Atom(_mi(CHAR_ORDINARY[tok]))
        if tok in ("′", "″"):
            return _Atom(_mo(tok, lspace="0", rspace="0"))
        if tok == "~":
            return _Atom(_el("mspace", width=SPACES["~"]), "space")
        if len(tok) == 1 and not tok.isascii() and unicodedata.category(tok).startswith("L"):
            return _Atom(_mi(tok))  # σ, θ, ŷ typed directly in a symbol's text
        raise LatexSubsetError(f"character {tok!r} in {self.tex!r}")

    def delimiter(self) -> str:
        tok = self.next()
        if tok not in DELIMITERS:
            raise LatexSubsetError(f"delimiter {tok!r} in {self.tex!r}")
        return DELIMITERS[tok]

    def command(self, tok: str) -> _Atom:
        name = tok[1:]
        if tok in SPACES:
            return _Atom(_el("mspace", width=SPACES[tok]), "space")
        if name in GREEK:
            return _Atom(_mi(GREEK[name]))
        if name in ORDINARY:
            ch = ORDINARY[name]
            if name == "prime":
                return _Atom(_mo(ch, lspace="0", rspace="0"))
            return _Atom(_el("mi", escape(ch), mathvariant="normal") if name in UPRIGHT_ORDINARY else _mi(ch))
        if name in OPERATORS:
            return _Atom(_mo(OPERATORS[name]), "op")
        if tok in DELIMITERS and tok not in (r"\{", r"\}", r"\|"):
            ch = DELIMITERS[tok]
            return _Atom(_mo(ch, stretchy="false"), "open" if ch in OPENING else "ord")
        if tok in (r"\{", r"\}", r"\|"):
            return _Atom(_mo(DELIMITERS[tok], stretchy="false"), "open" if tok == r"\{" else "ord")
        if name in FUNCTION_NAMES:
            return _Atom(_el("mi", name, mathvariant="normal"), "fn")
        if name in LARGE_OPERATORS:
            return _Atom(_mo(LARGE_OPERATORS[name]), "large")
        if name in ACCENTS:
            base = self.group()
            return _Atom(_el("mover", base + _mo(ACCENTS[name]), accent="true"))
        handler = getattr(self, "cmd_" + name, None)
        if handler is None:
            raise LatexSubsetError(f"unknown command {tok} in {self.tex!r}")
        return handler()

    # -- commands with arguments ---------------------------------------------------------------------------
    def cmd_overline(self) -> _Atom:
        # A rule over the whole argument: Latin Modern Math has no stretchy overline, so ‾ over x⊙m stays short.
        return _Atom(_el("mrow", self.group(), style=OVERLINE_STYLE))

    def cmd_frac(self) -> _Atom:
        num = self.group()
        return _Atom(_el("mfrac", num + self.group()))

    cmd_tfrac = cmd_dfrac = cmd_frac

    def cmd_sqrt(self) -> _Atom:
        if self.peek() == "[":
            self.next()
            index = _assemble(self.row(stops=("]",)))
            self.expect("]")
            return _Atom(_el("mroot", self.group() + index))
        return _Atom(_el("msqrt", self.group()))

    def cmd_text(self) -> _Atom:
        raw = self.raw_group()
        if "\\" in raw or "$" in raw:
            raise LatexSubsetError(f"markup inside \\text in {self.tex!r}")
        return _Atom(_mtext(raw.replace("{", "").replace("}", "")))

    cmd_textrm = cmd_mbox = cmd_text

    def cmd_operatorname(self) -> _Atom:
        return _Atom(self._word(self.raw_group()), "fn")

    def cmd_mathrm(self) -> _Atom:
        return _Atom(self._word(self.raw_group()))

    def _word(self, raw: str) -> str:
        word = raw.strip()
        if not re.fullmatch(r"[A-Za-z0-9 ]+", word):
            raise LatexSubsetError(f"upright text {raw!r} in {self.tex!r}")
        return _el("mi", escape(word), mathvariant="normal")

    def _styled(self, style: str) -> _Atom:
        raw = self.raw_group().strip()
        if not raw or not raw.isascii() or not raw.isalnum():
            raise LatexSubsetError(f"{style}{{{raw}}} in {self.tex!r}")
        return _Atom(_el("mi", "".join(_STYLES[style](c) for c in raw)))

    def cmd_mathbf(self) -> _Atom:
        return self._styled(r"\mathbf")

    def cmd_boldsymbol(self) -> _Atom:
        return self._styled(r"\boldsymbol")

    def cmd_mathbb(self) -> _Atom:
        return self._styled(r"\mathbb")

    def cmd_mathcal(self) -> _Atom:
        return self._styled(r"\mathcal")

    def cmd_left(self) -> _Atom:
        left = self.delimiter()
        inner = self.row(stops=(r"\right",))
        if self.peek() is None:  # \left⌊ alone: its \right is in the next node
            return _Atom(_row([_mo(left)] + [a.xml for a in _spaced(inner)]), "open")
        self.expect(r"\right")
        return _Atom(_fenced([_assemble(inner)] if inner else [], left, self.delimiter()), "fenced")

    def cmd_begin(self) -> _Atom:
        env = self.raw_group().strip()
        if env not in ENVIRONMENTS:
            raise LatexSubsetError(f"environment {env} in {self.tex!r}")
        if env == "array":
            self.raw_group()  # the column spec
        rows: list[list[str]] = [[]]
        while True:
            cell = self.row(stops=("&", r"\\", r"\end"))
            rows[-1].append(_assemble(cell))
            tok = self.next()
            if tok == "&":
                continue
            if tok == r"\\":
                rows.append([])
                continue
            if self.raw_group().strip() != env:
                raise LatexSubsetError(f"\\begin{{{env}}} closed by another \\end in {self.tex!r}")
            break
        if rows[-1] == [_el("mrow")] and len(rows) > 1:
            rows.pop()  # a trailing \\
        left, right = ENVIRONMENTS[env]
        align = "left" if env in ("cases", "aligned", "array") else None
        return _Atom(_fenced([_table(rows, align)], left, right))


def _is_digit(tok: str) -> bool:
    return len(tok) == 1 and "0" <= tok <= "9"  # not str.isdigit: '²' is a digit to Python


def _spaced(atoms: list[_Atom]) -> Iterator[_Atom]:
    """The atoms with a function application (and a thin space unless a bracket follows) after each name, and a
    thin space before a name that follows a letter or number."""
    for k, a in enumerate(atoms):
        if a.kind == "fn" and k and atoms[k - 1].kind in ("ord", "num", "fenced", "close"):
            yield _Atom(THIN_SPACE)  # p_i ln q_i: TeX's thin space between an ordinary and an operator name
        yield a
        if a.kind == "fn" and k + 1 < len(atoms) and atoms[k + 1].kind not in ("op", "space", "close"):
            yield _Atom(_mo(FUNCTION_APPLICATION))
            if atoms[k + 1].kind not in ("open", "fenced"):
                yield _Atom(THIN_SPACE)


def _assemble(atoms: list[_Atom]) -> str:
    parts = [a.xml for a in _spaced(atoms)]
    return _row(parts) if parts else _el("mrow")


def latex_to_mathml(tex: str) -> str:
    """MathML (one element, no <math> wrapper) for LaTeX in the subset the bank and the solvers write.

    Raises LatexSubsetError for anything else: an unknown command, a character with no meaning here, braces
    that do not balance. Text is never evaluated, only matched against these tables."""
    return _TexParser(tex).parse()


# -- the printer -------------------------------------------------------------------------------------------------
FUNCTIONS: dict[str, str] = {
    "sigma": "σ", "σ": "σ", "sigmoid": "σ", "tanh": "tanh", "exp": "exp", "ln": "ln", "log": "log", "max": "max",
    "min": "min", "relu": "ReLU", "ReLU": "ReLU", "softmax": "softmax", "step": "H", "H": "H",
    "LeakyReLU": "LeakyReLU", "f": "f", "g": "g",
}
SUBSCRIPTED_FUNCTIONS = {"log₂": ("log", "2"), "log₁₀": ("log", "10"), "log2": ("log", "2"),
                         "log10": ("log", "10")}
ITALIC_FUNCTIONS = {"f", "g", "σ", "H"}  # written as variables in LaTeX too (f, g, \sigma, H)
RELATIONS = {"=": "=", "≥": "≥", "≤": "≤", "≠": "≠", "→": "→", "<": "<", ">": ">", "←": "←", ">=": "≥",
             "<=": "≤", "!=": "≠", "->": "→", "<-": "←", "≈": "≈", "‖": "‖", "⇒": "⇒"}
BIG_OPERATORS = {"Σ": "∑", "Π": "∏"}
_IDENTIFIER = re.compile(r"([A-Za-z][A-Za-z0-9]*)(?:_([A-Za-z0-9]+))?")
_SCIENTIFIC = re.compile(r"(-?)(\d+(?:\.\d+)?)(?:×10([⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)|e([-+]?\d+))")
_PLAIN_NUMBER = re.compile(r"(-?)(\d+(?:\.\d+)?)")
_FROM_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")


class MathMLPrinter:
    """Expression tree → presentation MathML. `digits` rounds numbers as `format_number` does; `None` prints
    them at full precision. Symbols whose LaTeX is outside the known subset are printed as their plain text and
    listed in `fallbacks` (the bank never needs one; a test makes sure)."""

    def __init__(self, digits: int | None = DEFAULT_DIGITS) -> None:
        if digits is not None and digits < 1:
            raise ValueError("digits must be at least 1")
        self.digits = digits
        self.fallbacks: list[str] = []

    # -- entry points ------------------------------------------------------------------------------------------
    def doprint(self, expr: Any) -> str:
        expr = as_expr(expr)
        return getattr(self, "_print_" + type(expr).__name__)(expr)

    def math(self, expr_or_str_inner: Expr | str, display: bool = False) -> str:
        """The <math> element around an expression, or around MathML already printed (a str)."""
        inner = expr_or_str_inner if isinstance(expr_or_str_inner, str) else self.doprint(expr_or_str_inner)
        attrs = ' display="block"' if display else ""
        return f'<math xmlns="{MATHML_NS}"{attrs}>{inner}</math>'

    def value(self, value: Any) -> str:
        """A step's value: a number, a vector (a column), a matrix, or `name: value, …` for a mapping."""
        if isinstance(value, dict):
            parts: list[str] = []
            for k, (name, v) in enumerate(value.items()):
                if k:
                    parts += [_mo(","), _el("mspace", width="0.3333em")]
                parts += [self._plain_symbol(str(name)), _mo(":"), self.value(v)]
            return _row(parts) if parts else _el("mrow")
        return self._print_Num(Num(value))

    def number(self, x: Any) -> str:
        """A scalar as MathML: <mn>, with a leading <mo>−</mo> when negative, and ×10 with a raised exponent."""
        return _number_xml(self._number_text(x))

    # -- helpers -------------------------------------------------------------------------------------------------
    def _number_text(self, x: Any) -> str:
        if self.digits is not None:
            return format_number(x, self.digits)
        if isinstance(x, str):
            return x
        if isinstance(x, (bool, np.bool_)):
            return str(int(x))
        if isinstance(x, (int, np.integer)):
            return str(int(x))
        try:
            xf = float(x)
        except (TypeError, ValueError):
            return str(x)
        if xf != xf or xf in (float("inf"), float("-inf")):
            return format_number(xf)
        return str(int(xf)) if xf.is_integer() and abs(xf) < 1e16 else repr(xf)

    def prec(self, e: Expr) -> int:
        return precedence(e)

    def wrap(self, e: Expr, min_prec: int) -> str:
        s = self.doprint(e)
        return _fenced([s]) if self.prec(e) < min_prec else s

    def _latex(self, tex: str, plain: str) -> str:
        try:
            return latex_to_mathml(tex)
        except LatexSubsetError:
            self.fallbacks.append(tex)
            return _mi(plain) if len(plain) == 1 else _mtext(plain)

    def _plain_symbol(self, text: str) -> str:
        """A symbol that has no LaTeX of its own: `x`, `TP`, `p_i`, `h_0`, `num_grad`, `f(x + h)`."""
        m = _IDENTIFIER.fullmatch(text)
        if m:
            base, sub = m.groups()
            if sub is None:
                return _mi(base)
            if len(sub) <= 2:
                return _el("msub", _mi(base) + latex_to_mathml(sub))
            return _mi(text)  # num_grad, rel_error: a name, not a subscripted letter
        return self._latex(text, text)

    def _is_scientific(self, e: Expr) -> bool:
        return isinstance(e, Num) and np.ndim(e.value) == 0 and "×10" in self._number_text(_scalar(e.value))

    # -- nodes ---------------------------------------------------------------------------------------------------
    def _print_Sym(self, e: Sym) -> str:
        if e.latex is None:
            return self._plain_symbol(e.text)
        return self._latex(e.latex, e.text)

    def _print_Text(self, e: Text) -> str:
        if e.latex is None:
            return _mtext(e.text)
        return self._latex(e.latex, e.text)

    def _print_Num(self, e: Num) -> str:
        v = e.value
        if isinstance(v, (list, tuple)):
            try:
                v = np.asarray(v, dtype=float)
            except (TypeError, ValueError):
                v = np.asarray(v, dtype=object)
        if isinstance(v, np.ndarray) and v.ndim > 0:
            if v.ndim > 2:
                return _mtext(f"array {'×'.join(map(str, v.shape))}")
            a = v.reshape(-1, 1) if v.ndim == 1 else v
            return _fenced([_table([[self.number(x) for x in row] for row in a])], "[", "]")
        return self.number(_scalar(v))

    def _print_Matrix(self, e: Matrix) -> str:
        # Rows that are equations (y_11 = 0·1 + ...) read best lined up on the left, as the terminal shows them.
        align = "left" if any(isinstance(c, Rel) for row in e.rows for c in row) else None
        return _fenced([_table([[self.doprint(c) for c in row] for row in e.rows], align)], "[", "]")

    def _print_Add(self, e: Add) -> str:
        parts: list[str] = []
        for k, t in enumerate(e.terms):
            negative, magnitude = _split_sign(t)
            if k == 0:
                parts += [_mo(MINUS), self.wrap(magnitude, PREC_MUL)] if negative else [self.wrap(t, PREC_ADD)]
            else:
                parts += [_mo(MINUS if negative else "+"), self.wrap(magnitude, PREC_ADD + 1)]
        return _row(parts) if parts else _el("mrow")

    def _print_Neg(self, e: Neg) -> str:
        if _is_neg_num(e.arg):  # −(−0.417), never −−0.417
            return _row([_mo(MINUS), _fenced([self.doprint(e.arg)])])
        return _row([_mo(MINUS), self.wrap(e.arg, PREC_MUL + 1)])

    def _print_Mul(self, e: Mul) -> str:
        sep = {"·": "⋅", "": INVISIBLE_TIMES, " ": INVISIBLE_TIMES, "⊙": "⊙", "×": "×"}.get(e.op, e.op)
        parts: list[str] = []
        for k, f in enumerate(e.factors):
            if k:
                parts.append(_mo(sep))
            if (k and _is_neg_num(f)) or (len(e.factors) > 1 and self._is_scientific(f)):
                parts.append(_fenced([self.doprint(f)]))  # 0.5⋅(−0.4), 0.999⋅(9×10⁻⁵)
            else:
                parts.append(self.wrap(f, PREC_MUL + 1 if k else PREC_MUL))
        return _row(parts) if parts else _el("mrow")

    def _print_Div(self, e: Div) -> str:
        return _el("mfrac", self.doprint(e.num) + self.doprint(e.den))

    def _print_Pow(self, e: Pow) -> str:
        base = _fenced([self.doprint(e.base)]) if self._is_scientific(e.base) else self.wrap(e.base, PREC_POW + 1)
        return _el("msup", base + self.doprint(e.exp))

    def _print_Call(self, e: Call) -> str:
        if e.fn in ("√", "sqrt") and len(e.args) == 1:
            return _el("msqrt", self.doprint(e.args[0]))
        brackets = {"abs": ("|", "|"), "ceil": ("⌈", "⌉"), "floor": ("⌊", "⌋")}
        if e.fn in brackets and len(e.args) == 1:
            return _fenced([self.doprint(e.args[0])], *brackets[e.fn])
        args: list[str] = []
        for k, a in enumerate(e.args):
            if k:
                args.append(_mo(","))
            args.append(self.doprint(a))
        return _el("mrow", self._function_name(e.fn) + _mo(FUNCTION_APPLICATION) + _fenced(args))

    def _function_name(self, fn: str) -> str:
        """σ, tanh, ReLU, log₂, ReLU′ … as LatexPrinter's FUNCTIONS writes them; any other name upright."""
        for prime in ("′", "'"):
            if fn.endswith(prime) and len(fn) > 1:
                return _el("msup", self._function_name(fn[:-1]) + _mo("′", lspace="0", rspace="0"))
        if fn in SUBSCRIPTED_FUNCTIONS:
            name, sub = SUBSCRIPTED_FUNCTIONS[fn]
            return _el("msub", _mi(name) + _mn(sub))
        name = FUNCTIONS.get(fn, fn)
        if len(name) == 1 and name not in ITALIC_FUNCTIONS:
            return _el("mi", escape(name), mathvariant="normal")  # \operatorname{x} is upright
        return _mi(name)

    def _print_Paren(self, e: Paren) -> str:
        return _fenced([self.doprint(e.arg)])

    def _print_Rel(self, e: Rel) -> str:
        return _el("mrow", self.doprint(e.lhs) + _mo(RELATIONS.get(e.op, e.op)) + self.doprint(e.rhs))

    def _print_BigOp(self, e: BigOp) -> str:
        op = _mo(BIG_OPERATORS[e.op], largeop="true", movablelimits="false") if e.op in BIG_OPERATORS \
            else _el("mi", escape(e.op), mathvariant="normal")
        lower = self.doprint(e.lower) if e.lower is not None else None
        upper = self.doprint(e.upper) if e.upper is not None else None
        if lower is not None and upper is not None:
            head = _el("munderover", op + lower + upper)
        elif lower is not None:
            head = _el("munder", op + lower)
        elif upper is not None:
            head = _el("mover", op + upper)
        else:
            head = op
        return _row([head, self.wrap(e.body, PREC_MUL)])

    def _print_Cases(self, e: Cases) -> str:
        rows = [[self.doprint(v), _row([_mtext("if"), _el("mspace", width="0.5em"), self.doprint(c)])]
                for v, c in e.rows]
        return _row([_mo("{", stretchy="true"), _table(rows, "left")])


def _scalar(v: Any) -> Any:
    return v.item() if isinstance(v, np.ndarray) else v


def _number_xml(text: str) -> str:
    """A number as format_number wrote it → MathML: '-0.4' → −, 0.4; '9×10⁻⁵' → 9 × 10 raised to −5."""
    if m := _PLAIN_NUMBER.fullmatch(text):
        sign, digits = m.groups()
        return _row(([_mo(MINUS)] if sign else []) + [_mn(digits)])
    if m := _SCIENTIFIC.fullmatch(text):
        sign, mantissa, sup, exp = m.groups()
        exponent = sup.translate(_FROM_SUPERSCRIPT) if sup is not None else str(int(exp))
        exp_xml = _row(([_mo(MINUS)] if exponent.startswith("-") else []) + [_mn(exponent.lstrip("+-"))])
        parts = [_mn(mantissa), _mo("×"), _el("msup", _mn("10") + exp_xml)]
        return _row(([_mo(MINUS)] if sign else []) + parts)
    if text in ("∞", "-∞"):
        return _row(([_mo(MINUS)] if text.startswith("-") else []) + [_mi("∞")])
    if text == "NaN":
        return _mi("NaN")
    if text == "—":
        return _mo("—")
    return _mtext(text)
