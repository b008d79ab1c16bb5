"""perceptron and perceptron_network against truth tables and forward passes re-derived here in plain Python
(decimal arithmetic for the exactness cases), the notes' hand-checked tables, and a property: no single neuron
realises XOR."""

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import make_problem, solve_params
from tutor.answers import parse_answer
from tutor.api import find_problem, solve
from tutor.bank import load_file
from tutor.check import check, checkable, mistaken_solution
from tutor.cli import app
from tutor.errors import TutorError
from tutor.mistakes import catalogue, degeneracy_checks, recompute

BANK = Path(__file__).resolve().parents[2] / "problems" / "perceptrons"

GATE = {  # written out from the gates' definitions, not taken from the solver
    "AND": lambda bits: int(all(bits)),
    "OR": lambda bits: int(any(bits)),
    "NAND": lambda bits: int(not all(bits)),
    "NOR": lambda bits: int(not any(bits)),
    "XOR": lambda bits: sum(bits) % 2,
}


def binary_rows(n):
    """00, 01, 10, 11, ...: the row number written in binary, most significant input first."""
    return [[(i >> (n - 1 - k)) & 1 for k in range(n)] for i in range(2 ** n)]


def dec(x):
    return Decimal(repr(float(x)))


def neuron(w, b, rows, threshold=0, fires=">"):
    """z and y per row, summed as decimals (what a student does by hand)."""
    zs, ys = [], []
    for row in rows:
        z = sum((dec(wi) * dec(xi) for wi, xi in zip(w, row)), Decimal(0)) + dec(b)
        t = dec(threshold)
        zs.append(float(z))
        ys.append(1 if (z > t if fires == ">" else z >= t) else 0)
    return zs, ys


def forward(layers, rows, threshold=0, fires=">"):
    """Every layer's z and a, one input row at a time."""
    zs, as_ = [], []
    acts = [list(map(float, r)) for r in rows]
    for layer in layers:
        W = layer["W"]
        b = layer.get("b", [0] * len(W))
        z = [[sum(W[j][i] * a[i] for i in range(len(a))) + b[j] for j in range(len(W))] for a in acts]
        acts = [[1.0 if (v > threshold if fires == ">" else v >= threshold) else 0.0 for v in r] for r in z]
        zs.append(z)
        as_.append(acts)
    return zs, as_


def errors_of(kind, **params):
    with pytest.raises(TutorError) as e:
        solve_params(kind, **params)
    return e.value


# -- one neuron ----------------------------------------------------------------------------------------------
def test_and_gate_from_the_notes():
    # notes 000, rows a) to d): z = -1, 0, 0, 1 and a = 0, 0, 0, 1
    # (checked by hand: 0+0-1, 0+1-1, 1+0-1, 1+1-1)
    sol = solve_params("perceptron", w=[1, 1], b=-1, gate="AND")
    np.testing.assert_array_equal(sol.value("z"), [-1, 0, 0, 1])
    np.testing.assert_array_equal(sol.value("y"), [0, 0, 0, 1])
    np.testing.assert_array_equal(sol.value("target"), [0, 0, 0, 1])
    np.testing.assert_array_equal(sol.value("realises"), [1, 1, 1, 1])
    assert sol.answer_keys == ("z", "y")
    assert "realises AND" in sol.explanation("realises")
    assert not sol.notes


def test_default_inputs_are_every_binary_row_in_order():
    sol = solve_params("perceptron", w=[2, -1, 0.5], b=0.25)
    np.testing.assert_array_equal(sol.value("inputs"), binary_rows(3))
    z, y = neuron([2, -1, 0.5], 0.25, binary_rows(3))
    np.testing.assert_array_equal(sol.value("z"), z)
    np.testing.assert_array_equal(sol.value("y"), y)
    assert any("every binary row" in c for c in sol.conventions)


