"""Derivations, step by step and machine-checked (`tutor derive`).

`lang.py` parses the notation, `display.py` shows it, `check.py` checks it with sympy, `model.py` reads the
files. This module finds the files (`problems/derivations/` and every bank's `derivations/` folder) and puts it
together: `derive(name)` is a `Derived`, every line with its verdict, ready for any printer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from tutor.errors import TutorError, did_you_mean

if TYPE_CHECKING:
    from tutor.derivations.check import Verdict
    from tutor.derivations.model import Derivation
    from tutor.engine.expr import Expr

FOLDER = "derivations"


def derivation_files(extra: Iterable[str] = ()) -> list[Path]:
    """The `derivations/` folder of every bank directory (built-in, TUTOR_BANK, --bank), and any folder named
    `derivations` below them."""
    from tutor.bank import bank_dirs

    files: list[Path] = []
    for d in bank_dirs(extra):
        for folder in sorted({d / FOLDER, *d.rglob(FOLDER)} if d.is_dir() else set()):
            if folder.is_dir():
                files.extend(sorted(p for p in folder.glob("*.y*ml") if p.is_file()))
    seen: set[Path] = set()
    return [f for f in files if not (f.resolve() in seen or seen.add(f.resolve()))]  # type: ignore[func-returns-value]


def list_derivations(extra: Iterable[str] = ()) -> tuple[list["Derivation"], list[TutorError]]:
    """Every derivation in every bank's `derivations/` folder, and the errors of the files that do not load."""
    from tutor.bank import load_each
    from tutor.derivations.model import load_file

    def duplicate(d: "Derivation", first: "Derivation") -> TutorError:
        return TutorError(f"duplicate derivation name {d.name!r}: also in {first.where('name')}",
                          where=d.where("name"), field="name")

    return load_each(derivation_files(extra), load_file, lambda d: d.name, duplicate)


def find(name: str, extra: Iterable[str] = ()) -> "Derivation":
    """One derivation by name, or by the path of a derivation file."""
    from tutor.derivations.model import load_file

    if name.endswith((".yaml", ".yml")) or "/" in name:
        return load_file(Path(name))
    for f in derivation_files(extra):  # NAME.yaml is the usual place: read that one file first
        if f.stem == name:
            try:
                d = load_file(f)
            except TutorError:
                break  # the full pass below reports it with every other file's errors in view
            if d.name == name:
                return d
    found, errors = list_derivations(extra)
    for d in found:
        if d.name == name:
            return d
    for e in errors:
        if e.where is not None and e.where.file and Path(e.where.file).stem == name:
            raise e
    known = sorted(d.name for d in found)
    raise TutorError(f"unknown derivation {name!r}{did_you_mean(name, known)}; 'tutor derive --list' shows the "
                     f"{len(known)} derivations")


# -- a derivation with its verdicts ------------------------------------------------------------------------------
@dataclass
class DerivedLine:
    rule: str
    expr: "Expr"
    source: str
    verdict: "Verdict"
    why: str = ""
    using: list[tuple["Expr", "Expr"]] = field(default_factory=list)


@dataclass
class DerivedNotes:
    after: int
    expr: "Expr"
    source: str
    verdict: "Verdict"
    says: str


@dataclass
class DerivedPart:
    title: str
    when: "Expr | None"
    start: "Expr"
    lines: list[DerivedLine]
    notes_say: list[DerivedNotes]
    coverage: str
    note: str = ""


@dataclass
class Derived:
    derivation: "Derivation"
    parts: list[DerivedPart]
    definitions: list[tuple["Expr", "Expr"]]

    @property
    def name(self) -> str:
        return self.derivation.name

    @property
    def title(self) -> str:
        return self.derivation.title

    def lines(self) -> list[DerivedLine]:
        return [ln for p in self.parts for ln in p.lines]

    @property
    def verified(self) -> bool:
        """Every line checked (and every line the notes write wrongly shown to be wrong)."""
        return all(ln.verdict.verified for ln in self.lines()) and \
            all(ns.verdict.status == "false" for p in self.parts for ns in p.notes_say)


def derive(d: "Derivation") -> Derived:
    """Check every line of `d` and lay it out for the printers."""
    from tutor.derivations.check import check_part
    from tutor.derivations.display import Display, Notation, prose
    from tutor.derivations.lang import unparse
    from tutor.engine.expr import Rel

    show = Display(Notation(d.symbols))
    parts = []
    for part in d.parts:
        verdicts, notes_verdicts, coverage = check_part(d, part)
        for k in range(1, len(verdicts)):
            if verdicts[k].status == "false" and verdicts[k - 1].status == "false":
                verdicts[k].detail += f" (it is compared with line ({k}), which is itself false)"
        lines = [DerivedLine(prose(ln.rule), show(ln.expr), unparse(ln.expr), v, prose(ln.why),
                             [(show(a), show(b)) for a, b in ln.using.items()])
                 for ln, v in zip(part.lines, verdicts)]
        notes = [DerivedNotes(ns.after, show(ns.expr), unparse(ns.expr), v, prose(ns.says))
                 for ns, v in zip(part.notes_say, notes_verdicts)]
        when = None
        if part.when:
            shown = [show(c) for c in part.when]
            when = shown[0] if len(shown) == 1 else Rel(shown[0], ",", shown[1])
        parts.append(DerivedPart(prose(part.title), when, show(part.start), lines, notes, coverage,
                                 prose(part.note)))
    definitions = [(show(pattern), show(body)) for pattern, body in (d.defines[k] for k in d.define_order)]
    import dataclasses

    d = dataclasses.replace(d, summary=prose(d.summary), notes=[prose(n) for n in d.notes],
                            conventions=[prose(c) for c in d.conventions])
    return Derived(d, parts, definitions)
