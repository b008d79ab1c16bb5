"""attention against a plain-numpy scaled dot-product attention written in this test, and hand arithmetic."""

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import solve_params
from tutor.cli import app
from tutor.errors import TutorError
from tutor.printers.json import jsonable

# file 000: decoder state s against encoder states h1, h2, h3 (dot score, no scaling)
S_STATE = [1, 0, 1]
H = [[1, 0, 1], [0, 1, 1], [1, 1, 0]]
# file 000: "Playing outside"
PLAY_Q = [[0.212, 0.04, 0.63, 0.36], [0.1, 0.14, 0.86, 0.77]]
PLAY_K = [[0.31, 0.84, 0.963, 0.57], [0.45, 0.94, 0.73, 0.56]]
PLAY_V = [[0.36, 0.83, 0.1, 0.38], [0.31, 0.36, 0.19, 0.72]]
LAB_K = [[0.31, 0.84, 0.963, 0.57], [0.45, 0.99, 0.73, 0.58]]  # file 001's k2


def softmax_rows(S):
    """Row-wise softmax written out here: exp of (row - row max), over the row sum; -inf entries give 0."""
    S = np.asarray(S, float)
    out = np.zeros_like(S)
    for i, row in enumerate(S):
        m = max(x for x in row if x != -math.inf)
        e = [0.0 if x == -math.inf else math.exp(x - m) for x in row]
        out[i] = [x / sum(e) for x in e]
    return out


def reference(Q, K, V, scale=None, causal=False):
    Q, K, V = np.atleast_2d(np.asarray(Q, float)), np.asarray(K, float), np.asarray(V, float)
    c = 1 / math.sqrt(Q.shape[1]) if scale is None else scale
    S = np.array([[c * sum(q[t] * k[t] for t in range(len(q))) for k in K] for q in Q])
    if causal:
        for i in range(S.shape[0]):
            for j in range(S.shape[1]):
                if j > i:
                    S[i, j] = -math.inf
    A = softmax_rows(S)
    O = np.array([[sum(A[i, j] * V[j, t] for j in range(len(V))) for t in range(V.shape[1])]
                  for i in range(len(A))])
    return S, A, O


def assert_matches(sol, ref, rtol=1e-12):
    S, A, O = ref
    np.testing.assert_allclose(sol.value("scores"), S, rtol=rtol, atol=1e-15)
    np.testing.assert_allclose(sol.value("weights"), A, rtol=rtol, atol=1e-15)
    np.testing.assert_allclose(sol.value("output"), O, rtol=rtol, atol=1e-15)


# -- the notes' examples ---------------------------------------------------------------------------------------------
def test_context_vector_by_hand():
    sol = solve_params("attention", Q=S_STATE, K=H, V=H, scale=1)
    # s·h1 = 2, s·h2 = 1, s·h3 = 1 (the notes write 1/2 for the last one)
    np.testing.assert_allclose(sol.value("scores"), [[2, 1, 1]])
    a1 = math.e**2 / (math.e**2 + 2 * math.e)
    a2 = math.e / (math.e**2 + 2 * math.e)
    np.testing.assert_allclose(sol.value("weights"), [[a1, a2, a2]], rtol=1e-13)
    # c = a1·h1 + a2·h2 + a2·h3 = [a1 + a2, 2·a2, a1 + a2], about [0.788, 0.424, 0.788] (notes: [0.78, 0.4, 0.78])
    np.testing.assert_allclose(sol.value("output"), [[a1 + a2, 2 * a2, a1 + a2]], rtol=1e-13)
    assert sol.value("output")[0, 1] == pytest.approx(0.4239, abs=5e-5)
    assert sol.answer_keys == ("scores", "weights", "output")


