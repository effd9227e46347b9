"""The inbox: every village's errands, newest first, with filters, counts and batch steps."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sync.township import operations as ops
from sync.township.console import queries
from sync.township.console.access import clerk_view
from sync.township.console.refusals import refusal_text
from sync.township.console.forms import BatchStepForm, InboxFilterForm
from sync.township.console.idnumber import mask
from sync.township.console.views.common import actor, paginate, query_without_page, today


def _filter_from(form: InboxFilterForm) -> queries.InboxFilter:
    if form.is_valid():
        data = form.cleaned_data
    else:
        # Keep the valid filters; the bad one shows its message beside the field.
        data = {k: v for k, v in getattr(form, "cleaned_data", {}).items()}
    return queries.InboxFilter(village=data.get("village") or "", kind=data.get("kind") or "",
                               status=data.get("status") or "open", due=data.get("due") or "",
                               month=data.get("month") or "", q=data.get("q") or "")


@clerk_view
def inbox(request: HttpRequest) -> HttpResponse:
    form = InboxFilterForm(request.GET or None)
    if not request.GET:
        form = InboxFilterForm({"status": "open"})
    f = _filter_from(form)
    day = today()
    page = paginate(request, queries.inbox(f, day))
    people = queries.resident_names(e.resident_id for e in page.object_list)
    rows = []
    for e in page.object_list:
        person = people.get(e.resident_id)
        overdue = not e.closed and e.promised_date and e.promised_date < day.isoformat()
        rows.append({"errand": e, "name": person.name if person else "", "id_masked": mask(person.id_number)
                     if person else "", "overdue": overdue,
                     "due_soon": (not overdue and not e.closed and e.promised_date
                                  and e.promised_date <= (day + queries.dt.timedelta(days=2)).isoformat())})
    return render(request, "console/inbox.html", {
        "form": form, "page": page, "rows": rows, "counts": queries.inbox_counts(f, day), "filter": f,
        "query": query_without_page(request), "today": day, "batch_form": BatchStepForm(),
    })


@clerk_view
@require_POST
def batch(request: HttpRequest) -> HttpResponse:
    """One step on every selected errand; each succeeds or fails alone, and all are reported."""
    form = BatchStepForm(request.POST)
    back = request.POST.get("back") or ""
    target_url = "/" + ("?" + back if back else "")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(target_url)
    ids = form.cleaned_data["ids"]
    target = form.cleaned_data["target"]
    if target == "forwarded":
        # Only county-tier items go to the county (as on the errand page).
        local = list(ops.m.Errand.objects.filter(entity_id__in=ids).exclude(tier="county")
                     .values_list("number", flat=True))
        if local:
            messages.error(request, _("这些事项由乡镇办理，不能转县：%(numbers)s") % {"numbers": "、".join(local[:20])})
        ids = list(ops.m.Errand.objects.filter(entity_id__in=ids, tier="county").values_list("entity_id", flat=True))
    outcomes = ops.take_steps(ids, target, reason=form.cleaned_data.get("reason") or "", actor=actor(request))
    ok = [o for o in outcomes if o.ok]
    failed = [o for o in outcomes if not o.ok]
    if ok:
        messages.success(request, _("已办理 %(n)d 件。村里下次同步时会看到新状态。") % {"n": len(ok)})
    if failed:
        numbers = {e.entity_id: e.number for e in ops.m.Errand.objects.filter(
            entity_id__in=[o.entity_id for o in failed])}
        for o in failed[:20]:
            messages.error(request, f"{numbers.get(o.entity_id, o.entity_id)}：{refusal_text(o)}")
        if len(failed) > 20:
            messages.error(request, _("另有 %(n)d 件没有办理。") % {"n": len(failed) - 20})
    return redirect(target_url)
