"""Golden terminal rendering at a fixed width: the layout, not the numbers (those are tested per solver).

Regenerate on purpose, never by accident: TUTOR_REGEN_GOLDEN=1 python -m pytest tests/printers/test_golden.py
"""

import io
import os
from pathlib import Path

import pytest

from tutor.api import find_problem, solve
from tutor.printers.terminal import TerminalPrinter, make_console

GOLDEN = Path(__file__).parent / "golden"


def render(problem_id: str, width: int = 100) -> str:
    problem = find_problem(problem_id)
    solution = solve(problem)
    buf = io.StringIO()
    console = make_console(file=buf, width=width, plain=True)
    printer = TerminalPrinter(console, digits=4)
    for r in printer.header(problem, solution):
        console.print(r)
    for n, s in enumerate(solution.visible_steps(), 1):
        console.print(printer.step(solution, n, s.key))
    for r in printer.footer(solution):
        console.print(r)
    return buf.getvalue()


@pytest.mark.parametrize("problem_id", ["lstm-step", "softmax-jacobian"])
def test_golden_rendering(problem_id):
    path = GOLDEN / f"{problem_id}.txt"
    text = render(problem_id)
    if os.environ.get("TUTOR_REGEN_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; run with TUTOR_REGEN_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8")


def test_no_line_is_wider_than_the_console():
    for line in render("lstm-step", width=80).splitlines():
        assert len(line) <= 80, line
    for line in render("lstm-step", width=100).splitlines():
        assert line == line.rstrip(), repr(line)


def test_wide_matrices_are_elided_to_fit_the_console(monkeypatch):
    from typer.testing import CliRunner

    from tutor.cli import app

    monkeypatch.setenv("COLUMNS", "80")
    r = CliRunner().invoke(app, ["solve", "softmax-jacobian", "--set", f"x={list(range(1, 13))}"])
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "(12×12)" in r.stdout and "(12×1)" in r.stdout and "⋯" in r.stdout
    assert not any(line.endswith("…") for line in lines)  # elided by columns, never cut off