@pytest.mark.parametrize("gate", list(GATE))
@pytest.mark.parametrize("fires", [">", ">="])
@pytest.mark.parametrize("w, b, threshold", [
    ([1, 1], -1, 0), ([1, 1], 0, 0), ([1, 1], -1.5, 0), ([-1, -1], 1, 0), ([1, 1], 0, 1),
    ([0.7, -0.3, 0.4], -0.2, 0.1), ([-2, 3], 0.5, -1),
])
def test_truth_tables_against_plain_python(gate, fires, w, b, threshold):
    rows = binary_rows(len(w))
    sol = solve_params("perceptron", w=w, b=b, gate=gate, fires=fires, threshold=threshold)
    z, y = neuron(w, b, rows, threshold, fires)
    target = [GATE[gate](r) for r in rows]
    np.testing.assert_array_equal(sol.value("z"), z)
    np.testing.assert_array_equal(sol.value("y"), y)
    np.testing.assert_array_equal(sol.value("target"), target)
    np.testing.assert_array_equal(sol.value("realises"), [int(a == t) for a, t in zip(y, target)])
    fails = [f"row {k + 1} ({''.join(map(str, r))})"
             for k, (r, a, t) in enumerate(zip(rows, y, target)) if a != t]
    why = sol.explanation("realises")
    for f in fails:
        assert f in why
    assert ("does not realise" in why) == bool(fails)


def test_the_notes_neurons_realise_their_gates():
    # notes 000: AND with b = -1 and OR with b = 0 (fires z > 0); notes 003: b = -1.5 and -0.5 with z ≥ 0
    for b, fires, gate in ((-1, ">", "AND"), (0, ">", "OR"), (-1.5, ">=", "AND"), (-0.5, ">=", "OR")):
        sol = solve_params("perceptron", w=[1, 1], b=b, fires=fires, gate=gate)
        assert sol.value("realises").all(), (b, fires, gate)
    # ... and the AND neuron is not OR (the notes' "this is not right for OR gate")
    sol = solve_params("perceptron", w=[1, 1], b=-1, gate="OR")
    np.testing.assert_array_equal(sol.value("realises"), [1, 0, 0, 1])


def test_z_landing_exactly_on_the_threshold_is_exact():
    # 0.1 + 0.1 - 0.2 is exactly 0 by hand
    ge = solve_params("perceptron", w=[0.1, 0.1], b=-0.2, fires=">=")
    gt = solve_params("perceptron", w=[0.1, 0.1], b=-0.2, fires=">")
    assert ge.value("z")[3] == 0 and gt.value("z")[3] == 0
    assert ge.value("y")[3] == 1 and gt.value("y")[3] == 0
    # 0.1 + 0.2 - 0.3 is 0 by hand, but not in float64: the case where plain floats would flip the neuron
    assert 0.1 * 1 + 0.2 * 1 + (-0.3) > 0
    gt = solve_params("perceptron", w=[0.1, 0.2], b=-0.3, fires=">")
    ge = solve_params("perceptron", w=[0.1, 0.2], b=-0.3, fires=">=")
    assert gt.value("z")[3] == 0
    assert gt.value("y")[3] == 0 and ge.value("y")[3] == 1
    # and with the threshold moved instead of the bias: 0.1 + 0.2 against 0.3
    assert 0.1 + 0.2 > 0.3
    sol = solve_params("perceptron", w=[0.1, 0.2], b=0, threshold=0.3, fires=">")
    np.testing.assert_array_equal(sol.value("y"), [0, 0, 0, 0])
    assert any("exactly" in c for c in sol.conventions)


