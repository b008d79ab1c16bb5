"""Exports: step sheets, worksheets and answer keys, for print and the web (`tutor export`).

`sheets_for` turns problems into `Sheet`s (solved, or drawn as a variant with the quiz's machinery);
`render` lays them out in one format; `export` decides the files: one document, one file per problem in a
directory, or, from a class roster, one worksheet per student and one key listing every student's variant.
The same student always gets the same variant: the draw's seed comes from the student's id (or name) and
`--seed`.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from tutor.errors import TutorError, Where
from tutor.printers.sheet import KEY, SOLUTION, WORKSHEET, Sheet

if TYPE_CHECKING:
    from tutor.bank import Problem
    from tutor.derivations import Derived
    from tutor.printers.sheet import SheetPrinter

FORMATS = ("md", "tex", "html", "pdf")
ROSTER_NAME_COLUMNS = ("name", "student", "student name", "full name")
ROSTER_ID_COLUMNS = ("id", "student id", "student_id", "number", "email", "username")


# -- what goes on the sheets ----------------------------------------------------------------------------------
def make_sheet(problem: "Problem", mode: str = SOLUTION, seed: int | None = None, label: str | None = None) -> Sheet:
    """One problem, solved; with a seed, a variant drawn as `tutor quiz` draws them (a problem without `vary`
    is its own only variant)."""
    from tutor.api import solve

    if seed is None or not problem.vary:
        solution = solve(problem)
        variant = False
    else:
        from tutor.variants import draw

        solution = draw(problem, seed).solution
        # the question text and source quote the bank's numbers, which a variant does not have
        problem = replace(problem, prompt=None, source=None)
        variant = True
    sheet = Sheet(problem, solution, mode, variant, label)
    if mode == SOLUTION:
        from tutor.pictures import pictures

        sheet.pictures = pictures(solution)
    return sheet


def sheets_for(problems: list["Problem"], mode: str = SOLUTION, seed: int | None = None,
               label: str | None = None) -> list[Sheet]:
    return [make_sheet(p, mode, seed, label) for p in problems]


def printer_for(fmt: str, digits: int | None = None) -> "SheetPrinter":
    if fmt == "md":
        from tutor.printers.markdown import MarkdownPrinter

        return MarkdownPrinter(digits)
    if fmt == "tex":
        from tutor.printers.tex import TexPrinter

        return TexPrinter(digits)
    if fmt in ("html", "pdf"):
        from tutor.printers.html import HtmlPrinter

        return HtmlPrinter(digits)
    raise TutorError(f"--format: unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


@dataclass
class Rendered:
    text: str
    assets: dict[str, str] = field(default_factory=dict)  # file name -> content, written beside the document


def render(sheets: list[Sheet], fmt: str, title: str, digits: int | None = None, assets_named: str = "") -> Rendered:
    """The sheets as one document (for pdf: the HTML that is printed). Files the document links (Markdown's
    pictures) are named after `assets_named`, the document's own name, so two documents in one directory never
    share (and overwrite) a picture."""
    printer = printer_for(fmt, digits)
    printer.assets_named = assets_named
    text = printer.document(sheets, title)
    return Rendered(text, dict(printer.assets))


def write_derivations(derived: list["Derived"], fmt: str, out: Path | None, title: str,
                      emit: Callable[[str], None]) -> list[Path]:
    """Derivations as one document in md, tex, html or pdf: to `emit` (standard output) or to the file `out`."""
    printer = printer_for(fmt)
    rendered = Rendered(printer.derivation_document(derived, title))
    if out is None:
        if fmt == "pdf":
            raise TutorError("-o: a PDF needs a file to go to, e.g. -o softmax-jacobian.pdf")
        emit(rendered.text)
        return []
    _check_suffix(out, fmt)
    return _write(out, rendered, fmt)


# -- a class roster -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Student:
    name: str
    id: str  # what the variant is drawn from: the id column if there is one, else the name
    where: Where


def read_roster(path: Path) -> list[Student]:
    """Students from a CSV file: a header row naming a `name` column (and optionally `id`, `email`, ...), or no
    header and the name in the first column. Blank lines are skipped; a duplicate student is an error."""
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise TutorError(f"no such roster file: {shown}; expected a CSV file with one student per line",
                         field="--students") from None
    except (OSError, UnicodeDecodeError) as e:
        raise TutorError(f"cannot read the roster {shown}: {getattr(e, 'strerror', None) or e}",
                         field="--students") from None
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    # spreadsheets export with commas, semicolons or tabs: the first line's most frequent one is the delimiter
    delimiter = max(",;\t", key=first.count) if any(d in first for d in ",;\t") else ","
    rows = [(n, row) for n, row in enumerate(csv.reader(lines, delimiter=delimiter), 1)
            if any(c.strip() for c in row)]
    if not rows:
        raise TutorError("the roster is empty; expected one student per line (a `name` column)",
                         where=Where(shown, 1, 1), field="--students")
    header = [c.strip().lower() for c in rows[0][1]]
    name_col, id_col = 0, None
    if any(h in ROSTER_NAME_COLUMNS or h in ROSTER_ID_COLUMNS for h in header):
        names = [i for i, h in enumerate(header) if h in ROSTER_NAME_COLUMNS]
        ids = [i for i, h in enumerate(header) if h in ROSTER_ID_COLUMNS]
        name_col = names[0] if names else ids[0]
        id_col = ids[0] if ids else None
        rows = rows[1:]
    elif max(len(row) for _, row in rows) > 1:  # several columns, none of them named: which is the name?
        raise TutorError(f"no `name` column in the first line {rows[0][1]}; expected a header naming the columns, "
                         "such as `name,id`, or one name per line", where=Where(shown, rows[0][0], 1),
                         field="--students")
    students: list[Student] = []
    seen: dict[str, Student] = {}
    for line, row in rows:
        where = Where(shown, line, 1)
        name = row[name_col].strip() if name_col < len(row) else ""
        sid = row[id_col].strip() if id_col is not None and id_col < len(row) else name
        if not name:
            raise TutorError(f"this line has no student name (column {name_col + 1})", where=where,
                             field="--students")
        if not sid:
            raise TutorError(f"{name} has no id (column {id_col + 1 if id_col is not None else 1})",
                             where=where, field="--students")
        if sid in seen:
            raise TutorError(f"{sid!r} is listed twice (first at line {seen[sid].where.line}); each "
                             "student needs a line of their own, or an id column to tell them apart", where=where,
                             field="--students")
        student = Student(name, sid, where)
        seen[sid] = student
        students.append(student)
    if not students:
        raise TutorError("the roster has a header but no students", where=Where(shown, 1, 1), field="--students")
    return students


def student_seed(seed: int, student: Student) -> int:
    """The seed a student's variants are drawn from: the same student and --seed always give the same one."""
    from tutor.variants import item_seed

    return item_seed(seed, "student", student.id) % (2**31)


