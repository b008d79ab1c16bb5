"""The derivation engine: the notation's whitelist, how names look, the checker's verdicts (including the
numeric fallback and a deliberately wrong line), file errors with their places, the CLI and the sheets."""

import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tutor.cli import app
from tutor.derivations import derive, derivation_files, find, list_derivations
from tutor.derivations import check as check_mod
from tutor.derivations.display import Display, Notation
from tutor.derivations.lang import parse
from tutor.derivations.model import load_file
from tutor.errors import ErrorList, TutorError
from tutor.printers.text import LinearTextPrinter, TextPrinter

runner = CliRunner()
LINEAR = LinearTextPrinter()


def run(*args):
    return runner.invoke(app, list(args))


def shown(text: str, **symbols) -> str:
    return LINEAR.text(Display(Notation(symbols))(parse(text)))


# -- the notation ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, fragment", [
    ("__import__('os').system('true')", "only simple function calls"),
    ("__import__('os')", "unknown function '__import__'"),
    ("x.real", "attribute access"),
    ("lambda: 1", "lambda"),
    ("open('f')", "unknown function 'open'"),
    ("exp(x, y)", "exp() takes 1 argument"),
    ("x^1000", "exponent 1000 is too large"),
    ("2x + 1", "write 2*x"),
    ("(x + 1", "never closed"),
    ("x if y else z", "if/else"),
    ("'text'", "is not a number"),
    ("exp", "is a function"),
    ("a < b < c", "one comparison at a time"),
])
def test_the_whitelist_refuses_with_a_column(text, fragment):
    with pytest.raises(TutorError) as e:
        parse(text)
    assert fragment in str(e.value)
    assert "column" in str(e.value)


def test_nothing_is_evaluated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "pwned"
    with pytest.raises(TutorError):
        parse(f"__import__('os').system('touch {target}')")
    assert not target.exists()


def test_names_look_as_on_paper():
    assert shown("theta * x") == "θ·x"
    assert shown("z[i] + yhat[j]") == "zᵢ + ŷⱼ"
    assert shown("w1 + lam_max") == "w₁ + λₘₐₓ"
    assert shown("x[i]", x={"text": "x⁽{^0}⁾", "latex": "x^{({0})}"}) == "x⁽ⁱ⁾"
    assert shown("x[i]", x={"text": "x⁽{0}⁾", "latex": "x^{({0})}"}) == "x⁽i⁾"
    assert shown("2 * x") == "2·x"
    assert shown("sigma(x) * (1 - sigma(x))") == "σ(x)·(1 - σ(x))"  # one line: a dot, never a guess
    assert TextPrinter().text(Display()(parse("sigma(x) * (1 - sigma(x))"))) == "σ(x) (1 - σ(x))"
    assert shown("exp(z[i]) * exp(z[j])") == "e^zᵢ·e^zⱼ"
    assert shown("pd(yhat[i], z[j])") == "∂ŷᵢ/∂zⱼ"
    assert shown("Sum(exp(z[k]), k, 1, n)") == "Σ_{k=1}^{n} e^zₖ"
    assert shown("cases((x, x > 0), (0, otherwise))") == "{ x if x > 0; 0 if otherwise }"


# -- the checker -------------------------------------------------------------------------------------------------
def test_a_true_identity_is_proved_and_a_false_one_refuted():
    import sympy as sp

    x = sp.Symbol("x", real=True)
    s = 1 / (1 + sp.exp(-x))
    assert check_mod.compare(sp, sp.diff(s, x), s * (1 - s)).status == "sympy"
    v = check_mod.compare(sp, sp.diff(s, x), s * (1 + s))
    assert v.status == "false" and "x = " in v.detail
    # the counterexample is real: at the point it names, the two sides differ
    x0 = float(v.detail.split("x = ")[1].split(":")[0])
    sig = 1 / (1 + math.exp(-x0))
    assert abs(sig * (1 - sig) - sig * (1 + sig)) > 1e-6