def test_greater_and_greater_or_equal_differ_only_on_the_threshold():
    # w = [1, 1], b = 0, threshold 1: rows 01 and 10 give z = 1 exactly
    gt = solve_params("perceptron", w=[1, 1], threshold=1, fires=">")
    ge = solve_params("perceptron", w=[1, 1], threshold=1, fires=">=")
    np.testing.assert_array_equal(gt.value("z"), [0, 1, 1, 2])
    np.testing.assert_array_equal(gt.value("y"), [0, 0, 0, 1])
    np.testing.assert_array_equal(ge.value("y"), [0, 1, 1, 1])
    assert any("z > 1" in c and "heaviside" in c for c in gt.conventions)
    assert any("z ≥ 1" in c and "v = 1" in c for c in ge.conventions)


def test_xor_single_neuron_fails_on_row_11_and_explains_why():
    sol = solve_params("perceptron", w=[1, 1], b=0, gate="XOR")
    np.testing.assert_array_equal(sol.value("y"), [0, 1, 1, 1])
    np.testing.assert_array_equal(sol.value("realises"), [1, 1, 1, 0])
    assert "row 4 (11)" in sol.explanation("realises")
    (note,) = sol.notes
    assert "w₁ + w₂ + 2b > 0" in note and "w₁ + w₂ + 2b ≤ 0" in note
    # adapted to the firing rule and threshold
    (note,) = solve_params("perceptron", w=[1, 1], gate="XOR", fires=">=", threshold=1).notes
    assert "w₂ + b ≥ 1" in note and "w₁ + w₂ + 2b ≥ 2" in note and "w₁ + w₂ + 2b < 2" in note
    assert not solve_params("perceptron", w=[1, 1], gate="OR").notes


@settings(max_examples=300, deadline=None)
@given(w1=st.floats(-5, 5), w2=st.floats(-5, 5), b=st.floats(-5, 5), t=st.sampled_from([0, 0.5, -1]),
       fires=st.sampled_from([">", ">="]))
def test_no_single_neuron_realises_xor(w1, w2, b, t, fires):
    sol = solve_params("perceptron", w=[w1, w2], b=b, threshold=t, fires=fires, gate="XOR")
    assert not sol.value("realises").all()
    assert "does not realise XOR" in sol.explanation("realises")


@pytest.mark.parametrize("fires", [">", ">="])
def test_no_single_neuron_realises_xor_on_a_grid_with_ties(fires):
    # weights on a 0.1 grid put many rows exactly on the threshold, where exactness matters
    grid = [k / 10 for k in range(-10, 11, 2)] + [0.1, 0.2, -0.3]
    for w1 in grid:
        for w2 in grid:
            for b in grid:
                sol = solve_params("perceptron", w=[w1, w2], b=b, fires=fires, gate="XOR")
                assert sol.value("realises").min() == 0, (w1, w2, b)


def test_three_input_xor_is_parity_and_needs_binary_inputs():
    sol = solve_params("perceptron", w=[1, 1, 1], b=-0.5, gate="XOR")
    np.testing.assert_array_equal(sol.value("target"), [sum(r) % 2 for r in binary_rows(3)])
    assert "x₃" in sol.notes[0]
    e = errors_of("perceptron", w=[1, 1], inputs=[[0, 1], [0.5, 1]], gate="AND")
    assert e.field == "params.gate" and "0.5" in e.message and "row 2" in e.message
    # without a gate, any numbers will do
    sol = solve_params("perceptron", w=[1, -1], b=0.5, inputs=[[0.5, 2], [-1, -3]])
    z, y = neuron([1, -1], 0.5, [[0.5, 2], [-1, -3]])
    np.testing.assert_array_equal(sol.value("z"), z)
    np.testing.assert_array_equal(sol.value("y"), y)


