"""`make load`: hold 64 concurrent connections on a mix of pages and API calls for 60 seconds.

Serves the real dataset plus a synthetic archive (BENCH_LOAD_PLANS versions, 200 by default) from
PostgreSQL with gunicorn (production settings, 2 workers, Redis as the shared cache) and drives it
with wrk, rotating over the URLs below. Passes when no response is outside 2xx/3xx, wrk saw no
socket error, and no worker's resident memory grew by more than 20% from the warmed-up start to
the end. Prints a short report and writes it as JSON under bench/results/.
"""

import datetime
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import (  # bench/run.py's helpers, from the same folder
    GUNICORN,
    LEFT,
    RIGHT,
    ROOT,
    env_for,
    flush_redis,
    free_port,
    manage,
    recreate_database,
    to_ms,
    wait_for,
    worker_rss_mb,
)

CONNECTIONS = int(os.environ.get("BENCH_LOAD_CONNECTIONS", "64"))
DURATION = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
PLANS = int(os.environ.get("BENCH_LOAD_PLANS", "200"))
MIX = [
    "/",
    f"/plans/{LEFT}/",
    f"/plans/{LEFT}/6/",
    f"/plans/{RIGHT}/4/",
    f"/compare/{LEFT}/{RIGHT}/",
    f"/compare/{LEFT}/{RIGHT}/?changes_only=on",
    "/search/?q=troops",
    "/search/?q=security+guarantees",
    # a new address every time: never in the page cache, rendered from the database under load
    "/search/?q=troops+ceiling&n={n}",
    "/scorecard/",
    "/api/plans/",
    "/api/provisions/?page_size=100",
    f"/api/plans/{LEFT}/provisions/",
    "/api/provisions/?page_size=20&ordering=-revision&n={n}",
    f"/api/compare/?left={LEFT}&right={RIGHT}",
    "/api/schema/",
    "/healthz",
]

# wrk: each request takes the next URL of the mix, and every status is counted
LUA = """
local paths = {%s}
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
function init(args)
  i = 0
  statuses = {}
end
function request()
  i = i %% #paths + 1
  n = (n or 0) + 1
  return wrk.format("GET", (paths[i]:gsub("{n}", tostring(n) .. "-" .. tostring(id))))
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  io.write("STATUSES")
  for status, count in pairs(total) do io.write(" ", status, "=", count) end
  io.write("\\n")
end
"""


def main() -> int:
    database = "tracker_bench_load"
    recreate_database(database)
    flush_redis()
    env = env_for(database)
    manage(env, "migrate", "-v0")
    manage(env, "load_dataset", "-v0")
    manage(env, "build_archive", "--plans", str(PLANS), "--provisions", "40")
    manage(env, "collectstatic", "--noinput", "-v0")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [GUNICORN, "tracker.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % ", ".join(json.dumps(path) for path in MIX))
    try:
        wait_for(base + "/healthz")
        for _ in range(3):  # warm both workers
            for path in MIX:
                urllib.request.urlopen(base + path.replace("{n}", "warm"), timeout=60).read()
        rss_start = worker_rss_mb(server.pid)
        started = time.time()
        out = subprocess.run(
            ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--latency", "-s", script.name,
             base],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        seconds = round(time.time() - started, 1)
        rss_end = worker_rss_mb(server.pid)
    finally:
        os.unlink(script.name)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    statuses = dict(
        (int(code), int(count))
        for code, count in (part.split("=") for part in out.split("STATUSES")[1].split())
    )
    errors = sum(count for code, count in statuses.items() if not 200 <= code < 400)
    socket_errors = "Socket errors" in out
    pairs = zip(rss_start, rss_end, strict=True)
    growth = [round((end / start - 1) * 100, 1) for start, end in pairs]
    result = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "plans_added": PLANS,
        "connections": CONNECTIONS,
        "seconds": seconds,
        "urls": MIX,
        "requests": sum(statuses.values()),
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": to_ms(re.search(r"\s50%\s+(\S+)", out).group(1)),
        "p99_ms": to_ms(re.search(r"\s99%\s+(\S+)", out).group(1)),
        "statuses": statuses,
        "non_2xx_3xx": errors,
        "socket_errors": out.split("Socket errors:")[1].split("\n")[0].strip()
        if socket_errors
        else "none",
        "worker_rss_mb_start": rss_start,
        "worker_rss_mb_end": rss_end,
        "worker_rss_growth_percent": growth,
    }
    path = ROOT / "bench" / "results" / f"load-{result['date'].replace(':', '')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2))
    print(
        f"{result['requests']} requests in {seconds} s over {CONNECTIONS} connections "
        f"({result['requests_per_second']:.0f} req/s, p50 {result['p50_ms']} ms, "
        f"p99 {result['p99_ms']} ms); statuses {statuses}; socket errors: "
        f"{result['socket_errors']}\nworker memory {rss_start} -> {rss_end} MB "
        f"(growth {growth} %); written to {path.relative_to(ROOT)}"
    )
    ok = errors == 0 and not socket_errors and all(g <= 20 for g in growth)
    print("load: held" if ok else "load: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
