"""update_count: ⌈n/B⌉ updates per epoch, counted in the test by slicing the sample indices into batches."""

import pytest
from typer.testing import CliRunner

from conftest import solve_params
from tutor.cli import app
from tutor.errors import TutorError


def batches(n, size):
    """Cut range(n) into consecutive batches, the way a DataLoader without drop_last does."""
    idx = list(range(n))
    return [idx[k:k + size] for k in range(0, n, size)]


@pytest.mark.parametrize("mode, extra, size", [("batch", {}, 50), ("stochastic", {}, 1),
                                               ("mini-batch", {"batch_size": 10}, 10),
                                               ("mini-batch", {"batch_size": 8}, 8)])
def test_counts_match_slicing(mode, extra, size):
    sol = solve_params("update_count", n=50, epochs=5, mode=mode, **extra)
    per = len(batches(50, size))
    assert sol.value("per_epoch") == per and sol.value("total") == 5 * per


def test_the_chapters_three_examples():
    # 003: 50 samples, 5 epochs: batch 5 updates, stochastic 250, ten mini-batches 50
    for pid, total in [("update-count-batch", 5), ("update-count-stochastic", 250), ("update-count-mini-batch", 50)]:
        r = CliRunner().invoke(app, ["solve", pid, "--format", "json"])
        assert r.exit_code == 0
        import json

        assert json.loads(r.stdout)["answer"]["total"] == total


@pytest.mark.parametrize("params, field, words", [
    ({"mode": "mini-batch"}, "params.batch_size", "needs the batch size"),
    ({"mode": "mini-batch", "batch_size": 60}, "params.batch_size", "between 1 and n = 50"),
    ({"mode": "batch", "batches": 5}, "params.batches", "only mini-batch mode"),
    ({"mode": "stochastic", "epochs": 0}, "params.epochs", "at least 1"),
])
def test_bad_input_names_the_field(params, field, words):
    args = {"n": 50, "epochs": 5, **params}
    with pytest.raises(TutorError) as e:
        solve_params("update_count", **args)
    assert e.value.field == field and words in e.value.message


# -- mistakes ---------------------------------------------------------------------------------------------------------
# Each wrong count is worked here by slicing, independently of the solver.
from tutor.answers import parse_answer  # noqa: E402
from tutor.api import find_problem, solve  # noqa: E402
from tutor.check import check, checkable, mistaken_solution  # noqa: E402
from tutor.mistakes import catalogue, recompute  # noqa: E402


from checking import bank_problems  # noqa: E402,F401
def mark_of(pid, key, text):
    result = check(find_problem(pid), {key: parse_answer(text)})
    return next(m for m in result.marks if m.key == key)


def test_mini_batches_read_as_batch_size_is_named():
    # "10 mini-batches" of 50 read as batches of 10: 5 per epoch, 25 in all (the problem file's own comment)
    per = len(batches(50, 10))
    for key, value in (("per_epoch", per), ("total", 5 * per)):
        m = mark_of("update-count-mini-batch", key, str(value))
        assert m.status == "wrong" and m.mistake.name == "number of mini-batches and batch size confused", key


def test_batch_and_stochastic_swapped_is_named():
    for pid, per in (("update-count-batch", len(batches(50, 1))), ("update-count-stochastic", len(batches(50, 50)))):
        for key, value in (("per_epoch", per), ("total", 5 * per)):
            m = mark_of(pid, key, str(value))
            assert m.status == "wrong" and m.mistake.name == "batch and stochastic gradient descent swapped", (pid, key)


def test_samples_counted_as_updates_is_named():
    # 50 samples × 5 epochs = 250 samples pass through, but ten mini-batches make 50 updates
    m = mark_of("update-count-mini-batch", "total", str(50 * 5))
    assert m.status == "wrong" and m.mistake.name == "samples processed counted as updates (n × epochs)"


def test_right_counts_are_correct_and_a_slip_is_carried():
    # whole numbers must be exact (2 or 4 decimals of an integer are the integer itself)
    assert mark_of("update-count-mini-batch", "total", "50").status == "correct"
    assert mark_of("update-count-mini-batch", "total", "50.00").status == "correct"
    result = check(find_problem("update-count-mini-batch"), {"per_epoch": parse_answer("11"),
                                                             "total": parse_answer("55")})
    got = {m.key: m for m in result.marks}
    assert got["per_epoch"].status == "wrong" and got["total"].status == "carried_forward"


def test_every_mistake_changes_a_checkable_step_of_the_bank():
    problems = bank_problems("update_count")
    for mistake in catalogue("update_count"):
        changed = []
        for problem in problems:
            sol = solve(problem)
            if mistake.applies and not mistake.applies(sol):
                continue
            base = mistaken_solution(problem, {}, mistake) if mistake.params else sol
            wrong = recompute(base, {}, mistake.rules)
            changed += [(problem.id, k) for k, _ in checkable(sol) if k in wrong and wrong[k] != sol.values[k]]
        assert changed, mistake.name


@pytest.mark.parametrize("pid", ["update-count-mini-batch", "update-count-batch"])
def test_quiz_variants_draw_readily(pid):
    """The vary ranges give usable variants at once, mostly: never near the 300 tries `tutor quiz` allows."""
    from tutor.variants import draw

    problem = find_problem(pid)
    variants = [draw(problem, seed) for seed in range(4)]
    assert max(v.tries for v in variants) <= 10
    assert len({repr(v.settings) for v in variants}) > 1
