"""Classification metrics from a 2×2 confusion matrix: the four counts (given, read from a matrix in a stated
layout, or counted from labels), then accuracy, precision, recall, specificity, the false positive rate and F1.

A metric whose denominator is 0 is undefined: it is shown as NaN with the reason in words, or, on request, as
the 0 or 1 that scikit-learn's `zero_division` substitutes.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from tutor.engine import expr as E
from tutor.engine.expr import Expr, Num, Sym
from tutor.engine.ops import Graph, Node
from tutor.engine.step import Solution
from tutor.errors import TutorError
from tutor.mistakes import Mistake, degenerate, mistakes
from tutor.params import Param, Params
from tutor.registry import solver
from tutor.solvers import expect_matrix, expect_vector

# Label-by-label indicator sums are written out up to this many examples.
EXPAND_MAX_LABELS = 12

COUNTS = (  # key, name, predicted, actual
    ("TP", "true positives", 1, 1),
    ("FP", "false positives", 1, 0),
    ("FN", "false negatives", 0, 1),
    ("TN", "true negatives", 0, 0),
)

# layout → the count at each position of the 2×2 matrix, and how to say it
LAYOUTS: dict[str, tuple[tuple[tuple[str, str], tuple[str, str]], str]] = {
    "notes": ((("TP", "FP"), ("FN", "TN")),
              "rows are the predicted class (1, then 0) and columns the actual class (1, then 0): "
              "[[TP, FP], [FN, TN]], as the chapter (file 003) draws it"),
    "sklearn": ((("TN", "FP"), ("FN", "TP")),
                "rows are the actual class (0, then 1) and columns the predicted class (0, then 1): "
                "[[TN, FP], [FN, TP]], as sklearn.metrics.confusion_matrix(y_true, y_pred) returns it"),
    "actual-rows": ((("TP", "FN"), ("FP", "TN")),
                    "rows are the actual class (1, then 0) and columns the predicted class (1, then 0): "
                    "[[TP, FN], [FP, TN]]"),
}
SKLEARN = ("sklearn.metrics.confusion_matrix(y_true, y_pred) puts the actual class in rows and the predicted in "
           "columns, labels 0 then 1: [[TN, FP], [FN, TP]]")

PARAMS = [
    Param("TP", "integer", "true positives: actual 1, predicted 1 (give the four counts, or matrix, or y_true and "
                           "y_pred)", default=None),
    Param("FP", "integer", "false positives: actual 0, predicted 1", default=None),
    Param("FN", "integer", "false negatives: actual 1, predicted 0", default=None),
    Param("TN", "integer", "true negatives: actual 0, predicted 0", default=None),
    Param("matrix", "matrix", "the 2×2 confusion matrix of counts, laid out as `layout` says", default=None),
    Param("layout", "choice", "how matrix is laid out (and how the matrix is drawn from labels): notes = rows "
                              "predicted 1, 0 and columns actual 1, 0, [[TP, FP], [FN, TN]] (file 003); sklearn = "
                              "rows actual 0, 1 and columns predicted 0, 1, [[TN, FP], [FN, TP]]; actual-rows = "
                              "rows actual 1, 0 and columns predicted 1, 0, [[TP, FN], [FP, TN]]",
          default="notes", choices=tuple(LAYOUTS)),
    Param("y_true", "vector", "the actual labels, 0 or 1, one per example", default=None),
    Param("y_pred", "vector", "the predicted labels, 0 or 1, one per example", default=None),
    Param("zero_division", "choice", "a metric whose denominator is 0: undefined (NaN, with the reason), or 0 or 1 "
                                     "as scikit-learn's zero_division=0 / 1", default="undefined",
          choices=("undefined", 0, 1)),
]


def _count(x: Any, field: str) -> int:
    if x < 0:
        raise TutorError(f"is {x}, but a count cannot be negative", field=field)
    return int(x)


@solver("classification_metrics", title="Confusion matrix: accuracy, precision, recall, F1", topic="metrics",
        params=PARAMS, answer=["accuracy", "precision", "recall", "f1"])
def classification_metrics(p: Params, g: Graph) -> None:
    """accuracy = (TP + TN)/(TP + TN + FP + FN); precision = TP/(TP + FP); recall = TP/(TP + FN);
    specificity = TN/(TN + FP); FPR = FP/(FP + TN); F1 = 2·precision·recall/(precision + recall)."""
    has_counts = [k for k, *_ in COUNTS if k in p]
    has_matrix = "matrix" in p
    has_labels = [k for k in ("y_true", "y_pred") if k in p]
    modes = sum([bool(has_counts), has_matrix, bool(has_labels)])
    if modes != 1:
        raise TutorError("give the confusion matrix one way: the four counts TP, FP, FN, TN; or matrix (with "
                         "layout); or the labels y_true and y_pred" + ("" if modes == 0 else
                                                                       f" (got {modes} of these)"),
                         field="params")
    layout = p["layout"]
    grid, layout_text = LAYOUTS[layout]
    nodes: dict[str, Node] = {}

    if has_counts:
        missing = [k for k, *_ in COUNTS if k not in p]
        if missing:
            raise TutorError(f"missing {', '.join(missing)}: with counts, all four of TP, FP, FN, TN are needed",
                             field=missing[0])
        for key, name, pred, actual in COUNTS:
            nodes[key] = g.given(key, _count(p[key], key), Sym(key),
                                 f"{name}: actual {actual}, predicted {pred}")
        g.conventions.append(f"The counts are given directly. In the chapter's layout (file 003) the matrix is "
                             f"[[TP, FP], [FN, TN]], predicted in rows; {SKLEARN}.")
    elif has_matrix:
        M = p["matrix"]
        expect_matrix("matrix", M, 2, 2, "a confusion matrix of two classes")
        if np.any(M < 0) or np.any(M != np.round(M)):
            raise TutorError("expected whole, non-negative counts in every entry", field="matrix")
        mn = g.given("matrix", M, Sym("M"), f"the confusion matrix ({layout} layout)")
        for key, name, pred, actual in COUNTS:
            r, c = next((r, c) for r in range(2) for c in range(2) if grid[r][c] == key)
            nodes[key] = g.step(key, f"{name.capitalize()}: read from the matrix", Sym(key),
                                Sym(f"M{'₁₂'[r]}{'₁₂'[c]}", f"M_{{{r + 1}{c + 1}}}"), [mn],
                                lambda m, r=r, c=c: int(round(float(np.asarray(m, float)[r, c]))),
                                lambda m, r=r, c=c: [],
                                f"Row {r + 1}, column {c + 1}: actual {actual}, predicted {pred}.")
        g.conventions.append(f"Matrix layout '{layout}': {layout_text}. {SKLEARN}.")
    else:
        if len(has_labels) != 2:
            other = "y_pred" if has_labels == ["y_true"] else "y_true"
            raise TutorError("labels need both y_true and y_pred", field=other)
        yt, yp = p["y_true"], p["y_pred"]
        expect_vector("y_pred", yp, len(yt), f"one prediction per example (y_true has {len(yt)})")
        for name, v in (("y_true", yt), ("y_pred", yp)):
            bad = [k for k, x in enumerate(v) if x not in (0, 1)]
            if bad:
                raise TutorError(f"entry {bad[0] + 1} is {v[bad[0]]:g}; a label here is 0 or 1 (1 = the positive "
                                 "class)", field=name)
        tn = g.given("y_true", yt, Sym("y"), "the actual labels")
        pn = g.given("y_pred", yp, Sym("ŷ", r"\hat{y}"), "the predicted labels")
        for key, name, pred, actual in COUNTS:
            nodes[key] = g.step(key, f"Count the {name}", Sym(key),
                                E.Text(f"Σᵢ [ŷ_i = {pred} and y_i = {actual}]",
                                       rf"\sum_i [\hat{{y}}_i = {pred} \wedge y_i = {actual}]"),
                                [tn, pn], _counter(pred, actual), _show_counter(pred, actual),
                                _explain_counter(name, pred, actual))
        _confusion_step(g, nodes, grid, layout, layout_text)
        g.conventions.append(f"The matrix is drawn in layout '{layout}': {layout_text}. {SKLEARN}.")

    _metrics(g, nodes, p["zero_division"])


# -- counting labels ------------------------------------------------------------------------------------------
def _counter(pred: int, actual: int) -> Callable[[Any, Any], int]:
    def rule(yt: Any, yp: Any) -> int:
        return int(np.sum((np.asarray(yp, float) == pred) & (np.asarray(yt, float) == actual)))
    return rule


def _show_counter(pred: int, actual: int) -> Callable[[Any, Any], list[Expr]]:
    def show(yt: Any, yp: Any) -> list[Expr]:
        hits = (np.asarray(yp, float) == pred) & (np.asarray(yt, float) == actual)
        if hits.size > EXPAND_MAX_LABELS or hits.size < 2:
            return []
        return [E.Add(tuple(Num(int(h)) for h in hits))]
    return show


def _explain_counter(name: str, pred: int, actual: int) -> Callable[[Any, Any, int], str]:
    def explain(yt: Any, yp: Any, n: int) -> str:
        hits = (np.asarray(yp, float) == pred) & (np.asarray(yt, float) == actual)
        idx = [str(int(k) + 1) for k in np.flatnonzero(hits)]
        which = ("none of the examples" if not idx else
                 (f"example {idx[0]}" if len(idx) == 1 else "examples " + ", ".join(idx)))
        return f"The {name} are the examples predicted {pred} that are actually {actual}: {which}."
    return explain


def _confusion_step(g: Graph, nodes: dict[str, Node], grid: Any, layout: str, layout_text: str) -> None:
    order = [k for k, *_ in COUNTS]

    def rule(*counts: int) -> np.ndarray:
        by = dict(zip(order, counts))
        return np.array([[by[grid[r][c]] for c in range(2)] for r in range(2)], dtype=int)

    formula = E.Matrix(tuple(tuple(nodes[grid[r][c]].sym for c in range(2)) for r in range(2)))
    g.step("confusion", "The confusion matrix", Sym("M"), formula, [nodes[k] for k in order], rule,
           lambda *counts: [], explain=f"The four counts in the '{layout}' layout: {layout_text}.")


# -- the metrics ------------------------------------------------------------------------------------------------
def _ratio(zero_division: Any, why_zero: str) -> tuple[Callable[..., float], Callable[..., str]]:
    """num/den over counts, with 0/0 undefined (NaN) unless zero_division says 0 or 1; and the words for it."""

    def rule(num: Any, *den_terms: Any) -> float:
        num = float(num)
        den = float(sum(float(t) for t in den_terms))
        if den == 0:
            return math.nan if zero_division == "undefined" else float(zero_division)
        return num / den

    def zero_text(*vals: Any) -> str:
        if zero_division == "undefined":
            return (f"Undefined (NaN): the denominator is 0 because {why_zero}. scikit-learn reports 0 here with a "
                    "warning (zero_division='warn'); set zero_division to 0 or 1 to choose a number.")
        return (f"The denominator is 0 because {why_zero}, so the ratio is 0/0; it is taken as {zero_division} "
                f"(zero_division = {zero_division}, as scikit-learn's).")

    return rule, zero_text


def _metrics(g: Graph, n: dict[str, Node], zero_division: Any) -> None:
    TP, FP, FN, TN = (n[k] for k in ("TP", "FP", "FN", "TN"))

    def ratio_step(key: str, title: str, sym: Sym, num: list[Node], den: list[Node], meaning: str,
                   why_zero: str) -> Node:
        rule, zero_text = _ratio(zero_division, why_zero)
        k = len(num)

        def r(*vals: Any) -> float:
            return rule(sum(float(v) for v in vals[:k]), *vals[k:])

        def sub(nodes: list[Node] | list[Any]) -> Expr:
            parts = [x.sym if isinstance(x, Node) else Num(x) for x in nodes]
            return parts[0] if len(parts) == 1 else E.Add(tuple(parts))

        def show(*vals: Any) -> list[Expr]:
            nums, dens = [int(v) for v in vals[:k]], [int(v) for v in vals[k:]]
            lines: list[Expr] = [E.Div(sub(nums), sub(dens))]
            if len(nums) > 1 or len(dens) > 1:
                lines.append(E.Div(Num(sum(nums)), Num(sum(dens))))
            return lines

        def explain(*vals: Any) -> str:
            if sum(float(v) for v in vals[k:-1]) == 0:
                return zero_text()
            return meaning

        return g.step(key, title, sym, E.Div(sub(num), sub(den)), num + den, r, show, explain)

    ratio_step("accuracy", "Accuracy", Sym("accuracy", r"\text{accuracy}"), [TP, TN], [TP, TN, FP, FN],
               "The fraction of all examples classified correctly, positive or negative.", "there are no examples")
    prec = ratio_step("precision", "Precision", Sym("precision", r"\text{precision}"), [TP], [TP, FP],
                      "Of the examples predicted positive, the fraction that really are positive: how far a "
                      "positive prediction can be trusted.",
                      "TP + FP = 0: no example was predicted positive")
    rec = ratio_step("recall", "Recall (sensitivity, true positive rate)", Sym("recall", r"\text{recall}"), [TP],
                     [TP, FN], "Of the examples that really are positive, the fraction the classifier found. It is "
                               "also the true positive rate, the y-axis of the ROC curve.",
                     "TP + FN = 0: there are no actual positives")
    ratio_step("specificity", "Specificity (true negative rate)", Sym("specificity", r"\text{specificity}"), [TN],
               [TN, FP], "Of the examples that really are negative, the fraction predicted negative.",
               "TN + FP = 0: there are no actual negatives")
    ratio_step("fpr", "False positive rate", Sym("FPR", r"\text{FPR}"), [FP], [FP, TN],
               "Of the examples that really are negative, the fraction wrongly predicted positive: 1 − specificity, "
               "the x-axis of the ROC curve.", "FP + TN = 0: there are no actual negatives")

    def f1_rule(P: Any, R: Any, tp: Any, fp: Any, fn: Any) -> float:
        P, R = float(P), float(R)
        if not (math.isnan(P) or math.isnan(R)):
            return 0.0 if P + R == 0 else 2 * P * R / (P + R)
        den = 2 * float(tp) + float(fp) + float(fn)  # the same F1 from the counts, defined more often
        if den == 0:
            return math.nan if zero_division == "undefined" else float(zero_division)
        return 2 * float(tp) / den

    def f1_show(P: Any, R: Any, tp: Any, fp: Any, fn: Any) -> list[Expr]:
        P, R = float(P), float(R)
        if math.isnan(P) or math.isnan(R):
            return [E.Div(E.mul(2, int(tp)), E.Add((E.mul(2, int(tp)), Num(int(fp)), Num(int(fn)))))]
        return [E.Div(E.mul(2, P, R), E.Add((Num(P), Num(R)))), E.Div(Num(2 * P * R), Num(P + R))] if P + R else []

    def f1_explain(P: Any, R: Any, tp: Any, fp: Any, fn: Any, f1: float) -> str:
        P, R = float(P), float(R)
        if math.isnan(P) or math.isnan(R):
            which = "precision" if math.isnan(P) else "recall"
            if math.isnan(f1):
                return (f"Undefined (NaN): {which} is undefined, and the count form 2TP/(2TP + FP + FN) is 0/0 too, "
                        "since TP = FP = FN = 0. scikit-learn reports 0 with a warning; set zero_division to choose.")
            return (f"With {which} undefined, 2PR/(P + R) cannot be used; the same F1 written with counts, "
                    "2TP/(2TP + FP + FN), is defined, and it is what scikit-learn's f1_score computes.")
        if P + R == 0:
            return ("Precision and recall are both 0 (no true positives), so 2PR/(P + R) is 0/0; the count form "
                    "2TP/(2TP + FP + FN) gives 0, which is what F1 is here.")
        return ("The harmonic mean of precision and recall: high only when both are, and pulled towards the lower of "
                "the two.")

    P_sym, R_sym = prec.sym, rec.sym
    g.step("f1", "F1 score", Sym("F1", r"F_1"), E.Div(E.mul(2, P_sym, R_sym), E.Add((P_sym, R_sym))),
           [prec, rec, TP, FP, FN], f1_rule, f1_show, f1_explain)
    for key, why in (("precision", "no example was predicted positive (TP + FP = 0)"),
                     ("recall", "there are no actual positives (TP + FN = 0)"),
                     ("f1", "TP = FP = FN = 0")):
        if math.isnan(g.values[key]):
            g.notes.append(f"{key} is undefined (shown as NaN): {why}. Its step says what scikit-learn does.")
    if zero_division != "undefined":
        g.conventions.append(f"A metric whose denominator is 0 is taken as {zero_division} (zero_division = "
                             f"{zero_division}, as scikit-learn's).")


# -- the catalogue of mistakes (tutor check / tutor quiz name them when a student's number matches) -------------
def _share(num: Any, *den: Any) -> float:
    """num/(sum of den) over counts; a zero denominator raises, so the wrong method names nothing there."""
    return float(num) / sum(float(d) for d in den)


TRANSPOSED = {"notes": "actual-rows", "actual-rows": "notes"}  # the same grid with rows and columns swapped

mistakes(
    "classification_metrics",
    Mistake("precision and recall swapped",
            "Precision is TP/(TP + FP): of those predicted positive, how many are. Recall is TP/(TP + FN): of "
            "those actually positive, how many were found.",
            rules={"precision": lambda v: _share(v["TP"], v["TP"], v["FN"]),
                   "recall": lambda v: _share(v["TP"], v["TP"], v["FP"])}),
    Mistake("F1 as the mean of precision and recall",
            "F1 is their harmonic mean, 2PR/(P + R), which is pulled towards the lower of the two; (P + R)/2 is "
            "the arithmetic mean.",
            rules={"f1": lambda v: (float(v["precision"]) + float(v["recall"])) / 2}),
    Mistake("confusion matrix read transposed",
            "Rows and columns swapped, so FP and FN trade places. Check which axis is the prediction: in the "
            "chapter's layout the rows are predicted and the columns actual, [[TP, FP], [FN, TN]]; sklearn puts "
            "the actual class in rows.",
            params=lambda p: {"layout": TRANSPOSED.get(p["layout"], p["layout"])}),
)


def _no_true_positive(sol: Solution) -> str | None:
    return "no true positives: precision, recall and F1 are all 0 or undefined" if sol.values["TP"] == 0 else None


degenerate("classification_metrics", _no_true_positive)
