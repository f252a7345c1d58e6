"""The database that `make backup` and `make restore` work on, read as the settings read it.

DATABASE_URL when set (postgres://… or sqlite:///…), else the project's db.sqlite3. Parsed with
dj-database-url, without importing Django settings, so neither script needs SECRET_KEY or DEBUG.
"""

import os
import sys
from pathlib import Path

import dj_database_url

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = f"sqlite:///{ROOT / 'db.sqlite3'}"
# libpq reads these from the environment; dj-database-url puts URL query options in OPTIONS
LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
}
PG_MAGIC = b"PGDMP"  # pg_dump's custom format
SQLITE_MAGIC = b"SQLite format 3\x00"


def database() -> dict:
    config = dj_database_url.parse(os.environ.get("DATABASE_URL") or DEFAULT_URL)
    engine = config["ENGINE"]
    if engine == "django.db.backends.postgresql":
        config["KIND"] = "postgresql"
    elif engine == "django.db.backends.sqlite3":
        if not config["NAME"] or config["NAME"] == ":memory:":
            sys.exit("backup: an in-memory SQLite database has nothing to back up or restore")
        config["KIND"] = "sqlite"
    else:
        sys.exit(f"backup: unsupported database engine {engine}")
    return config


def libpq_env(config: dict) -> dict:
    """The environment for pg_dump/pg_restore: the URL's credentials, never on a command line
    (where `ps` would show the password), and never a password prompt."""
    env = dict(os.environ)
    env.update(
        PGHOST=config.get("HOST") or "127.0.0.1",
        PGPORT=str(config.get("PORT") or 5432),
        PGUSER=config.get("USER") or "",
        PGDATABASE=config["NAME"],
    )
    if config.get("PASSWORD"):
        env["PGPASSWORD"] = config["PASSWORD"]
    for option, variable in LIBPQ_OPTIONS.items():
        if option in config.get("OPTIONS", {}):
            env[variable] = str(config["OPTIONS"][option])
    return env


def backup_dir() -> Path:
    return Path(os.environ.get("BACKUP_DIR") or ROOT / "backups")
