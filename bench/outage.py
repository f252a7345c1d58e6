"""`make outage`: the app under load while its databases stop, with a read replica.

It never touches the main cluster (port 5432). It uses throwaway clusters
(scripts/pgclusters.py): a primary `15 outage` on port 5439 (created if missing, with a role and
database "tracker"), migrated and loaded with the dataset, and a streaming replica of it,
`15 outage-replica` on 5440, made afresh with `pg_basebackup -R`. It serves the app with
gunicorn (2 workers, production settings, Redis as the shared cache, reads from the replica:
DATABASE_REPLICA_URLS) and drives it with client threads:

- readers, each asking in turn for a plan page and an API list (both served from the page cache
  once rendered) and an API detail with a new query string every time (never cached: always
  read from a database);
- a writer, an editor with an API token, who creates a theme and at once reads it back without
  a cookie (a script's way): a read-back that misses the row would be replication lag shown.

Two stages, each OUTAGE_DOWN (10) seconds after OUTAGE_BEFORE (5), with OUTAGE_AFTER (8) after:

1. the primary is stopped (`pg_ctlcluster … stop -m fast`) and started again;
2. every database, primary and replica, is stopped and started again.

Every request's start, end, kind and status are kept; the script prints per-second status
counts and, per phase and kind of request, the statuses, the slowest request and the recovery
times, and writes them as JSON under bench/results/. Needs root (or sudo) for the cluster
commands. OUTAGE_CLIENTS (6) readers; OUTAGE_REPLICA=0 runs without a replica (stage 1 only);
OUTAGE_KEEP_CLUSTER=1 leaves the clusters running afterwards.
"""

import collections
import concurrent.futures
import datetime
import http.client
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import pgclusters
from run import free_port, wait_for  # bench/run.py's helpers, from the same folder

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
RESULTS = ROOT / "bench" / "results"

PRIMARY = pgclusters.Cluster("outage", int(os.environ.get("OUTAGE_PORT", "5439")))
REPLICA = pgclusters.Cluster("outage-replica", PRIMARY.port + 1)
WITH_REPLICA = os.environ.get("OUTAGE_REPLICA", "1") != "0"
CLIENTS = int(os.environ.get("OUTAGE_CLIENTS", "6"))
BEFORE = float(os.environ.get("OUTAGE_BEFORE", "5"))
DOWN = float(os.environ.get("OUTAGE_DOWN", "10"))
AFTER = float(os.environ.get("OUTAGE_AFTER", "8"))
KEEP_CLUSTER = os.environ.get("OUTAGE_KEEP_CLUSTER") == "1"
REDIS_URL = os.environ.get("OUTAGE_REDIS_URL", "redis://127.0.0.1:6379/5")
PLAN = "us-russia-28-2025-11"
READS = {  # kind: path (a counter makes the uncached one a new address every time)
    "cached page": f"/plans/{PLAN}/",
    "cached API": "/api/provisions/?page_size=20",
    "uncached read": f"/api/plans/{PLAN}/?n={{n}}",
}
EDITOR = "outage-editor"
REQUEST_TIMEOUT = 30


# --- the app -----------------------------------------------------------------------------------


def app_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "REDIS_URL"}}
    env.update(
        DATABASE_URL=PRIMARY.url,
        REDIS_URL=REDIS_URL,
        SECRET_KEY="outage-bench-only-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        API_ANON_RATE="100000000/minute",
        COSTLY_ANON_RATE="100000000/minute",
        STATIC_ROOT=str(RESULTS / "outage-static"),
    )
    return env


