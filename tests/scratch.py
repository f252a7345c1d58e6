"""Scratch resources the tests may empty."""

import os


def scratch_redis(offset: int = 0) -> str:
    """A Redis database the tests may empty: 13 and 14 by default. .ci/run gives a test run
    going on beside another its own (TEST_REDIS_BASE), so neither empties the other's."""
    return f"redis://127.0.0.1:6379/{int(os.environ.get('TEST_REDIS_BASE', '13')) + offset}"
