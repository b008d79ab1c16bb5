"""The problem bank: YAML files, one problem each, validated against the schema with file:line:col on every error.

Where problems come from, in order: the bank shipped with tutor (`problems/`), each directory in the TUTOR_BANK
environment variable (`:`-separated), and each `--bank DIR`. Two files with one id are an error naming both.

Loading uses ruamel.yaml's round-trip loader: YAML 1.2 (so `no` is a string and `1e-8` a float), duplicate keys
rejected, and the line and column of every key and value kept for error messages.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

from tutor.errors import ErrorList, TutorError, Where, did_you_mean

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TOP_FIELDS = ("id", "title", "topic", "kind", "params", "source", "prompt", "digits", "tolerance", "tags",
              "notes_say", "vary", "constraints")
REQUIRED_FIELDS = ("id", "title", "topic", "kind", "params")
_ID_LINE = re.compile(r"""^id:[ \t]*["']?([^"'\s#]+)""", re.MULTILINE)


@dataclass
class Problem:
    id: str
    title: str
    topic: str
    kind: str
    params: dict[str, Any]
    path: Path | None = None
    source: dict[str, str] | None = None
    prompt: str | None = None
    digits: int | None = None
    tolerance: float | None = None
    tags: list[str] = field(default_factory=list)
    positions: dict[str, Where] = field(default_factory=dict)
    notes_say: list[dict[str, Any]] = field(default_factory=list)
    vary: dict[str, dict[str, Any]] = field(default_factory=dict)  # how `tutor quiz` draws variants
    constraints: list[str] = field(default_factory=list)

    def where(self, path: str) -> Where | None:
        """The position of a field path such as 'params.W_hi[1][0]', or of its nearest enclosing field."""
        return _nearest(self.positions, path) or (Where(str(self.path), 1, 1) if self.path else None)

    def source_text(self) -> str:
        if not self.source:
            return ""
        return ", ".join(v for v in (self.source.get("file"), self.source.get("example")) if v)


# -- where the bank lives ---------------------------------------------------------------------------------------
def builtin_bank() -> Path:
    """`problems/` beside the package in a checkout; the packaged copy in an installed wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "problems", here / "problems"):
        if candidate.is_dir():
            return candidate
    return here.parent / "problems"


def bank_dirs(extra: Iterable[str | os.PathLike[str]] = ()) -> list[Path]:
    dirs = [builtin_bank()]
    env = os.environ.get("TUTOR_BANK", "")
    for entry in [e for e in env.split(":") if e.strip()] + [str(e) for e in extra]:
        p = Path(entry).expanduser()
        if not p.is_dir():
            origin = "TUTOR_BANK" if entry in env.split(":") else "--bank"
            raise TutorError(f"bank directory {entry!r} ({origin}) does not exist or is not a directory")
        if p.resolve() not in [d.resolve() for d in dirs]:
            dirs.append(p)
    return dirs


def problem_files(dirs: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for d in dirs:
        # a `derivations/` folder holds derivations (tutor derive), not problems
        files.extend(sorted(p for p in d.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()
                            and "derivations" not in p.relative_to(d).parts[:-1]))
    return files


# -- YAML with positions ----------------------------------------------------------------------------------------
def _yaml() -> Any:
    from ruamel.yaml import YAML

    y = YAML(typ="rt", pure=True)
    y.allow_duplicate_keys = False
    return y


def read_yaml(text: str, filename: str, float_text: bool = False) -> tuple[Any, dict[str, Where]]:
    """Parse YAML text into plain Python values and a map field-path → Where (1-based). With `float_text`,
    every number stays the text it was written as (a student's 0.660 has three decimals)."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        doc = _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Where(filename, mark.line + 1, mark.column + 1) if mark else Where(filename)
        problem = (exc.problem or exc.context or "malformed YAML").strip()
        if "duplicate key" in problem:
            m = re.search(r'duplicate key "([^"]*)"', problem)
            problem = f"duplicate key {m.group(1)!r}: each key may appear once in a mapping" if m else problem
        raise TutorError(f"malformed YAML: {problem}", where=where) from None
    except YAMLError as exc:
        raise TutorError(f"malformed YAML: {str(exc).splitlines()[0]}", where=Where(filename)) from None
    positions: dict[str, Where] = {}
    return _plain(doc, "", positions, filename, float_text), positions


MAX_NODES = 200_000  # a file's values after YAML aliases are expanded ("billion laughs" stops here)
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:omap")


def _plain(node: Any, path: str, positions: dict[str, Where], filename: str, float_text: bool = False) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar

    if len(positions) > 2 * MAX_NODES:
        raise TutorError(f"the file expands to more than {MAX_NODES} values (through YAML aliases?); a problem or "
                         "derivation file is far smaller", where=Where(filename, 1, 1))
    tag = getattr(getattr(node, "tag", None), "value", None)
    if isinstance(node, TaggedScalar) or (tag and isinstance(node, (CommentedMap, CommentedSeq))
                                          and not tag.startswith(_PLAIN_TAGS)):
        where = positions.get(path) or Where(filename, 1, 1)
        raise TutorError(f"YAML tags such as {tag or '!!tag'} are not allowed; write plain values", where=where,
                         field=path or None)
    if isinstance(node, CommentedMap):
        out = {}
        for k in node:
            sub = f"{path}.{k}" if path else str(k)
            try:
                line, col = node.lc.value(k)
            except (KeyError, TypeError):
                line, col = node.lc.key(k)
            kline, kcol = node.lc.key(k)
            positions[sub] = Where(filename, line + 1, col + 1)
            positions["key:" + sub] = Where(filename, kline + 1, kcol + 1)
            out[str(k) if not isinstance(k, (int, float)) else k] = _plain(node[k], sub, positions, filename,
                                                                         float_text)
        return out
    if isinstance(node, CommentedSeq):
        out_list = []
        for i, item in enumerate(node):
            sub = f"{path}[{i}]"
            line, col = node.lc.item(i)
            positions[sub] = Where(filename, line + 1, col + 1)
            out_list.append(_plain(item, sub, positions, filename, float_text))
        return out_list
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return str(int(node)) if float_text else int(node)
    if isinstance(node, float):
        if float_text or path.startswith("notes_say"):  # keep a figure as written: 0.10 has two decimals
            from tutor.notes_say import float_literal

            text = float_literal(node)
            if float_text:
                return text or repr(float(node))
            return text or float(node)
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


def parse_flow_value(text: str, name: str) -> Any:
    """A --set value as YAML flow: `[1, 2, 3]`, `[[1, 0], [0, 1]]`, `0.5`, `9/25`, `AND`.

    Text starting with '>' or '|' is taken as it is (so `--set fires=>=` works): in YAML those characters
    start a block scalar, which a one-line value never means.
    """
    if text[:1] in (">", "|"):
        return text
    try:
        value, _ = read_yaml(f"v: {text}\n", "--set")
    except TutorError as e:
        raise TutorError(f"--set {name}={text}: {e.message} (values are YAML flow, such as [1, 2] or 0.5)") from None
    return value["v"] if isinstance(value, dict) else value


# -- validation -------------------------------------------------------------------------------------------------
def problem_from_data(data: Any, positions: dict[str, Where], filename: str, path: Path | None) -> Problem:
    """Check a parsed file against the schema; every problem found is reported, not just the first."""
    from tutor.registry import get_kind, known_kind_names

    errors: list[TutorError] = []
    top = Where(filename, 1, 1)

    def err(field_path: str, message: str, key: bool = False) -> None:
        where = positions.get(("key:" if key else "") + field_path) or positions.get(field_path) or top
        errors.append(TutorError(message, where=where, field=field_path))

    if not isinstance(data, dict):
        raise TutorError("expected a mapping of fields (id, title, topic, kind, params, ...) at the top of the file",
                         where=top)
    for k in data:
        if k not in TOP_FIELDS:
            err(str(k), f"unknown field{did_you_mean(str(k), TOP_FIELDS)}; the fields are {', '.join(TOP_FIELDS)}",
                key=True)
    for k in REQUIRED_FIELDS:
        if k not in data:
            errors.append(TutorError(f"missing; every problem needs {', '.join(REQUIRED_FIELDS)}", where=top, field=k))

    pid = data.get("id")
    if "id" in data and (not isinstance(pid, str) or not SLUG.match(pid)):
        err("id", f"expected a slug of lower-case letters, digits and hyphens such as 'lstm-step', got {pid!r}")
    for k in ("title", "topic", "prompt"):
        if k in data and (not isinstance(data[k], str) or not data[k].strip()):
            err(k, f"expected text, got {data[k]!r}")
    if isinstance(data.get("topic"), str) and not SLUG.match(data["topic"]):
        err("topic", f"expected a slug such as 'recurrent' or 'attention', got {data['topic']!r}")
    digits = data.get("digits")
    if "digits" in data and (isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 15):
        err("digits", f"expected a whole number of significant digits from 1 to 15, got {digits!r}")
    tol = data.get("tolerance")
    if "tolerance" in data and (isinstance(tol, bool) or not isinstance(tol, (int, float)) or not tol > 0
                                or tol != tol or tol == float("inf")):
        err("tolerance", f"expected a positive number, got {tol!r}")
    tags = data.get("tags", [])
    if "tags" in data and (not isinstance(tags, list) or not all(isinstance(t, str) for t in tags)):
        err("tags", f"expected a list of words such as [lstm, recurrent], got {tags!r}")
    source = data.get("source")
    if "source" in data:
        if isinstance(source, str):
            source = {"file": source}
        elif not (isinstance(source, dict) and set(source) <= {"file", "example"} and "file" in source
                  and all(isinstance(v, str) for v in source.values())):
            err("source", "expected text, or a mapping with 'file' (the notes file) and optionally 'example'")
            source = None

    notes_say: list[dict[str, Any]] = []
    if "notes_say" in data:
        from tutor.notes_say import check_structure

        notes_say = check_structure(data["notes_say"], err)

    kind_name = data.get("kind")
    kind = None
    if "kind" in data:
        if not isinstance(kind_name, str) or get_kind(kind_name) is None:
            err("kind", f"unknown kind {kind_name!r}{did_you_mean(str(kind_name), known_kind_names())}; "
                        f"'tutor kinds' lists them")
        else:
            kind = get_kind(kind_name)
    params = data.get("params")
    if "params" in data and not isinstance(params, dict):
        err("params", f"expected a mapping of parameter names to values, got {params!r}")
        params = None
    if kind is not None and isinstance(params, dict):
        from tutor.params import coerce

        names = [p.name for p in kind.params]
        for name, value in params.items():
            p = kind.param(str(name))
            if p is None:
                err(f"params.{name}", f"kind {kind.name} has no parameter {name!r}{did_you_mean(str(name), names)}; "
                                      f"its parameters are {', '.join(names)}", key=True)
                continue
            try:
                coerce(p, value)
            except TutorError as e:
                field_path = f"params.{e.field or name}"
                errors.append(TutorError(e.message, where=_nearest(positions, field_path) or top, field=field_path))
        for p in kind.params:
            if p.required and p.name not in params:
                err("params", f"missing required parameter {p.name!r} of kind {kind.name} ({p.meaning})")
    vary: dict[str, dict[str, Any]] = {}
    constraints: list[str] = []
    if "vary" in data or "constraints" in data:
        from tutor.variants import check_constraints, check_vary

        if "vary" in data:
            vary = check_vary(data["vary"], kind, params if isinstance(params, dict) else {}, err)
        elif "constraints" in data:
            err("constraints", "constraints restrict the variants drawn from `vary`; this problem has no `vary`")
        if "constraints" in data:
            constraints = check_constraints(data["constraints"], err)
    if errors:
        raise ErrorList(errors) if len(errors) > 1 else errors[0]
    return Problem(id=str(pid), title=data["title"].strip(), topic=data["topic"], kind=str(kind_name),
                   params=params or {}, path=path, source=source, prompt=(data.get("prompt") or "").strip() or None,
                   digits=digits, tolerance=float(tol) if tol is not None else None, tags=list(tags),
                   positions=positions, notes_say=notes_say, vary=vary, constraints=constraints)


def _nearest(positions: dict[str, Where], path: str) -> Where | None:
    while path:
        if path in positions:
            return positions[path]
        cut = max(path.rfind("."), path.rfind("["))
        if cut <= 0:
            return None
        path = path[:cut]
    return None


def read_file(path: Path) -> tuple[Any, dict[str, Where], str]:
    """A YAML file's data, the positions of its fields, and its name as shown in messages (through the parse
    cache). Problem files and derivation files are both read this way."""
    filename = _display_path(path)
    cached = _cache_get(path, filename)
    if cached is not None:
        return (*cached, filename)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TutorError("no such file", where=Where(filename)) from None
    except (OSError, UnicodeDecodeError) as e:
        raise TutorError(f"cannot read the file ({e.__class__.__name__}: {e})", where=Where(filename)) from None
    data, positions = read_yaml(text, filename)
    _cache_put(path, data, positions)
    return data, positions, filename


def load_file(path: Path) -> Problem:
    data, positions, filename = read_file(path)
    return problem_from_data(data, positions, filename, path)


# -- parse cache ------------------------------------------------------------------------------------------------
# ruamel's round-trip parser is pure Python (~25 ms for a small file, plus ~10 ms to import). A parsed file is
# kept as JSON (its data and the positions of its fields) keyed by path and content (a hash of the text), so an
# unchanged file is read back in well under a millisecond. TUTOR_NO_CACHE=1 turns this off. Only successfully
# parsed files are cached, and validation always runs again, so the cache can never hide an error.
_CACHE_VERSION = 2  # 2: notes_say figures kept as written


def _cache_dir() -> Path | None:
    if os.environ.get("TUTOR_NO_CACHE"):
        return None
    base = os.environ.get("TUTOR_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tutor" if not os.environ.get("TUTOR_CACHE_DIR") else Path(base)


def _cache_key(path: Path) -> tuple[Path, str] | None:
    d = _cache_dir()
    if d is None:
        return None
    try:
        st = path.stat()
        real = str(path.resolve())
    except OSError:
        return None
    import hashlib

    try:
        content = path.read_bytes()  # the key is the text itself: a restored modification time cannot fool it
    except OSError:
        return None
    digest = hashlib.sha1(f"{_CACHE_VERSION}|{real}|{st.st_size}|".encode() + content).hexdigest()
    return d / f"{digest[:24]}.json", real


def _cache_get(path: Path, filename: str) -> tuple[Any, dict[str, Where]] | None:
    key = _cache_key(path)
    if key is None or not key[0].is_file():
        return None
    import json

    try:
        blob = json.loads(key[0].read_text(encoding="utf-8"))
        if blob.get("path") != key[1]:
            return None
        positions = {k: Where(filename, v[0], v[1]) for k, v in blob["positions"].items()}
        return blob["data"], positions
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def _cache_put(path: Path, data: Any, positions: dict[str, Where]) -> None:
    key = _cache_key(path)
    if key is None:
        return
    import json

    try:
        blob = {"path": key[1], "data": data,
                "positions": {k: [w.line, w.col] for k, w in positions.items()}}
        text = json.dumps(blob, allow_nan=True)
        key[0].parent.mkdir(parents=True, exist_ok=True)
        tmp = key[0].with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, key[0])  # atomic: a concurrent reader sees the old file or the new one
    except (OSError, TypeError, ValueError):
        pass  # a cache that cannot be written is only slower


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# -- finding problems -------------------------------------------------------------------------------------------
@dataclass
class Bank:
    problems: list[Problem]
    errors: list[TutorError]


def load_bank(extra: Iterable[str] = ()) -> Bank:
    """Every problem in every bank directory; errors are collected (one broken file doesn't hide the rest)."""
    problems, errors = load_each(problem_files(bank_dirs(extra)), load_file, lambda p: p.id, _duplicate)
    return Bank(problems, errors)


T = TypeVar("T")


def load_each(files: Iterable[Path], load: Callable[[Path], T], key: Callable[[T], str],
              duplicate: Callable[[T, T], TutorError]) -> tuple[list[T], list[TutorError]]:
    """Load every file, collecting the errors of all of them, and keep the first of each key (problems by id,
    derivations by name); a later one with the same key is an error of its own."""
    loaded: list[T] = []
    errors: list[TutorError] = []
    seen: dict[str, T] = {}
    for f in files:
        try:
            item = load(f)
        except ErrorList as e:
            errors.extend(e.errors)
            continue
        except TutorError as e:
            errors.append(e)
            continue
        if key(item) in seen:
            errors.append(duplicate(item, seen[key(item)]))
            continue
        seen[key(item)] = item
        loaded.append(item)
    return loaded, errors


def _duplicate(p: Problem, first: Problem) -> TutorError:
    return TutorError(f"duplicate id {p.id!r}: also defined in {first.where('id')}; ids must be unique across banks",
                      where=p.where("id"), field="id")


def id_where(path: Path) -> Where:
    """The position of a file's `id:` line, found without parsing the file."""
    text = path.read_text(encoding="utf-8", errors="replace")
    m = _ID_LINE.search(text)
    if not m:
        return Where(_display_path(path), 1, 1)
    line = text.count("\n", 0, m.start()) + 1
    return Where(_display_path(path), line, m.start(1) - m.start() + 1)


def bank_ids(extra: Iterable[str] = ()) -> dict[str, list[Path]]:
    """Every id in the banks (built-in, TUTOR_BANK, --bank) → the files that declare it, from their `id:` lines."""
    out: dict[str, list[Path]] = {}
    for f in problem_files(bank_dirs(extra)):
        try:
            found = _ID_LINE.findall(f.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
        for pid in found[:1]:
            out.setdefault(pid, []).append(f)
    return out


def find_problem(problem_id: str, extra: Iterable[str] = ()) -> Problem:
    """One problem by id. Reads every file's `id:` line with a regex and parses only the match (fast start-up);
    falls back to a full load when the id is written in some unusual way."""
    files = problem_files(bank_dirs(extra))
    candidates: list[Path] = []
    ids: list[str] = []
    for f in files:
        try:
            head = f.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found = _ID_LINE.findall(head)
        ids.extend(found)
        if problem_id in found:
            candidates.append(f)
    if len(candidates) > 1:
        first, second = (id_where(c) for c in candidates[:2])
        raise TutorError(f"duplicate id {problem_id!r}: also defined in {first}; ids must be unique across banks",
                         where=second, field="id")
    if candidates:
        problem = load_file(candidates[0])
        if problem.id == problem_id:
            return problem
    bank = load_bank(extra)
    for p in bank.problems:
        if p.id == problem_id:
            return p
    known = sorted(set(ids) | {p.id for p in bank.problems})
    raise TutorError(f"unknown problem id {problem_id!r}{did_you_mean(problem_id, known)}; "
                     f"'tutor list' shows the {len(known)} problems")
