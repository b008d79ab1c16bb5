"""Shared test helpers: build a Problem from a dict, solve it, without touching the bank."""

from __future__ import annotations

from typing import Any

import pytest

from tutor.api import solve
from tutor.bank import Problem
from tutor.engine.step import Solution


def make_problem(kind: str, params: dict[str, Any], problem_id: str = "test-problem") -> Problem:
    return Problem(id=problem_id, title="test", topic="test", kind=kind, params=params)


def solve_params(kind: str, **params: Any) -> Solution:
    """Solve a kind with these parameters (raw values, as a YAML file would give them)."""
    return solve(make_problem(kind, params))


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """No test sees the developer's TUTOR_BANK, colours or terminal width."""
    monkeypatch.delenv("TUTOR_BANK", raising=False)
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TUTOR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("TUTOR_NO_CACHE", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