def test_playing_outside_against_reference_and_hand_values():
    sol = solve_params("attention", Q=PLAY_Q, K=PLAY_K, V=PLAY_V)
    assert_matches(sol, reference(PLAY_Q, PLAY_K, PLAY_V))
    # q1·k1 by hand: 0.212·0.31 + 0.04·0.84 + 0.63·0.963 + 0.36·0.57 = 0.06572 + 0.0336 + 0.60669 + 0.2052
    assert sol.value("raw")[0, 0] == pytest.approx(0.91121, abs=1e-12)
    # q2·k2 = 0.045 + 0.1316 + 0.6278 + 0.4312 = 1.2356 (the notes write 1.25)
    assert sol.value("raw")[1, 1] == pytest.approx(1.2356, abs=1e-12)
    assert sol.value("scores")[0, 0] == pytest.approx(0.91121 / 2, abs=1e-12)


def test_playing_outside_lab_variant_differs():
    lab = solve_params("attention", Q=PLAY_Q, K=LAB_K, V=PLAY_V)
    assert_matches(lab, reference(PLAY_Q, LAB_K, PLAY_V))
    # q1·k2 with k2 = [0.45, 0.99, 0.73, 0.58]: 0.0954 + 0.0396 + 0.4599 + 0.2088 = 0.8037
    assert lab.value("raw")[0, 1] == pytest.approx(0.8037, abs=1e-12)


def test_bank_problems_match_reference():
    from tutor.api import find_problem, solve

    for pid, K in (("attention-playing-outside", PLAY_K), ("attention-playing-outside-lab", LAB_K)):
        assert_matches(solve(find_problem(pid)), reference(PLAY_Q, K, PLAY_V))
    assert_matches(solve(find_problem("attention-context-vector")), reference([S_STATE], H, H, scale=1))


# -- scale ----------------------------------------------------------------------------------------------------------
def test_default_scale_is_one_over_sqrt_dk():
    default = solve_params("attention", Q=PLAY_Q, K=PLAY_K, V=PLAY_V)
    explicit = solve_params("attention", Q=PLAY_Q, K=PLAY_K, V=PLAY_V, scale=0.5)  # d_k = 4
    np.testing.assert_allclose(default.value("scores"), explicit.value("scores"), rtol=0, atol=0)
    raw = np.asarray(PLAY_Q) @ np.asarray(PLAY_K).T
    np.testing.assert_allclose(default.value("scores"), raw / 2, rtol=1e-14)
    assert "1/√d_k = 1/√4 = 0.5" in default.explanation("scores")
    assert any("Attention Is All You Need" in c and "scaled_dot_product_attention" in c
               for c in default.conventions)
    d3 = solve_params("attention", Q=[[1, 2, 3]], K=[[1, 0, 0], [0, 1, 0]], V=[[1], [2]])
    np.testing.assert_allclose(d3.value("scores"), [[1 / math.sqrt(3), 2 / math.sqrt(3)]], rtol=1e-14)


def test_scale_one_and_other_scales():
    one = solve_params("attention", Q=S_STATE, K=H, V=H, scale=1)
    assert "scale 1: plain dot-product scores" in one.explanation("scores")
    np.testing.assert_allclose(one.value("scores"), one.value("raw"))
    other = solve_params("attention", Q=S_STATE, K=H, V=H, scale="1/4")
    assert_matches(other, reference([S_STATE], H, H, scale=0.25))
    for bad in (0, -1):
        with pytest.raises(TutorError) as e:
            solve_params("attention", Q=S_STATE, K=H, V=H, scale=bad)
        assert e.value.field == "params.scale"


# -- causal mask ----------------------------------------------------------------------------------------------------
def test_causal_mask():
    Q = [[1, 0], [0, 1], [1, 1]]
    K = [[1, 0], [0, 1], [2, 1]]
    V = [[1, 2], [3, 4], [5, 6]]
    sol = solve_params("attention", Q=Q, K=K, V=V, mask="causal")
    assert_matches(sol, reference(Q, K, V, causal=True))
    A = sol.value("weights")
    assert A[0, 1] == 0 and A[0, 2] == 0 and A[1, 2] == 0
    np.testing.assert_allclose(A.sum(axis=1), 1, rtol=1e-14)
    np.testing.assert_allclose(sol.value("output")[0], V[0])  # the first query sees only the first key
    S = jsonable(sol.value("scores"))
    assert S[0][1] == "-inf" and S[0][2] == "-inf" and S[1][2] == "-inf"
    assert isinstance(S[1][0], float) and isinstance(S[2][2], float)
    assert not np.isnan(sol.value("weights")).any() and not np.isnan(sol.value("output")).any()
    json.dumps(jsonable(sol.values["weights"]), allow_nan=False)
    assert "-∞" in sol.explanation("scores")


