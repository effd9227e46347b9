"""The service catalog: edit, add or retire (停办) an item and publish a new version."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_POST
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from sync.township import models as m
from sync.township import operations as ops
from sync.township.console.refusals import refusal_text
from sync.township.console.access import supervisor_view
from sync.township.console.forms import CatalogItemForm, NewCatalogItemForm
from sync.township.console.views.common import actor
from sync.township.console.views.rosters import catalog_items, shipped_catalog_version


def next_version() -> str:
    """``2026.11-3``: this month's next number, above every version published or shipped this month
    (the second edit of a month was given ``-1`` again, below the first, and villages kept the
    older catalog; found adding items in headless Chromium)."""
    stem = timezone.localdate().strftime("%Y.%m")
    versions = [*m.CatalogVersion.objects.filter(version__startswith=stem + "-").values_list("version", flat=True),
                _shipped_version()]
    numbers = [int(v.rsplit("-", 1)[1]) for v in versions if v.startswith(stem + "-") and v.rsplit("-", 1)[1].isdigit()]
    return f"{stem}-{max(numbers, default=0) + 1}"


def _shipped_version() -> str:
    """The latest published version, or the catalog shipped with the program."""
    latest = ops.latest_catalog()
    return latest.version if latest else shipped_catalog_version()


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
                    _write_edited(i, form.cleaned_data)
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


def _write_edited(item: dict, d: dict) -> dict:
    """What ``CatalogItemForm`` edits, written into ``item`` (for an edit and for a new item)."""
    item["name"] = d["name"]
    item["promised_days"] = d["promised_days"]
    if d.get("legal_days"):
        item["legal_days"] = d["legal_days"]
    item["materials"] = d["materials"]
    item["fee_fen"] = int(d["fee_yuan"] * 100)
    return item


# The letter that begins an item's code, by kind (as in the shipped catalog: Z001, B001, N001).
CODE_LETTER = {"certificate": "Z", "subsidy": "B", "farm_supply": "N"}


def next_code(items: list[dict], kind: str) -> str:
    """The kind's letter and one more than the highest number already used with it."""
    letter = CODE_LETTER[kind]
    used = [int(i["code"][1:]) for i in items if str(i.get("code", ""))[:1] == letter and str(i["code"][1:]).isdigit()]
    return f"{letter}{max(used, default=0) + 1:03d}"


@supervisor_view
def add_item(request: HttpRequest) -> HttpResponse:
    """A new service item: published as a new version with the item at the end."""
    items = catalog_items()
    form = NewCatalogItemForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if any(i.get("name") == d["name"] for i in items):
            form.add_error("name", _("目录里已有同名的事项。"))
        else:
            item = _write_edited({"code": next_code(items, d["kind"]), "kind": d["kind"], "tier": d["tier"],
                                  "department": d.get("department", ""), "legal_days": d["promised_days"]}, d)
            if d.get("unit"):
                item["unit"] = d["unit"].strip()
            if d.get("unit_price_yuan") is not None:
                item["unit_price_fen"] = int(d["unit_price_yuan"] * 100)
            if d["kind"] == "farm_supply" and d.get("category"):
                item["category"] = d["category"].strip()
            try:
                cat = ops.publish_catalog(next_version(), [*copy.deepcopy(items), item], actor=actor(request))
            except ops.TownshipError as exc:
                form.add_error(None, refusal_text(exc))
            else:
                messages.success(request, _("已添加事项 %(code)s %(name)s，目录 %(version)s 已发布，各村下次同步时更新。")
                                 % {"code": item["code"], "name": item["name"], "version": cat.version})
                return redirect("console:catalog")
    return render(request, "console/catalog_edit.html", {"form": form, "item": None},
                  status=400 if form.errors else 200)


@supervisor_view
@require_POST
def retire_item(request: HttpRequest, code: str) -> HttpResponse:
    """Stop (or, with ``restore``, resume) a service: a new version with the item marked retired.

    - The item stays in the catalog: errands already logged for it keep its name, materials and
      promised days, and go on as before; villages only stop offering it for new errands, and
      the roster upload stops offering it for new rosters.
    """
    changed = copy.deepcopy(catalog_items())
    item = next((i for i in changed if i.get("code") == code), None)
    if item is None:
        raise Http404(_("目录里没有这个事项。"))
    restore = request.POST.get("restore") == "1"
    if restore:
        item.pop("retired", None)
    else:
        item["retired"] = True
    try:
        cat = ops.publish_catalog(next_version(), changed, actor=actor(request))
    except ops.TownshipError as exc:
        messages.error(request, refusal_text(exc))
    else:
        text = (_("已恢复办理事项 %(code)s %(name)s，目录 %(version)s 已发布，各村下次同步时更新。") if restore else
                _("已停办事项 %(code)s %(name)s，目录 %(version)s 已发布。各村下次同步后不能再为它登记新的代办，"
                  "已登记的照常办理。"))
        messages.success(request, text % {"code": code, "name": item.get("name", ""), "version": cat.version})
    return redirect("console:catalog")
