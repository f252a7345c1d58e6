"""In-process measurements for `make bench`: SQL queries per request, and the time of a
comparison page in its three states. Prints JSON.

- queries: one request served from the page cache (warm), and one rendered with the page cache
  bypassed (what a logged-in reader, a new filter combination or the first reader after an edit
  costs), which the query-budget tests bound, and that rendering's time (median of 3);
- cold: every cache empty (comparison computed, fragments and page rendered);
- after an edit: the dataset stamp moved on, as any edit to what a comparison reads moves it:
  the comparison computed again and the page rendered, with what is kept under a digest of
  its own inputs (each point's collated readings) still cached;
- after a position: the dataset stamp moved on, as an edit to a position (or a citation, a
  source) moves it: the comparison's rows still cached, the rest rendered again;
- rendered: the comparison and the fragments cached, the page itself rendered (what the cold
  comparison is held to, issue 20: at most 3x);
- from rows: the comparison's rows cached (and its statuses and readings worked out), its
  section and pickers rendered from them, then the page;
- hit: the whole page from the page cache.
"""

import json
import statistics
import time
from urllib.parse import urlencode, urlsplit

from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.core.management import BaseCommand
from django.db import connection
from django.http import QueryDict
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from provisions import caching, views
from provisions.models import Plan, Position


class Command(BaseCommand):
    help = "Measure queries per request and a comparison page cold, rendered and cached."

    def add_arguments(self, parser):
        parser.add_argument("urls", nargs="+")
        parser.add_argument("--cold-url", required=True)
        parser.add_argument("--repeat", type=int, default=7)

    def handle(self, *args, urls, cold_url, repeat, **options):
        client = Client()
        queries = {}
        for url in urls:
            client.get(url)  # warm the cache, as the load test does
            # (counted at once: the next request outside a capture empties the query log)
            with CaptureQueriesContext(connection) as captured:
                status = client.get(url).status_code
            warm_count = len(captured.captured_queries)
            _forget_page(url)
            with CaptureQueriesContext(connection) as rendered:
                client.get(url)
            rendered_count = len(rendered.captured_queries)
            render_ms = []
            for _ in range(3):
                _forget_page(url)
                render_ms.append(_timed(client, url))
            queries[url] = {
                "queries": warm_count,
                "queries_rendered": rendered_count,
                "rendered_ms": round(statistics.median(render_ms), 1),
                "status": status,
            }
        times = {
            "cold": [], "after_edit": [], "after_position": [], "rendered": [], "from_rows": [],
            "hit": [],
        }  # fmt: skip
        for _ in range(repeat):
            cache.clear()
            caching._recent.entries.clear()
            times["cold"].append(_timed(client, cold_url))
            _forget_page(cold_url)
            times["rendered"].append(_timed(client, cold_url))
            times["hit"].append(_timed(client, cold_url))
            _forget_page(cold_url)
            _forget_fragments(cold_url)
            times["from_rows"].append(_timed(client, cold_url))
            caching.advance_stamp(Position)  # what an edit to a position does (at once: no
            caching._recent.entries.clear()  # transaction here)
            times["after_position"].append(_timed(client, cold_url))
            caching.advance_stamp()  # what an edit to a provision or a link does
            caching._recent.entries.clear()
            times["after_edit"].append(_timed(client, cold_url))
        result = {
            "queries": queries,
            **{f"{state}_ms": round(statistics.median(ms), 2) for state, ms in times.items()},
        }
        self.stdout.write(json.dumps(result))


def _timed(client, url) -> float:
    started = time.perf_counter()
    client.get(url)
    return (time.perf_counter() - started) * 1000


def _forget_fragments(url) -> None:
    """Drop a comparison page's rendered fragments (not its rows) from the cache."""
    match = resolve(urlsplit(url).path)
    left, right = (Plan.objects.get(slug=match.kwargs[side]) for side in ("left", "right"))
    query = urlencode(sorted(QueryDict(urlsplit(url).query).items()))
    names = views.fragment_names(left, right, query, caching.dataset_stamp())
    fragments = {
        "compare-section": "fragment_key",
        "compare-picker-left": "pickers_key",
        "compare-picker-right": "pickers_key",
    }
    cache.delete_many(
        make_template_fragment_key(fragment, [names[name]]) for fragment, name in fragments.items()
    )


def _forget_page(url) -> None:
    """Drop one URL's entry from the page cache (shared and this process's), nothing else."""
    key = caching._page_key(RequestFactory().get(url))
    cache.delete(key)
    caching._recent.entries.pop(key, None)