def test_causal_with_fewer_queries_than_keys_and_too_many_queries():
    sol = solve_params("attention", Q=[[1, 0]], K=[[1, 0], [0, 1]], V=[[1], [2]], mask="causal")
    np.testing.assert_allclose(sol.value("weights"), [[1, 0]])
    with pytest.raises(TutorError) as e:
        solve_params("attention", Q=[[1, 0], [0, 1], [1, 1]], K=[[1, 0], [0, 1]], V=[[1], [2]], mask="causal")
    assert e.value.field == "params.mask"
    assert "3×2" in e.value.message and "2×2" in e.value.message


def test_no_mask_is_the_default_and_bad_mask_rejected():
    Q = [[1, 0], [0, 1]]
    sol = solve_params("attention", Q=Q, K=Q, V=Q)
    assert (sol.value("weights") > 0).all()
    assert "scaled" not in sol.steps  # the scaled scores are the answer `scores` when nothing is masked
    with pytest.raises(TutorError) as e:
        solve_params("attention", Q=Q, K=Q, V=Q, mask="casual")
    assert e.value.field == "params.mask"


# -- what-if, stability ---------------------------------------------------------------------------------------------
def test_replace_weights_recomputes_output():
    sol = solve_params("attention", Q=S_STATE, K=H, V=H, scale=1)
    student = np.array([[0.598, 0.21, 0.21]])  # the notes' weights
    new = sol.replace({"weights": student})
    expected = [sum(student[0, j] * H[j][t] for j in range(3)) for t in range(3)]
    np.testing.assert_allclose(new.value("output"), [expected], rtol=1e-14)
    np.testing.assert_allclose(new.value("weights"), student)
    np.testing.assert_allclose(new.value("scores"), sol.value("scores"))  # upstream unchanged


def test_replace_scores_recomputes_softmax():
    sol = solve_params("attention", Q=S_STATE, K=H, V=H, scale=1)
    new = sol.replace({"scores": np.array([[2.0, 1.0, 0.5]])})  # the notes' score(s, h3) = 1/2
    A = softmax_rows([[2.0, 1.0, 0.5]])
    np.testing.assert_allclose(new.value("weights"), A, rtol=1e-14)
    np.testing.assert_allclose(new.value("output"), A @ np.asarray(H, float), rtol=1e-14)


@pytest.mark.parametrize("scale", [None, 1])
def test_huge_scores_stay_finite(scale):
    sol = solve_params("attention", Q=[[1000, 0]], K=[[1, 0], [0, 1]], V=[[1, 2], [3, 4]], scale=scale)
    for k in ("scores", "weights", "output"):
        assert np.isfinite(sol.value(k)).all(), k
    c = 1 / math.sqrt(2) if scale is None else 1
    # weights [1/(1 + e^(-1000c)), e^(-1000c)/(1 + e^(-1000c))]: the second is below 1e-300
    assert sol.value("weights")[0, 0] == pytest.approx(1.0, abs=1e-15)
    assert sol.value("weights")[0, 1] == pytest.approx(math.exp(-1000 * c), rel=1e-9, abs=1e-300)
    np.testing.assert_allclose(sol.value("output"), [[1, 2]], rtol=1e-12)


def test_huge_negative_scores_and_masked_rows_stay_finite():
    sol = solve_params("attention", Q=[[-1000, 0], [0, -1000]], K=[[1, 0], [0, 1]], V=[[1], [3]], scale=1,
                       mask="causal")
    assert np.isfinite(sol.value("weights")).all()
    # a student's scores with an entirely masked row: weights 0 for that row rather than NaN
    new = sol.replace({"scores": np.array([[-np.inf, -np.inf], [0.0, 0.0]])})
    np.testing.assert_allclose(new.value("weights"), [[0, 0], [0.5, 0.5]])
    assert not np.isnan(new.value("output")).any()


