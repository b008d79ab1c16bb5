"""The progress store: round trip, summary counts re-derived here from the events written, the data directory
rules, foreign files refused and left byte-for-byte intact, and writers in several processes losing nothing.

Every expected figure is computed in this file from the list of events the test wrote, or read back with a plain
sqlite3 connection, never from the store's own summary of itself.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import sqlite3
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from tutor import progress
from tutor.errors import TutorError
from tutor.progress import Store, data_dir, format_summary

BANK = [("attn-1", "attention"), ("attn-2", "attention"), ("attn-3", "attention"),
        ("lstm-1", "lstm"), ("lstm-2", "lstm"), ("cnn-1", "cnn")]


def raw(path: Path) -> sqlite3.Connection:
    """An independent look at the file, bypassing the store."""
    return sqlite3.connect(str(path))


# -- round trip -------------------------------------------------------------------------------------------------
def test_round_trip_stores_every_field_with_utc_timestamps(tmp_path):
    store = Store(tmp_path / "p.sqlite3")
    before = datetime.now().astimezone()
    a = store.start_attempt("attn-1", "attention", "scaled_dot_attention", "quiz", seed=7,
                            params={"Q": np.array([[1.0, 2.0]]), "d": np.int64(4)})
    store.record_step(a, "scores", "wrong", "[2, 4]", "[1.41, 2.83]", mistake="attention without scaling", hints=2)
    store.record_step(a, "weights", "carried_forward", "[0.1, 0.9]", "[0.2, 0.8]")
    store.record_step(a, "out", "revealed", None, "1.7")
    store.finish_attempt(a, solved=False)
    after = datetime.now().astimezone()

    with raw(store.path) as conn:
        (row,) = conn.execute("SELECT id, problem_id, topic, kind, mode, seed, params, started_at, finished_at, "
                              "solved FROM attempts").fetchall()
        steps = conn.execute("SELECT attempt_id, key, status, given, expected, mistake, hints, at FROM steps "
                             "ORDER BY id").fetchall()
    assert row[:6] == (a, "attn-1", "attention", "scaled_dot_attention", "quiz", 7)
    assert json.loads(row[6]) == {"Q": [[1.0, 2.0]], "d": 4}
    assert row[9] == 0
    assert [s[:7] for s in steps] == [
        (a, "scores", "wrong", "[2, 4]", "[1.41, 2.83]", "attention without scaling", 2),
        (a, "weights", "carried_forward", "[0.1, 0.9]", "[0.2, 0.8]", None, 0),
        (a, "out", "revealed", None, "1.7", None, 0),
    ]
    for stamp in [row[7], row[8]] + [s[7] for s in steps]:
        t = datetime.fromisoformat(stamp)
        assert t.utcoffset() == timedelta(0)  # UTC, said so in the text
        assert before - timedelta(seconds=1) <= t <= after + timedelta(seconds=1)


def test_file_is_in_wal_mode_with_schema_version_and_application_id(tmp_path):
    store = Store(tmp_path / "p.sqlite3")
    store.start_attempt("cnn-1", "cnn", "conv2d", "check")
    with raw(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert conn.execute("PRAGMA application_id").fetchone()[0] == 0x54555452


def test_each_write_is_committed_before_it_returns(tmp_path):
    # A second connection (as another process would be) sees the step at once, without the store closing.
    store = Store(tmp_path / "p.sqlite3")
    a = store.start_attempt("lstm-1", "lstm", "lstm_step", "quiz")
    store.record_step(a, "f", "correct", "0.5", "0.5")
    with raw(store.path) as conn:
        assert conn.execute("SELECT count(*) FROM steps").fetchone()[0] == 1
    assert store._conn is not None and not store._conn.in_transaction


def test_reading_before_any_write_creates_nothing(tmp_path):
    path = tmp_path / "dir" / "p.sqlite3"
    store = Store(path)
    s = store.summary(BANK)
    assert store.weak_topics() == {}
    assert store.reset() == 0
    assert not path.parent.exists()
    assert (s["attempts"], s["problems_solved"], s["problems_total"]) == (0, 0, 6)
    assert [(t["topic"], t["problems_total"], t["problems_solved"]) for t in s["topics"]] == [
        ("attention", 3, 0), ("lstm", 2, 0), ("cnn", 1, 0)]


def test_default_path_is_in_tutor_home(tmp_path):
    # conftest sets TUTOR_HOME to tmp_path/home for every test.
    store = Store()
    assert store.path == tmp_path / "home" / "progress.sqlite3"
    store.start_attempt("cnn-1", "cnn", "conv2d", "check")
    assert store.path.is_file()


# -- summary ----------------------------------------------------------------------------------------------------
def _random_history(store: Store, rng: random.Random) -> list[dict]:
    """Write a random history through the store; return it as plain events for an independent recount."""
    problems = BANK + [("gone-1", "attention"), ("gone-2", "retired")]  # two problems no longer in the bank
    mistakes = ["attention without scaling", "softmax over the wrong axis", "forgot the bias", "sign error"]
    history = []
    for _ in range(40):
        pid, topic = rng.choice(problems[:-3] + problems[-2:])  # cnn-1 never attempted
        a = store.start_attempt(pid, topic, "kind", rng.choice(["check", "quiz"]))
        steps = []
        for k in range(rng.randint(0, 5)):
            status = rng.choice(progress.STATUSES)
            mistake = rng.choice(mistakes) if status == "wrong" and rng.random() < 0.8 else None
            hints = rng.randint(0, 2)
            store.record_step(a, f"s{k}", status, "1", "2", mistake=mistake, hints=hints)
            steps.append({"status": status, "mistake": mistake, "hints": hints})
        finished = rng.random() < 0.8
        solved = finished and rng.random() < 0.5
        if finished:
            store.finish_attempt(a, solved)
        history.append({"problem": pid, "topic": topic, "solved": solved, "steps": steps})
    return history


def test_summary_counts_match_an_independent_recount(tmp_path):
    store = Store(tmp_path / "p.sqlite3")
    history = _random_history(store, random.Random(4))
    s = store.summary(BANK)

    bank_topic = dict(BANK)
    solved = {h["problem"] for h in history if h["solved"] and h["problem"] in bank_topic}
    assert s["path"] == str(store.path)
    assert s["attempts"] == len(history) == 40
    assert s["problems_total"] == 6
    assert s["problems_solved"] == len(solved)
    assert 0 < len(solved) < 6  # the seed gives a case that can tell a wrong rule from a right one

    by_topic = {t["topic"]: t for t in s["topics"]}
    assert list(by_topic) == ["attention", "lstm", "cnn", "retired"]  # bank order, then topics left behind
    all_mistakes: Counter[str] = Counter()
    for topic, row in by_topic.items():
        mine = [h for h in history if bank_topic.get(h["problem"], h["topic"]) == topic]
        steps = [st for h in mine for st in h["steps"]]
        mistakes = Counter(st["mistake"] for st in steps if st["mistake"])
        all_mistakes.update(mistakes)
        expected = {
            "topic": topic,
            "problems_total": sum(1 for _, t in BANK if t == topic),
            "problems_attempted": len({h["problem"] for h in mine if h["problem"] in bank_topic}),
            "problems_solved": len({p for p in solved if bank_topic[p] == topic}),
            "attempts": len(mine),
            "steps_correct": sum(st["status"] in ("correct", "carried_forward") for st in steps),
            "steps_wrong": sum(st["status"] == "wrong" for st in steps),
            "hints_used": sum(st["hints"] for st in steps),
            "mistakes": dict(mistakes),
        }
        assert {k: row[k] for k in expected} == expected
        if mistakes:
            top = max(mistakes.values())
            assert row["most_frequent_mistake"] == min(m for m, n in mistakes.items() if n == top)
            assert list(row["mistakes"].values()) == sorted(mistakes.values(), reverse=True)
        else:
            assert row["most_frequent_mistake"] is None
    assert by_topic["cnn"]["attempts"] == 0 and by_topic["cnn"]["problems_total"] == 1
    assert s["mistakes"] == dict(all_mistakes)
    json.dumps(s)  # JSON-ready


def test_a_problem_is_solved_only_by_a_finished_solved_attempt(tmp_path):
    store = Store(tmp_path / "p.sqlite3")
    a = store.start_attempt("attn-1", "attention", "k", "quiz")
    store.finish_attempt(a, solved=False)
    store.start_attempt("attn-1", "attention", "k", "quiz")  # interrupted, never finished
    store.start_attempt("attn-2", "attention", "k", "check")  # interrupted, never finished
    assert store.summary(BANK)["problems_solved"] == 0
    b = store.start_attempt("attn-1", "attention", "k", "quiz")
    store.finish_attempt(b, solved=True)
    c = store.start_attempt("attn-1", "attention", "k", "quiz")
    store.finish_attempt(c, solved=False)  # a later failure does not unsolve it
    s = store.summary(BANK)
    assert s["problems_solved"] == 1 and s["attempts"] == 5
    assert s["topics"][0]["problems_attempted"] == 2 and s["topics"][0]["problems_solved"] == 1


def test_a_problem_that_moved_topic_counts_under_its_bank_topic(tmp_path):
    store = Store(tmp_path / "p.sqlite3")
    a = store.start_attempt("lstm-1", "recurrent nets", "k", "quiz")  # recorded before the bank renamed the topic
    store.record_step(a, "h", "wrong", "1", "2", mistake="tanh forgotten")
    store.finish_attempt(a, True)
    s = store.summary(BANK)
    assert [t["topic"] for t in s["topics"]] == ["attention", "lstm", "cnn"]
    lstm = s["topics"][1]
    assert (lstm["attempts"], lstm["problems_solved"], lstm["steps_wrong"]) == (1, 1, 1)
    assert lstm["mistakes"] == {"tanh forgotten": 1}


def test_format_summary_is_plain_aligned_text():
    summary = {
        "path": "/x", "attempts": 7, "problems_solved": 4, "problems_total": 15,
        "topics": [
            {"topic": "attention", "problems_total": 12, "problems_attempted": 4, "problems_solved": 3,
             "attempts": 5, "steps_correct": 9, "steps_wrong": 2, "hints_used": 1,
             "most_frequent_mistake": "attention without scaling",
             "mistakes": {"attention without scaling": 2, "sign error": 1}},
            {"topic": "cnn", "problems_total": 2, "problems_attempted": 1, "problems_solved": 1, "attempts": 1,
             "steps_correct": 3, "steps_wrong": 0, "hints_used": 0, "most_frequent_mistake": None, "mistakes": {}},
            {"topic": "lstm", "problems_total": 1, "problems_attempted": 0, "problems_solved": 0, "attempts": 0,
             "steps_correct": 0, "steps_wrong": 0, "hints_used": 0, "most_frequent_mistake": None, "mistakes": {}},
        ],
        "mistakes": {"attention without scaling": 2, "sign error": 1},
    }
    assert format_summary(summary) == (
        "attention  3/12 problems solved  · 5 attempts · most frequent mistake: attention without scaling (2×)\n"
        "cnn         1/2 problems solved  · 1 attempt\n"
        "lstm        0/1 problems solved  · 0 attempts\n"
        "total      4/15 problems solved  · 7 attempts"
    )


def test_format_summary_of_a_real_store_round_trips(tmp_path):
    store = Store(tmp_path / "p.sqlite3")
    a = store.start_attempt("lstm-2", "lstm", "k", "quiz")
    store.record_step(a, "c", "wrong", "1", "2", mistake="forgot the forget gate")
    store.finish_attempt(a, True)
    text = format_summary(store.summary(BANK))
    assert text.splitlines() == [
        "attention  0/3 problems solved  · 0 attempts",
        "lstm       1/2 problems solved  · 1 attempt · most frequent mistake: forgot the forget gate (1×)",
        "cnn        0/1 problems solved  · 0 attempts",
        "total      1/6 problems solved  · 1 attempt",
    ]
    assert "[" not in text  # no rich markup


# -- weak topics ------------------------------------------------------------------------------------------------
def test_weak_topics_weights(tmp_path):
    store = Store(tmp_path / "p.sqlite3")
    a = store.start_attempt("attn-1", "attention", "k", "quiz")
    for status in ["correct", "correct", "correct", "carried_forward", "wrong", "wrong", "revealed"]:
        store.record_step(a, "s", status, None, None)
    b = store.start_attempt("lstm-1", "lstm", "k", "quiz")
    for _ in range(10):
        store.record_step(b, "s", "correct", "1", "1")
    c = store.start_attempt("cnn-1", "cnn", "k", "quiz")
    for _ in range(6):
        store.record_step(c, "s", "wrong", "1", "2")
    store.start_attempt("attn-2", "norms", "k", "quiz")  # attempted, no step answered yet

    w = store.weak_topics(["attention", "lstm", "cnn", "norms", "dropout"])
    # 1 + 3·(1 − s), s = (correct + 1)/(steps + 2), worked by hand:
    assert w["attention"] == pytest.approx(1 + 3 * (1 - 5 / 9))  # 4 correct-like of 7
    assert w["lstm"] == pytest.approx(1 + 3 * (1 - 11 / 12))
    assert w["cnn"] == pytest.approx(1 + 3 * (1 - 1 / 8))
    assert w["norms"] == pytest.approx(2.5)
    assert w["dropout"] == progress.UNSEEN_WEIGHT == 3.0
    assert w["lstm"] < w["attention"] < w["dropout"] < w["cnn"]
    assert all(v >= 1 for v in w.values())
    assert set(store.weak_topics()) == {"attention", "lstm", "cnn", "norms"}  # unseen ones only when named


# -- bad input --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, field", [
    (lambda s, a: s.start_attempt("p", "t", "k", "exam"), "mode"),
    (lambda s, a: s.start_attempt("", "t", "k", "quiz"), "problem_id"),
    (lambda s, a: s.start_attempt("p", "t", "k", "quiz", seed=1.5), "seed"),
    (lambda s, a: s.record_step(a, "k", "right", "1", "1"), "status"),
    (lambda s, a: s.record_step(a, "k", "correct", 1.0, "1"), "given"),
    (lambda s, a: s.record_step(a, "k", "correct", "1", "1", hints=-1), "hints"),
    (lambda s, a: s.record_step(a + 1000, "k", "correct", "1", "1"), "attempt_id"),
    (lambda s, a: s.finish_attempt(a + 1000, True), "attempt_id"),
])
def test_bad_arguments_are_tutor_errors_and_write_nothing(tmp_path, call, field):
    store = Store(tmp_path / "p.sqlite3")
    a = store.start_attempt("p", "t", "k", "quiz")
    with pytest.raises(TutorError) as e:
        call(store, a)
    assert e.value.field == field and "\n" not in str(e.value)
    with raw(store.path) as conn:
        assert conn.execute("SELECT count(*) FROM attempts").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM steps").fetchone()[0] == 0
        assert conn.execute("SELECT finished_at FROM attempts").fetchone()[0] is None
    store.record_step(a, "k", "correct", "1", "1")  # the store is still usable


# -- reset ------------------------------------------------------------------------------------------------------
def test_reset_deletes_everything_and_counts_attempts(tmp_path):
    store = Store(tmp_path / "p.sqlite3")
    for i in range(3):
        a = store.start_attempt(f"attn-{i + 1}", "attention", "k", "quiz")
        store.record_step(a, "s", "wrong", "1", "2", mistake="m")
    assert store.reset() == 3
    with raw(store.path) as conn:
        assert conn.execute("SELECT count(*) FROM attempts").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM steps").fetchone()[0] == 0
    assert store.summary(BANK)["attempts"] == 0 and store.summary(BANK)["mistakes"] == {}
    assert store.reset() == 0
    store.start_attempt("cnn-1", "cnn", "k", "check")
    assert Store(store.path).summary(BANK)["attempts"] == 1


# -- foreign files ----------------------------------------------------------------------------------------------
def _every_entry_point(store: Store) -> list:
    return [lambda: store.summary(BANK), store.weak_topics, store.reset,
            lambda: store.start_attempt("p", "t", "k", "quiz"),
            lambda: store.record_step(1, "k", "correct", "1", "1"), lambda: store.finish_attempt(1, True)]


def _assert_refused_and_intact(path: Path, needle: str = "is not a tutor progress database") -> None:
    before = path.read_bytes()
    for call in _every_entry_point(Store(path)):
        with pytest.raises(TutorError) as e:
            call()
        msg = str(e.value)
        assert needle in msg and str(path) in msg and "TUTOR_HOME" in msg and "\n" not in msg
    assert path.read_bytes() == before


@pytest.mark.parametrize("content", [
    b"my notes about attention\n" * 40,
    bytes(random.Random(1).getrandbits(8) for _ in range(8192)),
    b"SQLite format 3\x00" + b"\x00" * 200,  # the magic, then garbage
])
def test_a_file_that_is_not_sqlite_is_refused_and_left_intact(tmp_path, content):
    path = tmp_path / "progress.sqlite3"
    path.write_bytes(content)
    _assert_refused_and_intact(path)


def test_another_programs_sqlite_database_is_refused_and_left_intact(tmp_path):
    path = tmp_path / "progress.sqlite3"
    with raw(path) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO photos (name) VALUES ('cat.jpg')")
    _assert_refused_and_intact(path)


def test_another_programs_database_with_a_user_version_is_refused_and_left_intact(tmp_path):
    # Many programs number their schema with user_version too; only our application_id makes a file ours.
    path = tmp_path / "progress.sqlite3"
    with raw(path) as conn:
        conn.execute("CREATE TABLE attempts (id INTEGER PRIMARY KEY)")
        conn.execute("PRAGMA user_version = 1")
    _assert_refused_and_intact(path)


def test_a_newer_schema_is_refused_and_left_intact(tmp_path):
    path = tmp_path / "progress.sqlite3"
    Store(path).start_attempt("p", "t", "k", "quiz")
    with raw(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    _assert_refused_and_intact(path, needle="newer than this tutor's 1")


def test_an_empty_file_becomes_a_database(tmp_path):
    path = tmp_path / "progress.sqlite3"
    path.touch()  # nothing in it to lose; SQLite itself treats it as an empty database
    Store(path).start_attempt("p", "t", "k", "quiz")
    assert Store(path).summary([])["attempts"] == 1


def test_an_unwritable_place_is_a_tutor_error(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("TUTOR_HOME", str(blocker / "tutor"))  # a directory can't be made inside a file
    with pytest.raises(TutorError, match="cannot create the progress directory .*a-file/tutor.*TUTOR_HOME"):
        Store().start_attempt("p", "t", "k", "quiz")
    assert blocker.read_text() == "x"
    (tmp_path / "d" / "progress.sqlite3").mkdir(parents=True)
    with pytest.raises(TutorError, match="is a directory"):
        Store(tmp_path / "d" / "progress.sqlite3").start_attempt("p", "t", "k", "quiz")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_directory_is_a_tutor_error(tmp_path):
    d = tmp_path / "ro"
    d.mkdir()
    d.chmod(0o500)
    try:
        with pytest.raises(TutorError, match="progress database .*TUTOR_HOME"):
            Store(d / "progress.sqlite3").start_attempt("p", "t", "k", "quiz")
    finally:
        d.chmod(0o700)


# -- the data directory -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("platform, env, expected", [
    ("linux", {"TUTOR_HOME": "/srv/t"}, "/srv/t"),
    ("win32", {"TUTOR_HOME": "/srv/t", "APPDATA": "/w"}, "/srv/t"),
    ("linux", {"XDG_DATA_HOME": "/xdg"}, "/xdg/tutor"),
    ("linux", {"XDG_DATA_HOME": "relative/xdg"}, "/home/u/.local/share/tutor"),  # the XDG spec: ignore relative
    ("linux", {"XDG_DATA_HOME": ""}, "/home/u/.local/share/tutor"),
    ("linux", {}, "/home/u/.local/share/tutor"),
    ("freebsd14", {}, "/home/u/.local/share/tutor"),
    ("darwin", {"XDG_DATA_HOME": "/xdg"}, "/home/u/Library/Application Support/tutor"),
    ("win32", {"APPDATA": "/roaming"}, "/roaming/tutor"),
    ("win32", {}, "/home/u/AppData/Roaming/tutor"),
])
def test_data_dir_rules(monkeypatch, platform, env, expected):
    for name in ("TUTOR_HOME", "XDG_DATA_HOME", "APPDATA"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HOME", "/home/u")
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: Path("/home/u")))
    monkeypatch.setattr(sys, "platform", platform)
    assert data_dir() == Path(expected)
    assert Store().path == Path(expected) / "progress.sqlite3"


# -- locking ----------------------------------------------------------------------------------------------------
def _hold_write_lock(path: Path, seconds: float) -> threading.Thread:
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")

    def release() -> None:
        time.sleep(seconds)
        conn.execute("COMMIT")
        conn.close()

    t = threading.Thread(target=release)
    t.start()
    return t


def test_a_write_waits_for_a_briefly_locked_database(tmp_path, monkeypatch):
    # The busy timeout made tiny, so only the retries can bridge a 0.2 s lock held by another writer.
    monkeypatch.setattr(progress, "BUSY_TIMEOUT_S", 0.02)
    store = Store(tmp_path / "p.sqlite3")
    a = store.start_attempt("p", "t", "k", "quiz")
    t = _hold_write_lock(store.path, 0.2)
    start = time.perf_counter()
    store.record_step(a, "k", "correct", "1", "1")
    assert time.perf_counter() - start >= 0.15
    t.join()
    with raw(store.path) as conn:
        assert conn.execute("SELECT count(*) FROM steps").fetchone()[0] == 1


def test_a_database_locked_for_too_long_is_a_tutor_error(tmp_path, monkeypatch):
    monkeypatch.setattr(progress, "BUSY_TIMEOUT_S", 0.01)
    monkeypatch.setattr(progress, "LOCK_RETRIES", 2)
    store = Store(tmp_path / "p.sqlite3")
    a = store.start_attempt("p", "t", "k", "quiz")
    t = _hold_write_lock(store.path, 0.3)
    with pytest.raises(TutorError, match="database is locked"):
        store.record_step(a, "k", "correct", "1", "1")
    t.join()
    store.record_step(a, "k", "correct", "1", "1")
    with raw(store.path) as conn:
        assert conn.execute("SELECT count(*) FROM steps").fetchone()[0] == 1


# -- several processes ------------------------------------------------------------------------------------------
def _context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _writer(path: str, name: str, n: int, barrier) -> None:  # type: ignore[no-untyped-def]
    store = Store(Path(path))
    barrier.wait()
    a = store.start_attempt(name, "concurrency", "k", "quiz")
    for i in range(n):
        store.record_step(a, f"s{i}", "correct" if i % 3 else "wrong", str(i), str(i), hints=i % 2)
        # A breath between steps, as between a student's answers: in a tight loop SQLite's busy handler lets one
        # writer re-take the lock again and again, so the others wait rather than interleave.
        time.sleep(0.001)
    store.finish_attempt(a, True)


def _endless_writer(path: str, committed, ready) -> None:  # type: ignore[no-untyped-def]
    store = Store(Path(path))
    a = store.start_attempt("victim", "concurrency", "k", "quiz")
    for i in range(1_000_000):
        store.record_step(a, f"s{i}", "correct", "1", "1")
        committed.value = i + 1  # only after record_step returned, i.e. after COMMIT
        if i == 50:
            ready.set()


N_WRITERS, N_STEPS = 3, 200


def test_concurrent_writers_lose_nothing(tmp_path):
    ctx = _context()
    path = tmp_path / "shared" / "progress.sqlite3"  # not created yet: the writers race to create the schema too
    barrier = ctx.Barrier(N_WRITERS)
    procs = [ctx.Process(target=_writer, args=(str(path), f"w{i}", N_STEPS, barrier)) for i in range(N_WRITERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=30)
    assert [p.exitcode for p in procs] == [0] * N_WRITERS

    with raw(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        attempts = conn.execute("SELECT id, problem_id, solved FROM attempts ORDER BY problem_id").fetchall()
        assert [(name, solved) for _, name, solved in attempts] == [(f"w{i}", 1) for i in range(N_WRITERS)]
        for attempt_id, _, _ in attempts:
            keys = [k for (k,) in conn.execute("SELECT key FROM steps WHERE attempt_id = ?", (attempt_id,))]
            assert sorted(keys) == sorted(f"s{i}" for i in range(N_STEPS))
        # The writers really took turns (else this test would prove nothing about concurrency).
        owners = [a for (a,) in conn.execute("SELECT attempt_id FROM steps ORDER BY id")]
        assert sum(x != y for x, y in zip(owners, owners[1:])) > 20
    s = Store(path).summary([(f"w{i}", "concurrency") for i in range(N_WRITERS)])
    assert s["attempts"] == N_WRITERS and s["problems_solved"] == N_WRITERS
    (topic,) = s["topics"]
    wrong = len(range(0, N_STEPS, 3))
    assert (topic["steps_correct"], topic["steps_wrong"]) == (N_WRITERS * (N_STEPS - wrong), N_WRITERS * wrong)
    assert topic["hints_used"] == N_WRITERS * (N_STEPS // 2)


def test_a_killed_writer_loses_no_committed_row(tmp_path):
    ctx = _context()
    path = tmp_path / "progress.sqlite3"
    # lock=False: a writer killed while holding the Value's lock would leave this test waiting on it forever.
    committed, ready = ctx.Value("i", 0, lock=False), ctx.Event()
    proc = ctx.Process(target=_endless_writer, args=(str(path), committed, ready))
    proc.start()
    assert ready.wait(timeout=20)
    time.sleep(0.05)
    proc.terminate()
    proc.join(timeout=10)
    assert proc.exitcode is not None and proc.exitcode != 0
    reported = committed.value
    assert reported > 50

    with raw(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        keys = [k for (k,) in conn.execute("SELECT key FROM steps ORDER BY id")]
    assert len(keys) >= reported  # every step the writer saw committed is there (one more may have landed)
    assert keys == [f"s{i}" for i in range(len(keys))]  # in order, none torn or missing
    store = Store(path)
    (topic,) = store.summary([("victim", "concurrency")])["topics"]
    assert topic["attempts"] == 1 and topic["problems_solved"] == 0 and topic["steps_correct"] == len(keys)
    store.record_step(1, "after", "correct", "1", "1")  # and the file takes new writes


def _write_in_child(store: Store, attempt_id: int, reopened) -> None:  # type: ignore[no-untyped-def]
    inherited = store._conn
    store.record_step(attempt_id, "child", "correct", "1", "1")
    reopened.put(store._conn is not inherited and store._conn is not None)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_a_store_inherited_through_fork_opens_its_own_connection(tmp_path):
    store = Store(tmp_path / "p.sqlite3")
    a = store.start_attempt("p", "t", "k", "quiz")
    ctx = multiprocessing.get_context("fork")
    reopened = ctx.Queue()
    proc = ctx.Process(target=_write_in_child, args=(store, a, reopened))
    proc.start()
    assert reopened.get(timeout=10) is True  # the child did not write through the parent's connection
    proc.join(timeout=10)
    assert proc.exitcode == 0
    store.record_step(a, "parent", "correct", "1", "1")
    with raw(store.path) as conn:
        assert sorted(k for (k,) in conn.execute("SELECT key FROM steps")) == ["child", "parent"]
