"""The progress store: every check-my-answer and quiz attempt, step by step, in one SQLite file.

The file lives in the user's data directory (see `data_dir`) and is opened lazily: reading progress that was
never written creates nothing, and the directory and schema appear on the first write. Each write is its own
short transaction, committed at once, so Ctrl-C in the middle of a quiz loses no answered step; WAL journal mode
and a busy timeout let two quizzes in two terminals write at the same time without losing a row.

A file at that path that is not ours (not SQLite, another program's SQLite, a newer tutor's schema) is refused
with a one-line TutorError and never touched: the header's `application_id` marks a tutor database and its
`user_version` the schema version.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar, cast

from tutor.errors import TutorError

DB_NAME = "progress.sqlite3"
APPLICATION_ID = 0x54555452  # "TUTR": marks the file as ours in the SQLite header
SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 10.0
LOCK_RETRIES = 4
MODES = ("check", "quiz")
STATUSES = ("correct", "wrong", "carried_forward", "missing", "revealed")
# A step worked correctly from the student's own earlier (wrong) value earns credit, as "error carried forward"
# does in exam marking, so it counts as correct; missing and revealed steps count against the share of correct.
CORRECT_STATUSES = ("correct", "carried_forward")
UNSEEN_WEIGHT = 3.0  # weight of a topic never practised: between a shaky topic and a failing one
WEIGHT_SPAN = 3.0  # a seen topic's weight is 1 + WEIGHT_SPAN · (1 − smoothed share of correct steps)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id          INTEGER PRIMARY KEY,
    problem_id  TEXT NOT NULL,
    topic       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    mode        TEXT NOT NULL CHECK (mode IN ('check', 'quiz')),
    seed        INTEGER,
    params      TEXT,               -- JSON, or NULL
    started_at  TEXT NOT NULL,      -- UTC ISO 8601
    finished_at TEXT,               -- NULL while unfinished (or interrupted)
    solved      INTEGER             -- NULL while unfinished, else 0 or 1
);
CREATE TABLE IF NOT EXISTS steps (
    id          INTEGER PRIMARY KEY,
    attempt_id  INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    status      TEXT NOT NULL
                CHECK (status IN ('correct', 'wrong', 'carried_forward', 'missing', 'revealed')),
    given       TEXT,
    expected    TEXT,
    mistake     TEXT,
    hints       INTEGER NOT NULL DEFAULT 0 CHECK (hints >= 0),
    at          TEXT NOT NULL       -- UTC ISO 8601
);
CREATE INDEX IF NOT EXISTS steps_by_attempt ON steps(attempt_id);
CREATE INDEX IF NOT EXISTS attempts_by_problem ON attempts(problem_id);
"""

T = TypeVar("T")


