"""The terminal printer: a whole Solution laid out with rich, numbered steps, formula → numbers → result.

Expressions are laid out by `printers.text` (plain strings, two-dimensional); this module adds the structure and
the colour. rich is imported here and in the CLI only. With stdout not a terminal, or NO_COLOR set, the output is
plain text.
"""

from __future__ import annotations

import os
from typing import IO, Any, Iterator

from rich.console import Console, Group, RenderableType
from rich.text import Text

from tutor.bank import Problem
from tutor.engine.step import Solution
from tutor.printers.sheet import DIGITS_NOTE, chain, notes_say_lines, symbol_text
from tutor.printers.text import Box, TextPrinter, cells, hcat, ljust

INDENT = 2


def make_console(file: IO[str] | None = None, width: int | None = None, plain: bool | None = None) -> Console:
    """A console that writes plain text when asked, when NO_COLOR is set, or when the output is not a terminal."""
    if plain is None:
        plain = "NO_COLOR" in os.environ
    kwargs: dict[str, Any] = {"file": file, "width": width, "highlight": False, "soft_wrap": False,
                              "emoji": False}
    if plain:
        kwargs["color_system"] = None
    return Console(**kwargs)


class TerminalPrinter:
    def __init__(self, console: Console, digits: int = 4) -> None:
        self.console = console
        self.text = TextPrinter(digits=digits)
        # Narrower and narrower layouts of a wide matrix: fewer columns shown, the rest elided (⋯).
        self._narrow = [TextPrinter(digits=digits, max_cols=c) for c in (6, 4, 3)]

    def fitted_value(self, value: Any, room: int) -> Box:
        """A value laid out to fit `room` columns, eliding more of a wide matrix's columns if needed."""
        box = self.text.value(value)
        for printer in self._narrow:
            if box.width <= room:
                break
            box = printer.value(value)
        return box

    # -- building blocks ---------------------------------------------------------------------------------
    def _lines(self, box: Box, style: str = "", indent: int = INDENT) -> Text:
        pad = " " * indent
        return Text("\n".join((pad + s).rstrip() for s in box.lines), style=style, no_wrap=True,
                    overflow="ellipsis")

    def _para(self, text: str, style: str = "", indent: int = INDENT) -> Text:
        """A wrapped paragraph, indented (rich's Padding would pad every line with trailing spaces)."""
        import textwrap

        width = max(self.console.width - indent, 20)
        lines = textwrap.wrap(text, width=width, subsequent_indent="  " if text.startswith("• ") else "")
        return Text("\n".join(" " * indent + s for s in lines), style=style)

    def chain(self, solution: Solution, key: str) -> RenderableType:
        """lhs = formula, then '= numbers' lines, then '= value', each aligned under the first '='."""
        step = solution.steps[key]
        lhs = self.text.box(step.symbol)
        room = self.console.width - INDENT * 2
        pad = Box.of(" " * lhs.width)
        fitted = self.fitted_value(solution.values[key], room - lhs.width - 3)
        lines = chain(solution, key, self.text, fitted)
        parts: list[Text] = []
        if lines.formula is not None:
            parts.append(self._lines(hcat(lhs, Box.of(" = "), self.text.box(lines.formula)), "cyan"))
        subs = [self.text.box(e) for e in lines.subs]
        if not parts and subs:
            parts.append(self._lines(hcat(lhs, Box.of(" = "), subs.pop(0))))
        for b in subs:
            line = hcat(pad, Box.of(" = "), b)
            if line.width <= room:
                parts.append(self._lines(line))
            else:  # too wide to read here: say so rather than skip it silently
                parts.append(self._lines(hcat(pad, Box.of(f" = … ({line.width} columns wide: a wider window or "
                                                          "--format json shows this line)")), "dim"))
        value = hcat(pad if parts else lhs, Box.of(" = "), fitted)
        parts.append(self._lines(value, "bold green"))
        return Group(*parts)

    def givens(self, solution: Solution) -> RenderableType:
        """The givens packed left to right into rows that fit the console, in aligned columns."""
        room = self.console.width - INDENT
        boxes = []
        for g in solution.givens.values():
            sym = self.text.box(g.symbol)
            boxes.append(hcat(sym, Box.of(" = "), self.fitted_value(solution.values[g.key], room - sym.width - 3)))
        gap = 4
        ncols = max(1, len(boxes))
        while ncols > 1:
            widths = [max(b.width for b in boxes[c::ncols]) for c in range(ncols)]
            if sum(widths) + gap * (ncols - 1) <= room:
                break
            ncols -= 1
        widths = [max(b.width for b in boxes[c::ncols]) for c in range(ncols)] if boxes else []
        rows: list[Box] = []
        for r in range(0, len(boxes), ncols):
            parts: list[Box] = []
            for c, b in enumerate(boxes[r:r + ncols]):
                if c:
                    parts.append(Box.of(" " * gap))
                parts.append(Box([ljust(line, widths[c]) for line in b.padded().lines], b.base))
            rows.append(hcat(*parts))
        out: list[str] = []
        for k, row in enumerate(rows):
            if k:
                out.append("")
            out.extend(row.lines)
        return self._lines(Box(out), indent=INDENT)

    # -- whole views -------------------------------------------------------------------------------------
    def header(self, problem: Problem, solution: Solution | None,
               changed: list[str] | None = None) -> Iterator[RenderableType]:
        yield Text(problem.title, style="bold")
        meta = [problem.id, f"kind {problem.kind}", f"topic {problem.topic}"]
        if problem.source:
            meta.append("source: " + problem.source_text())
        yield self._para(" · ".join(meta), "dim", indent=0)
        if problem.prompt:
            yield Text("")
            yield self._para(problem.prompt, indent=0)
            if changed:
                yield self._para(f"(The question is written for the bank's values; --set changed "
                                 f"{', '.join(changed)}. The givens below are the ones used.)", "yellow", indent=0)
        if solution is not None:
            yield Text("")
            yield Text("Givens", style="bold underline")
            yield self.givens(solution)
            if solution.conventions:
                yield Text("")
                yield Text("Conventions", style="bold underline")
                for c in solution.conventions:
                    yield self._para("• " + c)
            yield Text("")
            yield self._para(DIGITS_NOTE.format(digits=self.text.digits), "dim", indent=0)

    def step(self, solution: Solution, number: int, key: str) -> RenderableType:
        step = solution.steps[key]
        title = Text.assemble((f"Step {number}. " if number else "Answer. ", "bold magenta"), (step.title, "bold"),
                              (f"  [{key}]", "dim"))
        body: list[RenderableType] = [self.chain(solution, key)]
        why = solution.explanation(key)
        if why:
            body.append(self._para(why, "italic dim"))
        return Group(Text(""), title, *body)

    def footer(self, solution: Solution) -> Iterator[RenderableType]:
        yield Text("")
        yield Text("Answer", style="bold underline")
        for key in solution.answer_keys:
            sym = self.text.box(solution.steps[key].symbol)
            room = self.console.width - INDENT - sym.width - 3
            box = hcat(sym, Box.of(" = "), self.fitted_value(solution.values[key], room))
            yield self._lines(box, "bold green")
        for note in solution.notes:
            yield Text("")
            yield self._para("Note: " + note, "yellow")
        if solution.notes_say:
            yield Text("")
            yield Text("Where the notes differ", style="bold underline")
            for line in notes_say_lines(solution, self.text.digits, symbol_text(self.text)):
                yield self._para("• " + line)



