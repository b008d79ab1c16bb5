"""positional_encoding against a plain-math re-derivation written in this test."""

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import solve_params
from tutor.cli import app
from tutor.errors import TutorError


def reference(positions, d, base=10000.0):
    """PE[pos][2i] = sin(pos / base^(2i/d)), PE[pos][2i+1] = cos(...), one math call at a time."""
    rows = []
    for pos in positions:
        row = []
        for j in range(d):
            i2 = j - (j % 2)  # 2i for both members of the pair
            angle = pos / base ** (i2 / d)
            row.append(math.sin(angle) if j % 2 == 0 else math.cos(angle))
        rows.append(row)
    return rows


def test_vaswani_base_default():
    sol = solve_params("positional_encoding", positions=[0, 1, 2, 3], d_model=4)
    np.testing.assert_allclose(sol.value("PE"), reference([0, 1, 2, 3], 4), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(sol.value("denom"), [1, 100], rtol=1e-14)  # 10000^(0/4), 10000^(2/4)
    np.testing.assert_allclose(sol.value("angle")[1], [1, 0.01], rtol=1e-14)
    # position 1: [sin 1, cos 1, sin 0.01, cos 0.01] = [0.841471, 0.540302, 0.00999983, 0.99995]
    np.testing.assert_allclose(sol.value("PE")[1], [0.8414710, 0.5403023, 0.0099998, 0.99995], atol=5e-7)
    assert sol.answer_keys == ("PE",)


def test_base_100_as_in_the_notes():
    sol = solve_params("positional_encoding", positions=[0, 1, 2], d_model=4, base=100)
    np.testing.assert_allclose(sol.value("denom"), [1, 10], rtol=1e-14)
    np.testing.assert_allclose(sol.value("PE"), reference([0, 1, 2], 4, 100), rtol=1e-14, atol=1e-15)
    # file 000: P^(1) = [0.84, 0.54, 0.10, 1] to the digits written
    np.testing.assert_allclose(sol.value("PE")[1], [0.84, 0.54, 0.10, 1.0], atol=0.006)


@pytest.mark.parametrize("d,base", [(2, 10000), (6, 10000), (8, 50), (16, 10000)])
def test_other_sizes(d, base):
    positions = [0, 1, 5, 17, 100]
    sol = solve_params("positional_encoding", positions=positions, d_model=d, base=base)
    pe = np.asarray(sol.value("PE"))
    assert pe.shape == (len(positions), d)
    np.testing.assert_allclose(pe, reference(positions, d, base), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(pe[:, 0::2] ** 2 + pe[:, 1::2] ** 2, 1.0, rtol=1e-14)  # sin² + cos² = 1


def test_radians_and_the_degree_mode_slip_are_said():
    sol = solve_params("positional_encoding", positions=[0, 1], d_model=4, base=100)
    why = sol.explanation("PE")
    assert "sin(1) = 0.8415" in why and "sin(1°) = 0.0175" in why
    said = " ".join(sol.conventions)
    assert "radians" in said and "base = 100" in said and "10000" in said and "PyTorch" in said


def test_replacing_a_denominator_recomputes_the_angles():
    sol = solve_params("positional_encoding", positions=[0, 1], d_model=4, base=10000)
    new = sol.replace({"denom": np.array([1.0, 10000.0])})  # the 004 notes' denominator for i = 1
    assert new.value("angle")[1][1] == pytest.approx(1e-4)
    assert new.value("PE")[1][2] == pytest.approx(math.sin(1e-4), rel=1e-14)
    assert new.value("PE")[1][0] == pytest.approx(math.sin(1), rel=1e-14)
    fresh = solve_params("positional_encoding", positions=[0, 1], d_model=4, base=100)
    np.testing.assert_allclose(sol.replace({"base": 100.0}).value("PE"), fresh.value("PE"), rtol=1e-14)


@pytest.mark.parametrize("change,field,fragment", [
    (dict(d_model=5), "d_model", "even"),
    (dict(d_model=0), "d_model", "even"),
    (dict(positions=[0, 1.5]), "positions", "whole numbers"),
    (dict(positions=[-1, 0]), "positions", "whole numbers"),
    (dict(base=0), "base", "positive"),
    (dict(base=-100), "base", "positive"),
    (dict(positions=[]), "positions", "non-empty"),
])
def test_bad_input(change, field, fragment):
    with pytest.raises(TutorError) as e:
        solve_params("positional_encoding", **dict(dict(positions=[0, 1], d_model=4), **change))
    assert e.value.field.split(".")[1] == field, e.value.field
    assert fragment in e.value.message, e.value.message


@pytest.mark.parametrize("pid,positions,base", [
    ("positional-encoding-base-100", [0, 1, 2, 3], 100),
    ("positional-encoding-lab", [0, 1, 2], 100),
    ("positional-encoding-base-10000", [0, 1], 10000),
])
def test_cli_json(pid, positions, base):
    r = CliRunner().invoke(app, ["solve", pid, "--format", "json"])
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    np.testing.assert_allclose(data["answer"]["PE"], reference(positions, 4, base), rtol=1e-14, atol=1e-15)


def test_cli_text_writes_out_the_sines():
    r = CliRunner().invoke(app, ["solve", "positional-encoding-lab"])
    assert r.exit_code == 0, r.stderr
    assert "sin(0.1)" in r.stdout and "cos(2)" in r.stdout and "100^0.5" in r.stdout
    assert "degree mode" in r.stdout


# -- mistakes --------------------------------------------------------------------------------------------------
# Each wrong method is re-derived here with plain math; the check must name it when a student types its numbers.

from tutor.api import find_problem  # noqa: E402
from tutor.check import CARRIED, CORRECT  # noqa: E402
from tutor.mistakes import catalogue, degeneracy_checks  # noqa: E402


from checking import assert_named, bank_problems, changed_steps, mark, text  # noqa: E402,F401


def test_degree_mode():
    # the lab's own figures: sin(1°) = 0.0175 and sin(0.1°) = 0.0017 at position 1
    rows = [[(math.sin if j % 2 == 0 else math.cos)(math.radians(pos / 100 ** ((j - j % 2) / 4))) for j in range(4)]
            for pos in (0, 1, 2)]
    assert rows[1][0] == pytest.approx(0.017452, abs=1e-6) and rows[1][2] == pytest.approx(0.0017453, abs=1e-7)
    assert_named(find_problem("positional-encoding-lab"), "PE", rows,
                 "angles in degrees instead of radians (calculator in degree mode)")


def test_denominator_without_dividing_by_d():
    problem = find_problem("positional-encoding-base-10000")  # positions 0, 1; d = 4
    name = "denominator base^(2i) instead of base^(2i/d)"
    assert_named(problem, "denom", [1.0, 10000.0**2], name)  # the notes' 10000² for i = 1
    rows = [[math.sin(p), math.cos(p), math.sin(p / 1e8), math.cos(p / 1e8)] for p in (0, 1)]
    assert_named(problem, "PE", rows, name)


def test_sine_and_cosine_swapped():
    rows = [[(math.cos if j % 2 == 0 else math.sin)(pos / 100 ** ((j - j % 2) / 4)) for j in range(4)]
            for pos in (0, 1, 2, 3)]
    assert rows[0] == [1.0, 0.0, 1.0, 0.0]
    assert_named(find_problem("positional-encoding-base-100"), "PE", rows,
                 "sine and cosine swapped (cos at the even dimensions)")


def test_right_values_rounded_are_correct_and_a_slip_is_carried_forward():
    problem = find_problem("positional-encoding-base-100")
    for digits in (2, 4):
        assert mark(problem, "PE", reference([0, 1, 2, 3], 4, 100), digits).status == CORRECT
    # the lab's denominators 1 and 1.73 (100·3/4 read as √3): the angles and PE follow from them
    angle = [[p / 1, p / 1.73] for p in (0, 1, 2, 3)]
    assert mark(problem, "angle", angle, denom=[1.0, 1.73]).status == CARRIED
    pe = [[math.sin(a), math.cos(a), math.sin(b), math.cos(b)] for a, b in angle]
    assert mark(problem, "PE", pe, denom=[1.0, 1.73], angle=angle).status == CARRIED


def test_every_mistake_changes_a_checkable_step_of_a_bank_problem():
    problems = bank_problems("positional_encoding")
    for m in catalogue("positional_encoding"):
        assert any(changed_steps(p, m) for p in problems), m.name


def test_all_positions_zero_is_degenerate():
    (zero,) = degeneracy_checks("positional_encoding")
    assert zero(solve_params("positional_encoding", positions=[0, 0], d_model=4)) is not None
    assert zero(solve_params("positional_encoding", positions=[0, 1], d_model=4)) is None