# -- where the file lives ---------------------------------------------------------------------------------------
def data_dir() -> Path:
    """$TUTOR_HOME if set, else the platform's per-user data directory with a `tutor` folder in it.

    Linux and other Unixes follow the XDG base directory spec ($XDG_DATA_HOME, ignored when relative as the spec
    says, else ~/.local/share); macOS uses ~/Library/Application Support; Windows uses %APPDATA% (roaming).
    """
    home = os.environ.get("TUTOR_HOME")
    if home:
        return Path(home).expanduser()
    if sys.platform == "win32":
        appdata = os.environ.get("APPDATA")
        return (Path(appdata) if appdata else Path.home() / "AppData" / "Roaming") / "tutor"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "tutor"
    xdg = os.environ.get("XDG_DATA_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "tutor"
    return Path.home() / ".local" / "share" / "tutor"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _is_lock_error(error: sqlite3.Error) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


def _jsonable(value: Any) -> Any:
    """numpy arrays and scalars as plain lists and numbers; anything else as its text (a record, not a contract)."""
    for method in ("tolist", "item"):
        if hasattr(value, method):
            return getattr(value, method)()
    return str(value)


# -- the store --------------------------------------------------------------------------------------------------
class Store:
    """Attempts and their steps in one SQLite file; one connection per process, opened on first use."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else data_dir() / DB_NAME
        self._conn: sqlite3.Connection | None = None
        self._pid: int | None = None
        self._has_schema = False
        self._wal = False

    # -- lifecycle ----------------------------------------------------------------------------------------------
    def close(self) -> None:
        if self._conn is not None and self._pid == os.getpid():
            self._conn.close()
        self._conn = None
        self._has_schema = self._wal = False

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ------------------------------------------------------------------------------------------------
    def start_attempt(self, problem_id: str, topic: str, kind: str, mode: str,
                      seed: int | None = None, params: dict | None = None) -> int:
        """A new attempt at a problem; its id is what record_step and finish_attempt take."""
        for name, value in (("problem_id", problem_id), ("topic", topic), ("kind", kind)):
            if not isinstance(value, str) or not value:
                raise TutorError(f"expected a non-empty text, got {value!r}", field=name)
        if mode not in MODES:
            raise TutorError(f"expected one of {', '.join(MODES)}, got {mode!r}", field="mode")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TutorError(f"expected a whole number or nothing, got {seed!r}", field="seed")
        params_text = None if params is None else json.dumps(params, sort_keys=True, default=_jsonable)

        def insert(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                "INSERT INTO attempts (problem_id, topic, kind, mode, seed, params, started_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (problem_id, topic, kind, mode, seed, params_text, _now()))
            assert cur.lastrowid is not None
            return cur.lastrowid

        return self._write(insert)

    def record_step(self, attempt_id: int, key: str, status: str, given: str | None, expected: str | None,
                    mistake: str | None = None, hints: int = 0) -> None:
        """One judged step of an attempt, committed before this returns."""
        if status not in STATUSES:
            raise TutorError(f"expected one of {', '.join(STATUSES)}, got {status!r}", field="status")
        if not isinstance(key, str) or not key:
            raise TutorError(f"expected a non-empty step key, got {key!r}", field="key")
        for name, value in (("given", given), ("expected", expected), ("mistake", mistake)):
            if value is not None and not isinstance(value, str):
                raise TutorError(f"expected a text or nothing, got {value!r}", field=name)
        if isinstance(hints, bool) or not isinstance(hints, int) or hints < 0:
            raise TutorError(f"expected a whole number ≥ 0, got {hints!r}", field="hints")

        def insert(conn: sqlite3.Connection) -> None:
            self._require_attempt(conn, attempt_id)
            conn.execute(
                "INSERT INTO steps (attempt_id, key, status, given, expected, mistake, hints, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (attempt_id, key, status, given, expected, mistake or None, hints, _now()))

        self._write(insert)

    def finish_attempt(self, attempt_id: int, solved: bool) -> None:
        """Mark an attempt finished; an attempt never finished (Ctrl-C) keeps its steps and counts as unsolved."""

        def update(conn: sqlite3.Connection) -> None:
            self._require_attempt(conn, attempt_id)
            conn.execute("UPDATE attempts SET finished_at = ?, solved = ? WHERE id = ?",
                         (_now(), 1 if solved else 0, attempt_id))

        self._write(update)

    def reset(self) -> int:
        """Delete every attempt and step (the schema stays); returns how many attempts were deleted."""
        if self._connection(create=False) is None:
            return 0

        def delete(conn: sqlite3.Connection) -> int:
            n = conn.execute("SELECT count(*) FROM attempts").fetchone()[0]
            conn.execute("DELETE FROM steps")
            conn.execute("DELETE FROM attempts")
            return int(n)

        return self._write(delete)

    # -- reading ------------------------------------------------------------------------------------------------
    def summary(self, problems: list[tuple[str, str]]) -> dict:
        """JSON-ready progress per topic of the bank (`problems` is (id, topic) for every problem in it).

        An attempt is counted under its problem's topic in the bank, or under the topic it was recorded with when
        the problem has left the bank; problems_solved/attempted count only problems in the bank, so a fraction
        never exceeds 1. A problem is solved when any attempt at it was finished with solved=True.
        """
        bank_topic = dict(problems)
        topic_order = list(dict.fromkeys(topic for _, topic in problems))
        loaded = self._read(_load_counts)
        per_problem, per_step = loaded if loaded is not None else ([], [])

        topics: dict[str, dict[str, Any]] = {t: _empty_topic(t) for t in topic_order}
        for t in topics:
            topics[t]["problems_total"] = sum(1 for _, topic in problems if topic == t)
        mistakes_by_topic: dict[str, Counter[str]] = {}

        def entry(problem_id: str, stored_topic: str) -> dict[str, Any]:
            topic = bank_topic.get(problem_id, stored_topic)
            if topic not in topics:
                topics[topic] = _empty_topic(topic)
            return topics[topic]

        attempts = 0
        solved_ids: set[str] = set()
        for problem_id, stored_topic, n, solved in per_problem:
            row = entry(problem_id, stored_topic)
            row["attempts"] += n
            attempts += n
            if problem_id in bank_topic:
                row["problems_attempted"] += 1
                if solved:
                    row["problems_solved"] += 1
                    solved_ids.add(problem_id)
        for problem_id, stored_topic, status, mistake, n, hints in per_step:
            row = entry(problem_id, stored_topic)
            if status in CORRECT_STATUSES:
                row["steps_correct"] += n
            elif status == "wrong":
                row["steps_wrong"] += n
            row["hints_used"] += hints
            if mistake:
                mistakes_by_topic.setdefault(row["topic"], Counter())[mistake] += n

        every_mistake: Counter[str] = Counter()
        for topic, counts in mistakes_by_topic.items():
            topics[topic]["mistakes"] = _ranked(counts)
            topics[topic]["most_frequent_mistake"] = next(iter(topics[topic]["mistakes"]), None)
            every_mistake.update(counts)
        extra = sorted(t for t in topics if t not in set(topic_order))
        return {
            "path": str(self.path),
            "attempts": attempts,
            "problems_solved": len(solved_ids),
            "problems_total": len(bank_topic),
            "topics": [topics[t] for t in topic_order + extra],
            "mistakes": _ranked(every_mistake),
        }

    def weak_topics(self, topics: Iterable[str] = ()) -> dict[str, float]:
        """Topic → weight ≥ 1 for choosing quiz items: the weaker the topic, the larger its weight.

        A practised topic weighs 1 + WEIGHT_SPAN · (1 − s), where s = (correct + 1) / (steps + 2) is its share of
        correct steps with one imagined right and one imagined wrong step, so two lucky answers do not make a topic
        look mastered. `topics` (e.g. every topic in the bank) adds the unpractised ones at UNSEEN_WEIGHT; a
        caller without that list should treat a missing topic as UNSEEN_WEIGHT too.
        """
        rows = self._read(_load_topic_steps) or []
        weights = {topic: UNSEEN_WEIGHT for topic in topics}
        for topic, correct, total in rows:
            share = (correct + 1) / (total + 2)
            weights[topic] = 1.0 + WEIGHT_SPAN * (1.0 - share)
        return weights

    # -- the connection -----------------------------------------------------------------------------------------
    def _write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` in its own immediate transaction and commit, retrying a few times if the file stays locked."""
        # creating, the connection always opens, so the transaction's result is work's own
        return cast(T, self._transaction(work, create=True, begin="BEGIN IMMEDIATE", doing="cannot write"))

    def _read(self, work: Callable[[sqlite3.Connection], T]) -> T | None:
        """Run `work` in one read transaction (a consistent snapshot); None when nothing was ever written."""
        return self._transaction(work, create=False, begin="BEGIN", doing="cannot read")

    def _transaction(self, work: Callable[[sqlite3.Connection], T], *, create: bool, begin: str,
                     doing: str) -> T | None:
        """One transaction, retried with back-off while another process holds the lock; rolled back on any
        error (a TutorError from `work`, or Ctrl-C), so nothing half-written stays. None when reading a
        database that was never written."""
        for attempt in range(LOCK_RETRIES):
            conn = self._connection(create=create)
            if conn is None:
                return None
            try:
                conn.execute(begin)
                result = work(conn)
                conn.execute("COMMIT")
                return result
            except sqlite3.OperationalError as e:
                self._rollback(conn)
                if _is_lock_error(e) and attempt < LOCK_RETRIES - 1:
                    time.sleep(0.05 * 2**attempt)
                    continue
                raise self._error(doing, e) from None
            except sqlite3.Error as e:
                self._rollback(conn)
                raise self._error(doing, e) from None
            except BaseException:
                self._rollback(conn)
                raise
        raise AssertionError("unreachable")

    @staticmethod
    def _rollback(conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def _connection(self, *, create: bool) -> sqlite3.Connection | None:
        """The open connection with the schema checked; None for a read when there is nothing to read yet."""
        if self._pid != os.getpid():
            # A connection inherited through fork() must not be used by the child: open a fresh one.
            self._conn, self._has_schema, self._wal = None, False, False
        if self._conn is None:
            if not create and not self.path.exists():
                return None
            if create:
                self._make_dir()
            self._conn = self._connect()
            self._pid = os.getpid()
        conn = self._conn
        if not self._has_schema:
            version = self._retrying(lambda: self._check_format(conn))
            if version == 0:
                if not create:
                    return None
                self._retrying(lambda: self._create_schema(conn))
            self._has_schema = True
        if create and not self._wal:
            # Persistent in the file once set; set on the write path only, so reading never changes the file.
            self._retrying(lambda: conn.execute("PRAGMA journal_mode = WAL"))
            self._wal = True
        return conn

    def _retrying(self, work: Callable[[], T]) -> T:
        for attempt in range(LOCK_RETRIES):
            try:
                return work()
            except sqlite3.OperationalError as e:
                if _is_lock_error(e) and attempt < LOCK_RETRIES - 1:
                    time.sleep(0.05 * 2**attempt)
                    continue
                raise self._error("cannot open", e) from None
            except sqlite3.DatabaseError as e:
                raise self._error("cannot open", e) from None
        raise AssertionError("unreachable")

    def _make_dir(self) -> None:
        directory = self.path.parent
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            reason = e.strerror or str(e)
            raise TutorError(f"cannot create the progress directory {directory}: {reason}; "
                             "set TUTOR_HOME to a writable directory") from None

    def _connect(self) -> sqlite3.Connection:
        if self.path.is_dir():
            raise TutorError(f"{self.path} is a directory, not a tutor progress database; "
                             "move it away or set TUTOR_HOME")
        try:
            # isolation_level=None: no implicit transactions; every write says BEGIN IMMEDIATE … COMMIT itself.
            conn = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as e:
            raise self._error("cannot open", e) from None
        return conn

    def _check_format(self, conn: sqlite3.Connection) -> int:
        """The schema version of a tutor database, 0 for an empty file; refuses anything else, reading only."""
        try:
            # One statement, so one snapshot: read separately, another process creating the schema in between
            # could show us its tables but not yet its header marks (or the reverse), and we would refuse our own file.
            objects, app_id, version = conn.execute(
                "SELECT (SELECT count(*) FROM sqlite_master), (SELECT application_id FROM pragma_application_id),"
                " (SELECT user_version FROM pragma_user_version)").fetchone()
        except sqlite3.OperationalError:
            raise  # locked, I/O error, permissions: not a verdict on the file's contents (see _retrying)
        except sqlite3.DatabaseError:
            raise self._foreign() from None  # SQLITE_NOTADB: "file is not a database"
        if app_id == 0 and version == 0 and objects == 0:
            return 0
        if app_id != APPLICATION_ID:
            raise self._foreign()
        if version > SCHEMA_VERSION:
            raise self._foreign(f" this tutor can read (schema version {version}, newer than this tutor's "
                                f"{SCHEMA_VERSION}); upgrade tutor,")
        if version < 1:
            raise self._foreign()
        return int(version)

    def _create_schema(self, conn: sqlite3.Connection) -> None:
        """Create the tables in one transaction; another process may have done it meanwhile, which is fine."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            if self._check_format(conn) == 0:
                # One statement at a time: executescript() would COMMIT the open transaction first.
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            self._rollback(conn)
            raise

    def _require_attempt(self, conn: sqlite3.Connection, attempt_id: int) -> None:
        if isinstance(attempt_id, bool) or not isinstance(attempt_id, int):
            raise TutorError(f"expected an attempt id (a whole number), got {attempt_id!r}", field="attempt_id")
        if conn.execute("SELECT 1 FROM attempts WHERE id = ?", (attempt_id,)).fetchone() is None:
            raise TutorError(f"no attempt {attempt_id} in {self.path}", field="attempt_id")

    def _foreign(self, detail: str = ";") -> TutorError:
        return TutorError(f"{self.path} is not a tutor progress database{detail} move it away or set TUTOR_HOME")

    def _error(self, doing: str, error: sqlite3.Error) -> TutorError:
        reason = " ".join(str(error).split())
        if "not a database" in reason:
            return self._foreign()
        return TutorError(f"{doing} the progress database {self.path}: {reason}; "
                          "check the file's permissions or set TUTOR_HOME to a writable directory")


# -- queries ----------------------------------------------------------------------------------------------------
def _load_counts(conn: sqlite3.Connection) -> tuple[list[tuple], list[tuple]]:
    """Per (problem, recorded topic): attempts and whether any was solved; per step status and mistake: counts."""
    per_problem = conn.execute(
        "SELECT problem_id, topic, count(*), max(coalesce(solved, 0)) FROM attempts GROUP BY problem_id, topic"
    ).fetchall()
    per_step = conn.execute(
        "SELECT a.problem_id, a.topic, s.status, s.mistake, count(*), sum(s.hints)"
        " FROM steps s JOIN attempts a ON a.id = s.attempt_id"
        " GROUP BY a.problem_id, a.topic, s.status, s.mistake"
    ).fetchall()
    return per_problem, per_step


def _load_topic_steps(conn: sqlite3.Connection) -> list[tuple[str, int, int]]:
    """(recorded topic, correct steps, all steps) for every topic with an attempt."""
    marks = ", ".join(f"'{s}'" for s in CORRECT_STATUSES)
    return conn.execute(
        f"SELECT a.topic, coalesce(sum(s.status IN ({marks})), 0), count(s.id)"
        " FROM attempts a LEFT JOIN steps s ON s.attempt_id = a.id GROUP BY a.topic"
    ).fetchall()


def _empty_topic(topic: str) -> dict[str, Any]:
    return {"topic": topic, "problems_total": 0, "problems_attempted": 0, "problems_solved": 0, "attempts": 0,
            "steps_correct": 0, "steps_wrong": 0, "hints_used": 0, "most_frequent_mistake": None, "mistakes": {}}


def _ranked(counts: Counter[str]) -> dict[str, int]:
    """Most frequent first; a tie in alphabetical order, so the output never depends on row order."""
    return {name: n for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))}


# -- text -------------------------------------------------------------------------------------------------------
def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def format_summary(summary: dict) -> str:
    """Plain text for `tutor progress`: one aligned line per topic, then the total."""
    total = {"topic": "total", "problems_solved": summary["problems_solved"],
             "problems_total": summary["problems_total"], "attempts": summary["attempts"],
             "most_frequent_mistake": None, "mistakes": {}}
    rows = list(summary["topics"]) + [total]
    name_w = max(len(r["topic"]) for r in rows)
    frac_w = max(len(f"{r['problems_solved']}/{r['problems_total']}") for r in rows)
    lines = []
    for r in rows:
        fraction = f"{r['problems_solved']}/{r['problems_total']}"
        line = f"{r['topic']:<{name_w}}  {fraction:>{frac_w}} problems solved  · {_plural(r['attempts'], 'attempt')}"
        mistake = r["most_frequent_mistake"]
        if mistake:
            line += f" · most frequent mistake: {mistake} ({r['mistakes'][mistake]}×)"
        lines.append(line)
    return "\n".join(lines)
