"""The command line: a thin layer over `tutor.api`. Commands parse arguments, call the library, print.

Bad input of any kind is one line on stderr (what, where, what was expected) and exit status 2; never a traceback.
"""

from __future__ import annotations

import functools
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Any, Callable, List, Optional

import typer
from typer.core import TyperGroup

try:  # typer >= 0.28 vendors click; earlier versions use click itself
    from typer._click import exceptions as _click_exceptions
except ImportError:  # pragma: no cover
    from click import exceptions as _click_exceptions  # type: ignore[no-redef]

ClickException = _click_exceptions.ClickException
NoArgsIsHelpError = getattr(_click_exceptions, "NoArgsIsHelpError", ())  # click >= 8.2


class OneLineErrors(TyperGroup):
    """Usage errors (a mistyped option, a missing argument) as one line on stderr with exit status 2,
    instead of click's usage block and rich's framed box; `tutor` alone prints the help."""

    def main(self, args: Any = None, prog_name: Any = None, complete_var: Any = None,  # type: ignore[override]
             standalone_mode: bool = True, **extra: Any) -> Any:
        code: int
        try:
            rv = super().main(args=args, prog_name=prog_name or "tutor", complete_var=complete_var,
                              standalone_mode=False, **extra)
            code = rv if isinstance(rv, int) else 0
        except NoArgsIsHelpError as e:
            typer.echo(e.ctx.get_help() if e.ctx else "")
            code = 0
        except ClickException as e:
            message = " ".join(e.format_message().split())
            ctx = getattr(e, "ctx", None)
            where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            typer.echo(f"error: {message}{where}", err=True)
            code = e.exit_code
        except typer.Abort:
            typer.echo("aborted", err=True)
            code = 1
        if standalone_mode:
            sys.exit(code)
        return code