def sheet_name(student: Student) -> str:
    """A student's file name: their name, and their id when the roster has one, so that the name depends on
    nothing but the student (two Ada Lovelaces, whatever their order, keep their own files)."""
    if student.id == student.name:
        return slug(student.name)
    return f"{slug(student.name)}-{slug(student.id)}"


def slug(text: str) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return s or "student"


# -- files ---------------------------------------------------------------------------------------------------
@dataclass
class Plan:
    """What to export, as the CLI asked for it."""

    problems: list["Problem"]
    fmt: str
    mode: str = SOLUTION
    seed: int | None = None
    digits: int | None = None
    title: str = "tutor"


def _write(path: Path, rendered: Rendered, fmt: str) -> list[Path]:
    """Write one document (and its pictures beside it); for pdf, print the HTML."""
    written = []
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "pdf":
            from tutor.printers.pdf import html_to_pdf

            html_to_pdf(rendered.text, path)
        else:
            path.write_text(rendered.text, encoding="utf-8")
        written.append(path)
        for name, content in rendered.assets.items():
            asset = path.parent / name
            asset.write_text(content, encoding="utf-8")
            written.append(asset)
    except NotADirectoryError:
        raise TutorError(f"-o {path}: a part of this path is a file, not a directory") from None
    except FileExistsError:
        raise TutorError(f"-o {path}: {path.parent} is a file, not a directory") from None
    except IsADirectoryError:
        raise TutorError(f"-o {path}: is a directory; expected a file name (or give several problems to fill a "
                         "directory)") from None
    except OSError as e:
        raise TutorError(f"cannot write {path}: {e.strerror or e}") from None
    return written


def is_directory_target(out: Path, many: bool, as_dir: bool = False) -> bool:
    """-o names a directory when it is one, was written with a trailing slash (`as_dir`), or has no file suffix
    while there are many sheets."""
    return as_dir or out.is_dir() or (many and not out.suffix)


