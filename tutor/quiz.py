"""`tutor quiz`: fresh variants of bank problems, asked step by step, marked as `tutor check` marks, remembered.

The library part is here (choosing items, the hint ladder, marking one answer); the CLI drives the prompts.
Choosing prefers the student's weak topics (`Store.weak_topics`); the variant of a problem depends only on the
seed and the problem, so `--seed` gives the same variants again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tutor.errors import TutorError, did_you_mean

if TYPE_CHECKING:
    from tutor.bank import Problem
    from tutor.check import Mark
    from tutor.engine.step import Solution
    from tutor.variants import Variant

HINTS = ("the formula", "the formula with the numbers in", "the value")


def eligible(problems: list["Problem"], topic: str | None = None, kind: str | None = None) -> list["Problem"]:
    """Problems the quiz may ask, filtered by topic and kind (an unknown one is an error with suggestions)."""
    if topic:
        topics = sorted({p.topic for p in problems})
        if topic not in topics:
            raise TutorError(f"--topic {topic}: no such topic{did_you_mean(topic, topics)}; topics: "
                             f"{', '.join(topics)}")
        problems = [p for p in problems if p.topic == topic]
    if kind:
        kinds = sorted({p.kind for p in problems})
        if kind not in kinds:
            raise TutorError(f"--kind {kind}: no problem of this kind{' in topic ' + topic if topic else ''}"
                             f"{did_you_mean(kind, kinds)}; kinds: {', '.join(kinds)}")
        problems = [p for p in problems if p.kind == kind]
    varying = [p for p in problems if p.vary]
    return varying or problems  # a topic with no varying problem is practised on the bank's own numbers


def choose(problems: list["Problem"], count: int, seed: int, weights: dict[str, float]) -> list["Problem"]:
    """`count` problems, weak topics more often (by `weights`, topic → weight), and no problem again within
    five questions of itself while there are others to ask."""
    rng = random.Random(seed)
    pool = sorted(problems, key=lambda p: p.id)
    window = min(len(pool) - 1, 5)
    out: list["Problem"] = []
    while len(out) < count:
        recent = {p.id for p in out[len(out) - window:]} if window > 0 else set()
        left = [p for p in pool if p.id not in recent]
        w = [weights.get(p.topic, 1.0) for p in left]
        out.append(rng.choices(left, weights=w)[0])
    return out


def quiz_keys(solution: "Solution") -> list[str]:
    """The steps a quiz asks for: the answers, in the order of the working."""
    return [k for k in solution.steps if k in solution.answer_keys]


def feeding(solution: "Solution", key: str, asked: list[str]) -> list[str]:
    """The steps on the way to `key` that the quiz does not ask for (z_i before i = σ(z_i)), in order: the
    hints show them, since the student has to work them out too. Steps behind an asked step are not repeated."""
    own: set[str] = set()
    frontier = [key]
    while frontier:
        k = frontier.pop()
        for i in solution.steps[k].inputs:
            if i in solution.steps and i not in asked and i not in own:
                own.add(i)
                frontier.append(i)
    return [k for k in solution.steps if k in own]


@dataclass
class Item:
    """One quiz question in progress: the variant, the student's answers so far and the hints used."""

    variant: "Variant"
    asked: list[str] = field(default_factory=list)  # the steps the quiz asks for
    answers: dict[str, Any] = field(default_factory=dict)  # key → Answer
    hints: dict[str, int] = field(default_factory=dict)
    revealed: set[str] = field(default_factory=set)

    @property
    def problem(self) -> "Problem":
        return self.variant.problem

    @property
    def solution(self) -> "Solution":
        return self.variant.solution

    def own_values(self) -> "Solution":
        """The solution recomputed from the student's own answers so far (hints use their numbers)."""
        from tutor.check import as_value

        own = {k: as_value(a, self.solution.values[k]) for k, a in self.answers.items()}
        return self.solution.replace(own) if own else self.solution

    def mark(self, key: str, answer: Any) -> "Mark":
        """Mark one answer, with carry-forward from the earlier ones."""
        from tutor.check import check

        self.answers[key] = answer
        result = check(self.problem, self.answers, self.variant.settings, self.solution)
        return next(m for m in result.marks if m.key == key)

    def hint(self, key: str) -> int:
        """Climb one rung of the hint ladder for `key`; returns the rung (1, 2, 3)."""
        level = min(self.hints.get(key, 0) + 1, len(HINTS))
        self.hints[key] = level
        if level == len(HINTS):
            self.revealed.add(key)
        return level