# -- shapes and input errors ----------------------------------------------------------------------------------------
def test_flat_query_is_one_row():
    sol = solve_params("attention", Q=[1, 0, 1], K=H, V=H)
    assert sol.value("output").shape == (1, 3)


def test_shape_errors_name_field_and_both_shapes():
    with pytest.raises(TutorError) as e:
        solve_params("attention", Q=[[1, 2]], K=[[1, 2, 3]], V=[[1]])
    assert e.value.field == "params.K"
    assert "1×3" in e.value.message and "1×2" in e.value.message and "d_k = 2" in e.value.message
    with pytest.raises(TutorError) as e:
        solve_params("attention", Q=[[1, 2]], K=[[1, 2], [3, 4]], V=[[1, 2, 3]])
    assert e.value.field == "params.V"
    assert "1×3" in e.value.message and "2×2" in e.value.message
    with pytest.raises(TutorError) as e:
        solve_params("attention", Q=[[1, 2], [3]], K=[[1, 2]], V=[[1]])
    assert e.value.field == "params.Q"
    with pytest.raises(TutorError) as e:
        solve_params("attention", Q=[[1, "x"]], K=[[1, 2]], V=[[1]])
    assert e.value.field.startswith("params.Q")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.booleans(),
       st.sampled_from([None, 1, 0.3]), st.integers(0, 2**31 - 1))
def test_random_against_reference(n_q, n_k, d_k, d_v, causal, scale, seed):
    if causal and n_q > n_k:
        n_q = n_k
    rng = np.random.default_rng(seed)
    Q, K, V = (rng.normal(0, 3, size=s).round(3).tolist() for s in ((n_q, d_k), (n_k, d_k), (n_k, d_v)))
    sol = solve_params("attention", Q=Q, K=K, V=V, scale=scale, mask="causal" if causal else "none")
    assert_matches(sol, reference(Q, K, V, scale=scale, causal=causal), rtol=1e-10)


# -- CLI ------------------------------------------------------------------------------------------------------------
def test_cli_solve_context_vector():
    r = CliRunner().invoke(app, ["solve", "attention-context-vector"])
    assert r.exit_code == 0, r.stderr
    assert "0.7881" in r.stdout and "0.5761" in r.stdout
    assert "q_1·k_3 = 1·1 + 0·1 + 1·0" in r.stdout  # each score written as its dot product
    assert "scale 1: plain dot-product scores" in r.stdout


def test_cli_json_masked_scores():
    r = CliRunner().invoke(app, ["solve", "attention-playing-outside", "--set", "mask=causal", "--format", "json"])
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["answer"]["scores"][0][1] == "-inf"
    assert data["answer"]["weights"][0] == [1.0, 0.0]


def test_cli_shape_error_is_one_line():
    r = CliRunner().invoke(app, ["solve", "attention-context-vector", "--set", "V=[[1,2]]"])
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "V" in lines[0] and "1×2" in lines[0] and "3×3" in lines[0]


# -- mistakes --------------------------------------------------------------------------------------------------
# Each wrong method is re-derived here with the plain reference above; the check must name it when a student
# types its numbers.
from conftest import make_problem  # noqa: E402

from tutor.api import find_problem, solve  # noqa: E402
from tutor.check import CARRIED, CORRECT  # noqa: E402
from tutor.mistakes import catalogue, degeneracy_checks  # noqa: E402


from checking import assert_named, bank_problems, changed_steps, mark, text  # noqa: E402,F401


def assert_named_everywhere(problem, ref, name):
    for key, value in zip(("scores", "weights", "output"), ref):
        if value is not None:
            assert_named(problem, key, value, name)


def test_no_scaling():
    S, A, O = reference(PLAY_Q, PLAY_K, PLAY_V, scale=1)  # q·k without the 1/2
    assert S[0, 0] == pytest.approx(0.91121, abs=1e-5)
    assert_named_everywhere(find_problem("attention-playing-outside"), (S, A, O), "scores without the 1/√d_k scaling")