def export(plan: Plan, out: Path | None, emit: Callable[[str], None], note: Callable[[str], None],
           as_dir: bool = False) -> list[Path]:
    """Export the plan's problems: to `emit` (standard output) when there is no `out`; to the file `out` as one
    document; or, when `out` is a directory, one file per problem and an index. `note` hears what was left
    out."""
    if out is None:
        if plan.fmt == "pdf":
            raise TutorError("-o: a PDF needs a file to go to, e.g. -o sheet.pdf")
        sheets = sheets_for(plan.problems, plan.mode, plan.seed)
        dropped = sum(len(s.pictures) for s in sheets) if plan.fmt == "md" else 0
        if dropped:  # Markdown links its pictures as files, and there is no file to put them beside
            for s in sheets:
                s.pictures = []
        emit(render(sheets, plan.fmt, plan.title, plan.digits).text)
        if dropped:
            note(f"{dropped} picture(s) left out: with -o FILE.md they are saved as SVG files beside it")
        return []
    if not is_directory_target(out, len(plan.problems) > 1, as_dir):
        _check_suffix(out, plan.fmt)
        sheets = sheets_for(plan.problems, plan.mode, plan.seed)
        return _write(out, render(sheets, plan.fmt, plan.title, plan.digits, out.stem), plan.fmt)
    written: list[Path] = []
    entries = []
    for problem in plan.problems:
        sheets = sheets_for([problem], plan.mode, plan.seed)
        path = out / f"{problem.id}{_suffix(plan.mode)}.{plan.fmt}"
        written += _write(path, render(sheets, plan.fmt, problem.title, plan.digits, path.stem), plan.fmt)
        entries.append((path.name, problem.title, problem.topic))
    if len(entries) > 1 and plan.fmt in ("html", "md"):
        written.append(_write_index(out, plan.fmt, plan.title, entries))
    return written


def export_roster(plan: Plan, students: list[Student], out: Path | None, seed: int) -> list[Path]:
    """One worksheet per student (all the plan's problems, drawn for that student), and one answer key that
    lists every student's variant. With `plan.mode == KEY`, only the key."""
    if out is None or (out.exists() and not out.is_dir()) or out.suffix:
        raise TutorError("-o: with --students, give a directory for the students' sheets and the key, "
                         "e.g. -o worksheets/")
    written: list[Path] = []
    keys: list[Sheet] = []
    for student in students:
        s_seed = student_seed(seed, student)
        label = f"{student.name}" + (f" ({student.id})" if student.id != student.name else "") + \
            f" · variant seed {s_seed}"
        if plan.mode != KEY:
            sheets = sheets_for(plan.problems, WORKSHEET if plan.mode == SOLUTION else plan.mode, s_seed, label)
            path = out / f"{sheet_name(student)}.{plan.fmt}"
            written += _write(path, render(sheets, plan.fmt, f"{plan.title}: {student.name}", plan.digits),
                              plan.fmt)
        keys += sheets_for(plan.problems, KEY, s_seed, label)
    written += _write(out / f"key.{plan.fmt}", render(keys, plan.fmt, f"{plan.title}: answer key", plan.digits),
                      plan.fmt)
    return written


def _suffix(mode: str) -> str:
    return {SOLUTION: "", WORKSHEET: "-worksheet", KEY: "-key"}[mode]


def _check_suffix(out: Path, fmt: str) -> None:
    wanted = {"md": (".md", ".markdown"), "tex": (".tex",), "html": (".html", ".htm"), "pdf": (".pdf",)}[fmt]
    if out.suffix and out.suffix.lower() not in wanted:
        other = format_from(out)
        hint = (f" (or choose the format with --format {other})" if other else
                " (the formats are md, tex, html and pdf)")
        raise TutorError(f"-o {out}: a {fmt} file should end in {wanted[0]}{hint}")


def format_from(out: Path | None) -> str | None:
    """The format an output file's suffix implies, if any."""
    if out is None:
        return None
    return {".md": "md", ".markdown": "md", ".tex": "tex", ".html": "html", ".htm": "html",
            ".pdf": "pdf"}.get(out.suffix.lower())


def _write_index(out: Path, fmt: str, title: str, entries: list[tuple[str, str, str]]) -> Path:
    from html import escape

    if fmt == "html":
        items = "\n".join(f'<li><a href="{escape(f)}">{escape(t)}</a> <span class="meta">{escape(topic)}</span>'
                          "</li>" for f, t, topic in entries)
        text = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>" + escape(title) +
                "</title><style>body{font:11pt/1.5 sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}"
                ".meta{color:#666;font-size:.9em}</style></head>\n<body><h1>" + escape(title) +
                f"</h1>\n<ol>\n{items}\n</ol>\n</body></html>\n")
        path = out / "index.html"
    else:
        from tutor.printers.markdown import escape as md

        text = f"# {md(title)}\n\n" + "\n".join(f"1. [{md(t)}]({f}) · *{md(topic)}*" for f, t, topic in entries) + "\n"
        path = out / "index.md"
    return _write(path, Rendered(text), "md" if fmt == "md" else "html")[0]
