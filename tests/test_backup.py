"""`make backup` / `make restore` round-trip the database exactly.

The scenario runs in subprocesses against a scratch database of the same kind as the test
database (a temporary SQLite file; a scratch PostgreSQL database when DATABASE_URL is
PostgreSQL), so the test database is never touched: load the dataset and edit it (history rows,
many-to-many history, a deleted row, a user with a token, a session, an admin log entry), back
up, damage it, restore, and compare everything it holds before and after: a natural-key dump, a
dump of every row with its primary key (history tables included), history row counts, sequences
and applied migrations.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = str(ROOT / "tests" / "backup_scenario.py")
SERVER_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = SERVER_URL.startswith(("postgres://", "postgresql://"))


def run(env, *args) -> str:
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def scratch_env(database_url: str, backup_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(DATABASE_URL=database_url, BACKUP_DIR=str(backup_dir), DEBUG="1")
    return env


@pytest.fixture
def sqlite_scratch(tmp_path):
    return f"sqlite:///{tmp_path / 'scratch.sqlite3'}"


@pytest.fixture
def postgres_scratch():
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(SERVER_URL)
    name = f"tracker_backup_{uuid.uuid4().hex[:10]}"
    server = dict(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    with psycopg.connect(**server) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = SERVER_URL.rsplit("/", 1)[0].split("?")[0] + f"/{name}"
        yield url
    finally:
        with psycopg.connect(**server) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def first_difference(before: dict, after: dict) -> str:
    for key in before:
        if before[key] == after.get(key):
            continue
        if isinstance(before[key], list):
            for old, new in zip(before[key], after[key], strict=False):
                if old != new:
                    return f"{key}: {old!r}\n  became {new!r}"
            return f"{key}: {len(before[key])} entries became {len(after[key])}"
        return f"{key}: {before[key]!r}\n  became {after[key]!r}"
    return "no difference"


def round_trip(database_url: str, tmp_path: Path, suffix: str) -> None:
    backups = tmp_path / "backups"
    env = scratch_env(database_url, backups)
    states = {step: tmp_path / f"{step}.json" for step in ("before", "damaged", "restored")}

    run(env, SCENARIO, "prepare", str(states["before"]))
    path = Path(run(env, "scripts/backup.py").strip())
    run(env, SCENARIO, "damage", str(states["damaged"]))
    run(env, "scripts/restore.py", str(path))
    run(env, SCENARIO, "state", str(states["restored"]))

    assert path.parent == backups and path.suffix == suffix
    assert [p.name for p in backups.iterdir()] == [path.name]  # no partial file left behind
    before, damaged, restored = (json.loads(states[s].read_text()) for s in states)
    assert sum(before["history_counts"].values()) > 10
    assert before["history_counts"]["provisions.HistoricalProvision_themes"] > 0
    assert len(before["natural"]) > 1500
    for key in ("natural", "rows", "history_counts", "sequences"):
        assert damaged[key] != before[key], f"the damage did not change {key}"
    assert restored == before, first_difference(before, restored)


def test_sqlite_round_trip_is_exact(sqlite_scratch, tmp_path):
    round_trip(sqlite_scratch, tmp_path, ".sqlite3")


@pytest.mark.skipif(not ON_POSTGRES, reason="DATABASE_URL is not PostgreSQL")
def test_postgresql_round_trip_is_exact(postgres_scratch, tmp_path):
    round_trip(postgres_scratch, tmp_path, ".pgdump")


def test_restore_refuses_without_a_file_and_asks_nothing(sqlite_scratch, tmp_path):
    env = scratch_env(sqlite_scratch, tmp_path)
    result = subprocess.run(
        [sys.executable, "scripts/restore.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0 and "usage: make restore FILE=" in result.stderr
    assert not (tmp_path / "scratch.sqlite3").exists()


def test_restore_refuses_a_backup_of_the_other_kind(sqlite_scratch, tmp_path):
    wrong = tmp_path / "tracker.pgdump"
    wrong.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 64)
    env = scratch_env(sqlite_scratch, tmp_path)
    result = subprocess.run(
        [sys.executable, "scripts/restore.py", str(wrong)],
        cwd=ROOT, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0 and "is not a sqlite backup" in result.stderr
    assert not (tmp_path / "scratch.sqlite3").exists()