# -- a checked hand calculation ------------------------------------------------------------------------------
STATUS_TEXT = {
    "correct": ("✓ correct", "green"),
    "carried_forward": ("→ carried forward", "yellow"),
    "wrong": ("✗ wrong", "bold red"),
    "missing": ("· missing", "dim"),
}


def check_report(printer: TerminalPrinter, result: Any) -> Iterator[RenderableType]:
    """The marks as a table (step, key, status, what the student wrote, the correct value), then the first wrong
    step worked correctly, the likely mistake, and the score."""
    from rich.table import Table

    digits = printer.text.digits
    problem, solution = result.problem, result.solution
    yield Text.assemble(("Checking ", "bold"), (problem.title, "bold"), (f"  {problem.id}", "dim"))
    table = Table(box=None, pad_edge=False, padding=(0, 1, 0, 1), show_header=True, header_style="bold")
    for col in ("step", "key", "mark", "you wrote", "correct"):
        table.add_column(col, overflow="fold")
    for m in result.marks:
        label, style = STATUS_TEXT[m.status]
        correct = inline(m.expected, digits)
        if m.status == "carried_forward" and m.carried is not None:
            correct += f" (from your earlier values: {inline(m.carried, digits)})"
        table.add_row(str(m.number) if m.number else "answer", m.key, Text(label, style=style),
                      Text(m.given.text if m.given is not None else f"({m.detail})" if m.detail else ""),
                      Text(correct))
    yield table
    first = result.first_wrong
    if first is not None:
        yield Text("")
        where = f"step {first.number}" if first.number else "the answer"
        yield Text.assemble(("First wrong step: ", "bold red"), (f"{where} [{first.key}] ", "bold"),
                            (solution.steps[first.key].title, ""))
        yield Text(f"You wrote {first.given.text}; here is the step worked correctly:", style="dim")
        yield printer.step(solution, first.number or 0, first.key)
    for m in result.marks:
        if m.status == "wrong" and m.mistake is not None:
            yield Text("")
            yield printer._para(f"Likely mistake at [{m.key}]: {mistake_sentence(m)}", "yellow", indent=0)
    yield Text("")
    counts = [(result.count(s), w) for s, w in (("correct", "correct"), ("carried_forward", "carried forward"),
                                                 ("wrong", "wrong"), ("missing", "missing"))]
    score = ", ".join(f"{n} {w}" for n, w in counts if n)
    verdict = "Solved." if result.solved and not result.count("wrong") else ""
    yield Text(f"{score} (of {len(result.marks)} steps). {verdict}".rstrip(), style="bold")


