"""Error pages that Django would otherwise show in English."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sync.township.console.access import activate_language


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its security token (a page left open past a restart of the server, a
    page from another site, or cookies turned off): a plain page that says what to do. The
    reason Django gives stays out of the page (it is written for developers). Chinese unless the
    user switched (no console view ran before this one to choose: a browser preferring English
    got English, found in headless Chromium)."""
    activate_language(request)
    return render(request, "csrf_failure.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """An address with nothing behind it: in the console's language, as every console page is
    (Django's own handler took the browser's language, English for an English browser)."""
    activate_language(request)
    return render(request, "404.html", status=404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    activate_language(request)
    return render(request, "403.html", status=403)
