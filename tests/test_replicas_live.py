"""Read replicas against a real PostgreSQL streaming replica on loopback (tracker.replicas).

The harness makes two throwaway clusters (scripts/pgclusters.py): a primary on port 5443 and a
replica of it made with `pg_basebackup -R` on 5444, migrates the primary, and serves the app
with gunicorn (production settings, Redis as the shared cache) reading from the replica. Then,
over HTTP, as a researcher would:

1. with the replica's replay paused (real lag), an editor's write is read back at once: by the
   writer (pinned to the primary by the cookie) and by everyone else (the replica is behind the
   last write, so the primary answers), while the replica itself still lacks the row;
2. with the primary stopped, anonymous reads nobody has cached keep answering 200 from the
   replica and writes answer 503; started again, writes succeed without restarting the app;
3. with every database stopped, responses already in the shared cache keep answering 200.

It runs with the PostgreSQL suite (one run at a time may hold the clusters' ports) and needs
root or sudo to make clusters.
"""

import http.cookiejar
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.scratch import scratch_redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))

import pgclusters  # noqa: E402
from run import free_port, wait_for  # noqa: E402  (bench/run.py's helpers)

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="runs with the PostgreSQL suite",
    ),
    pytest.mark.skipif(not pgclusters.available(), reason="needs pg_createcluster and root"),
]

PRIMARY = pgclusters.Cluster("replica-test-primary", 5443)
REPLICA = pgclusters.Cluster("replica-test-standby", 5444)
BIN = Path(sys.executable).parent


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
        capture_output=True, text=True,
    )  # fmt: skip


@pytest.fixture(scope="module")
def site():
    PRIMARY.drop()
    PRIMARY.ensure_primary()
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL"}}
    env.update(
        DATABASE_URL=PRIMARY.url,
        SECRET_KEY="replica-test-only-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        API_ANON_RATE="100000/minute",
        REDIS_URL=scratch_redis(1),
    )
    manage(env, "migrate", "-v0")
    manage({**env, "TRACKER_PASSWORD": "a long replica passphrase"},
           "create_account", "replica-editor", "--role", "editor")  # fmt: skip
    token = manage(env, "drf_create_token", "replica-editor").stdout.split()[2]
    REPLICA.make_replica_of(PRIMARY)
    REPLICA.wait_replayed(PRIMARY)
    subprocess.run(["redis-cli", "-u", scratch_redis(1), "flushdb"], check=True,
                   capture_output=True)  # fmt: skip
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "tracker.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2",
         "--log-level", "warning", "--timeout", "30"],
        cwd=ROOT, env={**env, "DATABASE_REPLICA_URLS": REPLICA.url},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/healthz", seconds=60)
        yield base, token
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        REPLICA.drop()
        PRIMARY.drop()


class Client:
    """An HTTP client that keeps cookies (as a browser does) or not (as a script does)."""

    def __init__(self, base, token=None, cookies=True):
        self.base, self.token = base, token
        handlers = [urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())]
        self.opener = urllib.request.build_opener(*handlers if cookies else [])

    def __call__(self, method, path, data=None):
        request = urllib.request.Request(
            self.base + path,
            method=method,
            data=None if data is None else json.dumps(data).encode(),
            headers={"Accept": "application/json", "Content-Type": "application/json"},
        )
        if self.token:
            request.add_header("Authorization", f"Token {self.token}")
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers, json.loads(response.read() or "null")
        except urllib.error.HTTPError as error:
            return error.code, error.headers, json.loads(error.read() or "null")


def until(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_a_write_is_read_back_at_once_though_the_replica_lags(site):
    base, token = site
    editor, script = Client(base, token), Client(base, token, cookies=False)
    anonymous = Client(base, cookies=False)
    REPLICA.psql("SELECT pg_wal_replay_pause()")
    try:
        status, headers, _ = editor("POST", "/api/themes/", {"slug": "lag", "name": "Lag"})
        assert status == 201
        assert "tracker_primary=" in headers["Set-Cookie"]  # the writer is pinned for a while
        # the replica really lags: it has not replayed the write
        assert REPLICA.psql("SELECT count(*) FROM provisions_theme", "tracker") == "0"
        for client in (editor, script, anonymous):
            status, _, body = client("GET", "/api/themes/lag/")
            assert (status, body.get("name")) == (200, "Lag")
        status, _, body = anonymous("GET", "/api/themes/")
        assert [theme["slug"] for theme in body["results"]] == ["lag"]
    finally:
        REPLICA.psql("SELECT pg_wal_replay_resume()")
    REPLICA.wait_replayed(PRIMARY)
    assert REPLICA.psql("SELECT count(*) FROM provisions_theme", "tracker") == "1"


def test_reads_survive_the_primary_and_writes_recover_without_a_restart(site):
    base, token = site
    editor, anonymous = Client(base, token, cookies=False), Client(base, cookies=False)
    assert editor("POST", "/api/themes/", {"slug": "before", "name": "Before"})[0] == 201
    REPLICA.wait_replayed(PRIMARY)
    PRIMARY.stop()
    try:
        for n in range(6):  # new URLs each time: nothing cached, every one read from the replica
            status, _, body = anonymous("GET", f"/api/themes/before/?n={n}")
            assert (status, body["name"]) == (200, "Before")
        status, _, body = editor("POST", "/api/themes/", {"slug": "during", "name": "During"})
        assert (status, body["code"]) == (503, "database_unavailable")
    finally:
        PRIMARY.start()
    until(lambda: editor("POST", "/api/themes/", {"slug": "after", "name": "After"})[0] == 201)
    assert anonymous("GET", "/api/themes/after/")[0] == 200


def test_cached_responses_answer_with_every_database_down(site):
    base, _ = site
    anonymous = Client(base, cookies=False)
    assert anonymous("GET", "/api/themes/?page_size=11")[0] == 200  # now in the shared cache
    REPLICA.stop()
    PRIMARY.stop()
    try:
        for _ in range(4):  # both workers, from Redis
            status, _, body = anonymous("GET", "/api/themes/?page_size=11")
            assert status == 200 and body["results"]
        assert anonymous("GET", "/api/themes/?page_size=12")[0] == 503  # not cached: no database
    finally:
        PRIMARY.start()
        REPLICA.start()
    until(lambda: anonymous("GET", "/api/themes/?page_size=13")[0] == 200)
