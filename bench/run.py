"""`make bench`: the app under load at two archive sizes, against the framework's own limit.

For each size (10 and 1,000 synthetic versions on top of the real dataset) it builds a fresh
PostgreSQL database, counts SQL queries per request, serves the app with gunicorn (production
settings, 2 workers) on loopback, drives every endpoint with wrk at fixed concurrency, and reads
the workers' memory. Then it compares diffing.py with the redlines package on the real linked
provisions. Prints one table and writes it as JSON under bench/results/.
"""

import datetime
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
SERVER = os.environ.get("BENCH_SERVER", "postgres://tracker:tracker@127.0.0.1:5432")
# production setup: a shared Redis cache (its own database number, emptied for each size)
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/15")
SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "10,1000").split(",")]
DURATION = os.environ.get("BENCH_DURATION", "5s")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "16")

LEFT, RIGHT = "us-russia-28-2025-11", "us-ukraine-20-2025-12"
ENDPOINTS = [
    ("baseline", "/healthz"),
    ("home", "/"),
    ("plan page", f"/plans/{LEFT}/"),
    ("provision page", f"/plans/{LEFT}/6/"),
    ("compare 28/20 (warm)", f"/compare/{LEFT}/{RIGHT}/"),
    ("search", "/search/?q=troops"),
    ("scorecard", "/scorecard/"),
    ("board 20-point", f"/plans/{RIGHT}/board/"),
    ("API board", f"/api/plans/{RIGHT}/board/"),
    ("API provisions (100)", "/api/provisions/?page_size=100"),
    ("API compare", f"/api/compare/?left={LEFT}&right={RIGHT}"),
    # the first synthetic point has eight witnesses (build_archive)
    ("provision, 8 witnesses", "/plans/synthetic-00000/1/"),
    ("API collation (8)", "/api/plans/synthetic-00000/provisions/1/collation/"),
    ("variants", "/variants/"),
    # the pictures (issue 19); the provision page above draws its lineage and phrase origins
    ("flow 28/19/20", "/flow/"),
    ("flow 28/20", f"/compare/{LEFT}/{RIGHT}/flow/"),
    ("flow 28/20 PNG", f"/compare/{LEFT}/{RIGHT}/flow.png"),
    ("compare 28/20 origins", f"/compare/{LEFT}/{RIGHT}/?layout=origins"),
    ("timeline", "/timeline/"),
]
WITNESS_PAGES = ("provision, 8 witnesses", "API collation (8)")
WITNESS_RENDER_MS = 50
PICTURE_PAGES = ("flow 28/19/20", "flow 28/20", "compare 28/20 origins", "timeline")
PICTURE_RENDER_MS = 100  # uncached; the PNG export is reported, not held to it
TARGET_RATIO = {"search": 0.3}
COLD_RATIO = 3  # the comparison with every cache empty, against its render from cached rows
# in-process timings are the best of this many runs of bench_probe: on a shared 2-core machine
# single runs differ by a third, and the targets are judged on them
PROBE_RUNS = int(os.environ.get("BENCH_PROBE_RUNS", "3"))


def env_for(database: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "REDIS_URL"}}
    env.update(
        DATABASE_URL=f"{SERVER}/{database}",
        REDIS_URL=REDIS,
        SECRET_KEY="bench-only-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1,testserver",
        SECURE_SSL_REDIRECT="0",
        API_ANON_RATE="100000000/minute",
        COSTLY_ANON_RATE="100000000/minute",
        STATIC_ROOT=str(ROOT / "bench" / "results" / "static"),
    )
    return env


def manage(env, *args, capture=False):
    result = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, text=True,
        stdout=subprocess.PIPE if capture else None,
    )  # fmt: skip
    return result.stdout


def recreate_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS).flushdb()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 20) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer at {url}")


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def run_wrk(url: str) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", url],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = to_ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "rps": rps,
        "p50_ms": p50,
        "p99_ms": p99,
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def worker_rss_mb(master: int) -> list[float]:
    rss = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master}$", text, re.MULTILINE):
            rss.append(int(re.search(r"^VmRSS:\s+(\d+)", text, re.MULTILINE).group(1)) / 1024)
    return sorted(rss)


