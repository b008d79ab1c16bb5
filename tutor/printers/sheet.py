"""Step sheets: one walk over a solution's step graph that every document format fills in.

A `Sheet` is one problem as a worked solution, a worksheet (the question, with each step left empty to fill
in) or an answer key (every step's value). `SheetPrinter.document` walks the sheets in the order `tutor solve`
prints them (header, givens, conventions, steps, answer, notes, where the notes differ, pictures) and calls a
handful of format methods (a heading, a paragraph, inline math, an aligned chain of equalities, a blank, a table,
a picture) that `markdown.py`, `tex.py` and `html.py` implement. Like sympy's printers, adding a format is
adding one class; the walk itself is written once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from tutor.engine.expr import Expr
from tutor.printers.text import Box, TextPrinter

if TYPE_CHECKING:
    from tutor.bank import Problem
    from tutor.derivations import Derived
    from tutor.engine.step import Solution
    from tutor.pictures.scene import Scene

SOLUTION, WORKSHEET, KEY = "solution", "worksheet", "key"
MODES = (SOLUTION, WORKSHEET, KEY)


@dataclass
class Sheet:
    """One problem on paper. `variant` says the numbers were drawn (`--seed`, a roster); `label` names whose
    variant it is ("Ada Lovelace · variant seed 41"), shown under the title."""

    problem: "Problem"
    solution: "Solution"
    mode: str = SOLUTION
    variant: bool = False
    label: str | None = None
    pictures: list["Scene"] = field(default_factory=list)

    @property
    def digits(self) -> int:
        return self.problem.digits or 4


@dataclass
class Chain:
    """What one step shows: `lhs = formula`, then `= numbers` lines, then `= value`. `formula` is None when it
    would only repeat the left-hand side ("tanh(c) = tanh(c)")."""

    lhs: Expr
    formula: Expr | None
    subs: list[Expr]
    value: Any

    def right_sides(self, doprint: Callable[[Expr], str], value: Callable[[Any], str]) -> list[str]:
        """What follows each `=`, in order, printed: the formula (if shown), the substitutions, the value."""
        return ([doprint(self.formula)] if self.formula is not None else []) + [doprint(e) for e in self.subs] + \
            [value(self.value)]


def flat(box: Box) -> str:
    return "".join("".join(line.split()) for line in box.lines)


def chain(solution: "Solution", key: str, text: TextPrinter, value_box: Box | None = None) -> Chain:
    """The lines worth showing for a step: a line that repeats the one before it, or the value itself
    ("u = n = 50 = 50"), says nothing and is left out. Every printer (terminal and sheets) shows the same lines.
    `value_box` is the value as the caller lays it out (the terminal may elide a wide matrix's columns)."""
    step = solution.steps[key]
    value = solution.values[key]
    formula_box = text.box(step.formula)
    show_formula = flat(formula_box) != flat(text.box(step.symbol))
    seen = {flat(value_box if value_box is not None else text.value(value))}
    if show_formula:
        seen.add(flat(formula_box))
    subs = []
    for e in solution.substitution(key):
        f = flat(text.box(e))
        if f not in seen:
            seen.add(f)
            subs.append(e)
    return Chain(step.symbol, step.formula if show_formula else None, subs, value)


def notes_say_lines(solution: "Solution", digits: int, symbol: Callable[["Solution", str], str]) -> list[str]:
    """One sentence per recorded disagreement: what the notes give, the correct value, the likely slip.
    `symbol(solution, key)` writes a step's symbol in the printer's own notation."""
    import numpy as np

    from tutor.printers.numbers import inline_value, significant_digits

    numbers = {s.key: n for n, s in enumerate(solution.visible_steps(), 1)}
    out = []
    for ns in solution.notes_say:
        if ns.step is None:
            out.append(ns.slip)
            continue
        correct = solution.values[ns.step]
        if ns.entry:
            correct = np.asarray(correct, dtype=object)[tuple(k - 1 for k in ns.entry)]
        what = symbol(solution, ns.step)
        if ns.entry:
            full = np.ndim(np.asarray(solution.values[ns.step], dtype=object)) == len(ns.entry)
            what = (f"entry {ns.entry[0]}" if len(ns.entry) == 1 and full else
                    f"row {ns.entry[0]}" if len(ns.entry) == 1 else
                    f"entry ({', '.join(map(str, ns.entry))})") + f" of {what}"
        where = f" (step {numbers[ns.step]})" if ns.step in numbers else ""
        shown = inline_value(correct, max(digits, significant_digits(ns.notes) + 1))
        out.append(f"The notes give {ns.notes_text} for {what}{where}; the correct value is {shown}. "
                   f"Likely slip: {ns.slip}")
    return out


def symbol_text(text: TextPrinter) -> Callable[["Solution", str], str]:
    def symbol(solution: "Solution", key: str) -> str:
        box = text.box(solution.steps[key].symbol)
        return box.lines[0].strip() if len(box.lines) == 1 else key
    return symbol


CHECK_NOTE = ("Every line is checked by sympy against the line before it: ✓ proved equal, ≈ equal at random points "
              "(sympy could not simplify the difference), ✗ not equal, ? could not be checked.")
MARKS = {"sympy": "✓", "numeric": "≈", "false": "✗", "unverified": "?"}


@dataclass
class DerivationRow:
    expr: Expr
    rule: str
    status: str  # sympy, numeric, false or unverified
    note: str = ""  # why, what was substituted, and (when not verified) why not

    @property
    def mark(self) -> str:
        return MARKS[self.status]


def _row_note(ln: Any) -> str:
    bits = []
    if not ln.verdict.verified and ln.verdict.detail:
        bits.append(("Does not follow: " if ln.verdict.status == "false" else "Not verified: ") + ln.verdict.detail
                    + ".")
    if ln.why:
        bits.append(ln.why)
    return " ".join(bits)


DIGITS_NOTE = ("Numbers are shown to {digits} significant digits; every result is computed from unrounded values, "
               "so redoing a line with the rounded numbers can differ in the last digit.")
MODE_NAMES = {SOLUTION: "Worked solution", WORKSHEET: "Worksheet", KEY: "Answer key"}


class SheetPrinter:
    """The walk. Subclasses set `ext` and implement the format methods below it; `self.text` (a TextPrinter at
    the sheet's digits) is there for comparisons and plain-text symbols."""

    ext = ""

    def __init__(self, digits: int | None = None) -> None:
        self.digits_override = digits
        self.text = TextPrinter(digits=digits or 4)
        self.assets: dict[str, str] = {}  # file name -> content, for formats that link pictures (Markdown)
        self.assets_named = ""  # the linking document's name, which the files' names start with

    # -- the walk --------------------------------------------------------------------------------------------
    def document(self, sheets: list[Sheet], title: str) -> str:
        bodies = []
        for sheet in sheets:
            self.begin_sheet(sheet)
            bodies.append(self.sheet(sheet))
        return self.wrap(title, bodies)

    def begin_sheet(self, sheet: Sheet) -> None:
        """Printers hold number formatting for the sheet's digits (a problem may ask for more than 4)."""
        self.sheet_digits = self.digits_override or sheet.digits
        self.text = TextPrinter(digits=self.sheet_digits)
        self.set_digits(self.sheet_digits)

    def sheet(self, sheet: Sheet) -> str:
        problem, solution = sheet.problem, sheet.solution
        out: list[str] = [self.heading(problem.title, 1)]
        meta = [MODE_NAMES[sheet.mode], problem.id, f"topic {problem.topic}"]
        if problem.source and not sheet.variant:
            meta.append("source: " + problem.source_text())
        out.append(self.meta(" · ".join(meta)))
        if sheet.label:
            out.append(self.meta(sheet.label))
        if sheet.variant:
            wanted = ", ".join(self.symbol_name(solution.steps[k].symbol) for k in solution.answer_keys)
            out.append(self.para(f"{problem.title}: a variant with its own numbers. Work out each step below from "
                                 f"these givens, to find {wanted}."))
        elif problem.prompt and sheet.mode != KEY:
            out.append(self.para(problem.prompt))
        out.append(self.heading("Givens", 2))
        out.append(self.givens([(g.symbol, solution.values[g.key]) for g in solution.givens.values()]))
        if solution.conventions and sheet.mode != KEY:
            out.append(self.heading("Conventions", 2))
            out.append(self.bullets(solution.conventions))
        steps = solution.visible_steps()
        if sheet.mode == KEY:
            out.append(self.heading("Answers", 2))
            rows = [(str(n), s.title, s.symbol, solution.values[s.key], s.key in solution.answer_keys)
                    for n, s in enumerate(steps, 1)]
            rows += [("answer", solution.steps[k].title, solution.steps[k].symbol, solution.values[k], True)
                     for k in solution.answer_keys if solution.steps[k].hidden]
            out.append(self.key_table(rows))
            out.append(self.meta(DIGITS_NOTE.format(digits=self.sheet_digits)))
            return self.join(out)
        if sheet.mode == SOLUTION:
            out.append(self.meta(DIGITS_NOTE.format(digits=self.sheet_digits)))
        out.append(self.heading("Steps", 2))
        for n, s in enumerate(steps, 1):
            if sheet.mode == WORKSHEET:
                out.append(self.step(n, s.title, s.key, [self.blank(s.symbol)]))
                continue
            why = solution.explanation(s.key)
            out.append(self.step(n, s.title, s.key, [self.chain(chain(solution, s.key, self.text)),
                                                     self.explanation(why) if why else ""]))
        if sheet.mode == WORKSHEET:
            # an answer that is a step already has its blank; one that only gathers steps gets its own
            gathered = [solution.steps[k].symbol for k in solution.answer_keys if solution.steps[k].hidden]
            if gathered:
                out.append(self.heading("Answer", 2))
                out.append(self.bullets_math(gathered, blank=True))
            return self.join(out)
        out.append(self.heading("Answer", 2))
        out.append(self.answers([(solution.steps[k].symbol, solution.values[k]) for k in solution.answer_keys]))
        if solution.notes:
            out.append(self.heading("Notes", 2))
            out.append(self.bullets(solution.notes))
        if solution.notes_say and not sheet.variant:
            out.append(self.heading("Where the notes differ", 2))
            out.append(self.bullets(notes_say_lines(solution, self.sheet_digits, symbol_text(self.text))))
        if sheet.pictures:
            out.append(self.pictures("Pictures" if len(sheet.pictures) > 1 else "Picture",
                                     [self.picture(scene, f"{problem.id}-{n}")
                                      for n, scene in enumerate(sheet.pictures, 1)]))
        return self.join(out)

    # -- derivations (tutor derive) ----------------------------------------------------------------------------
    def derivation_document(self, derived: list["Derived"], title: str) -> str:
        bodies = []
        for dv in derived:
            self.sheet_digits = self.digits_override or 4
            self.text = TextPrinter(digits=self.sheet_digits)
            self.set_digits(self.sheet_digits)
            bodies.append(self.derivation(dv))
        return self.wrap(title, bodies)

    def derivation(self, dv: "Derived") -> str:
        """The same walk as the terminal's: notation, each part's checked chain, where the notes differ."""
        from tutor.engine.expr import Rel

        d = dv.derivation
        out: list[str] = [self.heading(d.title, 1)]
        meta = ["Derivation", d.name, f"topic {d.topic}"] + ([f"source: {d.source}"] if d.source else [])
        out.append(self.meta(" · ".join(meta)))
        if d.summary:
            out.append(self.para(d.summary))
        if dv.definitions:
            out.append(self.heading("Notation", 2))
            out.append(self.bullets_math([Rel(a, "=", b) for a, b in dv.definitions]))
        out.append(self.meta(CHECK_NOTE))
        for k, part in enumerate(dv.parts, 1):
            out.append(self.heading(f"{k}. {part.title}", 2))
            if part.coverage:
                out.append(self.meta(f"Checked {part.coverage}."))
            rows = [DerivationRow(ln.expr, ln.rule, ln.verdict.status, _row_note(ln)) for ln in part.lines]
            out.append(self.derivation_chain(part.start, rows))
            if part.note:
                out.append(self.para(part.note))
        lines = dv.lines()
        bad = [ln for ln in lines if not ln.verdict.verified]
        numeric = sum(1 for ln in lines if ln.verdict.status == "numeric")
        out.append(self.meta(f"All {len(lines)} lines checked" + (f" ({numeric} numerically)" if numeric else "")
                             + "." if not bad else f"{len(bad)} of {len(lines)} lines are NOT verified."))
        if d.notes:
            out.append(self.heading("Notes", 2))
            out.append(self.bullets(d.notes))
        if d.conventions:
            out.append(self.heading("Conventions", 2))
            out.append(self.bullets(d.conventions))
        notes_say = [(k, part, ns) for k, part in enumerate(dv.parts, 1) for ns in part.notes_say]
        if notes_say:
            out.append(self.heading("Where the notes differ", 2))
            for k, _part, ns in notes_say:
                where = "its start" if ns.after == 0 else f"line ({ns.after})"
                out.append(self.para(f"In part {k}, after {where}, the notes write:"))
                out.append(self.math_line(ns.expr))
                verdict = "This is false" if ns.verdict.status == "false" else "This line is not shown false"
                detail = f": {ns.verdict.detail}" if ns.verdict.detail else ""
                out.append(self.para(f"{verdict}{detail}. {ns.says}"))
        return self.join(out)

    def derivation_chain(self, start: Expr, rows: list["DerivationRow"]) -> str:
        """start = row 1 = row 2 …, each row with its rule, its verdict mark and its note."""
        raise NotImplementedError

    def math_line(self, e: Expr) -> str:
        raise NotImplementedError

    def symbol_name(self, symbol: Expr) -> str:
        box = self.text.box(symbol)
        return box.lines[0].strip() if len(box.lines) == 1 else "the answer"

    # -- what each format provides ----------------------------------------------------------------------------
    def set_digits(self, digits: int) -> None:
        raise NotImplementedError

    def wrap(self, title: str, bodies: list[str]) -> str:
        raise NotImplementedError

    def join(self, parts: list[str]) -> str:
        return "\n\n".join(p for p in parts if p)

    def heading(self, text: str, level: int) -> str:
        raise NotImplementedError

    def meta(self, text: str) -> str:
        raise NotImplementedError

    def para(self, text: str) -> str:
        raise NotImplementedError

    def explanation(self, text: str) -> str:
        return self.para(text)

    def bullets(self, items: list[str]) -> str:
        raise NotImplementedError

    def givens(self, pairs: list[tuple[Expr, Any]]) -> str:
        """`symbol = value` for each given."""
        raise NotImplementedError

    def bullets_math(self, exprs: list[Expr], blank: bool = False) -> str:
        raise NotImplementedError

    def answers(self, pairs: list[tuple[Expr, Any]]) -> str:
        """`symbol = value` for each answer, set off as the result."""
        raise NotImplementedError

    def step(self, number: int, title: str, key: str, body: list[str]) -> str:
        return self.join([self.step_heading(number, title, key), *body])

    def step_heading(self, number: int, title: str, key: str) -> str:
        raise NotImplementedError

    def chain(self, c: Chain) -> str:
        raise NotImplementedError

    def blank(self, lhs: Expr) -> str:
        raise NotImplementedError

    def key_table(self, rows: list[tuple[str, str, Expr, Any, bool]]) -> str:
        raise NotImplementedError

    def picture(self, scene: "Scene", name: str) -> str:
        raise NotImplementedError

    def pictures(self, heading: str, pictures: list[str]) -> str:
        """The heading and the pictures; formats that paginate keep the heading with the first picture."""
        return self.join([self.heading(heading, 2), *pictures])
