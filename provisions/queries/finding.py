"""Search over every version: PostgreSQL full-text search, or words matched on SQLite."""

import functools
import operator
import re
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet, Value
from django.db.models.expressions import RawSQL

from provisions.models import Provision
from provisions.queries.plans import connection_for

# Markers put around matches before the text is escaped; the `highlight` filter turns them into
# <mark> after escaping, so stored text can never inject markup through a search result.
MATCH_START, MATCH_STOP = "\x02", "\x03"
SEARCH_LIMIT = 50
# Ranking reads every candidate's vector, and counting every match reads its row: of more
# matches than this, the ones in the latest versions are counted and ranked (the curated
# dataset has 303 points in all; 47,558 match "troops" at 10,000 synthetic versions)
SEARCH_CANDIDATES = 500


@dataclass
class SearchResults:
    query: str
    hits: list[Provision]  # each with .headline (text with match markers) and .rank
    total: int  # at most SEARCH_CANDIDATES: see `capped`
    capped: bool = False  # more points matched than were ranked


def _best(matches: QuerySet[Provision], *, rank=None, headline=None):
    """The best SEARCH_LIMIT matches (by `rank` when given, then version date and reading
    order), with their `headline` when given; how many were weighed; whether there were more.
    At most SEARCH_CANDIDATES are weighed, from the latest versions back (read in the plan
    index's order, so a frequent word stops as soon as enough are found), all of them when
    there are fewer. Two queries: the candidates with what orders them (which counts them
    too), then the rows shown, by id (joined to their own versions, not to every version)."""
    latest = matches.order_by("-plan__presented_on", "-plan__slug", "-position", "-pk")
    latest = latest.annotate(rank=rank if rank is not None else Value(0.0))
    rows = list(
        latest.values_list("pk", "rank", "plan__presented_on", "position")[: SEARCH_CANDIDATES + 1]
    )
    capped = len(rows) > SEARCH_CANDIDATES
    rows = rows[:SEARCH_CANDIDATES]
    rows.sort(key=lambda row: (-row[1], row[2], row[3], row[0]))
    best = rows[:SEARCH_LIMIT]
    shown = Provision.objects.filter(pk__in=[row[0] for row in best]).select_related("plan")
    if headline is not None:
        shown = shown.annotate(headline=headline)
    by_pk = shown.in_bulk()
    hits = []
    for pk, score, *_ in best:
        hit = by_pk[pk]
        hit.rank = score if rank is not None else None
        hits.append(hit)
    return hits, len(rows), capped


def _mark_words(text: str, words: list[str]) -> str:
    longest_first = sorted(set(words), key=len, reverse=True)  # "armed forces" before "army"
    pattern = re.compile("|".join(re.escape(w) for w in longest_first), re.IGNORECASE)
    return pattern.sub(lambda m: f"{MATCH_START}{m.group()}{MATCH_STOP}", text)


def _stored_vector() -> RawSQL:
    """The weighted vector (text A, summary B) that PostgreSQL keeps in a generated column
    (migration 0004): matched through its GIN index and ranked without parsing any text."""
    from django.contrib.postgres.search import SearchVectorField

    column = f'"{Provision._meta.db_table}"."search_vector"'
    return RawSQL(column, [], output_field=SearchVectorField())


def search(
    query: str, *, include_withdrawn: bool = False, plan: str = "", theme: str = ""
) -> SearchResults:
    """Provisions of every version matching `query`, best first (of withdrawn versions only
    when asked).

    PostgreSQL: full-text search (websearch syntax, English stemming) over the stored vector,
    ranked by SearchRank with text before summary; only the rows shown get a headline.
    SQLite: every word must occur in the text or summary.
    """
    query = _plain_apostrophes(query)
    alternatives = word_forms(query)
    if not alternatives:
        return SearchResults(query, [], 0)
    base = Provision.objects.select_related("plan")
    if not include_withdrawn:
        base = base.filter(plan__withdrawn=False)
    if plan:
        base = base.filter(plan__slug=plan)
    if theme:
        base = base.filter(themes__slug=theme)
    if connection_for(Provision).vendor == "postgresql":
        from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank

        # the reader's words in websearch syntax (quotes, "or", -word); where a word has other
        # forms or everyday equivalents ("800000" or "800,000"; "army" or "armed forces"),
        # every word instead, each as (a form | another form), and all of them together: in
        # websearch syntax "a or b c" would read as a | (b & c)
        ts_query = SearchQuery(query, search_type="websearch", config="english")
        if any(len(forms) > 1 for forms in alternatives):
            ts_query = functools.reduce(
                operator.and_,
                (
                    functools.reduce(
                        operator.or_,
                        (
                            SearchQuery(form, search_type="phrase", config="english")
                            for form in forms
                        ),
                    )
                    for forms in alternatives
                ),
            )
        matches = base.alias(search_vector=_stored_vector()).filter(search_vector=ts_query)
        headline = SearchHeadline(
            "text",
            ts_query,
            config="english",
            start_sel=MATCH_START,
            stop_sel=MATCH_STOP,
            highlight_all=True,
        )
        rank = SearchRank(F("search_vector"), ts_query)
        hits, total, capped = _best(matches, rank=rank, headline=headline)
        return SearchResults(query, hits, total, capped)

    hits, total, capped = _best(base.filter(containing(alternatives)).distinct())
    marked = [form for forms in alternatives for form in forms]
    for hit in hits:
        hit.headline = _mark_words(hit.text, marked)
    return SearchResults(query, hits, total, capped)


def _plain_apostrophes(text: str) -> str:
    """A phone keyboard's apostrophe is a typographic one: it finds a plain one too."""
    return text.replace("\u2019", "'").replace("\u2018", "'")


def word_forms(query: str) -> list[list[str]]:
    """The first 12 words of a query, each with what else it finds (_alternatives): what the
    search page and the API's `q` both match (one query, for the editors' search terms)."""
    words = re.findall(r"\w[\w',.%$-]*", _plain_apostrophes(query))[:12]
    terms = _search_terms() if words else {}
    return [_alternatives(word, terms) for word in words]


def containing(alternatives: list[list[str]]) -> Q:
    """Provisions whose text or summary holds every word, in any of its forms, in any case."""
    condition = Q()
    for forms in alternatives:
        either = Q()
        for form in forms:
            either |= Q(text__icontains=form) | Q(summary__icontains=form)
        condition &= either
    return condition


def _search_terms() -> dict[str, list[str]]:
    """The editors' list of everyday words and what they find (one query per search)."""
    from provisions.models import SearchTerm

    return {term.word: term.alternatives() for term in SearchTerm.objects.all()}


def _alternatives(word: str, terms: dict[str, list[str]]) -> list[str]:
    """A query word and what else it finds: a number with and without thousands separators
    ("800000" and "800,000"), and the editors' equivalents ("army": "armed forces"...)."""
    forms = [word]
    if "'" in word:  # stored text may have the typographic apostrophe
        forms.append(word.replace("'", "\u2019"))
    digits = word.replace(",", "")
    if digits.isdigit() and len(digits) >= 4:
        for form in (digits, f"{int(digits):,}"):
            if form not in forms:
                forms.append(form)
    forms += [term for term in terms.get(word.lower(), []) if term not in forms]
    return forms