def test_divided_by_d_k():
    ref = reference(PLAY_Q, PLAY_K, PLAY_V, scale=1 / 4)  # d_k = 4: 1/4 where 1/√4 = 1/2 belongs
    assert_named_everywhere(find_problem("attention-playing-outside"), ref, "scores divided by d_k instead of √d_k")


def test_scaled_where_plain_dot_products_were_asked():
    ref = reference(S_STATE, H, H)  # 1/√3 applied to the notes' plain dot products
    assert ref[0][0, 0] == pytest.approx(2 / math.sqrt(3))
    assert_named_everywhere(find_problem("attention-context-vector"), ref,
                            "scores divided by √d_k where plain dot products were asked")


def test_softmax_down_the_columns():
    S, _, _ = reference(PLAY_Q, PLAY_K, PLAY_V)
    A = softmax_rows(S.T).T  # each column sums to 1 instead of each row
    O = A @ np.asarray(PLAY_V)
    name = "softmax down each column (over the queries) instead of along each row"
    assert_named_everywhere(find_problem("attention-playing-outside"), (None, A, O), name)


def test_softmax_down_the_columns_with_a_causal_mask():
    Q = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    problem = make_problem("attention", {"Q": Q, "K": Q, "V": [[1, 0], [0, 1], [1, 1]], "mask": "causal"})
    S, _, _ = reference(Q, Q, [[1, 0], [0, 1], [1, 1]], causal=True)
    A = softmax_rows(S.T).T  # masked entries (above the diagonal) stay 0 in every column
    assert A[0, 1] == 0 and A[:, 2].tolist() == [0, 0, 1]
    assert_named(problem, "weights", A, "softmax down each column (over the queries) instead of along each row")


def test_scores_used_as_weights():
    problem = find_problem("attention-context-vector")
    A = np.array([[2.0, 1.0, 1.0]])  # the scores s·h_j themselves
    O = A @ np.asarray(H, float)  # [3, 2, 3]
    assert O.tolist() == [[3, 2, 3]]
    assert_named_everywhere(problem, (None, A, O), "scores used as the weights, without the softmax")


def test_right_values_rounded_are_correct_and_a_slip_is_carried_forward():
    problem = find_problem("attention-playing-outside")
    S, A, O = reference(PLAY_Q, PLAY_K, PLAY_V)
    for digits in (2, 4):
        for key, value in zip(("scores", "weights", "output"), (S, A, O)):
            assert mark(problem, key, value, digits).status == CORRECT, (key, digits)
    slipped = np.array([[0.51, 0.49], [0.55, 0.45]])  # the second row's weights mis-divided
    assert mark(problem, "output", slipped @ np.asarray(PLAY_V), weights=slipped).status == CARRIED


def test_every_mistake_changes_a_checkable_step_of_a_bank_problem():
    problems = bank_problems("attention")
    mistakes = catalogue("attention")
    assert len(mistakes) >= 3  # a headline kind
    for m in mistakes:
        assert any(changed_steps(p, m) for p in problems), m.name


def test_scaling_mistakes_only_where_they_change_something():
    def names(sol):
        return [m.name for m in catalogue("attention") if m.applies is None or m.applies(sol)]

    plain = names(solve(find_problem("attention-context-vector")))  # scale 1, one query
    assert "scores without the 1/√d_k scaling" not in plain
    assert "softmax down each column (over the queries) instead of along each row" not in plain
    scaled = names(solve(find_problem("attention-playing-outside")))
    assert "scores divided by √d_k where plain dot products were asked" not in scaled
    assert "scores divided by d_k instead of √d_k" in scaled


def test_uniform_rows_are_degenerate():
    (uniform,) = degeneracy_checks("attention")
    assert "query 4" in uniform(solve(find_problem("self-attention-one-hot")))  # q₄ = 0 scores every key 0
    assert uniform(solve(find_problem("attention-playing-outside"))) is None
    # a causal first row has one visible key: not a tie
    assert uniform(solve_params("attention", Q=[[1, 0], [0, 1]], K=[[1, 0], [0, 1]], V=[[1, 0], [0, 1]],
                                mask="causal")) is None
