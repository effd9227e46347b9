"""Farm-supply purchase lists: the villages' orders summed per item, exported for the supplier."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sync.township import operations as ops
from sync.township.console import queries, workbook
from sync.township.console.access import clerk_view
from sync.township.console.refusals import refusal_text
from sync.township.console.forms import MONTH_RE
from sync.township.console.views.common import actor, download


def _params(request: HttpRequest) -> tuple[str, str, str, list[str]]:
    source = request.POST if request.method == "POST" else request.GET
    errors = []
    status = source.get("status", "ordered")
    if status not in ("ordered", "purchased", "delivered", "settled", ""):
        errors.append(_("状态不对。"))
        status = "ordered"
    month = (source.get("month") or "").strip()
    if month and not MONTH_RE.match(month):
        errors.append(_("月份应写成 2026-03 这样。"))
        month = ""
    round_name = (source.get("round") or "").strip()[:40]
    return status, month, round_name, errors


@clerk_view
def purchase_list(request: HttpRequest) -> HttpResponse:
    status, month, round_name, errors = _params(request)
    per_item, per_village = queries.purchase_list(status, month, round_name)
    total_fen = sum(r["fen"] or 0 for r in per_item)
    return render(request, "console/supplies.html", {
        "per_item": per_item, "per_village": per_village, "status": status, "month": month, "round": round_name,
        "errors": errors, "total_fen": total_fen, "query": request.GET.urlencode()})


@clerk_view
def purchase_list_xlsx(request: HttpRequest) -> HttpResponse:
    status, month, round_name, _errors = _params(request)
    per_item, per_village = queries.purchase_list(status, month, round_name)
    title = _("农资采购清单") + (f" {month}" if month else "") + (f" {round_name}" if round_name else "")
    data = workbook.purchase_list_xlsx(per_item, per_village, title)
    return download(data, f"农资采购清单{('-' + month) if month else ''}.xlsx", workbook.XLSX_TYPE)


@clerk_view
@require_POST
def mark_purchased(request: HttpRequest) -> HttpResponse:
    """Every listed order (as filtered) becomes 已采购; the villages then deliver and settle."""
    _status, month, round_name, errors = _params(request)
    if errors:
        for e in errors:
            messages.error(request, e)
        return redirect("console:supplies")
    outcomes = ops.take_steps(queries.purchase_ids("ordered", month, round_name), "purchased", actor=actor(request))
    done = sum(1 for o in outcomes if o.ok)
    messages.success(request, _("已将 %(n)d 笔订单标为已采购。") % {"n": done})
    for o in [o for o in outcomes if not o.ok][:10]:
        messages.error(request, refusal_text(o))
    return redirect("console:supplies")