def test_when_sympy_cannot_decide_random_points_do_and_say_so(monkeypatch):
    import sympy as sp

    monkeypatch.setattr(check_mod, "_is_zero", lambda sp_, d: None)
    x = sp.Symbol("x", real=True)
    assert check_mod.compare(sp, sp.tanh(x), 2 / (1 + sp.exp(-2 * x)) - 1).status == "numeric"
    assert check_mod.compare(sp, sp.tanh(x), 2 / (1 + sp.exp(-2 * x))).status == "false"
    # a line that cannot be evaluated at real points is unverified, never "checked"
    v = check_mod.compare(sp, sp.log(-x**2 - 1), sp.log(-x**2 - 1) + 0 * x)
    assert v.status == "unverified" and not v.verified


def test_a_deliberately_wrong_step_is_caught_and_so_is_everything_after_it():
    d = find("softmax-jacobian")
    assert derive(d).verified
    d.parts[1].lines[3].expr = parse("yhat[i] * (1 + yhat[i])")  # a lost sign
    out = derive(d)
    assert not out.verified
    statuses = [ln.verdict.status for ln in out.parts[1].lines]
    assert statuses == ["sympy", "sympy", "sympy", "false"]
    d.parts[0].lines[1].expr = parse("(pd(exp(z[i]), z[j]) * S + exp(z[i]) * pd(S, z[j])) / S^2")
    statuses = [ln.verdict.status for ln in derive(d).parts[0].lines]
    assert statuses[1] == "false"  # the quotient rule with + instead of −
    assert statuses[2] == "false"  # and the next line no longer follows from it


def test_softmax_jacobian_matches_finite_differences():
    """The derivation's last line, evaluated by the checker's own conversion, against a numpy Jacobian by
    central differences (an independent computation)."""
    import sympy as sp

    d = find("softmax-jacobian")
    final = d.parts[-1].lines[-1].expr
    z = np.array([0.3, -1.2, 2.0])

    def softmax(v):
        e = np.exp(v - v.max())
        return e / e.sum()

    h = 1e-6
    jac = np.array([[(softmax(z + h * np.eye(3)[j])[i] - softmax(z - h * np.eye(3)[j])[i]) / (2 * h)
                     for j in range(3)] for i in range(3)])
    for i in range(1, 4):
        for j in range(1, 4):
            conv = check_mod.Converter(d, {"n": 3, "i": i, "j": j}, {})
            value = conv(final).subs({sp.Symbol(f"z[{k}]", real=True): z[k - 1] for k in range(1, 4)})
            assert float(value) == pytest.approx(jac[i - 1, j - 1], abs=1e-8)


def test_every_built_in_derivation_is_fully_verified():
    found, errors = list_derivations()
    assert not errors, [str(e) for e in errors]
    assert len(found) >= 1
    for d in found:
        out = derive(d)
        bad = [(ln.rule, ln.verdict.status, ln.verdict.detail) for ln in out.lines() if not ln.verdict.verified]
        assert not bad, (d.name, bad)
        for p in out.parts:
            for ns in p.notes_say:
                assert ns.verdict.status == "false", (d.name, ns.source, "the notes' line must be shown false")


def test_derivations_are_not_loaded_as_problems():
    from tutor.bank import load_bank

    assert derivation_files()
    assert not [e for e in load_bank().errors if "derivations" in str(e)]


# -- files written by hand: errors with their places ----------------------------------------------------------------
GOOD = """\
format_version: 1
name: square-derivative
title: The derivative of x squared
topic: calculus
goal: "d(x^2, x)"
parts:
  - title: By the power rule
    lines:
      - rule: power rule
        expr: "2*x"
"""


def write(tmp_path, text, name="mine.yaml"):
    p = tmp_path / "derivations" / name
    p.parent.mkdir(exist_ok=True)
    p.write_text(text)
    return p


def test_a_file_of_ones_own_is_checked(tmp_path):
    p = write(tmp_path, GOOD)
    r = run("derive", str(p))
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "✓ (1) power rule" in r.stdout and "All 1 lines checked" in r.stdout
    r = run("derive", "square-derivative", "--bank", str(tmp_path))
    assert r.exit_code == 0


def test_a_slip_in_ones_own_file_is_shown_and_fails(tmp_path):
    p = write(tmp_path, GOOD.replace('"2*x"', '"x"'))
    r = run("derive", str(p))
    assert r.exit_code == 1
    assert "✗ (1) power rule (does not follow)" in r.stdout
    assert "1 of 1 lines are not verified" in r.stdout
    data = json.loads(run("derive", str(p), "-f", "json").stdout)
    assert data["steps"][0]["verified"] is False and data["verified"] is False