def test_replace_z_recomputes_y_and_the_check():
    sol = solve_params("perceptron", w=[1, 1], b=-1, gate="AND")
    # a student who wrote z = 0.5 for row 10 gets y = 1 there, and the check says AND fails on that row
    new = sol.replace({"z": np.array([-1.0, 0.0, 0.5, 1.0])})
    np.testing.assert_array_equal(new.value("y"), [0, 0, 1, 1])
    np.testing.assert_array_equal(new.value("realises"), [1, 1, 0, 1])
    assert "row 3 (10)" in new.explanation("realises")
    # a student's own floats are compared as they are: on the threshold (0, -0.0) fires with ">=", just below not
    ge = solve_params("perceptron", w=[1, 1], b=-1, fires=">=")
    new = ge.replace({"z": [0.0, -0.0, 1e-9, -1e-9]})
    np.testing.assert_array_equal(new.value("y"), [1, 1, 1, 0])
    # replacing a given recomputes everything downstream
    new = sol.replace({"b": 0.0})
    np.testing.assert_array_equal(new.value("z"), [0, 1, 1, 2])
    np.testing.assert_array_equal(new.value("y"), [0, 1, 1, 1])


def test_shape_errors_name_the_field_and_both_sizes():
    e = errors_of("perceptron", w=[1, 2, 3], inputs=[[0, 0], [1, 1]])
    assert e.field == "params.w" and "3" in e.message and "2" in e.message
    e = errors_of("perceptron", w=[1] * 12)
    assert e.field == "params.w" and "inputs" in e.message
    e = errors_of("perceptron", w=[1, 1], fires="=>")
    assert e.field == "params.fires"
    e = errors_of("perceptron", w=[1, 1], gate="XNOR")
    assert e.field == "params.gate"


# -- layers of neurons ---------------------------------------------------------------------------------------
XOR_NET = [{"W": [[1, 1], [1, 1]], "b": [0, -1]}, {"W": [[1, -2]], "b": [0]}]


def test_the_notes_network_realises_xor():
    sol = solve_params("perceptron_network", layers=XOR_NET, gate="XOR")
    rows = binary_rows(2)
    zs, as_ = forward(XOR_NET, rows)
    # notes 000, row 00: z(1) = [0, -1], a(1) = [0, 0], z(2) = 0, y = 0
    np.testing.assert_array_equal(sol.value("z1")[0], [0, -1])
    np.testing.assert_array_equal(sol.value("a1")[0], [0, 0])
    for k in (1, 2):
        np.testing.assert_array_equal(sol.value(f"z{k}"), zs[k - 1])
        np.testing.assert_array_equal(sol.value(f"a{k}"), as_[k - 1])
    np.testing.assert_array_equal(sol.value("y"), [[GATE["XOR"](r)] for r in rows])
    np.testing.assert_array_equal(sol.value("realises"), [1, 1, 1, 1])
    assert sol.answer_keys == ("y",)
    # the hidden units are OR and AND of the inputs
    assert "unit 1 is x₁ OR x₂" in sol.explanation("a1") and "unit 2 is x₁ AND x₂" in sol.explanation("a1")


def test_network_without_hidden_layer_is_a_perceptron_and_fails_xor():
    sol = solve_params("perceptron_network", layers=[{"W": [[1, 1]]}], gate="XOR")
    np.testing.assert_array_equal(sol.value("y"), [[0], [1], [1], [1]])
    np.testing.assert_array_equal(sol.value("realises"), [1, 1, 1, 0])
    assert any("No b given for layer 1" in c for c in sol.conventions)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("fires", [">", ">="])
def test_random_networks_against_a_plain_forward_pass(seed, fires):
    rng = np.random.default_rng(seed)
    sizes = [int(s) for s in rng.integers(1, 4, size=int(rng.integers(2, 5)))]
    layers = [{"W": rng.integers(-2, 3, size=(sizes[k + 1], sizes[k])).tolist(),
               "b": rng.integers(-1, 2, size=sizes[k + 1]).tolist()} for k in range(len(sizes) - 1)]
    rows = binary_rows(sizes[0])
    sol = solve_params("perceptron_network", layers=layers, fires=fires)
    zs, as_ = forward(layers, rows, fires=fires)
    for k in range(len(layers)):
        np.testing.assert_array_equal(sol.value(f"z{k + 1}"), zs[k])
        np.testing.assert_array_equal(sol.value(f"a{k + 1}"), as_[k])
    np.testing.assert_array_equal(sol.value("y"), as_[-1])


