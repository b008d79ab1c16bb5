"""The terminal backend: within the width, readable without colour (no escape codes, numbers and shading carry the
picture), markers where the data says relative to each other, braille for lines, colour when the console has it."""

import io
import re

import numpy as np
import pytest
from rich.cells import cell_len
from rich.console import Console

from tutor.api import find_problem, solve
from tutor.pictures import pictures
from tutor.pictures.scene import BLUE, ORANGE, Axes, Circle, Label, Line, Polyline, Rect, Scene
from tutor.pictures.terminal import render

ANSI = re.compile(r"\x1b\[")


def draw(scene: Scene, width: int = 80, color_system=None) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=color_system, force_terminal=color_system is not None,
                      no_color=color_system is None)  # the suite sets NO_COLOR; a colour test overrides it
    console.print(render(scene, width))
    return out.getvalue()


def scene(**kw) -> Scene:
    base = dict(title="Title here", xlim=(0.0, 10.0), ylim=(0.0, 5.0), items=(), caption="What to see.")
    base.update(kw)
    return Scene(**base)


def find(text: str, ch: str) -> list[tuple[int, int]]:
    return [(r, c) for r, line in enumerate(text.splitlines()) for c, x in enumerate(line) if x == ch]


def test_title_above_caption_below_and_nothing_wider_than_the_console():
    for width in (80, 50, 30):
        text = draw(scene(items=(Line(0, 0, 10, 5), Label(5, 2.5, "a label")), axes=Axes("x", "y", (0, 5, 10),
                                                                                             (0, 5))), width)
        lines = text.splitlines()
        assert lines[0] == "Title here"
        assert lines.index(next(ln for ln in lines if "What to see" in ln)) > 3
        assert max(cell_len(ln) for ln in lines) <= width
        assert not ANSI.search(text)


def test_markers_sit_where_the_data_puts_them_relative_to_each_other():
    pts = {"●": (1.0, 1.0), "○": (9.0, 4.0)}
    text = draw(scene(items=(Circle(*pts["●"]), Circle(*pts["○"], fill=None))))
    (r1, c1), (r2, c2) = find(text, "●")[0], find(text, "○")[0]
    assert r1 > r2 and c1 < c2  # lower left and upper right
    # the canvas's columns span x from 0 to 10: the ratio of column offsets is the ratio of x offsets
    first_canvas_col = 0
    cols = 80
    assert (c1 - first_canvas_col) / cols == pytest.approx(1 / 10, abs=1.5 / cols)
    assert (c2 - first_canvas_col) / cols == pytest.approx(9 / 10, abs=1.5 / cols)


def test_a_line_is_braille_dots_and_a_label_does_not_hide_a_marker():
    text = draw(scene(items=(Polyline(((0, 0), (5, 5), (10, 0))), Circle(5, 2), Label(5, 2, "XXXXXXX"))))
    assert any(0x2800 < ord(ch) <= 0x28FF for ch in text)
    assert "●" in text and "XXX" in text


def test_without_colour_fills_are_shaded_by_darkness_and_light_ones_stay_blank():
    text = draw(scene(items=(Rect(0, 0, 3, 5, fill="#1f5fa8", stroke=None), Rect(3, 0, 3, 5, fill="#a0c0e0",
                                                                                 stroke=None),
                             Rect(6, 0, 4, 5, fill="#f4f4f4", stroke=None))))
    assert "▓" in text and ("░" in text or "▒" in text)
    body = text.splitlines()[2]
    assert body[-5:].strip() == ""  # the near-white fill


def test_with_colour_the_fill_is_a_background_and_ink_is_the_terminals_own_colour():
    text = draw(scene(items=(Rect(0, 0, 5, 5, fill=BLUE, stroke=None), Label(8, 2.5, "ink"),
                             Line(0, 0, 10, 5, stroke=ORANGE))), color_system="truecolor")
    assert "48;2;31;95;168" in text  # BLUE as a background
    assert "38;2;210;105;30" in text  # ORANGE dots
    assert "38;2;34;34;34" not in text  # INK would vanish on a dark terminal


def test_attention_heatmap_shows_every_weight_as_a_number_without_colour():
    sol = solve(find_problem("self-attention-one-hot"))
    [pic] = pictures(sol)
    text = draw(pic)
    Q = np.array(find_problem("self-attention-one-hot").params["Q"], float)
    K = np.array(find_problem("self-attention-one-hot").params["K"], float)
    S = Q @ K.T  # the problem's scale is 1 (plain dot products)
    A = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)
    for w in np.unique(np.round(A, 4)):
        assert f"{w:.4f}".rstrip("0").rstrip(".") in text
    assert "query 4" in text and "key 4" in text


def test_every_bank_picture_of_these_kinds_draws_in_80_and_40_columns():
    for pid in ("sigmoid-derivative-assignment", "activation-relu-lab", "attention-playing-outside",
                "adam-quadratic", "rmsprop-three-steps", "linear-gd-mini-batch"):
        for pic in pictures(solve(find_problem(pid))):
            for width in (80, 40):
                text = draw(pic, width)
                assert max(cell_len(ln) for ln in text.splitlines()) <= width  # m̂: 2 chars, 1 cell
                assert " ".join(pic.title.split()) in " ".join(text.split())  # a narrow console wraps it
