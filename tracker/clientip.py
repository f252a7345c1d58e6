"""The address a request came from, as every limit in the tracker sees it.

The API throttles (provisions.api.throttling), the page cache's count of cached API responses
and the login lockouts (django-axes, through AXES_CLIENT_IP_CALLABLE) all identify a client
with `client_address`, so that no limit can be escaped by a header the others ignore.

`X-Forwarded-For` is a list that each proxy extends with the address it received the request
from. Only the last NUM_PROXIES entries were written by proxies we run; everything to their
left came from the client and may be anything. So:

- NUM_PROXIES = 0 (the default: the app faces the clients itself): the header is ignored and
  the client is REMOTE_ADDR.
- NUM_PROXIES = n: the client is the n-th entry from the right, the one our outermost proxy
  wrote. A header with fewer entries, or an entry that is not an address, means the proxies
  did not forward as configured; the request is then identified by REMOTE_ADDR, which never
  lets a client choose its own identity.

django-ipware (which axes would use) was tried and not used: its strict chain check answers
None, a single shared identity, whenever the header's length differs from the proxy count,
which is every request a client sends without a header of its own through an appending proxy.
"""

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR") or ""
    hops = getattr(settings, "NUM_PROXIES", 0)
    if not hops:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(forwarded) < hops:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-hops].strip()))
    except ValueError:
        return remote
