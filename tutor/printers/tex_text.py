"""Prose → LaTeX text that pdflatex sets without complaint: titles, prompts, explanations, notes, picture labels.

The sheets' preamble has `\\usepackage[T1]{fontenc}`, `\\usepackage[utf8]{inputenc}`, `amsmath` and `amssymb`,
and nothing else. The bank's prose is written for the terminal, in Unicode (σ(z₁) ≥ 0, h_{t−1}, “quoted”), so
every character is either passed through (printable ASCII), escaped (the ten characters TeX gives a meaning),
or mapped to LaTeX from a table: math characters go in `\\ensuremath{…}` so that they work in a paragraph and
in a caption alike. Runs of super- and subscript characters become one script (10⁻⁵ → 10\\ensuremath{^{-5}}),
a combining accent hats the letter before it (m̂ → \\ensuremath{\\hat{m}}). A character no table knows
becomes `?`: a sheet with a question mark in it is better than a sheet that does not compile. Newlines are kept,
so a blank line in a prompt stays a paragraph break (and so does not belong in a \\section title).
"""

from __future__ import annotations

import unicodedata

UNKNOWN = "?"

ESCAPES = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "^": r"\textasciicircum{}", "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}",
}

# Text-mode characters (T1 fonts have them, or the kernel builds them).
TEXT = {
    "“": "``", "”": "''", "‘": "`", "’": "'", "‚": ",", "„": ",,", "«": r"\guillemotleft{}",
    "»": r"\guillemotright{}", "—": "---", "–": "--", "‐": "-", "‑": "-", "…": r"\ldots{}", "•": r"\textbullet{}",
    "\u00a0": "~", "\u2009": r"\,", "\u202f": r"\,", "\u2002": r"\enskip{}", "\u2003": r"\quad{}",
    "\u200b": "", "\u00ad": r"\-", "§": r"\S{}", "¶": r"\P{}", "©": r"\copyright{}", "†": r"\dag{}",
    "‡": r"\ddag{}", "ß": r"\ss{}", "æ": r"\ae{}", "Æ": r"\AE{}", "œ": r"\oe{}", "Œ": r"\OE{}", "ø": r"\o{}",
    "Ø": r"\O{}", "å": r"\aa{}", "Å": r"\AA{}", "ł": r"\l{}", "Ł": r"\L{}", "ı": r"\i{}", "¿": r"?`", "¡": r"!`",
    "②": r"\textcircled{2}", "①": r"\textcircled{1}", "③": r"\textcircled{3}", "④": r"\textcircled{4}",
    "\t": " ", "\n": "\n", "\r": "",
}

