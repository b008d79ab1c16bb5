"""classification_metrics against counts and ratios worked out in this test (plain Python), in every layout."""

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import solve_params
from tutor.answers import parse_answer
from tutor.api import find_problem, solve
from tutor.check import check as check_answers
from tutor.cli import app
from tutor.errors import TutorError
from tutor.mistakes import degeneracy_checks
from tutor.printers.json import jsonable


def reference(y_true, y_pred):
    """The four counts by a plain loop, and the metrics from their textbook definitions."""
    tp = fp = fn = tn = 0
    for t, p in zip(y_true, y_pred):
        if p == 1 and t == 1:
            tp += 1
        elif p == 1:
            fp += 1
        elif t == 1:
            fn += 1
        else:
            tn += 1
    prec, rec = tp / (tp + fp), tp / (tp + fn)
    return dict(TP=tp, FP=fp, FN=fn, TN=tn, accuracy=(tp + tn) / len(y_true), precision=prec, recall=rec,
                specificity=tn / (tn + fp), fpr=fp / (fp + tn), f1=2 * prec * rec / (prec + rec))


SPAM = dict(TP=40, FP=10, FN=5, TN=45)  # file 003's spam filter
SPAM_METRICS = dict(accuracy=0.85, precision=0.8, recall=40 / 45, specificity=45 / 55, fpr=10 / 55,
                    f1=2 * 40 / (2 * 40 + 10 + 5))  # F1 = 2TP/(2TP + FP + FN), the count form


def check(sol, expected):
    for k, v in expected.items():
        assert sol.value(k) == pytest.approx(v, rel=1e-14), k


def test_counts():
    sol = solve_params("classification_metrics", **SPAM)
    check(sol, SPAM_METRICS)
    assert sol.answer_keys == ("accuracy", "precision", "recall", "f1")
    assert sol.value("f1") == pytest.approx(16 / 19, rel=1e-14)


@pytest.mark.parametrize("layout,matrix", [
    ("notes", [[40, 10], [5, 45]]),          # rows predicted 1, 0; columns actual 1, 0
    ("sklearn", [[45, 10], [5, 40]]),        # rows actual 0, 1; columns predicted 0, 1
    ("actual-rows", [[40, 5], [10, 45]]),    # rows actual 1, 0; columns predicted 1, 0
])
def test_every_layout_reads_the_same_counts(layout, matrix):
    sol = solve_params("classification_metrics", matrix=matrix, layout=layout)
    check(sol, dict(SPAM, **SPAM_METRICS))
    assert any(f"'{layout}'" in c and "[[TN, FP], [FN, TP]]" in c for c in sol.conventions)


def test_sklearn_layout_matches_a_transcribed_sklearn_matrix():
    # sklearn.metrics.confusion_matrix([0, 1, 0, 1], [1, 1, 1, 0]) = [[0, 2], [1, 1]] (sklearn docs' layout: true
    # labels in rows): TN = 0, FP = 2, FN = 1, TP = 1.
    sol = solve_params("classification_metrics", matrix=[[0, 2], [1, 1]], layout="sklearn")
    assert [sol.value(k) for k in ("TP", "FP", "FN", "TN")] == [1, 2, 1, 0]
    labels = solve_params("classification_metrics", y_true=[0, 1, 0, 1], y_pred=[1, 1, 1, 0], layout="sklearn")
    np.testing.assert_array_equal(labels.value("confusion"), [[0, 2], [1, 1]])


def test_chapter_five_samples_from_labels():
    y_true, y_pred = [1, 1, 1, 0, 0], [0, 1, 0, 1, 0]
    sol = solve_params("classification_metrics", y_true=y_true, y_pred=y_pred)
    check(sol, reference(y_true, y_pred))
    # the notes' matrix, predicted in rows: [[TP, FP], [FN, TN]] = [[1, 1], [2, 1]]
    np.testing.assert_array_equal(sol.value("confusion"), [[1, 1], [2, 1]])
    assert "examples 1, 3" in sol.explanation("FN")
    assert isinstance(sol.value("TP"), int)