def test_network_exactness_and_replace():
    # 0.1 + 0.2 - 0.3 = 0 exactly: with ">" the unit stays off on row 11
    sol = solve_params("perceptron_network", layers=[{"W": [[0.1, 0.2]], "b": [-0.3]}], fires=">")
    assert sol.value("z1")[3, 0] == 0 and sol.value("a1")[3, 0] == 0
    sol = solve_params("perceptron_network", layers=XOR_NET, gate="XOR")
    # a student who got both hidden units on for row 01 carries that forward: z(2) = 1 - 2 = -1, y = 0
    a1 = sol.value("a1").copy()
    a1[1] = [1, 1]
    new = sol.replace({"a1": a1})
    np.testing.assert_array_equal(new.value("z2")[:, 0], [0, -1, 1, -1])
    np.testing.assert_array_equal(new.value("y")[:, 0], [0, 0, 1, 0])
    np.testing.assert_array_equal(new.value("realises"), [1, 0, 1, 1])


def test_network_structure_errors_name_the_layer():
    e = errors_of("perceptron_network", layers=[{"W": [[1, 1], [1, 1]]}, {"W": [[1, -2, 3]]}])
    assert e.field == "params.layers[1].W" and "1×3" in e.message and "1×2" in e.message
    e = errors_of("perceptron_network", layers=[{"W": [[1, 1], [1, 1]], "b": [0, 1, 2]}])
    assert e.field == "params.layers[0].b" and "3" in e.message and "2" in e.message
    e = errors_of("perceptron_network", layers=[{"W": [[1, 1]], "bias": [0]}])
    assert e.field == "params.layers[0].bias"
    e = errors_of("perceptron_network", layers=[{"b": [0]}])
    assert e.field == "params.layers[0]" and "W" in e.message
    assert errors_of("perceptron_network", layers=[]).field == "params.layers"
    assert errors_of("perceptron_network", layers={"W": [[1]]}).field == "params.layers"
    assert errors_of("perceptron_network", layers=[[1, 2]]).field == "params.layers[0]"
    e = errors_of("perceptron_network", layers=[{"W": [[1, 1, 1]]}], inputs=[[0, 1]])
    assert e.field == "params.layers[0].W" and "3" in e.message and "2" in e.message
    e = errors_of("perceptron_network", layers=[{"W": [[1, 1], [1, 1]]}], gate="XOR")
    assert e.field == "params.gate" and "2 units" in e.message
    e = errors_of("perceptron_network", layers=[{"W": [[1, "q"]]}])
    assert e.field.startswith("params.layers[0].W")


# -- the bank and the command line ---------------------------------------------------------------------------
def test_every_bank_problem_matches_an_independent_computation():
    files = sorted(BANK.glob("*.yaml"))
    assert {f.stem for f in files} >= {"perceptron-and", "perceptron-or", "perceptron-xor",
                                       "perceptron-xor-network", "perceptron-and-chapter",
                                       "perceptron-or-chapter"}
    for f in files:
        problem = load_file(f)
        if problem.kind not in ("perceptron", "perceptron_network"):
            continue  # training runs and other kinds have their own tests
        p = problem.params
        sol = solve_params(problem.kind, **p)
        fires, t = p.get("fires", ">"), p.get("threshold", 0)
        if problem.kind == "perceptron":
            rows = p.get("inputs") or binary_rows(len(p["w"]))
            z, y = neuron(p["w"], p.get("b", 0), rows, t, fires)
            np.testing.assert_array_equal(sol.value("z"), z, err_msg=f.name)
        else:
            rows = p.get("inputs") or binary_rows(len(p["layers"][0]["W"][0]))
            y = forward(p["layers"], rows, t, fires)[1][-1]
        np.testing.assert_array_equal(sol.value("y"), y, err_msg=f.name)
        if "gate" in p:
            target = [GATE[p["gate"]](r) for r in rows]
            realised = list(np.ravel(y)) == target
            assert realised == (p["gate"] != "XOR" or problem.kind == "perceptron_network"), f.name
            assert bool(sol.value("realises").all()) == realised, f.name