@pytest.mark.parametrize("change, fragment, line", [
    (('expr: "2*x"', 'expr: "2*x.real"'), "attribute access", 10),
    (("rule: power rule", "rul: power rule"), "unknown field", 9),
    (("topic: calculus\n", ""), "missing field 'topic'", 1),
    (('goal: "d(x^2, x)"', 'goal: "d(x^2, x"'), "never closed", 5),
    (("format_version: 1", "format_version: 7"), "format_version 7", 1),
])
def test_file_errors_say_where(tmp_path, change, fragment, line):
    p = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(TutorError) as e:
        load_file(p)
    errors = e.value.errors if isinstance(e.value, ErrorList) else [e.value]
    hit = [err for err in errors if fragment in str(err)]
    assert hit, [str(err) for err in errors]
    assert hit[0].where is not None and hit[0].where.line == line
    r = run("derive", str(p))
    assert r.exit_code == 2 and "Traceback" not in r.stderr and fragment in r.stderr


def test_cli_list_unknown_and_json():
    r = run("derive", "--list")
    assert r.exit_code == 0 and "softmax-jacobian" in r.stdout
    names = [d["name"] for d in json.loads(run("derive", "--list", "-f", "json").stdout)]
    assert "softmax-jacobian" in names
    r = run("derive", "softmax-jacobain")
    assert r.exit_code == 2 and "did you mean" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = run("derive")
    assert r.exit_code == 2 and "say which derivation" in r.stderr
    data = json.loads(run("derive", "softmax-jacobian", "--format", "json").stdout)
    assert {"name", "title", "steps"} <= set(data)
    assert data["name"] == "softmax-jacobian"
    for step in data["steps"]:
        assert {"rule", "expr", "verified"} <= set(step) and step["verified"] is True
        assert "\n" not in step["expr"]


def test_softmax_jacobian_walks_both_cases_in_the_terminal():
    r = runner.invoke(app, ["derive", "softmax-jacobian"], env={"COLUMNS": "110"})
    assert r.exit_code == 0
    out = r.stdout
    assert "Case i = j" in out and "Case i ≠ j" in out
    assert "ŷᵢ (1 - ŷᵢ)" in out and "-ŷᵢ·ŷⱼ" in out
    assert "✓ (2) quotient rule" in out and "✗" in out.split("Where the notes differ")[1]
    assert "checked for n = 2, 3, 4 and every i, j with i = j" in out


# -- sheets ------------------------------------------------------------------------------------------------------
def test_sheets_in_every_format(tmp_path):
    for fmt in ("md", "tex", "html"):
        r = run("derive", "softmax-jacobian", "-f", fmt)
        assert r.exit_code == 0
        assert "quotient rule" in r.stdout and "Where the notes differ" in r.stdout
    md = run("derive", "softmax-jacobian", "-f", "md").stdout
    assert "\\begin{aligned}" in md and "&= " in md
    html = run("derive", "softmax-jacobian", "-f", "html").stdout
    assert html.count('class="mark sympy"') == 11 and "<math" in html
    r = run("derive", "softmax-jacobian", "-f", "md", "-o", str(tmp_path / "sj.md"))
    assert r.exit_code == 0 and (tmp_path / "sj.md").read_text().startswith("# The softmax Jacobian")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed (make tools)")
def test_every_derivation_compiles_with_pdflatex(tmp_path):
    r = run("derive", "--all", "-f", "tex", "-o", str(tmp_path / "all.tex"))
    assert r.exit_code == 0, r.stderr
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "all.tex"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    log = (tmp_path / "all.log").read_text(errors="replace")
    assert done.returncode == 0, log[-3000:]
    assert "Missing character" not in log


def test_the_readme_example_is_a_working_derivation(tmp_path):
    import re

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("### Writing derivations"):]
    example = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    p = write(tmp_path, example)
    out = derive(load_file(p))
    assert out.verified and [ln.verdict.status for ln in out.lines()] == ["sympy"] * 3
    p.write_text(example.replace('expr: "2*x"', 'expr: "2*x.real"'))
    r = run("derive", str(p))
    assert r.exit_code == 2
    assert r.stderr.strip().endswith("parts[0].lines[2].expr: column 3: attribute access ('.') is not allowed in the "
                                     "line '2*x.real'")