# Math characters, each set in \ensuremath (amsmath and amssymb provide all of them).
MATH = {
    # Greek
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon", "ϵ": r"\epsilon",
    "ζ": r"\zeta", "η": r"\eta", "θ": r"\theta", "ϑ": r"\vartheta", "ι": r"\iota", "κ": r"\kappa",
    "λ": r"\lambda", "μ": r"\mu", "µ": r"\mu", "ν": r"\nu", "ξ": r"\xi", "ο": "o", "π": r"\pi", "ρ": r"\rho",
    "σ": r"\sigma", "ς": r"\varsigma", "τ": r"\tau", "υ": r"\upsilon", "φ": r"\varphi", "ϕ": r"\phi",
    "χ": r"\chi", "ψ": r"\psi", "ω": r"\omega",
    "Γ": r"\Gamma", "Δ": r"\Delta", "Θ": r"\Theta", "Λ": r"\Lambda", "Ξ": r"\Xi", "Π": r"\Pi", "Σ": r"\Sigma",
    "Υ": r"\Upsilon", "Φ": r"\Phi", "Ψ": r"\Psi", "Ω": r"\Omega",
    **{g: rf"\mathrm{{{latin}}}" for g, latin in zip("ΑΒΕΖΗΙΚΜΝΟΡΤΧ", "ABEZHIKMNOPTX")},  # capitals that look Latin
    # operators and relations
    "−": "-", "·": r"\cdot", "⋅": r"\cdot", "×": r"\times", "÷": r"\div", "±": r"\pm", "∓": r"\mp",
    "⊙": r"\odot", "⊗": r"\otimes", "⊕": r"\oplus", "∘": r"\circ", "∗": r"\ast", "∕": "/", "⁄": "/",
    "→": r"\to", "←": r"\leftarrow", "↔": r"\leftrightarrow", "⇒": r"\Rightarrow", "⇐": r"\Leftarrow",
    "⇔": r"\Leftrightarrow", "↦": r"\mapsto", "↑": r"\uparrow", "↓": r"\downarrow", "≥": r"\geq", "≤": r"\leq",
    "≠": r"\neq", "≈": r"\approx", "≡": r"\equiv", "∼": r"\sim", "≃": r"\simeq", "∝": r"\propto", "≪": r"\ll",
    "≫": r"\gg", "∈": r"\in", "∉": r"\notin", "⊂": r"\subset", "⊆": r"\subseteq", "∩": r"\cap", "∪": r"\cup",
    "∧": r"\wedge", "∨": r"\vee", "¬": r"\neg", "∀": r"\forall", "∃": r"\exists", "∅": r"\emptyset",
    "∖": r"\setminus", "∣": r"\mid", "‖": r"\|", "⊤": r"\top", "⊥": r"\bot", "′": "'", "″": "''",
    "°": r"^{\circ}",
    # big operators and symbols
    "∑": r"\sum", "∏": r"\prod", "∫": r"\int", "√": r"\surd", "∂": r"\partial", "∇": r"\nabla", "∞": r"\infty",
    "ℓ": r"\ell", "ℝ": r"\mathbb{R}", "ℕ": r"\mathbb{N}", "ℤ": r"\mathbb{Z}", "ℚ": r"\mathbb{Q}",
    "ℂ": r"\mathbb{C}", "𝔼": r"\mathbb{E}", "⌈": r"\lceil", "⌉": r"\rceil", "⌊": r"\lfloor", "⌋": r"\rfloor",
    "⟨": r"\langle", "⟩": r"\rangle", "⋂": r"\bigcap", "⋃": r"\bigcup", "⋆": r"\star", "∙": r"\bullet",
    "⟹": r"\Longrightarrow", "⟺": r"\Longleftrightarrow", "●": r"\bullet", "○": r"\circ", "■": r"\blacksquare",
    "□": r"\square", "⋯": r"\cdots", "⋮": r"\vdots", "⋱": r"\ddots", "✓": r"\checkmark",
    "✗": r"\times", "✔": r"\checkmark", "½": r"\tfrac{1}{2}", "¼": r"\tfrac{1}{4}", "¾": r"\tfrac{3}{4}",
    "⅓": r"\tfrac{1}{3}", "ŷ": r"\hat{y}", "ẑ": r"\hat{z}", "x̂": r"\hat{x}", "ĉ": r"\hat{c}",
    # terminal drawing that might reach a label
    "─": "-", "│": "|", "⎡": "[", "⎢": "|", "⎣": "[", "⎤": "]", "⎥": "|", "⎦": "]", "⎛": "(", "⎜": "|",
    "⎝": "(", "⎞": ")", "⎟": "|", "⎠": ")",
}

SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵀᵏᵗᴸᶻᵇˣᵃᵈᵉᵍʰʲᵐᵒᵖʳˢᵘᵛʷʸᴬᴮᴰᴱᴳᴴᴵᴶᴷᴹᴺᴼᴾᴿᵁⱽᵂᶜᶠ",
                        "0123456789+-=()niTktLzbxadeghjmoprsuvwyABDEGHIJKMNOPRUVWcf", strict=True))
SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ", "0123456789+-=()aeoxhklmnpstijruv", strict=True))
COMBINING = {"\u0302": r"\hat", "\u0303": r"\tilde", "\u0304": r"\bar", "\u0305": r"\overline",
             "\u0307": r"\dot", "\u0308": r"\ddot", "\u20d7": r"\vec"}
