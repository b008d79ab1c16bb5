"""dense_forward, parameter_count, network_backprop and autoencoder against computations written in this test:
hand-worked values for the notes' examples, a plain-numpy forward pass, n_in·n_out + n_out counted here, and
every backprop gradient checked against central finite differences of a loss written here (no backprop code)."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import make_problem, solve_params
from tutor.answers import parse_answer
from tutor.api import find_problem, solve
from tutor.bank import load_file
from tutor.check import check
from tutor.cli import app
from tutor.errors import TutorError
from tutor.mistakes import degeneracy_checks

ROOT = Path(__file__).resolve().parents[2] / "problems"
PROBLEMS = sorted([*(ROOT / "networks").glob("*.yaml"), *(ROOT / "backprop").glob("backprop-*.yaml")])


# -- references written here ----------------------------------------------------------------------------------------
def act(name, z):
    z = np.asarray(z, float)
    if name == "linear":
        return z
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "tanh":
        return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
    if name == "softmax":
        e = np.exp(z)
        return e / e.sum()
    raise AssertionError(name)


def forward(x, layers):
    """[(z, a)] per layer, with W out × in and a missing b as zero."""
    a, out = np.asarray(x, float), []
    for layer in layers:
        W = np.atleast_2d(np.asarray(layer["W"], float))
        b = np.broadcast_to(np.asarray(layer.get("b", 0.0), float), (W.shape[0],))
        z = np.array([sum(W[i, j] * a[j] for j in range(W.shape[1])) + b[i] for i in range(W.shape[0])])
        a = act(layer["activation"], z)
        out.append((z, a))
    return out


def loss_of(name, yhat, y):
    yhat, y = np.asarray(yhat, float), np.asarray(y, float)
    n = yhat.size
    sq = float(np.sum((yhat - y) ** 2))
    if name == "mse":
        return sq / n
    if name == "half_mse":
        return sq / (2 * n)
    if name == "sse":
        return sq
    if name == "half_sse":
        return sq / 2
    if name == "bce":
        return float(-np.mean(y * np.log(yhat) + (1 - y) * np.log(1 - yhat)))
    raise AssertionError(name)


def numeric_gradients(x, layers, y, loss, h=1e-6):
    """∂L/∂W and ∂L/∂b of every layer by central differences of the loss (no chain rule anywhere)."""
    def L(ls):
        return loss_of(loss, forward(x, ls)[-1][1], y)

    grads = []
    for k, layer in enumerate(layers):
        W = np.atleast_2d(np.asarray(layer["W"], float))
        b = np.broadcast_to(np.asarray(layer.get("b", 0.0), float), (W.shape[0],)).copy()
        gW, gb = np.zeros_like(W), np.zeros_like(b)
        for idx in np.ndindex(W.shape):
            Wp, Wm = W.copy(), W.copy()
            Wp[idx] += h
            Wm[idx] -= h
            lp = [dict(lay) for lay in layers]
            lm = [dict(lay) for lay in layers]
            lp[k] = dict(layer, W=Wp.tolist(), b=b.tolist())
            lm[k] = dict(layer, W=Wm.tolist(), b=b.tolist())
            gW[idx] = (L(lp) - L(lm)) / (2 * h)
        for i in range(b.size):
            bp, bm = b.copy(), b.copy()
            bp[i] += h
            bm[i] -= h
            lp = [dict(lay) for lay in layers]
            lm = [dict(lay) for lay in layers]
            lp[k] = dict(layer, W=W.tolist(), b=bp.tolist())
            lm[k] = dict(layer, W=W.tolist(), b=bm.tolist())
            gb[i] = (L(lp) - L(lm)) / (2 * h)
        grads.append((gW, gb))
    return grads


def random_layers(rng, sizes, acts, with_bias=True):
    return [{"W": rng.normal(scale=0.8, size=(n_out, n_in)).tolist(),
             **({"b": rng.normal(scale=0.5, size=n_out).tolist()} if with_bias else {}),
             "activation": a}
            for n_in, n_out, a in zip(sizes[:-1], sizes[1:], acts)]


# -- dense_forward --------------------------------------------------------------------------------------------------
NOTES_MLP = dict(  # file 000: the 4-input MLP
    x=[-2.4, 1.2, -0.8, 1.1],
    layers=[{"W": [[0.1] * 4] * 3, "activation": "relu"},
            {"W": [[0.001, 0.002, 0.003], [0.001, 0.001, 0.001]], "activation": "relu"},
            {"W": [[0.01, 0.02], [0.02, 0.01]], "activation": "softmax"}],
)


def test_notes_mlp_is_dead_after_the_first_relu():
    sol = solve_params("dense_forward", **NOTES_MLP)
    # by hand: 0.1·(-2.4 + 1.2 - 0.8 + 1.1) = 0.1·(-0.9) = -0.09 for each of the three units
    np.testing.assert_allclose(sol.value("z1"), [-0.09] * 3, rtol=1e-12)
    assert np.all(sol.value("a1") == 0) and np.all(sol.value("a2") == 0) and np.all(sol.value("z3") == 0)
    np.testing.assert_allclose(sol.value("y_hat"), [0.5, 0.5], rtol=1e-15)  # e⁰/(e⁰ + e⁰)
    assert sol.answer_keys == ("y_hat",)
    assert "every entry to 0" in sol.explanation("a1")
    assert any("nn.Linear" in c and "out × in" in c for c in sol.conventions)
    assert any("No b given for layers 1, 2, 3" in c for c in sol.conventions)


@pytest.mark.parametrize("seed,acts", [
    (0, ["relu", "sigmoid"]), (1, ["tanh", "softmax"]), (2, ["linear", "relu", "tanh"]),
    (3, ["sigmoid", "linear", "softmax"]),
])
def test_forward_matches_plain_numpy(seed, acts):
    rng = np.random.default_rng(seed)
    sizes = [3, 4, 2, 3][: len(acts) + 1]
    layers = random_layers(rng, sizes, acts, with_bias=seed % 2 == 0)
    x = rng.normal(size=sizes[0]).tolist()
    sol = solve_params("dense_forward", x=x, layers=layers)
    for k, (z, a) in enumerate(forward(x, layers), 1):
        np.testing.assert_allclose(sol.value(f"z{k}"), z, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(sol.value(f"a{k}"), a, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(sol.value("y_hat"), forward(x, layers)[-1][1], rtol=1e-12)


def test_neuron_output_sigmoid():
    sol = solve_params("dense_forward", x=[1, 1], layers=[{"W": [0.2, 0.3], "b": 0.1, "activation": "sigmoid"}])
    assert float(sol.value("z1")[0]) == pytest.approx(0.6, rel=1e-14)
    assert float(sol.value("y_hat")[0]) == pytest.approx(1 / (1 + math.exp(-0.6)), rel=1e-14)  # 0.645656...


def test_large_logits_softmax_does_not_overflow():
    sol = solve_params("dense_forward", x=[1.0], layers=[{"W": [[1000.0], [999.0]], "activation": "softmax"}])
    e = 1 / (1 + math.exp(-1))  # softmax([1000, 999])₁ = 1/(1 + e^-1)
    np.testing.assert_allclose(sol.value("a1"), [e, 1 - e], rtol=1e-12)


def test_single_unit_softmax_is_one_and_said_so():
    sol = solve_params("dense_forward", x=[0.2, -1.3, 1.2, 0.01],
                       layers=[{"W": [[0.001, 0.01, -0.005, -1.2]], "activation": "softmax"}])
    assert float(sol.value("z1")[0]) == pytest.approx(0.0002 - 0.013 - 0.006 - 0.012, rel=1e-12)
    assert float(sol.value("a1")[0]) == 1.0
    assert "always 1" in sol.explanation("a1")


@pytest.mark.parametrize("layers,field,fragments", [
    ([{"W": [[1, 2, 3]], "activation": "relu"}], "params.layers[0].W", ["layer 1", "1×3", "x has 2", "2 columns"]),
    ([{"W": [[1, 2], [3, 4], [5, 6]], "activation": "relu"}, {"W": [[1, 2]], "activation": "linear"}],
     "params.layers[1].W", ["layer 2", "1×2", "layer 1 has 3 units", "3 columns"]),
    ([{"W": [[1, 2], [3, 4]], "activation": "relu"}, {"W": [[1], [2]], "activation": "linear"}],
     "params.layers[1].W", ["layer 2", "2×1", "transposed", "1×2"]),
    ([{"W": [[1, 2]], "b": [1, 2], "activation": "relu"}], "params.layers[0].b", ["layer 1", "2 entries", "1 row"]),
    ([{"W": [[1, 2]], "activation": "rleu"}], "params.layers[0].activation", ["layer 1", '"relu"']),
    ([{"W": [[1, 2]]}], "params.layers[0]", ["missing activation"]),
    ([{"activation": "relu"}], "params.layers[0]", ["missing W"]),
    ([{"W": [[1, 2]], "activation": "relu", "bias": [0]}], "params.layers[0].bias", ["unknown key 'bias'"]),
    ([{"W": [[1, "two"]], "activation": "relu"}], "params.layers[0].W[0][1]", ["expected a number"]),
    ([[1, 2]], "params.layers[0]", ["expected a mapping"]),
    ([], "params.layers", ["expected a list of layers"]),
])
def test_bad_layers_name_the_layer_and_the_dimension(layers, field, fragments):
    with pytest.raises(TutorError) as e:
        solve_params("dense_forward", x=[1, 2], layers=layers)
    assert e.value.field == field, e.value.field
    for f in fragments:
        assert f in e.value.message, (f, e.value.message)


# -- parameter_count ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("sizes", [[4, 3, 2, 1], [2, 2, 1], [784, 128, 64, 10], [1, 1], [3, 5, 7, 11, 13, 2]])
def test_parameter_count_against_the_formula(sizes):
    sol = solve_params("parameter_count", sizes=sizes)
    weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    biases = sum(sizes[1:])
    assert sol.value("weights") == weights and sol.value("biases") == biases
    assert sol.value("total") == weights + biases
    for k, (a, b) in enumerate(zip(sizes, sizes[1:]), 1):
        assert sol.value(f"params_{k}") == a * b + b
    assert type(sol.value("total")) is int


def test_parameter_count_notes_and_published_values():
    assert solve_params("parameter_count", sizes=[4, 3, 2, 1]).value("total") == 26  # 15 + 8 + 3
    assert solve_params("parameter_count", sizes=[2, 2, 1]).value("total") == 9  # 6 weights + 3 biases
    # The classic 784-128-64-10 MNIST MLP: 100480 + 8256 + 650 = 109386 parameters
    assert solve_params("parameter_count", sizes=[784, 128, 64, 10]).value("total") == 109386


def test_parameter_count_is_exact_for_huge_layers():
    sol = solve_params("parameter_count", sizes=[10**9 + 7, 10**9 + 9])
    assert sol.value("total") == (10**9 + 7) * (10**9 + 9) + 10**9 + 9
    r = CliRunner().invoke(app, ["solve", "parameter-count-4-3-2-1", "--format", "json"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["answer"] == {"weights": 20, "biases": 6, "total": 26}


@pytest.mark.parametrize("sizes,field,fragment", [
    ([4], "params.sizes", "at least two"), ("4, 3", "params.sizes", "at least two"),
    ([4, 0], "params.sizes[1]", "at least 1"), ([4, 2.5], "params.sizes[1]", "whole number"),
    ([0, 3], "params.sizes[0]", "number of inputs"),
])
def test_parameter_count_bad_sizes(sizes, field, fragment):
    with pytest.raises(TutorError) as e:
        solve_params("parameter_count", sizes=sizes)
    assert e.value.field == field and fragment in e.value.message


# -- network_backprop -----------------------------------------------------------------------------------------------
NOTES_NET = dict(  # file 003: x = [1, 2], target 5, η = 0.01
    x=[1, 2],
    layers=[{"W": [[0.2, 0.4], [0.3, 0.7]], "b": [0, 0], "activation": "relu"},
            {"W": [[0.5, 0.9]], "b": [0], "activation": "linear"}],
    y=5, eta=0.01,
)


def test_notes_network_by_hand():
    sol = solve_params("network_backprop", **NOTES_NET)
    # z₁ = [0.2 + 0.8, 0.3 + 1.4] = [1, 1.7]; ŷ = 0.5 + 0.9·1.7 = 2.03; L = (2.03 - 5)² = 8.8209
    np.testing.assert_allclose(sol.value("z1"), [1.0, 1.7], rtol=1e-14)
    assert float(sol.value("y_hat")[0]) == pytest.approx(2.03, rel=1e-14)
    assert sol.value("loss") == pytest.approx(8.8209, rel=1e-13)
    # ∂L/∂ŷ = 2(ŷ - y) = -5.94; ∂L/∂W₂ = -5.94·[1, 1.7]; δ₁ = -5.94·[0.5, 0.9]; ∂L/∂W₁ = δ₁xᵀ
    np.testing.assert_allclose(sol.value("dL_dy_hat"), [-5.94], rtol=1e-13)
    np.testing.assert_allclose(sol.value("dL_dW2"), [[-5.94, -10.098]], rtol=1e-13)
    np.testing.assert_allclose(sol.value("dL_db2"), [-5.94], rtol=1e-13)
    np.testing.assert_allclose(sol.value("delta1"), [-2.97, -5.346], rtol=1e-13)
    np.testing.assert_allclose(sol.value("dL_dW1"), [[-2.97, -5.94], [-5.346, -10.692]], rtol=1e-13)
    np.testing.assert_allclose(sol.value("W1_new"), [[0.2297, 0.4594], [0.35346, 0.80692]], rtol=1e-13)
    np.testing.assert_allclose(sol.value("b1_new"), [0.0297, 0.05346], rtol=1e-13)
    np.testing.assert_allclose(sol.value("W2_new"), [[0.5594, 1.00098]], rtol=1e-13)
    np.testing.assert_allclose(sol.value("b2_new"), [0.0594], rtol=1e-13)
    assert set(sol.answer["gradients"]) == {"dL_dW1", "dL_db1", "dL_dW2", "dL_db2"}
    assert set(sol.answer["updated"]) == {"W1", "b1", "W2", "b2"}
    np.testing.assert_allclose(sol.answer["updated"]["W1"], [[0.2297, 0.4594], [0.35346, 0.80692]], rtol=1e-13)


def test_default_loss_is_mean_without_half_and_said_so():
    sol = solve_params("network_backprop", **NOTES_NET)
    text = " ".join(sol.conventions)
    assert "Loss mse" in text and "nn.MSELoss()" in text and "no ½" in text
    assert "ReLU′(0) is taken as 0" in text and "nn.Linear" in text


@pytest.mark.parametrize("loss,factor", [("mse", 1 / 2), ("half_mse", 1 / 4), ("sse", 1), ("half_sse", 1 / 2)])
def test_loss_variants_on_two_outputs(loss, factor):
    layers = [{"W": [[1, 0], [0, 1]], "activation": "linear"}]
    sol = solve_params("network_backprop", x=[1, 2], layers=layers, y=[0, 5], eta=0.1, loss=loss)
    # errors [1, -3]: Σe² = 10
    assert sol.value("loss") == pytest.approx(10 * factor, rel=1e-14)
    np.testing.assert_allclose(sol.value("dL_dy_hat"), 2 * factor * np.array([1.0, -3.0]), rtol=1e-14)


@pytest.mark.parametrize("seed,sizes,acts,loss", [
    (0, [3, 4, 2], ["relu", "linear"], "mse"),
    (1, [2, 3, 1], ["tanh", "sigmoid"], "bce"),
    (2, [3, 3, 2, 2], ["sigmoid", "softmax", "linear"], "half_sse"),
    (3, [2, 4, 3], ["tanh", "softmax"], "sse"),
    (4, [4, 2, 3, 1], ["linear", "relu", "sigmoid"], "half_mse"),
    (5, [2, 2, 2], ["sigmoid", "sigmoid"], "bce"),
])
def test_gradients_match_finite_differences(seed, sizes, acts, loss):
    rng = np.random.default_rng(seed)
    layers = random_layers(rng, sizes, acts)
    x = rng.normal(size=sizes[0]).tolist()
    y = rng.uniform(0.05, 0.95, size=sizes[-1]).tolist() if loss == "bce" else rng.normal(size=sizes[-1]).tolist()
    eta = 0.3
    sol = solve_params("network_backprop", x=x, layers=layers, y=y, eta=eta, loss=loss)
    assert sol.value("loss") == pytest.approx(loss_of(loss, forward(x, layers)[-1][1], y), rel=1e-12)
    for k, (gW, gb) in enumerate(numeric_gradients(x, layers, y, loss), 1):
        np.testing.assert_allclose(sol.value(f"dL_dW{k}"), gW, rtol=1e-5, atol=1e-8, err_msg=f"W{k}")
        np.testing.assert_allclose(sol.value(f"dL_db{k}"), gb, rtol=1e-5, atol=1e-8, err_msg=f"b{k}")
        W = np.asarray(layers[k - 1]["W"], float)
        np.testing.assert_allclose(sol.value(f"W{k}_new"), W - eta * gW, rtol=1e-6, atol=1e-9)


def test_relu_derivative_at_zero_is_zero():
    # unit 1's z is exactly 0: PyTorch's ReLU passes no gradient there
    layers = [{"W": [[1, -1], [1, 1]], "activation": "relu"}, {"W": [[1, 1]], "activation": "linear"}]
    sol = solve_params("network_backprop", x=[2, 2], layers=layers, y=0, eta=0.1)
    np.testing.assert_allclose(sol.value("z1"), [0, 4])
    np.testing.assert_allclose(sol.value("fprime1"), [0, 1])
    np.testing.assert_allclose(sol.value("dL_dW1")[0], [0, 0])


def test_missing_biases_are_zero_and_learned():
    layers = [{"W": [[0.5, -0.5]], "activation": "sigmoid"}]
    sol = solve_params("network_backprop", x=[1, 1], layers=layers, y=1, eta=1.0)
    # ŷ = σ(0) = 0.5; L = 0.25; ∂L/∂z = 2(0.5 - 1)·0.25 = -0.25 → b_new = 0 + 0.25
    assert sol.value("loss") == pytest.approx(0.25)
    np.testing.assert_allclose(sol.value("b1_new"), [0.25], rtol=1e-14)
    assert any("No b given for layer 1" in c and "learned" in c for c in sol.conventions)


def test_student_value_carries_forward():
    sol = solve_params("network_backprop", **NOTES_NET)
    student = sol.replace({"dL_dy_hat": np.array([-2.97])})  # forgot the 2 of the square
    np.testing.assert_allclose(student.value("dL_dW2"), [[-2.97, -5.049]], rtol=1e-13)
    np.testing.assert_allclose(student.value("dL_dW1"), [[-1.485, -2.97], [-2.673, -5.346]], rtol=1e-13)
    np.testing.assert_allclose(student.value("W2_new"), [[0.5297, 0.95049]], rtol=1e-13)
    assert student.value("loss") == sol.value("loss")


def test_replacing_a_weight_recomputes_forward_and_backward():
    sol = solve_params("network_backprop", **NOTES_NET)
    new_layers = [dict(NOTES_NET["layers"][0]), dict(NOTES_NET["layers"][1], W=[[0.5, 0.7]])]
    fresh = solve_params("network_backprop", **dict(NOTES_NET, layers=new_layers))
    replaced = sol.replace({"W2": np.array([[0.5, 0.7]])})
    for key in fresh.steps:
        a, b = replaced.values[key], fresh.values[key]
        if isinstance(a, dict):
            for name in a:
                np.testing.assert_allclose(a[name], b[name], rtol=1e-13)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-13, err_msg=key)


@pytest.mark.parametrize("change,field,fragment", [
    (dict(y=[1, 2]), "params.y", "needs 1"),
    (dict(eta=0), "params.eta", "positive"),
    (dict(eta=-0.1), "params.eta", "positive"),
    (dict(loss="bce", y=1), "params.loss", "strictly between 0 and 1"),
    (dict(loss="cross_entropy"), "params.loss", "expected one of"),
])
def test_backprop_bad_input(change, field, fragment):
    with pytest.raises(TutorError) as e:
        solve_params("network_backprop", **dict(NOTES_NET, **change))
    assert e.value.field == field and fragment in e.value.message, (e.value.field, e.value.message)


def test_bce_target_must_be_a_probability():
    layers = [{"W": [[1.0, 1.0]], "activation": "sigmoid"}]
    with pytest.raises(TutorError) as e:
        solve_params("network_backprop", x=[1, 2], layers=layers, y=2, eta=0.1, loss="bce")
    assert e.value.field == "params.y" and "between 0 and 1" in e.value.message


# -- autoencoder ----------------------------------------------------------------------------------------------------
NOTES_AE = dict(x=[2, 0], W_e=[[0.5, -1.0]], W_d=[[2], [0.5]])  # file 000


@pytest.mark.parametrize("loss,value", [("half_sse", 0.125), ("mse", 0.125), ("sse", 0.25), ("half_mse", 0.0625)])
def test_notes_autoencoder(loss, value):
    sol = solve_params("autoencoder", **NOTES_AE, loss=loss)
    # h = 0.5·2 - 1·0 = 1; x̂ = [2, 0.5]·1; x̂ - x = [0, 0.5], Σe² = 0.25
    np.testing.assert_allclose(sol.value("h"), [1.0], rtol=1e-15)
    np.testing.assert_allclose(sol.value("x_hat"), [2.0, 0.5], rtol=1e-15)
    assert sol.value("loss") == pytest.approx(value, rel=1e-14)


def test_autoencoder_default_loss_is_pytorch_mse():
    sol = solve_params("autoencoder", x=[1, 2, 3], W_e=[[1, 0, 0], [0, 1, 0]], W_d=[[1, 0], [0, 1], [0, 0]])
    assert sol.value("loss") == pytest.approx(9 / 3)  # the third entry is lost: mean of [0, 0, 9]
    assert any("mse" in c and "nn.MSELoss()" in c for c in sol.conventions)


def test_autoencoder_with_activations_and_biases():
    rng = np.random.default_rng(11)
    x = rng.normal(size=4)
    We, be, Wd, bd = rng.normal(size=(2, 4)), rng.normal(size=2), rng.normal(size=(4, 2)), rng.normal(size=4)
    sol = solve_params("autoencoder", x=x.tolist(), W_e=We.tolist(), b_e=be.tolist(), W_d=Wd.tolist(),
                       b_d=bd.tolist(), encoder_activation="tanh", decoder_activation="sigmoid", loss="sse")
    h = np.tanh(We @ x + be)
    xh = 1 / (1 + np.exp(-(Wd @ h + bd)))
    np.testing.assert_allclose(sol.value("h"), h, rtol=1e-12)
    np.testing.assert_allclose(sol.value("x_hat"), xh, rtol=1e-12)
    assert sol.value("loss") == pytest.approx(float(np.sum((xh - x) ** 2)), rel=1e-12)
    assert "z_h" in sol.steps and "z_x_hat" in sol.steps


@pytest.mark.parametrize("change,field,fragment", [
    (dict(W_d=[2, 0.5]), "params.W_d", "[[2], [0.5]]"),
    (dict(W_e=[[0.5, -1, 2]]), "params.W_e", "x has 2"),
    (dict(b_e=[1, 2]), "params.b_e", "needs 1"),
    (dict(b_d=[1]), "params.b_d", "needs 2"),
    (dict(loss="bce"), "params.loss", "expected one of"),
])
def test_autoencoder_bad_input(change, field, fragment):
    with pytest.raises(TutorError) as e:
        solve_params("autoencoder", **dict(NOTES_AE, **change))
    assert e.value.field == field and fragment in e.value.message, (e.value.field, e.value.message)


# -- the bank's problems, through the CLI ---------------------------------------------------------------------------
@pytest.mark.parametrize("path", PROBLEMS, ids=lambda p: p.stem)
def test_problem_solves_through_the_cli(path):
    pid = load_file(path).id
    r = CliRunner().invoke(app, ["solve", pid, "--format", "json"])
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["id"] == pid and data["answer"]
    text = CliRunner().invoke(app, ["solve", pid])
    assert text.exit_code == 0 and "Traceback" not in text.stdout


def test_cli_answers_of_the_notes_examples():
    def answer(pid):
        r = CliRunner().invoke(app, ["solve", pid, "--format", "json"])
        assert r.exit_code == 0, r.stderr
        return json.loads(r.stdout)["answer"]

    assert answer("mlp-four-inputs")["y_hat"] == [0.5, 0.5]
    ae = answer("autoencoder-2-1-2")
    assert ae["x_hat"] == [2.0, 0.5] and ae["loss"] == pytest.approx(0.125)
    bp = answer("backprop-two-layer-relu")
    assert bp["loss"] == pytest.approx(8.8209) and bp["updated"]["b2"] == [pytest.approx(0.0594)]
    assert answer("parameter-count-4-3-2-1-chapter")["total"] == 26


def test_cli_text_shows_the_working_and_the_notes_slips():
    r = CliRunner().invoke(app, ["solve", "backprop-two-layer-relu"])
    assert r.exit_code == 0, r.stderr
    assert "0.5·1 + 0.9·1.7" in r.stdout and "8.8209" in r.stdout and "-10.692" in r.stdout
    r = CliRunner().invoke(app, ["solve", "parameter-count-4-3-2-1-chapter"])
    assert "The notes give 18" in r.stdout and "The notes give 36" in r.stdout


def test_cli_shape_error_is_one_line_with_position(tmp_path):
    bad = (ROOT / "backprop" / "backprop-two-layer-relu.yaml").read_text(encoding="utf-8").replace(
        "W: [[0.5, 0.9]]", "W: [[0.5], [0.9]]")
    (tmp_path / "bad.yaml").write_text(bad.replace("id: backprop-two-layer-relu", "id: bad-net"), encoding="utf-8")
    r = CliRunner().invoke(app, ["solve", "bad-net", "--bank", str(tmp_path)])
    assert r.exit_code == 2
    line = r.stderr.strip()
    assert "\n" not in line and "bad.yaml:" in line and "params.layers[1].W" in line and "transposed" in line


# -- mistakes --------------------------------------------------------------------------------------------------
from checking import typed  # noqa: E402,F401


def mark(problem, key, value, **earlier):
    answers = {k: parse_answer(v if isinstance(v, str) else typed(v)) for k, v in {**earlier, key: value}.items()}
    return next(m for m in check(problem, answers).marks if m.key == key)


def named(problem, key, value, **earlier):
    m = mark(problem, key, value, **earlier)
    assert m.status == "wrong", (key, m.status)
    return m.mistake.name if m.mistake else None


def sig(t):
    return 1 / (1 + math.exp(-t))


def test_dense_forward_mistakes():
    neuron = find_problem("neuron-output")  # z = 0.1 + 0.2·1 + 0.3·1 = 0.6, a = σ(0.6)
    assert named(neuron, "z1", 0.2 + 0.3) == "bias left out of z"
    assert named(neuron, "a1", 1 / (1 + math.exp(0.6))) == "σ(z) as 1/(1 + eᶻ), the minus sign lost"
    assert named(neuron, "y_hat", sig(0.5)) == "bias left out of z"
    # a softmax of z = (0, 0) without the division: e⁰ = 1 each, not ½
    assert named(find_problem("mlp-four-inputs"), "a3", [1, 1]) == "softmax without dividing by the sum: e^zᵢ"
    lab = find_problem("lab-neuron-four-inputs")  # z = 0.0002 - 0.013 - 0.006 - 0.012
    z = 0.001 * 0.2 + 0.01 * -1.3 + -0.005 * 1.2 + -1.2 * 0.01
    assert named(lab, "a1", math.exp(z)) == "softmax without dividing by the sum: e^zᵢ"


def test_dense_forward_rounded_and_carried_forward():
    neuron = find_problem("neuron-output")
    a = sig(0.6)  # 0.6457
    assert mark(neuron, "a1", f"{a:.2f}").status == "correct"
    assert mark(neuron, "a1", f"{a:.4f}").status == "correct"
    # σ of a student's own wrong z (0.5, the bias left out) is carried forward
    assert mark(neuron, "a1", sig(0.5), z1=0.5).status == "carried_forward"


def test_parameter_count_mistakes():
    problem = find_problem("parameter-count-4-3-2-1")
    sizes = [4, 3, 2, 1]
    weights = sum(a * b for a, b in zip(sizes, sizes[1:]))  # 12 + 6 + 2 = 20
    assert named(problem, "params_1", 4 * 3) == "biases forgotten"
    assert named(problem, "total", weights) == "biases forgotten"
    assert named(problem, "biases", sum(sizes)) == "biases counted for the inputs too"
    assert named(problem, "total", weights + sum(sizes)) == "biases counted for the inputs too"


def test_backprop_mistakes():
    problem = find_problem("backprop-two-layer-relu")
    x, W1, W2, y, eta = np.array([1.0, 2.0]), np.array([[0.2, 0.4], [0.3, 0.7]]), np.array([[0.5, 0.9]]), 5.0, 0.01
    a1 = np.maximum(W1 @ x, 0)
    yhat = float((W2 @ a1)[0])  # 2.03
    assert named(problem, "loss", 0.5 * (yhat - y) ** 2) == "the ½ of the squared error added or dropped"
    assert named(problem, "dL_dy_hat", [yhat - y]) == "the ½ of the squared error added or dropped"
    dW2 = 2 * (yhat - y) * a1[None, :]
    assert named(problem, "W2_new", W2 + eta * dW2) == "update in the direction of the gradient (W + η∂L/∂W)"


def test_half_swap_does_not_apply_to_cross_entropy():
    problem = make_problem("network_backprop", {"x": [1, 2], "y": 1, "eta": 0.1, "loss": "bce",
                                                "layers": [{"W": [[0.2, -0.1]], "activation": "sigmoid"}]})
    p = sig(0.0)  # z = 0.2 - 0.2 = 0
    assert named(problem, "loss", -0.5 * math.log(p)) is None


def test_autoencoder_mistakes():
    problem = find_problem("autoencoder-2-1-2")  # x̂ - x = (0, 0.5), L = ½‖x̂ - x‖² = 0.125
    assert named(problem, "loss", 0.0 ** 2 + 0.5 ** 2) == "the ½ of the squared error added or dropped"
    assert named(problem, "loss", 0.5 * (0.0 ** 2 + 0.5 ** 2) / 2) == "mean and sum of the squared errors mixed up"
    # the notes' h = ½, and x̂ = W_d h from it: carried forward
    assert mark(problem, "x_hat", [2 * 0.5, 0.5 * 0.5], h=0.5).status == "carried_forward"


def test_backprop_degenerate_relu_at_zero():
    (degenerate,) = degeneracy_checks("network_backprop")
    layers = [{"W": [[0.2, 0.4], [0.3, 0.7]], "b": [0, 0], "activation": "relu"},
              {"W": [[0.5, 0.9]], "b": [0], "activation": "linear"}]
    at_zero = solve_params("network_backprop", x=[2, -1], layers=layers, y=5, eta=0.01)  # 0.4 - 0.4 = 0
    assert "unit 1" in degenerate(at_zero)
    assert degenerate(solve(find_problem("backprop-two-layer-relu"))) is None