def measure_size(size: int) -> dict:
    database = f"tracker_bench_{size}"
    recreate_database(database)
    flush_redis()
    env = env_for(database)
    started = time.time()
    manage(env, "migrate", "-v0")
    manage(env, "load_dataset", "-v0")
    manage(env, "build_archive", "--plans", str(size), "--provisions", "40")
    manage(env, "collectstatic", "--noinput", "-v0")
    build_seconds = round(time.time() - started, 1)
    probe = best_of(
        [
            json.loads(
                manage(
                    env,
                    "bench_probe",
                    *[url for _, url in ENDPOINTS],
                    "--cold-url",
                    f"/compare/{LEFT}/{RIGHT}/",
                    capture=True,
                )
            )
            for _ in range(PROBE_RUNS)
        ]
    )
    port = free_port()
    server = subprocess.Popen(
        [GUNICORN, "tracker.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/healthz")
        results = {}
        for name, path in ENDPOINTS:
            for _ in range(4):  # warm both workers' caches
                urllib.request.urlopen(base + path, timeout=60).read()
            results[name] = run_wrk(base + path) | probe["queries"][path]
        rss = worker_rss_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return {
        "plans_added": size,
        "build_seconds": build_seconds,
        "endpoints": results,
        "compare_cold_ms": probe["cold_ms"],
        "compare_after_edit_ms": probe["after_edit_ms"],
        "compare_after_position_ms": probe["after_position_ms"],
        "compare_rendered_ms": probe["rendered_ms"],
        "compare_from_rows_ms": probe["from_rows_ms"],
        "compare_hit_ms": probe["hit_ms"],
        "worker_rss_mb": rss,
    }


def best_of(probes: list[dict]) -> dict:
    """Several bench_probe results as one: each time the fastest of the runs (query counts
    do not vary between runs: the first run's are kept, and any difference is an error)."""
    first = probes[0]
    for other in probes[1:]:
        for url, measured in first["queries"].items():
            for column in ("queries", "queries_rendered", "status"):
                if other["queries"][url][column] != measured[column]:
                    raise SystemExit(f"{url}: {column} differs between probe runs")
    queries = {
        url: measured | {"rendered_ms": min(p["queries"][url]["rendered_ms"] for p in probes)}
        for url, measured in first["queries"].items()
    }
    states = (
        "cold_ms", "after_edit_ms", "after_position_ms", "rendered_ms", "from_rows_ms", "hit_ms",
    )  # fmt: skip
    return {"queries": queries, **{state: min(p[state] for p in probes) for state in states}}


def diff_versus_redlines() -> dict:
    """Time diffing.word_diff and redlines on the real linked provisions; compare changed words."""
    sys.path.insert(0, str(ROOT))
    fixtures = ROOT / "fixtures"
    texts = {}
    for path in sorted(fixtures.glob("provisions*.json")):
        for item in json.loads(path.read_text()):
            fields = item["fields"]
            texts[(fields["plan"][0], f"{fields['number']}{fields['sub']}")] = fields["text"]
    pairs = []
    for item in json.loads((fixtures / "correspondences.json").read_text()):
        earlier, later = tuple(item["fields"]["earlier"]), tuple(item["fields"]["later"])
        if earlier in texts and later in texts:
            pairs.append((texts[earlier], texts[later]))
    from redlines import Redlines

    from provisions import diffing

    def words(text: str) -> set[str]:
        return {w.lower() for w in re.findall(r"\w[\w,.%$]*\w|\w", text)}

    # what is timed: each library's structured list of changes, nothing done with it
    def ours_diff(a, b):
        return diffing.word_diff(a, b)

    def theirs_diff(a, b):
        return Redlines(a, b).changes

    def ours(a, b):
        runs = ours_diff(a, b)
        return words(" ".join(r.old + " " + r.new for r in runs if r.op != "equal"))

    def theirs(a, b):
        changes = theirs_diff(a, b)
        return words(" ".join(f"{c.source_text or ''} {c.test_text or ''}" for c in changes))

    def timed(function, rounds=9):
        best = []
        for _ in range(rounds):
            started = time.perf_counter()
            for a, b in pairs:
                function(a, b)
            best.append(time.perf_counter() - started)
        return min(best)

    ours_s, theirs_s = timed(ours_diff), timed(theirs_diff)
    agreement = [
        len(ours(a, b) & theirs(a, b)) / max(1, len(ours(a, b) | theirs(a, b))) for a, b in pairs
    ]
    return {
        "pairs": len(pairs),
        "diffing_ms": round(ours_s * 1000, 2),
        "redlines_ms": round(theirs_s * 1000, 2),
        "speedup": round(theirs_s / ours_s, 2),
        "changed_words_agreement_mean": round(statistics.mean(agreement), 3),
        "pairs_with_identical_changed_words": sum(a == 1.0 for a in agreement),
    }


def report(sizes: dict, diff: dict) -> tuple[str, list[str]]:
    lines, misses = [], []
    header = (
        f"{'endpoint':24} {'plans':>5} {'req/s':>8} {'ratio':>6} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'queries':>7} {'render':>6} {'rend ms':>7} {'non-2xx':>7}"
    )
    lines.append(header)
    lines.append("-" * len(header))
    small, large = min(sizes), max(sizes)
    for size, data in sorted(sizes.items()):
        baseline = data["endpoints"]["baseline"]["rps"]
        for name, row in data["endpoints"].items():
            ratio = row["rps"] / baseline
            lines.append(
                f"{name:24} {size:>5} {row['rps']:>8.0f} {ratio:>6.2f} {row['p50_ms']:>8.2f} "
                f"{row['p99_ms']:>8.2f} {row['queries']:>7} {row['queries_rendered']:>6} "
                f"{row['rendered_ms']:>7.1f} {row['non_2xx']:>7}"
            )
            if size == large and name != "baseline" and ratio < TARGET_RATIO.get(name, 0.5):
                misses.append(f"{name}: {ratio:.2f}x baseline req/s at {size} plans")
    for size, data in sorted(sizes.items()):
        for name in WITNESS_PAGES:
            rendered = data["endpoints"][name]["rendered_ms"]
            if rendered >= WITNESS_RENDER_MS:
                misses.append(f"{name}: rendered in {rendered} ms at {size} plans")
        for name in PICTURE_PAGES:
            rendered = data["endpoints"][name]["rendered_ms"]
            if rendered >= PICTURE_RENDER_MS:
                misses.append(f"{name}: rendered in {rendered} ms at {size} plans")
    for name in sizes[large]["endpoints"]:
        a, b = sizes[small]["endpoints"][name], sizes[large]["endpoints"][name]
        if b["p50_ms"] > 1.5 * a["p50_ms"] and b["p50_ms"] - a["p50_ms"] > 1:
            misses.append(
                f"{name}: p50 {b['p50_ms']:.1f} ms at {large} vs {a['p50_ms']:.1f} ms at {small}"
            )
        # rendered outside the page cache (issue 20): what grows with the archive shows here
        if b["rendered_ms"] > 1.5 * a["rendered_ms"] and b["rendered_ms"] - a["rendered_ms"] > 1:
            misses.append(
                f"{name}: rendered in {b['rendered_ms']:.1f} ms at {large} vs "
                f"{a['rendered_ms']:.1f} ms at {small}"
            )
        for column in ("queries", "queries_rendered"):
            if a[column] != b[column]:
                misses.append(f"{name}: {column} {b[column]} at {large} vs {a[column]} at {small}")
    for size, data in sorted(sizes.items()):
        cold, rendered, hit = (data[f"compare_{s}_ms"] for s in ("cold", "rendered", "hit"))
        edited, from_rows = data["compare_after_edit_ms"], data["compare_from_rows_ms"]
        lines.append(
            f"compare 28/20 at {size} plans: cold {cold} ms, after an edit {edited} ms"
            f" ({edited / rendered:.1f}x), rendered from cached rows {rendered}"
            f" ms ({cold / rendered:.1f}x), page-cache hit {hit} ms ({cold / hit:.0f}x);"
            f" its section and pickers rendered from the cached rows {from_rows} ms"
            f" ({cold / from_rows:.1f}x); after an edit to a position"
            f" {data['compare_after_position_ms']} ms"
        )
        lines.append(
            f"worker memory after the run at {size} plans: {data['worker_rss_mb']} MB; "
            f"archive built in {data['build_seconds']} s"
        )
        if cold > COLD_RATIO * rendered:
            misses.append(f"cold compare {cold / rendered:.1f}x the rendered one at {size} plans")
        if any(rss >= 150 for rss in data["worker_rss_mb"]):
            misses.append(f"worker memory {max(data['worker_rss_mb']):.0f} MB at {size} plans")
    lines.append(
        f"diffing.py vs redlines on {diff['pairs']} linked pairs: {diff['diffing_ms']} ms vs "
        f"{diff['redlines_ms']} ms ({diff['speedup']}x faster); changed words agree "
        f"{diff['changed_words_agreement_mean']:.0%} on average, identically on "
        f"{diff['pairs_with_identical_changed_words']} pairs"
    )
    if diff["speedup"] < 3:
        misses.append(f"diffing.py only {diff['speedup']}x faster than redlines")
    return "\n".join(lines), misses


def main() -> int:
    started = time.time()
    sizes = {size: measure_size(size) for size in SIZES}
    diff = diff_versus_redlines()
    table, misses = report(sizes, diff)
    result = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "wrk": {"threads": 2, "connections": int(CONNECTIONS), "duration": DURATION},
        "sizes": sizes,
        "diff_vs_redlines": diff,
        "targets_missed": misses,
        "seconds": round(time.time() - started, 1),
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench-{result['date'].replace(':', '')}.json"
    path.write_text(json.dumps(result, indent=2))
    print(table)
    where = path.relative_to(ROOT)
    print(f"\n{os.cpu_count()} cores, {result['date']}, {result['seconds']} s; written to {where}")
    print("targets: all met" if not misses else "targets missed:\n  " + "\n  ".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
