"""Step sheets as a LaTeX document that compiles with pdflatex (amsmath, amssymb, tikz; no shell escape).

Expressions go through `LatexPrinter`, prose through `tex_text` (which turns the bank's Unicode, σ, θ₁, ∂, −,
into LaTeX that pdflatex accepts), pictures through the TikZ backend. Each problem starts on a new page.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from tutor.engine.expr import Expr
from tutor.printers.latex import LatexPrinter
from tutor.printers.markdown import aligned
from tutor.printers.sheet import Chain, DerivationRow, SheetPrinter

if TYPE_CHECKING:
    from tutor.pictures.scene import Scene

PREAMBLE = r"""\documentclass[11pt,a4paper]{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\IfFileExists{lmodern.sty}{\usepackage{lmodern}}{}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{tikz,graphicx}
\usepackage{array,booktabs,longtable}
\usepackage[hidelinks]{hyperref}
\allowdisplaybreaks
\emergencystretch=2em
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5em}
\setcounter{MaxMatrixCols}{20}
% A formula or picture wider than the line is scaled down to fit, never run off the page.
\newsavebox{\tutorbox}
\newcommand{\tutorfit}[1]{\sbox{\tutorbox}{#1}%
  \ifdim\wd\tutorbox>\linewidth\resizebox{\linewidth}{!}{\usebox{\tutorbox}}\else\usebox{\tutorbox}\fi}
"""


# A long unbroken token in prose (torch.nn.functional.scaled_dot_product_attention) may break after . _ / (
_LONG_TOKEN = re.compile(r"\S{24,}")
_BREAK_AFTER = re.compile(r"(\\_|\.|/|\()(?=[A-Za-z])")


def text(s: str) -> str:
    from tutor.printers.tex_text import tex_text

    return _LONG_TOKEN.sub(lambda m: _BREAK_AFTER.sub(r"\1\\allowbreak{}", m.group()), tex_text(s))


# A run of non-ASCII characters (with the letter a combining accent sits on) left in the LaTeX of a formula.
_UNICODE_RUN = re.compile(r"(?:[A-Za-z](?=[\u0300-\u036f]))?[^\x00-\x7f]+")


def math(s: str) -> str:
    """LaTeX math with any Unicode the solvers wrote into it (∂f/∂x as a function name, θ₁ inside \\text{})
    made safe for pdflatex: each run goes through `tex_text` inside \\text{}, which works in math and text mode
    alike (and its math characters are \\ensuremath'd)."""
    if s.isascii():
        return s
    return _UNICODE_RUN.sub(lambda m: r"\text{" + text(m.group()) + "}", s)


def fit(math_tex: str) -> str:
    """Display math, centred, scaled down only if it is wider than the line (a 4×5 matrix product is)."""
    return "\\begin{center}\\tutorfit{$\\displaystyle " + math_tex + "$}\\end{center}"


class SafeLatex(LatexPrinter):
    """The LaTeX printer, with what it writes made safe for pdflatex (see `math`)."""

    def doprint(self, expr: Any) -> str:
        return math(super().doprint(expr))

    def value(self, value: Any) -> str:
        return math(super().value(value))


class TexPrinter(SheetPrinter):
    ext = "tex"

    def set_digits(self, digits: int) -> None:
        self.latex = SafeLatex(digits=digits)

    def wrap(self, title: str, bodies: list[str]) -> str:
        head = PREAMBLE + r"\hypersetup{pdftitle={" + text(title) + "}}\n" + r"\begin{document}" + "\n\n"
        return head + "\n\n\\clearpage\n\n".join(bodies) + "\n\n\\end{document}\n"

    def heading(self, s: str, level: int) -> str:
        command = {1: "section*", 2: "subsection*"}.get(level, "subsubsection*")
        return f"\\{command}{{{text(s)}}}"

    def meta(self, s: str) -> str:
        return r"{\small\itshape " + text(s) + "}"

    def para(self, s: str) -> str:
        return text(s)

    def explanation(self, s: str) -> str:
        return r"\begin{quote}\small\itshape " + text(s) + r"\end{quote}"

    def bullets(self, items: list[str]) -> str:
        return "\\begin{itemize}\n" + "\n".join(r"\item " + text(i) for i in items) + "\n\\end{itemize}"

    def bullets_math(self, exprs: list[Expr], blank: bool = False) -> str:
        tail = r" = \underline{\hspace{8em}}" if blank else ""
        items = [r"\item $\displaystyle " + self.latex.doprint(e) + tail + "$" for e in exprs]
        return "\\begin{itemize}\n" + "\n".join(items) + "\n\\end{itemize}"

    def equation(self, symbol: Expr, value: Any) -> str:
        return self.latex.doprint(symbol) + " = " + self.latex.value(value)

    def givens(self, pairs: list[tuple[Expr, Any]]) -> str:
        items = [r"\item $\displaystyle " + self.equation(sym, v) + "$" for sym, v in pairs]
        return "\\begin{itemize}\n" + "\n".join(items) + "\n\\end{itemize}"

    def answers(self, pairs: list[tuple[Expr, Any]]) -> str:
        return "\n".join(fit(r"\boxed{" + self.equation(sym, v) + "}") for sym, v in pairs)

    def step_heading(self, number: int, title: str, key: str) -> str:
        return (r"\subsubsection*{Step " + str(number) + ". " + text(title) + r" {\normalfont\small\ttfamily ["
                + text(key) + "]}}")

    def chain(self, c: Chain) -> str:
        return fit(aligned(c, self.latex))

    def blank(self, lhs: Expr) -> str:
        return (r"\vspace{3.5em}\begin{align*}" + self.latex.doprint(lhs) + r" &= \underline{\hspace{18em}}"
                + r"\end{align*}")

    def key_table(self, rows: list[tuple[str, str, Expr, Any, bool]]) -> str:
        out = [r"\begin{longtable}{@{}l p{0.32\linewidth} p{0.52\linewidth}@{}}", r"\toprule",
               r"Step & & Value \\", r"\midrule"]
        for number, title, symbol, value, is_answer in rows:
            cell = self.latex.doprint(symbol) + " = " + self.latex.value(value)
            if is_answer:
                cell = r"\boxed{" + cell + "}"
            out.append(f"{text(number)} & {text(title)} & \\tutorfit{{${cell}$}} \\\\")
        out += [r"\bottomrule", r"\end{longtable}"]
        return "\n".join(out)

    def pictures(self, heading: str, pictures: list[str]) -> str:
        # a minipage does not break: the heading stays on the page of the first picture
        first = r"\par\noindent\begin{minipage}{\linewidth}" + self.heading(heading, 2) + "\n" + pictures[0] + \
            r"\end{minipage}\par"
        return self.join([first, *pictures[1:]])

    def picture(self, scene: "Scene", name: str) -> str:
        from tutor.pictures.tikz import to_tikz

        caption = "\n\n{\\small\\itshape " + text(scene.caption) + "}" if scene.caption else ""
        return (r"\begin{center}" + "\n{\\bfseries " + text(scene.title) + "}\\\\[0.5em]\n\\tutorfit{"
                + to_tikz(scene) + "}\n" + r"\end{center}" + caption)

    def derivation_chain(self, start: Expr, rows: list[DerivationRow]) -> str:
        lines = [("" if k else self.latex.doprint(start)) + " &= " + self.latex.doprint(r.expr)
                 + rf" && \text{{({k + 1})}}" for k, r in enumerate(rows)]
        block = fit("\\begin{aligned}" + " \\\\ ".join(lines) + "\\end{aligned}")
        marks = {"✓": r"\checkmark", "≈": r"$\approx$", "✗": r"$\times$", "?": "?"}
        items = [rf"\item[({k})] {marks[r.mark]}~\textit{{{text(r.rule)}}}" + (f". {text(r.note)}" if r.note else "")
                 for k, r in enumerate(rows, 1)]
        return block + "\n\\begin{itemize}\n" + "\n".join(items) + "\n\\end{itemize}"

    def math_line(self, e: Expr) -> str:
        return fit(self.latex.doprint(e))
