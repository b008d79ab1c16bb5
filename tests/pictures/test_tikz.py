"""The TikZ backend: positions where an independent map puts them (y up), colours defined inside the picture, and
every picture of the bank's activation, attention and optimiser problems compiling with pdflatex given only
`\\usepackage{tikz}` (skipped, with the reason, where pdflatex is not installed)."""

import re
import shutil
import subprocess

import pytest

from tutor.api import find_problem, solve
from tutor.pictures import pictures
from tutor.pictures.scene import BLUE, ORANGE, Axes, Circle, Label, Line, Polyline, Rect, Scene

tikz = pytest.importorskip("tutor.pictures.tikz", reason="the TikZ backend needs tutor.printers.tex_text")
pytest.importorskip("tutor.printers.tex_text", reason="labels go through tex_text (helper C's module)")

BANK = ["sigmoid-derivative-assignment", "activation-leaky-relu-derivative", "activation-tanh-derivative",
        "attention-context-vector", "self-attention-one-hot", "adam-quadratic", "adam-three-steps",
        "momentum-three-steps", "linear-gd-batch-two-epochs", "linear-gd-stochastic"]


def scene(**kw) -> Scene:
    base = dict(title="T", xlim=(0.0, 10.0), ylim=(0.0, 5.0), items=(), width=320.0, height=220.0)
    base.update(kw)
    return Scene(**base)


def circle_centres(tex: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r"\(([-\d.]+),([-\d.]+)\) circle\[", tex)]


def test_a_tikzpicture_of_the_declared_size_with_its_colours_defined_inside():
    tex = tikz.to_tikz(scene(items=(Circle(1, 1, fill=BLUE), Line(0, 0, 3, 3, stroke=ORANGE))))
    assert tex.startswith("\\begin{tikzpicture}") and tex.rstrip().endswith("\\end{tikzpicture}")
    assert "\\useasboundingbox (0,0) rectangle (320,220);" in tex
    assert "\\definecolor{tutor1f5fa8}{HTML}{1F5FA8}" in tex
    assert "\\definecolor{tutord2691e}{HTML}{D2691E}" in tex


def test_circles_land_where_an_independent_map_puts_them_with_y_up():
    pts = [(0.0, 0.0), (10.0, 5.0), (2.5, 1.0)]
    got = circle_centres(tikz.to_tikz(scene(items=tuple(Circle(x, y) for x, y in pts))))
    for (x, y), (cx, cy) in zip(pts, got):
        assert cx == pytest.approx(6 + x / 10 * 308, abs=0.01)
        assert cy == pytest.approx(6 + y / 5 * 208, abs=0.01)  # TikZ's y points up, like the data's


def test_lines_leaving_the_data_area_are_clipped_and_labels_escaped():
    tex = tikz.to_tikz(scene(items=(Line(-5, 0, 15, 5), Line(1, 1, 2, 2), Label(1, 1, "50% of $x_1 & y"))))
    assert tex.count("\\clip") == 1  # only the line that leaves the area
    assert r"50\% of \$x\_1 \& y" in tex


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_every_picture_compiles_with_only_the_tikz_package(tmp_path):
    scenes = [scene(title="all primitives", items=(
        Rect(1, 1, 2, 1, fill=BLUE, rounded=True), Rect(4, 1, 1, 1, fill=None, stroke=ORANGE),
        Line(0, 0, 10, 5, dash=True, arrow=True), Polyline(((0, 5), (5, 0), (12, 3)), arrow=True),
        Circle(5, 2, fill=None, stroke=ORANGE), Circle(6, 2),
        Label(5, 4, "σ(0.5) = 0.6225, θ₁, ∂L/∂x, −2 <&> 100% #1 $ _ { } ~ ^ \\", anchor="start", bold=True),
        Label(5, 3, "tanh′(x)", anchor="end", baseline="top", italic=True, color="white")),
        axes=Axes("iteration t", "|θₜ − θₜ₋₁|", (0, 5, 10), (0, 2.5, 5)), legend=((BLUE, "σ(x)"), (ORANGE, "ŷ")))]
    for pid in BANK:
        scenes += pictures(solve(find_problem(pid)))
    body = "\n\n".join(tikz.to_tikz(s, heading=(k == 0)) for k, s in enumerate(scenes))
    doc = tmp_path / "pictures.tex"
    doc.write_text("\\documentclass{article}\n\\usepackage{tikz}\n\\begin{document}\n" + body + "\n\\end{document}\n",
                   encoding="utf-8")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", doc.name], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    log = (tmp_path / "pictures.log").read_text(encoding="latin-1")
    assert run.returncode == 0, log[-3000:]
    assert "! " not in log
    assert (tmp_path / "pictures.pdf").stat().st_size > 1000
