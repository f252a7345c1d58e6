"""`make outage`: the app under load while its PostgreSQL server stops for 10 seconds.

It never touches the main cluster (port 5432). It uses a dedicated PostgreSQL cluster
`15 outage` on port 5439 (created if missing, with a role and database "tracker"), migrates and
loads the dataset into it, and serves the app with gunicorn (2 workers, production settings).
A pool of client threads requests a page and an API endpoint in turn; after a few seconds the
cluster is stopped (`pg_ctlcluster … stop -m fast`), kept down for 10 seconds, and started
again. Every request's start, end and status are kept; the script prints per-second status
counts and a summary (before / during / after, the slowest request during the outage, the
recovery time), writes them as JSON under bench/results/, and stops the outage cluster again.

Needs root (or sudo) for pg_createcluster and pg_ctlcluster. Settings: OUTAGE_PORT (5439),
OUTAGE_CLIENTS (6), OUTAGE_BEFORE (5 s), OUTAGE_DOWN (10 s), OUTAGE_AFTER (8 s),
OUTAGE_KEEP_CLUSTER=1 to leave the cluster running afterwards.
"""

import collections
import concurrent.futures
import datetime
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import free_port, wait_for  # bench/run.py's helpers, from the same folder

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
RESULTS = ROOT / "bench" / "results"

VERSION = "15"
CLUSTER = "outage"
PORT = int(os.environ.get("OUTAGE_PORT", "5439"))
CLIENTS = int(os.environ.get("OUTAGE_CLIENTS", "6"))
BEFORE = float(os.environ.get("OUTAGE_BEFORE", "5"))
DOWN = float(os.environ.get("OUTAGE_DOWN", "10"))
AFTER = float(os.environ.get("OUTAGE_AFTER", "8"))
KEEP_CLUSTER = os.environ.get("OUTAGE_KEEP_CLUSTER") == "1"
URLS = ["/plans/us-russia-28-2025-11/", "/api/provisions/?page_size=20"]
REQUEST_TIMEOUT = 30


# --- the dedicated cluster ---------------------------------------------------------------------


def as_postgres(*command: str) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return ["sudo", "-u", "postgres", *command]


def ctl(action: str, *options: str) -> None:
    assert CLUSTER != "main"  # the main cluster is never stopped from here
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", VERSION, CLUSTER, action, *options]
    if os.geteuid() != 0:
        command = ["sudo", *command]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def cluster_status() -> str | None:
    out = subprocess.run(
        ["pg_lsclusters", "--no-header"], check=True, capture_output=True, text=True
    ).stdout
    for line in out.splitlines():
        fields = line.split()
        if fields[:2] == [VERSION, CLUSTER]:
            if int(fields[2]) != PORT:
                sys.exit(f"outage: cluster {VERSION}/{CLUSTER} exists on port {fields[2]}")
            return fields[3]
    return None


def psql(sql: str) -> str:
    return subprocess.run(
        as_postgres("psql", "-X", "-q", "-tA", "-p", str(PORT), "-d", "postgres", "-c", sql),
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip


def ensure_cluster() -> None:
    status = cluster_status()
    if status is None:
        print(f"outage: creating PostgreSQL cluster {VERSION}/{CLUSTER} on port {PORT}")
        command = ["pg_createcluster", VERSION, CLUSTER, "--port", str(PORT)]
        subprocess.run(command if os.geteuid() == 0 else ["sudo", *command], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        status = "down"
    if status != "online":
        ctl("start")
    psql(
        "DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tracker') THEN "
        "CREATE ROLE tracker LOGIN PASSWORD 'tracker'; END IF; END$$;"
    )
    if psql("SELECT 1 FROM pg_database WHERE datname = 'tracker'") != "1":
        psql("CREATE DATABASE tracker OWNER tracker")


# --- the app -----------------------------------------------------------------------------------


def app_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "REDIS_URL"}}
    env.update(
        DATABASE_URL=f"postgres://tracker:tracker@127.0.0.1:{PORT}/tracker",
        SECRET_KEY="outage-bench-only-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        API_ANON_RATE="100000000/minute",
        COSTLY_ANON_RATE="100000000/minute",
        STATIC_ROOT=str(RESULTS / "outage-static"),
    )
    return env


def prepare_app(env: dict) -> None:
    for args in (
        ["migrate", "-v0"],
        ["load_dataset", "-v0"],
        ["collectstatic", "--noinput", "-v0"],
    ):
        subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


# --- the load ----------------------------------------------------------------------------------


class Load:
    """Client threads, each requesting the URLs in turn until told to stop."""

    def __init__(self, port: int, clients: int):
        self.port, self.clients = port, clients
        self.stopping = threading.Event()
        self.records: list[tuple[float, float, int, str]] = []  # start, end, status, url
        self.lock = threading.Lock()

    def request(self, path: str) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            conn.request("GET", path, headers={"Host": "127.0.0.1", "Accept-Encoding": "gzip"})
            response = conn.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            return 0  # no answer: refused, reset or timed out
        finally:
            conn.close()

    def client(self, offset: int) -> None:
        turn = offset
        while not self.stopping.is_set():
            path = URLS[turn % len(URLS)]
            turn += 1
            started = time.monotonic()
            status = self.request(path)
            with self.lock:
                self.records.append((started, time.monotonic(), status, path))

    def __enter__(self):
        self.pool = concurrent.futures.ThreadPoolExecutor(self.clients)
        self.futures = [self.pool.submit(self.client, n) for n in range(self.clients)]
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for future in self.futures:
            future.result()
        self.pool.shutdown()


# --- the figures -------------------------------------------------------------------------------


def status_class(status: int) -> str:
    if status == 0:
        return "no answer"
    if 200 <= status < 300:
        return "2xx"
    return str(status)


