"""Derivation files: YAML → `Derivation`, with every error located (file:line:col, field).

A derivation is data, like a problem: a title, where it is in the notes, the notation (`symbols`), the sizes
and indices the lines range over, definitions (`S: Sum(exp(z[k]), k, 1, n)`), and parts. Each part starts from
an expression (`from`, or the derivation's `goal`) and has lines, each with the rule it applies and the
expression it leads to; a part may hold a case (`when: i == j`). `notes_say` records a line the notes write
that is false: it is checked too, and must fail. See README, "Writing derivations".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tutor.derivations.lang import Node, names, parse, replace, walk
from tutor.errors import ErrorList, TutorError, Where

FORMAT_VERSION = 1
TOP_KEYS = {"format_version", "name", "title", "topic", "source", "summary", "symbols", "functions", "sizes",
            "indices", "random", "define", "goal", "parts", "notes", "conventions"}
PART_KEYS = {"title", "when", "from", "lines", "notes_say", "note"}
LINE_KEYS = {"rule", "expr", "why", "using"}
NOTES_KEYS = {"after", "expr", "says"}
NAME_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass
class Line:
    rule: str
    expr: Node
    why: str = ""
    using: dict[Node, Node] = field(default_factory=dict)
    path: str = ""


@dataclass
class NotesLine:
    """A line as the notes write it, following line `after` of its part (0: the part's start)."""

    after: int
    expr: Node
    says: str
    path: str = ""


@dataclass
class Part:
    title: str
    start: Node
    lines: list[Line]
    when: list[Node] = field(default_factory=list)
    notes_say: list[NotesLine] = field(default_factory=list)
    note: str = ""
    index_conditions: list[Node] = field(default_factory=list)
    conditions: list[Node] = field(default_factory=list)  # other conditions: numeric checks respect them
    signs: dict[str, str] = field(default_factory=dict)
    when_text: str = ""
    path: str = ""


@dataclass
class Derivation:
    name: str
    title: str
    topic: str
    parts: list[Part]
    source: str = ""
    summary: str = ""
    notes: list[str] = field(default_factory=list)
    conventions: list[str] = field(default_factory=list)
    symbols: dict[str, dict[str, Any]] = field(default_factory=dict)
    functions: set[str] = field(default_factory=set)
    sizes: dict[str, list[int]] = field(default_factory=dict)
    indices: dict[str, str] = field(default_factory=dict)
    random: dict[str, dict[str, str]] = field(default_factory=dict)
    defines: dict[str, tuple[Node, Node]] = field(default_factory=dict)  # name → (pattern, body)
    define_order: list[str] = field(default_factory=list)
    goal: Node | None = None
    path: Path | None = None
    positions: dict[str, Where] = field(default_factory=dict)

    def where(self, path: str) -> Where | None:
        while path:
            if path in self.positions:
                return self.positions[path]
            cut = max(path.rfind("."), path.rfind("["))
            if cut <= 0:
                break
            path = path[:cut]
        return Where(str(self.path), 1, 1) if self.path else None

    # -- what check.py asks -------------------------------------------------------------------------------
    def assumption(self, name: str) -> str | None:
        decl = self.symbols.get(name) or {}
        if decl.get("positive"):
            return "positive"
        if decl.get("negative"):
            return "negative"
        return None

    def definition(self, name: str) -> Node | None:
        entry = self.defines.get(name)
        if entry is None or entry[0].kind != "name":
            return None
        return entry[1]

    def indexed_definition(self, base: str, args: tuple[Node, ...]) -> Node | None:
        entry = self.defines.get(base)
        if entry is None or entry[0].kind != "index" or len(entry[0].args) != len(args):
            return None
        return replace(entry[1], dict(zip(entry[0].args, args)))

    def function_definition(self, fn: str, args: tuple[Node, ...]) -> Node | None:
        entry = self.defines.get(fn)
        if entry is None or entry[0].kind != "call" or len(entry[0].args) != len(args):
            return None
        return replace(entry[1], dict(zip(entry[0].args, args)))

    def names_used(self, part: Part) -> set[str]:
        """Every name the part's lines reach, through definitions too (so `S` brings in n)."""
        todo = [part.start, *(ln.expr for ln in part.lines), *part.when, *(ns.expr for ns in part.notes_say)]
        for ln in part.lines:
            todo.extend(ln.using.values())
        seen: set[str] = set()
        while todo:
            n = todo.pop()
            for m in walk(n):
                key = m.value if m.kind in ("name", "index", "call") else None
                if key is None or key in seen:
                    continue
                seen.add(key)
                if key in self.defines:
                    todo.append(self.defines[key][1])
                if key in self.random:
                    seen.add(self.random[key]["size"])
        return seen


# -- loading ----------------------------------------------------------------------------------------------------
def load_file(path: Path) -> Derivation:
    from tutor.bank import read_file

    data, positions, filename = read_file(path)
    return from_data(data, positions, filename, path)


def from_data(data: Any, positions: dict[str, Where], filename: str, path: Path | None = None) -> Derivation:
    errors: list[TutorError] = []

    def where(p: str) -> Where:
        q = p
        while q:
            if q in positions:
                return positions[q]
            cut = max(q.rfind("."), q.rfind("["))
            if cut <= 0:
                break
            q = q[:cut]
        return Where(filename, 1, 1)

    def err(p: str, message: str, key: bool = False) -> None:
        errors.append(TutorError(message, where=positions.get("key:" + p) if key else where(p), field=p))

    def misspelt(p: str, present: Any) -> bool:
        """A key close to `p`'s last part is there (rul: for rule:): its unknown-field error says it all."""
        import difflib

        want = p.rsplit(".", 1)[-1]
        others = [str(k) for k in (present or {}) if str(k) != want]
        return bool(difflib.get_close_matches(want, others, n=1, cutoff=0.6))

    if not isinstance(data, dict):
        raise TutorError("a derivation file is a mapping with name, title, topic and parts",
                         where=Where(filename, 1, 1))
    for k in data:
        if k not in TOP_KEYS:
            from tutor.errors import did_you_mean

            err(str(k), f"unknown field{did_you_mean(str(k), TOP_KEYS)}; expected one of "
                        f"{', '.join(sorted(TOP_KEYS))}", key=True)
    if data.get("format_version", FORMAT_VERSION) != FORMAT_VERSION:
        err("format_version", f"format_version {data.get('format_version')!r} is not supported; this tutor "
                              f"reads version {FORMAT_VERSION}")

    def text(p: str, required: bool = False) -> str:
        v = data.get(p)
        if v is None:
            if required and not misspelt(p, data):
                err(p, f"missing field {p!r}")
            return ""
        if not isinstance(v, str) or not v.strip():
            err(p, f"{p} must be non-empty text, got {v!r}")
            return ""
        return v.strip()

    name = text("name", required=True)
    if name and not NAME_RE.fullmatch(name):
        err("name", f"name {name!r} must be lower-case words joined by '-', like softmax-jacobian")
    title, topic, summary = text("title", True), text("topic", True), text("summary")
    source = data.get("source") or ""
    if isinstance(source, dict):
        source = ", ".join(str(v) for v in source.values() if v)
    elif not isinstance(source, str):
        err("source", "source must be text or a mapping (file, section)")
        source = ""

    def texts(key: str) -> list[str]:
        v = data.get(key) or []
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
            err(key, f"{key} must be a list of sentences")
            return []
        return [s.strip() for s in v]

    symbols: dict[str, dict[str, Any]] = {}
    raw_symbols = data.get("symbols") or {}
    if not isinstance(raw_symbols, dict):
        err("symbols", "symbols must map a name to {text, latex, positive, negative}")
        raw_symbols = {}
    for s, decl in raw_symbols.items():
        p = f"symbols.{s}"
        if not isinstance(decl, dict) or set(decl) - {"text", "latex", "positive", "negative"}:
            err(p, "each symbol takes text, latex, positive and negative, nothing else")
            continue
        symbols[str(s)] = decl

    functions = data.get("functions") or []
    if not isinstance(functions, list) or not all(isinstance(f, str) and f.isidentifier() for f in functions):
        err("functions", "functions must be a list of names, like [f, g]")
        functions = []
    raw_define = data.get("define") or {}
    if not isinstance(raw_define, dict):
        err("define", "define must map a name (or name[i], or f(u)) to an expression")
        raw_define = {}
    fn_names = set(functions)
    for key in raw_define:
        m = re.match(r"\s*([A-Za-z]\w*)\s*\(", str(key))
        if m:
            fn_names.add(m.group(1))

    def expr(p: str, value: Any, what: str) -> Node | None:
        try:
            return parse(value, what=what, functions=fn_names)
        except TutorError as e:
            err(p, e.message)
            return None

    sizes: dict[str, list[int]] = {}
    for s, vals in (data.get("sizes") or {}).items():
        vals = vals if isinstance(vals, list) else [vals]
        if not vals or not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 8 for v in vals):
            err(f"sizes.{s}", f"sizes.{s} must be whole numbers from 1 to 8 (the values to check with), "
                              f"got {vals!r}")
            continue
        sizes[str(s)] = vals
    indices: dict[str, str] = {}
    for i, size in (data.get("indices") or {}).items():
        if size not in sizes and size in (data.get("sizes") or {}):
            continue  # its size is wrong, and says so
        if size not in sizes:
            err(f"indices.{i}", f"index {i} ranges over 1..{size}, but {size!r} is not in sizes "
                                f"({', '.join(sizes) or 'none'})")
            continue
        indices[str(i)] = str(size)
    random_vars: dict[str, dict[str, str]] = {}
    for r, spec in (data.get("random") or {}).items():
        if not isinstance(spec, dict) or set(spec) != {"values", "probs", "size"} or spec.get("size") not in sizes:
            err(f"random.{r}", "a random variable takes values (a name), probs (a name) and size (one of sizes)")
            continue
        random_vars[str(r)] = {k: str(v) for k, v in spec.items()}

    defines: dict[str, tuple[Node, Node]] = {}
    for key, body in raw_define.items():
        p = f"define.{key}"
        pattern = expr(p, key, "the defined name")
        value = expr(p, body, "the definition")
        if pattern is None or value is None:
            continue
        if pattern.kind not in ("name", "index", "call") or any(a.kind != "name" for a in pattern.args):
            err(p, f"define a name, name[i] or f(u, v) (with names as parameters), not {key!r}")
            continue
        if pattern.value in names(value) and pattern.kind == "name":
            err(p, f"{pattern.value} is defined in terms of itself")
            continue
        defines[str(pattern.value)] = (pattern, value)

    goal = expr("goal", data["goal"], "the goal") if data.get("goal") is not None else None
    parts: list[Part] = []
    raw_parts = data.get("parts")
    if not isinstance(raw_parts, list) or not raw_parts:
        if raw_parts is not None or not misspelt("parts", data):
            err("parts", "parts must be a list of at least one part, each with lines")
        raw_parts = []
    for k, rp in enumerate(raw_parts):
        pp = f"parts[{k}]"
        if not isinstance(rp, dict):
            err(pp, "a part is a mapping with title, lines and optionally when, from, notes_say, note")
            continue
        for key in rp:
            if key not in PART_KEYS:
                err(f"{pp}.{key}", f"unknown field; a part takes {', '.join(sorted(PART_KEYS))}", key=True)
        start = expr(f"{pp}.from", rp["from"], "the starting expression") if rp.get("from") is not None else goal
        if start is None and rp.get("from") is None and data.get("goal") is None:
            err(pp, "a part needs `from` (its starting expression) when the derivation has no `goal`")
        when_raw = rp.get("when") or []
        when_raw = when_raw if isinstance(when_raw, list) else [when_raw]
        when = [w for j, c in enumerate(when_raw) if (w := expr(f"{pp}.when", c, "the condition")) is not None]
        lines: list[Line] = []
        raw_lines = rp.get("lines")
        if not isinstance(raw_lines, list) or not raw_lines:
            if raw_lines is not None or not misspelt(f"{pp}.lines", rp):
                err(f"{pp}.lines", "lines must be a list of at least one {rule, expr}")
            raw_lines = []
        for j, rl in enumerate(raw_lines):
            lp = f"{pp}.lines[{j}]"
            if not isinstance(rl, dict):
                err(lp, "a line is a mapping with rule and expr (and optionally why, using)")
                continue
            for key in rl:
                if key not in LINE_KEYS:
                    err(f"{lp}.{key}", f"unknown field; a line takes {', '.join(sorted(LINE_KEYS))}", key=True)
            rule = rl.get("rule")
            if not isinstance(rule, str) or not rule.strip():
                if rule is not None or not misspelt(f"{lp}.rule", rl):
                    err(f"{lp}.rule", "each line names the rule it applies (quotient rule, chain rule, algebra, …)")
                rule = ""
            e = expr(f"{lp}.expr", rl.get("expr"), "the line") if rl.get("expr") is not None else None
            if rl.get("expr") is None:
                err(lp, "a line needs expr")
            using: dict[Node, Node] = {}
            for a, b in (rl.get("using") or {}).items():
                na, nb = expr(f"{lp}.using", a, "the replaced expression"), expr(f"{lp}.using", b, "its value")
                if na is not None and nb is not None:
                    using[na] = nb
            why = rl.get("why") or ""
            if e is not None:
                lines.append(Line(rule.strip(), e, str(why).strip(), using, lp))
        notes: list[NotesLine] = []
        for j, rn in enumerate(rp.get("notes_say") or []):
            np_ = f"{pp}.notes_say[{j}]"
            if not isinstance(rn, dict) or set(rn) - NOTES_KEYS or not {"after", "expr", "says"} <= set(rn):
                err(np_, "notes_say takes after (the line number it follows, 0 for the start), expr and says")
                continue
            after = rn["after"]
            if not isinstance(after, int) or not 0 <= after <= len(raw_lines):
                err(f"{np_}.after", f"after must be a line number from 0 to {len(raw_lines)}, got {after!r}")
                continue
            e = expr(f"{np_}.expr", rn["expr"], "the notes' line")
            if e is not None:
                notes.append(NotesLine(after, e, str(rn["says"]).strip(), np_))
        part = Part(str(rp.get("title") or f"Part {k + 1}").strip(), start or Node("num", "0"), lines, when,
                    notes, str(rp.get("note") or "").strip(), path=pp)
        _classify(part, indices, sizes, f"{pp}.when", err)
        parts.append(part)
    if errors:
        raise ErrorList(errors) if len(errors) > 1 else errors[0]
    return Derivation(name=name, title=title, topic=topic, parts=parts, source=source, summary=summary,
                      notes=texts("notes"), conventions=texts("conventions"), symbols=symbols,
                      functions=fn_names, sizes=sizes, indices=indices, random=random_vars, defines=defines,
                      define_order=list(defines), goal=goal, path=path, positions=positions)


def _classify(part: Part, indices: dict[str, str], sizes: dict[str, list[int]], p: str, err: Any) -> None:
    """Sort a part's conditions: on indices (i = j picks the instances), a sign (x > 0 makes x positive for
    sympy), or anything else (a ≠ 1: the numeric check keeps to it)."""
    shown = []
    for c in part.when:
        if c.kind != "cmp":
            err(p, f"a condition compares two things, like i == j or x > 0; got {c}")
            continue
        a, b = c.args
        used = names(c)
        if used and used <= set(indices) | set(sizes):
            part.index_conditions.append(c)
        elif a.kind == "name" and b == Node("num", "0") and c.value in ("<", ">"):
            part.signs[a.value] = "positive" if c.value == ">" else "negative"
        else:
            part.conditions.append(c)
        shown.append(c)
    from tutor.derivations.lang import unparse

    part.when_text = ", ".join(unparse(c).replace("==", "=").replace("!=", "≠") for c in shown)