def manage(env: dict, *args: str) -> str:
    return subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def prepare_app(env: dict) -> str:
    """Migrate and load the primary, make the replica from it; the editor's API token."""
    PRIMARY.ensure_primary()
    manage(env, "migrate", "-v0")
    manage(env, "load_dataset", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    manage({**env, "TRACKER_PASSWORD": "an outage bench passphrase"},
           "create_account", EDITOR, "--role", "editor")  # fmt: skip
    manage(env, "shell", "-c", "from provisions.models import Theme; "
           "Theme.objects.filter(slug__startswith='outage-').delete()")  # fmt: skip
    token = manage(env, "drf_create_token", "--reset", EDITOR).split()[2]
    if WITH_REPLICA:
        REPLICA.make_replica_of(PRIMARY)
        REPLICA.wait_replayed(PRIMARY)
        env["DATABASE_REPLICA_URLS"] = REPLICA.url
    subprocess.run(["redis-cli", "-u", REDIS_URL, "flushdb"], check=True, capture_output=True)
    return token


# --- the load ----------------------------------------------------------------------------------


class Load:
    """Reader threads asking for READS in turn, and one writer, until told to stop."""

    def __init__(self, port: int, clients: int, token: str):
        self.port, self.clients, self.token = port, clients, token
        self.stopping = threading.Event()
        self.records: list[tuple[float, float, int, str]] = []  # start, end, status, kind
        self.lock = threading.Lock()
        self.counter = itertools.count()

    def request(self, method: str, path: str, body: dict | None = None, token=None) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        headers = {"Host": "127.0.0.1", "Accept-Encoding": "gzip"}
        if token:
            headers |= {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        try:
            conn.request(method, path, body=json.dumps(body) if body else None, headers=headers)
            response = conn.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            return 0  # no answer: refused, reset or timed out
        finally:
            conn.close()

    def timed(self, kind: str, *args, **kwargs) -> int:
        started = time.monotonic()
        status = self.request(*args, **kwargs)
        with self.lock:
            self.records.append((started, time.monotonic(), status, kind))
        return status

    def reader(self, offset: int) -> None:
        kinds = list(READS)
        for turn in itertools.count(offset):
            if self.stopping.is_set():
                return
            kind = kinds[turn % len(kinds)]
            self.timed(kind, "GET", READS[kind].format(n=next(self.counter)))

    def writer(self) -> None:
        while not self.stopping.is_set():
            slug = f"outage-{next(self.counter)}"
            body = {"slug": slug, "name": slug}
            if self.timed("write", "POST", "/api/themes/", body, token=self.token) == 201:
                # at once, and without the pin cookie: only the recorded position keeps it fresh
                self.timed("read-back", "GET", f"/api/themes/{slug}/", token=self.token)
            time.sleep(0.1)

    def __enter__(self):
        self.pool = concurrent.futures.ThreadPoolExecutor(self.clients + 1)
        self.futures = [self.pool.submit(self.reader, n) for n in range(self.clients)]
        self.futures.append(self.pool.submit(self.writer))
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for future in self.futures:
            future.result()
        self.pool.shutdown()


def outage(clusters: list, marks: dict, stage: str) -> None:
    """Stop `clusters` for DOWN seconds and start them again, marking each moment."""
    marks[f"{stage} stop issued"] = time.monotonic()
    try:
        for cluster in clusters:
            cluster.stop()
        marks[f"{stage} stopped"] = time.monotonic()
        time.sleep(DOWN)
    finally:
        marks[f"{stage} start issued"] = time.monotonic()
        for cluster in clusters:
            cluster.start()
        marks[f"{stage} started"] = time.monotonic()


# --- the figures -------------------------------------------------------------------------------


def status_class(status: int) -> str:
    if status == 0:
        return "no answer"
    if 200 <= status < 300:
        return "2xx"
    return str(status)


def phases(marks: dict, stages: list[str]) -> list[tuple[str, float, float]]:
    """(name, from, to) for the time with every database up and with each stage's down; the
    stops and starts themselves fall between them."""
    spans, up_since = [], 0.0
    for number, stage in enumerate(stages, 1):
        spans.append(("up" if number == 1 else f"after {stages[number - 2]}", up_since,
                      marks[f"{stage} stop issued"]))  # fmt: skip
        spans.append((stage, marks[f"{stage} stopped"], marks[f"{stage} start issued"]))
        up_since = marks[f"{stage} started"]
    spans.append((f"after {stages[-1]}", up_since, float("inf")))
    return spans


def summarise(records, t0: float, marks: dict, stages: list[str]) -> dict:
    spans = phases(marks, stages)

    def phase(begin: float, end: float) -> str:
        for name, low, high in spans:
            if begin >= low and end < high:
                return name
        return "transition"

    counts = collections.defaultdict(collections.Counter)  # (phase, kind) -> statuses
    slowest = collections.defaultdict(float)
    seconds = collections.defaultdict(collections.Counter)
    for begin, end, status, kind in records:
        name = phase(begin, end)
        counts[name, kind][status_class(status)] += 1
        slowest[name, kind] = max(slowest[name, kind], end - begin)
        seconds[int(end - t0)][status_class(status)] += 1

    def first_ok_after(moment: float, kinds: set) -> float | None:
        done = sorted(e for b, e, s, k in records if b >= moment and k in kinds and s < 300)
        return None if not done else round(done[0] - moment, 3)

    recovery = {
        stage: {
            "start command took": round(marks[f"{stage} started"] - marks[f"{stage} start "
                                                                         "issued"], 3),
            "first write after the start command": first_ok_after(
                marks[f"{stage} start issued"], {"write"}),
            "first uncached read after the start command": first_ok_after(
                marks[f"{stage} start issued"], {"uncached read"}),
        }
        for stage in stages
    }  # fmt: skip
    order = [name for name, _, _ in spans] + ["transition"]
    return {
        "marks_s": {name: round(value - t0, 3) for name, value in marks.items()},
        "phases": [
            {
                "phase": name,
                "kind": kind,
                "statuses": dict(counts[name, kind]),
                "slowest_ms": round(slowest[name, kind] * 1000, 1),
            }
            for name in order
            for kind in [*READS, "write", "read-back"]
            if counts[name, kind]
        ],
        "recovery_s": recovery,
        "per_second": [{"second": n, **dict(seconds[n])} for n in sorted(seconds)],
    }


def table(summary: dict) -> str:
    columns = sorted({key for row in summary["per_second"] for key in row} - {"second"},
                     key=lambda c: (c != "2xx", c))  # fmt: skip
    lines = ["  s" + "".join(f"{c:>10}" for c in columns)]
    for row in summary["per_second"]:
        lines.append(f"{row['second']:>3}" + "".join(f"{row.get(c, 0):>10}" for c in columns))
    lines.append("")
    lines.append("marks (s): " + ", ".join(f"{k} {v}" for k, v in summary["marks_s"].items()))
    lines.append("")
    lines.append(f"{'phase':<26}{'kind':<16}{'statuses':<34}slowest ms")
    for row in summary["phases"]:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(row["statuses"].items()))
        lines.append(f"{row['phase']:<26}{row['kind']:<16}{statuses:<34}{row['slowest_ms']}")
    lines.append("")
    for stage, figures in summary["recovery_s"].items():
        text = ", ".join(f"{k} {v} s" for k, v in figures.items())
        lines.append(f"recovery from {stage}: {text}")
    return "\n".join(lines)


def main() -> int:
    env = app_env()
    token = prepare_app(env)
    RESULTS.mkdir(parents=True, exist_ok=True)
    log_path = RESULTS / "outage-gunicorn.log"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [GUNICORN, "tracker.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2",
             "--log-level", "warning", "--timeout", "30"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    stages = {"primary down": [PRIMARY]}
    if WITH_REPLICA:
        stages["every database down"] = [PRIMARY, REPLICA]
    marks = {}
    try:
        wait_for(base + "/healthz")
        for path in [READS["cached page"], READS["cached API"]] * 4:  # warm both workers
            urllib.request.urlopen(base + path, timeout=60).read()
        with Load(port, CLIENTS, token) as load:
            t0 = time.monotonic()
            for stage, clusters in stages.items():
                time.sleep(BEFORE if stage == "primary down" else AFTER)
                outage(clusters, marks, stage)
            time.sleep(AFTER)
        records = list(load.records)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        if not KEEP_CLUSTER:
            for cluster in (REPLICA, PRIMARY):
                if cluster.online():
                    cluster.stop()

    summary = summarise(records, t0, marks, list(stages))
    log_text = log_path.read_text()
    summary["server_log"] = {
        "lines": len(log_text.splitlines()),
        "database_unavailable_lines": log_text.count("database unavailable:"),
        "tracebacks": log_text.count("Traceback"),
    }
    result = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "clients": CLIENTS,
        "replica": WITH_REPLICA,
        "reads": READS,
        "down_seconds": DOWN,
        "requests": len(records),
        **summary,
    }
    path = RESULTS / f"outage-{result['date'].replace(':', '')}.json"
    path.write_text(json.dumps(result, indent=2))
    print(table(summary))
    print(
        f"server log: {summary['server_log']['database_unavailable_lines']} 'database "
        f"unavailable' lines, {summary['server_log']['tracebacks']} tracebacks "
        f"({log_path.relative_to(ROOT)})"
    )
    print(f"\n{len(records)} requests, {CLIENTS} readers and a writer, {os.cpu_count()} cores; "
          f"written to {path.relative_to(ROOT)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
