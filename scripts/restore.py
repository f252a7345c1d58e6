"""`make restore FILE=backups/…`: put the database back exactly as a backup left it.

- PostgreSQL (a pg_dump custom-format file): `pg_restore --clean --if-exists
  --single-transaction` with the credentials of DATABASE_URL: the objects in the backup are
  dropped and recreated in one transaction, so a failure leaves the database as it was.
  Ownership and grants are not restored (`--no-owner --no-privileges`): the objects belong to the
  URL's role, as they did when it created them by migrating.
- SQLite (a file made by backup.py): SQLite's backup API copies the file over the live
  database, page for page, under a write lock.

Refuses without a file, or with a file of the other kind; asks nothing. Afterwards restart the
app servers (their local-memory caches describe the data as it was before the restore).
"""

import sqlite3
import subprocess
import sys
from pathlib import Path

from dbconfig import PG_MAGIC, SQLITE_MAGIC, database, libpq_env

USAGE = "usage: make restore FILE=backups/<file>   (or: python scripts/restore.py <file>)"


def restore_postgresql(config: dict, path: Path) -> None:
    subprocess.run(
        [
            "pg_restore", "--clean", "--if-exists", "--single-transaction", "--exit-on-error",
            "--no-owner", "--no-privileges", "--no-password", f"--dbname={config['NAME']}",
            str(path),
        ],
        env=libpq_env(config),
        check=True,
    )  # fmt: skip


def restore_sqlite(config: dict, path: Path) -> None:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (result,) = source.execute("PRAGMA integrity_check").fetchone()
        if result != "ok":
            sys.exit(f"restore: {path} fails its integrity check: {result}")
        target_path = Path(config["NAME"])
        target_path.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(target_path, timeout=30)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()


def main(argv: list[str]) -> None:
    if len(argv) != 1 or not argv[0]:
        sys.exit(USAGE)
    path = Path(argv[0])
    if not path.is_file():
        sys.exit(f"restore: no such file: {path}")
    config = database()
    with path.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    expected = PG_MAGIC if config["KIND"] == "postgresql" else SQLITE_MAGIC
    if not head.startswith(expected):
        sys.exit(
            f"restore: {path} is not a {config['KIND']} backup "
            f"(DATABASE_URL points at a {config['KIND']} database)"
        )
    if config["KIND"] == "postgresql":
        restore_postgresql(config, path)
    else:
        restore_sqlite(config, path)
    print(f"restored {config['NAME']} from {path}")


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except subprocess.CalledProcessError as error:
        sys.exit(f"restore: {error.cmd[0]} failed (exit {error.returncode}); nothing was changed")
