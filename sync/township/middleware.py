"""Console pages see every stored event: before one is served, whatever a push left unprojected
is projected (``store.catch_up``; one indexed query when nothing is pending)."""

from __future__ import annotations

import logging
from typing import Callable

from django.http import HttpRequest, HttpResponse

from sync.township import store

log = logging.getLogger("sync.township")


class CaughtUpMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(("/api/", "/static/")):
            try:
                store.catch_up()
            except Exception:  # noqa: BLE001 - the page still shows; the projector retries
                log.exception("could not bring the console's tables up to date")
        return self.get_response(request)
