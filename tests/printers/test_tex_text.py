"""Prose as pdflatex text: TeX's special characters escaped, every character the bank writes mapped, the rest `?`,
and a document of the whole bank's prose compiles."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from functools import lru_cache
from pathlib import Path

import pytest

from tutor.api import solve
from tutor.bank import builtin_bank, load_bank
from tutor.printers.tex_text import MATH, SUBSCRIPTS, SUPERSCRIPTS, TEXT, tex_text
from tutor.registry import get_kind

PREAMBLE = r"""\documentclass{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{amsmath}
\usepackage{amssymb}
\tracinglostchars=2
\begin{document}
"""


@lru_cache(maxsize=1)
def bank_prose() -> tuple[tuple[str, ...], ...]:
    """Per problem: title, prompt, source, kind title, step titles, explanations, notes, conventions, the notes'
    slips and what they wrote, and the givens' meanings: every piece of prose a sheet prints."""
    bank = load_bank()
    assert not bank.errors
    out = []
    for p in bank.problems:
        s = solve(p)
        texts = [p.title, p.prompt or "", p.source_text(), get_kind(p.kind).title]
        for key, step in s.steps.items():
            texts += [step.title, s.explanation(key)]
        texts += s.notes + s.conventions + [g.meaning for g in s.givens.values()]
        texts += [n.slip for n in s.notes_say] + [n.notes_text for n in s.notes_say]
        out.append(tuple(t for t in texts if t))
    return tuple(out)


def bank_characters() -> set[str]:
    chars = {ch for texts in bank_prose() for t in texts for ch in t if not ch.isascii()}
    for path in Path(builtin_bank()).rglob("*.yaml"):  # comments and fields a sheet may print one day
        chars |= {ch for ch in path.read_text(encoding="utf-8") if not ch.isascii()}
    return chars


def test_tex_specials_are_escaped():
    assert tex_text(r"\{}$&#^_%~") == (r"\textbackslash{}\{\}\$\&\#\textasciicircum{}\_\%\textasciitilde{}")
    assert tex_text("h_{t-1} at 50% & e^x") == r"h\_\{t-1\} at 50\% \& e\textasciicircum{}x"
    assert tex_text("plain ASCII: a < b, [1, 2] (ok)!") == "plain ASCII: a < b, [1, 2] (ok)!"


def test_every_character_the_bank_writes_is_mapped():
    chars = bank_characters()
    assert {"σ", "−", "₁", "≥", "…"} <= chars  # the walk really read the bank's prose
    unmapped = []
    for ch in sorted(chars):
        sample = "x" + ch if unicodedata.combining(ch) else ch  # an accent is tested on a letter
        out = tex_text(sample)
        if "?" in out or not out.isascii():
            unmapped.append(f"U+{ord(ch):04X} {unicodedata.name(ch, '?')}: {out!r}")
    assert not unmapped, "characters with no LaTeX:\n" + "\n".join(unmapped)


def test_unknown_characters_become_question_marks():
    assert tex_text("漢字 ok") == "?? ok"
    assert tex_text("a\x00b\x7fc") == "a?b?c"
    assert tex_text("🙂") == "?"


@pytest.mark.parametrize("text, tex", [
    ("σ(z) ≥ 0", r"\ensuremath{\sigma}(z) \ensuremath{\geq} 0"),
    ("h_{t−1}", r"h\_\{t\ensuremath{-}1\}"),
    ("10⁻⁵", r"10\ensuremath{^{-5}}"),
    ("W⁽ᵏ⁾", r"W\ensuremath{^{(k)}}"),
    ("η₁", r"\ensuremath{\eta_{1}}"),  # a Greek letter and its subscript in one piece of math
    ("x₁₂", r"x\ensuremath{_{12}}"),
    ("m̂_t", r"\ensuremath{\hat{m}}\_t"),  # combining circumflex
    ("ŷ", r"\ensuremath{\hat{y}}"),
    ("x²′", r"x\ensuremath{^{2}{}'}"),  # a prime after a superscript is not a double superscript
    ("Δθ", r"\ensuremath{\Delta\theta}"),
    ("“yes” — no – maybe…", r"``yes'' --- no -- maybe\ldots{}"),
    ("café über", r"caf\'{e} \"{u}ber"),
    ("½", r"\ensuremath{\tfrac{1}{2}}"),
])
def test_mappings(text, tex):
    assert tex_text(text) == tex


def _pdflatex(tmp_path: Path, body: str) -> str:
    (tmp_path / "sheet.tex").write_text(PREAMBLE + body + "\n\\end{document}\n", encoding="utf-8")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "sheet.tex"], cwd=tmp_path,
                         capture_output=True, timeout=120)
    log = (tmp_path / "sheet.log").read_text(encoding="latin-1")
    errors = [line for line in log.splitlines() if line.startswith("!") or "Missing character" in line]
    assert run.returncode == 0 and not errors, "\n".join(errors) or run.stdout[-2000:].decode("latin-1")
    return log


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed (texlive)")
def test_the_bank_prose_and_every_table_entry_compile(tmp_path):
    parts = []
    for texts in bank_prose():
        parts.append(r"\section*{" + tex_text(texts[0]) + "}")
        parts += [tex_text(t) + r"\par" for t in texts[1:]]
    every = "".join(MATH) + " " + "".join(TEXT).replace("\n", " ") + " " + "".join(SUPERSCRIPTS) + " " + \
        "".join(SUBSCRIPTS) + " x\u0302 y\u0303 é è ê ë ñ ç ü ö ä Å ø ß"
    parts.append(r"\section*{" + tex_text(every) + "}" + tex_text(every))
    log = _pdflatex(tmp_path, "\n".join(parts))
    assert "Output written on sheet.pdf" in log