def mistake_sentence(mark: Any) -> str:
    """'h without the tanh on c (from your own earlier values). h = o ⊙ tanh(c): …'"""
    detail = f" ({mark.detail})" if mark.detail else ""
    why = mark.mistake.explanation
    import re

    if re.match(r"[a-z]{2,}\b", why):  # a word, not a symbol: "h = o ⊙ tanh(c)" keeps its h
        why = why[:1].upper() + why[1:]
    return f"{mark.mistake.name}{detail}. {why}"


def inline(value: Any, digits: int) -> str:
    """A step's value on one line; named entries (a gradient per variable) as 'x = -8, y = 6'."""
    from tutor.printers.numbers import inline_value

    if isinstance(value, dict):
        return ", ".join(f"{k} = {inline_value(v, digits)}" for k, v in value.items())
    return inline_value(value, digits)


# -- a derivation ----------------------------------------------------------------------------------------------
VERDICT_MARKS = {"sympy": ("✓", "green"), "numeric": ("≈", "yellow"), "false": ("✗", "bold red"),
                 "unverified": ("?", "bold yellow")}
CHECK_NOTE = ("Each line is checked against the line before it: ✓ sympy proved them equal, ≈ equal at random "
              "points (sympy could not simplify the difference), ✗ not equal, ? could not be checked.")


def verdict_tag(verdict: Any, rule: str) -> tuple[str, str]:
    """'✓ quotient rule', with the verdict's style; a line that is not proved says so in words too."""
    mark, style = VERDICT_MARKS[verdict.status]
    words = {"numeric": " (checked numerically)", "false": " (does not follow)",
             "unverified": " (not verified)"}.get(verdict.status, "")
    return f"{mark} {rule}{words}", style


