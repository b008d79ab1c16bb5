"""decision_boundary against the geometry done by hand in the test: distance |b|/‖w‖, intercepts −b/wᵢ."""

import math

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import solve_params
from tutor.answers import parse_answer
from tutor.api import find_problem
from tutor.check import check
from tutor.cli import app
from tutor.errors import TutorError
from tutor.mistakes import degeneracy_checks


def test_the_assignments_boundary():
    # g = 1 + 2x₁ + 3x₂: ‖θ‖ = √13, distance 1/√13, crossing the axes at x₁ = −1/2 and x₂ = −1/3
    sol = solve_params("decision_boundary", w=[2, 3], b=1)
    assert sol.value("norm") == pytest.approx(math.sqrt(13), rel=1e-15)
    assert sol.value("distance") == pytest.approx(1 / math.sqrt(13), rel=1e-15)
    np.testing.assert_allclose(sol.value("normal"), [2 / math.sqrt(13), 3 / math.sqrt(13)], rtol=1e-15)
    np.testing.assert_allclose(sol.value("intercepts"), [-0.5, -1 / 3], rtol=1e-15)


@pytest.mark.parametrize("w, b", [([3, 4], -10), ([1, -2, 2], 6), ([0.5], 0)])
def test_the_nearest_point_of_the_boundary_is_at_the_distance(w, b):
    """The foot of the perpendicular from the origin, -b·w/‖w‖², lies on g = 0 at distance d."""
    sol = solve_params("decision_boundary", w=w, b=b)
    w = np.asarray(w, float)
    foot = -b * w / (w @ w)
    assert w @ foot + b == pytest.approx(0, abs=1e-12)
    assert np.linalg.norm(foot) == pytest.approx(sol.value("distance"), abs=1e-12)


def test_points_are_classified_by_the_sign_of_g():
    # AND's boundary x₁ + x₂ − 1.5 = 0 over the truth table
    sol = solve_params("decision_boundary", w=[1, 1], b=-1.5, points=[[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_allclose(sol.value("g"), [-1.5, -0.5, -0.5, 0.5])
    np.testing.assert_array_equal(sol.value("side"), [0, 0, 0, 1])


def test_a_zero_weight_has_no_intercepts_and_all_zero_weights_are_refused():
    sol = solve_params("decision_boundary", w=[0, 2], b=1)
    assert "intercepts" not in sol.steps and any("parallel" in n for n in sol.notes)
    with pytest.raises(TutorError) as e:
        solve_params("decision_boundary", w=[0, 0], b=1)
    assert e.value.field == "params.w" and "no boundary" in e.value.message
    with pytest.raises(TutorError) as e:
        solve_params("decision_boundary", w=[1, 2], points=[[1, 2, 3]])
    assert "each point needs 2 coordinates" in e.value.message


def test_cli_shows_the_notes_slip():
    r = CliRunner().invoke(app, ["solve", "decision-boundary-assignment"])
    assert r.exit_code == 0
    text = " ".join(r.stdout.split())
    assert "d = 0.2774" in text and "The notes give 1 for d (step 3)" in text


# -- mistakes --------------------------------------------------------------------------------------------------
from checking import typed  # noqa: E402,F401


def mark(problem, key, value, **earlier):
    answers = {k: parse_answer(v if isinstance(v, str) else typed(v)) for k, v in {**earlier, key: value}.items()}
    return next(m for m in check(problem, answers).marks if m.key == key)


def named(problem, key, value, **earlier):
    m = mark(problem, key, value, **earlier)
    assert m.status == "wrong", (key, m.status)
    return m.mistake.name if m.mistake else None


BOUNDARY = "decision-boundary-assignment"  # w = (2, 3), b = 1


def test_mistake_distance_as_the_bias():
    # the notes' own answer: θ₀ = 1 called the distance
    assert named(find_problem(BOUNDARY), "distance", 1) == "distance taken as |θ₀|, not divided by ‖w‖"


def test_mistake_norm_without_the_root():
    problem = find_problem(BOUNDARY)
    assert named(problem, "norm", 2 ** 2 + 3 ** 2) == "‖w‖ without the square root"
    assert named(problem, "distance", 1 / 13) == "‖w‖ without the square root"
    assert named(problem, "normal", [2 / 13, 3 / 13]) == "‖w‖ without the square root"


def test_mistake_norm_with_the_bias():
    problem = find_problem(BOUNDARY)
    assert named(problem, "norm", math.sqrt(1 + 4 + 9)) == "‖w‖ with the bias θ₀ included"
    assert named(problem, "distance", 1 / math.sqrt(14)) == "‖w‖ with the bias θ₀ included"


def test_mistake_intercepts_sign_lost():
    assert named(find_problem(BOUNDARY), "intercepts", [1 / 2, 1 / 3]) == "intercepts as b/wᵢ, the minus sign lost"


def test_rounded_right_values_and_carried_forward():
    problem = find_problem(BOUNDARY)  # d = 1/√13 = 0.27735, n̂ = (0.5547, 0.8321)
    for text in ("0.28", "0.2774"):
        assert mark(problem, "distance", text).status == "correct"
    assert mark(problem, "normal", "[0.55, 0.83]").status == "correct"
    assert mark(problem, "normal", "[0.5547, 0.8321]").status == "correct"
    # the normal worked from a student's own wrong ‖w‖ = 13 follows from it
    assert mark(problem, "normal", [2 / 13, 3 / 13], norm=13).status == "carried_forward"


def test_degenerate_point_on_the_boundary():
    (degenerate,) = degeneracy_checks("decision_boundary")
    on = solve_params("decision_boundary", w=[2, 3], b=1, points=[[1, 1], [1, -1]])  # 2 - 3 + 1 = 0
    assert "point 2" in degenerate(on)
    assert degenerate(solve_params("decision_boundary", w=[2, 3], b=1, points=[[1, 1]])) is None
    assert degenerate(solve_params("decision_boundary", w=[2, 3], b=1)) is None
