"""Step sheets as one self-contained HTML5 file: math as native MathML, pictures as inline SVG, the style sheet
inline. No JavaScript, no fonts or scripts from a CDN: it opens offline and prints as it looks (one problem per
page, steps never split across pages). Chromium prints it to PDF (`pdf.py`).
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from tutor.engine.expr import Expr
from tutor.printers.sheet import Chain, DerivationRow, SheetPrinter

if TYPE_CHECKING:
    from tutor.pictures.scene import Scene

STYLE = """
:root { --ink: #1b1b1b; --muted: #5f6368; --rule: #d0d4d9; --accent: #6a1b9a; --answer: #1b5e20; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font: 11pt/1.45 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: var(--ink); margin: 0 auto;
       max-width: 52rem; padding: 1.5rem 1.5rem 3rem; }
math { font-family: "Latin Modern Math", "STIX Two Math", "DejaVu Serif", math; font-size: 1.08em; }
h1 { font-size: 1.45rem; margin: 0 0 .2rem; }
h2 { font-size: 1.1rem; margin: 1.4rem 0 .5rem; border-bottom: 1px solid var(--rule); padding-bottom: .15rem; }
h3 { font-size: 1rem; margin: 0 0 .35rem; }
h3 .n { color: var(--accent); }
.key { color: var(--muted); font: .8rem ui-monospace, "DejaVu Sans Mono", monospace; font-weight: normal; }
.meta { color: var(--muted); font-size: .88rem; margin: .1rem 0; }
.prompt { margin: .8rem 0; }
ul.givens { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .6rem 2.2rem; margin: .4rem 0; }
section.step { break-inside: avoid; page-break-inside: avoid; margin: 0 0 1.1rem; }
table.chain { border-collapse: collapse; margin: .2rem 0 .3rem 1rem; }
table.chain td { padding: .18rem .25rem; vertical-align: middle; }
table.chain td.lhs { text-align: right; }
table.chain td.eq { text-align: center; width: 1.4em; }
table.chain tr.value td:last-child { color: var(--answer); font-weight: bold; }
table.derivation td.rule { color: var(--muted); font-size: .86rem; padding-left: 1.4rem; max-width: 19rem; }
table.derivation td.rule .mark { font-weight: bold; margin-right: .3rem; }
table.derivation td.rule .mark.sympy { color: var(--answer); }
table.derivation td.rule .mark.false, table.derivation td.rule .mark.unverified { color: #b71c1c; }
table.derivation td.rule .note { font-style: italic; }
table.derivation math { math-style: normal; }
table.derivation tr { break-inside: avoid; page-break-inside: avoid; }
td.blank { border-bottom: 1px solid var(--ink); min-width: 20rem; height: 5.5rem; }
.why { color: var(--muted); font-style: italic; font-size: .92rem; margin: .1rem 0 0 1rem; }
ul.answers { list-style: none; padding: 0; }
ul.answers li { margin: .3rem 0; color: var(--answer); }
ul.answers.blank li { color: var(--ink); }
ul.answers.blank li::after { content: ""; display: inline-block; border-bottom: 1px solid var(--ink);
                             width: 16rem; margin-left: .5rem; }
table.keytable { border-collapse: collapse; width: 100%; }
table.keytable th, table.keytable td { border-bottom: 1px solid var(--rule); padding: .3rem .5rem;
                                       text-align: left; vertical-align: middle; }
table.keytable tr.answer td { font-weight: bold; color: var(--answer); }
figure { margin: 1rem 0; break-inside: avoid; page-break-inside: avoid; text-align: center; }
section.picture { break-inside: avoid; page-break-inside: avoid; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: .9rem; margin-top: .3rem; }
article.sheet + article.sheet { break-before: page; page-break-before: always; }
nav.toc li { margin: .2rem 0; }
@page { size: A4; margin: 16mm 15mm; }
@media print { body { max-width: none; padding: 0; } a { color: inherit; text-decoration: none; } }
"""


WIDE_CHAIN = 78  # characters of a chain's widest line (as laid out in text) that fit the printed column


class HtmlPrinter(SheetPrinter):
    ext = "html"

    def set_digits(self, digits: int) -> None:
        from tutor.printers.mathml import MathMLPrinter

        self.mathml = MathMLPrinter(digits=digits)

    def wrap(self, title: str, bodies: list[str]) -> str:
        articles = "\n".join(f'<article class="sheet">\n{b}\n</article>' for b in bodies)
        return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                "<meta name=\"generator\" content=\"tutor\">\n"
                f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{articles}\n"
                "</body>\n</html>\n")

    def join(self, parts: list[str]) -> str:
        return "\n".join(p for p in parts if p)

    def m(self, e: Expr, display: bool = False) -> str:
        return self.mathml.math(self.mathml.doprint(e), display=display)

    def heading(self, text: str, level: int) -> str:
        return f"<h{level}>{escape(text)}</h{level}>"

    def meta(self, text: str) -> str:
        return f'<p class="meta">{escape(text)}</p>'

    def para(self, text: str) -> str:
        return f'<p class="prompt">{escape(text)}</p>'

    def explanation(self, text: str) -> str:
        return f'<p class="why">{escape(text)}</p>'

    def bullets(self, items: list[str]) -> str:
        return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"

    def equation(self, symbol: Expr, value: Any) -> str:
        return self.mathml.math(self.mathml.doprint(symbol) + "<mo>=</mo>" + self.mathml.value(value))

    def givens(self, pairs: list[tuple[Expr, Any]]) -> str:
        return '<ul class="givens">' + "".join(f"<li>{self.equation(s, v)}</li>" for s, v in pairs) + "</ul>"

    def bullets_math(self, exprs: list[Expr], blank: bool = False) -> str:
        cls = "answers blank" if blank else "answers"
        tail = "<mo>=</mo>" if blank else ""
        items = "".join(f"<li>{self.mathml.math(self.mathml.doprint(e) + tail)}</li>" for e in exprs)
        return f'<ul class="{cls}">{items}</ul>'

    def answers(self, pairs: list[tuple[Expr, Any]]) -> str:
        return '<ul class="answers">' + "".join(f"<li>{self.equation(s, v)}</li>" for s, v in pairs) + "</ul>"

    def step_heading(self, number: int, title: str, key: str) -> str:
        return (f'<h3><span class="n">Step {number}.</span> {escape(title)} '
                f'<span class="key">[{escape(key)}]</span></h3>')

    def step(self, number: int, title: str, key: str, body: list[str]) -> str:
        return '<section class="step">' + self.join([self.step_heading(number, title, key), *body]) + "</section>"

    def _row(self, left: str, right: str, cls: str = "") -> str:
        attr = f' class="{cls}"' if cls else ""
        eq = self.mathml.math("<mo>=</mo>")
        return f'<tr{attr}><td class="lhs">{left}</td><td class="eq">{eq}</td><td>{right}</td></tr>'

    def chain(self, c: Chain) -> str:
        # A line far wider than the column (a 4×4 grid of five-term sums) is set smaller rather than run off the
        # page; its width in characters, as the terminal lays it out, is a fair measure of its width in print.
        lines = [c.lhs, *([c.formula] if c.formula is not None else []), *c.subs]
        widest = max(self.text.box(e).width for e in lines) + self.text.box(c.lhs).width + 3
        style = f' style="font-size: {max(55, int(100 * WIDE_CHAIN / widest))}%"' if widest > WIDE_CHAIN else ""
        return self._chain(c).replace('<table class="chain">', f'<table class="chain"{style}>', 1)

    def _chain(self, c: Chain) -> str:
        sides = c.right_sides(self.m, lambda v: self.mathml.math(self.mathml.value(v)))
        rows = [self._row(self.m(c.lhs) if k == 0 else "", side, "value" if k == len(sides) - 1 else "")
                for k, side in enumerate(sides)]
        return f'<table class="chain">{"".join(rows)}</table>'

    def blank(self, lhs: Expr) -> str:
        eq = self.mathml.math("<mo>=</mo>")
        return (f'<table class="chain"><tr><td class="lhs">{self.m(lhs)}</td><td class="eq">{eq}</td>'
                '<td class="blank"></td></tr></table>')

    def key_table(self, rows: list[tuple[str, str, Expr, Any, bool]]) -> str:
        out = ['<table class="keytable"><thead><tr><th>Step</th><th></th><th>Value</th></tr></thead><tbody>']
        for number, title, symbol, value, is_answer in rows:
            cell = self.equation(symbol, value)
            cls = ' class="answer"' if is_answer else ""
            out.append(f"<tr{cls}><td>{escape(number)}</td><td>{escape(title)}</td><td>{cell}</td></tr>")
        out.append("</tbody></table>")
        return "".join(out)

    def pictures(self, heading: str, pictures: list[str]) -> str:
        first, rest = pictures[0], pictures[1:]
        return self.join([f'<section class="picture">{self.heading(heading, 2)}{first}</section>', *rest])

    def picture(self, scene: "Scene", name: str) -> str:
        from tutor.pictures.svg import to_svg

        caption = f"<figcaption>{escape(scene.caption)}</figcaption>" if scene.caption else ""
        return f'<figure id="{escape(name)}">{to_svg(scene)}{caption}</figure>'

    def derivation_chain(self, start: Expr, rows: list[DerivationRow]) -> str:
        eq = self.mathml.math("<mo>=</mo>")
        widest = max(self.text.box(r.expr).width for r in rows) + self.text.box(start).width + 3
        style = f' style="font-size: {max(60, int(100 * WIDE_CHAIN / widest))}%"' if widest > WIDE_CHAIN else ""
        out = [f'<table class="chain derivation"{style}>']
        for k, r in enumerate(rows):
            lhs = self.m(start) if k == 0 else ""
            note = f'<div class="note">{escape(r.note)}</div>' if r.note else ""
            rule = (f'<td class="rule"><span class="mark {r.status}">{r.mark}</span>{escape(r.rule)}{note}</td>')
            out.append(f'<tr><td class="lhs">{lhs}</td><td class="eq">{eq}</td><td>{self.m(r.expr)}</td>{rule}</tr>')
        out.append("</table>")
        return "".join(out)

    def math_line(self, e: Expr) -> str:
        return f'<p class="mathline">{self.m(e, display=True)}</p>'
