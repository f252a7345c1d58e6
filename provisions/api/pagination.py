from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from provisions.caching import StampedCountPaginator


class TrackerPagination(PageNumberPagination):
    """Pages of 50 (up to 200 with ?page_size=); CSV is never paginated: a spreadsheet gets every
    row that matches the filters."""

    django_paginator_class = StampedCountPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        self._check(request)
        renderer = getattr(request, "accepted_renderer", None)
        if renderer is not None and renderer.format == "csv":
            return None
        return super().paginate_queryset(queryset, request, view)

    def _check(self, request):
        """page and page_size are single whole numbers within bounds, or a 400 says so."""
        errors = {}
        bounds = ((self.page_query_param, None), (self.page_size_query_param, self.max_page_size))
        for name, upper in bounds:
            values = request.query_params.getlist(name)
            if not values:
                continue
            value = values[-1]
            if len(values) > 1 or not (value.isascii() and value.isdigit()) or int(value) < 1:
                errors[name] = ["Give one whole number, 1 or more."]
            elif upper and int(value) > upper:
                errors[name] = [f"Give a whole number from 1 to {upper}."]
        if errors:
            raise ValidationError(errors)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters
