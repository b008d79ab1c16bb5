"""The attention heatmap against a plain numpy softmax(c·QKᵀ) from each problem's givens: one cell per (query, key),
the weight written in it, darker for more weight, the row's largest outlined and named in the caption, masked
cells marked."""

import math

import numpy as np
import pytest

from conftest import solve_params
from tutor.api import find_problem, solve
from tutor.pictures import pictures
from tutor.pictures.attention import heatmap
from tutor.pictures.scene import ORANGE, Label, Rect
from tutor.pictures.terminal import luminance

BANK = ["attention-context-vector", "attention-playing-outside", "attention-playing-outside-lab",
        "self-attention-one-hot"]


def numpy_weights(params, causal=False):
    Q = np.atleast_2d(np.array(params["Q"], float))
    K = np.atleast_2d(np.array(params["K"], float))
    scale = params.get("scale")
    c = 1 / math.sqrt(Q.shape[1]) if scale is None else float(scale)
    S = c * Q @ K.T
    if causal:
        S[np.triu_indices(S.shape[0], k=1, m=S.shape[1])] = -np.inf
    E = np.exp(S - S.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def cells(scene):
    """{(row, column): (fill, text)}, reading the grid back from where the rects and their labels are."""
    n_q = round(scene.ylim[1] - 0.55)
    fills = {(n_q - 1 - round(r.y), round(r.x)): r.fill for r in scene.items
             if isinstance(r, Rect) and r.stroke == "white"}
    texts = {(n_q - 1 - math.floor(lb.y), math.floor(lb.x)): lb.text for lb in scene.items
             if isinstance(lb, Label) and 0 <= lb.x and 0 <= lb.y < n_q}
    return {k: (fills[k], texts[k]) for k in fills}


@pytest.mark.parametrize("pid", BANK)
def test_every_cell_holds_the_numpy_weight_and_darker_means_more(pid):
    A = numpy_weights(find_problem(pid).params)
    [scene] = pictures(solve(find_problem(pid)))
    got = cells(scene)
    assert set(got) == {(i, j) for i in range(A.shape[0]) for j in range(A.shape[1])}
    for (i, j), (_, text) in got.items():
        assert float(text) == pytest.approx(A[i, j], rel=5e-4, abs=5e-5), (i, j)  # four significant digits
    by_weight = sorted(got, key=lambda k: A[k])
    lum = [luminance(got[k][0]) for k in by_weight]
    assert all(a >= b - 1e-9 for a, b in zip(lum, lum[1:]))  # more weight, never lighter
    assert scene.equal


@pytest.mark.parametrize("pid", BANK)
def test_the_largest_weight_of_each_row_is_outlined_and_named(pid):
    A = numpy_weights(find_problem(pid).params)
    [scene] = heatmap(solve(find_problem(pid)))
    n_q = A.shape[0]
    outlined = {(n_q - 1 - math.floor(r.y), math.floor(r.x)) for r in scene.items
                if isinstance(r, Rect) and r.stroke == ORANGE}
    for i, row in enumerate(A):
        top = np.flatnonzero(np.isclose(row, row.max(), rtol=1e-9, atol=0))
        if top.size == row.size:  # every key ties: nothing stands out
            assert not any(k[0] == i for k in outlined)
            assert f"query {i + 1} spreads its attention evenly" in scene.caption
        else:
            assert {k[1] for k in outlined if k[0] == i} == set(top)
            keys = [f"key {j + 1}" for j in top]
            names = keys[0] if len(keys) == 1 else ", ".join(keys[:-1]) + " and " + keys[-1] + " equally"
            assert f"query {i + 1} attends most to {names}" in scene.caption


def test_ties_are_said_to_be_equal():
    # self-attention-one-hot: query 2 = e₂ scores 1 against keys 1 and 2
    [scene] = heatmap(solve(find_problem("self-attention-one-hot")))
    assert "query 2 attends most to key 1 and key 2 equally" in scene.caption


def test_a_causal_mask_marks_the_hidden_cells_and_the_rest_are_numpy():
    params = {"Q": [[1, 0], [0, 1], [1, 1]], "K": [[1, 0], [0, 1], [1, 1]], "V": [[1, 2], [3, 4], [5, 6]],
              "mask": "causal"}
    A = numpy_weights(params, causal=True)
    [scene] = heatmap(solve_params("attention", **params))
    got = cells(scene)
    for (i, j), (_, text) in got.items():
        if j > i:
            assert text == "masked"
        else:
            assert float(text) == pytest.approx(A[i, j], rel=5e-4, abs=5e-5)
    assert "Masked cells" in scene.caption
    assert "query 1 attends most to key 1" in scene.caption


def test_row_and_column_names_and_the_words_for_a_screen_reader():
    A = numpy_weights(find_problem("attention-playing-outside").params)
    [scene] = heatmap(solve(find_problem("attention-playing-outside")))
    texts = {it.text for it in scene.items if isinstance(it, Label)}
    assert {"query 1", "query 2", "key 1", "key 2"} <= texts
    assert scene.alt.startswith("A 2 by 2 grid of attention weights.")
    assert f"{A[1, 1]:.4f}" in scene.alt
    assert scene.terminal_rows == 3 * 2 + 2
