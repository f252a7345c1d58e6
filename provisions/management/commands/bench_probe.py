"""In-process measurements for `make bench`: SQL queries per request (warm), and the time of a
comparison with an empty cache against a warm one. Prints JSON."""

import json
import statistics
import time

from django.core.cache import cache
from django.core.management import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


class Command(BaseCommand):
    help = "Measure queries per request and cold versus warm comparison time (for make bench)."

    def add_arguments(self, parser):
        parser.add_argument("urls", nargs="+")
        parser.add_argument("--cold-url", required=True)
        parser.add_argument("--repeat", type=int, default=7)

    def handle(self, *args, urls, cold_url, repeat, **options):
        client = Client()
        queries = {}
        for url in urls:
            client.get(url)  # warm the cache, as the load test does
            with CaptureQueriesContext(connection) as captured:
                status = client.get(url).status_code
            queries[url] = {"queries": len(captured.captured_queries), "status": status}
        cold, warm = [], []
        for _ in range(repeat):
            cache.clear()
            started = time.perf_counter()
            client.get(cold_url)
            cold.append(time.perf_counter() - started)
            started = time.perf_counter()
            client.get(cold_url)
            warm.append(time.perf_counter() - started)
        result = {
            "queries": queries,
            "cold_ms": round(statistics.median(cold) * 1000, 2),
            "warm_ms": round(statistics.median(warm) * 1000, 2),
        }
        self.stdout.write(json.dumps(result))
