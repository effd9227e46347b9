"""Template helpers: status and kind names in the active language, yuan from fen, filter links."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest

from sync.township.console.labels import kind_label, status_label

register = template.Library()


@register.filter
def status_name(errand: Any) -> str:
    """The errand's status as staff read it (kind-specific)."""
    return status_label(errand.kind, errand.status)


@register.simple_tag
def status_of(kind: str, status: str) -> str:
    return status_label(kind, status)


@register.filter
def kind_name(kind: str) -> str:
    return kind_label(kind)


@register.filter
def yuan(fen: Any) -> str:
    """12345 → 123.45 (integer fen in, never a float on the way)."""
    try:
        value = int(fen or 0)
    except (TypeError, ValueError):
        return ""
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 100:,}.{value % 100:02d}"


@register.filter
def get(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key, 0)
    except AttributeError:
        return 0


@register.simple_tag
def with_param(request: HttpRequest, key: str, value: str) -> str:
    """The current query string with one filter set (or removed when empty) and the page reset."""
    params = request.GET.copy()
    params.pop("page", None)
    if value:
        params[key] = value
    else:
        params.pop(key, None)
    return params.urlencode()


@register.filter
def qty(value: Any) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)
