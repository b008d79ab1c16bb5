"""The convolution kinds against re-derivations written in this test: plain loops, numpy's sliding_window_view,
the definition of true convolution as a sum over shifted kernels, integer formulas for sizes and counts, and
published values where there are some (cited next to them)."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view
from typer.testing import CliRunner

from conftest import make_problem, solve_params
from tutor.answers import parse_answer
from tutor.api import find_problem, solve
from tutor.check import check
from tutor.cli import app
from tutor.errors import TutorError
from tutor.mistakes import degeneracy_checks

# Andrew Ng, Coursera "Convolutional Neural Networks", week 1, "Edge detection example": the 6×6 input and the
# vertical-edge filter give [[-5, -4, 0, 8], [-10, -2, 2, 3], [0, -2, -4, -7], [-3, -2, -3, -16]] (notes, file 000).
NG_X = [[3, 0, 1, 2, 7, 4], [1, 5, 8, 9, 3, 1], [2, 7, 2, 5, 1, 3],
        [0, 1, 3, 1, 7, 8], [4, 2, 1, 6, 2, 8], [2, 4, 5, 2, 3, 9]]
NG_K = [[1, 0, -1], [1, 0, -1], [1, 0, -1]]
NG_Y = [[-5, -4, 0, 8], [-10, -2, 2, 3], [0, -2, -4, -7], [-3, -2, -3, -16]]


# -- independent references ---------------------------------------------------------------------------------------
def loop_correlate(x, K, p=(0, 0), s=(1, 1), b=0.0):
    """Cross-correlation with four nested loops over plain lists, zero padding read by bounds checks."""
    H, W, fh, fw = len(x), len(x[0]), len(K), len(K[0])
    ph, pw = p
    sh, sw = s
    oh, ow = (H + 2 * ph - fh) // sh + 1, (W + 2 * pw - fw) // sw + 1

    def at(r, c):
        r, c = r - ph, c - pw
        return x[r][c] if 0 <= r < H and 0 <= c < W else 0.0

    out = []
    for i in range(oh):
        row = []
        for j in range(ow):
            total = b
            for a in range(fh):
                for c in range(fw):
                    total += at(i * sh + a, j * sw + c) * K[a][c]
            row.append(total)
        out.append(row)
    return np.array(out, float)


def einsum_correlate(x, K, p=(0, 0), s=(1, 1)):
    xp = np.pad(np.asarray(x, float), [(p[0], p[0]), (p[1], p[1])])
    K = np.asarray(K, float)
    win = sliding_window_view(xp, K.shape)[::s[0], ::s[1]]
    return np.einsum("ijab,ab->ij", win, K)


def definition_convolve(x, K, p=(0, 0), s=(1, 1)):
    """True convolution from its definition, (x ∗ K)[u, v] = Σ_{a,b} K[a, b]·x[u − a, v − b] (the full output),
    then the entries where the kernel lies inside the padded input, every s-th one."""
    xp = np.pad(np.asarray(x, float), [(p[0], p[0]), (p[1], p[1])])
    K = np.asarray(K, float)
    (H, W), (fh, fw) = xp.shape, K.shape
    full = np.zeros((H + fh - 1, W + fw - 1))
    for a in range(fh):
        for b in range(fw):
            full[a:a + H, b:b + W] += K[a, b] * xp  # x shifted by (a, b), weighted by K[a, b]
    valid = full[fh - 1:H, fw - 1:W]
    return valid[::s[0], ::s[1]]


def out_size(n, p, f, s):
    return (n + 2 * p - f) // s + 1


# -- conv2d ---------------------------------------------------------------------------------------------------------
def test_ng_edge_example():
    sol = solve_params("conv2d", x=NG_X, K=NG_K)
    np.testing.assert_array_equal(sol.value("y"), NG_Y)
    np.testing.assert_array_equal(sol.value("out_size"), [4, 4])
    assert sol.answer_keys == ("y",)
    assert "x_pad" not in sol.steps and "K_flip" not in sol.steps
    assert any("cross-correlation" in c and "convolve2d" in c for c in sol.conventions)


def test_window_sums_are_written_out():
    sol = solve_params("conv2d", x=NG_X, K=NG_K)
    from tutor.printers.text import TextPrinter

    lines = [TextPrinter().text(e) for e in sol.substitution("y")]
    assert "y_11 = 3·1 + 0·0 + 1·(-1) + 1·1 + 5·0 + 8·(-1) + 2·1 + 7·0 + 2·(-1)" in lines[0]
    assert "y_44 = 1 + 0 - 8 + 6 + 0 - 8 + 2 + 0 - 9" in lines[1]


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 7), st.integers(1, 7), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2),
       st.integers(0, 2), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2**31 - 1))
def test_random_against_loop_and_einsum(H, W, fh, fw, ph, pw, sh, sw, seed):
    if fh > H + 2 * ph or fw > W + 2 * pw:
        return
    rng = np.random.default_rng(seed)
    x = rng.integers(-5, 6, size=(H, W)).tolist()
    K = rng.integers(-3, 4, size=(fh, fw)).tolist()
    b = float(rng.integers(-2, 3))
    two_d = H > 1 or fh > 1
    params = dict(x=x, K=K, p=[ph, pw] if two_d else pw, s=[sh, sw] if two_d else sw, b=b)
    if not two_d:
        ph = 0
    sol = solve_params("conv2d", **params)
    ref = loop_correlate(x, K, (ph, pw), (sh, sw), b)
    np.testing.assert_allclose(sol.value("y"), ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(sol.value("y") - b, einsum_correlate(x, K, (ph, pw), (sh, sw)), atol=1e-12)
    assert np.asarray(sol.value("out_size")).ravel()[-1] == out_size(W, pw, fw, sw)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 6), st.integers(2, 6), st.integers(1, 3), st.integers(1, 3), st.integers(0, 1),
       st.integers(1, 2), st.integers(0, 2**31 - 1))
def test_convolution_mode_is_the_definition(H, W, fh, fw, pad, stride, seed):
    if fh > H + 2 * pad or fw > W + 2 * pad:
        return
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(H, W)).tolist()
    K = rng.normal(size=(fh, fw)).tolist()
    sol = solve_params("conv2d", x=x, K=K, p=pad, s=stride, mode="convolution")
    np.testing.assert_allclose(sol.value("y"), definition_convolve(x, K, (pad, pad), (stride, stride)), atol=1e-12)
    np.testing.assert_array_equal(sol.value("K_flip"), np.asarray(K)[::-1, ::-1])


def test_flip_changes_the_sign_for_an_antisymmetric_kernel():
    corr = solve_params("conv2d", x=NG_X, K=NG_K)
    conv = solve_params("conv2d", x=NG_X, K=NG_K, mode="convolution")
    np.testing.assert_array_equal(conv.value("y"), -np.asarray(NG_Y))
    np.testing.assert_array_equal(conv.value("K_flip"), [[-1, 0, 1]] * 3)
    assert corr.value("y")[0, 0] == -conv.value("y")[0, 0]
    assert any("flipped" in c and "scipy.signal.convolve2d" in c for c in conv.conventions)


def test_one_d_signal_and_jacobians():
    # file 004: [1 2 3 4 5 6 2 1] against [-1 0 1]: first output 2, last -5 (the notes' numbers)
    x, f = [1, 2, 3, 4, 5, 6, 2, 1], [-1, 0, 1]
    sol = solve_params("conv2d", x=x, K=f, jacobian="both")
    y = [x[i + 2] - x[i] for i in range(6)]
    np.testing.assert_array_equal(sol.value("y"), [y])
    assert sol.value("out_size") == 6
    Jx, Jf = sol.value("dy_dx"), sol.value("dy_dK")
    assert Jx.shape == (6, 8) and Jf.shape == (6, 3)
    for i in range(6):  # the notes' structure: row i holds f₁..f_k from column i, and x_i..x_{i+k-1}
        expected = np.zeros(8)
        expected[i:i + 3] = f
        np.testing.assert_array_equal(Jx[i], expected)
        np.testing.assert_array_equal(Jf[i], x[i:i + 3])
    np.testing.assert_allclose(Jx @ np.array(x, float), y)
    np.testing.assert_allclose(Jf @ np.array(f, float), y)


def test_one_d_padding_pads_the_row_only():
    sol = solve_params("conv2d", x=[1, 2, 3], K=[1, 1, 1], p=1)
    np.testing.assert_array_equal(sol.value("x_pad"), [[0, 1, 2, 3, 0]])
    np.testing.assert_array_equal(sol.value("y"), [[3, 6, 5]])
    same = solve_params("conv2d", x=[1, 2, 3], K=[1, 1, 1], p="same")
    assert same.value("p") == 1
    np.testing.assert_array_equal(same.value("y"), [[3, 6, 5]])


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 5), st.integers(2, 5), st.integers(1, 3), st.integers(0, 1), st.integers(1, 2),
       st.sampled_from(["cross-correlation", "convolution"]), st.integers(0, 2**31 - 1))
def test_jacobians_by_perturbation(H, W, f, pad, stride, mode, seed):
    if f > min(H, W) + 2 * pad:
        return
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(H, W))
    K = rng.normal(size=(f, f))
    sol = solve_params("conv2d", x=x.tolist(), K=K.tolist(), p=pad, s=stride, mode=mode, jacobian="both", b=0.7)
    ref = definition_convolve if mode == "convolution" else einsum_correlate
    y0 = ref(x, K, (pad, pad), (stride, stride)).ravel()
    Jx = np.column_stack([ref(x + np.eye(H * W)[c].reshape(H, W), K, (pad, pad), (stride, stride)).ravel() - y0
                          for c in range(H * W)])
    JK = np.column_stack([ref(x, K + np.eye(f * f)[c].reshape(f, f), (pad, pad), (stride, stride)).ravel() - y0
                          for c in range(f * f)])
    np.testing.assert_allclose(sol.value("dy_dx"), Jx, atol=1e-9)
    np.testing.assert_allclose(sol.value("dy_dK"), JK, atol=1e-9)


def test_replacing_the_flipped_kernel_recomputes_y():
    sol = solve_params("conv2d", x=NG_X, K=NG_K, mode="convolution")
    student = np.array(NG_K, float)  # forgot to flip
    new = sol.replace({"K_flip": student})
    np.testing.assert_array_equal(new.value("y"), NG_Y)


def test_padding_words():
    x = np.arange(25.0).reshape(5, 5).tolist()
    K = np.ones((3, 3)).tolist()
    same = solve_params("conv2d", x=x, K=K, p="same")
    assert same.value("p") == 1 and same.value("y").shape == (5, 5)
    np.testing.assert_allclose(same.value("y"), loop_correlate(x, K, (1, 1)))
    full = solve_params("conv2d", x=x, K=K, p="full")
    assert full.value("p") == 2 and full.value("y").shape == (7, 7)
    valid = solve_params("conv2d", x=x, K=K, p="valid")
    assert valid.value("p") == 0 and valid.value("y").shape == (3, 3)


@pytest.mark.parametrize("params,field,fragment", [
    (dict(x=[[1, 2], [3, 4]], K=NG_K), "K", "must fit"),
    (dict(x=NG_X, K=NG_K, p="sam"), "p", 'did you mean "same"'),
    (dict(x=NG_X, K=[[1, 0], [0, 1]], p="same"), "p", "odd kernel"),
    (dict(x=NG_X, K=NG_K, p="same", s=2), "p", "stride 1"),
    (dict(x=NG_X, K=NG_K, s=0), "s", "at least 1"),
    (dict(x=NG_X, K=NG_K, p=-1), "p", "at least 0"),
    (dict(x=NG_X, K=NG_K, s=[1, 2, 3]), "s", "pair"),
    (dict(x=NG_X, K=NG_K, mode="conv"), "mode", "expected one of"),
])
def test_conv2d_bad_input(params, field, fragment):
    with pytest.raises(TutorError) as e:
        solve_params("conv2d", **params)
    assert e.value.field == f"params.{field}", e.value.field
    assert fragment in e.value.message


# -- pooling --------------------------------------------------------------------------------------------------------
POOL_X = [[1, 3, 2, 1, 3], [2, 9, 1, 1, 5], [1, 3, 2, 3, 2], [8, 3, 5, 1, 0], [5, 6, 1, 2, 9]]


def loop_pool(x, f, s, reduce):
    x = np.asarray(x, float)
    oh, ow = (x.shape[0] - f) // s + 1, (x.shape[1] - f) // s + 1
    return np.array([[reduce([x[i * s + a][j * s + b] for a in range(f) for b in range(f)]) for j in range(ow)]
                     for i in range(oh)])


def test_max_pool_ng_example():
    # Ng, "Pooling layers": f = 3, s = 1 on this 5×5 input gives [[9, 9, 5], [9, 9, 5], [8, 6, 9]]
    sol = solve_params("pooling", x=POOL_X, f=3, s=1)
    np.testing.assert_array_equal(sol.value("y"), [[9, 9, 5], [9, 9, 5], [8, 6, 9]])
    w = sol.value("winners")
    assert w.shape == (9, 2)
    for k, (r, c) in enumerate(w):
        assert POOL_X[r - 1][c - 1] == sol.value("y").ravel()[k]
    assert list(w[5]) == [2, 5]  # y_23's window has two 5s: the first in reading order wins
    assert "y_23" in sol.explanation("winners")


@pytest.mark.parametrize("f,s", [(2, 2), (3, 1), (2, 1), (3, 2)])
def test_pooling_against_loops(f, s):
    mx = solve_params("pooling", x=POOL_X, f=f, s=s)
    av = solve_params("pooling", x=POOL_X, f=f, s=s, mode="avg")
    np.testing.assert_array_equal(mx.value("y"), loop_pool(POOL_X, f, s, max))
    np.testing.assert_allclose(av.value("y"), loop_pool(POOL_X, f, s, lambda v: sum(v) / len(v)), rtol=1e-14)
    assert "winners" not in av.steps


def test_pool_stride_defaults_to_window():
    sol = solve_params("pooling", x=POOL_X, f=2)
    np.testing.assert_array_equal(sol.value("y"), [[9, 2], [8, 5]])
    assert sol.value("s") == 2
    assert any("s = f" in c for c in sol.conventions)


def test_pool_window_too_large():
    with pytest.raises(TutorError) as e:
        solve_params("pooling", x=[[1, 2], [3, 4]], f=3)
    assert e.value.field == "params.f"


# -- output sizes ---------------------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(st.integers(1, 300), st.integers(1, 11), st.integers(0, 5), st.integers(1, 6))
def test_output_size_formula(n, f, p, s):
    if f > n + 2 * p:
        with pytest.raises(TutorError):
            solve_params("conv_output_size", n=n, f=f, p=p, s=s)
        return
    sol = solve_params("conv_output_size", n=n, f=f, p=p, s=s)
    assert sol.value("out") == out_size(n, p, f, s)
    assert sol.value("q") == pytest.approx((n + 2 * p - f) / s)
    # the count of window positions, counted one by one
    assert sol.value("out") == len(range(0, n + 2 * p - f + 1, s))


def torch_pool_ceil(n, p, f, s):
    """PyTorch's pooling_output_shape with ceil_mode=True (aten/src/ATen/native/Pool.h)."""
    out = -(-(n + 2 * p - f) // s) + 1
    if (out - 1) * s >= n + p:
        out -= 1
    return out


@pytest.mark.parametrize("n,f,p,s", [(10, 3, 0, 2), (10, 3, 1, 2), (5, 2, 0, 2), (6, 3, 1, 3), (7, 3, 1, 2)])
def test_ceil_rounding_matches_pytorch_rule(n, f, p, s):
    sol = solve_params("conv_output_size", n=n, f=f, p=p, s=s, rounding="ceil")
    assert sol.value("out") == torch_pool_ceil(n, p, f, s)


def test_ceil_rule_drops_a_window_starting_in_the_padding():
    # n = 2, f = 1, p = 1, s = 3: ⌈3/3⌉ + 1 = 2, but the second window would start at 3 = n + p, in the right
    # padding, so PyTorch keeps 1.
    sol = solve_params("conv_output_size", n=2, f=1, p=1, s=3, rounding="ceil")
    assert sol.value("out") == 1 == torch_pool_ceil(2, 1, 1, 3)


def test_pairs_and_words():
    sol = solve_params("conv_output_size", n=[28, 20], f=[5, 3], p="same")
    np.testing.assert_array_equal(sol.value("p"), [2, 1])
    np.testing.assert_array_equal(sol.value("out"), [28, 20])
    full = solve_params("conv_output_size", n=4, f=3, p="full")
    assert full.value("p") == 2 and full.value("out") == 6
    valid = solve_params("conv_output_size", n=4, f=3, p="valid")
    assert valid.value("p") == 0 and valid.value("out") == 2


def test_layers_ng_example():
    # Ng, "Example ConvNet": 39×39×3 → 37×37×10 → 17×17×20 → 7×7×40, flattened 1960
    sol = solve_params("conv_output_size", n=39, c=3, layers=[
        {"f": 3, "s": 1, "filters": 10}, {"f": 5, "s": 2, "filters": 20}, {"f": 5, "s": 2, "filters": 40}])
    assert [sol.value(f"n_{k}") for k in (1, 2, 3)] == [37, 17, 7]
    assert sol.value("out") == 7
    np.testing.assert_array_equal(sol.value("shape_3"), [7, 7, 40])
    assert sol.value("flat") == 1960


def test_layers_with_pooling_keep_the_depth():
    sol = solve_params("conv_output_size", n=32, c=3, layers=[
        {"f": 3, "p": "same", "filters": 8}, {"type": "pool", "f": 2}])  # a pool strides by f unless told
    np.testing.assert_array_equal(sol.value("shape_1"), [32, 32, 8])
    np.testing.assert_array_equal(sol.value("shape_2"), [16, 16, 8])
    assert sol.value("flat") == 16 * 16 * 8


@pytest.mark.parametrize("params,field,fragment", [
    (dict(n=6), "f", "kernel size"),
    (dict(n=6, f=3, layers=[{"f": 3}]), "f", "not both"),
    (dict(n=6, layers=[{"f": 3, "type": "dense"}]), "layers[0].type", "expected one of"),
    (dict(n=6, layers=[{"f": 3, "stride": 2}]), "layers[0].stride", "did you mean"),
    (dict(n=6, layers=[{"f": 7}]), "layers[0].f", "must fit"),
    (dict(n=6, layers=[{"type": "pool", "f": 2, "filters": 3}]), "layers[0].filters", "no filters"),
    (dict(n=2.5, f=1), "n", "whole number"),
])
def test_output_size_bad_input(params, field, fragment):
    with pytest.raises(TutorError) as e:
        solve_params("conv_output_size", **params)
    assert e.value.field == f"params.{field}", e.value.field
    assert fragment in e.value.message


# -- parameter counts -----------------------------------------------------------------------------------------------
def test_notes_cnn_with_fc():
    # file 003: 3·3·3·16 + 16 = 448 and (32·32·16)·10 + 10 = 163850, total 164298 ('same' padding)
    sol = solve_params("conv_parameters", input=[32, 32, 3],
                       layers=[{"type": "conv", "f": 3, "filters": 16, "p": "same"}, {"type": "fc", "units": 10}])
    assert (sol.value("params_1"), sol.value("params_2"), sol.value("total")) == (448, 163850, 164298)
    assert sol.value("flat_2") == 32 * 32 * 16
    assert isinstance(sol.value("total"), int)


def reference_params(input_shape, layers):
    h, w, c = input_shape
    total, flat = 0, None
    for L in layers:
        if L["type"] == "conv":
            f, p, s = L["f"], L.get("p", 0), L.get("s", 1)
            total += f * f * c * L["filters"] + L["filters"]
            h, w, c = out_size(h, p, f, s), out_size(w, p, f, s), L["filters"]
        elif L["type"] == "pool":
            f, s = L["f"], L.get("s", L["f"])
            h, w = out_size(h, 0, f, s), out_size(w, 0, f, s)
        else:
            n_in = flat if flat is not None else h * w * c
            total += n_in * L["units"] + L["units"]
            flat = L["units"]
    return total


def test_lenet_like_network():
    # LeNet-5 as in d2l.ai ("Convolutional Neural Networks (LeNet)"), which prints 61,706 parameters for:
    # conv 6@5×5 p2 → pool 2 → conv 16@5×5 → pool 2 → fc 120 → fc 84 → fc 10 on a 28×28×1 input.
    layers = [{"type": "conv", "f": 5, "filters": 6, "p": 2}, {"type": "pool", "f": 2},
              {"type": "conv", "f": 5, "filters": 16}, {"type": "pool", "f": 2},
              {"type": "fc", "units": 120}, {"type": "fc", "units": 84}, {"type": "fc", "units": 10}]
    sol = solve_params("conv_parameters", input=[28, 28, 1], layers=layers)
    assert sol.value("total") == reference_params((28, 28, 1), layers) == 61706
    np.testing.assert_array_equal(sol.value("shape_4"), [5, 5, 16])
    assert sol.value("params_2") == 0


def test_channels_only_and_bias_false():
    sol = solve_params("conv_parameters", input=3, layers=[{"f": 3, "filters": 10}])
    assert sol.value("total") == 280  # Ng's quiz: 10 filters of 3×3×3 → 280
    nob = solve_params("conv_parameters", input=3, layers=[{"f": 3, "filters": 10, "bias": False},
                                                           {"f": 1, "filters": 4}])
    assert nob.value("params_1") == 270 and nob.value("params_2") == 1 * 1 * 10 * 4 + 4
    assert any("bias: false" in c for c in nob.conventions)


def test_student_count_carries_to_total():
    sol = solve_params("conv_parameters", input=3, layers=[{"f": 3, "filters": 10}, {"f": 3, "filters": 5}])
    new = sol.replace({"params_1": 270})
    assert new.value("total") == 270 + (3 * 3 * 10 * 5 + 5)


@pytest.mark.parametrize("params,field,fragment", [
    (dict(input=[32, 32], layers=[{"f": 3, "filters": 2}]), "input", "[height, width, channels]"),
    (dict(input=3, layers=[{"f": 3, "filters": 2}, {"type": "fc", "units": 4}]), "input", "height, width"),
    (dict(input=3, layers=[{"f": 3}]), "layers[0].filters", "missing"),
    (dict(input=3, layers=[{"type": "fc", "units": 4, "f": 3}]), "layers[0].f", "has no 'f'"),
    (dict(input=[8, 8, 3], layers=[{"type": "fc", "units": 4}, {"f": 3, "filters": 1}]), "layers[1].type",
     "after a fully-connected"),
    (dict(input=3, layers=[]), "layers", "list of layers"),
])
def test_parameters_bad_input(params, field, fragment):
    with pytest.raises(TutorError) as e:
        solve_params("conv_parameters", **params)
    assert e.value.field == f"params.{field}", e.value.field
    assert fragment in e.value.message


# -- multiplications ------------------------------------------------------------------------------------------------
def test_bottleneck_ng_example():
    # Ng, "Inception network motivation": 28×28×192 → 5×5 same, 32 filters: 120M multiplications; through a 1×1
    # conv to 16 channels: 2.4M + 10.0M = 12.4M.
    sol = solve_params("conv_multiplications", input=[28, 28, 192], f=5, filters=32, bottleneck=16)
    assert sol.value("mults") == 28 * 28 * 32 * 5 * 5 * 192 == 120_422_400
    assert sol.value("mults_reduce") == 28 * 28 * 16 * 192 == 2_408_448
    assert sol.value("mults_expand") == 28 * 28 * 32 * 5 * 5 * 16 == 10_035_200
    assert sol.value("mults_bottleneck") == 12_443_648
    assert sol.value("saving") == 120_422_400 - 12_443_648
    assert sol.value("ratio") == pytest.approx(12_443_648 / 120_422_400)
    assert sol.value("p") == 2
    assert isinstance(sol.value("mults"), int)


@settings(max_examples=30, deadline=None)
@given(st.integers(5, 64), st.integers(1, 256), st.sampled_from([1, 3, 5, 7]), st.integers(1, 128),
       st.integers(0, 3), st.integers(1, 3))
def test_multiplications_formula(n, c, f, k, p, s):
    if f > n + 2 * p:
        return
    sol = solve_params("conv_multiplications", input=[n, n, c], f=f, filters=k, p=p, s=s)
    o = out_size(n, p, f, s)
    assert sol.value("mults") == o * o * k * f * f * c


def test_multiplications_need_a_volume():
    with pytest.raises(TutorError) as e:
        solve_params("conv_multiplications", input=[28, 28], f=5, filters=32)
    assert e.value.field == "params.input" and "[height, width, channels]" in e.value.message


# -- the bank -------------------------------------------------------------------------------------------------------
EXPECTED = {
    "conv2d-vertical-edge": ("y", NG_Y),
    "conv2d-vertical-edge-lab": ("y", NG_Y),
    "conv2d-padded-stride-2": ("y", [[-2, -4, -6], [-9, -11, -7], [-18, 4, -3]]),
    "conv2d-x-filter-5x5": ("y", [[7, 6, 5], [5, 5, 6], [5, 5, 7]]),
    "conv2d-identity-filter-padded": ("y", [[2, 2], [1, 2]]),
    "correlation-1d-signal": ("y", [[2, 2, 2, 2, -3, -5]]),
    "convolution-1d-flipped": ("y", [[-2, -2, -2, -2, 3, 5]]),
    "max-pooling-3x3-stride-1": ("y", [[9, 9, 5], [9, 9, 5], [8, 6, 9]]),
    "conv-size-same-padding": ("out", 6),
    "conv-size-stride-2": ("out", 5),
    "conv-size-valid-4": ("out", 2),
    "conv-size-same-4": ("out", 4),
    "conv-size-full-4": ("out", 6),
    "conv-size-1d-signal": ("out", 96),
    "conv-size-three-layers": ("out", 7),
    "cnn-parameters-conv-fc": ("total", 164298),
    "conv-layer-parameters-no-padding": ("total", 448),
    "conv-layer-parameters-ten-filters": ("total", 280),
    "conv-bottleneck-1x1": ("mults", 120422400),
    "conv-bottleneck-1x1-lab": ("mults", 120422400),
}


@pytest.mark.parametrize("pid", sorted(EXPECTED))
def test_problems_solve_through_the_cli(pid):
    r = CliRunner().invoke(app, ["solve", pid, "--format", "json"])
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    key, want = EXPECTED[pid]
    np.testing.assert_allclose(np.asarray(data["answer"][key], float), np.asarray(want, float))


def test_cli_text_shows_the_window_working():
    r = CliRunner().invoke(app, ["solve", "conv2d-padded-stride-2"])
    assert r.exit_code == 0, r.stderr
    assert "y_31 = 0·1 + 7·(-1) + 0·0 + 11·(-1)" in r.stdout
    assert "The notes give 11 for entry (3, 1) of y" in r.stdout


def test_cli_bad_padding_is_one_line():
    r = CliRunner().invoke(app, ["solve", "conv-size-same-padding", "--set", "p=middle"])
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "p" in lines[0] and "'same'" in lines[0]


# -- mistakes -------------------------------------------------------------------------------------------------------
def marks(problem, **answers):
    """Check the answers (step key → text as typed) and return the marks by key."""
    res = check(problem, {k: parse_answer(t) for k, t in answers.items()})
    return {m.key: m for m in res.marks}


def text(value):
    """A value as a student would type it (to 6 decimals, so the precision is never the issue)."""
    return json.dumps(np.round(np.asarray(value, float), 6).tolist())


def named(problem, key, value, **before):
    m = marks(problem, **before, **{key: text(value)})[key]
    assert m.status == "wrong", (m.status, m.expected)
    return m.mistake.name if m.mistake else None


def correlate_valid(x, K, s=1):
    """Cross-correlation without padding, from numpy's sliding windows (no flip)."""
    win = sliding_window_view(np.asarray(x, float), np.shape(K))[::s, ::s]
    return np.einsum("ijkl,kl->ij", win, np.asarray(K, float))


def test_conv2d_flipping_the_kernel_is_named():
    flipped = correlate_valid(NG_X, np.array(NG_K)[::-1, ::-1])
    assert named(find_problem("conv2d-vertical-edge"), "y", flipped) == "kernel flipped (true convolution)"


def test_conv2d_not_flipping_for_a_true_convolution_is_named():
    x, f = [1, 2, 3, 4, 5, 6, 2, 1], [-1, 0, 1]
    unflipped = [[sum(x[i + j] * f[j] for j in range(3)) for i in range(6)]]  # y_i = Σ_j x_{i+j} f_j
    assert unflipped == [[2, 2, 2, 2, -3, -5]]
    assert named(find_problem("convolution-1d-flipped"), "y", unflipped) == "kernel not flipped"


def test_conv2d_flip_mistakes_do_not_apply_to_a_symmetric_kernel():
    prob = find_problem("conv2d-x-filter-5x5")  # K = [1 0 1; 0 1 0; 1 0 1] is its own 180° turn
    m = marks(prob, y="[[8, 8, 7], [5, 6, 7], [6, 7, 7]]")["y"]
    assert m.status == "wrong" and m.mistake.name == "the notes' own figure"


def test_conv2d_output_size_without_the_plus_one_is_named():
    n, p, f, s = 5, 1, 2, 2  # conv2d-padded-stride-2
    assert named(find_problem("conv2d-padded-stride-2"), "out_size", [(n + 2 * p - f) // s] * 2) == \
        "output size without the +1"


def test_conv2d_padding_left_out_is_named():
    prob = make_problem("conv2d", {"x": np.arange(36).reshape(6, 6).tolist(), "K": [[1, 0, 0], [0, 0, 0], [0, 0, -1]],
                                   "p": 1})
    assert named(prob, "out_size", [6 - 3 + 1] * 2) == "padding left out"  # right: 6 + 2 − 3 + 1 = 6


def test_conv2d_degenerate_when_every_output_is_zero():
    sol = solve_params("conv2d", x=[[1, 1, 1], [1, 1, 1], [1, 1, 1]], K=[[1, -1], [1, -1]])
    assert [c(sol) for c in degeneracy_checks("conv2d")] == ["every output is 0"]
    assert [c(solve(find_problem("conv2d-vertical-edge"))) for c in degeneracy_checks("conv2d")] == [None]


def test_conv_output_size_without_the_plus_one_is_named():
    assert named(find_problem("conv-size-1d-signal"), "out", 100 - 5) == "output size without the +1"


def test_conv_output_size_without_the_plus_one_through_layers():
    n1 = 39 - 3             # 36, then q₂ = (36 − 5)/2 = 15.5
    n2 = (n1 - 5) // 2      # 15
    n3 = (n2 - 5) // 2      # 5
    assert named(find_problem("conv-size-three-layers"), "n_3", n3) == "output size without the +1"
    assert named(find_problem("conv-size-three-layers"), "flat", n3 * n3 * 40) == "output size without the +1"


def test_conv_output_size_rounding_up_is_named():
    assert named(find_problem("conv-size-stride-2"), "out", -(-(10 + 2 - 3) // 2) + 1) == \
        "rounded up instead of down"


def test_conv_output_size_same_padding_from_n_is_named():
    assert named(find_problem("conv-size-same-padding"), "p", (6 - 3 + 1) / 2) == "'same' padding as (n − f + 1)/2"
    layers = make_problem("conv_output_size", {"n": 10, "layers": [{"f": 3, "p": "same"}, {"f": 5, "p": "same"}]})
    # from the student's own (right) layer 1, which keeps n = 10
    assert named(layers, "p_2", (10 - 5 + 1) / 2, p_1="1", n_1="10") == "'same' padding as (n − f + 1)/2"
    # the wrong method throughout: p₁ = (10 − 3 + 1)/2 = 4, so n₁ = 10 + 8 − 3 + 1 = 16 and p₂ = (16 − 5 + 1)/2
    assert named(layers, "p_2", (16 - 5 + 1) / 2) == "'same' padding as (n − f + 1)/2"


def test_conv_output_size_a_wrong_step_carries_forward():
    got = marks(find_problem("conv-size-three-layers"), n_1="36", n_2=str((36 - 5) // 2 + 1))
    assert got["n_1"].status == "wrong" and got["n_1"].mistake.name == "output size without the +1"
    assert got["n_2"].status == "carried_forward"


def test_pooling_mistakes_are_named():
    prob = find_problem("max-pooling-3x3-stride-1")
    x = np.array(prob.params["x"], float)
    assert named(prob, "out_size", [(5 - 3) // 1] * 2) == "output size without the +1"
    means = sliding_window_view(x, (3, 3)).mean(axis=(2, 3))
    assert named(prob, "y", means) == "mean instead of max"
    assert named(prob, "out_size", [(5 - 3) // 3 + 1] * 2) == "stride taken as the window size"


def test_pooling_degenerate_at_a_tie():
    tie = solve_params("pooling", x=[[1, 4, 2, 0], [4, 3, 1, 1], [0, 2, 5, 6], [1, 1, 3, 2]], f=2)
    assert [c(tie) for c in degeneracy_checks("pooling")] == ["a tie for the largest entry of a window"]
    avg = solve_params("pooling", x=[[1, 4, 2, 0], [4, 3, 1, 1], [0, 2, 5, 6], [1, 1, 3, 2]], f=2, mode="avg")
    assert [c(avg) for c in degeneracy_checks("pooling")] == [None]
    # the bank's own example has one: the window of y_23 holds two 5s (x_25 and x_43)
    bank = solve(find_problem("max-pooling-3x3-stride-1"))
    assert [c(bank) for c in degeneracy_checks("pooling")] == ["a tie for the largest entry of a window"]
    untied = solve_params("pooling", x=[[1, 4, 2, 0], [3, 2, 1, 1], [0, 2, 5, 6], [1, 1, 3, 2]], f=2)
    assert [c(untied) for c in degeneracy_checks("pooling")] == [None]


def test_conv_parameters_mistakes_are_named():
    ten = find_problem("conv-layer-parameters-ten-filters")  # 10 filters of 3×3 on 3 channels
    assert named(ten, "params_1", 3 * 3 * 10 + 10) == "filter depth left out"
    assert named(ten, "total", 3 * 3 * 10 + 10) == "filter depth left out"
    assert named(ten, "total", 3 * 3 * 3 * 10) == "biases left out"
    fc = find_problem("cnn-parameters-conv-fc")  # 'same' 3×3 conv, 16 filters on 32×32×3, then 10 units
    assert named(fc, "flat_2", 32 * 32) == "flattened without the depth"
    assert named(fc, "total", (3 * 3 * 3 * 16 + 16) + (32 * 32 * 10 + 10)) == "flattened without the depth"
    assert named(fc, "total", 3 * 3 * 3 * 16 + 32 * 32 * 16 * 10) == "biases left out"


def test_conv_parameters_without_biases_knows_the_layer_has_none():
    nob = make_problem("conv_parameters", {"input": 3, "layers": [{"f": 3, "filters": 10, "bias": False}]})
    assert named(nob, "params_1", 3 * 3 * 10) == "filter depth left out"  # and no bias added
    assert named(nob, "params_1", 3 * 3 * 3 * 10 + 10) is None  # biases where there are none: no catalogued method


def test_conv_multiplications_mistakes_are_named():
    prob = find_problem("conv-bottleneck-1x1")  # 'same' 5×5, 32 filters on 28×28×192; bottleneck 16
    assert named(prob, "per_output", 5 * 5) == "one output without the input channels"
    assert named(prob, "mults", 28 * 28 * 32 * 5 * 5) == "one output without the input channels"
    assert named(prob, "outputs", 28 * 28 * 192) == "output depth taken from the input"
    assert named(prob, "mults", 28 * 28 * 192 * 5 * 5 * 192) == "output depth taken from the input"
    assert named(prob, "mults_expand", 28 * 28 * 32 * 5 * 5 * 192) == "bottleneck's convolution over all input channels"


def test_conv_multiplications_right_ratio_to_2_and_4_decimals_is_correct():
    ratio = (28 * 28 * 16 * 192 + 28 * 28 * 32 * 5 * 5 * 16) / (28 * 28 * 32 * 5 * 5 * 192)
    prob = find_problem("conv-bottleneck-1x1")
    for digits in (2, 4):
        assert marks(prob, ratio=f"{ratio:.{digits}f}")["ratio"].status == "correct"
