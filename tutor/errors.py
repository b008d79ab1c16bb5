"""The one error type a user ever sees: what went wrong, where, and what was expected.

Every problem with input (a problem file, a --set value, a parameter's shape, a number that is NaN) is raised
as a TutorError. The CLI prints `str(error)` as one line on stderr and exits with status 2.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Where:
    """A place in a file, 1-based line and column, as editors count them."""

    file: str | None = None
    line: int | None = None
    col: int | None = None

    def __str__(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)


class TutorError(Exception):
    """A user-facing error: `file:line:col: field: message`, every part optional but the message."""

    def __init__(self, message: str, *, where: Where | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.field = field

    def located(self, where: Where | None, field: str | None = None) -> "TutorError":
        """Attach a location (and field) unless one is already known; returns self for `raise e.located(...)`."""
        if self.where is None and where is not None:
            self.where = where
        if self.field is None and field is not None:
            self.field = field
        return self

    def __str__(self) -> str:
        head = []
        if self.where is not None:
            head.append(str(self.where))
        if self.field:
            head.append(self.field)
        return ": ".join(head + [self.message])


class ErrorList(TutorError):
    """Several errors found in one pass (a problem file with three mistakes gets three lines)."""

    def __init__(self, errors: list[TutorError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


def did_you_mean(word: str, choices: list[str] | tuple[str, ...] | set[str]) -> str:
    """' (did you mean "x"?)' for the closest choices, or '' when nothing is close."""
    import difflib

    # Case is ignored for the comparison (LSTM-step → lstm-step) but the suggestions keep their own spelling.
    by_lower: dict[str, str] = {}
    for c in sorted(choices):
        by_lower.setdefault(c.lower(), c)
    close = [by_lower[c] for c in difflib.get_close_matches(word.lower(), list(by_lower), n=3, cutoff=0.6)]
    if not close:
        return ""
    return " (did you mean " + " or ".join(f'"{c}"' for c in close) + "?)"