runner = CliRunner()


def test_cli_solve_xor_prints_the_note():
    r = runner.invoke(app, ["solve", "perceptron-xor"], env={"COLUMNS": "100", "NO_COLOR": "1"})
    assert r.exit_code == 0, r.stderr
    assert "Note: No single neuron realises XOR" in r.stdout
    assert "row 4 (11)" in r.stdout
    assert max(len(line) for line in r.stdout.splitlines()) <= 100


def test_cli_bad_weights_is_one_line_naming_w():
    r = runner.invoke(app, ["solve", "perceptron-xor", "--set", "w=[1,2,3]"])
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert lines[0].startswith("--set w:") and "3" in lines[0] and "2" in lines[0]


def test_cli_network_json_has_every_layer():
    r = runner.invoke(app, ["solve", "perceptron-xor-network", "--format", "json"])
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    keys = [s["key"] for s in data["steps"]]
    assert keys[:4] == ["z1", "a1", "z2", "a2"] and "y" in keys and "realises" in keys
    assert data["answer"]["y"] == [[0], [1], [1], [0]]


# -- mistakes --------------------------------------------------------------------------------------------------
X4 = [[0, 0], [0, 1], [1, 0], [1, 1]]
XOR_NET = [{"W": [[1, 1], [1, 1]], "b": [0, -1]}, {"W": [[1, -2]], "b": [0]}]


from checking import typed  # noqa: E402,F401
def mark(problem, key, value, **earlier):
    answers = {k: parse_answer(v if isinstance(v, str) else typed(v)) for k, v in {**earlier, key: value}.items()}
    return next(m for m in check(problem, answers).marks if m.key == key)


def named(problem, key, value, **earlier):
    m = mark(problem, key, value, **earlier)
    assert m.status == "wrong", (key, m.status)
    return m.mistake.name if m.mistake else None


def test_mistake_fires_the_other_way_at_the_threshold():
    # perceptron-and fires on z > 0 and rows 01 and 10 have z = 0 exactly: with ≥ they would fire
    _, y_ge = neuron([1, 1], -1, X4, fires=">=")
    assert y_ge == [0, 1, 1, 1]
    assert named(find_problem("perceptron-and"), "y", y_ge).startswith("z exactly at the threshold")
    # and the other way round: a neuron that fires on ≥, worked with >
    p = make_problem("perceptron", {"w": [1, 1], "b": -1, "fires": ">="})
    _, y_gt = neuron([1, 1], -1, X4, fires=">")
    assert named(p, "y", y_gt).startswith("z exactly at the threshold")


def test_mistake_bias_left_out_or_subtracted():
    problem = find_problem("perceptron-and")  # w = [1, 1], b = -1
    z_no_b, _ = neuron([1, 1], 0, X4)
    z_minus_b, _ = neuron([1, 1], 1, X4)  # w·x − b with b = −1
    assert z_no_b == [0, 1, 1, 2] and z_minus_b == [1, 2, 2, 3]
    assert named(problem, "z", z_no_b) == "bias left out of z"
    assert named(problem, "z", z_minus_b) == "bias subtracted, as if it were a threshold"


def test_mistake_output_without_the_step():
    z, _ = neuron([1, 1], -1.5, X4)  # perceptron-and-chapter
    assert z == [-1.5, -0.5, -0.5, 0.5]
    assert named(find_problem("perceptron-and-chapter"), "y", z) == "y = z, without the step function"


