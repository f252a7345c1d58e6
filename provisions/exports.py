"""The whole-dataset export as a file, written once per dataset stamp.

Serialising the whole database takes seconds (1.6–2.2 s at the size of the 2026 archive) and
grows with the data, so `/api/export/` never does it per request: the first request after an
edit writes the file (under a lock, so concurrent requests wait for that one build instead of
each starting their own), and every later request until the next edit is served from the file
with its `ETag` and `Content-Length` (and a 304 for a matching `If-None-Match`).

A file is named by the database and the stamp it was made under (`export-<key>-<digest>.json`,
the digest being the content's, which is also the ETag): a different database, or the next
edit, never finds it. The last few files are kept, so a download under way is never cut short.
While one request writes the file, others for the same state do not wait for it (a waiting
request would hold a worker for seconds): they get `ExportInProgress`, which the view answers
with a 503 and Retry-After.
On PostgreSQL the export reads one snapshot of the database (REPEATABLE READ): no edit made
while it is being written can appear in it half-way.
"""

import hashlib
import json
import os
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from provisions import caching, dataset, files

KEEP = 3  # files kept in EXPORT_DIR: the current one and those still being downloaded
RETRY_AFTER_SECONDS = 5


class ExportInProgress(Exception):
    """Another request is writing the export of this state of the data right now."""


def current_export() -> tuple[Path, str]:
    """The export file of the data as it is now, and its ETag; written if it does not exist.
    Raises ExportInProgress while another request is writing it."""
    directory = Path(settings.EXPORT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    key = _key(caching.dataset_stamp())
    found = _find(directory, key)
    if found is None:
        with files.exclusive(directory / f".export-{key}.lock", ExportInProgress):
            found = _find(directory, key) or _write(directory, key)
        _prune(directory)
    return found, f'"{found.stem.rsplit("-", 1)[1]}"'


def _key(stamp: str) -> str:
    database = settings.DATABASES["default"]
    identity = f"{database['ENGINE']}|{database.get('HOST')}|{database['NAME']}|{stamp}"
    return hashlib.sha256(identity.encode()).hexdigest()[:20]


def _find(directory: Path, key: str) -> Path | None:
    return next(iter(directory.glob(f"export-{key}-*.json")), None)


def _write(directory: Path, key: str) -> Path:
    digest = hashlib.sha256()
    # one snapshot for every table (inside a transaction already begun, its own isolation holds)
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    with files.temporary_beside(directory / f"export-{key}") as temporary:
        with open(temporary, "w", encoding="utf-8") as handle, transaction.atomic():
            if snapshot:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            for chunk in _chunks():
                handle.write(chunk)
                digest.update(chunk.encode())
        path = directory / f"export-{key}-{digest.hexdigest()[:32]}.json"
        os.replace(temporary, path)
    return path


def _chunks():
    yield "["
    for index, record in enumerate(dataset.records()):
        yield ("," if index else "") + json.dumps(record, cls=DjangoJSONEncoder)
    yield "]"


def _prune(directory: Path) -> None:
    files = sorted(directory.glob("export-*.json"), key=_modified, reverse=True)
    for old in files[KEEP:]:
        old.unlink(missing_ok=True)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0