def test_random_labels_against_reference():
    rng = np.random.default_rng(3)
    for _ in range(30):
        n = int(rng.integers(4, 40))
        y_true = rng.integers(0, 2, n).tolist()
        y_pred = rng.integers(0, 2, n).tolist()
        y_true[:2], y_pred[:2] = [1, 0], [1, 0]  # at least one of TP and TN, so no ratio is 0/0
        y_true[2], y_pred[2] = 1, 0  # and a false negative, so ...
        y_true[3], y_pred[3] = 0, 1  # ... and a false positive
        check(solve_params("classification_metrics", y_true=y_true, y_pred=y_pred), reference(y_true, y_pred))


def test_no_predicted_positives_precision_undefined_in_words():
    sol = solve_params("classification_metrics", TP=0, FP=0, FN=3, TN=7)
    assert math.isnan(sol.value("precision"))
    why = sol.explanation("precision")
    assert "Undefined" in why and "TP + FP = 0" in why and "zero_division" in why
    assert any("precision is undefined" in n for n in sol.notes)
    # F1 from the counts: 2·0/(0 + 0 + 3) = 0, as scikit-learn's f1_score
    assert sol.value("f1") == 0
    assert "2TP/(2TP + FP + FN)" in sol.explanation("f1")
    assert sol.value("accuracy") == pytest.approx(0.7)
    assert jsonable(sol.answer)["precision"] is None


@pytest.mark.parametrize("zd", [0, 1])
def test_zero_division_setting(zd):
    sol = solve_params("classification_metrics", TP=0, FP=0, FN=3, TN=7, zero_division=zd)
    assert sol.value("precision") == zd
    assert f"taken as {zd}" in sol.explanation("precision")
    assert any(f"zero_division = {zd}" in c for c in sol.conventions)
    assert not sol.notes


def test_no_positives_at_all():
    sol = solve_params("classification_metrics", TP=0, FP=0, FN=0, TN=5)
    for k in ("precision", "recall", "f1"):
        assert math.isnan(sol.value(k)), k
    assert "TP = FP = FN = 0" in sol.explanation("f1")
    assert sol.value("specificity") == 1


def test_precision_and_recall_both_zero_give_f1_zero():
    sol = solve_params("classification_metrics", TP=0, FP=2, FN=3, TN=5)
    assert sol.value("precision") == 0 and sol.value("recall") == 0
    assert sol.value("f1") == 0
    assert "both 0" in sol.explanation("f1")


def test_replacing_recall_recomputes_f1():
    sol = solve_params("classification_metrics", **SPAM)
    new = sol.replace({"recall": 10 / 15})  # the notes' slip
    assert new.value("f1") == pytest.approx(2 * 0.8 * (2 / 3) / (0.8 + 2 / 3), rel=1e-14)
    assert new.value("precision") == sol.value("precision")


@pytest.mark.parametrize("params,field,fragment", [
    (dict(SPAM, matrix=[[1, 2], [3, 4]]), "params", "one way"),
    ({}, "params", "one way"),
    (dict(TP=1, FP=2, FN=3), "params.TN", "missing TN"),
    (dict(TP=1, FP=-2, FN=3, TN=4), "params.FP", "negative"),
    (dict(TP=1.5, FP=2, FN=3, TN=4), "params.TP", "whole number"),
    (dict(matrix=[[1, 2, 3], [4, 5, 6]]), "params.matrix", "2×2"),
    (dict(matrix=[[1, 2.5], [3, 4]]), "params.matrix", "whole"),
    (dict(matrix=[[1, 2], [3, 4]], layout="rows"), "params.layout", "notes"),
    (dict(y_true=[1, 0, 2], y_pred=[1, 0, 1]), "params.y_true", "0 or 1"),
    (dict(y_true=[1, 0, 1], y_pred=[1, 0]), "params.y_pred", "y_true has 3"),
    (dict(y_true=[1, 0, 1]), "params.y_pred", "both"),
])
def test_bad_input(params, field, fragment):
    with pytest.raises(TutorError) as e:
        solve_params("classification_metrics", **params)
    assert e.value.field == field, e.value
    assert fragment in e.value.message


