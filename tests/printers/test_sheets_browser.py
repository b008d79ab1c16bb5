"""The HTML sheet in a real browser (headless Chromium): the MathML lays out, nothing runs off the page, the PDF
printed from it holds the solution's text. Skipped, saying why, where there is no Chromium (.ci/run installs it).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from browser import measure, pdf_text  # noqa: I001  (tests/browser.py)
from tutor.api import find_problem
from tutor.cli import app
from tutor.export import make_sheet, render
from tutor.printers.numbers import format_number
from tutor.printers.sheet import SOLUTION, WORKSHEET

A4_WIDTH = 794  # CSS pixels across an A4 page at 96 dpi, the width the PDF is printed at


@pytest.fixture(scope="module")
def lstm_page() -> dict:
    problem = find_problem("lstm-step")
    return measure(render([make_sheet(problem, SOLUTION)], "html", problem.title).text, width=A4_WIDTH)


def test_every_formula_lays_out_as_mathml(lstm_page: dict):
    # MathML Core gives <math> the display type `math`; a browser that does not lay out MathML says `inline`
    assert lstm_page["display"] in ("math", "block math", "inline math")
    assert len(lstm_page["math"]) > 50
    assert all(m["w"] > 0 and m["h"] > 0 for m in lstm_page["math"]), "a <math> element has no box"
    # A column vector or matrix is an <mtable>: its rows are stacked, each below the one before.
    assert lstm_page["tables"], "no matrices measured"
    for rows in lstm_page["tables"]:
        assert all(r["h"] > 0 for r in rows)
        assert all(b["y"] >= a["b"] - 1 for a, b in zip(rows, rows[1:])), "matrix rows are not stacked"


def test_fractions_stack_and_powers_rise():
    problem = find_problem("softmax-forward")  # e^{z_i} / Σ_j e^{z_j}: fractions with powers in them
    page = measure(render([make_sheet(problem, SOLUTION)], "html", problem.title).text, width=A4_WIDTH)
    assert page["fractions"] and page["powers"]
    for num, den in page["fractions"]:
        assert num["b"] <= den["y"] + 1, "a numerator is not above its denominator"
        assert abs((num["x"] + num["r"]) / 2 - (den["x"] + den["r"]) / 2) < max(num["w"], den["w"]) / 2 + 1
    for base, exponent in page["powers"]:
        assert exponent["b"] < base["b"], "an exponent sits on the baseline"
        assert exponent["x"] >= base["r"] - 1


def test_nothing_runs_off_an_a4_page(lstm_page: dict):
    assert lstm_page["scrollWidth"] <= lstm_page["width"] + 1
    assert max(m["r"] for m in lstm_page["math"]) <= lstm_page["width"]


def test_a_very_wide_step_is_set_smaller_to_fit():
    problem = find_problem("self-attention-one-hot")  # step 1: a 4×4 grid of five-term sums
    page = measure(render([make_sheet(problem, SOLUTION)], "html", problem.title).text, width=A4_WIDTH)
    assert page["scrollWidth"] <= page["width"] + 1
    assert max(m["r"] for m in page["math"]) <= page["width"]


def test_pictures_are_drawn_inline():
    problem = find_problem("perceptron-xor")
    page = measure(render([make_sheet(problem, SOLUTION)], "html", problem.title).text, width=A4_WIDTH)
    assert page["svgs"] and all(s["w"] > 100 and s["h"] > 80 for s in page["svgs"])


def test_worksheet_has_room_to_write(tmp_path: Path):
    problem = find_problem("lstm-step")
    page = measure(render([make_sheet(problem, WORKSHEET)], "html", "w").text, width=A4_WIDTH)
    assert len(page["math"]) >= len(make_sheet(problem, WORKSHEET).solution.visible_steps())


def test_pdf_from_the_command_line_holds_the_solution(tmp_path: Path):
    out = tmp_path / "lstm.pdf"
    result = CliRunner().invoke(app, ["export", "lstm-step", "--format", "pdf", "-o", str(out)])
    if result.exit_code == 2 and "no headless Chromium" in result.stderr:
        pytest.skip("no headless Chromium here (Debian: apt-get install chromium; .ci/run installs it)")
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes().startswith(b"%PDF-")
    text = pdf_text(out)
    assert "LSTM cell, one time step" in text
    assert "Step 12." in text or "Step 11." in text
    # h_t, re-derived in plain numpy from the problem's givens, printed to 4 significant digits
    p = {k: np.asarray(v, dtype=float) for k, v in find_problem("lstm-step").params.items()}
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    i = sig(p["W_xi"] @ p["x"] + p["W_hi"] @ p["h_prev"])
    f = sig(p["W_xf"] @ p["x"] + p["W_hf"] @ p["h_prev"])
    g = np.tanh(p["W_xg"] @ p["x"] + p["W_hg"] @ p["h_prev"])
    o = sig(p["W_xo"] @ p["x"] + p["W_ho"] @ p["h_prev"])
    h = o * np.tanh(f * p["c_prev"] + i * g)
    flat = re.sub(r"\s+", " ", text).replace("\u2212", "-")
    for x in h:
        assert format_number(float(x), 4) in flat


def test_pdf_without_a_browser_is_one_clear_line(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("TUTOR_CHROMIUM", str(tmp_path / "no-such-browser"))
    result = CliRunner().invoke(app, ["export", "lstm-step", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "TUTOR_CHROMIUM" in result.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_no_sheet_in_the_bank_runs_off_an_a4_page():
    from tutor.api import load_bank

    problems = sorted(load_bank().problems, key=lambda p: p.id)
    page = measure(render([make_sheet(p, SOLUTION) for p in problems], "html", "bank").text, width=A4_WIDTH)
    assert len(page["math"]) > 2000
    wide = [m for m in page["math"] if m["r"] > page["width"]]
    assert not wide and page["scrollWidth"] <= page["width"] + 1, f"{len(wide)} formulas run off the page"