def derivation_view(printer: TerminalPrinter, derived: Any) -> Iterator[RenderableType]:
    """A derivation as `tutor derive` prints it: notation, then each part's chain of equalities with the rule
    and the verdict of every line, then where the notes differ."""
    d = derived.derivation
    text = printer.text
    yield Text(d.title, style="bold")
    meta = [d.name, f"topic {d.topic}"] + ([f"source: {d.source}"] if d.source else [])
    yield printer._para(" · ".join(meta), "dim", indent=0)
    if d.summary:
        yield Text("")
        yield printer._para(d.summary, indent=0)
    if derived.definitions:
        yield Text("")
        yield Text("Notation", style="bold underline")
        for lhs, rhs in derived.definitions:
            yield Text("")
            yield printer._lines(hcat(text.box(lhs), Box.of(" = "), text.box(rhs)))
    yield Text("")
    yield printer._para(CHECK_NOTE, "dim", indent=0)
    for k, part in enumerate(derived.parts, 1):
        yield Text("")
        title = Text.assemble((f"{k}. ", "bold magenta"), (part.title, "bold"))
        yield title
        if part.coverage:
            yield printer._para(f"checked {part.coverage}", "dim")
        yield Text("")
        yield from _chain_view(printer, part.start, part.lines)
        if part.note:
            yield printer._para(part.note, "yellow")
    yield Text("")
    lines = derived.lines()
    proved = sum(1 for ln in lines if ln.verdict.status == "sympy")
    numeric = sum(1 for ln in lines if ln.verdict.status == "numeric")
    bad = [ln for ln in lines if not ln.verdict.verified]
    if not bad:
        how = f"{proved} by sympy" + (f", {numeric} numerically at random points" if numeric else "")
        yield Text(f"All {len(lines)} lines checked ({how}).", style="bold green")
    else:
        yield Text(f"{len(bad)} of {len(lines)} lines are not verified; see the ✗ and ? marks above.",
                   style="bold red")
    for note in d.notes:
        yield Text("")
        yield printer._para("Note: " + note, "yellow")
    if d.conventions:
        yield Text("")
        yield Text("Conventions", style="bold underline")
        for c in d.conventions:
            yield printer._para("• " + c)
    notes_say = [(k, part, ns) for k, part in enumerate(derived.parts, 1) for ns in part.notes_say]
    if notes_say:
        yield Text("")
        yield Text("Where the notes differ", style="bold underline")
        for k, _part, ns in notes_say:
            where = "its start" if ns.after == 0 else f"line ({ns.after})"
            yield Text("")
            yield printer._para(f"In part {k}, after {where}, the notes write:")
            box = hcat(Box.of("= "), text.box(ns.expr))
            if box.width <= printer.console.width - INDENT * 2:
                yield printer._lines(box, indent=INDENT * 2)
            else:
                from tutor.printers.text import LinearTextPrinter

                yield printer._para("= " + LinearTextPrinter().text(ns.expr), indent=INDENT * 2)
            mark, style = VERDICT_MARKS[ns.verdict.status]
            verdict = {"false": "This is false", "sympy": "This line is in fact correct (sympy)",
                       "numeric": "This line is in fact correct (numerically)",
                       "unverified": "This line could not be checked"}[ns.verdict.status]
            detail = f": {ns.verdict.detail}" if ns.verdict.detail else ""
            yield printer._para(f"{mark} {verdict}{detail}.", style)
            yield printer._para(ns.says)


def _chain_view(printer: TerminalPrinter, start: Any, lines: list[Any]) -> Iterator[RenderableType]:
    """start = (1) = (2) …, the `=` signs aligned, each line's number, verdict and rule to its right (or above it
    when there is no room), and its `why` below it. A formula wider than the window is written on one line and
    wrapped, rather than cut off."""
    from tutor.printers.text import LinearTextPrinter

    text = printer.text
    linear = LinearTextPrinter(digits=text.digits)
    room = printer.console.width - INDENT
    lhs = text.box(start)
    own_line = lhs.width > min(16, room // 3)  # a long start reads better above its chain, as on paper
    if own_line:
        yield printer._lines(lhs) if lhs.width <= room else printer._para(linear.text(start))
        pad = Box.of("  ")
    else:
        pad = Box.of(" " * lhs.width)
    bodies = [hcat(lhs if n == 0 and not own_line else pad, Box.of(" = "), text.box(ln.expr))
              for n, ln in enumerate(lines)]
    tags = [verdict_tag(ln.verdict, f"({n}) {ln.rule}") for n, ln in enumerate(lines, 1)]
    # the rules in one column, right of the widest line that leaves them room
    fitting = [b.width for b, (tag, _) in zip(bodies, tags) if b.width + 4 + cells(tag) <= room]
    column = max(fitting, default=0)
    indent = INDENT + pad.width + 3
    for ln, body, (tag, style) in zip(lines, bodies, tags):
        if body.width + 4 + cells(tag) <= room:
            width = column if column + 4 + cells(tag) <= room else body.width
            rows = [Text(ljust(line, width) if r == body.base else line.rstrip())
                    for r, line in enumerate(body.lines)]
            rows[body.base].append("    ")
            rows[body.base].append(tag, style=style)
            yield Text("\n").join(Text(" " * INDENT) + r for r in rows)
        else:
            yield printer._para(tag, style, indent=indent)
            if body.width <= room:
                yield printer._lines(body)
            else:
                yield printer._para("= " + linear.text(ln.expr), indent=INDENT + pad.width + 1)
        if ln.using:
            subs = ", ".join(f"{linear.text(a)} = {linear.text(b)}" for a, b in ln.using)
            yield printer._para(f"(substituting {subs})", "dim", indent=indent)
        if ln.verdict.detail and not ln.verdict.verified:
            yield printer._para(ln.verdict.detail, style, indent=indent)
        if ln.why:
            yield printer._para(ln.why, "italic dim", indent=indent)
