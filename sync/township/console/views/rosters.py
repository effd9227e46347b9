"""Subsidy rosters: the template, the checked upload, and the payout reconciliation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from sync.township import models as m
from sync.township import operations as ops
from sync.township.console import queries, workbook
from sync.township.console.access import supervisor_view
from sync.township.console.forms import RosterUploadForm
from sync.township.console.idnumber import mask
from sync.township.console.views.common import actor, download, paginate, today

SHIPPED_CATALOG = Path(__file__).resolve().parents[4] / "resources" / "catalog" / "catalog.json"


def catalog_items() -> list[dict[str, Any]]:
    """The latest published catalog's items, or the shipped catalog before anything was published."""
    latest = ops.latest_catalog()
    if latest is not None:
        return [i for i in latest.items if isinstance(i, dict)]
    return list(_shipped_catalog().get("items", []))


def shipped_catalog_version() -> str:
    """The version of the catalog shipped with the program (what villages start with)."""
    return str(_shipped_catalog().get("version", ""))


def _shipped_catalog() -> dict[str, Any]:
    try:
        shipped = json.loads(SHIPPED_CATALOG.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return shipped if isinstance(shipped, dict) else {}


@supervisor_view
def rosters(request: HttpRequest) -> HttpResponse:
    page = paginate(request, m.Roster.objects.select_related("village").order_by("-id"), 30)
    progress = queries.roster_progress([r.entity_id for r in page.object_list])
    rows = [{"roster": r, **progress.get(r.entity_id, {"lines": 0, "fen": 0, "paid": 0, "paid_fen": 0,
                                                          "problems": 0})} for r in page.object_list]
    villages, total = queries.reconciliation()
    return render(request, "console/rosters.html", {"page": page, "rows": rows, "villages": villages,
                                                    "total": total})


@supervisor_view
def roster_detail(request: HttpRequest, entity_id: str) -> HttpResponse:
    """One roster's payees and where each payout stands (as the village last reported it)."""
    roster = get_object_or_404(m.Roster.objects.select_related("village"), entity_id=entity_id)
    page = paginate(request, m.Errand.objects.filter(roster_id=entity_id).order_by("number"))
    people = queries.resident_names(e.resident_id for e in page.object_list)
    rows = [{"errand": e, "name": people[e.resident_id].name if e.resident_id in people else "",
             "id_masked": mask(people[e.resident_id].id_number) if e.resident_id in people else ""}
            for e in page.object_list]
    progress = queries.roster_progress([entity_id]).get(entity_id, {})
    return render(request, "console/roster.html", {"roster": roster, "page": page, "rows": rows,
                                                   "progress": progress})


@supervisor_view
def template(request: HttpRequest) -> HttpResponse:
    return download(workbook.roster_template(), "补贴名册模板.xlsx", workbook.XLSX_TYPE)


@supervisor_view
def upload(request: HttpRequest) -> HttpResponse:
    """Check every row; store the roster (one per village in the file) only when all rows are good."""
    items = catalog_items()
    problems: list[workbook.RowProblem] = []
    if request.method == "POST":
        form = RosterUploadForm(request.POST, request.FILES, items=items)
        if form.is_valid():
            raw = form.cleaned_data["file"].read()
            known = set(m.Village.objects.values_list("code", flat=True))
            lines, problems = workbook.read_roster(raw, known, today())
            if problems:
                form.add_error("file", _("名册有 %(n)d 处错误，整份名册没有保存。请改正下面列出的行后重新上传。")
                               % {"n": len(problems)})
            else:
                item = form.items[form.cleaned_data["item_code"]]
                with transaction.atomic():  # all villages of the file, or none
                    for village_code, village_lines in sorted(lines.items()):
                        ops.publish_roster(village_code, item_code=item["code"], item_name=item["name"],
                                           title=form.cleaned_data["title"], month=form.cleaned_data["month"],
                                           lines=village_lines, actor=actor(request),
                                           promised_days=int(item.get("promised_days") or 30))
                n = sum(len(v) for v in lines.values())
                messages.success(request, _("名册已发布：%(villages)d 个村，共 %(n)d 人。各村下次同步时收到。")
                                 % {"villages": len(lines), "n": n})
                return redirect("console:rosters")
    else:
        form = RosterUploadForm(items=items)
    return render(request, "console/roster_upload.html", {"form": form, "problems": problems[:500],
                                                          "more_problems": max(0, len(problems) - 500)},
                  status=400 if problems or form.errors else 200)
