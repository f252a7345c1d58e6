"""Files written once and served many times: the export of the current data, a release's
downloads. One process writes a file while the others are told it is in progress; a file is
written under a temporary name and renamed, so no reader ever sees half of one."""

import contextlib
import fcntl
import os
from pathlib import Path

from django.http import FileResponse
from django.utils.cache import get_conditional_response


@contextlib.contextmanager
def exclusive(lock: Path, busy: type[Exception]):
    """Hold an exclusive lock on the file `lock`, or raise `busy` at once if another process
    holds it. The lock file is removed afterwards."""
    with open(lock, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise busy from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            lock.unlink(missing_ok=True)


@contextlib.contextmanager
def temporary_beside(path: Path):
    """A name for this process's temporary file in `path`'s folder, to be renamed once written
    whole; whatever is left under it (after an error) is removed."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield temporary
    finally:
        temporary.unlink(missing_ok=True)


def download(request, path: Path, *, etag: str, content_type: str, filename: str, cache: str):
    """The file as an attachment with its ETag and `cache` as Cache-Control, or a 304 when the
    client's copy has that ETag."""
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return not_modified
    response = FileResponse(
        open(path, "rb"),  # noqa: SIM115 (FileResponse closes it)
        content_type=content_type,
        as_attachment=True,
        filename=filename,
    )
    response["ETag"] = etag
    response["Cache-Control"] = cache
    return response
