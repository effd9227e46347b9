"""The service catalog: edit an item (promised days, materials, fee) and publish a new version."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from sync.township import models as m
from sync.township import operations as ops
from sync.township.console.refusals import refusal_text
from sync.township.console.access import supervisor_view
from sync.township.console.forms import CatalogItemForm
from sync.township.console.views.common import actor
from sync.township.console.views.rosters import catalog_items


def next_version() -> str:
    """``2026.11-3``: this month's next number (versions sort as published)."""
    stem = timezone.localdate().strftime("%Y.%m")
    used = set(m.CatalogVersion.objects.filter(version__startswith=stem + "-").values_list("version", flat=True))
    n = 1
    while f"{stem}-{n}" in used or (n == 1 and _shipped_version() == f"{stem}-1" and not used):
        n += 1
    return f"{stem}-{n}"


def _shipped_version() -> str:
    latest = ops.latest_catalog()
    return latest.version if latest else "2026.11-1"


@supervisor_view
def catalog(request: HttpRequest) -> HttpResponse:
    latest = ops.latest_catalog()
    return render(request, "console/catalog.html", {"items": catalog_items(), "latest": latest})


@supervisor_view
def edit_item(request: HttpRequest, code: str) -> HttpResponse:
    items = catalog_items()
    item = next((i for i in items if i.get("code") == code), None)
    if item is None:
        raise Http404(_("目录里没有这个事项。"))
    if request.method == "POST":
        form = CatalogItemForm(request.POST)
        if form.is_valid():
            changed = copy.deepcopy(items)
            for i in changed:
                if i.get("code") == code:
                    i["name"] = form.cleaned_data["name"]
                    i["promised_days"] = form.cleaned_data["promised_days"]
                    if form.cleaned_data.get("legal_days"):
                        i["legal_days"] = form.cleaned_data["legal_days"]
                    i["materials"] = form.cleaned_data["materials"]
                    i["fee_fen"] = int(form.cleaned_data["fee_yuan"] * 100)
            try:
                cat = ops.publish_catalog(next_version(), changed, actor=actor(request))
            except ops.TownshipError as exc:
                form.add_error(None, refusal_text(exc))
            else:
                messages.success(request, _("目录 %(version)s 已发布，各村下次同步时更新。") % {"version": cat.version})
                return redirect("console:catalog")
    else:
        form = CatalogItemForm(initial={
            "name": item.get("name", ""), "promised_days": item.get("promised_days"),
            "legal_days": item.get("legal_days"), "materials": "\n".join(item.get("materials") or []),
            "fee_yuan": (item.get("fee_fen") or 0) / 100})
    return render(request, "console/catalog_edit.html", {"form": form, "item": item},
                  status=400 if form.errors else 200)