# Accents of Latin letters in text (é, ü, ñ, ç …), by Unicode decomposition.
TEXT_ACCENTS = {"\u0301": "'", "\u0300": "`", "\u0302": "^", "\u0308": '"', "\u0303": "~", "\u0304": "=",
                "\u0307": ".", "\u030a": "r", "\u030c": "v", "\u0306": "u", "\u030b": "H", "\u0327": "c",
                "\u0328": "k"}


def tex_text(s: str) -> str:
    """`s` as LaTeX text for pdflatex (T1, utf8 inputenc, amsmath, amssymb); unknown characters become `?`."""
    pieces: list[tuple[bool, str]] = []  # (is_math, latex)
    i = 0
    while i < len(s):
        ch = s[i]
        nxt = s[i + 1] if i + 1 < len(s) else ""
        if nxt in COMBINING and (ch.isalpha() or ch.isdigit()):
            pieces.append((True, f"{COMBINING[nxt]}{{{_math_letter(ch)}}}"))
            i += 2
            continue
        for table, script in ((SUPERSCRIPTS, "^"), (SUBSCRIPTS, "_")):
            if ch in table:
                j = i
                while j < len(s) and s[j] in table:
                    j += 1
                pieces.append((True, f"{script}{{{''.join(table[c] for c in s[i:j])}}}"))
                i = j
                break
        else:
            pieces.append(_one(ch))
            i += 1
    return _join(pieces)


def _one(ch: str) -> tuple[bool, str]:
    if ch in ESCAPES:
        return False, ESCAPES[ch]
    if " " <= ch <= "~":
        return False, ch
    if ch in TEXT:
        return False, TEXT[ch]
    if ch in MATH:
        return True, MATH[ch]
    if ch in COMBINING:  # an accent with nothing to sit on
        return False, ""
    return False, _accented(ch)


def _accented(ch: str) -> str:
    """é → \\'{e}, ü → \\"{u}: a Latin letter with accents T1 can draw; anything else is unknown."""
    decomposed = unicodedata.normalize("NFD", ch)
    base, marks = decomposed[0], decomposed[1:]
    if not ("A" <= base <= "Z" or "a" <= base <= "z") or not marks or any(m not in TEXT_ACCENTS for m in marks):
        return UNKNOWN
    out = r"\i{}" if base == "i" else base
    for m in marks:
        out = f"\\{TEXT_ACCENTS[m]}{{{out}}}"
    return out


def _math_letter(ch: str) -> str:
    if ch in MATH:
        return MATH[ch]
    if ch.isascii():
        return ch
    return UNKNOWN


def _join(pieces: list[tuple[bool, str]]) -> str:
    """Text as it is; neighbouring math pieces in one \\ensuremath, so η₁ sets as \\eta_{1}, not η then ₁."""
    out: list[str] = []
    run: list[str] = []
    for is_math, tex in pieces:
        if is_math:
            # Two scripts of the same kind in a row (x₁ then ′'s ^ after ^{2}) would be a TeX error: {} between.
            if run and _clashes(run[-1], tex):
                run.append("{}")
            run.append(tex)
            continue
        if run:
            out.append(r"\ensuremath{" + _math_run(run) + "}")
            run = []
        out.append(tex)
    if run:
        out.append(r"\ensuremath{" + _math_run(run) + "}")
    return "".join(out)


def _clashes(before: str, tex: str) -> bool:
    """Would `tex` put a second script of one kind on the same base (x² then ³, or ² then ′ = ^{\\prime})?"""
    if tex[:1] == "'" or tex[:1] == "^":
        return before[:1] in "^'"
    return tex[:1] == "_" and before[:1] == "_"


def _math_run(run: list[str]) -> str:
    # A control word followed by a letter would merge into another name (\eta then x → \etax): a space ends it.
    out = ""
    for tex in run:
        if out and out[-1].isalpha() and _ends_in_control_word(out) and tex[:1].isalpha():
            out += " "
        out += tex
    return out


def _ends_in_control_word(tex: str) -> bool:
    k = len(tex)
    while k and tex[k - 1].isalpha():
        k -= 1
    return k > 0 and tex[k - 1] == "\\"
