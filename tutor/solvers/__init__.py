"""Solvers: one module per topic. Each registers its kinds with `@solver` and builds a step graph from its
parameters using the operations in `tutor.engine.ops`. Solvers compute and never format.

Shared checks live here, so that every solver words its shape errors the same way.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tutor.errors import TutorError


def shape_text(a: Any) -> str:
    a = np.asarray(a)
    if a.ndim == 0:
        return "a number"
    if a.ndim == 1:
        return f"a vector of {a.shape[0]}"
    return "×".join(str(n) for n in a.shape)


def expect_vector(name: str, v: Any, length: int, why: str) -> None:
    """`v` must be a vector of `length` entries; `why` says where that length comes from."""
    a = np.asarray(v)
    if a.ndim != 1 or a.shape[0] != length:
        raise TutorError(f"has {shape_text(a)} entries but {why} needs {length}", field=name)


def expect_matrix(name: str, m: Any, rows: int | None, cols: int | None, why: str) -> None:
    """`m` must be rows × cols (None: any); `why` names the other operand ("x has 2 entries")."""
    a = np.asarray(m)
    if a.ndim != 2 or (rows is not None and a.shape[0] != rows) or (cols is not None and a.shape[1] != cols):
        want = f"{rows if rows is not None else 'n'}×{cols if cols is not None else 'n'}"
        raise TutorError(f"has shape {shape_text(a)} but must be {want}: {why}", field=name)
