"""The monthly circular (按月通报): per village, ranked, with a chart, printable and as .xlsx."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sync.township.console import queries, workbook
from sync.township.console.access import clerk_view
from sync.township.console.forms import MonthForm
from sync.township.console.labels import kind_label, lang
from sync.township.console.views.common import download, today
from sync.workflow import KINDS

LOG_ZH = {"consultation": "政策咨询", "dispute": "矛盾调解", "concern": "社情民意", "problem": "实事办理"}
LOG_EN = {"consultation": "Consultations", "dispute": "Disputes", "concern": "Concerns", "problem": "Problems solved"}


def _month(request: HttpRequest) -> tuple[MonthForm, str]:
    default = today().strftime("%Y-%m")
    form = MonthForm(request.GET if request.GET.get("month") else {"month": default})
    month = form.cleaned_data["month"] if form.is_valid() else default
    return form, month


@clerk_view
def circular(request: HttpRequest) -> HttpResponse:
    form, month = _month(request)
    lines, total, supplies = queries.circular(month, today())
    top = max([line.received for line in lines] + [line.completed for line in lines] + [1])
    log_types = LOG_EN if lang() == "en" else LOG_ZH
    return render(request, "console/circular.html", {
        "form": form, "month": month, "lines": lines, "total": total, "supplies": supplies, "top": top,
        "kinds": [(k, kind_label(k)) for k in KINDS], "log_types": list(log_types.items()),
        "chart": [{"line": line, "received_pct": round(line.received * 100 / top, 1),
                   "completed_pct": round(line.completed * 100 / top, 1),
                   "rate_pct": round((line.on_time_rate or 0) * 100, 1)} for line in lines],
    })


@clerk_view
def circular_xlsx(request: HttpRequest) -> HttpResponse:
    _form, month = _month(request)
    lines, total, supplies = queries.circular(month, today())
    data = workbook.circular_xlsx(month, lines, total, supplies, KINDS, LOG_ZH)
    return download(data, f"按月通报-{month}.xlsx", workbook.XLSX_TYPE)
