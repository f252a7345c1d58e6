"""`make pull`: what a researcher pays to get the whole dataset, and to stay in sync.

Serves the real dataset from PostgreSQL with gunicorn (production settings, 2 workers, Redis),
makes release 1, then measures, as a client on loopback would see them:

1. the full pull by the release's Frictionless data package: one file;
2. the full pull by the paginated API: every list at page_size=200, following `next`;
3. a sync after 10 edits: an editor changes 10 provisions through the API; the client then
   reads /api/changes/?since=<the time before the edits> and fetches each changed row.

Requests, seconds and bytes for each; the rows the package and the API each hold must agree.
Prints a table and writes it as JSON under bench/results/.
"""

import datetime
import io
import json
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import GUNICORN, ROOT, env_for, flush_redis, free_port, manage, recreate_database, wait_for

LISTS = [
    "plans", "provisions", "sources", "citations", "correspondences", "assessments", "positions",
    "themes", "tags", "parties",
]  # fmt: skip
EDITS = 10


class Client:
    def __init__(self, base: str, token: str = ""):
        self.base, self.token = base, token
        self.requests = self.bytes = 0

    def call(self, url: str, method: str = "GET", body: dict | None = None, headers=None):
        url = url if url.startswith("http") else self.base + url
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Token {self.token}")
        with urllib.request.urlopen(request, timeout=60) as response:
            payload = response.read()
            self.requests += 1
            self.bytes += len(payload)
            return payload, response.headers


def pull_package(client: Client) -> dict:
    started = time.perf_counter()
    payload, _ = client.call("/releases/1/package.zip")
    seconds = time.perf_counter() - started
    rows = {}
    with zipfile.ZipFile(io.BytesIO(payload)) as package:
        for name in LISTS:
            with package.open(f"data/{name}.csv") as table:
                rows[name] = sum(1 for _ in io.TextIOWrapper(table, encoding="utf-8")) - 1
    return {"seconds": seconds, "rows": rows}


def pull_api(client: Client) -> dict:
    """Every list, following `next`; a CSV row count cannot be read off JSON, so count results."""
    started = time.perf_counter()
    rows = {}
    for name in LISTS:
        url, rows[name] = f"/api/{name}/?page_size=200", 0
        while url:
            payload, _ = client.call(url)
            page = json.loads(payload)
            rows[name] += len(page["results"])
            url = page["next"]
    return {"seconds": time.perf_counter() - started, "rows": rows}


def edit(editor: Client) -> None:
    payload, _ = editor.call(f"/api/provisions/?page_size={EDITS}")
    for row in json.loads(payload)["results"]:
        _, headers = editor.call(row["url"])
        editor.call(
            row["url"],
            "PATCH",
            {"note": (row.get("note") or "") + " (bench edit)"},
            headers={"If-Match": headers["ETag"]},
        )


def sync(client: Client, since: str) -> dict:
    started = time.perf_counter()
    url, seen = f"/api/changes/?since={since}", []
    while url:
        payload, _ = client.call(url)
        page = json.loads(payload)
        for change in page["results"]:
            seen.append(change)
            if change["change"] != "deleted":
                client.call(change["url"])
        url = page["next"]
    return {"seconds": time.perf_counter() - started, "changes": len(seen)}


def main() -> int:
    database = "tracker_bench_pull"
    recreate_database(database)
    flush_redis()
    env = env_for(database)
    env.update(LOG_LEVEL="ERROR", RELEASE_DIR=str(ROOT / "bench" / "results" / "releases"))
    manage(env, "migrate", "-v0")
    manage(env, "load_dataset", "-v0")
    manage(env, "release", "1", "--notes", "Benchmark release.")
    env["TRACKER_PASSWORD"] = "bench-only-password-1234"
    manage(env, "create_account", "bench-editor", "--role", "editor", "--name", "Bench Editor")
    token = manage(env, "drf_create_token", "bench-editor", capture=True).split()[2]
    manage(env, "collectstatic", "--noinput", "-v0")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [GUNICORN, "tracker.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2", "--log-level", "error"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        wait_for(base + "/healthz")
        package_client, api_client, sync_client = Client(base), Client(base), Client(base)
        package = pull_package(package_client)
        api = pull_api(api_client)
        since = datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z")
        time.sleep(0.01)
        edit(Client(base, token))
        synced = sync(sync_client, since)
    finally:
        server.terminate()
        server.wait(timeout=30)
    if package["rows"] != api["rows"]:
        print(f"rows differ: package {package['rows']}, API {api['rows']}")
        return 1
    total = sum(api["rows"].values())
    table = [
        (
            "full pull: data package",
            package_client.requests,
            package["seconds"],
            package_client.bytes,
        ),
        ("full pull: paginated API", api_client.requests, api["seconds"], api_client.bytes),
        (f"sync after {EDITS} edits", sync_client.requests, synced["seconds"], sync_client.bytes),
    ]
    lines = [f"pulling {total:,} rows ({len(LISTS)} lists), gunicorn -w 2, loopback", ""]
    lines.append(f"{'':28} {'requests':>9} {'seconds':>8} {'bytes':>12}")
    for name, requests, seconds, size in table:
        lines.append(f"{name:28} {requests:>9} {seconds:>8.2f} {size:>12,}")
    lines.append(f"\nthe sync saw {synced['changes']} change(s) for {EDITS} edits")
    print("\n".join(lines))
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    record = {
        "rows": api["rows"],
        "measurements": [
            {"what": n, "requests": r, "seconds": round(s, 3), "bytes": b} for n, r, s, b in table
        ],
        "sync_changes": synced["changes"],
    }
    (results / "pull.json").write_text(json.dumps(record, indent=2) + "\n")
    return 0 if synced["changes"] >= EDITS else 1


if __name__ == "__main__":
    sys.exit(main())
