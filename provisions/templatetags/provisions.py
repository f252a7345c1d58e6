from django import template
from django.utils.dateformat import format as format_date

register = template.Library()

_DATE_FORMATS = {"day": "j M Y", "month": "M Y", "year": "Y"}


@register.filter
def source_date(source) -> str:
    """A source's date at the precision we know it: '21 Nov 2025', 'Nov 2025' or '2025'."""
    return format_date(source.published_on, _DATE_FORMATS.get(source.date_precision, "j M Y"))
