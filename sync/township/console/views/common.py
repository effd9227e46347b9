"""Small helpers shared by the views: paging, today's date, the acting user's name, files."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

PAGE_SIZE = 50


def paginate(request: HttpRequest, qs: Any, per_page: int = PAGE_SIZE) -> Page:
    """The requested page (a bad or too-large page number gives the nearest page)."""
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


def today() -> dt.date:
    return timezone.localdate()


def actor(request: HttpRequest) -> str:
    """Who did it, as recorded on township events (the staff account name)."""
    return f"staff:{request.user.get_username()}"[:64]


def query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def download(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    # RFC 6266 filename* so Chinese file names survive every browser.
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
