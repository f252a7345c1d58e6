"""Settings come from the environment and fail closed."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


# what the settings read, and what the browser tests set in this process (no server has it)
SETTINGS_VARIABLES = {
    "DEBUG", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "REDIS_URL", "SECURE_SSL_REDIRECT",
    "DJANGO_ALLOW_ASYNC_UNSAFE", "NUM_PROXIES", "BEHIND_TLS_PROXY", "DATABASE_REPLICA_URLS",
}  # fmt: skip


def clean_environment(**env) -> dict:
    """This process's environment without the variables above, plus `env`."""
    return {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES} | env


def load_settings(**env):
    """Import tracker.settings in a fresh interpreter with exactly these variables set."""
    clean = clean_environment(**env)
    code = (
        "import django.conf, json; from tracker import settings as s; "
        "print(json.dumps({'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS, "
        "'engine': s.DATABASES['default']['ENGINE'], 'cache': s.CACHES['default']['BACKEND'], "
        "'secure_cookie': s.SESSION_COOKIE_SECURE}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = load_settings()
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_debug_is_off_by_default_and_production_is_secure():
    result = load_settings(SECRET_KEY="x" * 50, ALLOWED_HOSTS="tracker.example.org")
    assert result.returncode == 0, result.stderr
    assert '"debug": false' in result.stdout
    assert '"hosts": ["tracker.example.org"]' in result.stdout
    assert '"secure_cookie": true' in result.stdout


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, '"engine": "django.db.backends.sqlite3"'),
        (
            {"DATABASE_URL": "postgres://u:p@127.0.0.1:5432/db"},
            '"engine": "django.db.backends.postgresql"',
        ),
        (
            {"REDIS_URL": "redis://127.0.0.1:6379/0"},
            '"cache": "tracker.cache.TrackerRedisCache"',
        ),
        ({}, '"cache": "django.core.cache.backends.locmem.LocMemCache"'),
    ],
)
def test_database_and_cache_follow_the_environment(env, expected):
    result = load_settings(DEBUG="1", **env)
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout


def test_env_example_lists_every_variable_the_settings_read():
    settings_source = (ROOT / "tracker" / "settings.py").read_text()
    example = (ROOT / ".env.example").read_text()
    import re

    read = set(re.findall(r'env_(?:bool|list)\("([A-Z_]+)"', settings_source))
    read |= set(re.findall(r'os\.environ(?:\.get\(|\[)"([A-Z_]+)"', settings_source))
    listed = set(re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE))
    assert read, "the pattern found no variables: the test would pass vacuously"
    assert read <= listed, f"missing from .env.example: {sorted(read - listed)}"


def test_the_production_settings_pass_the_deployment_check(tmp_path):
    env = clean_environment(
        SECRET_KEY="a-production-like-key-" + "k3Y9" * 12,
        ALLOWED_HOSTS="tracker.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        REDIS_URL="redis://127.0.0.1:6379/0",  # the check does not connect
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_replica_urls_become_replica_databases_that_tests_never_create(tmp_path):
    env = clean_environment(
        DEBUG="1",
        DATABASE_URL="postgres://tracker:tracker@10.0.0.1:5432/tracker",
        DATABASE_REPLICA_URLS=" postgres://r:r@10.0.0.2:5432/tracker, postgres://r:r@10.0.0.3/t ",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    code = (
        "from django.conf import settings as s; import json; print(json.dumps([s.DATABASE_REPLICAS,"
        " [s.DATABASES[a]['HOST'] for a in s.DATABASE_REPLICAS],"
        " [s.DATABASES[a]['TEST']['MIRROR'] for a in s.DATABASE_REPLICAS], s.DATABASE_ROUTERS]))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    replicas, hosts, mirrors, routers = json.loads(result.stdout.splitlines()[-1])
    assert replicas == ["replica1", "replica2"] and hosts == ["10.0.0.2", "10.0.0.3"]
    assert mirrors == ["default", "default"]
    assert routers[-1] == "tracker.replicas.ReplicaRouter"

    # without the shared cache, the app refuses to start with replicas
    del env["REDIS_URL"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0 and "tracker.E002" in result.stderr


WRITERS_AT_ONCE = """
import threading, time, django
django.setup()
from django.db import connection, transaction
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE counter (k TEXT PRIMARY KEY, n INTEGER)")
    cursor.execute("INSERT INTO counter VALUES ('a', 0), ('b', 0)")
results = []
def save(key):  # as a save does: read the row, then write it, in one transaction
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT n FROM counter WHERE k = %s", [key])
            time.sleep(0.3)
            cursor.execute("UPDATE counter SET n = n + 1 WHERE k = %s", [key])
        results.append("saved")
    except Exception as error:
        results.append(str(error))
    finally:
        connection.close()
writers = [threading.Thread(target=save, args=(key,)) for key in "ab"]
[writer.start() for writer in writers]
[writer.join() for writer in writers]
print(results)
"""


def test_on_sqlite_two_editors_saving_at_once_both_save(tmp_path):
    """Each transaction reads, then writes: SQLite refused the second writer at once ("database
    is locked", a 503 for an editor) until transactions took the write lock as they began."""
    env = clean_environment(
        DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'two.sqlite3'}",
        DJANGO_SETTINGS_MODULE="tracker.settings",
    )  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", WRITERS_AT_ONCE], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip
    assert result.stdout.strip() == "['saved', 'saved']", result.stdout + result.stderr
