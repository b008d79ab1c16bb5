"""A student's answers from a file: YAML or JSON mapping step keys to values, or plain `key = value` lines.

    z_i = [0.5, 0.2]          # key = value lines; '#' starts a comment
    i: [0.62, 0.55]           # YAML (JSON is read as YAML, so it works too)
    grads.x = -8              # one entry of a step whose value is named entries (a gradient per variable)

Numbers keep the text they were written with (0.660 has three decimals), which is what rounding-aware marking
needs. Every error names the file, line and column, and the key.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tutor.errors import ErrorList, TutorError, Where

class Sheet(dict):  # type: ignore[type-arg]
    """{step key: Answer}, and where in the file each key was written (for errors found when marking)."""

    where: dict[str, Where]


_LINE = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*=(?!=)\s*(.*?)\s*$")


def read_answers(path: Path) -> Sheet:
    """{step key: Answer} from a file; errors (all of them) as TutorErrors with file:line:col."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TutorError(f"no such answers file: {path}") from None
    except IsADirectoryError:
        raise TutorError(f"{path} is a directory; --answers takes a file") from None
    except UnicodeDecodeError as e:
        raise TutorError(f"{path}: not UTF-8 text (byte {e.start}); save the answers as plain text") from None
    except OSError as e:
        raise TutorError(f"cannot read {path}: {e.strerror}") from None
    return parse_answers(text, str(path))


def parse_answers(text: str, filename: str = "<answers>") -> Sheet:
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise TutorError("the answers file is empty; write one 'key = value' per line (or YAML key: value)",
                         where=Where(filename))
    if all(_LINE.match(_uncomment(ln)) for ln in lines):
        return _key_value_lines(text, filename)
    return _yaml(text, filename)


def _uncomment(line: str) -> str:
    return line.split("#", 1)[0]


def _key_value_lines(text: str, filename: str) -> Sheet:
    from tutor.answers import parse_answer

    raw: dict[str, tuple[Any, Where]] = {}
    errors: list[TutorError] = []
    for n, line in enumerate(text.splitlines(), 1):
        body = _uncomment(line)
        m = _LINE.match(body)
        if not m or not body.strip():
            continue
        key, value = m.group(1), m.group(2)
        where = Where(filename, n, m.start(2) + 1)
        if key in raw:
            errors.append(TutorError(f"{key!r} is given twice (also on line {raw[key][1].line})", where=where,
                                     field=key))
            continue
        if not value:
            errors.append(TutorError("no value after '='", where=where, field=key))
            continue
        try:
            raw[key] = (parse_answer(value), where)
        except TutorError as e:
            errors.append(_shift(e, where, key))
    return _assemble(raw, errors)


def _shift(e: TutorError, where: Where, key: str) -> TutorError:
    """Move the parser's 'column N' into the file's column."""
    m = re.match(r"column (\d+): (.*)", e.message)
    if m and where.col is not None:
        return TutorError(m.group(2), where=Where(where.file, where.line, where.col + int(m.group(1)) - 1),
                          field=key)
    return TutorError(e.message, where=where, field=key)


def _yaml(text: str, filename: str) -> Sheet:
    from tutor.answers import parse_value
    from tutor.bank import read_yaml

    data, positions = read_yaml(text, filename, float_text=True)
    if not isinstance(data, dict):
        raise TutorError("expected a mapping of step keys to values (key: value, or key = value lines), got "
                         f"{type(data).__name__ if data is not None else 'nothing'}", where=Where(filename, 1, 1))
    raw: dict[str, tuple[Any, Where]] = {}
    errors: list[TutorError] = []

    def add(key: str, value: Any, path: str) -> None:
        where = positions.get(path) or Where(filename)
        if isinstance(value, dict) and value and all(isinstance(k, str) for k in value):
            for k, v in value.items():  # named entries: grads: {x: -8, y: 6}
                add(f"{key}.{k}", v, f"{path}.{k}")
            return
        if value is None:
            return  # `key:` with nothing is a step left out
        try:
            raw[key] = (parse_value(value), where)
        except TutorError as e:
            errors.append(_shift(e, where, key) if isinstance(value, str) else
                          TutorError(e.message, where=where, field=key))

    for key, value in data.items():
        add(str(key), value, str(key))
    return _assemble(raw, errors)


def _assemble(raw: dict[str, tuple[Any, Where]], errors: list[TutorError]) -> Sheet:
    """Join dotted entries (grads.x, grads.y) into one answer with named entries."""
    from tutor.answers import Answer

    import numpy as np

    if errors:
        raise ErrorList(errors) if len(errors) > 1 else errors[0]
    out = Sheet()
    out.where = {k.partition(".")[0]: w for k, (_, w) in reversed(list(raw.items()))}
    groups: dict[str, dict[str, Any]] = {}
    for key, (answer, _) in raw.items():
        if "." in key:
            head, _, name = key.partition(".")
            groups.setdefault(head, {})[name] = answer
        else:
            out[key] = answer
    for head, entries in groups.items():
        if head in out:
            raise TutorError(f"{head!r} is given both whole and entry by entry ({', '.join(entries)})",
                             where=raw[f"{head}.{next(iter(entries))}"][1], field=head)
        text = ", ".join(f"{n} = {a.text}" for n, a in entries.items())
        out[head] = Answer(text, np.empty(0), np.empty(0), entries)
    return out

