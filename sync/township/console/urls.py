"""The console's URLs (mounted at ``/`` by ``sync.township.urls``)."""

from __future__ import annotations

from django.contrib.staticfiles.views import serve as static_serve
from django.urls import include, path, re_path

from sync.township.console.views import (auth, catalog, circular, devices, errands, inbox, offline, rosters,
                                         staff, supplies)

app_name = "console"

urlpatterns = [
    path("", inbox.inbox, name="inbox"),
    path("errands/batch/", inbox.batch, name="batch"),
    path("errands/<str:entity_id>/", errands.detail, name="errand"),
    path("errands/<str:entity_id>/step/", errands.step, name="step"),
    path("errands/<str:entity_id>/note/", errands.note, name="note"),
    path("supplies/", supplies.purchase_list, name="supplies"),
    path("supplies/export.xlsx", supplies.purchase_list_xlsx, name="supplies_xlsx"),
    path("supplies/purchased/", supplies.mark_purchased, name="supplies_purchased"),
    path("circular/", circular.circular, name="circular"),
    path("circular/export.xlsx", circular.circular_xlsx, name="circular_xlsx"),
    path("rosters/", rosters.rosters, name="rosters"),
    path("rosters/template.xlsx", rosters.template, name="roster_template"),
    path("rosters/upload/", rosters.upload, name="roster_upload"),
    path("rosters/<str:entity_id>/", rosters.roster_detail, name="roster"),
    path("catalog/", catalog.catalog, name="catalog"),
    path("catalog/new/", catalog.add_item, name="catalog_add"),
    path("catalog/<str:code>/", catalog.edit_item, name="catalog_edit"),
    path("catalog/<str:code>/retire/", catalog.retire_item, name="catalog_retire"),
    path("devices/", devices.devices, name="devices"),
    path("devices/enroll/", devices.enroll, name="enroll"),
    path("devices/<int:pk>/revoke/", devices.revoke, name="revoke"),
    path("offline/", offline.offline, name="offline"),
    path("offline/<int:pk>/", offline.offline_done, name="offline_done"),
    path("offline/<int:pk>/answer/", offline.answer, name="offline_answer"),
    path("staff/", staff.staff, name="staff"),
    path("staff/new/", staff.staff_new, name="staff_new"),
    path("staff/<int:pk>/", staff.staff_edit, name="staff_edit"),
    path("accounts/login/", auth.login, name="login"),
    path("accounts/logout/", auth.logout, name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The township server runs without a front web server: Django serves the few local CSS/JS
    # files itself (no CDN: there is no internet at a township center).
    re_path(r"^static/(?P<path>.*)$", static_serve, {"insecure": True}),
]