# -- found by a new-user trial --------------------------------------------------------------------------------------
def one_line_file(tmp_path, lines):
    body = "\n".join(f"      - rule: step {k}\n        expr: \"{e}\"" for k, e in enumerate(lines, 1))
    return write(tmp_path, GOOD.split("    lines:")[0] + "    lines:\n" + body + "\n", "slips.yaml")


@pytest.mark.parametrize("slip", [
    "min(max(0, 2*x), 6)",        # equal to 2x only for 0 ≤ x ≤ 3: a clip far from the origin
    "2*x + exp(-100000*x^2)",      # differs only very near 0
    "2*x + 10^(-40)*x",            # differs by a relative 1e-40
    "2*x + cases((1, x > 40), (0, otherwise))",  # differs only far out
])
def test_slips_that_hide_from_a_few_points_near_the_origin_are_caught(tmp_path, slip):
    p = one_line_file(tmp_path, [slip])
    out = derive(load_file(p))
    assert out.lines()[0].verdict.status == "false", out.lines()[0].verdict


def test_huge_exponents_are_refused_not_computed(tmp_path):
    import time

    p = one_line_file(tmp_path, ["2*x", "x^(10^10)", "2^(2^(2^(2^(2^5))))"])
    start = time.perf_counter()
    out = derive(load_file(p))
    assert time.perf_counter() - start < 20
    assert [ln.verdict.status for ln in out.lines()] == ["sympy", "unverified", "unverified"]
    assert "too large" in out.lines()[1].verdict.detail


def test_yaml_tags_and_alias_bombs_are_one_line_errors(tmp_path):
    p = write(tmp_path, GOOD.replace("title: The derivative of x squared",
                                     'title: !!python/object/apply:os.system ["touch pwned"]'))
    r = run("derive", str(p))
    assert r.exit_code == 2 and "YAML tags" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    bomb += [f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 10) + "]" for k in range(1, 7)]
    p = write(tmp_path, "\n".join(bomb) + "\n", "bomb.yaml")
    r = run("derive", str(p))
    assert r.exit_code == 2 and "expands to more than" in r.stderr


def test_narrow_windows_wrap_rather_than_cut(tmp_path):
    for name in ("tanh-derivative", "bce-gradient", "hessian-condition", "softmax-cross-entropy"):
        r = runner.invoke(app, ["derive", name], env={"COLUMNS": "80"})
        assert r.exit_code == 0
        lines = r.stdout.splitlines()
        assert max(len(line) for line in lines) <= 80, name
        # rich marks a line it cuts off with … at its end; the prose's own … (z₁ … zₙ) is not at an end
        assert not [line for line in lines if line.rstrip().endswith("…")], name


def test_json_goes_to_a_file_with_o(tmp_path):
    r = run("derive", "softmax-jacobian", "-f", "json", "-o", str(tmp_path / "j.json"))
    assert r.exit_code == 0 and r.stdout == ""
    assert json.loads((tmp_path / "j.json").read_text())["name"] == "softmax-jacobian"


def test_a_misspelt_field_is_one_error_not_two(tmp_path):
    p = write(tmp_path, GOOD.replace("rule: power rule", "rull: power rule").replace("topic:", "topc:"))
    r = run("derive", str(p))
    assert r.exit_code == 2
    assert len(r.stderr.strip().splitlines()) == 2, r.stderr  # rull and topc, nothing about missing fields
    assert "missing" not in r.stderr


def test_prose_keeps_no_tex_braces():
    from tutor.derivations.display import prose

    assert prose("e^{−x} and x_{ij}") == "e⁻ˣ and xᵢⱼ"
    assert prose("e^{zᵢ}") == "e^(zᵢ)"
    for d in list_derivations()[0]:
        out = derive(d)
        texts = [out.derivation.summary, *out.derivation.notes, *(ln.why for ln in out.lines())]
        assert not [t for t in texts if "^{" in t or "_{" in t], d.name