app = typer.Typer(
    cls=OneLineErrors,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Step-by-step worked examples for the mathematics of deep learning.",
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Format(str, Enum):
    text = "text"
    json = "json"


BankOption = typer.Option(None, "--bank", metavar="DIR",
                          help="Extra problem directory (repeatable; TUTOR_BANK=dir1:dir2 works too).")
FormatOption = typer.Option(Format.text, "--format", "-f", case_sensitive=False, help="Output format.")


def friendly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn TutorErrors into one line on stderr and exit 2; Ctrl-C into a quiet exit 130."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from tutor.errors import TutorError

        try:
            return fn(*args, **kwargs)
        except TutorError as e:
            from tutor.errors import ErrorList

            for err in e.errors if isinstance(e, ErrorList) else [e]:
                text = str(err)
                if err.where is None and err.field is None:
                    text = "error: " + text
                typer.echo(text, err=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            typer.echo("", err=True)
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except BrokenPipeError:
            raise typer.Exit(0) from None
        except Exception as e:  # a bug in tutor, not bad input: say so briefly
            if os.environ.get("TUTOR_DEBUG"):
                raise
            typer.echo(f"internal error: {type(e).__name__}: {e} (this is a bug in tutor; TUTOR_DEBUG=1 shows "
                       "the traceback)", err=True)
            raise typer.Exit(1) from None

    return wrapper


def _console(plain: bool | None = None):  # type: ignore[no-untyped-def]
    from tutor.printers.terminal import make_console

    width = None
    if os.environ.get("COLUMNS", "").isdigit():
        width = int(os.environ["COLUMNS"])
    return make_console(width=width, plain=plain)


def _banks(bank: Optional[List[Path]]) -> list[str]:
    return [str(b) for b in bank or []]


@app.command("list")
@friendly
def list_cmd(
    topic: Optional[str] = typer.Option(None, "--topic", "-t", help="Only problems of this topic."),
    source: Optional[str] = typer.Option(None, "--source", "-s", metavar="FILE",
                                         help="Only problems from this notes file (its name, or its number: 003)."),
    fmt: Format = FormatOption,
    bank: Optional[List[Path]] = BankOption,
) -> None:
    """List the problems in the bank, grouped by topic; with --source, the worked examples of one notes file."""
    from tutor.api import load_bank

    result = load_bank(_banks(bank))
    problems = _of_topic(result.problems, topic) if topic else result.problems
    if source:
        problems = _from_source(problems, source)
    problems.sort(key=lambda p: (p.topic, p.id))
    if fmt == Format.json:
        from tutor.printers.json import dumps

        typer.echo(dumps([{"id": p.id, "title": p.title, "topic": p.topic, "kind": p.kind,
                           "source": p.source_text() or None, "notes_differ": len(p.notes_say)}
                          for p in problems]))
    else:
        typer.echo(_problem_table(problems, _width(), by_example=bool(source)))
    _report_bank_errors(result.errors)


def _from_source(problems: list, source: str) -> list:  # type: ignore[type-arg]
    """Problems whose notes file is `source`: its full name, without .txt, or its leading number ('003')."""
    from tutor.errors import TutorError, did_you_mean

    want = source.strip().removesuffix(".txt")
    files = sorted({p.source["file"] for p in problems if p.source})

    stems = {f.removesuffix(".txt") for f in files}
    targets = {s for s in stems if s == want or s.split("_")[0] == want}

    def matches(source: dict) -> bool:  # type: ignore[type-arg]
        # the file it comes from, or a copy of the example in another file that its description names
        return source["file"].removesuffix(".txt") in targets or any(t in source.get("example", "") for t in targets)

    found = [p for p in problems if p.source and matches(p.source)]
    if not found:
        raise TutorError(f"no problems from notes file {source!r}{did_you_mean(source, files)}; the files are "
                         f"{', '.join(files) or 'none'} (a file's number, such as 003, is enough)")
    return found


def _width() -> int:
    import shutil

    return shutil.get_terminal_size((100, 24)).columns


def _problem_table(problems: list, width: int, by_example: bool = False) -> str:  # type: ignore[type-arg]
    """Problems grouped by topic (with counts); id and kind in full (they are what you type), the title (or,
    listing one notes file, the example's place in it) shortened to fit. The source is in `tutor show ID` and
    in --format json. A problem where the notes' own working differs is marked ≠."""
    if not problems:
        return "no problems"
    id_w = max(len(p.id) for p in problems)
    kind_w = max(len(p.kind) for p in problems)
    title_w = max(width - 2 - id_w - 2 - kind_w - 2, 12)
    lines: list[str] = []
    topics: dict[str, list] = {}  # type: ignore[type-arg]
    for p in problems:
        topics.setdefault(p.topic, []).append(p)
    for topic, group in topics.items():
        lines.append(f"{topic} ({len(group)})")
        for p in group:
            title = (p.source or {}).get("example") or p.title if by_example else p.title
            title = ("≠ " if p.notes_say else "  ") + title
            title = title if len(title) <= title_w else title[: title_w - 1] + "…"
            lines.append(f"  {p.id.ljust(id_w)}  {p.kind.ljust(kind_w)}  {title}".rstrip())
    differ = sum(1 for p in problems if p.notes_say)
    lines.append(f"{_count(len(problems), 'problem')} in {_count(len(topics), 'topic')}; "
                 "'tutor solve ID' shows the working")
    if differ:
        lines.append(f"≠ marks the {differ} where the notes' own working differs from the correct one")
    return "\n".join(lines)


def _report_bank_errors(errors: list) -> None:  # type: ignore[type-arg]
    if errors:
        for e in errors:
            typer.echo(str(e), err=True)
        raise typer.Exit(2)


@app.command()
@friendly
def show(
    problem_id: str = typer.Argument(..., metavar="ID", help="Problem id, e.g. lstm-step."),
    bank: Optional[List[Path]] = BankOption,
) -> None:
    """Show a problem's question and its givens, without the working."""
    from tutor.api import find_problem, solve
    from tutor.printers.terminal import TerminalPrinter

    problem = find_problem(problem_id, _banks(bank))
    solution = solve(problem)
    console = _console()
    printer = TerminalPrinter(console, digits=problem.digits or 4)
    for r in printer.header(problem, solution):
        console.print(r)
    console.print()
    console.print(f"Answer keys: {', '.join(solution.answer_keys)}. 'tutor solve {problem.id}' shows the working.",
                  style="dim")


@app.command()
@friendly
def solve(
    problem_id: str = typer.Argument(..., metavar="ID", help="Problem id, e.g. lstm-step."),
    set_: Optional[List[str]] = typer.Option(None, "--set", metavar="NAME=VALUE",
                                             help="Change a parameter; VALUE is YAML flow, e.g. --set x=[1,2,3]."),
    digits: Optional[int] = typer.Option(None, "--digits", "-d", metavar="N",
                                         help="Significant digits shown, 1 to 15 (default: the problem's, else 4)."),
    step: bool = typer.Option(False, "--step", help="Reveal one step per Enter."),
    pictures: bool = typer.Option(True, "--pictures/--no-pictures",
                                  help="Draw the kind's picture after the answer, where it has one."),
    fmt: Format = FormatOption,
    bank: Optional[List[Path]] = BankOption,
) -> None:
    """Solve a problem, showing every step: formula, numbers substituted, result."""
    from tutor.api import effective_params, find_problem, parse_settings
    from tutor.api import solve as solve_problem

    if digits is not None and not 1 <= digits <= 15:
        from tutor.errors import TutorError

        raise TutorError(f"--digits: expected a whole number of significant digits from 1 to 15, got {digits}")
    problem = find_problem(problem_id, _banks(bank))
    settings = parse_settings(set_ or [], problem)
    solution = solve_problem(problem, settings)
    if fmt == Format.json:
        from tutor.printers.json import dumps, solution_dict

        typer.echo(dumps(solution_dict(solution, effective_params(problem, settings))))
        return
    from tutor.printers.terminal import TerminalPrinter

    console = _console()
    printer = TerminalPrinter(console, digits=digits or problem.digits or 4)
    steps = solution.visible_steps()
    if not step:
        from rich.console import Group

        # One print call: rich's per-call overhead is a noticeable part of start-up (see bench/).
        console.print(Group(*printer.header(problem, solution, list(settings)),
                            *(printer.step(solution, n, s.key) for n, s in enumerate(steps, 1)),
                            *printer.footer(solution), *(_pictures(solution, console) if pictures else ())))
        return
    for r in printer.header(problem, solution, list(settings)):
        console.print(r)
    for n, s in enumerate(steps, 1):
        console.print(printer.step(solution, n, s.key))
        if n < len(steps) and not _wait_for_enter(console, n, len(steps)):
            return
    for r in printer.footer(solution):
        console.print(r)
    for r in _pictures(solution, console) if pictures else ():
        console.print(r)


def _pictures(solution: Any, console: Any) -> list:  # type: ignore[type-arg]
    """The kind's pictures drawn in the terminal, each after a blank line (none for most kinds)."""
    from tutor.pictures import has_pictures

    if not has_pictures(solution.kind):
        return []
    from rich.text import Text

    from tutor.pictures import pictures
    from tutor.pictures.terminal import render

    out: list = []  # type: ignore[type-arg]
    for scene in pictures(solution):
        out += [Text(""), render(scene, min(console.width, 100))]
    return out


def _wait_for_enter(console: Any, n: int, total: int) -> bool:
    console.print(f"[dim]── step {n} of {total}: Enter for the next, q to stop ──[/dim]", end="")
    try:
        answer = input()
    except EOFError:
        console.print()
        return True
    return answer.strip().lower() not in ("q", "quit")


@app.command()
@friendly
def kinds(fmt: Format = FormatOption) -> None:
    """Every kind of problem, with its parameters (type, default, meaning) and answer keys."""
    from tutor.api import kinds as all_kinds
    from tutor.params import TYPE_HELP

    ks = all_kinds()
    if fmt == Format.json:
        from tutor.printers.json import dumps, jsonable

        typer.echo(dumps([{
            "kind": k.name, "title": k.title, "topic": k.topic, "summary": k.doc,
            "params": [{"name": p.name, "type": p.type, "required": p.required,
                        "default": None if p.required else jsonable(p.default), "meaning": p.meaning,
                        **({"choices": list(p.choices)} if p.choices else {})} for p in k.params],
            "answer": list(k.answer)} for k in ks]))
        return
    from rich.table import Table
    from rich.text import Text

    console = _console()
    for k in ks:
        console.print(Text.assemble((k.name, "bold cyan"), "  ", (k.title, "bold"), f"  (topic {k.topic})"))
        if k.doc:
            console.print(Text(k.doc, style="dim"))
        table = Table(box=None, show_header=True, header_style="bold", pad_edge=False, padding=(0, 2, 0, 2))
        for col in ("parameter", "type", "default", "meaning"):
            table.add_column(col, overflow="fold")
        for p in k.params:
            meaning = p.meaning + (f" (one of {', '.join(map(str, p.choices))})" if p.choices else "")
            table.add_row(p.name, p.type, p.describe_default(), Text(meaning))  # text, not rich markup
        console.print(table)
        console.print(f"  answer: {', '.join(k.answer)}")
        console.print()
    console.print(Text("Types: " + "; ".join(f"{t}: {h}" for t, h in TYPE_HELP.items()), style="dim"))


@app.command()
@friendly
def validate(
    paths: Optional[List[Path]] = typer.Argument(None, help="Problem files or directories (default: every bank)."),
    bank: Optional[List[Path]] = BankOption,
) -> None:
    """Check problem files: the schema, the parameters, and that each one solves. For instructors."""
    from tutor.api import solve as solve_problem
    from tutor.bank import load_file, problem_files
    from tutor.errors import ErrorList, TutorError

    if paths:
        files: list[Path] = []
        for p in paths:
            if p.is_dir():
                files.extend(problem_files([p]))
            elif p.exists():
                files.append(p)
            else:
                raise TutorError(f"no such file or directory: {p}")
    else:
        from tutor.bank import bank_dirs

        files = problem_files(bank_dirs(_banks(bank)))
    if not files:
        where = ", ".join(str(p) for p in paths) if paths else "the banks"
        raise TutorError(f"no problem files (*.yaml, *.yml) found in {where}")
    errors: list[TutorError] = []
    bad_files: set[Path] = set()
    seen: dict[str, Path] = {}
    from tutor.bank import bank_ids, id_where

    elsewhere = bank_ids(_banks(bank))  # an id must also be new to the banks tutor will read it with
    for f in files:
        before = len(errors)
        try:
            problem = load_file(f)
            if problem.id in seen:
                raise TutorError(f"duplicate id {problem.id!r}: also in {seen[problem.id]}",
                                 where=problem.where("id"), field="id")
            seen[problem.id] = f
            others = [o for o in elsewhere.get(problem.id, []) if o.resolve() != f.resolve()]
            if others:
                raise TutorError(f"duplicate id {problem.id!r}: also defined in {id_where(others[0])}; ids must "
                                 "be unique across banks", where=problem.where("id"), field="id")
            solve_problem(problem)
            if problem.vary:  # the quiz must be able to draw from it
                from tutor.variants import draw

                draw(problem, 0)
        except ErrorList as e:
            errors.extend(e.errors)
        except TutorError as e:
            errors.append(e)
        if len(errors) > before:
            bad_files.add(f)
    for err in errors:
        typer.echo(str(err), err=True)
    n = len(files)
    if errors:
        typer.echo(f"{_count(len(errors), 'error')} in {len(bad_files)} of {_count(n, 'file')}", err=True)
        raise typer.Exit(2)
    typer.echo(f"ok: {_count(n, 'problem file')} {'loads and solves' if n == 1 else 'load and solve'}")


# -- check my answer, quiz, progress ------------------------------------------------------------------------
@app.command()
@friendly
def check(
    problem_id: str = typer.Argument(..., metavar="ID", help="Problem id, e.g. lstm-step."),
    answers: Optional[Path] = typer.Option(None, "--answers", "-a", metavar="FILE",
                                           help="Your values: YAML or JSON (key: value) or 'key = value' lines. "
                                                "Without it, tutor asks for each step in turn."),
    set_: Optional[List[str]] = typer.Option(None, "--set", metavar="NAME=VALUE",
                                             help="Check against changed parameters (as in solve)."),
    digits: Optional[int] = typer.Option(None, "--digits", "-d", metavar="N", help="Significant digits shown."),
    fmt: Format = FormatOption,
    save: bool = typer.Option(True, "--save/--no-save", help="Record the attempt in your progress."),
    bank: Optional[List[Path]] = BankOption,
) -> None:
    """Check your own hand calculation: each step marked correct, wrong, carried forward or missing; the first
    wrong step worked correctly, and the likely mistake named."""
    from tutor.api import find_problem, parse_settings
    from tutor.api import solve as solve_problem
    from tutor.check import check as check_answers
    from tutor.errors import ErrorList, TutorError

    _check_digits(digits)
    problem = find_problem(problem_id, _banks(bank))
    settings = parse_settings(set_ or [], problem)
    solution = solve_problem(problem, settings)
    if answers is not None:
        from tutor.answer_sheet import read_answers

        sheet = read_answers(answers)
        try:
            result = check_answers(problem, sheet, settings, solution)
        except TutorError as e:  # point each error at its key in the answers file
            errs = e.errors if isinstance(e, ErrorList) else [e]
            for err in errs:
                err.where = err.where or sheet.where.get((err.field or "").split(".")[0])
            raise ErrorList(errs) if len(errs) > 1 else errs[0] from None
    else:
        if fmt == Format.json:
            raise TutorError("--format json needs --answers FILE (the interactive check asks step by step)")
        result = _check_interactively(problem, solution, settings, digits)
        if result is None:
            return
    if fmt == Format.json:
        from tutor.printers.json import check_dict, dumps

        typer.echo(dumps(check_dict(result)))
    else:
        from rich.console import Group

        from tutor.printers.terminal import TerminalPrinter, check_report

        console = _console()
        printer = TerminalPrinter(console, digits=digits or problem.digits or 4)
        console.print(Group(*check_report(printer, result)))
    if save:
        _save_check(result)


def _check_digits(digits: Optional[int]) -> None:
    if digits is not None and not 1 <= digits <= 15:
        from tutor.errors import TutorError

        raise TutorError(f"--digits: expected a whole number of significant digits from 1 to 15, got {digits}")


def _check_interactively(problem: Any, solution: Any, settings: dict, digits: Optional[int]) -> Any:  # type: ignore[type-arg]
    """Ask for each step in order; blank skips a step, q (or end of input) stops and marks what was given."""
    from tutor.check import check as check_answers
    from tutor.check import checkable
    from tutor.printers.terminal import TerminalPrinter

    console = _console()
    printer = TerminalPrinter(console, digits=digits or problem.digits or 4)
    for r in printer.header(problem, solution, list(settings)):
        console.print(r)
    console.print()
    from rich.text import Text

    console.print(Text("Type your value for each step (fractions, e, pi, exp(), sqrt(), [vectors], [[matrices]] "
                       "are fine); blank skips a step, q stops.", style="dim"))
    given: dict[str, Any] = {}
    for key, number in checkable(solution):
        label = f"{'step ' + str(number) if number else 'answer'} [{key}] {solution.steps[key].title}"
        reply = _read_answer(console, label, solution.values[key], key)
        if reply is None or reply == "q":
            break
        if reply == "" or isinstance(reply, str):
            continue
        given[key] = reply
    if not given:
        console.print(Text("Nothing to check: no step was given."))
        return None
    console.print()
    return check_answers(problem, given, settings, solution)


def _read_answer(console: Any, label: str, expected: Any, key: str, commands: tuple[str, ...] = ("q",)) -> Any:
    """An Answer for one step, asking again after a typo or a wrong shape; '' for blank, a command word, or
    None at the end of input."""
    from tutor.answers import parse_answer
    from tutor.check import describe_expected, fit
    from tutor.errors import TutorError

    while True:
        from rich.text import Text

        console.print(Text(f"{label} ({describe_expected(expected)}): ", style="bold"), end="", soft_wrap=True)
        try:
            text = input()
        except EOFError:
            console.print()
            return None
        t = text.strip()
        if not t:
            return ""
        if t.lower() in commands:
            return t.lower()
        wrapped = _bracketed(t, expected)
        try:
            return fit(parse_answer(wrapped), expected, key)
        except TutorError as e:
            message = e.message
            if wrapped != t:  # columns count in what was typed, not in the brackets added around it
                import re

                message = re.sub(r"column (\d+)", lambda m: f"column {max(1, int(m.group(1)) - 1)}", message)
            console.print(Text(f"  {message}. Try again (blank skips).", style="red"))


def _bracketed(text: str, expected: Any) -> str:
    """'0.62, 0.55' for a vector step means [0.62, 0.55]."""
    import numpy as np

    if isinstance(expected, dict) or np.ndim(expected) == 0 or text.startswith(("[", "(")) or "," not in text:
        return text
    return f"[{text}]"


def _save_check(result: Any) -> None:
    from tutor.progress import Store

    from tutor.printers.numbers import inline_value

    with Store() as store:
        attempt = store.start_attempt(result.problem.id, result.problem.topic, result.problem.kind, "check",
                                      params=result.settings or None)
        for m in result.marks:
            store.record_step(attempt, m.key, m.status, m.given.text if m.given is not None else None,
                              _as_text(m.expected, inline_value), m.mistake.name if m.mistake else None)
        store.finish_attempt(attempt, result.solved)


def _as_text(value: Any, inline_value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} = {inline_value(v, 6)}" for k, v in value.items())
    return str(inline_value(value, 6))


@app.command()
@friendly
def quiz(
    topic: Optional[str] = typer.Option(None, "--topic", "-t", help="Only this topic."),
    kind: Optional[str] = typer.Option(None, "--kind", "-k", help="Only this kind of problem."),
    count: int = typer.Option(3, "--count", "-n", min=1, max=50, help="How many questions."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Draw the same questions again (shown at the start)."),
    digits: Optional[int] = typer.Option(None, "--digits", "-d", metavar="N", help="Significant digits shown."),
    bank: Optional[List[Path]] = BankOption,
) -> None:
    """Practise on fresh variants of bank problems: each key step asked, marked, and worked after a miss; '?'
    climbs a hint ladder (formula, numbers, value). Your results are remembered; weak topics come up more."""
    import random

    from tutor.api import load_bank
    from tutor.progress import Store
    from tutor.quiz import choose, eligible
    from tutor.variants import draw, item_seed

    _check_digits(digits)
    problems = eligible(load_bank(_banks(bank)).problems, topic, kind)
    if seed is None:
        seed = random.SystemRandom().randrange(1, 10**6)
    store = Store()
    weights = store.weak_topics(sorted({p.topic for p in problems}))
    items = choose(problems, count, seed, weights)
    console = _console()
    from rich.text import Text

    console.print(Text(f"Quiz: {_count(count, 'question')}, seed {seed} ('tutor quiz --seed {seed}' repeats it). "
                       "Type ? for a hint, blank to skip a step, q to stop.", style="dim"))
    solved = answered = 0
    try:
        for n, problem in enumerate(items, 1):
            variant = draw(problem, item_seed(seed, n))
            outcome = _quiz_item(console, store, n, count, variant, seed, digits)
            answered += 1
            solved += outcome == "solved"
            if outcome == "stop":
                break
    except KeyboardInterrupt:
        console.print()
        console.print(Text("Stopped. Every step you answered is saved.", style="dim"))
        raise typer.Exit(130) from None
    console.print()
    console.print(Text(f"{solved} of {_count(answered, 'question')} solved. 'tutor progress' shows your record.",
                       style="bold"))


def _quiz_item(console: Any, store: Any, n: int, count: int, variant: Any, seed: int,
               digits: Optional[int]) -> str:
    """Ask one question step by step; returns 'solved', 'done' or 'stop'."""
    from rich.text import Text

    from tutor.check import CORRECT
    from tutor.printers.terminal import TerminalPrinter, inline
    from tutor.quiz import HINTS, Item, quiz_keys

    problem, solution = variant.problem, variant.solution
    printer = TerminalPrinter(console, digits=digits or problem.digits or 4)
    item = Item(variant, asked=quiz_keys(solution))
    console.print()
    console.rule(f"Question {n} of {count}")
    shown = problem if not variant.settings else _without_prompt(problem)
    for r in printer.header(shown, solution):
        console.print(r)
    if variant.settings:
        console.print(Text(f"A fresh variant of '{problem.id}': the same question with the givens above.",
                           style="yellow"))
    keys = quiz_keys(solution)
    console.print(Text(f"Work out {', '.join(keys)}.", style="bold"))
    attempt = store.start_attempt(problem.id, problem.topic, problem.kind, "quiz", seed, variant.settings or None)
    numbers = {s.key: i for i, s in enumerate(solution.visible_steps(), 1)}
    all_right = True
    for key in keys:
        step = solution.steps[key]
        label = f"[{key}] {step.title}"
        while True:
            reply = _read_answer(console, label, solution.values[key], key, commands=("q", "?", "hint"))
            if reply in ("?", "hint"):
                level = item.hint(key)
                console.print(Text(f"Hint {level} of {len(HINTS)} ({HINTS[level - 1]}):", style="cyan"))
                console.print(_hint(printer, item, key, level))
                if level == len(HINTS):
                    store.record_step(attempt, key, "revealed", None, inline(solution.values[key], 6),
                                      None, level)
                    all_right = False
                    break
                continue
            if reply is None or reply == "q":
                store.finish_attempt(attempt, False)
                return "stop"
            if reply == "":
                store.record_step(attempt, key, "missing", None, inline(solution.values[key], 6), None,
                                  item.hints.get(key, 0))
                all_right = False
                break
            mark = item.mark(key, reply)
            _say_mark(console, printer, solution, mark, numbers)
            store.record_step(attempt, key, mark.status, reply.text, inline(mark.expected, 6),
                              mark.mistake.name if mark.mistake else None, item.hints.get(key, 0))
            all_right &= mark.status == CORRECT
            break
    store.finish_attempt(attempt, all_right)
    return "solved" if all_right else "done"


def _without_prompt(problem: Any) -> Any:
    """The problem without its question text and source: both quote the bank's numbers, and a variant has
    others."""
    from dataclasses import replace

    return replace(problem, prompt=None, source=None)


def _hint(printer: Any, item: Any, key: str, level: int) -> Any:
    """Rung 1: the formula; rung 2: the formula with the numbers in (the student's own earlier values);
    rung 3: the whole step with its value."""
    from rich.console import Group
    from rich.text import Text

    from tutor.printers.text import Box, hcat

    from tutor.quiz import feeding

    solution = item.own_values()
    keys = feeding(solution, key, item.asked) + [key]
    parts: list[Any] = []
    for k in keys:
        step = solution.steps[k]
        lhs = printer.text.box(step.symbol)
        if level == 1:
            parts.append(printer._lines(hcat(lhs, Box.of(" = "), printer.text.box(step.formula)), "cyan"))
        elif level == 2 or k != key:
            subs = solution.substitution(k)
            if level == 3 or not subs:  # nothing to substitute: the step itself
                parts.append(printer.chain(solution, k))
            else:
                parts.extend(printer._lines(hcat(lhs, Box.of(" = "), printer.text.box(e))) for e in subs)
        else:
            parts.append(printer.chain(solution, k))
    return Group(*parts) if parts else Text("  (no formula to show)")


def _say_mark(console: Any, printer: Any, solution: Any, mark: Any, numbers: dict) -> None:  # type: ignore[type-arg]
    from rich.text import Text

    from tutor.printers.terminal import STATUS_TEXT, inline

    label, style = STATUS_TEXT[mark.status]
    if mark.status == "correct":
        console.print(Text(f"  {label}", style=style))
        return
    if mark.status == "carried_forward":
        console.print(Text(f"  {label}: right from your earlier values (the correct value is "
                           f"{inline(mark.expected, printer.text.digits)}).", style=style))
        return
    from tutor.quiz import feeding, quiz_keys

    console.print(Text(f"  {label}. The step worked correctly:", style=style))
    for k in feeding(solution, mark.key, quiz_keys(solution)) + [mark.key]:
        console.print(printer.step(solution, numbers.get(k, 0), k))
    if mark.mistake is not None:
        from tutor.printers.terminal import mistake_sentence

        console.print(printer._para(f"Likely mistake: {mistake_sentence(mark)}", "yellow"))


class SheetFormat(str, Enum):
    md = "md"
    tex = "tex"
    html = "html"
    pdf = "pdf"


@app.command()
@friendly
def export(
    problem_ids: Optional[List[str]] = typer.Argument(None, metavar="[ID]...", help="Problem ids to export."),
    topic: Optional[str] = typer.Option(None, "--topic", "-t", help="Every problem of this topic."),
    all_: bool = typer.Option(False, "--all", help="Every problem in the bank."),
    fmt: Optional[SheetFormat] = typer.Option(None, "--format", "-f", case_sensitive=False,
                                              help="md, tex, html or pdf (default: from -o's suffix, else md)."),
    output: Optional[str] = typer.Option(None, "--output", "-o", metavar="PATH",
                                       help="A file, or a directory for one file per problem (default: standard "
                                            "output)."),
    worksheet: bool = typer.Option(False, "--worksheet", help="The questions with empty steps to fill in."),
    key: bool = typer.Option(False, "--key", help="The answer key: every step's value."),
    seed: Optional[int] = typer.Option(None, "--seed", metavar="S",
                                       help="A randomised variant (the quiz's draw); the same S, the same numbers."),
    students: Optional[Path] = typer.Option(None, "--students", metavar="ROSTER.csv",
                                            help="One worksheet per student (their own variant, the same every "
                                                 "time) and one key listing every student's variant."),
    digits: Optional[int] = typer.Option(None, "--digits", "-d", metavar="N",
                                         help="Significant digits shown, 1 to 15 (default: the problem's, else 4)."),
    bank: Optional[List[Path]] = BankOption,
) -> None:
    """Export worked solutions, worksheets or answer keys as Markdown, LaTeX, HTML (MathML) or PDF."""
    from tutor.errors import TutorError
    from tutor.export import Plan, export as run_export, export_roster, format_from, read_roster
    from tutor.printers.sheet import KEY, SOLUTION, WORKSHEET

    if digits is not None and not 1 <= digits <= 15:
        raise TutorError(f"--digits: expected a whole number of significant digits from 1 to 15, got {digits}")
    if worksheet and key:
        raise TutorError("--worksheet and --key: choose one (a roster's export writes both: worksheets and a key)")
    if output is not None and not output.strip():
        raise TutorError("-o: the path is empty; expected a file name (lstm.pdf) or a directory (sheets/)")
    # a trailing slash says "directory" even before it exists (Path would drop it)
    out, as_dir = (Path(output), output.endswith(("/", os.sep))) if output is not None else (None, False)
    problems = _select(problem_ids or [], topic, all_, _banks(bank))
    implied = None if as_dir else format_from(out)
    if fmt is None:
        chosen = implied or "md"
    else:
        chosen = fmt.value
        if implied and implied != chosen and not (out is not None and out.is_dir()):
            raise TutorError(f"-o {out}: its suffix says {implied}, but --format says {chosen}; make them agree")
    mode = WORKSHEET if worksheet else KEY if key else SOLUTION
    title = problems[0].title if len(problems) == 1 else (f"{topic} problems" if topic else "tutor problems")
    plan = Plan(problems, chosen, mode, seed, digits, title)
    if students is not None:
        written = export_roster(plan, read_roster(students), out, seed or 0)
    else:
        written = run_export(plan, out, lambda text: typer.echo(text, nl=False),
                             lambda text: typer.echo(text, err=True), as_dir)
    if written:
        shown = [str(p) for p in written]
        more = f" and {len(shown) - 3} more" if len(shown) > 4 else ""
        typer.echo(f"wrote {', '.join(shown[:3] if more else shown)}{more}", err=True)


def _select(ids: list[str], topic: Optional[str], all_: bool, banks: list[str]) -> list:  # type: ignore[type-arg]
    """The problems an export names: ids (in the order given), a topic, or all, at least one way."""
    from tutor.api import find_problem, load_bank
    from tutor.errors import TutorError

    if sum(bool(x) for x in (ids, topic, all_)) != 1:
        raise TutorError("say what to export: problem ids, --topic TOPIC or --all (one of them)")
    if ids:
        return [find_problem(i, banks) for i in ids]
    result = load_bank(banks)
    problems = sorted(result.problems, key=lambda p: (p.topic, p.id))
    if topic:
        problems = _of_topic(problems, topic)
    _report_bank_errors(result.errors)
    return problems


def _of_topic(problems: list, topic: str) -> list:  # type: ignore[type-arg]
    """The problems of one topic; an unknown topic is an error that lists the topics (and the nearest)."""
    from tutor.errors import TutorError, did_you_mean

    chosen = [p for p in problems if p.topic == topic]
    if not chosen:
        topics = sorted({p.topic for p in problems})
        raise TutorError(f"no problems with topic {topic!r}{did_you_mean(topic, topics)}; topics: "
                         f"{', '.join(topics)}", field="--topic")
    return chosen


class DeriveFormat(str, Enum):
    text = "text"
    json = "json"
    md = "md"
    tex = "tex"
    html = "html"
    pdf = "pdf"


@app.command()
@friendly
def derive(
    names: Optional[List[str]] = typer.Argument(None, metavar="[NAME]...",
                                                help="Derivation names (softmax-jacobian), or derivation files."),
    list_: bool = typer.Option(False, "--list", "-l", help="List the derivations."),
    all_: bool = typer.Option(False, "--all", help="Every derivation (for an export)."),
    fmt: DeriveFormat = typer.Option(DeriveFormat.text, "--format", "-f", case_sensitive=False,
                                     help="text (the terminal), json, md, tex, html or pdf."),
    output: Optional[str] = typer.Option(None, "--output", "-o", metavar="FILE",
                                         help="Write to FILE (json, md, tex, html or pdf; default: standard "
                                              "output)."),
    bank: Optional[List[Path]] = BankOption,
) -> None:
    """Derive a formula step by step, every line machine-checked by sympy (the rule each line applies, too).

    Exit status 1 when a line is not verified (a derivation file of your own with a slip in it)."""
    from tutor.derivations import derive as check, find, list_derivations
    from tutor.errors import TutorError

    banks = _banks(bank)
    if list_:
        found, errors = list_derivations(banks)
        _report_bank_errors(errors)
        if fmt == DeriveFormat.json:
            from tutor.printers.json import dumps

            typer.echo(dumps([{"name": d.name, "title": d.title, "topic": d.topic} for d in found]))
            return
        width = max((len(d.name) for d in found), default=0)
        for d in sorted(found, key=lambda d: (d.topic, d.name)):
            typer.echo(f"{d.name:<{width}}  {d.topic:<12}  {d.title}")
        return
    if bool(names) == all_:
        raise TutorError("say which derivation: a name (tutor derive --list shows them), or --all")
    if all_:
        found, errors = list_derivations(banks)
        _report_bank_errors(errors)
        chosen = sorted(found, key=lambda d: (d.topic, d.name))
    else:
        chosen = [find(n, banks) for n in names or []]
    derived = [check(d) for d in chosen]
    if fmt == DeriveFormat.json:
        from tutor.printers.json import derivation_dict, dumps

        data = [derivation_dict(dv) for dv in derived]
        text = dumps(data[0] if len(data) == 1 and not all_ else data)
        if output is None:
            typer.echo(text)
        else:
            try:
                Path(output).write_text(text + "\n", encoding="utf-8")
            except OSError as e:
                raise TutorError(f"cannot write {output}: {e.strerror or e}", field="-o") from None
            typer.echo(f"wrote {output}", err=True)
    elif fmt == DeriveFormat.text:
        if output is not None:
            raise TutorError("-o: the terminal view goes to the screen; choose --format md, tex, html or pdf "
                             "to write a file")
        from rich.console import Group

        from tutor.printers.terminal import TerminalPrinter, derivation_view

        console = _console()
        printer = TerminalPrinter(console)
        views: list[Any] = []
        for k, dv in enumerate(derived):
            if k:
                from rich.text import Text

                views += [Text(""), Text("─" * min(console.width, 60), style="dim"), Text("")]
            views += list(derivation_view(printer, dv))
        console.print(Group(*views))
    else:
        from tutor.export import write_derivations

        title = derived[0].title if len(derived) == 1 else "tutor derivations"
        written = write_derivations(derived, fmt.value, Path(output) if output else None, title,
                                    lambda text: typer.echo(text, nl=False))
        if written:
            typer.echo(f"wrote {', '.join(str(p) for p in written)}", err=True)
    if not all(dv.verified for dv in derived):
        raise typer.Exit(1)


@app.command()
@friendly
def progress(
    fmt: Format = FormatOption,
    reset: bool = typer.Option(False, "--reset", help="Delete your progress (asks first)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="With --reset: do not ask."),
    bank: Optional[List[Path]] = BankOption,
) -> None:
    """Your record: problems solved per topic, attempts, hints, and the mistakes you make most."""
    from tutor.api import load_bank
    from tutor.progress import Store, format_summary

    if yes and not reset:
        from tutor.errors import TutorError

        raise TutorError("--yes only goes with --reset (it skips the question before deleting)")
    store = Store()
    if reset:
        summary = store.summary([])
        n = summary["attempts"]
        if n == 0:
            typer.echo(f"nothing to delete: no attempts recorded in {summary['path']}")
            return
        if not yes:
            try:
                ok = typer.confirm(f"Delete all {_count(n, 'attempt')} in {summary['path']}?", default=False)
            except typer.Abort:
                ok = False
            if not ok:
                typer.echo("nothing deleted")
                return
        deleted = store.reset()
        typer.echo(f"deleted {_count(deleted, 'attempt')}")
        return
    problems = [(p.id, p.topic) for p in load_bank(_banks(bank)).problems]
    summary = store.summary(problems)
    if fmt == Format.json:
        from tutor.printers.json import dumps

        typer.echo(dumps(summary))
    else:
        typer.echo(format_summary(summary))


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
