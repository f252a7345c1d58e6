"""`make backup`: a consistent, exact copy of the database in backups/ (BACKUP_DIR to change).

- PostgreSQL: `pg_dump --format=custom` with the credentials of DATABASE_URL.
- SQLite: SQLite's online backup API (what the sqlite3 shell's `.backup` uses): a page-for-page
  copy taken under a read lock, so schema, rows, ids, sequences and migration state are all
  exactly as they were. (`dumpdata`/`loaddata` would not round-trip exactly: natural primary
  keys give rows new ids while the simple-history tables keep the old ones as plain integers,
  and history rows of deleted objects have no natural foreign key to dump.)

The file is written under a temporary name and renamed when complete; the script prints its
path. Nothing is asked interactively.
"""

import datetime
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from dbconfig import backup_dir, database, libpq_env


def target_path(folder: Path, name: str, suffix: str) -> Path:
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"{name}-{stamp}{suffix}"
    counter = 1
    while path.exists():
        counter += 1
        path = folder / f"{name}-{stamp}-{counter}{suffix}"
    return path


def backup_postgresql(config: dict, path: Path, partial: Path) -> None:
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-password", f"--file={partial}"],
        env=libpq_env(config),
        check=True,
    )


def backup_sqlite(config: dict, path: Path, partial: Path) -> None:
    source_path = Path(config["NAME"])
    if not source_path.exists():
        sys.exit(f"backup: {source_path} does not exist")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    target = sqlite3.connect(partial)
    try:
        source.backup(target)
        (result,) = target.execute("PRAGMA integrity_check").fetchone()
        if result != "ok":
            raise RuntimeError(f"backup: the copy fails its integrity check: {result}")
    finally:
        target.close()
        source.close()


def main() -> None:
    config = database()
    folder = backup_dir()
    folder.mkdir(parents=True, exist_ok=True)
    if config["KIND"] == "postgresql":
        path = target_path(folder, config["NAME"], ".pgdump")
        make = backup_postgresql
    else:
        path = target_path(folder, Path(config["NAME"]).stem, ".sqlite3")
        make = backup_sqlite
    partial = path.with_name(path.name + ".partial")
    try:
        make(config, path, partial)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    print(path)


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as error:
        sys.exit(f"backup: {error.cmd[0]} failed (exit {error.returncode})")
