"""Step sheets as Markdown with `$…$` and `$$…$$` math, as GitHub renders it (MathJax's LaTeX subset).

Chains are `aligned` blocks, one `=` per line; pictures are SVG files written beside the Markdown file and
linked (GitHub does not show inline SVG or data: images), collected in `self.assets` for the exporter to write.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from tutor.engine.expr import Expr
from tutor.printers.latex import LatexPrinter
from tutor.printers.sheet import Chain, DerivationRow, SheetPrinter

if TYPE_CHECKING:
    from tutor.pictures.scene import Scene

# Characters Markdown would read as markup (or as the start of math) in prose; an underscore only where it could
# start or end emphasis (x_t and h_{t-1} stay readable in the source).
_SPECIAL = re.compile(r"([\\`*$<|]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9{]))")


def aligned(c: Chain, latex: LatexPrinter) -> str:
    """A step's chain of equalities as a LaTeX `aligned` block, one `=` per line."""
    first, *rest = c.right_sides(latex.doprint, latex.value)
    lines = [latex.doprint(c.lhs) + " &= " + first] + ["&= " + r for r in rest]
    return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"


def escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


def inline_math(tex: str) -> str:
    """`$…$`, or GitHub's `$`…`$` when the math has a `\\\\` (a matrix row break): in `$…$`, Markdown's own
    escaping would read `\\\\` as an escaped backslash before the math renderer sees it."""
    return "$`" + tex + "`$" if "\\\\" in tex else "$" + tex + "$"


def display_math(tex: str) -> str:
    """A `$$` block with every row break at the end of a line, the one place GitHub keeps `\\\\` intact."""
    return "$$\n" + tex.replace(" \\\\ ", " \\\\\n") + "\n$$"


class MarkdownPrinter(SheetPrinter):
    ext = "md"

    def set_digits(self, digits: int) -> None:
        self.latex = LatexPrinter(digits=digits)

    def wrap(self, title: str, bodies: list[str]) -> str:
        return "\n\n---\n\n".join(bodies).rstrip() + "\n"

    def heading(self, text: str, level: int) -> str:
        return "#" * level + " " + escape(text)

    def meta(self, text: str) -> str:
        return "*" + escape(text) + "*"

    def para(self, text: str) -> str:
        return escape(text)

    def explanation(self, text: str) -> str:
        return "> " + escape(text)

    def bullets(self, items: list[str]) -> str:
        return "\n".join("- " + escape(i) for i in items)

    def inline(self, e: Expr) -> str:
        return inline_math(self.latex.doprint(e))

    def bullets_math(self, exprs: list[Expr], blank: bool = False) -> str:
        tail = r" = \underline{\hspace{6em}}" if blank else ""
        return "\n".join("- " + inline_math(self.latex.doprint(e) + tail) for e in exprs)

    def equation(self, symbol: Expr, value: Any) -> str:
        return inline_math(self.latex.doprint(symbol) + " = " + self.latex.value(value))

    def givens(self, pairs: list[tuple[Expr, Any]]) -> str:
        return "\n".join("- " + self.equation(s, v) for s, v in pairs)

    def answers(self, pairs: list[tuple[Expr, Any]]) -> str:
        return "\n".join("- **" + self.equation(s, v) + "**" for s, v in pairs)

    def step_heading(self, number: int, title: str, key: str) -> str:
        return f"### Step {number}. {escape(title)} `[{key}]`"

    def chain(self, c: Chain) -> str:
        return display_math(aligned(c, self.latex))

    def blank(self, lhs: Expr) -> str:
        return "$$" + self.latex.doprint(lhs) + r" = \underline{\hspace{12em}}" + "$$"

    def key_table(self, rows: list[tuple[str, str, Expr, Any, bool]]) -> str:
        out = ["| Step | | Value |", "|---|---|---|"]
        for number, title, symbol, value, is_answer in rows:
            cell = inline_math(self.latex.doprint(symbol) + " = " + self.latex.value(value))
            if is_answer:
                cell = "**" + cell + "**"
            cell = cell.replace("|", r"\vert ")  # a bar inside math would end the table's cell
            out.append(f"| {number} | {escape(title)} | {cell} |")
        return "\n".join(out)

    def picture(self, scene: "Scene", name: str) -> str:
        from tutor.pictures.svg import to_svg

        if self.assets_named and self.assets_named != name.rsplit("-", 1)[0]:
            name = f"{self.assets_named}-{name}"
        self.assets[name + ".svg"] = to_svg(scene)
        caption = f"\n\n*{escape(scene.caption)}*" if scene.caption else ""
        return f"![{escape(scene.alt or scene.title)}]({name}.svg){caption}"

    def derivation_chain(self, start: Expr, rows: list[DerivationRow]) -> str:
        lines = [("" if k else self.latex.doprint(start)) + " &= " + self.latex.doprint(r.expr) + rf" && ({k + 1})"
                 for k, r in enumerate(rows)]
        block = display_math("\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}")
        notes = [f"{k}. {r.mark} *{escape(r.rule)}*" + (f". {escape(r.note)}" if r.note else "")
                 for k, r in enumerate(rows, 1)]
        return block + "\n\n" + "\n".join(notes)

    def math_line(self, e: Expr) -> str:
        return display_math(self.latex.doprint(e))