def test_mistake_xor_read_as_or_in_both_kinds():
    or_column = [GATE["OR"](row) for row in X4]
    assert or_column == [0, 1, 1, 1]
    assert named(find_problem("perceptron-xor"), "target", or_column) == "XOR read as inclusive OR"
    assert named(find_problem("perceptron-xor-network"), "target", or_column) == "XOR read as inclusive OR"
    # an AND problem's wrong target is not called an XOR slip
    assert named(find_problem("perceptron-and"), "target", or_column) is None


def test_network_mistakes():
    problem = find_problem("perceptron-xor-network")
    W1, b1 = np.array(XOR_NET[0]["W"], float), np.array(XOR_NET[0]["b"], float)
    z1 = np.array(X4, float) @ W1.T + b1
    # > vs ≥: row 00 has z = 0 at unit 1, row 01 and 10 at unit 2
    _, acts_ge = forward(XOR_NET, X4, fires=">=")
    assert named(problem, "a1", acts_ge[0]).startswith("z exactly at the threshold")
    assert named(problem, "z1", np.array(X4, float) @ W1.T) == "bias left out of z"
    assert named(problem, "a1", z1) == "step function skipped: a = z"


def test_network_step_skipped_is_named_from_the_students_own_layer():
    # a student who keeps a = z in layer 1 and then z2 from it: the second layer's a2 = z2 is the same slip
    problem = find_problem("perceptron-xor-network")
    W1, b1 = np.array(XOR_NET[0]["W"], float), np.array(XOR_NET[0]["b"], float)
    a1 = np.array(X4, float) @ W1.T + b1
    z2 = a1 @ np.array([[1.0, -2.0]]).T
    m = mark(problem, "a2", z2, a1=a1, z2=z2)
    assert m.status == "wrong" and m.mistake.name == "step function skipped: a = z"


def test_right_value_rounded_and_carried_forward():
    theta = find_problem("neuron-output-theta")  # z = 0.1 + 0.2 + 0.3 = 0.6
    assert mark(theta, "z", "0.60").status == "correct"
    assert mark(theta, "z", "0.6000").status == "correct"
    # y from a student's own wrong z (bias left out in perceptron-and) is carried forward, not wrong again
    m = mark(find_problem("perceptron-and"), "y", [0, 1, 1, 1], z=[0, 1, 1, 2])
    assert m.status == "carried_forward"


def test_every_mistake_changes_a_checkable_step_of_the_bank():
    for kind in ("perceptron", "perceptron_network"):
        solved = [(p, solve(p)) for p in map(load_file, sorted(BANK.glob("*.yaml"))) if p.kind == kind]
        for m in catalogue(kind):
            def changes(problem, sol, m=m):
                if m.applies is not None and not m.applies(sol):
                    return False
                vals = recompute(sol if m.params is None else mistaken_solution(problem, {}, m), {}, m.rules)
                return any(k in vals and not np.array_equal(vals[k], sol.values[k]) for k, _ in checkable(sol))

            assert any(changes(problem, sol) for problem, sol in solved), (kind, m.name)


def test_degenerate_z_on_the_threshold():
    (check_one,) = degeneracy_checks("perceptron")
    assert "row 2" in check_one(solve_params("perceptron", w=[1, 1], b=-1))  # z = 0 in row 01
    assert check_one(solve_params("perceptron", w=[1, 1], b=-1.5)) is None
    assert check_one(solve_params("perceptron", w=[1, 1], b=0, threshold=1, fires=">=")) is not None  # z = 1
    (check_net,) = degeneracy_checks("perceptron_network")
    assert "unit 1" in check_net(solve_params("perceptron_network", layers=XOR_NET))
    half = [{"W": [[1, 1], [1, 1]], "b": [-0.5, -1.5]}, {"W": [[1, -2]], "b": [-0.5]}]
    sol = solve_params("perceptron_network", layers=half, gate="XOR")
    assert check_net(sol) is None and sol.value("realises").all()
