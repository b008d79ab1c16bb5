"""The sliding-window pictures against numpy: the numbers in the highlighted window, times the kernel's, add up to
the output cell's value computed here from the problem's givens (np.pad and slicing); the padding, the stride and,
for max pooling, the winner are where numpy says."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import solve_params
from tutor.api import find_problem, load_bank, solve
from tutor.pictures import convolution
from tutor.pictures.convolution import PAD_FILL, WINDOW_FILL
from tutor.pictures.scene import ORANGE, Label, Line, Rect, Scene

CONV = [p.id for p in load_bank().problems if p.kind == "conv2d"]


def only(scenes: list[Scene]) -> Scene:
    assert len(scenes) == 1
    return scenes[0]


def number_at(scene: Scene, x: float, y: float) -> float:
    """The number written in the cell whose lower-left corner is (x, y)."""
    (label,) = [it for it in scene.items if isinstance(it, Label) and (it.x, it.y) == (x + 0.5, y + 0.5)]
    return float(label.text.replace("−", "-"))


def cells(scene: Scene, fill: str) -> list[Rect]:
    return [it for it in scene.items if isinstance(it, Rect) and it.fill == fill and (it.w, it.h) == (1, 1)]


def reading_order(rects: list[Rect]) -> list[Rect]:
    return sorted(rects, key=lambda r: (-r.y, r.x))


def split_grids(rects: list[Rect]) -> list[list[Rect]]:
    """Highlighted cells, grouped by grid: the grids are side by side, separated by gaps wider than a cell."""
    groups: list[list[Rect]] = []
    for r in sorted(rects, key=lambda r: r.x):
        if groups and r.x - max(g.x for g in groups[-1]) <= 1.0:
            groups[-1].append(r)
        else:
            groups.append([r])
    return [reading_order(g) for g in groups]


def correlate(x: np.ndarray, K: np.ndarray, p: int, s: int) -> np.ndarray:
    """Cross-correlation by numpy: pad, then Σ window ⊙ K at every stride step."""
    xp = np.pad(x, p)
    fh, fw = K.shape
    oh, ow = (xp.shape[0] - fh) // s + 1, (xp.shape[1] - fw) // s + 1
    return np.array([[np.sum(xp[i * s:i * s + fh, j * s:j * s + fw] * K) for j in range(ow)] for i in range(oh)])


def givens(pid: str) -> tuple[np.ndarray, np.ndarray, int, int, bool]:
    prm = find_problem(pid).params
    x, K = np.atleast_2d(np.array(prm["x"], float)), np.atleast_2d(np.array(prm["K"], float))
    return x, K, int(prm.get("p", 0)), int(prm.get("s", 1)), prm.get("mode") == "convolution"


@pytest.mark.parametrize("pid", CONV)
def test_window_times_kernel_is_the_output_cell(pid):
    x, K, p, s, flip = givens(pid)
    one_d = x.shape[0] == 1
    Ku = K[::-1, ::-1] if flip else K
    y = correlate(x, Ku, p, s) if not one_d else np.array([np.correlate(x[0], Ku[0], "valid")[::s]])
    if one_d:
        assert p == 0
    scene = only(convolution.sliding_window(solve(find_problem(pid))))
    window, kernel, out = split_grids(cells(scene, WINDOW_FILL))
    assert len(window) == len(kernel) == K.size and len(out) == 1
    win = np.array([number_at(scene, r.x, r.y) for r in window]).reshape(K.shape)
    ker = np.array([number_at(scene, r.x, r.y) for r in kernel]).reshape(K.shape)
    np.testing.assert_array_equal(ker, Ku)
    assert np.sum(win * ker) == pytest.approx(y[0, 0])
    assert number_at(scene, out[0].x, out[0].y) == pytest.approx(y[0, 0])
    np.testing.assert_array_equal(win, np.pad(x, p if not one_d else 0)[:K.shape[0], :K.shape[1]])
    # the zeros of the padding: every cell of the padded grid outside x, and only those
    padded = (x.shape[0] + 2 * p) * (x.shape[1] + 2 * p) - x.size if not one_d else 0
    in_window = sum(1 for a in range(K.shape[0]) for b in range(K.shape[1])
                    if not (p <= a < p + x.shape[0] and p <= b < p + x.shape[1]))
    assert len(cells(scene, PAD_FILL)) == padded - in_window
    assert str(int(y[0, 0]) if float(y[0, 0]).is_integer() else y[0, 0]) in scene.caption


def test_the_next_window_is_one_stride_away():
    x, K, p, s, _ = givens("conv2d-padded-stride-2")
    assert s == 2
    scene = only(convolution.sliding_window(solve(find_problem("conv2d-padded-stride-2"))))
    (solid,) = [it for it in scene.items if isinstance(it, Rect) and it.stroke == ORANGE and it.width == 2.6
                and it.x < 1]
    dashed = [it for it in scene.items if isinstance(it, Line) and it.dash]
    assert len(dashed) == 4
    assert min(min(d.x1, d.x2) for d in dashed) - solid.x == s
    assert max(max(d.y1, d.y2) for d in dashed) == solid.y + solid.h  # the same rows
    assert "s = 2" in [it.text for it in scene.items if isinstance(it, Label)]


def test_another_entry_can_be_shown():
    # y₃₁ of the stride-2 example, which the notes got wrong (11): the window [0 7; 0 11] gives -18
    x, K, p, s, _ = givens("conv2d-padded-stride-2")
    y = correlate(x, K, p, s)
    assert y[2, 0] == -18
    scene = only(convolution.sliding_window(solve(find_problem("conv2d-padded-stride-2")), at=(2, 0)))
    window, kernel, out = split_grids(cells(scene, WINDOW_FILL))
    win = np.array([number_at(scene, r.x, r.y) for r in window])
    np.testing.assert_array_equal(win, np.pad(x, p)[4:6, 0:2].ravel())
    assert number_at(scene, out[0].x, out[0].y) == y[2, 0]
    assert convolution.sliding_window(solve(find_problem("conv2d-padded-stride-2")), at=(3, 0)) == []


def test_bias_and_a_rectangular_stride():
    x = np.arange(1, 21, dtype=float).reshape(4, 5)
    K = np.array([[1.0, -1.0]])
    sol = solve_params("conv2d", x=x.tolist(), K=K.tolist(), s=[1, 2], b=0.5)
    scene = only(convolution.sliding_window(sol, at=(1, 1)))
    window, kernel, out = split_grids(cells(scene, WINDOW_FILL))
    win = np.array([number_at(scene, r.x, r.y) for r in window])
    np.testing.assert_array_equal(win, x[1, 2:4])
    assert number_at(scene, out[0].x, out[0].y) == x[1, 2] - x[1, 3] + 0.5


def test_max_pooling_window_and_winner():
    prm = find_problem("max-pooling-3x3-stride-1").params
    x, f, s = np.array(prm["x"], float), int(prm["f"]), int(prm["s"])
    y00 = x[:f, :f].max()
    wr, wc = np.unravel_index(np.argmax(x[:f, :f]), (f, f))
    scene = only(convolution.pooling_window(solve(find_problem("max-pooling-3x3-stride-1"))))
    window, out = split_grids(cells(scene, WINDOW_FILL))
    win = np.array([number_at(scene, r.x, r.y) for r in window]).reshape(f, f)
    np.testing.assert_array_equal(win, x[:f, :f])
    assert number_at(scene, out[0].x, out[0].y) == y00
    bold = [it for it in scene.items if isinstance(it, Label) and it.bold]
    winner = [b for b in bold if b.x < window[-1].x + 1]  # the input grid's bold number
    assert len(winner) == 1 and float(winner[0].text) == y00
    assert (winner[0].x - 0.5, winner[0].y - 0.5) == (window[wr * f + wc].x, window[wr * f + wc].y)
    assert "overlap" in scene.caption  # stride 1 < window 3
    (solid,) = [it for it in scene.items if isinstance(it, Rect) and it.stroke == ORANGE and it.width == 2.6
                and it.x < 1]
    dashed = [it for it in scene.items if isinstance(it, Line) and it.dash]
    assert min(min(d.x1, d.x2) for d in dashed) - solid.x == s


def test_average_pooling():
    x = np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]])
    scene = only(convolution.pooling_window(solve_params("pooling", x=x.tolist(), f=2, mode="avg"), at=(0, 1)))
    window, out = split_grids(cells(scene, WINDOW_FILL))
    assert number_at(scene, out[0].x, out[0].y) == x[:, 2:4].mean()
    assert "/4" in scene.caption
