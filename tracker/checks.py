"""System checks for the deployment.

The limits that protect the site (`manage.py check --deploy`) are warnings, not errors: a
single-process development server is fine without them. A deployment that fails
`check --deploy --fail-level WARNING` (as the tests do) is told what to set. `tracker/wsgi.py`
logs the per-process warning again when a server starts. Read replicas configured in a way
that could serve data older than a write are errors, at every start.
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


def limits_are_per_process() -> bool:
    return settings.CACHES["default"]["BACKEND"] in LOCAL_CACHES


PER_PROCESS = (
    "Without a shared cache (REDIS_URL) the anonymous rate limits are counted in each worker "
    "process's own memory: a client may make the limit's number of requests per worker."
)


@register(Tags.security, deploy=True)
def check_limits(app_configs=None, **kwargs):
    warnings = []
    if limits_are_per_process():
        warnings.append(
            Warning(PER_PROCESS, hint="Set REDIS_URL on every app server.", id="tracker.W001")
        )
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and not settings.NUM_PROXIES:
        warnings.append(
            Warning(
                "BEHIND_TLS_PROXY is set but NUM_PROXIES is 0: every client is seen with the "
                "proxy's address, so one client can spend everyone's rate limit and lock "
                "colleagues' logins from that address.",
                hint="Set NUM_PROXIES to the number of proxies that append to X-Forwarded-For "
                "(1 behind the documented setup).",
                id="tracker.W002",
            )
        )
    return warnings


POSTGRESQL = "django.db.backends.postgresql"


@register(Tags.database)
def check_replicas(app_configs=None, **kwargs):
    """Replicas (tracker.replicas) are PostgreSQL's, and need the shared cache to hold the
    primary's position after the last write: without it, another process's reader could be
    served rows older than a write it was told had succeeded."""
    if not settings.DATABASE_REPLICAS:
        return []
    errors = []
    aliases = ["default", *settings.DATABASE_REPLICAS]
    if any(settings.DATABASES[alias]["ENGINE"] != POSTGRESQL for alias in aliases):
        errors.append(
            Error(
                "DATABASE_REPLICA_URLS is set, but the primary and every replica must be "
                "PostgreSQL (streaming replicas).",
                id="tracker.E001",
            )
        )
    if limits_are_per_process():
        errors.append(
            Error(
                "DATABASE_REPLICA_URLS is set without a shared cache: the position of the last "
                "write, which keeps readers off a replica that has not replayed it, would be "
                "known only to the process that wrote.",
                hint="Set REDIS_URL on every app server.",
                id="tracker.E002",
            )
        )
    return errors
