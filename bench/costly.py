"""`make costly`: do the endpoints whose cost grows with the data slow everyone else down?

The audit's S-2 (research/api-security-audit-2026-12.md): eight concurrent anonymous exports,
each from its own address, made a 9 ms page take 7.5 s. This serves the real dataset plus a
synthetic archive (BENCH_COSTLY_PLANS versions, 200 by default) from PostgreSQL with gunicorn
(production settings and rates, 2 workers, Redis, NUM_PROXIES=1 so that each attacker can
have its own address, as behind the documented proxy). For each costly endpoint, 8 attacker
clients, each from its own address, call it concurrently, a new call as soon as the last one
is answered (a 1 s pause after a refusal, as a client honouring Retry-After would not even
do), for BENCH_COSTLY_SECONDS (20); meanwhile readers request a cheap page every 20 ms.

Passes when, for every endpoint, the reader's median time is at most 2x its median without
the attack. The comparison pages are measured too and reported, but not held to the limit:
their cost is bounded by the two versions compared, not by the archive, and a flood of any
uncached page from many addresses is for the proxy's rate limits (SECURITY.md). Prints a
table and writes it as JSON under bench/results/.
"""

import datetime
import json
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
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
    wait_for,
)

PLANS = int(os.environ.get("BENCH_COSTLY_PLANS", "200"))
SECONDS = float(os.environ.get("BENCH_COSTLY_SECONDS", "20"))
ATTACKERS = 8
LIMIT = 2.0
CHEAP = "/api/themes/"
# what costs more the more data there is; {n} makes every call a new address (never cached)
COSTLY = {
    "export": "/api/export/",
    "API search": "/api/provisions/?q=troops&n={n}",
    "search page": "/search/?q=troops+ceiling&n={n}",
    "API provisions (200)": "/api/provisions/?page_size=200&n={n}",
    "API provisions CSV": f"/api/provisions/?format=csv&plan={LEFT}&n={{n}}",
    "scorecard": "/scorecard/?n={n}",
}
# bounded by the two versions compared, not by the archive: reported, not held to the limit
BOUNDED = {
    "comparison": f"/compare/{LEFT}/{RIGHT}/?n={{n}}",
    "comparison export": f"/compare/{LEFT}/{RIGHT}/export.csv?n={{n}}",
}


def get(url: str, address: str) -> tuple[int, float]:
    request = urllib.request.Request(url, headers={"X-Forwarded-For": address})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    return status, (time.perf_counter() - started) * 1000


def attack(base: str, path: str, index: int, seconds: float, counts) -> None:
    """One attacker process: ATTACKERS threads, each a client with its own address."""

    def client(number: int) -> None:
        address = f"198.51.100.{10 + index * ATTACKERS + number}"
        deadline = time.time() + seconds
        n = 0
        while time.time() < deadline:
            n += 1
            status, _ = get(base + path.replace("{n}", f"{number}-{n}"), address)
            with counts.get_lock():
                counts[0 if status == 200 else 1 if status == 429 else 2] += 1
            if status != 200:
                time.sleep(1)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(ATTACKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def reader(base: str, seconds: float) -> list[float]:
    """The cheap page's times, asked by a crowd of readers (each request from another address,
    so that none of them reaches the anonymous rate)."""
    times = []
    deadline = time.time() + seconds
    while time.time() < deadline:
        n = len(times)
        status, ms = get(base + CHEAP, f"203.0.{n // 250}.{n % 250 + 1}")
        if status == 200:
            times.append(ms)
        time.sleep(0.02)
    return times


def measure(base: str, name: str, path: str, index: int) -> dict:
    counts = multiprocessing.Array("i", 3)
    attacker = multiprocessing.Process(target=attack, args=(base, path, index, SECONDS, counts))
    attacker.start()
    time.sleep(1)  # let the attack reach its pace
    times = reader(base, SECONDS - 2)
    attacker.join()
    return {
        "endpoint": name,
        "path": path,
        "reader_p50_ms": round(statistics.median(times), 2),
        "reader_p90_ms": round(statistics.quantiles(times, n=10)[-1], 2),
        "attacker_200": counts[0],
        "attacker_429": counts[1],
        "attacker_other": counts[2],
    }


def main() -> int:
    database = "tracker_bench_costly"
    recreate_database(database)
    flush_redis()
    env = env_for(database)
    env.update(NUM_PROXIES="1", LOG_LEVEL="ERROR")  # no line per refused request
    for name in ("API_ANON_RATE", "COSTLY_ANON_RATE"):
        env.pop(name, None)  # the production defaults
    manage(env, "migrate", "-v0")
    manage(env, "load_dataset", "-v0")
    manage(env, "build_archive", "--plans", str(PLANS), "--provisions", "40")
    manage(env, "collectstatic", "--noinput", "-v0")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env["EXPORT_DIR"] = str(ROOT / "bench" / "results" / "export")
    server = subprocess.Popen(
        [GUNICORN, "tracker.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2", "--log-level", "error"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        wait_for(base + "/healthz")
        started = time.perf_counter()
        status, first_export_ms = get(base + "/api/export/", "192.0.2.1")
        assert status == 200, status
        reader(base, 1)  # warm both workers
        baseline = statistics.median(reader(base, SECONDS - 2))
        endpoints = [*COSTLY.items(), *BOUNDED.items()]
        rows = [measure(base, name, path, i) for i, (name, path) in enumerate(endpoints)]
        seconds = round(time.perf_counter() - started, 1)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    for row in rows:
        row["ratio"] = round(row["reader_p50_ms"] / baseline, 2)
    failed = [row["endpoint"] for row in rows if row["ratio"] > LIMIT and row["endpoint"] in COSTLY]
    lines = [
        f"costly endpoints, {PLANS} synthetic versions, gunicorn -w 2, {ATTACKERS} attackers "
        f"each, {SECONDS:g} s; reader: GET {CHEAP} every 20 ms",
        f"reader p50 without attack: {baseline:.2f} ms; first export written in "
        f"{first_export_ms:.0f} ms",
        f"{'endpoint':<24}{'reader p50':>12}{'x base':>8}{'p90':>10}{'attack 200':>12}"
        f"{'429':>7}{'other':>7}",
    ]
    for row in rows:
        lines.append(
            f"{row['endpoint']:<24}{row['reader_p50_ms']:>10.2f}ms{row['ratio']:>8.2f}"
            f"{row['reader_p90_ms']:>8.2f}ms"
            f"{row['attacker_200']:>12}{row['attacker_429']:>7}{row['attacker_other']:>7}"
            + ("" if row["endpoint"] in COSTLY else "  (bounded: not held to the limit)")
        )
    verdict = "FAILED " + ", ".join(failed) if failed else "met"
    lines.append(f"limit: reader p50 <= {LIMIT:g}x baseline: {verdict}")
    print("\n".join(lines))
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    (results / f"costly-{stamp}.json").write_text(
        json.dumps({"baseline_ms": baseline, "rows": rows, "seconds": seconds}, indent=2)
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
