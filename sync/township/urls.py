"""URLs: the sync API under ``/api/``, Django admin under ``/admin/``, the staff console at ``/``
once ``sync.township.console`` exists (it provides ``sync.township.console.urls``)."""

from __future__ import annotations

import importlib.util

from django.contrib import admin
from django.urls import include, path

from sync.township import api

urlpatterns = [
    path("api/", include(api.urlpatterns)),
    path("admin/", admin.site.urls),
]

if (importlib.util.find_spec("sync.township.console") is not None
        and importlib.util.find_spec("sync.township.console.urls") is not None):
    urlpatterns.append(path("", include("sync.township.console.urls")))
    # The console's own error pages, in its language (Chinese unless the user switched).
    handler404 = "sync.township.console.views.errors.page_not_found"
    handler403 = "sync.township.console.views.errors.permission_denied"