def summarise(records, t0: float, marks: dict) -> dict:
    """Per-second counts by completion time, and the phases:

    before: finished before the stop command was issued;
    during: started after the server had stopped (stop command returned) and finished before
            the start command was issued;
    after:  started after the start command returned.
    Requests in flight across a stop or a start are counted apart ("transition").
    """
    stop_issued, stopped = marks["stop_issued"], marks["stopped"]
    start_issued, started = marks["start_issued"], marks["started"]

    def phase(begin: float, end: float) -> str:
        if end < stop_issued:
            return "before"
        if begin >= stopped and end < start_issued:
            return "during"
        if begin >= started:
            return "after"
        return "transition"

    phases = {name: collections.Counter() for name in ("before", "transition", "during", "after")}
    slowest = dict.fromkeys(phases, 0.0)
    seconds: dict[int, collections.Counter] = collections.defaultdict(collections.Counter)
    slowest_in_second: dict[int, float] = collections.defaultdict(float)
    for begin, end, status, _path in records:
        name = phase(begin, end)
        phases[name][status_class(status)] += 1
        slowest[name] = max(slowest[name], end - begin)
        second = int(end - t0)
        seconds[second][status_class(status)] += 1
        slowest_in_second[second] = max(slowest_in_second[second], end - begin)

    # the outage window: every request finished between the stop and the start commands
    outage = [(b, e, s) for b, e, s, _ in records if stop_issued <= e < start_issued]
    recovering = sorted((e, s) for b, e, s, _ in records if e >= start_issued)
    first_ok = next((e for e, s in recovering if 200 <= s < 300), None)
    last_bad = max((e for e, s in recovering if not 200 <= s < 300), default=None)
    all_ok = max(last_bad or start_issued, first_ok or start_issued)

    def rel(moment):
        return None if moment is None else round(moment - t0, 3)

    return {
        "marks_s": {name: rel(value) for name, value in marks.items()},
        "phases": {name: dict(counts) for name, counts in phases.items()},
        "slowest_ms": {name: round(value * 1000, 1) for name, value in slowest.items()},
        "outage_window": {
            "requests": len(outage),
            "statuses": dict(collections.Counter(status_class(s) for _, _, s in outage)),
            "slowest_ms": round(max((e - b for b, e, _ in outage), default=0) * 1000, 1),
        },
        "recovery_s": {
            "start_command_took": round(started - start_issued, 3),
            "to_first_2xx": None if first_ok is None else round(first_ok - start_issued, 3),
            "to_all_2xx": round(all_ok - start_issued, 3),
        },
        "per_second": [
            {
                "second": second,
                **dict(seconds[second]),
                "slowest_ms": round(slowest_in_second[second] * 1000, 1),
            }
            for second in sorted(seconds)
        ],
    }


def table(summary: dict) -> str:
    marks = summary["marks_s"]
    columns = sorted(
        {key for row in summary["per_second"] for key in row} - {"second", "slowest_ms"},
        key=lambda c: (c != "2xx", c),
    )

    def label(second: int) -> str:
        low, high = second, second + 1
        if high <= marks["stop_issued"] or low >= marks["started"]:
            return "up"
        if low >= marks["stopped"] and high <= marks["start_issued"]:
            return "down"
        return "stopping" if low < marks["stopped"] else "starting"

    lines = ["  s  state     " + "".join(f"{c:>10}" for c in columns) + "   slowest ms"]
    for row in summary["per_second"]:
        cells = "".join(f"{row.get(c, 0):>10}" for c in columns)
        lines.append(
            f"{row['second']:>3}  {label(row['second']):<9} {cells}   {row['slowest_ms']:>9}"
        )
    lines.append("")
    for name, counts in summary["phases"].items():
        text = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "none"
        lines.append(f"{name:<11} {text}  (slowest {summary['slowest_ms'][name]} ms)")
    window = summary["outage_window"]
    lines.append(
        f"outage window (finished between stop and start): {window['requests']} requests, "
        f"{window['statuses']}, slowest {window['slowest_ms']} ms"
    )
    recovery = summary["recovery_s"]
    lines.append(
        f"recovery from the start command: first 2xx after {recovery['to_first_2xx']} s, "
        f"all 2xx after {recovery['to_all_2xx']} s "
        f"(the start command itself took {recovery['start_command_took']} s)"
    )
    return "\n".join(lines)


def main() -> int:
    ensure_cluster()
    env = app_env()
    prepare_app(env)
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
    marks = {}
    try:
        wait_for(base + "/healthz")
        for path in URLS * 4:  # warm both workers
            urllib.request.urlopen(base + path, timeout=60).read()
        with Load(port, CLIENTS) as load:
            t0 = time.monotonic()
            time.sleep(BEFORE)
            marks["stop_issued"] = time.monotonic()
            try:
                ctl("stop", "-m", "fast")
                marks["stopped"] = time.monotonic()
                time.sleep(DOWN)
            finally:
                marks["start_issued"] = time.monotonic()
                ctl("start")
                marks["started"] = time.monotonic()
            time.sleep(AFTER)
            marks["load_stopped"] = time.monotonic()
        records = list(load.records)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        if not KEEP_CLUSTER and cluster_status() == "online":
            ctl("stop", "-m", "fast")

    summary = summarise(records, t0, marks)
    log_text = log_path.read_text()
    summary["server_log"] = {
        "lines": len(log_text.splitlines()),
        "database_unavailable_lines": len(re.findall(r"database unavailable:", log_text)),
        "tracebacks": log_text.count("Traceback"),
    }
    result = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "clients": CLIENTS,
        "urls": URLS,
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
    print(f"\n{len(records)} requests, {CLIENTS} clients, {os.cpu_count()} cores; "
          f"written to {path.relative_to(ROOT)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
