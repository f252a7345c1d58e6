"""Conditional writes (RFC 9110): every PUT, PATCH and DELETE names the copy it started from.

The ETag a GET hands out is a hash of the representation (it must change when nested rows do,
for If-None-Match); If-Match takes it, or the bare revision. The revision is then claimed in the
write's own transaction (services.claim_revision), so of two writers from one copy exactly one
succeeds; the other gets 412 with the current object.
"""

import hashlib
import json

from django.db import transaction
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from provisions import services


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = (
        "Send the ETag of the copy you started from as an If-Match header (or its revision: "
        'If-Match: "3"), so that a colleague\'s newer edit is not overwritten.'
    )
    default_code = "precondition_required"


class OwnWorkOrModerator(BasePermission):
    """Analysts change and delete only their own assessments and links; editors anyone's."""

    message = "Only its author or an editor may change or delete this."

    def has_object_permission(self, request, view, obj):
        return request.method in SAFE_METHODS or services.may_change(request.user, obj)


class ETagMixin:
    """Detail responses carry an ETag; a matching If-None-Match gets 304 Not Modified.

    Every write to an existing object is conditional (RFC 9110 If-Match): PUT, PATCH and DELETE
    need the ETag of the copy the client started from, or its revision number, and answer 412
    when the object has changed since (428 without one). The revision is then claimed in the
    same transaction as the write (services.claim_revision), so of two concurrent writers from
    the same copy exactly one succeeds.
    """

    def representation(self, instance) -> tuple[dict, str]:
        """What GET answers for `instance`, and its ETag."""
        action, self.action = self.action, "retrieve"
        try:
            data = self.get_serializer(instance).data
        finally:
            self.action = action
        return data, _etag_of(data)

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        etag = _etag_of(response.data)
        response["ETag"] = etag
        if etag in _etags(request.headers.get("If-None-Match", "")):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return response

    def _expected_revision(self, obj) -> int:
        """The revision the client's If-Match names, checked against the stored row (read
        again: validating the body may have set the new values on `obj` already)."""
        request, stored = self.request, self.get_queryset().get(pk=obj.pk)
        header = request.headers.get("If-Match", "").strip()
        if not header:
            return _revision_in_body(request)
        tags = _etags(header)
        if "*" in tags:
            raise PreconditionRequired(
                "If-Match: * does not say which copy you started from; send its ETag."
            )
        current = self.representation(stored)[1]
        if current in tags or str(stored.revision) in (tag.strip('"') for tag in tags):
            return stored.revision
        raise services.StaleRevision(current=stored, submitted_revision=None)

    def perform_create(self, serializer):
        _save(serializer, user=self.request.user)

    def perform_update(self, serializer):
        # after the body is validated (a bad body is a 400 whatever the precondition), before
        # anything is written; the write then claims this revision atomically
        revision = self._expected_revision(serializer.instance)
        self.written = _save(serializer, revision=revision, user=self.request.user)

    def perform_destroy(self, instance):
        revision = self._expected_revision(instance)
        services.record_delete(obj=instance, revision=revision, user=self.request.user)

    def update(self, request, *args, **kwargs):
        # the write and the read of what was written in one transaction: a read after the
        # commit could meet a colleague's lock (SQLite) and answer 503 for a write that landed
        with transaction.atomic():
            response = super().update(request, *args, **kwargs)
            fresh = self.get_queryset().get(pk=self.written.pk)
            etag = self.representation(fresh)[1]
        response["ETag"] = etag
        return response


def _save(serializer, *, revision=None, user=None):
    """A serializer's validated data, saved through the guard (services.record_save)."""
    instance = serializer.instance or serializer.Meta.model()
    many = {}
    for key, value in serializer.validated_data.items():
        if instance._meta.get_field(key).many_to_many:
            many[key] = value
        else:
            setattr(instance, key, value)
    with transaction.atomic():
        services.record_save(obj=instance, revision=revision, user=user)
        for key, value in many.items():
            getattr(instance, key).set(value)
    serializer.instance = instance
    return instance


def _revision_in_body(request) -> int:
    value = request.data.get("revision") if isinstance(request.data, dict) else None
    if value is None or value == "":
        raise PreconditionRequired()
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise ValidationError({"revision": ["Give the revision as a whole number."]})


def _etag_of(data) -> str:
    body = json.dumps(data, sort_keys=True, default=str).encode()
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def _etags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]
