"""WSGI entry point for gunicorn: `gunicorn tracker.wsgi`."""

import logging
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
application = get_wsgi_application()


def _warn_about_per_process_limits() -> None:
    from tracker.checks import PER_PROCESS, limits_are_per_process

    if limits_are_per_process():
        logging.getLogger("tracker").warning("%s Set REDIS_URL to share them.", PER_PROCESS)


_warn_about_per_process_limits()
