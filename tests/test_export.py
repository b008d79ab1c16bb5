"""`tutor export` and `tutor.export`: what goes on the sheets, which files are written, rosters, and errors.

The numbers on a sheet are checked against an LSTM step re-derived here in plain numpy from the problem file's
givens; the formats' own layout (MathML, LaTeX compiling, the browser) is tested in tests/printers/.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tutor.api import find_problem
from tutor.cli import app
from tutor.errors import TutorError
from tutor.export import Plan, export, export_roster, make_sheet, read_roster, render, student_seed
from tutor.printers.numbers import format_number
from tutor.printers.sheet import KEY, SOLUTION, WORKSHEET

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for f in fragments:
        assert f in lines[0], lines[0]


def lstm_by_hand(p: dict) -> dict[str, np.ndarray]:
    """One LSTM step, written out independently of the solver (PyTorch's gate equations, no biases)."""
    a = {k: np.asarray(v, dtype=float) for k, v in p.items()}
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    i = sig(a["W_xi"] @ a["x"] + a["W_hi"] @ a["h_prev"])
    f = sig(a["W_xf"] @ a["x"] + a["W_hf"] @ a["h_prev"])
    g = np.tanh(a["W_xg"] @ a["x"] + a["W_hg"] @ a["h_prev"])
    o = sig(a["W_xo"] @ a["x"] + a["W_ho"] @ a["h_prev"])
    c = f * a["c_prev"] + i * g
    return {"i": i, "f": f, "g": g, "o": o, "c": c, "h": o * np.tanh(c)}


def shown(x: float) -> str:
    return format_number(float(x), 4, latex=True)


# -- what is on the sheets -----------------------------------------------------------------------------------
def test_markdown_solution_has_every_step_and_the_true_numbers():
    problem = find_problem("lstm-step")
    sheet = make_sheet(problem, SOLUTION)
    md = render([sheet], "md", problem.title).text
    truth = lstm_by_hand(problem.params)
    for name in ("i", "f", "g", "o", "c", "h"):
        for x in truth[name]:
            assert shown(x) in md, (name, shown(x))
    for n, step in enumerate(sheet.solution.visible_steps(), 1):
        assert f"### Step {n}. " in md and f"`[{step.key}]`" in md
    assert md.count("\\begin{aligned}") == len(sheet.solution.visible_steps())
    assert "## Where the notes differ" in md  # the notes' slip for z_i (0.195 for 0.185)
    assert shown(0.185) in md


def test_worksheet_leaves_every_step_empty_and_shows_no_result():
    problem = find_problem("lstm-step")
    md = render([make_sheet(problem, WORKSHEET)], "md", "w").text
    truth = lstm_by_hand(problem.params)
    for name in ("i", "c", "h"):
        for x in truth[name]:
            assert shown(x) not in md
    steps = make_sheet(problem, WORKSHEET).solution.visible_steps()
    assert md.count(r"\underline{\hspace{12em}}") == len(steps)
    assert "x_t = \\begin{bmatrix} 0.5 \\\\ -0.1 \\end{bmatrix}" in md  # the givens are there to work from
    assert "Where the notes differ" not in md and "aligned" not in md


def test_key_lists_every_step_value():
    problem = find_problem("lstm-step")
    md = render([make_sheet(problem, KEY)], "md", "k").text
    truth = lstm_by_hand(problem.params)
    for name in ("i", "f", "g", "o", "c", "h"):
        for x in truth[name]:
            assert shown(x) in md
    rows = [ln for ln in md.splitlines() if re.match(r"\| \d+ \|", ln)]
    assert len(rows) == len(make_sheet(problem, KEY).solution.visible_steps())
    assert rows[-1].count("**") == 2  # h_t, an answer, in bold


def test_a_seeded_variant_has_its_own_numbers_and_no_bank_prompt():
    problem = find_problem("lstm-step")
    a = make_sheet(problem, SOLUTION, seed=3)
    b = make_sheet(problem, SOLUTION, seed=3)
    c = make_sheet(problem, SOLUTION, seed=4)
    assert a.variant and a.problem.prompt is None
    np.testing.assert_array_equal(a.solution.values["x"], b.solution.values["x"])
    assert not all(np.array_equal(a.solution.values[k], c.solution.values[k]) for k in ("x", "W_xi", "c_prev"))
    drawn = {k: a.solution.values[k] for k in problem.params}
    truth = lstm_by_hand(drawn)
    np.testing.assert_allclose(a.solution.values["h"], truth["h"], rtol=1e-12)
    md = render([a], "md", "v").text
    assert "a variant with its own numbers. Work out each step below from these givens, to find i, f, g, o, c, h." in md
    assert "source:" not in md
    assert "Where the notes differ" not in md  # the notes' slips are about the bank's numbers


# -- rosters ----------------------------------------------------------------------------------------------------
def test_roster_with_a_header_without_one_and_the_same_variant_every_time(tmp_path: Path):
    with_header = tmp_path / "a.csv"
    with_header.write_text("Email,Name\nada@x.org,Ada Lovelace\n\nalan@x.org,Alan Turing\n", encoding="utf-8")
    plain = tmp_path / "b.csv"
    plain.write_text("Alan Turing\nAda Lovelace\n", encoding="utf-8")
    a = read_roster(with_header)
    assert [(s.name, s.id, s.where.line) for s in a] == [("Ada Lovelace", "ada@x.org", 2),
                                                          ("Alan Turing", "alan@x.org", 4)]
    b = read_roster(plain)
    assert [s.name for s in b] == ["Alan Turing", "Ada Lovelace"] and b[0].id == "Alan Turing"
    # the seed depends on the student and --seed only, not on the roster's order or size
    assert student_seed(0, b[1]) == student_seed(0, read_roster(plain)[1])
    reordered = tmp_path / "c.csv"
    reordered.write_text("Ada Lovelace\n", encoding="utf-8")
    assert student_seed(0, read_roster(reordered)[0]) == student_seed(0, b[1])
    assert student_seed(0, b[0]) != student_seed(0, b[1]) and student_seed(1, b[0]) != student_seed(0, b[0])


@pytest.mark.parametrize("text, fragments", [
    ("", ["the roster is empty"]),
    ("name,id\n", ["header but no students"]),
    ("name,id\nAda,1\n,2\n", [":3:1:", "no student name"]),
    ("Ada\nBob\nAda\n", [":3:1:", "'Ada' is listed twice (first at line 1)"]),
    ("first,last\nAda,Lovelace\n", [":1:1:", "no `name` column"]),
])
def test_roster_errors_say_where(tmp_path: Path, text: str, fragments: list[str]):
    path = tmp_path / "r.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TutorError) as e:
        read_roster(path)
    for f in fragments:
        assert f in str(e.value)


def test_roster_export_writes_a_worksheet_per_student_and_one_key(tmp_path: Path):
    roster = tmp_path / "class.csv"
    roster.write_text("name,id\nAda Lovelace,s1\nAlan Turing,s2\nAda Lovelace,s3\n", encoding="utf-8")
    out = tmp_path / "sheets"
    problems = [find_problem("lstm-step"), find_problem("perceptron-and")]  # the second has no `vary`
    written = export_roster(Plan(problems, "md", SOLUTION), read_roster(roster), out, 0)
    names = sorted(p.name for p in written)
    assert names == ["ada-lovelace-s1.md", "ada-lovelace-s3.md", "alan-turing-s2.md", "key.md"]
    key = (out / "key.md").read_text(encoding="utf-8")
    for student in read_roster(roster):
        seed = student_seed(0, student)
        sheet = make_sheet(problems[0], WORKSHEET, seed)
        work = (out / f"{student.name.lower().replace(' ', '-')}-{student.id}.md").read_text(encoding="utf-8")
        assert f"variant seed {seed}" in work and f"variant seed {seed}" in key
        truth = lstm_by_hand({k: sheet.solution.values[k] for k in problems[0].params})
        assert shown(truth["h"][0]) not in work  # a worksheet, not a solution
        assert shown(truth["h"][0]) in key and shown(truth["c"][1]) in key
        given = "x_t = \\begin{bmatrix} " + " \\\\ ".join(shown(v) for v in sheet.solution.values["x"])
        assert given in work and given in key
    assert key.count("# Perceptron for AND") == 3  # one key per student for the problem without variants too
    # again: the same files, byte for byte (the same student always gets the same variant)
    before = {p: p.read_bytes() for p in written}
    export_roster(Plan(problems, "md", SOLUTION), read_roster(roster), out, 0)
    assert all(p.read_bytes() == b for p, b in before.items())


def test_roster_file_names_and_variants_do_not_depend_on_the_roster_order(tmp_path: Path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("name;id\nAda Lovelace;s1\nAda Lovelace;s3\n", encoding="utf-8")  # semicolons, as spreadsheets
    b.write_text("name,id\nAda Lovelace,s3\n", encoding="utf-8")
    plan = Plan([find_problem("lstm-step")], "md", SOLUTION)
    export_roster(plan, read_roster(a), tmp_path / "one", 0)
    export_roster(plan, read_roster(b), tmp_path / "two", 0)
    assert (tmp_path / "one" / "ada-lovelace-s3.md").read_bytes() == (tmp_path / "two" / "ada-lovelace-s3.md"
                                                                      ).read_bytes()


def test_two_markdown_files_in_one_directory_keep_their_own_pictures(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("export", "attention-context-vector", "-o", "a.md").exit_code == 0
    assert run("export", "attention-context-vector", "--seed", "3", "-o", "b.md").exit_code == 0
    a, b = Path("a.md").read_text(encoding="utf-8"), Path("b.md").read_text(encoding="utf-8")
    linked_a, linked_b = re.findall(r"\(([^)]+\.svg)\)", a), re.findall(r"\(([^)]+\.svg)\)", b)
    assert linked_a and linked_b and not set(linked_a) & set(linked_b)
    assert Path(linked_a[0]).read_text(encoding="utf-8") != Path(linked_b[0]).read_text(encoding="utf-8")


def test_a_trailing_slash_means_a_directory_even_for_one_problem(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("export", "lstm-step", "-f", "html", "-o", "new/")
    assert result.exit_code == 0, result.stderr
    assert Path("new").is_dir() and (Path("new") / "lstm-step.html").is_file()


# -- the command line --------------------------------------------------------------------------------------------
def test_cli_markdown_to_stdout_and_to_a_file_with_its_pictures(tmp_path: Path):
    result = run("export", "lstm-step")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# LSTM cell, one time step")
    out = tmp_path / "sig.md"
    result = run("export", "sigmoid-derivative-at-zero", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert "![" in text
    linked = re.findall(r"\]\(([^)]+\.svg)\)", text)
    assert linked and all((tmp_path / name).is_file() for name in linked)
    assert "wrote" in result.stderr and str(out) in result.stderr


def test_cli_a_topic_into_a_directory_gets_one_file_each_and_an_index(tmp_path: Path):
    out = tmp_path / "att"
    result = run("export", "--topic", "attention", "-f", "md", "-o", str(out), "--key")
    assert result.exit_code == 0, result.stderr
    files = sorted(p.name for p in out.iterdir())
    assert "index.md" in files
    sheets = [f for f in files if f.endswith("-key.md")]
    assert len(sheets) == len(files) - 1 >= 2
    index = (out / "index.md").read_text(encoding="utf-8")
    assert all(f"({name})" in index for name in sheets)


@pytest.mark.parametrize("args, fragments", [
    (["export"], ["say what to export"]),
    (["export", "lstm-step", "--all"], ["say what to export"]),
    (["export", "lstm-step", "--worksheet", "--key"], ["choose one"]),
    (["export", "lstm-step", "-f", "pdf"], ["a PDF needs a file"]),
    (["export", "lstm-step", "-f", "tex", "-o", "x.pdf"], ["suffix says pdf", "--format says tex"]),
    (["export", "lstm-step", "-o", "x.txt"], ["should end in .md", "the formats are md, tex, html and pdf"]),
    (["export", "lstm-step", "-o", ""], ["the path is empty"]),
    (["export", "--topic", "atention"], ["no problems with topic", '"attention"']),
    (["export", "lstm-stp"], ["lstm-step"]),
    (["export", "lstm-step", "--digits", "0"], ["--digits"]),
    (["export", "lstm-step", "--students", "no-such.csv", "-o", "d/"], ["no such roster file: no-such.csv"]),
])
def test_cli_errors_are_one_line(args: list[str], fragments: list[str], tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert_one_line_error(run(*args), *fragments)


def test_cli_roster_needs_a_directory(tmp_path: Path):
    roster = tmp_path / "r.csv"
    roster.write_text("Ada\n", encoding="utf-8")
    assert_one_line_error(run("export", "lstm-step", "--students", str(roster), "-o", str(tmp_path / "k.md")),
                          "give a directory")
    result = run("export", "lstm-step", "--students", str(roster), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["ada.md", "key.md"]


def test_export_to_stdout_says_when_pictures_are_left_out():
    notes: list[str] = []
    texts: list[str] = []
    export(Plan([find_problem("sigmoid-derivative-at-zero")], "md"), None, texts.append, notes.append)
    assert texts and "![" not in texts[0]
    assert notes and "left out" in notes[0]