# -- the problems, through the CLI --------------------------------------------------------------------------------
def test_spam_problem_json_with_the_notes_slips():
    r = CliRunner().invoke(app, ["solve", "confusion-matrix-spam", "--format", "json"])
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    for k in ("accuracy", "precision", "recall", "f1"):
        assert data["answer"][k] == pytest.approx(SPAM_METRICS[k], rel=1e-14), k
    said = {n["step"]: n["notes"] for n in data["notes_say"] if "step" in n}
    assert said == {"recall": 0.667, "f1": 0.8}


def test_five_samples_problem_text():
    r = CliRunner().invoke(app, ["solve", "confusion-matrix-five-samples"])
    assert r.exit_code == 0, r.stderr
    assert "0 + 1 + 0 + 0 + 0" in r.stdout and "accuracy = 0.4" in r.stdout and "recall = 0.3333" in r.stdout


# -- mistakes -------------------------------------------------------------------------------------------------------
def marks(problem, **answers):
    res = check_answers(problem, {k: parse_answer(t) for k, t in answers.items()})
    return {m.key: m for m in res.marks}


def named(problem, key, value, **before):
    m = marks(problem, **before, **{key: json.dumps(np.round(np.asarray(value, float), 6).tolist())})[key]
    assert m.status == "wrong", (m.status, m.expected)
    return m.mistake.name if m.mistake else None


SPAM = dict(TP=40, FP=10, FN=5, TN=45)  # [[40, 10], [5, 45]], predicted in rows (file 003)


def test_precision_and_recall_swapped_is_named():
    spam = find_problem("confusion-matrix-spam")
    assert named(spam, "precision", SPAM["TP"] / (SPAM["TP"] + SPAM["FN"])) == "precision and recall swapped"
    assert named(spam, "recall", SPAM["TP"] / (SPAM["TP"] + SPAM["FP"])) == "precision and recall swapped"


def test_f1_as_the_arithmetic_mean_is_named():
    five = find_problem("confusion-matrix-five-samples")  # TP 1, FP 1, FN 2, TN 1
    assert named(five, "f1", (1 / 2 + 1 / 3) / 2) == "F1 as the mean of precision and recall"


def test_confusion_matrix_read_transposed_is_named():
    spam = find_problem("confusion-matrix-spam")
    assert named(spam, "FP", 5) == "confusion matrix read transposed"
    assert named(spam, "specificity", SPAM["TN"] / (SPAM["TN"] + SPAM["FN"])) == "confusion matrix read transposed"
    five = find_problem("confusion-matrix-five-samples")
    assert named(five, "confusion", [[1, 2], [1, 1]]) == "confusion matrix read transposed"  # [[TP, FN], [FP, TN]]


def test_right_f1_to_2_and_4_decimals_is_correct_and_a_slip_carries_forward():
    P, R = 40 / 50, 40 / 45
    f1 = 2 * P * R / (P + R)
    spam = find_problem("confusion-matrix-spam")
    for digits in (2, 4):
        assert marks(spam, f1=f"{f1:.{digits}f}")["f1"].status == "correct"
    own = 2 * 0.75 * R / (0.75 + R)  # from a precision slipped to 0.75
    got = marks(spam, precision="0.75", f1=f"{own:.4f}")
    assert got["precision"].status == "wrong" and got["precision"].mistake is None
    assert got["f1"].status == "carried_forward"


def test_degenerate_without_true_positives():
    none = solve_params("classification_metrics", TP=0, FP=3, FN=2, TN=5)
    assert [c(none) for c in degeneracy_checks("classification_metrics")] == [
        "no true positives: precision, recall and F1 are all 0 or undefined"]
    assert [c(solve(find_problem("confusion-matrix-spam"))) for c in degeneracy_checks("classification_metrics")] \
        == [None]
