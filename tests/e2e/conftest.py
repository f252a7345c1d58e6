"""Playwright with Debian's Chromium, against pytest-django's live server."""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls in these tests are
# made outside any request, so Django's async-safety check does not apply to them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def pytest_collection_modifyitems(config, items):
    # a conftest hook sees every collected test, not only this folder's: skip the browser ones
    if shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is absent: apt-get install chromium (.ci/run does)")
    for item in items:
        if "page" in getattr(item, "fixturenames", ()):
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _serialized_rollback_under_playwright(django_db_setup, django_db_blocker):
    """Make serialized_rollback work in these tests.

    Playwright's sync API runs an event loop in the test thread, and from then on Django's
    database handles are per context (asgiref), not per thread: the tests get a new connection
    object, without the serialized contents that the test database was created with, and
    serialized_rollback silently restores nothing. The groups made by migrations were then
    gone for any browser test after a flush. This runs before Playwright starts (autouse
    session fixtures come first) and makes the contents visible to every connection object.
    """
    from django.db import connections

    classes = set()
    for connection in connections.all():
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is not None:
            type(connection)._test_serialized_contents = contents
            classes.add(type(connection))
    yield
    for cls in classes:
        del cls._test_serialized_contents


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def dataset():
    """The real dataset, loaded for the live server (tests using it need transaction=True)."""
    from django.core.management import call_command

    call_command("load_dataset", verbosity=0)


@pytest.fixture
def screenshot(page):
    """Save a screenshot at desktop and phone widths under screenshots/ (git-ignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def shoot(name: str):
        for width, height, tag in [(1280, 900, "desktop"), (375, 800, "phone")]:
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=SCREENSHOTS / f"{name}-{tag}.png", full_page=False)
        page.set_viewport_size({"width": 1280, "height": 900})

    return shoot
